"""Cut off peers that keep TCP open after the closing handshake: one timer per tick, not one
per connection.

Every connection whose closing handshake is done waits for the peer to end TCP, and is
aborted at its close deadline if the peer never does (``core._flow``). A timer each put
every closing connection in the loop's timer heap, and most are cancelled a moment later
when the peer does end TCP: under a burst of short connections that heap work was a
noticeable part of a connection's cost. ``CloseReaper`` (one per loop) rounds each deadline
up to the next ``TICK`` and keeps the transports due at that tick in a set, with one timer
for the set; a transport that ends first leaves its set. A peer is thus cut off at most
``TICK`` after its deadline.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from typing import Final

__all__ = ["TICK", "CloseReaper", "reaper_of"]

#: Seconds a deadline is rounded up to.
TICK: Final = 0.1


class CloseReaper:
    """Aborts the transports it watches when their tick comes."""

    __slots__ = ("__weakref__", "_due", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._due: dict[int, set[asyncio.Transport]] = {}

    def watch(self, transport: asyncio.Transport, deadline: float) -> set[asyncio.Transport]:
        """Abort ``transport`` at ``deadline`` (loop time, rounded up to a tick). Returns
        the set it is in: discard it from there when it ends first."""
        tick = math.ceil(deadline / TICK)
        due = self._due.get(tick)
        if due is None:
            due = self._due[tick] = set()
            self._loop.call_at(tick * TICK, self._reap, tick)
        due.add(transport)
        return due

    def _reap(self, tick: int) -> None:
        for transport in self._due.pop(tick, ()):
            transport.abort()


_REAPERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CloseReaper] = (
    weakref.WeakKeyDictionary()
)


def reaper_of(loop: asyncio.AbstractEventLoop) -> CloseReaper:
    """The loop's reaper."""
    reaper = _REAPERS.get(loop)
    if reaper is None:
        reaper = _REAPERS[loop] = CloseReaper(loop)
    return reaper
