"""``ReplayDialog``: send an exported log (JSON Lines) again from a client or a server-side
socket, with its original timing or scaled, showing progress, with Cancel.

The replay runs on the loop (``engine.load.replay.replay_log`` through ``service.run``); ``task`` is
it. Cancel stops it (what was sent stays sent); closing the dialog cancels it as well.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)
from shiboken6 import isValid

from workbench.engine.load.replay import SPEEDS, replay_log
from workbench.engine.log.store import IN, OUT
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.wheel_guard import GuardedComboBox

__all__ = ["DIRECTIONS", "ReplayDialog"]

#: What to replay: label -> directions of the logged messages.
DIRECTIONS: dict[str, tuple[str, ...]] = {
    "what the logged side sent": (OUT,),
    "what the logged side received": (IN,),
    "both, in log order": (IN, OUT),
}


class ReplayDialog(QDialog):
    """``ReplayDialog(service, parent=None, path="")``."""

    def __init__(
        self, service: WorkbenchService, parent: QWidget | None = None, path: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Replay a log")
        self._service = service
        self._engine = service.engine
        self.task: asyncio.Task[bool] | None = None
        self.path = QLineEdit(path)
        self.path.setPlaceholderText("an exported log (.jsonl)")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        self.target = GuardedComboBox()
        self.speed = GuardedComboBox()
        for label, factor in SPEEDS.items():
            self.speed.addItem(label, factor)
        self.speed.setCurrentIndex(list(SPEEDS).index("original timing"))
        self.direction = GuardedComboBox()
        for label, directions in DIRECTIONS.items():
            self.direction.addItem(label, directions)
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m messages")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = plain(QLabel("Pick a log and where to send it from."))  # errors quote it
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.start_button = QPushButton("&Start")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        form = QFormLayout(self)
        form.addRow("Log file:", file_row)
        form.addRow("Send &from:", self.target)
        form.addRow("&Speed:", self.speed)
        form.addRow("&Messages:", self.direction)
        form.addRow(self.progress)
        form.addRow(self.status)
        form.addRow(buttons)
        self.fill_targets()
        self.setMinimumWidth(460)

    def fill_targets(self) -> None:
        """Every client and every open server-side socket, by name."""
        self.target.clear()
        for client_id, client in self._engine.clients.items():
            self.target.addItem(f"client {client.name} ({client.state})", client_id)
        for server_id, server in self._engine.servers.items():
            for socket in self._engine.sockets_of(server_id):
                if socket.is_open:
                    self.target.addItem(f"{server.name} → {socket.remote_address}", socket.id)
        self._update_buttons()

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Replay a log", self.path.text(), "Logs (*.jsonl);;All files (*)"
        )
        if path:
            self.path.setText(path)

    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> None:
        if self.running():
            return
        path = self.path.text().strip()
        if not path:
            self.status.setText("Pick a log file first.")
            return
        if self.target.currentData() is None:
            self.status.setText("There is no client or open socket to send from.")
            return
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(f"Replaying {self.speed.currentText()}…")
        self.task = self._service.run(
            replay_log(
                self._engine,
                path,
                self.target.currentData(),
                self.speed.currentData(),
                self.direction.currentData(),
                self._progressed,
            )
        )
        self.task.add_done_callback(self._finished)
        self._update_buttons()

    def cancel(self) -> None:
        """Stop a running replay; without one, close the dialog."""
        if self.running():
            assert self.task is not None
            self.task.cancel()
        else:
            self.reject()

    def _progressed(self, done: int, total: int) -> None:
        if not isValid(self):
            return
        if self.progress.maximum() != total:
            self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _finished(self, task: asyncio.Task[bool]) -> None:
        if not isValid(self):
            return  # the dialog was deleted while the replay ran down
        if task.cancelled():
            self.status.setText(f"Cancelled after {self.progress.value()} messages.")
        elif task.result():
            self.status.setText(f"Done: {self.progress.value()} messages sent.")
        else:
            errors = self._engine.errors
            self.status.setText(errors[-1][1] if errors else "The replay did not finish.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.running()
        self.start_button.setEnabled(not running and self.target.count() > 0)
        self.cancel_button.setText("&Cancel replay" if running else "&Close")

    def done(self, result: int) -> None:
        """Closing the dialog (Esc, the title bar, Close) cancels a running replay."""
        if self.running():
            assert self.task is not None
            self.task.cancel()
        super().done(result)
