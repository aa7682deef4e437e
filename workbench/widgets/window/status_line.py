"""``StatusLine``: what the main window's status bar says — the last message (an error in
red, the recent errors on hover) and how many servers listen and clients are open."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QStatusBar

from workbench.widgets.common.elided_label import ElidedLabel
from workbench.widgets.pages.option_form import with_labels

__all__ = ["ERROR_HISTORY", "StatusLine"]

ERROR_HISTORY = 20


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


class StatusLine(QObject):
    """``StatusLine(bar)`` puts ``label`` (the last message) and ``counts`` into ``bar``.

    A QObject owned by the bar, so signals connected to its methods end with the window.
    ``errors``: the last ``ERROR_HISTORY`` errors with their time, newest last.
    """

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.errors: list[str] = []
        self.label = ElidedLabel()  # a long error never widens the window
        self.label.setObjectName("statusMessage")
        self.counts = QLabel()
        self.counts.setObjectName("hint")
        bar.addWidget(self.label, 1)
        bar.addPermanentWidget(self.counts)

    def show_error(self, context: str, message: str = "") -> None:
        """Show an error (kept until the next message; recent ones in the tooltip)."""
        text = _sentence(
            with_labels(f"{context}: {message}" if context and message else message or context)
        )
        stamp = time.strftime("%H:%M:%S")
        self.errors.append(f"{stamp}  {text}")
        del self.errors[:-ERROR_HISTORY]
        self.label.setObjectName("statusError")
        self.label.setStyleSheet("color: #b91c1c;")
        self.label.setText(f"⚠ {text}")
        self.label.set_tooltip_extra("Recent problems:\n" + "\n".join(self.errors))

    def show_info(self, text: str) -> None:
        self.label.setObjectName("statusMessage")
        self.label.setStyleSheet("")
        self.label.setText(_sentence(text))
        if self.errors:
            self.label.set_tooltip_extra("Recent problems:\n" + "\n".join(self.errors))

    def show_counts(self, listening: int, servers: int, open_clients: int, clients: int) -> None:
        self.counts.setText(
            f"{listening} of {servers} server{'' if servers == 1 else 's'} listening · "
            f"{open_clients} of {clients} client{'' if clients == 1 else 's'} open"
        )
