"""One relayed connection: a client's ``core.Socket`` and the ``core.Client`` opened upstream
for it, two pumps between them (one per direction, each through its ``Lane``), its log, and
the close passed from the leg that ended first to the other (``closing``).

Both legs carry frames as they are (``*/*``): a text frame arrives as ``str`` and is sent on
as a text frame, a binary one as ``bytes`` and sent as binary, so the payload's bytes are the
same on both legs. Each leg answers its own peer's pings (websockets does); pings and pongs
never cross the relay.

Each pump pulls with ``async for``, which reads the leg itself (core's direct reads): at most
the leg's ``max_queue`` messages wait parsed, in websockets' queue (or in core's inbox while
reading changes hands: twice that at worst) before that leg stops reading, so with the lane's
back-pressure (see ``lane``) a relayed direction keeps at most: those messages, the read
buffer (32 KiB), the lane's queue (empty unless messages are held: ``lane.QUEUE_LIMIT`` /
``QUEUE_BYTES``), one message in flight, and the destination transport's write buffer
(websockets' 32 KiB high-water mark plus the message being written). With the relay's
``max_queue`` of 32 (``settings.DEFAULT_MAX_QUEUE``) and core's ``max_message_size`` of
1 MiB that is about 35 MiB a direction for 1 MiB messages (67 MiB at worst), and a few KiB
for small ones; the log (one bounded ``LogStore`` per connection) comes on top.

Events:
    ``'open'`` (): both legs are open and the pumps run.
    ``'arrived'`` (direction: str, payload: str | bytes): a message came from its source leg,
        before the rules (only emitted when someone listens).
    ``'message'`` (direction: str, payload: str | bytes): a message was sent on (after the
        rules and any edit); only emitted when someone listens.
    ``'rule'`` (direction: str, applied: rules.Applied): a rule changed, dropped or delayed one.
    ``'close'`` (end: ConnectionEnd): both legs are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from core import Client, ConnectionClosed, EventEmitter, NotOpenError, Socket
from workbench.engine.in_words import address_text, close_text, describe_error, handshake_text
from workbench.engine.log.store import CLOSE, ERROR, HANDSHAKE, INFO, OPEN, LogStore

from .closing import CLIENT, UPSTREAM, passed_on
from .directions import CLIENT_LEG, RELAY, TO_CLIENT, TO_UPSTREAM, UPSTREAM_LEG, WORDS
from .intercept import Intercept
from .lane import Lane
from .log_rows import LegLog
from .rules import RuleSet

__all__ = ["ConnectionEnd", "RelayedConnection"]

ConnectionEvent = Literal["open", "arrived", "message", "rule", "close"]
_LEGS = {CLIENT: CLIENT_LEG, UPSTREAM: UPSTREAM_LEG}


@dataclass(frozen=True)
class ConnectionEnd:
    """How a relayed connection ended: who ended it first (``"client"``, ``"upstream"`` or
    ``"relay"``), and each leg's close as the relay saw it: ``(code, reason)``."""

    first: str
    client: tuple[int, str]
    upstream: tuple[int, str]

    def __str__(self) -> str:
        client, upstream = close_text(*self.client), close_text(*self.upstream)
        if self.first == "relay":
            return f"closed by the relay: client {client}; upstream {upstream}"
        other = UPSTREAM if self.first == CLIENT else CLIENT
        closed = {CLIENT: client, UPSTREAM: upstream}
        return f"the {self.first} closed first ({closed[self.first]}); {other}: {closed[other]}"


