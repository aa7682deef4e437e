"""One direction of one relayed connection: rules, then intercept, then the send, in order.

The connection's pump hands each message to ``Lane.carry`` in arrival order. The rules may
change, drop or delay it (each rule that did something is a ``rule`` row); then, if its
direction is held or messages wait before it, it joins the lane's queue (``held`` is an
``intercept`` row); otherwise it is sent on at once. The queue leaves in order: its head goes
when it is decided (forwarded, edited, dropped; or not held at all), by a drain task.

Faults (the fault lab, ``leg_faults``): ``fault_drop`` drops the next N messages after the
rules (each a ``fault`` row, and a ``'rule'`` event of the "fault lab") and ``fault_delay`` adds seconds to every message's delay, as a
rule's delay does (order kept).

Back-pressure: a send that the destination cannot take at once (its transport is full) is
awaited, so the pump stops reading the source, whose transport then stops reading the
socket: a slow reader slows the writer on the other leg. The queue holds at most
``QUEUE_LIMIT`` messages and ``QUEUE_BYTES`` bytes (plus the one that crossed the line); past
that, the pump waits for room, with the same effect.

When the source leg ends the pump calls ``finish``: decided messages at the head of the queue
are sent on at once (before the close that follows them), and every held message, and all
behind the first one, is dropped and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Final

from core import EventEmitter, NotOpenError
from workbench.engine.log.store import ERROR, FAULT, INTERCEPT, RULE

from .intercept import DROPPED, EDITED, FORWARDED, HeldMessage, Intercept
from .log_rows import LegLog
from .rules import Applied, RuleSet

__all__ = ["QUEUE_BYTES", "QUEUE_LIMIT", "Lane"]

#: Most messages a lane's queue (held ones and those waiting behind them) keeps.
QUEUE_LIMIT: Final = 1000
#: Most payload bytes it keeps (the message that crosses the line is kept too).
QUEUE_BYTES: Final = 16 * 1024 * 1024


class _Item:
    """A queued message: its payload, its delay, and its fate (None: undecided)."""

    __slots__ = ("delay", "held", "outcome", "payload")

    def __init__(self, payload: str | bytes, delay: float, held: HeldMessage | None) -> None:
        self.payload = payload
        self.delay = delay
        self.held = held
        self.outcome: str | None = None if held is not None else FORWARDED


class Lane:
    """Carries the messages of one direction of connection ``number`` to ``destination`` (a
    ``core.Socket`` or ``core.Client``, whose leg is named ``destination_leg`` in the log);
    ``events`` is the connection, which emits ``'arrived'``, ``'message'`` and ``'rule'``.
    ``carried``: messages taken so far (the one being taken included)."""

    def __init__(
        self,
        direction: str,
        number: int,
        destination: Any,
        log: LegLog,
        intercept: Intercept,
        rules: Callable[[], RuleSet],
        events: EventEmitter[Any],
        destination_leg: str,
    ) -> None:
        self.direction = direction
        self.number = number
        self._destination = destination
        self._log = log
        self._intercept = intercept
        self._rules = rules
        self._events = events
        self._destination_leg = destination_leg
        self._queue: deque[_Item] = deque()
        self._queued_bytes = 0
        self._room: asyncio.Future[None] | None = None
        self._drain: asyncio.Task[None] | None = None
        self._source_closed = False
        self._finished = False
        self.not_sent = 0
        self.carried = 0
        self.fault_delay = 0.0
        self.fault_drop = 0

    @property
    def queued(self) -> int:
        """Messages waiting in the queue (held, or behind a held one)."""
        return len(self._queue)

    def carry(self, payload: str | bytes) -> Awaitable[Any] | None:
        """Take the next message of this direction (the pump calls this in arrival order);
        an awaitable the pump must wait for before the next one (back-pressure, a delay, no
        room in the queue), or None. The awaitable of a send the destination could not take
        at once is core's own (no coroutine a message): it raises ``NotOpenError`` when the
        destination ended first, which the pump ignores (the destination's ``'close'`` tells
        the connection)."""
        delay = 0.0
        self.carried += 1
        events = self._events
        if events.has_listeners("arrived"):
            events.emit("arrived", self.direction, payload)
        outcome = self._rules().apply(self.direction, payload)
        if outcome is not None:
            for applied in outcome.applied:
                self._log.event(
                    RULE, self.direction, f"rule {applied.rule!r}: {applied.what}", applied.before
                )
                self._events.emit("rule", self.direction, applied)
            if outcome.dropped:
                return None
            payload, delay = outcome.payload, outcome.delay
        if self.fault_drop or self.fault_delay:
            if self.fault_drop:
                self.fault_drop -= 1
                left = f", {self.fault_drop} more to drop" if self.fault_drop else ""
                self._log.event(FAULT, self.direction, f"dropped (fault lab{left})", payload)
                events.emit("rule", self.direction, Applied("fault lab", "dropped", payload))
                return None
            delay += self.fault_delay
        holding = self._intercept.holding(self.direction)
        if not self._queue and not holding:
            if delay:
                return self._send_later(payload, delay)
            return self._send(payload)
        held = None
        if holding:
            held = self._intercept.hold(self, self.number, self.direction, payload)
            self._log.event(
                INTERCEPT,
                self.direction,
                f"held #{held.id} ({len(self._queue) + 1} queued)",
                payload,
            )
        self._queue.append(_Item(payload, delay, held))
        self._queued_bytes += len(payload)
        self._kick()
        if len(self._queue) >= QUEUE_LIMIT or self._queued_bytes >= QUEUE_BYTES:
            return self._wait_for_room()
        return None

    async def _send_later(self, payload: str | bytes, delay: float) -> None:
        await asyncio.sleep(delay)
        delivery = self._send(payload)
        if delivery is not None:
            await self._delivered(delivery)

    async def _wait_for_room(self) -> None:
        while (
            len(self._queue) >= QUEUE_LIMIT or self._queued_bytes >= QUEUE_BYTES
        ) and not self._source_closed:
            self._room = asyncio.get_running_loop().create_future()
            await self._room

    def decide(self, held: HeldMessage, outcome: str, payload: str | bytes | None) -> None:
        """A person's decision on ``held`` (``intercept.Decider``)."""
        for item in self._queue:
            if item.held is held:
                item.outcome = outcome
                if outcome == EDITED and payload is not None:
                    self._queued_bytes += len(payload) - len(item.payload)
                    item.payload = payload
                self._log.event(INTERCEPT, self.direction, f"{outcome} #{held.id}")
                self._kick()
                return

    def source_closed(self) -> None:
        """The source leg ended: the pump no longer waits for room in the queue."""
        self._source_closed = True
        self._free_room()

    def finish(self) -> None:
        """The source ended (see the module docstring). Idempotent; sends nothing after."""
        if self._finished:
            return
        self._finished = True
        self.source_closed()
        if self._drain is not None:
            self._drain.cancel()
            self._drain = None
        blocked = False
        while self._queue:
            item = self._queue.popleft()
            if item.outcome is None or blocked:
                blocked = True
                if item.held is not None and item.outcome is None:
                    self._intercept.released(item.held, DROPPED)
                what = f"#{item.held.id}" if item.held is not None else "a message"
                self._log.event(
                    INTERCEPT,
                    self.direction,
                    f"dropped {what}: the connection closed while it waited",
                    item.payload,
                )
            elif item.outcome != DROPPED:
                self._send(item.payload)
        self._queued_bytes = 0

    # -- sending ---------------------------------------------------------------------------

    def _send(self, payload: str | bytes) -> Awaitable[Any] | None:
        """Send on; the awaitable to wait on when the destination could not take it at once."""
        destination = self._destination
        try:
            delivery = destination.send(payload)
        except NotOpenError:
            self.not_sent += 1
            self._log.event(
                ERROR,
                self.direction,
                f"not sent: the {self._destination_leg} leg is closing",
                payload,
            )
            return None
        self._log.message(self.direction, payload)
        events = self._events
        if events.has_listeners("message"):
            events.emit("message", self.direction, payload)
        return delivery if destination.pending_messages else None

    @staticmethod
    async def _delivered(delivery: Any) -> None:
        with contextlib.suppress(NotOpenError):  # the destination ended first: its
            await delivery  # 'close' tells the connection

    def _kick(self) -> None:
        if self._drain is None and self._queue and self._queue[0].outcome is not None:
            self._drain = asyncio.get_running_loop().create_task(self._drain_queue())

    async def _drain_queue(self) -> None:
        queue = self._queue
        try:
            while queue and queue[0].outcome is not None:
                item = queue[0]
                if item.outcome != DROPPED and item.delay:
                    await asyncio.sleep(item.delay)  # the head stays queued meanwhile
                queue.popleft()
                self._queued_bytes -= len(item.payload)
                self._free_room()
                if item.outcome == DROPPED:
                    continue
                delivery = self._send(item.payload)
                if delivery is not None:
                    await self._delivered(delivery)
        finally:
            if self._drain is asyncio.current_task():
                self._drain = None
        self._kick()

    def _free_room(self) -> None:
        room, self._room = self._room, None
        if room is not None and not room.done():
            room.set_result(None)
