"""The Clients panel: any number of clients, each with its settings, Open/Close, a state line
that follows every change (connecting, attempt n of m, open, closed with code and reason,
failed and why), a composer and its message log.

The list selects several clients (Ctrl/Shift+click, Ctrl+A): Close and Remove under it, and
its context menu (Open, Close, Remove), act on all of them at once, with one question before
removing live ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.handles import ClientHandle
from workbench.engine.workspace.client_secrets import describe_field
from workbench.qt.log_model import LogModel
from workbench.qt.message_library import QtMessageLibrary
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named, tool_button
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.tab_fit import size_to_current_page
from workbench.widgets.compose.composer import Composer
from workbench.widgets.compose.mime_chooser import MimeChooser
from workbench.widgets.log.make_scenario import scenario_maker
from workbench.widgets.log.view import LogView
from workbench.widgets.log.viewer import ask_and_open_log
from workbench.widgets.protocol.conversation_view import ConversationView, show_conversation
from workbench.widgets.protocol.frames_view import client_frames_view
from workbench.widgets.protocol.handshake_view import HandshakeView, client_handshakes

from .close_picker import CloseCodePicker
from .item_page import ItemPage
from .item_panel import EmptyState, ItemPanel, confirm_removal, first_free_name
from .option_form import client_form
from .settings_column import SettingsColumn

#: What a new client starts with when no server of the workspace is listening.
#: Like new servers, new clients take frames as they are (``*/*``).
NEW_CLIENT_OPTIONS = {
    "host": "127.0.0.1",
    "port": 8080,
    "number_of_retries": 3,
    "receive_type": "*/*",
    "send_type": "*/*",
}


class ClientPage(ItemPage):
    EDITABLE_HINT = "Settings apply when the client opens."
    LOCKED_HINT = "Close the client to change these settings."

    def __init__(
        self,
        service: WorkbenchService,
        client_id: str,
        library: QtMessageLibrary,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(service, client_id, "client", client_form(), parent)
        handle = self.handle
        self.url_label = plain(  # the URL as typed
            named(QLabel(textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse), "hint")
        )
        self.open_button = named(
            QPushButton("Open"), "primaryButton", "Connect with the settings on the left"
        )
        self.close_button = named(
            QPushButton("Close"),
            tip="Close the connection with the code and reason above the log, or stop connecting",
        )
        self.ping_button = named(
            QPushButton("Ping"), "pingButton", "Send a ping; the round trip goes into the log (F6)"
        )
        self.conversation_button = named(
            QPushButton("Conversation"),
            "clientConversationButton",
            "This client's connection as a sequence diagram, both ends (when the server is in "
            "this window)",
        )
        settings = SettingsColumn()
        settings.add(self.form_hint)
        settings.add(self._aim_button())
        settings.add(self.form, 1)
        self.composer = Composer(library)
        send_box = QGroupBox("Send")
        QVBoxLayout(send_box).addWidget(self.composer)
        self._lay_out(
            [self.url_label],
            [self.open_button, self.ping_button, self.close_button, self.conversation_button],
            settings,
            send_box,
            self._log_box(),
            [215, 475],
        )
        self.open_button.clicked.connect(self.open)
        self.close_button.clicked.connect(self.close_client)
        self.conversation_button.clicked.connect(self.show_conversation)
        self.close_reason.returnPressed.connect(self.close_client)
        self.ping_button.clicked.connect(self.ping)
        self.composer.send_requested.connect(self.send)
        self.form.changed.connect(self._form_edited)
        service.client_state_changed.connect(self._state_changed)
        service.client_changed.connect(self._client_changed)
        self._shown_options = dict(handle.options)
        self._client_changed(client_id)
        self._state_changed(client_id, handle.state, handle.status_text)

    def _aim_button(self) -> QToolButton:
        """“Aim at a server of this workspace”: a menu of the servers listening now."""
        self.aim_button = tool_button(
            "Aim at a server of this workspace ▾",
            "Fill in host and port of a server that is listening now",
            "aimButton",
        )
        self.aim_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.aim_menu = QMenu(self.aim_button)
        self.aim_button.setMenu(self.aim_menu)
        self.aim_menu.aboutToShow.connect(self._fill_aim_menu)
        return self.aim_button

    def _log_box(self) -> QGroupBox:
        """The close-with-code row over the Messages, Frames and Handshake tabs."""
        self.close_code = CloseCodePicker()
        self.close_code.setObjectName("closeCode")
        self.close_code.setMinimumContentsLength(16)  # room for the meaning on a client page
        self.close_reason = named(QLineEdit(placeholderText="close reason"), "closeReason")
        code_label = QLabel("Close with code")
        code_label.setBuddy(self.close_code)
        closing = QHBoxLayout()
        closing.setContentsMargins(0, 0, 0, 0)
        closing.addWidget(code_label)
        closing.addWidget(self.close_code)
        closing.addWidget(self.close_reason, 1)
        store = self.engine.log(self.client_id)
        self.log_view = LogView(
            LogModel(store),
            title=store.name,
            importable=True,
            make_scenario=scenario_maker(self.service, self.client_id),
        )
        self.log_view.import_requested.connect(lambda: ask_and_open_log(self))
        self.frames_view = client_frames_view(self.service, self.client_id)
        self.handshake_view = HandshakeView(
            client_handshakes(self.service, self.client_id),
            "No handshake yet: press Open to send the upgrade request.",
        )
        self.log_tabs = named(QTabWidget(documentMode=True), "clientLogTabs")
        self.log_tabs.addTab(self.log_view, "Messages")
        self.log_tabs.addTab(self.frames_view, "Frames")
        self.log_tabs.addTab(self.handshake_view, "Handshake")
        size_to_current_page(self.log_tabs)
        log_box = QGroupBox("Message log")
        log_layout = QVBoxLayout(log_box)
        log_layout.addLayout(closing)
        log_layout.addWidget(self.log_tabs)
        return log_box

    @property
    def client_id(self) -> str:
        return self.item_id

    def show_conversation(self) -> ConversationView:
        """This client's Conversation window (opened or raised)."""
        return show_conversation(self.service, self.client_id, self)

    @property
    def handle(self) -> ClientHandle:
        return self.engine.client(self.client_id)

    def _update(self, options: Mapping[str, Any]) -> bool:
        return self.engine.update_client(self.client_id, options)

    def _rename_to(self, name: str) -> None:
        self.engine.rename_client(self.client_id, name)

    def _state_changed(self, client_id: str, state: str, text: str) -> None:
        if client_id != self.client_id:
            return
        self.handshake_view.refresh()
        if state == "idle":
            text = "Not connected — press Open"
        self.badge.set_state(state, text)
        active = state in ("connecting", "open", "closing")
        self._lock_settings(active, running=state == "open")
        self.open_button.setEnabled(not active)
        self.close_button.setEnabled(state in ("connecting", "open"))
        self.ping_button.setEnabled(state == "open")
        self.aim_button.setEnabled(not active)
        if state == "open":
            self.composer.set_can_send(True)
        elif state == "connecting":
            self.composer.set_can_send(True, "")
        else:
            self.composer.set_can_send(False, "Open the client to send")

    def _client_changed(self, client_id: str) -> None:
        if client_id != self.client_id:
            return
        handle = self.handle
        self._show_name()
        self.url_label.setText(handle.url)
        self.composer.set_send_type(handle.send_type)
        if handle.options != self._shown_options:
            # The engine changed them (aimed at a server, or following its new port): show
            # them, or the next Open would apply the form's stale values.
            self._shown_options = dict(handle.options)
            self.form.set_values(handle.options)

    def _form_edited(self) -> None:
        mime = self.form.editor("send_type", MimeChooser).mime_type()
        if mime:
            self.composer.set_send_type(mime)

    def aim_at(self, server_id: str) -> bool:
        """Aim this client at a server of the workspace (its address, port, TLS trust) and
        follow it from now on; the rest of the form is kept. False if refused (reported)."""
        return self.engine.aim_client(self.client_id, server_id, self.form.options())

    def _fill_aim_menu(self) -> None:
        self.aim_menu.clear()
        servers = [h for h in self.engine.servers.values() if h.state == "listening" and h.port]
        if not servers:
            action = self.aim_menu.addAction("No server of this workspace is listening")
            action.setEnabled(False)
        for server in servers:
            tls = " (TLS)" if server.uses_tls else ""
            action = self.aim_menu.addAction(f"{server.name} — {server.status_text}{tls}")
            action.triggered.connect(lambda _checked=False, s=server.id: self.aim_at(s))

    def open(self) -> None:
        if not self.apply_form():
            return
        if self.handle.secret_missing and not self.ask_missing_secrets():
            return
        self.service.run(self.engine.open_client(self.client_id))

    def ask_missing_secrets(self) -> bool:
        """Ask for each secret the keyring did not keep (a password dialog named
        ``askClientSecret``) and give them to the engine; False if the person cancelled."""
        answers: dict[str, str] = {}
        for field in self.handle.secret_missing:
            dialog = QInputDialog(self)
            dialog.setObjectName("askClientSecret")
            dialog.setWindowTitle(f"A secret of {self.handle.name}")
            dialog.setLabelText(
                f"{describe_field(field)[:1].upper()}{describe_field(field)[1:]} is not kept "
                "without a system keyring. Type it:"
            )
            dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
            accepted = dialog.exec() == QInputDialog.DialogCode.Accepted and dialog.textValue()
            answers[field] = dialog.textValue()
            dialog.deleteLater()
            if not accepted:
                return False
        if not self.engine.provide_client_secrets(self.client_id, answers):
            return False
        self._shown_options = dict(self.handle.options)
        self.form.set_values(self.handle.options)
        return not self.handle.secret_missing

    def close_client(self) -> None:
        """Close with the picked code and reason; a code no close frame may carry is
        reported and the client stays as it is."""
        if not self.close_button.isEnabled():
            return
        code, reason = self.close_code.value(), self.close_reason.text().strip()
        refusal = self.close_code.refusal(reason)
        if refusal is not None or code is None:
            self.engine.report(self.handle.name, refusal or "no close code")
            self.close_code.setFocus()
            return
        self.service.run(self.engine.close_client(self.client_id, code, reason))

    def ping(self) -> None:
        if self.ping_button.isEnabled():
            self.service.run(self.engine.ping(self.client_id))

    def send(self, value: Any) -> None:
        self.engine.send(self.client_id, value)


