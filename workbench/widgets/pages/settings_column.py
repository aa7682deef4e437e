"""A scrollable column that holds a page's settings (auto-reply, option form)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QFrame, QScrollArea, QToolButton, QVBoxLayout, QWidget


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

    def changeEvent(self, event: QEvent) -> None:  # Qt override: the window was zoomed
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            # On the next turn: the content's size hints follow the new font only then.
            QTimer.singleShot(0, self, self.fit)


class SettingsToggle(QToolButton):
    """The header button that shows or hides a page's settings column.

    While the server listens / the client is open the settings are read-only, so the
    column folds away to give the sockets and the log the room; it comes back when the
    server stops or the client closes — unless the person had closed it before it started:
    closed by hand, it stays closed. The button lets a person peek either way.
    """

    def __init__(self, column: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.column = column
        self.setObjectName("settingsToggle")
        self.setCheckable(True)
        self.setChecked(True)
        self.setText("Settings")
        self.toggled.connect(self._toggled)
        self._running = False
        self._wanted = True  # the person's choice while not running
        self._toggled(True)

    def _toggled(self, shown: bool) -> None:
        if not self._running:
            self._wanted = shown
        self.column.setVisible(shown)
        self.setText("◂ Settings" if shown else "Settings ▸")
        self.setToolTip("Hide the settings" if shown else "Show the settings")

    @property
    def running(self) -> bool:
        return self._running

    def follow(self, running: bool) -> None:
        """Fold the settings when it starts running; when it stops, show them again as the
        person had them before."""
        if running != self._running:
            self._running = running
            self.setChecked(False if running else self._wanted)
