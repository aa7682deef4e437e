"""One relayed connection as a sequence diagram with three lifelines: client, relay, upstream
(Qt-free).

A ``RelayConversation`` listens to its connection from the start: the two handshakes, each
message as it reaches the relay (``'arrived'``: client → relay or upstream → relay) and as the
relay sends it on (``'message'``: relay → upstream or relay → client), what the rules and the
person did on the relay's lifeline (``'rule'``, the intercept's ``'held'`` and
``'released'``), and each leg's pings, pongs and closes (its ``'frame'`` events; they never
cross the relay). A message sent on is marked with what happened to it on the way: ``held``
(held, then forwarded), ``edited`` (held and edited), ``rule`` (a rule changed it).

Which arrival a sent message is: each direction's lane keeps order, so the n-th message sent
on is the n-th that arrived and was not dropped (by a rule, the fault lab or a person).

Bounded: at most ``max_rows`` rows (the oldest go first, ``first_index`` counts them), each
holding a preview of at most ``PREVIEW_CHARS`` characters.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Final

from workbench.engine.in_words import close_text
from workbench.engine.units import format_size

from .connection import ConnectionEnd, RelayedConnection
from .directions import TO_CLIENT, TO_UPSTREAM
from .intercept import DROPPED, EDITED, HeldMessage, Intercept
from .rules import Applied

__all__ = ["CLIENT", "DEFAULT_MAX_ROWS", "RELAY", "UPSTREAM", "RelayArrow", "RelayConversation"]

#: The lifelines, left to right.
CLIENT, RELAY, UPSTREAM = 0, 1, 2
DEFAULT_MAX_ROWS: Final = 20_000
PREVIEW_CHARS: Final = 40
#: Each direction's arrivals still waiting to be sent on or dropped, at most (a lane's queue
#: holds at most ``lane.QUEUE_LIMIT``).
_MAX_PENDING: Final = 5_000
_SOURCE = {TO_UPSTREAM: CLIENT, TO_CLIENT: UPSTREAM}
_TARGET = {TO_UPSTREAM: UPSTREAM, TO_CLIENT: CLIENT}
#: Where a leg's frames go: (leg, frame direction as the relay saw it) → (from, to).
_LEG_ARROWS = {
    ("client", "in"): (CLIENT, RELAY),
    ("client", "out"): (RELAY, CLIENT),
    ("upstream", "in"): (UPSTREAM, RELAY),
    ("upstream", "out"): (RELAY, UPSTREAM),
}


@dataclass(slots=True)
class RelayArrow:
    """One row: ``kind`` (``request``, ``response``, ``text``, ``binary``, ``ping``, ``pong``,
    ``close`` or ``note``), from lifeline ``source`` to ``target`` (the same for a note on one
    lifeline), ``time`` (``time.time()``), ``text`` (its label) and ``mark`` (``held``,
    ``edited``, ``dropped``, ``rule`` or "")."""

    kind: str
    source: int
    target: int
    time: float
    text: str
    mark: str = ""


def _preview(payload: str | bytes) -> str:
    if isinstance(payload, bytes):
        size = format_size(len(payload))
        shown = payload[:12].hex(" ") + (" …" if len(payload) > 12 else "")
        return f"binary {size} {shown}".rstrip()
    size = format_size(len(payload.encode("utf-8", "surrogatepass")))
    cut = payload[:PREVIEW_CHARS] + ("…" if len(payload) > PREVIEW_CHARS else "")
    return f"text {size} {cut!r}"


class RelayConversation:
    """The rows of ``connection``'s diagram (see the module docstring); ``intercept`` is its
    relay's. Made when the relay announces the connection, before its ``'open'``."""

    def __init__(
        self,
        connection: RelayedConnection,
        intercept: Intercept,
        max_rows: int = DEFAULT_MAX_ROWS,
    ) -> None:
        self.connection = connection
        self.max_rows = max_rows
        self.rows: deque[RelayArrow] = deque()
        self.first_index = 0
        self.start = time.time()
        self._intercept = intercept
        self._arrived = dict.fromkeys(_SOURCE, 0)
        self._next_sent = dict.fromkeys(_SOURCE, 1)
        self._fates: dict[str, dict[int, str]] = {d: {} for d in _SOURCE}
        self._dropped: dict[str, set[int]] = {d: set() for d in _SOURCE}
        self._held: dict[int, int] = {}  # held message id -> its arrival number
        connection.on("open", self._opened)
        connection.on("arrived", self._arrival)
        connection.on("message", self._sent_on)
        connection.on("rule", self._rule)
        connection.on("close", self._closed)
        intercept.on("held", self._was_held)
        intercept.on("released", self._was_released)
        connection.client.on("frame", self._frame_listener("client"))
        connection.upstream.on("frame", self._frame_listener("upstream"))

    def title(self) -> tuple[str, str, str]:
        """The lifelines' titles."""
        connection = self.connection
        return (
            f"client {connection.client_address}",
            f"relay #{connection.number}",
            f"upstream {connection.upstream.url}",
        )

    def __len__(self) -> int:
        return len(self.rows)

    # -- rows --------------------------------------------------------------------------------

    def _add(self, kind: str, source: int, target: int, text: str, mark: str = "") -> None:
        self.rows.append(RelayArrow(kind, source, target, time.time(), text, mark))
        if len(self.rows) > self.max_rows:
            self.rows.popleft()
            self.first_index += 1

    def _opened(self) -> None:
        client, upstream = self.connection.client, self.connection.upstream
        self.start = self.connection.opened_at
        self._add("request", CLIENT, RELAY, f"GET {client.path} · Upgrade: websocket")
        self._add("request", RELAY, UPSTREAM, f"GET {upstream.request_path} · Upgrade: websocket")
        agreed = f" · {upstream.subprotocol}" if upstream.subprotocol else ""
        self._add("response", UPSTREAM, RELAY, "101 Switching Protocols" + agreed)
        self._add("response", RELAY, CLIENT, "101 Switching Protocols" + agreed)

    def _arrival(self, direction: str, payload: str | bytes) -> None:
        self._arrived[direction] += 1
        kind = "binary" if isinstance(payload, bytes) else "text"
        self._add(kind, _SOURCE[direction], RELAY, _preview(payload))

    def _rule(self, direction: str, applied: Applied) -> None:
        number = self._arrived[direction]
        dropped = applied.what == "dropped"
        if dropped:
            self._drop(direction, number)
        else:
            self._mark(direction, number, "rule")
        mark = "dropped" if dropped else "rule"
        self._add("note", RELAY, RELAY, f"{applied.rule}: {applied.what}", mark)

    def _was_held(self, held: HeldMessage) -> None:
        if held.connection != self.connection.number:
            return
        number = self._arrived[held.direction]
        self._held[held.id] = number
        self._mark(held.direction, number, "held")
        self._add("note", RELAY, RELAY, f"held #{held.id}", "held")

    def _was_released(self, held: HeldMessage, outcome: str) -> None:
        number = self._held.pop(held.id, None)
        if number is None:
            return
        if outcome == DROPPED:
            self._drop(held.direction, number)
        elif outcome == EDITED:
            self._fates[held.direction][number] = "edited"
        mark = {DROPPED: "dropped", EDITED: "edited"}.get(outcome, "held")
        self._add("note", RELAY, RELAY, f"#{held.id} {outcome}", mark)

    def _sent_on(self, direction: str, payload: str | bytes) -> None:
        number, dropped = self._next_sent[direction], self._dropped[direction]
        while number in dropped:
            dropped.discard(number)
            number += 1
        self._next_sent[direction] = number + 1
        mark = self._fates[direction].pop(number, "")
        kind = "binary" if isinstance(payload, bytes) else "text"
        self._add(kind, RELAY, _TARGET[direction], _preview(payload), mark)

    def _mark(self, direction: str, number: int, mark: str) -> None:
        fates = self._fates[direction]
        if fates.get(number) != "edited":
            fates[number] = mark
        if len(fates) > _MAX_PENDING:
            del fates[next(iter(fates))]

    def _drop(self, direction: str, number: int) -> None:
        self._fates[direction].pop(number, None)
        dropped = self._dropped[direction]
        dropped.add(number)
        if len(dropped) > _MAX_PENDING:
            dropped.discard(min(dropped))

    def _frame_listener(self, leg: str) -> Any:
        def on_frame(frame: Any) -> None:
            opcode = frame.opcode
            if opcode not in ("ping", "pong", "close"):
                return
            source, target = _LEG_ARROWS[(leg, frame.direction)]
            if opcode == "close":
                code = frame.close_code
                text = "close " + (
                    close_text(code, frame.close_reason or "") if code is not None else "(no code)"
                )
            else:
                text = f"{opcode} {format_size(frame.length)}"
            self._add(opcode, source, target, text)

        return on_frame

    def _closed(self, end: ConnectionEnd) -> None:
        self._intercept.off("held", self._was_held)
        self._intercept.off("released", self._was_released)
        self._add("note", CLIENT, UPSTREAM, str(end))
