"""Frames written within one loop turn go to the transport in one write, not one each.

websockets writes every frame with its own ``transport.write``; on an idle socket each is a
system call (about a fifth of a relay's time with small messages). ``WriteBatch`` is a mixin
over websockets' connection: a connection's first write in a loop turn goes to the transport
at once, as before (a single message waits for nothing), and what it writes after that in
the same turn is held and handed over in one write when the turn ends: a handler answering
a burst, a broadcast, a relay leg forwarding what it read. The loop's ``Turns`` ends a turn
with one callback (``call_soon``, so the held frames leave in the loop's next pass, before it
waits for the network again), shared by all connections on the loop.

Nothing else changes: frames keep their order (the close frame after every message before
it, the end of the stream after everything), and the hold is bounded: once it reaches
``HOLD_LIMIT`` bytes (or a frame that large comes), it is written at once, so the transport
pauses websockets' writers as before and ``send()`` keeps waiting on a peer that reads slowly.
A held frame counts as handed over (as in the transport's own buffer) and in the
connection's ``buffered_amount``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Final

from websockets.asyncio.connection import Connection

__all__ = ["HOLD_LIMIT", "WriteBatch"]

log = logging.getLogger("core")

#: Most bytes a connection holds in a turn before it writes them (below websockets' 32 KiB
#: high-water mark: a held burst never hides a full buffer from the writers for long).
HOLD_LIMIT: Final = 16 * 1024


class Turns:
    """One per loop: numbers the turns in which a connection wrote, and at the end of each
    writes what the connections held."""

    __slots__ = ("__weakref__", "_holding", "scheduled", "turn")

    def __init__(self) -> None:
        self.turn = 0
        #: Whether the end of this turn is scheduled.
        self.scheduled = False
        self._holding: list[WriteBatch] = []

    def wrote(self, loop: asyncio.AbstractEventLoop) -> None:
        """A connection wrote in this turn: end the turn in the loop's next pass."""
        if not self.scheduled:
            self.scheduled = True
            loop.call_soon(self._end)

    def hold(self, connection: WriteBatch) -> None:
        """``connection`` holds frames: write them when the turn ends."""
        self._holding.append(connection)

    def _end(self) -> None:
        self.scheduled = False
        self.turn += 1
        holding, self._holding = self._holding, []
        for connection in holding:
            try:
                connection.flush_held()
            except Exception:  # a transport that fails its write ends only its connection
                log.exception("writing to %s failed; dropping it", connection.transport)
                connection.transport.abort()


_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Turns] = weakref.WeakKeyDictionary()
#: The loop asked for last and its Turns: one loop serves nearly every connection.
_last: tuple[weakref.ref[asyncio.AbstractEventLoop], Turns] | None = None


def _turns_of(loop: asyncio.AbstractEventLoop) -> Turns:
    global _last
    if _last is not None and _last[0]() is loop:
        return _last[1]
    turns = _TURNS.get(loop)
    if turns is None:
        turns = _TURNS[loop] = Turns()
    _last = (weakref.ref(loop), turns)
    return turns


class WriteBatch(Connection):
    """The mixin (see the module docstring); put it before websockets' connection class."""

    # Slots, with FlowControl's: websockets' connection keeps its ~27 attributes in the
    # instance's inline values, which hold at most 30; more would make every connection
    # build a dict of its own (slower to make, to read and for the cycle collector).
    __slots__ = ("_held", "_turn", "_turns", "held_bytes")

    def _start_batching(self) -> None:
        """Called by the connection class's ``__init__`` (core._flow.FlowControl), after
        websockets' own (one ``__init__`` less to pass websockets' arguments through)."""
        self._turns = _turns_of(self.loop)
        self._turn = -1  # the last turn this connection wrote in
        self._held: list[bytes] | None = None  # made at the first frame held
        #: Bytes written in this turn and not yet handed to the transport.
        self.held_bytes = 0

    def send_data(self) -> None:
        """Write what websockets' protocol has to send: at once if it is this connection's
        first write in this loop turn, else when the turn ends (see the module docstring)."""
        writes = self.protocol.data_to_send()
        if not writes:
            return
        turns = self._turns
        if self._turn != turns.turn:
            self._turn = turns.turn
            if not turns.scheduled:  # Turns.wrote, inlined: this runs for every message
                turns.wrote(self.loop)
            if len(writes) == 1 and writes[0]:  # one frame, the usual case
                self.transport.write(writes[0])
            else:
                self._write(writes)
            return
        held = self._held
        if held is None:
            held = self._held = []
        was_holding = bool(held)
        for data in writes:
            if not data or len(data) >= HOLD_LIMIT:  # the end of the stream, or a large frame
                self.flush_held()
                self._write([data])
                continue
            held.append(data)
            self.held_bytes += len(data)
            if self.held_bytes >= HOLD_LIMIT:
                self.flush_held()
        if held and not was_holding:
            turns.hold(self)

    def flush_held(self) -> None:
        """Hand what this connection holds to the transport, in one write."""
        held = self._held
        if held:
            data = held[0] if len(held) == 1 else b"".join(held)
            held.clear()
            self.held_bytes = 0
            if not self.transport.is_closing():  # else aborted: its buffer went the same way
                self.transport.write(data)

    def _write(self, writes: list[bytes]) -> None:
        """websockets' own ``send_data`` for data it already took: write, or end the stream."""
        for data in writes:
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                # websockets: "write_eof() doesn't document which exceptions it raises"
                with contextlib.suppress(Exception):
                    self.transport.write_eof()
            else:  # pragma: no cover
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._held:  # the transport is gone: as its own buffer, what is held is lost
            self._held.clear()
        self.held_bytes = 0
        super().connection_lost(exc)
