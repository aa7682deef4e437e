"""Text from the network, a file or a person shown as text, never as rich text.

A ``QLabel``, a ``QMessageBox`` and a tooltip guess whether their text is HTML
(``Qt.mightBeRichText``): a close reason ``<font color=red size=7>…`` or an imported file
named ``<img src=…>.jsonl`` would be drawn as HTML. Every widget that shows such text goes
through one of these:

``plain(label)``: the label (or message box) shows its text as plain text from now on;
``set_plain_tooltip(widget, text)``: the tooltip shows ``text`` exactly (``plain_tooltip``,
from ``workbench.qt.plain_text``, for an item's ``setToolTip`` or a model's tooltip role).
Labels that show only the workbench's own fixed words may stay as they are; labels that
mix our markup with such text escape it themselves (``html.escape``).
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from workbench.qt.plain_text import plain_tooltip

__all__ = ["plain", "plain_tooltip", "set_plain_tooltip"]

L = TypeVar("L", QLabel, QMessageBox)


def plain(widget: L) -> L:
    """``widget`` (a label or a message box) showing its text as plain text; returns it."""
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def set_plain_tooltip(widget: QWidget, text: str) -> None:
    """Give ``widget`` the tooltip ``text``, shown as it is."""
    widget.setToolTip(plain_tooltip(text))
