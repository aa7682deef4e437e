"""The Servers panel: the list of the workspace's servers, one ``ServerPage`` each, and
what a new server starts with."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from workbench.qt.message_library import QtMessageLibrary
from workbench.qt.service import WorkbenchService

from .item_panel import EmptyState, ItemPanel, confirm_removal, first_free_name
from .server_page import ServerPage

__all__ = ["NEW_SERVER_OPTIONS", "ServerPage", "ServersPanel"]

#: What a new server starts with: loopback only, any free port, and frames taken as they are
#: (``*/*``) so JSON, text, images and bytes can all be tried on one socket; pick a strict
#: type in the form to test conversion.
NEW_SERVER_OPTIONS = {
    "host_interface": "127.0.0.1",
    "port": 0,
    "receive_type": "*/*",
    "send_type": "*/*",
}


class ServersPanel(ItemPanel[ServerPage]):
    """All servers of the workspace; follows ``server_added`` / ``server_removed``."""

    new_client_requested = Signal(str)

    def __init__(
        self, service: WorkbenchService, library: QtMessageLibrary, parent: QWidget | None = None
    ) -> None:
        empty = EmptyState(
            "No servers yet",
            "A server listens on a port and accepts WebSocket connections. Make one, press Start, "
            "and connect clients to it — from this workbench or from your own code.",
        )
        self.empty_new = empty.add_button("New server", primary=True)
        self.empty_client = empty.add_button("New client instead")
        empty.finish()
        super().__init__("server", empty, parent)
        self.service = service
        self.engine = service.engine
        self.library = library
        self.new_button.clicked.connect(self.new_server)
        self.empty_new.clicked.connect(self.new_server)
        self.remove_button.clicked.connect(self.remove_current)
        service.server_added.connect(self._added)
        service.server_removed.connect(self.remove_page)
        service.server_state_changed.connect(self._state_changed)
        service.server_changed.connect(self._relabel)
        for server_id in service.engine.servers:
            self._added(server_id)

    def new_server(self) -> str | None:
        server_id = self.engine.add_server(
            dict(NEW_SERVER_OPTIONS), first_free_name("Server", self.engine.servers.values())
        )
        if server_id is not None:
            self.page(server_id).start_button.setFocus()  # Space starts it
        return server_id

    def remove_current(self) -> None:
        server_id = self.current_id()
        if not server_id:
            return
        handle = self.engine.server(server_id)
        live = len(handle.open_sockets)
        if live and not confirm_removal(
            self,
            handle.name,
            f"{handle.name} has {live} open connection{'s' if live != 1 else ''}; "
            "removing it closes them and forgets their logs.",
        ):
            return
        self.service.run(self.engine.remove_server(server_id))

    def _added(self, server_id: str) -> None:
        self.add_page(server_id, "", lambda: self._make_page(server_id))
        self._relabel(server_id)

    def _make_page(self, server_id: str) -> ServerPage:
        page = ServerPage(self.service, server_id, self.library)
        page.new_client_requested.connect(self.new_client_requested)
        return page

    def _state_changed(self, server_id: str, _state: str, _text: str) -> None:
        self._relabel(server_id)

    def _relabel(self, server_id: str) -> None:
        if not self.has_item(server_id) or server_id not in self.engine.servers:
            return
        handle = self.engine.server(server_id)
        short = f"● listening :{handle.port}" if handle.state == "listening" else handle.state
        self.set_label(server_id, f"{handle.name}\n{short}", f"{handle.name}: {handle.status_text}")
