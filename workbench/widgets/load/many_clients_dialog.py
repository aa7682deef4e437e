"""``ManyClientsDialog``: open N clients to one workbench server at once, named "name 1..N".

Each becomes an ordinary client (its own page and log in the Clients tab, its own row in
the load table). Opening runs on the loop (``engine.load.many_clients.open_many``); the dialog closes at
once and ``task`` is that opening, for a caller or test to watch.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from workbench.engine.load.many_clients import MAX_CLIENTS, add_many_clients, open_many
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.wheel_guard import GuardedComboBox, GuardedSpinBox

__all__ = ["MANY_CLIENT_OPTIONS", "ManyClientsDialog"]

#: Options of each client besides the server's host and port: frames as they are, one retry,
#: and 5 s per attempt (dozens of handshakes share the server's loop with the UI).
MANY_CLIENT_OPTIONS: dict[str, Any] = {
    "number_of_retries": 1,
    "connect_timeout": 5000,
    "receive_type": "*/*",
    "send_type": "*/*",
}


class ManyClientsDialog(QDialog):
    """``ManyClientsDialog(service, parent=None, server_id=None)``: ``server``, ``name`` and
    ``count`` are its fields; ``client_ids`` and ``task`` are set once accepted."""

    def __init__(
        self, service: WorkbenchService, parent: QWidget | None = None, server_id: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open many clients")
        self._service = service
        self._engine = service.engine
        self.client_ids: list[str] = []
        self.task: asyncio.Task[int] | None = None  # how many opened
        self.server = GuardedComboBox()
        for sid, handle in service.engine.servers.items():
            self.server.addItem(handle.name, sid)
        if server_id is not None and self.server.findData(server_id) >= 0:
            self.server.setCurrentIndex(self.server.findData(server_id))
        self.name = QLineEdit("client")
        self.name.setPlaceholderText("client")
        self.count = GuardedSpinBox()
        self.count.setRange(1, MAX_CLIENTS)
        self.count.setValue(10)
        self.hint = plain(QLabel())  # the names typed and the server's name
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("&Server:", self.server)
        form.addRow("&Names:", self.name)
        form.addRow("&How many:", self.count)
        form.addRow(self.hint)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.open_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.open_button.setText("&Open clients")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.name.textChanged.connect(self._update_hint)
        self.count.valueChanged.connect(self._update_hint)
        self.server.currentIndexChanged.connect(self._update_hint)
        self._update_hint()
        self.setMinimumWidth(440)

    def _update_hint(self) -> None:
        if self.server.count() == 0:
            self.hint.setText("Add a server first (Servers tab): the clients connect to it.")
            self.open_button.setEnabled(False)
            return
        base = self.name.text().strip() or "client"
        count = self.count.value()
        names = f"“{base} 1”" if count == 1 else f"“{base} 1” to “{base} {count}”"
        server = self._engine.server(self.server.currentData())
        listening = "" if server.state == "listening" else " (start it first, or they fail)"
        self.hint.setText(f"Opens {names} to {server.name}{listening}, each with its own log.")
        self.open_button.setEnabled(True)

    def accept(self) -> None:
        server_id = self.server.currentData()
        if server_id is None:
            return
        self.client_ids = add_many_clients(
            self._engine,
            server_id,
            MANY_CLIENT_OPTIONS,
            self.name.text(),
            self.count.value(),
        )
        if self.client_ids:
            self.task = self._service.run(open_many(self._engine, self.client_ids))
        super().accept()