class ClientsPanel(ItemPanel[ClientPage]):
    """All clients of the workspace; follows ``client_added`` / ``client_removed``."""

    def extra_buttons(self) -> list[tuple[QWidget, bool]]:
        self.close_button = named(
            QPushButton("Close"),
            "closeSelected",
            "Close the selected clients' connections with 1000 (Ctrl+click or Shift+click "
            "selects several); their logs stay",
        )
        self.close_button.setEnabled(False)
        return [(self.close_button, False)]

    def __init__(
        self, service: WorkbenchService, library: QtMessageLibrary, parent: QWidget | None = None
    ) -> None:
        empty = EmptyState(
            "No clients yet",
            "A client connects to a WebSocket server — one started in the Servers tab, or any "
            "ws:// server you can reach. Make one, set its host and port, and press Open.",
        )
        self.empty_new = empty.add_button("New client", primary=True)
        self.empty_server = empty.add_button("New server instead")
        empty.finish()
        super().__init__("client", empty, parent, multi_select=True)
        self.service = service
        self.engine = service.engine
        self.library = library
        self.new_button.clicked.connect(lambda: self.new_client())
        self.empty_new.clicked.connect(lambda: self.new_client())
        self.remove_button.clicked.connect(self.remove_current)
        self.close_button.clicked.connect(self.close_selected)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        service.client_added.connect(self._added)
        service.client_removed.connect(self.remove_page)
        service.client_state_changed.connect(self._relabel)
        service.client_changed.connect(self._relabel)
        for client_id in service.engine.clients:
            self._added(client_id)

    def new_client(self, server_id: str | None = None) -> str | None:
        """Add a client; aimed at the server ``server_id`` (and following its port), else at
        the newest listening server, else at 127.0.0.1:8080."""
        if server_id is None:
            listening = [
                h.id for h in self.engine.servers.values() if h.state == "listening" and h.port
            ]
            server_id = listening[-1] if listening else None
        name = first_free_name("Client", self.engine.clients.values())
        if server_id is None:
            client_id = self.engine.add_client(dict(NEW_CLIENT_OPTIONS), name)
        else:
            client_id = self.engine.add_client_for(server_id, NEW_CLIENT_OPTIONS, name)
        if client_id is not None:
            self.page(client_id).open_button.setFocus()  # Space opens it
        return client_id

    def remove_current(self) -> None:
        """Remove the selected clients, asking once first if any of them is live."""
        client_ids = [i for i in self.selected_ids() if i in self.engine.clients]
        live = [i for i in client_ids if self.engine.is_live(i)]
        if len(client_ids) == 1 and live:
            handle = self.engine.client(client_ids[0])
            asked = confirm_removal(
                self,
                handle.name,
                f"{handle.name} is {'connected' if handle.state == 'open' else 'connecting'} to "
                f"{handle.url}; removing it closes the connection and forgets its log.",
            )
        elif live:
            one = len(live) == 1
            asked = confirm_removal(
                self,
                f"{len(client_ids)} clients",
                f"{len(live)} of the {len(client_ids)} selected clients "
                f"{'is' if one else 'are'} connected or connecting; removing them closes "
                f"{'that connection' if one else 'those connections'} and forgets all "
                f"{len(client_ids)} logs.",
            )
        else:
            asked = True
        if asked:
            for client_id in client_ids:
                self.service.run(self.engine.remove_client(client_id))

    def close_selected(self) -> int:
        """Close the selected clients that are connecting or open (code 1000); how many."""
        live = [i for i in self.selected_ids() if self.engine.is_live(i)]
        for client_id in live:
            self.service.run(self.engine.close_client(client_id, 1000, ""))
        return len(live)

    def open_selected(self) -> int:
        """Open the selected clients that are not connecting or open; how many."""
        idle = [
            i
            for i in self.selected_ids()
            if i in self.engine.clients and not self.engine.is_live(i)
        ]
        for client_id in idle:
            self.service.run(self.engine.open_client(client_id))
        return len(idle)

    def _context_menu(self, where: Any) -> None:
        menu = QMenu(self.list)
        count = len(self.selected_ids())
        them = "them" if count > 1 else "it"
        menu.addAction(f"Open {them}", self.open_selected)
        menu.addAction(f"Close {them}", self.close_selected)
        menu.addAction(f"Remove {them}…", self.remove_current)
        menu.exec(self.list.viewport().mapToGlobal(where))
        menu.deleteLater()

    def _selection_changed(self) -> None:
        self._update_close()

    def _update_close(self) -> None:
        self.close_button.setEnabled(any(self.engine.is_live(i) for i in self.selected_ids()))

    def _added(self, client_id: str) -> None:
        self.add_page(client_id, "", lambda: ClientPage(self.service, client_id, self.library))
        self._relabel(client_id)

    def _relabel(self, client_id: str, *_: Any) -> None:
        if not self.has_item(client_id) or client_id not in self.engine.clients:
            return
        self._update_close()
        handle = self.engine.client(client_id)
        state = {"idle": "not connected"}.get(handle.state, handle.state)
        self.set_label(
            client_id,
            f"{handle.name}\n{state}",
            f"{handle.name} ({handle.url}): {handle.status_text}",
        )
