"""A coloured label for a server's or client's state (styled by ``state`` in style.qss).

Plain text: the state can carry the peer's close reason or a server's refusal."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from workbench.widgets.common.plain_text import plain, set_plain_tooltip

from .option_form import with_labels

#: service state -> badge colour class
STATE_STYLE = {
    "listening": "ok",
    "open": "ok",
    "starting": "busy",
    "stopping": "busy",
    "connecting": "busy",
    "closing": "busy",
    "failed": "error",
}


class StatusBadge(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBadge")
        plain(self)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.state = ""

    def set_state(self, state: str, text: str) -> None:
        self.state = state
        text = with_labels(text)
        self.setText(text[:1].upper() + text[1:] if text else state)
        set_plain_tooltip(self, self.text())
        self.setProperty("state", STATE_STYLE.get(state, "idle"))
        self.style().unpolish(self)
        self.style().polish(self)
