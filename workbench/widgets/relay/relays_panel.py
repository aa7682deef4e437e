"""The Relays panel: the list of the workspace's relays, one ``RelayPage`` each, and what a
new relay starts with."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from workbench.engine.workspace.workspace import RelayConfig
from workbench.qt.message_library import QtMessageLibrary
from workbench.qt.service import WorkbenchService
from workbench.widgets.pages.item_panel import (
    EmptyState,
    ItemPanel,
    confirm_removal,
    first_free_name,
)

from .relay_page import RelayPage

__all__ = ["NEW_RELAY_LISTEN", "RelayPage", "RelaysPanel"]

#: Where a new relay listens: loopback only, any free port.
NEW_RELAY_LISTEN = {"host_interface": "127.0.0.1", "port": 0}


class RelaysPanel(ItemPanel[RelayPage]):
    """All relays of the workspace; follows ``relay_added`` / ``relay_removed``."""

    def __init__(
        self, service: WorkbenchService, library: QtMessageLibrary, parent: QWidget | None = None
    ) -> None:
        empty = EmptyState(
            "No relays yet",
            "A relay sits between a real client and a real server: point your web page or app "
            "at the relay and it passes every message on to the upstream URL, logging both "
            "legs. Hold, edit or drop messages on the way, or break a leg on purpose.",
        )
        self.empty_new = empty.add_button("New relay", primary=True)
        empty.finish()
        super().__init__("relay", empty, parent)
        self.service = service
        self.relays = service.relays.engine
        self.library = library
        self.new_button.clicked.connect(self.new_relay)
        self.empty_new.clicked.connect(self.new_relay)
        self.remove_button.clicked.connect(self.remove_current)
        signals = service.relays
        signals.relay_added.connect(self._added)
        signals.relay_removed.connect(self.remove_page)
        signals.relay_state_changed.connect(self._state_changed)
        signals.relay_changed.connect(self._relabel)
        for relay_id in self.relays.relays:
            self._added(relay_id)

    def new_relay(self) -> str:
        name = first_free_name("Relay", self.relays.relays.values())
        relay_id = self.relays.add(RelayConfig(name, "", dict(NEW_RELAY_LISTEN)))
        self.page(relay_id).form.upstream_url.setFocus()  # the one thing to type
        return relay_id

    def remove_current(self) -> None:
        relay_id = self.current_id()
        if not relay_id:
            return
        handle = self.relays.relay(relay_id)
        live = len(handle.open_connections)
        if live and not confirm_removal(
            self,
            handle.name,
            f"{handle.name} relays {live} open connection{'s' if live != 1 else ''}; "
            "removing it closes them and forgets their logs.",
        ):
            return
        self.service.run(self.relays.remove(relay_id))

    def _added(self, relay_id: str) -> None:
        self.add_page(relay_id, "", lambda: RelayPage(self.service, relay_id, self.library))
        self._relabel(relay_id)

    def _state_changed(self, relay_id: str, _state: str, _text: str) -> None:
        self._relabel(relay_id)

    def _relabel(self, relay_id: str) -> None:
        if not self.has_item(relay_id) or relay_id not in self.relays.relays:
            return
        handle = self.relays.relay(relay_id)
        short = f"● listening :{handle.port}" if handle.state == "listening" else handle.state
        self.set_label(relay_id, f"{handle.name}\n{short}", f"{handle.name}: {handle.status_text}")
