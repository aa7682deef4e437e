"""The relay: listens like a server and, for every connection it accepts, opens one to the
upstream URL and relays between them (``connection.RelayedConnection``).

The client's handshake waits for the upstream's: the relay's ``core.Server`` opens the upstream
leg in its async ``process_request`` (with the client's path, subprotocols, headers and Origin,
see ``upstream_handshake``), then answers the client with the subprotocol the upstream picked
(``select_subprotocol``, by the client's address) and the upstream's 101 headers, less those
each leg negotiates itself (``response_headers``; see ``upstream_handshake``). When the
upstream refuses, the client gets the same HTTP status and body (401, 403, 404...); 502 with
the reason when it cannot be reached; 504 when it did not answer within the open timeout. A
plain HTTP request (not an upgrade) opens nothing upstream; websockets answers it (426).

Logs: the relay's own ``log`` (listening, refused attempts with both ends, stopped) and one
per connection (``RelayedConnection.log``); ``tap`` sees every row of all of them as it is
appended. The last ``keep_closed`` closed connections are kept (their logs to read), older ones
are forgotten (``'removed'``).

Events:
    ``'listening'`` (host: str, port: int): the relay accepts connections.
    ``'connection'`` (connection: RelayedConnection): both legs are open; listeners added
        to it here see all its events, ``'open'`` first.
    ``'refused'`` (attempt: RefusedAttempt): a client was refused because its upstream leg
        did not open.
    ``'closed'`` (connection: RelayedConnection): both legs closed (``connection.end``).
    ``'removed'`` (number: int): a closed connection was forgotten.
    ``'stopped'`` (): every connection closed with 1001 and the relay no longer listens.
    ``'error'`` (exception: BaseException): the relay could not listen (``ServerStartError``),
        or its server reported an error.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

from core import (
    Client,
    ConnectError,
    EventEmitter,
    HandshakeRefusal,
    HandshakeRequest,
    RequestAnswer,
    Server,
    Socket,
)
from core.options import seconds
from workbench.engine.in_words import address_text, describe_error, handshake_text
from workbench.engine.log.store import (
    DEFAULT_BYTE_CAPACITY,
    DEFAULT_CAPACITY,
    ERROR,
    HANDSHAKE,
    INFO,
    LogStore,
)

from .connection import RelayedConnection
from .directions import CLIENT_LEG, RELAY, UPSTREAM_LEG
from .intercept import Intercept
from .log_rows import LegLog, MessageFile, Tap
from .rules import RuleSet
from .settings import RelaySettings
from .upstream_handshake import (
    failure_answer,
    is_upgrade_request,
    offered_subprotocols,
    passed_response_headers,
    upstream_headers,
    upstream_origin,
    upstream_path,
)

__all__ = ["RefusedAttempt", "Relay", "RelayEvent"]

RelayEvent = Literal["listening", "connection", "refused", "closed", "removed", "stopped", "error"]
STOP_CODE = 1001
STOP_REASON = "relay stopping"


@dataclass(frozen=True)
class RefusedAttempt:
    """A client the relay refused because its upstream leg did not open: the ``status`` it
    was answered with and why (``reason``)."""

    number: int
    client_address: str
    path: str
    upstream_url: str
    status: int
    reason: str


@dataclass
class _Opening:
    """An upstream leg open, waiting for its client's handshake to end."""

    number: int
    upstream: Client
    expiry: asyncio.TimerHandle | None = None


