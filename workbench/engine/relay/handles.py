"""What the window keeps of each relay (``RelayHandle``) and of each connection it relayed
(``RelayedRecord``): plain data over the engine's ``Relay`` and ``RelayedConnection``, kept by
``workbench.engine.relays``."""

from __future__ import annotations

import itertools
from collections import OrderedDict

from workbench.engine.log.store import LogStore
from workbench.engine.protocol.handshake_record import HandshakeRecord, from_client, from_socket
from workbench.engine.workspace.workspace import RelayConfig

from .connection import RelayedConnection
from .conversation import RelayConversation
from .directions import DIRECTIONS
from .intercept import HeldMessage
from .relay import Relay

__all__ = ["RelayHandle", "RelayedRecord"]


class RelayedRecord:
    """One relayed connection of a relay as the window sees it: ``id``, ``relay_id``,
    ``connection`` (the engine's ``RelayedConnection``: both legs, its ``log``, its
    ``lanes``), ``conversation`` (its three-lifeline diagram)."""

    def __init__(
        self, record_id: str, relay_id: str, connection: RelayedConnection, relay: Relay
    ) -> None:
        self.id = record_id
        self.relay_id = relay_id
        self.connection = connection
        self.conversation = RelayConversation(connection, relay.intercept)

    @property
    def is_open(self) -> bool:
        return self.connection.end is None

    @property
    def log(self) -> LogStore:
        return self.connection.log

    def handshakes(self) -> tuple[HandshakeRecord, HandshakeRecord]:
        """The client's handshake with the relay, then the relay's with the upstream."""
        connection = self.connection
        return from_socket(connection.client), from_client(connection.upstream)

    @property
    def label(self) -> str:
        """ "#3 127.0.0.1:50123 → ws://…/chat" and how it ended, if it did."""
        connection = self.connection
        text = f"#{connection.number} {connection.client_address} → {connection.upstream.url}"
        return text if connection.end is None else f"{text} — {connection.end}"


class RelayHandle:
    """One relay of the workspace: ``id``, ``name``, ``config`` (``RelayConfig``, its rules
    in ``config.rules``), ``state`` / ``status_text``, ``log`` (its own events, across
    restarts), ``relay`` (the running ``Relay``, or None), ``holding`` (direction -> the
    intercept switch, kept in ``config.intercept``) and ``connections`` (record id ->
    ``RelayedRecord``, oldest first)."""

    def __init__(self, relay_id: str, name: str, config: RelayConfig, log: LogStore) -> None:
        self.id = relay_id
        self.name = name
        self.config = config
        self.state = "stopped"
        self.status_text = "stopped"
        self.log = log
        self.relay: Relay | None = None
        self.connections: OrderedDict[str, RelayedRecord] = OrderedDict()
        self._numbers = itertools.count(1)

    def next_record_id(self) -> str:
        return f"{self.id}/connection-{next(self._numbers)}"

    @property
    def holding(self) -> dict[str, bool]:
        """Each direction's intercept switch (a copy; ``RelayController.set_holding`` sets
        one)."""
        return {direction: direction in self.config.intercept for direction in DIRECTIONS}

    @property
    def port(self) -> int | None:
        return self.relay.port if self.relay is not None else None

    @property
    def open_connections(self) -> list[RelayedRecord]:
        return [record for record in self.connections.values() if record.is_open]

    def held(self) -> list[HeldMessage]:
        """The messages its intercept holds now, oldest first."""
        return [] if self.relay is None else self.relay.intercept.held()
