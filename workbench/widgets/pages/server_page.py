"""One server's page: its settings, Start/Stop and status, the live list of its sockets
(each socket's log, frames and handshake; close with code and reason; ping), sending,
broadcast and auto-reply, and the Classroom and Fault lab tabs (the tabs under it are
``ServerLogTabs``).

The page calls the engine's facade (``service.engine``), runs its coroutines with
``service.run`` (tasks it never awaits) and follows the service's signals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.handles import ServerHandle
from workbench.qt.message_library import QtMessageLibrary
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.tab_fit import size_to_current_page
from workbench.widgets.common.wheel_guard import GuardedComboBox
from workbench.widgets.compose.composer import Composer
from workbench.widgets.compose.mime_chooser import MimeChooser
from workbench.widgets.faults.lab import FaultLabPanel
from workbench.widgets.protocol.conversation_view import ConversationView, show_conversation

from .item_page import ItemPage
from .option_form import server_form
from .server_log_tabs import ServerLogTabs
from .settings_column import SettingsColumn
from .sockets_box import SocketsBox

AUTO_REPLY_CHOICES = (("Off", "off"), ("Echo each message", "echo"), ("Fixed reply", "fixed"))


class ServerPage(ItemPage):
    """Everything about one server. ``new_client_requested(server_id)`` asks the window for
    a client aimed at this server."""

    new_client_requested = Signal(str)

    EDITABLE_HINT = "Settings apply when the server starts."
    LOCKED_HINT = "Stop the server to change these settings."

    def __init__(
        self,
        service: WorkbenchService,
        server_id: str,
        library: QtMessageLibrary,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(service, server_id, "server", server_form(), parent)
        handle = self.handle
        self.start_button = named(
            QPushButton("Start"),
            "primaryButton",
            "Listen for connections with the settings on the left",
        )
        self.stop_button = named(
            QPushButton("Stop"), tip="Stop listening and close every socket (code 1001)"
        )
        self.client_button = named(
            QPushButton("New client to it"),
            tip="Make a client aimed at this server's address and port",
        )
        settings = SettingsColumn()
        settings.add(self._auto_reply_box())
        settings.add(self.form_hint)
        settings.add(self.form, 1)
        self.socket_box = box = SocketsBox(service, server_id, self)
        self.sockets, self.socket_table = box.sockets, box.table
        self.log_button, self.forget_button = box.log_button, box.forget_button
        self.close_code, self.close_reason = box.close_code, box.close_reason
        self.close_button, self.ping_button = box.close_button, box.ping_button
        self.actions_tabs = self._actions_tabs(library)
        self.logs = ServerLogTabs(service, server_id)
        self.log_views, self.frames_views = self.logs.log_views, self.logs.frames_views
        self.handshake_view, self.classroom = self.logs.handshake_view, self.logs.classroom
        top = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        top.addWidget(self.socket_box)
        top.addWidget(self.actions_tabs)
        top.setStretchFactor(0, 6)
        top.setStretchFactor(1, 5)
        top.setSizes([395, 355])
        self._lay_out(
            [], [self.client_button, self.start_button, self.stop_button], settings, top, self.logs
        )
        self._connect()
        self._state_changed(server_id, handle.state, handle.status_text)
        self.composer.set_send_type(handle.send_type)
        self._sockets_changed()

    def _auto_reply_box(self) -> QGroupBox:
        """The Auto-reply settings: ``auto_mode`` and the fixed reply, ``auto_text``."""
        self.auto_mode = named(GuardedComboBox(), "autoReplyMode")
        for label, mode in AUTO_REPLY_CHOICES:
            self.auto_mode.addItem(label, mode)
        self.auto_mode.setCurrentIndex(max(0, self.auto_mode.findData(self.handle.auto_reply.mode)))
        self.auto_text = named(
            QLineEdit(
                self.handle.auto_reply.text, placeholderText='fixed reply, e.g. {"ok": true}'
            ),
            "autoReplyText",
        )
        box = named(
            QGroupBox("Auto-reply"),
            tip="Answer every incoming message automatically — handy for quick tests",
        )
        form = QFormLayout(box)
        form.addRow("Mode:", self.auto_mode)
        form.addRow("Reply:", self.auto_text)
        return box

    def _actions_tabs(self, library: QtMessageLibrary) -> QTabWidget:
        """Send (the ``composer`` with Send and Broadcast) and the ``fault_lab``, as tabs."""
        self.composer = Composer(library)
        self.composer.send_button.setText("Send")
        self.broadcast_button = self.composer.add_send_button(
            "Broadcast", "Send this message to every open socket of this server"
        )
        self.broadcast_button.setObjectName("broadcastButton")
        send_box = QGroupBox("Send")
        QVBoxLayout(send_box).addWidget(self.composer)
        self.fault_lab = FaultLabPanel(self.service, self.server_id, self.selected_socket)
        tabs = named(QTabWidget(documentMode=True), "serverActions")
        tabs.addTab(send_box, "Send")
        tabs.addTab(self.fault_lab, "Fault lab")
        size_to_current_page(tabs)
        return tabs

    def _connect(self) -> None:
        box, service = self.socket_box, self.service
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.client_button.clicked.connect(self._new_client)
        self.auto_mode.activated.connect(self.apply_auto_reply)
        self.auto_text.editingFinished.connect(self._auto_text_done)
        self.log_button.clicked.connect(self.open_selected_log)
        box.conversation_button.clicked.connect(self.show_selected_conversation)
        self.forget_button.clicked.connect(self.forget_closed)
        self.socket_table.doubleClicked.connect(self.open_selected_log)
        self.close_button.clicked.connect(self.close_selected)
        self.ping_button.clicked.connect(self.ping_selected)
        self.close_reason.returnPressed.connect(self.close_selected)
        self.composer.send_requested.connect(self.send)
        self.composer.extra_send_requested.connect(self._broadcast)
        self.socket_table.selectionModel().selectionChanged.connect(self._update_actions)
        self.socket_table.selectionModel().selectionChanged.connect(self._show_handshake)
        for signal in (self.sockets.rowsInserted, self.sockets.rowsRemoved):
            signal.connect(self._sockets_changed)
        self.sockets.modelReset.connect(self._sockets_changed)
        self.sockets.dataChanged.connect(self._update_actions)
        self.form.editor("send_type", MimeChooser).mime_changed.connect(self._send_type_edited)
        service.server_state_changed.connect(self._state_changed)
        service.server_changed.connect(self._server_changed)
        service.classroom.shared_changed.connect(self._shared_changed)
        service.socket_removed.connect(self._socket_removed)

    # -- state -------------------------------------------------------------------------------

    @property
    def server_id(self) -> str:
        return self.item_id

    @property
    def handle(self) -> ServerHandle:
        return self.engine.server(self.server_id)

    def _update(self, options: Mapping[str, Any]) -> bool:
        return self.engine.update_server(self.server_id, options)

    def _rename_to(self, name: str) -> None:
        self.engine.rename_server(self.server_id, name)

    def _state_changed(self, server_id: str, state: str, text: str) -> None:
        if server_id != self.server_id:
            return
        if state == "stopped":
            text = "Stopped — press Start to listen"
        elif state == "failed":
            text = f"Could not start: {text}"
        self.badge.set_state(state, text)
        running = state in ("starting", "listening", "stopping")
        self._lock_settings(running, running=state == "listening")
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(state in ("starting", "listening"))
        self.client_button.setEnabled(state == "listening")
        self.fault_lab.set_live(state == "listening")
        self._sockets_changed()

    def _server_changed(self, server_id: str) -> None:
        if server_id == self.server_id:
            self._show_name()
            self.handshake_view.refresh()
            if not self.form.isEnabled():
                return
            self.composer.set_send_type(self.handle.send_type)

    def _shared_changed(self, server_id: str, _on: bool) -> None:
        """Sharing changed the host: show it in the form, keeping the other edits."""
        if server_id == self.server_id:
            values = self.form.values()
            values["host_interface"] = self.handle.host
            self.form.set_values(values)

    def _send_type_edited(self, mime: str) -> None:
        if mime:
            self.composer.set_send_type(mime)

    # -- actions --------------------------------------------------------------------------------

    def start(self) -> None:
        if self.handle.secret_missing and not self.ask_pfx_password():
            return
        if self.apply_form():
            self.composer.set_send_type(self.handle.send_type)
            self.service.run(self.engine.start_server(self.server_id))

    def ask_pfx_password(self) -> bool:
        """Ask for the PFX password the keyring did not keep (a dialog named
        ``askPfxPassword``) and put it in the form; False if the person cancelled."""
        password = self.form.editor("pfx_key_cert_password", QLineEdit)
        if password.text():
            return True
        dialog = QInputDialog(self)
        dialog.setObjectName("askPfxPassword")
        dialog.setWindowTitle(f"PFX password of {self.handle.name}")
        dialog.setLabelText(
            "The password of the PFX file is not kept without a system keyring. Type it:"
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        accepted = dialog.exec() == QInputDialog.DialogCode.Accepted and dialog.textValue()
        dialog.deleteLater()
        if accepted:
            password.setText(dialog.textValue())
        return bool(accepted)

    def stop(self) -> None:
        self.service.run(self.engine.stop_server(self.server_id))

    def apply_auto_reply(self) -> bool:
        mode = self.auto_mode.currentData()
        self.auto_text.setEnabled(mode == "fixed")
        handle = self.handle
        if mode == handle.auto_reply.mode and (
            mode != "fixed" or self.auto_text.text() == handle.auto_reply.text
        ):
            return True
        if mode == "fixed" and not self.auto_text.text().strip():
            self.auto_text.setFocus()
            return False
        return self.engine.set_auto_reply(self.server_id, mode, self.auto_text.text())

    def _auto_text_done(self) -> None:
        if self.auto_mode.currentData() == "fixed":
            self.apply_auto_reply()

    def _new_client(self) -> None:
        if self.handle.port:
            self.new_client_requested.emit(self.server_id)

    # -- sockets -----------------------------------------------------------------------------------

    def selected_socket(self) -> str | None:
        return self.socket_box.selected_socket()

    def select_socket(self, socket_id: str) -> None:
        self.socket_box.select_socket(socket_id)

    def show_selected_conversation(self) -> ConversationView | None:
        """The selected socket's Conversation window (opened or raised); None if none."""
        socket_id = self.selected_socket()
        return None if socket_id is None else show_conversation(self.service, socket_id, self)

    def _sockets_changed(self, *_: Any) -> None:
        self.handshake_view.refresh()
        handle = self.handle if self.server_id in self.engine.servers else None
        listening = handle is not None and handle.state == "listening" and handle.port
        self.socket_box.show_hint(
            f"No sockets yet. Connect a client to {'wss' if handle.uses_tls else 'ws'}://"
            f"{handle.host}:{handle.port}/ — "
            "“New client to it” makes one."
            if listening and handle is not None
            else "No sockets yet. Start the server, then connect a client to it."
        )
        self._update_actions()

    def _update_actions(self, *_: Any) -> None:
        socket_id = self.selected_socket()
        rows = [self.sockets.handle(row) for row in range(self.sockets.rowCount())]
        selected = next((h for h in rows if h is not None and h.id == socket_id), None)
        selected_open = selected is not None and selected.is_open
        any_open = any(h is not None and h.is_open for h in rows)
        self.log_button.setEnabled(selected is not None)
        self.socket_box.conversation_button.setEnabled(selected is not None)
        self.forget_button.setEnabled(any(h is not None and not h.is_open for h in rows))
        self.close_button.setEnabled(selected_open)
        self.ping_button.setEnabled(selected_open)
        self.composer.set_button_can_send(self.broadcast_button, any_open)
        self.composer.set_can_send(
            selected_open,
            "Pick an open socket above" if any_open else "No socket connected",
        )

    def _show_handshake(self, *_: Any) -> None:
        """The selected socket's handshake is the one the Handshakes tab shows."""
        socket_id = self.selected_socket()
        for socket in self.engine.sockets_of(self.server_id):
            if socket.id == socket_id and socket.handshake is not None:
                self.handshake_view.pick(socket.handshake)

    def forget_closed(self) -> int:
        """Drop the closed sockets (and their logs) of this server from the list."""
        count = self.engine.forget_closed_sockets(self.server_id)
        notifier().info(
            f"Forgot {count} closed socket{'' if count == 1 else 's'} and {'its' if count == 1 else 'their'} log{'' if count == 1 else 's'}"
        )
        return count

    def _socket_removed(self, server_id: str, _socket_id: str) -> None:
        if server_id == self.server_id:
            self._sockets_changed()  # its tabs close by themselves (ServerLogTabs)

    def open_selected_log(self, *_: Any) -> None:
        socket_id = self.selected_socket()
        if socket_id is not None:
            self.logs.open_socket_log(socket_id)

    def close_selected(self) -> None:
        socket_id = self.selected_socket()
        if socket_id is None or not self.close_button.isEnabled():
            return
        code, reason = self.close_code.value(), self.close_reason.text().strip()
        refusal = self.close_code.refusal(reason)
        if refusal is not None or code is None:
            self.engine.report(self.handle.name, refusal or "no close code")
            self.close_code.setFocus()
            return
        self.service.run(self.engine.close_socket(socket_id, code, reason))

    def ping_selected(self) -> None:
        socket_id = self.selected_socket()
        if socket_id is not None and self.ping_button.isEnabled():
            self.service.run(self.engine.ping(socket_id))

    def _broadcast(self, button: Any, value: Any) -> None:
        if button is self.broadcast_button:
            self.broadcast(value)

    def broadcast(self, value: Any) -> int:
        return self.engine.broadcast(self.server_id, value)

    def send(self, value: Any) -> None:
        """Send to the selected socket (the Send button and Ctrl+Enter)."""
        socket_id = self.selected_socket()
        if socket_id is not None:
            self.engine.send(socket_id, value)
            if socket_id not in self.log_views:
                self.open_selected_log()
