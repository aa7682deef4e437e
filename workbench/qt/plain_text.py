"""Untrusted text into a Qt tooltip as text, never as rich text.

Qt shows a tooltip as rich text when ``Qt.mightBeRichText`` says it may be (a tag before the
first line break, ``&lt;`` there...), so a student's message ``<h1>CLASS CANCELLED</h1>`` or
``<img src="file:///...">`` in a log's tooltip was drawn as HTML, while a plain-looking text
with a tag on its second line showed its entities raw. ``plain_tooltip`` takes the guess
away: the text escaped, in a paragraph that keeps its line breaks and spaces, is always rich
text that reads exactly as the original. Item models use it for ``Qt.ToolTipRole``; widgets
use it through ``widgets.common.plain_text``, which also makes labels and message boxes plain.
"""

from __future__ import annotations

import html

__all__ = ["plain_tooltip"]


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip Qt shows character for character ('' stays '': no tooltip)."""
    if not text:
        return ""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"
