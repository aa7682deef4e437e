"""``QtRelays``: the engine's ``RelayController`` (``engine``) with its events as Qt signals,
so the Relays tab follows relays being added, started, relaying and holding messages, and Qt
disconnects it when it is destroyed. Everything else is the engine's:
``self.engine.relay(relay_id)``, ``self.engine.start(relay_id)`` (through ``service.run``)..."""

from __future__ import annotations

from typing import get_args

from PySide6.QtCore import QObject, Signal

from workbench.engine.relays import RelayController, RelayEvent

__all__ = ["QtRelays"]


class QtRelays(QObject):
    """Adapts ``relays``: one signal per controller event, of the same name and arguments."""

    relay_added = Signal(str)
    relay_removed = Signal(str)
    relay_changed = Signal(str)
    relay_state_changed = Signal(str, str, str)
    connection_opened = Signal(str, str)
    connection_closed = Signal(str, str)
    connection_removed = Signal(str, str)
    held_changed = Signal(str)

    def __init__(self, relays: RelayController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = relays
        for name in get_args(RelayEvent):  # one signal of the same name each
            relays.on(name, getattr(self, name).emit)
