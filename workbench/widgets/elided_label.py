"""A one-line label that never widens its window: a text too long for it ends in "…",
and the whole text is its tooltip (the status bar's messages, which can be long errors)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """``text()`` is the whole text; what is painted is cut to the width with "…".

    ``tooltip_extra`` is shown under the whole text on hover (e.g. recent problems)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.tooltip_extra = ""

    def setText(self, text: str) -> None:  # Qt override: the tooltip follows the text
        super().setText(text)
        self._update_tooltip()

    def set_tooltip_extra(self, extra: str) -> None:
        self.tooltip_extra = extra
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        parts = [part for part in (self.text(), self.tooltip_extra) if part]
        self.setToolTip("\n\n".join(parts))

    def is_elided(self) -> bool:
        """True when the text does not fit and ends in "…" on the screen."""
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def paintEvent(self, event: Any) -> None:  # Qt override
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)