class RelayedConnection(EventEmitter[ConnectionEvent]):
    """Relays between ``client`` (the accepted Socket) and ``upstream`` (an open Client).

    Made by the ``Relay``, which calls ``start()``; ``close()`` ends both legs.

    Attributes:
        number: The connection's number in its relay (1, 2, ...): its rows say ``#number``.
        client / upstream: The two legs (``core.Socket`` / ``core.Client``): their
            addresses, handshakes and ``'frame'`` events are there to read.
        log: The connection's ``LogStore``.
        lanes: The ``Lane`` of each direction (``to_upstream``, ``to_client``).
        opened_at: When both legs were open (``time.time()``).
        end: How it ended (``ConnectionEnd``), None while open.
    """

    def __init__(
        self,
        number: int,
        client: Socket,
        upstream: Client,
        log: LegLog,
        intercept: Intercept,
        rules: Callable[[], RuleSet],
        close_timeout: float | None,
    ) -> None:
        super().__init__()
        self.number = number
        self.client = client
        self.upstream = upstream
        self._log = log
        self.log: LogStore = log.store
        self._close_timeout = close_timeout
        self.lanes = {
            TO_UPSTREAM: Lane(TO_UPSTREAM, number, upstream, log, intercept, rules, self, UPSTREAM),
            TO_CLIENT: Lane(TO_CLIENT, number, client, log, intercept, rules, self, CLIENT),
        }
        self.opened_at = time.time()
        self.end: ConnectionEnd | None = None
        self._closes: dict[str, tuple[int, str]] = {}
        self._first: str | None = None
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ended = asyncio.get_running_loop().create_future()

    def __repr__(self) -> str:
        return f"<RelayedConnection #{self.number} {'open' if self.end is None else 'closed'}>"

    @property
    def client_address(self) -> str:
        """The client's ``host:port``."""
        return address_text(self.client.remote_address)

    def start(self) -> None:
        """Log both handshakes, start the pumps, emit ``'open'``."""
        client, upstream, log = self.client, self.upstream, self._log
        client.start_pulling()
        upstream.start_pulling()
        log.event(
            HANDSHAKE,
            CLIENT_LEG,
            handshake_text(f"GET {client.path}", client.request_headers, client.response_headers),
        )
        log.event(
            HANDSHAKE,
            UPSTREAM_LEG,
            handshake_text(
                f"GET {upstream.request_path}", upstream.request_headers, upstream.response_headers
            ),
        )
        agreed = f", subprotocol {upstream.subprotocol}" if upstream.subprotocol else ""
        log.event(OPEN, RELAY, f"open: {self.client_address} → {upstream.url}{agreed}")
        for side, leg in ((CLIENT, client), (UPSTREAM, upstream)):
            leg.on("close", self._leg_closed_handler(side))
            leg.on("error", self._leg_error_handler(side))
        loop = asyncio.get_running_loop()
        self._pumps = {
            TO_UPSTREAM: loop.create_task(self._pump(TO_UPSTREAM, client)),
            TO_CLIENT: loop.create_task(self._pump(TO_CLIENT, upstream)),
        }
        self.emit("open")
        if upstream.close_code is not None:  # it closed before the client's handshake ended
            self._leg_closed(UPSTREAM, upstream.close_code, upstream.close_reason or "")

    def close(self, code: int = 1000, reason: str = "") -> asyncio.Future[None]:
        """Close both legs with ``code`` and ``reason`` (the relay stopping: 1001); done when
        the connection has ended. Idempotent; cancelling an await of it does not stop it."""
        if self._first is None:
            self._first = RELAY
            self._log.event(INFO, RELAY, f"closing both legs with {close_text(code, reason)}")
            self._spawn(self._close_leg(self.client, code, reason))
            self._spawn(self._close_leg(self.upstream, code, reason))
        return self._ended

    async def wait_closed(self) -> ConnectionEnd:
        """Wait until both legs are closed; how it ended."""
        await asyncio.shield(self._ended)
        assert self.end is not None
        return self.end

    # -- the pumps ---------------------------------------------------------------------------

    async def _pump(self, direction: str, source: Socket | Client) -> None:
        """Carry each message of ``source`` on, in order. ``async for`` reads the source in
        this task (core's direct reads), taking the messages one read brought without
        waiting. It ends on a normal close and raises ``ConnectionClosed`` on any other."""
        lane = self.lanes[direction]
        carry = lane.carry
        try:
            async for payload in source:
                waiting = carry(payload)
                if waiting is not None:
                    # the destination ended first: its 'close' tells the connection
                    with contextlib.suppress(NotOpenError):
                        await waiting
        except ConnectionClosed:
            pass
        finally:
            lane.finish()

    # -- the ends ----------------------------------------------------------------------------

    def _leg_closed_handler(self, side: str) -> Any:
        def closed(code: int, reason: str) -> None:
            self._leg_closed(side, code, reason)

        return closed

    def _leg_error_handler(self, side: str) -> Any:
        def failed(error: BaseException) -> None:
            self._log.event(ERROR, _LEGS[side], describe_error(error))

        return failed

    def _leg_closed(self, side: str, code: int, reason: str) -> None:
        if side in self._closes:
            return
        self._closes[side] = (code, reason)
        self._log.event(CLOSE, _LEGS[side], f"closed, {close_text(code, reason)}")
        direction = TO_UPSTREAM if side == CLIENT else TO_CLIENT
        self.lanes[direction].source_closed()
        if self._first is None:
            self._first = side
            self._spawn(self._pass_on(side, direction, code, reason))
        if len(self._closes) == 2:
            self._spawn(self._finish())

    async def _pass_on(self, side: str, direction: str, code: int, reason: str) -> None:
        """``side`` ended first: let what it sent before go on, then close the other leg."""
        pump = self._pumps.get(direction)
        if pump is not None:
            await asyncio.wait([pump], timeout=self._close_timeout)
            if not pump.done():  # the other leg does not read: give up on the rest
                pump.cancel()
                await asyncio.wait([pump])
        other, leg = (self.upstream, UPSTREAM) if side == CLIENT else (self.client, CLIENT)
        passed_code, passed_reason = passed_on(side, code, reason)
        self._log.event(
            INFO,
            RELAY,
            f"the {side} ended first ({close_text(code, reason)}): closing the {leg} with "
            f"{close_text(passed_code, passed_reason)}",
        )
        await self._close_leg(other, passed_code, passed_reason)

    @staticmethod
    async def _close_leg(leg: Socket | Client, code: int, reason: str) -> None:
        await leg.close(code, reason)

    async def _finish(self) -> None:
        pumps = list(self._pumps.values())
        if pumps:
            await asyncio.wait(pumps, timeout=self._close_timeout)
            for pump in pumps:
                pump.cancel()
            await asyncio.wait(pumps)
        self.end = ConnectionEnd(self._first or RELAY, self._closes[CLIENT], self._closes[UPSTREAM])
        self._log.event(
            CLOSE,
            RELAY,
            f"{self.end}; sent on: {self.log.messages_out} {WORDS[TO_UPSTREAM]}, "
            f"{self.log.messages_in} {WORDS[TO_CLIENT]}",
        )
        if not self._ended.done():
            self._ended.set_result(None)
        self.emit("close", self.end)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
