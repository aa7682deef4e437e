"""A one-line label that never widens its window: a text too long for it ends in "…",
and the whole text is its tooltip (the status bar's messages, which can be long errors).
Both are plain text: an error can quote what a peer sent.

It is also cheap to change many times a second (the log's counters under a flood): a
``QLabel.setText`` asks every layout up to the window to run again, which under a flood
meant four repaints of the whole window per counter update. This label keeps its text
itself and repaints only its own rectangle; its size hint's width is rounded up to
``WIDTH_STEP`` pixels, so the layouts are asked again only when the text crosses a step.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from .plain_text import plain, set_plain_tooltip

__all__ = ["WIDTH_STEP", "ElidedLabel"]

#: Size hints are multiples of this many pixels: a counter that goes from 9,999 to 10,000
#: moves the layout once, not at every digit.
WIDTH_STEP = 48


class ElidedLabel(QLabel):
    """``text()`` is the whole text; what is painted is cut to the width with "…".

    ``tooltip_extra`` is shown under the whole text on hover (e.g. recent problems)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        plain(self)  # it paints its text itself, as text; QLabel's own checks agree
        self.tooltip_extra = ""
        self._text = ""
        self._hint_width = 0

    def text(self) -> str:  # Qt override: the text is kept here, see the module docstring
        return self._text

    def setText(self, text: str) -> None:  # Qt override
        if text == self._text:
            return
        self._text = text
        self._update_tooltip()
        width = self._rounded_width()
        if width != self._hint_width:
            self._hint_width = width
            self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # Qt override
        margins = self.contentsMargins()
        height = self.fontMetrics().height() + margins.top() + margins.bottom()
        return QSize(self._rounded_width() + margins.left() + margins.right(), height)

    def minimumSizeHint(self) -> QSize:  # Qt override
        return QSize(0, self.sizeHint().height())

    def set_tooltip_extra(self, extra: str) -> None:
        self.tooltip_extra = extra
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        parts = [part for part in (self._text, self.tooltip_extra) if part]
        set_plain_tooltip(self, "\n\n".join(parts))

    def _rounded_width(self) -> int:
        width = self.fontMetrics().horizontalAdvance(self._text)
        return -(-width // WIDTH_STEP) * WIDTH_STEP

    def is_elided(self) -> bool:
        """True when the text does not fit and ends in "…" on the screen."""
        return self.fontMetrics().horizontalAdvance(self._text) > self.contentsRect().width()

    def changeEvent(self, event: Any) -> None:  # Qt override: a new font or zoom
        super().changeEvent(event)
        self._hint_width = self._rounded_width()

    def paintEvent(self, event: Any) -> None:  # Qt override
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)
