"""Auto-replies sent off the reading path, in slices, so a flood answered by Echo never holds
the UI loop for long (Qt-free).

core calls a socket's ``'message'`` handlers from its reader, which does not return to the
loop while frames are buffered (one read of 256 KiB is thousands of small messages). When
each handler also sent its reply, the reader held the loop for seconds under a flood (clicks
took 0.35–1.4 s to repaint; the flood benchmark measured median 3.7 s, see
``tests/benchmarks/workbench_flood.py --window --echo``). The handler now only queues the
reply (O(1)); a ``ReplyWriter`` task sends the queue in slices of at most ``SLICE_SECONDS``
and yields to the loop between them, and after every ``ACK_EVERY`` replies waits until
core handed them to the transport, so neither its queue nor core's outbox grows without
bound. At most ``LIMIT`` replies wait; more are dropped and counted (``dropped``).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Final

__all__ = ["ACK_EVERY", "LIMIT", "SLICE_SECONDS", "YIELD_SECONDS", "ReplyWriter"]

#: Longest the writer sends before it yields to the loop.
SLICE_SECONDS: Final = 0.004
#: The pause between two slices. Not 0: under qasync a zero-delay callback is a Qt zero
#: timer, which Qt runs only when no socket is ready, so under a flood it would wait long.
YIELD_SECONDS: Final = 0.001
#: Replies between two waits for core to hand them to the transport (backpressure).
ACK_EVERY: Final = 256
#: Most replies waiting (a peer that sends faster than replies can go fills it); beyond it
#: new ones are dropped, counted and ``on_drop`` is told once per burst.
LIMIT: Final = 1_000_000


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
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.sent = 0
        self.dropped = 0

    @property
    def waiting(self) -> int:
        """Replies queued and not yet sent."""
        return len(self._pending)

    def queue(self, value: Any) -> None:
        """Queue a reply (dropped and counted when ``limit`` wait, or after ``close``)."""
        if self._closed:
            self.dropped += 1
            return
        if len(self._pending) >= self._limit:
            self.dropped += 1
            if not self._dropping and self._on_drop is not None:
                self._on_drop(self._limit)
            self._dropping = True
            return
        if self._dropping and len(self._pending) < self._limit // 2:
            self._dropping = False  # the next burst of drops is told again
        self._pending.append(value)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._write())

    def close(self) -> None:
        """Stop: cancel the writing task and drop the replies still waiting."""
        self._closed = True
        self._pending.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _write(self) -> None:
        pending = self._pending
        send = self._send
        clock = time.perf_counter
        unacknowledged = 0
        last: Awaitable[None] | None = None
        try:
            while pending:
                until = clock() + SLICE_SECONDS
                while pending:  # at least one reply per slice
                    delivery = send(pending.popleft())
                    if delivery is not None:
                        self.sent += 1
                        last = delivery
                        unacknowledged += 1
                    if unacknowledged >= ACK_EVERY or clock() >= until:
                        break
                if unacknowledged >= ACK_EVERY and last is not None:
                    unacknowledged = 0
                    try:
                        await last
                    except Exception:  # the socket closed: it reports that itself
                        pending.clear()
                        return
                await asyncio.sleep(YIELD_SECONDS)  # let the UI (and the reader) have the loop
        finally:
            if self._task is asyncio.current_task():
                self._task = None
