"""What a person sees of a label's or a tooltip's text, as Qt decides it.

Qt draws a text as rich text when its format says so, or, for ``AutoText`` (a tooltip's
only format), when ``Qt.mightBeRichText`` guesses so; then the HTML is rendered. ``shown``
gives the characters that end up on the screen, so a test can say "the payload reads as
typed" (``shown(...) == payload``) instead of checking how it was escaped.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt  # the namespace with mightBeRichText
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["label_shown", "rendered_as_rich_text", "shown", "tooltip_shown"]


def rendered_as_rich_text(text: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> bool:
    if text_format == Qt.TextFormat.AutoText:
        return bool(GuiQt.mightBeRichText(text))
    return text_format in (Qt.TextFormat.RichText, Qt.TextFormat.MarkdownText)


def shown(text: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """The characters Qt puts on the screen for ``text`` in ``text_format``."""
    if not rendered_as_rich_text(text, text_format):
        return text
    document = QTextDocument()
    if text_format == Qt.TextFormat.MarkdownText:
        document.setMarkdown(text)
    else:
        document.setHtml(text)
    return document.toPlainText()


def tooltip_shown(widget: QWidget) -> str:
    """What ``widget``'s tooltip shows."""
    return shown(widget.toolTip())


def label_shown(label: QLabel) -> str:
    """What ``label`` shows."""
    return shown(label.text(), label.textFormat())
