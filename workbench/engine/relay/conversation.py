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
#: The bytes of a binary message its label shows.
_BINARY_SHOWN: Final = 12
_now = time.time
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


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _preview(head: str | bytes, size: int) -> str:
    """The label of a message of ``size`` bytes whose first characters (or bytes) are
    ``head`` (one more than shown, to know whether it was cut)."""
    if isinstance(head, bytes):
        shown = head[:_BINARY_SHOWN].hex(" ") + (" …" if size > _BINARY_SHOWN else "")
        return f"binary {format_size(size)} {shown}".rstrip()
    cut = head[:PREVIEW_CHARS] + ("…" if len(head) > PREVIEW_CHARS else "")
    return f"text {format_size(size)} {cut!r}"


class RelayArrow:
    """One row: ``kind`` (``request``, ``response``, ``text``, ``binary``, ``ping``, ``pong``,
    ``close`` or ``note``), from lifeline ``source`` to ``target`` (the same for a note on one
    lifeline), ``time`` (``time.time()``), ``text`` (its label) and ``mark`` (``held``,
    ``edited``, ``dropped``, ``rule`` or "").

    A message's label is written when it is first read (most rows of a fast stream never
    are): until then the arrow keeps the head of the payload the label shows, and its size."""

    __slots__ = ("_head", "_size", "_text", "kind", "mark", "source", "target", "time")

    def __init__(
        self, kind: str, source: int, target: int, time: float, text: str, mark: str = ""
    ) -> None:
        self.kind = kind
        self.source = source
        self.target = target
        self.time = time
        self.mark = mark
        self._text: str | None = text
        self._head: str | bytes = ""
        self._size = 0

    @classmethod
    def message(cls, source: int, target: int, payload: str | bytes, mark: str = "") -> RelayArrow:
        """A message's arrow, its label not written yet."""
        if isinstance(payload, bytes):
            arrow = cls("binary", source, target, _now(), "", mark)
            arrow._head, arrow._size = payload[: _BINARY_SHOWN + 1], len(payload)
        else:
            arrow = cls("text", source, target, _now(), "", mark)
            arrow._head = payload[: PREVIEW_CHARS + 1]
            arrow._size = len(payload) if payload.isascii() else _utf8_length(payload)
        arrow._text = None
        return arrow

    @property
    def text(self) -> str:
        """The label."""
        text = self._text
        if text is None:
            text = self._text = _preview(self._head, self._size)
            self._head = ""
        return text

    def __repr__(self) -> str:
        return (
            f"RelayArrow({self.kind!r}, {self.source}, {self.target}, {self.time}, "
            f"{self.text!r}, {self.mark!r})"
        )


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
        self._append(RelayArrow(kind, source, target, _now(), text, mark))

    def _append(self, arrow: RelayArrow) -> None:
        rows = self.rows
        rows.append(arrow)
        if len(rows) > self.max_rows:
            rows.popleft()
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
        self._append(RelayArrow.message(_SOURCE[direction], RELAY, payload))

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
        fates = self._fates[direction]
        mark = fates.pop(number, "") if fates else ""
        self._append(RelayArrow.message(RELAY, _TARGET[direction], payload, mark))

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
