"""The "Classroom" tab of a server page: share the server on the network, show the student
page's URLs with a QR code, follow every socket in one feed, announce to all, kick one.

Left: the "Share on the network" switch, the "Let any web page connect" switch (off: only
the student page and clients without an Origin), the URLs (loopback last; pick one for its
QR code) and the QR code. Right: the feed, then the announce row and the kick button (for the socket
of the selected feed row).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.qt.classroom import KICK_CODE, KICK_REASON
from workbench.qt.classroom_feed_model import COL_KIND, COL_TEXT, COL_TIME, COL_WHO
from workbench.qt.roles import SOCKET_ID_ROLE
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named

__all__ = ["ClassroomPanel"]

NOT_SHARED_HINT = (
    "Turn on sharing to let students join from their browsers: the server then listens on "
    "every network interface and its port also serves a chat page."
)
NOT_LISTENING_HINT = "Shared. Start the server to see the addresses students can open."


class QrLabel(QLabel):
    """A QR code drawn as large as the label allows, square, with sharp modules (no
    smoothing) and its quiet zone never cut off."""

    def __init__(self) -> None:
        super().__init__()
        self._code = QPixmap()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def set_code(self, png: bytes) -> None:
        self._code = QPixmap()
        self._code.loadFromData(png, "PNG")
        self._fit()

    def code(self) -> QPixmap:
        """The QR code as rendered by the engine (before fitting it to the label)."""
        return self._code

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._code.isNull():
            self.clear()
            return
        side = min(self.width(), self.height())
        self.setPixmap(
            self._code.scaled(
                side,
                side,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
        )


class ClassroomPanel(QWidget):
    """``ClassroomPanel(service, server_id, parent=None)``."""

    def __init__(
        self, service: WorkbenchService, server_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.engine = service.engine
        self.server_id = server_id
        self.model = service.classroom.feed_model(server_id, self)
        split = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        split.addWidget(self._sharing_side())
        split.addWidget(self._feed_side())
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        self.share_switch.toggled.connect(self._share_toggled)
        self.any_origin_switch.toggled.connect(self._any_origin_toggled)
        self.urls.currentRowChanged.connect(self._show_qr)
        self.copy_button.clicked.connect(self.copy_url)
        self.announce_button.clicked.connect(self.announce)
        self.announce_text.returnPressed.connect(self.announce)
        self.kick_button.clicked.connect(self.kick_selected)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.rowsInserted.connect(self._feed_grew)
        self.model.rowsRemoved.connect(self._update_actions)
        service.classroom.shared_changed.connect(self._shared_changed)
        service.classroom.any_origin_changed.connect(self._shared_changed)
        service.server_state_changed.connect(self._state_changed)
        service.socket_closed.connect(self._update_actions)
        self.destroyed.connect(self.model.stop)
        self.refresh()

    def _sharing_side(self) -> QWidget:
        """The share switch, its hint, the URLs, Copy address and the QR code."""
        self.share_switch = named(
            QCheckBox("Share on the network"),
            "shareSwitch",
            "Listen on every interface (0.0.0.0) and serve the student page on the same port; "
            "a running server restarts (its sockets close with 1001)",
        )
        self.any_origin_switch = named(
            QCheckBox("Let any web page connect"),
            "anyOriginSwitch",
            "Off: only the student page served here, and programs that send no Origin "
            "(scripts, command-line clients), may open sockets; any other web page a "
            "student has open is refused with 403. On: every page may connect.",
        )
        self.hint = named(QLabel(NOT_SHARED_HINT, wordWrap=True), "hint")
        self.urls = named(
            QListWidget(),
            "classroomUrls",
            "Addresses students can open (Ctrl+C copies the selected one)",
        )
        self.qr = named(QrLabel(), "classroomQr")
        self.copy_button = QPushButton("Copy address")
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.share_switch,
            self.any_origin_switch,
            self.hint,
            self.urls,
            self.copy_button,
        ):
            layout.addWidget(widget)
        layout.addWidget(self.qr, 1)
        layout.addStretch(0)  # keeps the hint at the top while there is no QR code
        return side

    def _feed_side(self) -> QWidget:
        """The feed (or a hint while it is empty), then the announce row and Kick."""
        self.table = named(QTableView(wordWrap=False), "classroomFeed")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (COL_TIME, COL_WHO, COL_KIND):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        self.empty = named(
            QLabel(
                "No one has joined yet. Students who open the page appear here.",
                alignment=Qt.AlignmentFlag.AlignCenter,
                wordWrap=True,
            ),
            "hint",
        )
        self.feed_stack = QStackedWidget()
        self.feed_stack.addWidget(self.empty)
        self.feed_stack.addWidget(self.table)
        self.announce_text = named(QLineEdit(placeholderText="Message to everyone"), "announceText")
        self.announce_text.setMinimumWidth(150)
        self.announce_button = named(
            QPushButton("Send to all"),
            "announceButton",
            "Broadcast to every open socket of this server",
        )
        self.kick_button = named(
            QPushButton("Kick"),
            "kickButton",
            f"Close the selected row's socket with code {KICK_CODE} ({KICK_REASON})",
        )
        row = QHBoxLayout()
        row.addWidget(self.announce_text, 1)
        row.addWidget(self.announce_button)
        row.addWidget(self.kick_button)
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.feed_stack, 1)
        layout.addLayout(row)
        return side

    # -- state ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the sharing state, the URLs and the QR code as the classroom has them."""
        classroom = self.engine.classroom
        if self.server_id not in self.engine.servers:
            return
        shared = classroom.is_shared(self.server_id)
        self.share_switch.blockSignals(True)
        self.share_switch.setChecked(shared)
        self.share_switch.blockSignals(False)
        self.share_switch.setEnabled(True)
        self.any_origin_switch.blockSignals(True)
        self.any_origin_switch.setChecked(classroom.is_open_to_any_origin(self.server_id))
        self.any_origin_switch.blockSignals(False)
        urls = classroom.urls(self.server_id)
        self.urls.clear()
        self.urls.addItems(urls)
        self.urls.setVisible(bool(urls))
        self.copy_button.setVisible(bool(urls))
        self.qr.setVisible(bool(urls))
        self.hint.setText("" if urls else NOT_LISTENING_HINT if shared else NOT_SHARED_HINT)
        self.hint.setVisible(not urls)
        if urls:  # as tall as its rows (up to 4), leaving the room to the QR code
            rows = min(len(urls), 4) * self.urls.sizeHintForRow(0)
            self.urls.setFixedHeight(rows + 2 * self.urls.frameWidth() + 2)
            self.urls.setCurrentRow(0)
        self._update_actions()

    def _show_qr(self, row: int) -> None:
        item = self.urls.item(row)
        self.qr.set_code(b"" if item is None else self.engine.classroom.qr_png(item.text()))
        self.qr.setToolTip("" if item is None else item.text())

    def selected_socket(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        socket_id = rows[0].data(SOCKET_ID_ROLE)
        return str(socket_id) if socket_id else None

    def _update_actions(self, *_: Any) -> None:
        if self.server_id not in self.engine.servers:
            return  # removed: the page goes away after the last signals
        socket_id = self.selected_socket()
        sockets = self.engine.server(self.server_id).sockets
        open_socket = socket_id in sockets and sockets[socket_id].is_open
        self.kick_button.setEnabled(open_socket)
        self.announce_button.setEnabled(bool(self.engine.server(self.server_id).open_sockets))
        self.feed_stack.setCurrentWidget(self.table if self.model.rowCount() else self.empty)

    def _feed_grew(self, *_: Any) -> None:
        self._update_actions()
        self.table.scrollToBottom()

    def _shared_changed(self, server_id: str, _on: bool) -> None:
        if server_id == self.server_id:
            self.refresh()

    def _state_changed(self, server_id: str, _state: str, _text: str) -> None:
        if server_id == self.server_id:
            self.refresh()

    # -- actions ----------------------------------------------------------------------------

    def _share_toggled(self, on: bool) -> None:
        self.share_switch.setEnabled(False)  # until shared_changed says the (re)start is over
        self.service.run(self.engine.classroom.share(self.server_id, on))

    def _any_origin_toggled(self, on: bool) -> None:
        self.engine.classroom.set_any_origin(self.server_id, on)

    def copy_url(self) -> None:
        item = self.urls.currentItem()
        if item is not None:
            QGuiApplication.clipboard().setText(item.text())

    def announce(self) -> int:
        """Send the announce text to every open socket; how many got it."""
        text = self.announce_text.text()
        if not text or not self.announce_button.isEnabled():
            return 0
        sent = self.engine.classroom.announce(self.server_id, text)
        if sent:
            self.announce_text.clear()
        return sent

    def kick_selected(self) -> None:
        socket_id = self.selected_socket()
        if socket_id is not None and self.kick_button.isEnabled():
            self.kick_button.setEnabled(False)
            self.service.run(self.engine.classroom.kick(socket_id))
