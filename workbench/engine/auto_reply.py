"""Auto-replies sent off the reading path, in slices, so a flood answered by Echo never holds
the UI loop for long, and bounded, so a peer that never reads cannot grow memory (Qt-free).

core calls a socket's ``'message'`` handlers from its reader, which does not return to the
loop while frames are buffered (one read of 256 KiB is thousands of small messages). When
each handler also sent its reply, the reader held the loop for seconds under a flood (clicks
took 0.35–1.4 s to repaint; the flood benchmark measured median 3.7 s, see
``tests/benchmarks/workbench_flood.py --window --echo``). The handler only queues the reply
(O(1)); a ``ReplyWriter`` task sends the queue in slices of at most ``SLICE_SECONDS`` and
yields to the loop between them.

Bounded at both ends:

- *core's outbox*: after every ``ACK_EVERY`` replies, or ``ACK_BYTES`` of them, the writer
  waits until core handed them to the transport. The count runs across bursts: it used to
  start again whenever the queue emptied, so replies to a peer that sends in bursts and
  never reads went to core's outbox without ever waiting (11 GB in 48 s with 1 MB messages).
- *its own queue*: once ``HIGH_WATER`` replies (or ``HIGH_WATER_BYTES``) wait, ``queue``
  returns a coroutine for the ``'message'`` handler to return: core runs such coroutines one
  at a time and stops reading from the peer while ``max_queue`` of them wait (its
  documented backpressure), so a peer that does not read its replies is not read either.
  Each coroutine finishes once the queue is down to half of that. ``LIMIT`` stays as a last
  bound: beyond it replies are dropped and counted (``dropped``).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final

from core import NotOpenError

__all__ = [
    "ACK_BYTES",
    "ACK_EVERY",
    "HIGH_WATER",
    "HIGH_WATER_BYTES",
    "LIMIT",
    "SLICE_SECONDS",
    "YIELD_SECONDS",
    "ReplyWriter",
]

#: Longest the writer sends before it yields to the loop.
SLICE_SECONDS: Final = 0.004
#: The pause between two slices. Not 0: under qasync a zero-delay callback is a Qt zero
#: timer, which Qt runs only when no socket is ready, so under a flood it would wait long.
YIELD_SECONDS: Final = 0.001
#: Replies between two waits for core to hand them to the transport (backpressure)...
ACK_EVERY: Final = 256
#: ... or bytes of them (str / bytes replies; other values count only as replies).
ACK_BYTES: Final = 1024 * 1024
#: Replies waiting in the writer's queue beyond which the reader is asked to pause...
HIGH_WATER: Final = 1024
#: ... or bytes of them.
HIGH_WATER_BYTES: Final = 8 * 1024 * 1024
#: Most replies waiting in any case; beyond it new ones are dropped, counted and
#: ``on_drop`` is told once per burst.
LIMIT: Final = 1_000_000


def _size(value: Any) -> int:
    """Bytes a reply holds, when it says (a str counts one per character)."""
    return len(value) if isinstance(value, (str, bytes, bytearray, memoryview)) else 0


class ReplyWriter:
    """Sends the replies ``queue``\\ d for one socket, in order, with ``send(value)``.

    ``send`` returns the awaitable of the delivery, or None when the reply was refused (it
    reports why itself; the writer goes on with the next). ``on_drop(limit)`` is called when
    replies start being dropped. ``close()`` cancels the task and drops what waits: call it
    when the socket closes. Lives on the loop thread.
    """

    def __init__(
        self,
        send: Callable[[Any], Awaitable[None] | None],
        limit: int = LIMIT,
        on_drop: Callable[[int], object] | None = None,
    ) -> None:
        self._send = send
        self._limit = limit
        self._on_drop = on_drop
        self._dropping = False
        self._pending: deque[Any] = deque()
        self._pending_bytes = 0
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        # Replies handed to core since the last wait for it, and the last of them: kept
        # across bursts (a new task goes on counting where the last one stopped).
        self._unacknowledged = 0
        self._unacknowledged_bytes = 0
        self._last: Awaitable[None] | None = None
        self._room: asyncio.Future[None] | None = None
        self.sent = 0
        self.dropped = 0

    @property
    def waiting(self) -> int:
        """Replies queued and not yet sent."""
        return len(self._pending)

    @property
    def full(self) -> bool:
        """Whether as many replies wait as the reader should let in (``HIGH_WATER``)."""
        return len(self._pending) >= HIGH_WATER or self._pending_bytes >= HIGH_WATER_BYTES

    def queue(self, value: Any) -> Coroutine[Any, Any, None] | None:
        """Queue a reply (dropped and counted when ``limit`` wait, or after ``close``).

        Returns None, or, when the queue is ``full``, a coroutine done once it has room
        again: return it from the ``'message'`` handler so that core pauses the reading.
        """
        if self._closed:
            self.dropped += 1
            return None
        if len(self._pending) >= self._limit:
            self.dropped += 1
            if not self._dropping and self._on_drop is not None:
                self._on_drop(self._limit)
            self._dropping = True
            return None
        if self._dropping and len(self._pending) < self._limit // 2:
            self._dropping = False  # the next burst of drops is told again
        self._pending.append(value)
        self._pending_bytes += _size(value)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._write())
        return self._wait_for_room() if self.full else None

    async def _wait_for_room(self) -> None:
        while self.full and not self._closed:
            if self._room is None or self._room.done():
                self._room = asyncio.get_running_loop().create_future()
            await self._room

    def _check_room(self) -> None:
        room = self._room
        if room is not None and not room.done():
            low = len(self._pending) <= HIGH_WATER // 2
            if self._closed or (low and self._pending_bytes <= HIGH_WATER_BYTES // 2):
                room.set_result(None)

    def close(self) -> None:
        """Stop: cancel the writing task and drop the replies still waiting."""
        self._closed = True
        self._pending.clear()
        self._pending_bytes = 0
        self._check_room()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _write(self) -> None:
        pending = self._pending
        send = self._send
        clock = time.perf_counter
        try:
            while pending:
                if self._must_wait() and not await self._acknowledged():
                    return
                until = clock() + SLICE_SECONDS
                while pending:  # at least one reply per slice
                    value = pending.popleft()
                    self._pending_bytes -= _size(value)
                    delivery = send(value)
                    if delivery is not None:
                        self.sent += 1
                        self._last = delivery
                        self._unacknowledged += 1
                        self._unacknowledged_bytes += _size(value)
                    if self._must_wait() or clock() >= until:
                        break
                self._check_room()
                await asyncio.sleep(YIELD_SECONDS)  # let the UI (and the reader) have the loop
        finally:
            if self._task is asyncio.current_task():
                self._task = None

    def _must_wait(self) -> bool:
        return self._last is not None and (
            self._unacknowledged >= ACK_EVERY or self._unacknowledged_bytes >= ACK_BYTES
        )

    async def _acknowledged(self) -> bool:
        """Wait until core handed the replies sent so far to the transport; False if the
        socket closed first."""
        last, self._last = self._last, None
        self._unacknowledged = self._unacknowledged_bytes = 0
        try:
            if last is not None:
                await last
        except NotOpenError:  # the socket closed: it reports that itself
            self._pending.clear()
            self._pending_bytes = 0
            self._check_room()
            return False
        except Exception:  # refused (core's outbox was full): core reported it; go on
            pass
        return True
