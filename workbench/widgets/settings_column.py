"""A scrollable column that holds a page's settings (auto-reply, option form)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget


class SettingsColumn(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body = QWidget()
        self.layout_ = QVBoxLayout(self.body)
        self.layout_.setContentsMargins(0, 0, 6, 0)
        self.setWidget(self.body)

    def add(self, widget: QWidget, stretch: int = 0) -> None:
        self.layout_.addWidget(widget, stretch)
        self.fit()

    def fit(self) -> None:
        """Never narrower than the content: without a horizontal scroll bar it would be cut."""
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(max(280, self.body.minimumSizeHint().width() + scroll_bar + 4))

    def showEvent(self, event: Any) -> None:  # Qt override
        self.fit()
        super().showEvent(event)