class Relay(EventEmitter[RelayEvent]):
    """Relays every accepted connection to ``settings.upstream_url`` (module docstring).

    Args:
        settings: Checked settings (``settings.relay_settings``).
        rules: The rules applied to every message (``rules`` may be replaced at any time:
            the next message sees the new set).
        log_capacity / log_byte_capacity: The caps of each connection's log.
        keep_closed: Closed connections kept (with their logs).
        tap: Told every row of every log as it is appended.
        message_rows: False: a connection's log counts its messages without a row for each
            (its event, rule and intercept rows stay); for a relay whose message rows
            nobody reads (the headless command without ``--log``).
        message_file: Where the message rows are written instead, straight from their
            payloads (the headless command's ``--log``; ``log_rows.LegLog``): ``tap`` sees
            the other rows only.

    Attributes:
        intercept: The intercept switches and held messages (``intercept.Intercept``).
        connections: The connections by number, open ones and the last closed ones.
        log: The relay's own log.
    """

    def __init__(
        self,
        settings: RelaySettings,
        rules: RuleSet | None = None,
        *,
        log_capacity: int = DEFAULT_CAPACITY,
        log_byte_capacity: int = DEFAULT_BYTE_CAPACITY,
        keep_closed: int = 100,
        tap: Tap | None = None,
        message_rows: bool = True,
        message_file: MessageFile | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.rules = rules if rules is not None else RuleSet()
        self.intercept = Intercept()
        self.connections: OrderedDict[int, RelayedConnection] = OrderedDict()
        self._log_capacity = log_capacity
        self._log_byte_capacity = log_byte_capacity
        self._keep_closed = keep_closed
        self._tap = tap
        self._message_rows = message_rows
        self._message_file = message_file
        self._log = LegLog(LogStore(log_capacity, "relay", log_byte_capacity), None, tap)
        self.log = self._log.store
        self._numbers = itertools.count(1)
        self._opening: dict[tuple[Any, ...], _Opening] = {}
        self._stopping = False
        self._server = Server(
            settings.listen,
            process_request=self._open_upstream,
            select_subprotocol=self._subprotocol,
            response_headers=self._upstream_response_headers,
        )
        self._server.on("connection", self._accepted)
        self._server.on("refused", self._handshake_refused)
        self._server.on("error", self._server_error)

    def __repr__(self) -> str:
        return f"<Relay {self.address} → {self.settings.upstream_url.url}>"

    @property
    def host(self) -> str:
        """The interface the relay listens on."""
        return str(self.settings.listen.get("host_interface", "localhost"))

    @property
    def port(self) -> int | None:
        """The bound port once listening (useful with port 0), else None."""
        return self._server.port

    @property
    def address(self) -> str:
        """``host:port`` (the port once listening)."""
        return address_text((self.host, self.port if self.port is not None else "?"))

    @property
    def open_connections(self) -> list[RelayedConnection]:
        return [c for c in self.connections.values() if c.end is None]

    async def start(self) -> int:
        """Listen; the port. ``core.ServerStartError`` if it cannot (also on ``'error'``)."""
        self._stopping = False
        await self._server.start()
        port = self._server.port
        assert port is not None
        self._log.event(
            INFO,
            RELAY,
            f"listening on {self.address}, relaying to {self.settings.upstream_url.url}",
        )
        self.emit("listening", self.host, port)
        return port

    async def stop(self) -> None:
        """Close every connection (both legs) with 1001 and stop listening; done when all are
        closed (each within its legs' ``close_timeout``). Idempotent."""
        self._stopping = True
        for opening in list(self._opening.values()):
            self._abandon(opening, "the relay is stopping")
        ending = [connection.close(STOP_CODE, STOP_REASON) for connection in self.open_connections]
        if ending:
            await asyncio.gather(*ending, return_exceptions=True)
        await self._server.stop()
        self._log.event(INFO, RELAY, "stopped")
        self.emit("stopped")

    # -- opening the upstream leg ------------------------------------------------------------

    async def _open_upstream(self, request: HandshakeRequest) -> RequestAnswer:
        """The server's ``process_request``: open the upstream leg before answering."""
        headers = request.headers
        if self._stopping or not is_upgrade_request(headers) or self._origin_refused(headers):
            return None  # the server answers it (503, 426, 400 or 403): nothing opens upstream
        settings = self.settings
        url = settings.upstream_url
        number = next(self._numbers)
        who = address_text(request.remote_address)
        offered = offered_subprotocols(headers)
        upstream = Client(
            {
                **settings.upstream,
                "host": url.host,
                "port": url.port,
                "ssl_tls": url.secure,
                "path": upstream_path(settings, request.path),
                "subprotocols": offered or None,
                "headers": upstream_headers(settings, headers),
                "origin": upstream_origin(settings, headers),
            }
        )
        upstream.start_pulling()  # what it sends before the client is open waits (bounded)
        try:
            await upstream.open()
        except (ConnectError, TimeoutError) as exc:
            return self._refuse(number, who, request, upstream.url, exc)
        if self._stopping:
            await upstream.close(STOP_CODE, STOP_REASON)
            return 503, "the relay is stopping\n"
        opening = _Opening(number, upstream)
        self._opening[tuple(request.remote_address)] = opening
        wait = seconds(self._server.options["handshake_timeout"])
        if wait is not None:
            opening.expiry = asyncio.get_running_loop().call_later(
                wait, self._abandon, opening, "the client's handshake did not end"
            )
        return None

    def _origin_refused(self, headers: Any) -> bool:
        """Whether the server's ``allowed_origins`` check will refuse this request (403)."""
        allowed = self._server.options["allowed_origins"]
        origin = headers.get("Origin")
        return allowed is not None and origin is not None and origin not in allowed

    def _refuse(
        self, number: int, who: str, request: HandshakeRequest, url: str, error: BaseException
    ) -> tuple[int, str, list[tuple[str, str]]]:
        status, body, headers = failure_answer(error, self.settings.open_timeout)
        reason = body.strip()
        log = LegLog(self.log, number, self._tap)
        log.event(
            HANDSHAKE,
            CLIENT_LEG,
            handshake_text(f"GET {request.path} from {who}", request.headers, headers, status),
        )
        log.event(ERROR, UPSTREAM_LEG, describe_error(error))
        log.event(INFO, RELAY, f"refused the client with HTTP {status}: {reason}")
        self.emit("refused", RefusedAttempt(number, who, request.path, url, status, reason))
        return status, body, headers

    def _subprotocol(self, request: HandshakeRequest, offered: list[str]) -> str | None:
        """The server's ``select_subprotocol``: the upstream's choice."""
        opening = self._opening.get(tuple(request.remote_address))
        chosen = None if opening is None else opening.upstream.subprotocol
        return chosen if chosen in offered else None

    def _upstream_response_headers(self, request: HandshakeRequest) -> list[tuple[str, str]]:
        """The server's ``response_headers``: the upstream's 101 headers passed on."""
        opening = self._opening.get(tuple(request.remote_address))
        return [] if opening is None else passed_response_headers(opening.upstream.response_headers)

    def _abandon(self, opening: _Opening, why: str) -> None:
        """An upstream leg whose client never arrived: close it."""
        for address, found in list(self._opening.items()):
            if found is opening:
                del self._opening[address]
        if opening.expiry is not None:
            opening.expiry.cancel()
        LegLog(self.log, opening.number, self._tap).event(
            INFO, RELAY, f"closing the upstream leg: {why}"
        )
        opening.upstream.close(STOP_CODE, why[:120])

    def _handshake_refused(self, refusal: HandshakeRefusal) -> None:
        opening = self._opening.get(tuple(refusal.remote_address))
        if opening is not None:
            self._abandon(opening, f"the client's handshake was refused ({refusal.status})")

    # -- relayed connections -----------------------------------------------------------------

    def _accepted(self, socket: Socket) -> None:
        socket.start_pulling()  # before the server's reader runs: no message is missed
        opening = self._opening.pop(tuple(socket.remote_address), None)
        if opening is None:  # cannot happen: every accepted handshake opened its upstream
            socket.close(1011, "relay: no upstream leg for this connection")
            return
        if opening.expiry is not None:
            opening.expiry.cancel()
        number = opening.number
        store = LogStore(
            self._log_capacity,
            f"#{number} {address_text(socket.remote_address)} → {opening.upstream.url}",
            self._log_byte_capacity,
        )
        connection = RelayedConnection(
            number,
            socket,
            opening.upstream,
            LegLog(
                store,
                number,
                self._tap,
                message_rows=self._message_rows,
                message_file=self._message_file,
            ),
            self.intercept,
            lambda: self.rules,
            seconds(self._server.options["close_timeout"]),
        )
        self.connections[number] = connection
        connection.on("close", lambda end: self._closed(connection))
        self.emit("connection", connection)  # its listeners see every event from 'open' on
        connection.start()

    def _closed(self, connection: RelayedConnection) -> None:
        self.emit("closed", connection)
        closed = [n for n, c in self.connections.items() if c.end is not None]
        for number in closed[: max(0, len(closed) - self._keep_closed)]:
            del self.connections[number]
            self.emit("removed", number)

    def _server_error(self, error: BaseException) -> None:
        self._log.event(ERROR, RELAY, describe_error(error))
        self.emit("error", error)
