"""The outbox of one connection: what ``send()`` accepted, written in call order by one task.

``send`` never awaits: it appends to the outbox and returns an awaitable done when the frame
was handed to the transport, so call-and-forget and ``await`` both work, and a single writer
keeps the order. When nothing is queued and the writer is idle, the frame goes straight
through websockets' protocol to the transport (``_write_now``; websockets' own ``send`` is
started at once, as an eager task would, where that cannot be: fragments, paused writes), so
a small message is written before ``send`` returns. What ``send`` returns is in
core._send_awaitables. The writer task starts only when a message has to wait (most
connections never need it).

The outbox is bounded by ``write_limit``. It counts the bytes it holds, each message as its
payload plus ``MESSAGE_OVERHEAD`` (what keeping it costs), from ``send`` until the frame was
handed to the transport. Once they reach the limit (the peer reads slower than it is sent
to, or not at all) ``send`` refuses: nothing is queued, the awaitable it returns fails with
``UnsentMessagesError``, and the owner's ``'error'`` says so once per episode: the first
refused message at once, the number of the others when the outbox has drained or the
connection ended. A sender that awaits its sends never gets there: it waits below the limit.

When the connection ends, ``fail`` fails everything still queued (reported once on
``'error'`` by the Channel) and every awaitable not done.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Coroutine
from typing import Any, Final, Protocol

from websockets.asyncio.connection import Connection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import OPEN

from ._errors import NotOpenError, UnsentMessagesError
from ._pull import Endpoint
from ._send_awaitables import HANDED_OVER, Delivery, Refused, Resumed
from ._wire_lengths import WireLengths
from .mime import SendPayload

__all__ = ["MESSAGE_OVERHEAD", "Outbox", "Outgoing", "Payload"]

#: A message, or the fragments of one (``send_fragments``): websockets sends a list as frames.
Payload = SendPayload | list[SendPayload]
Outgoing = tuple[Payload, bool, asyncio.Future[None] | None]
#: Bytes each queued message counts beyond its payload (its entry, its future, its object).
MESSAGE_OVERHEAD: Final = 64


def _size(payload: Payload) -> int:
    if isinstance(payload, list):
        return sum(map(len, payload)) + MESSAGE_OVERHEAD
    return len(payload) + MESSAGE_OVERHEAD


def _writes_at_once(ws: Connection) -> bool:
    """Whether a frame sent on ``ws`` now goes straight to the transport: the connection is
    open, no fragmented message is being sent, and the transport takes writes."""
    return (
        ws.protocol.state is OPEN
        and ws.send_in_progress is None
        and not ws.paused
        and not ws.transport.is_closing()
    )


class WriterWatcher(Protocol):
    """Who an outbox tells when its writer task ends (the Channel: a failure ends the
    connection)."""

    def writer_ended(self, writer: asyncio.Task[None]) -> None: ...


class Outbox:
    """The messages accepted for one connection of ``owner``, and the task that writes them."""

    __slots__ = (
        "_bytes",
        "_failure",
        "_in_flight",
        "_limit",
        "_loop",
        "_peer",
        "_queue",
        "_queued",
        "_refused",
        "_sent",
        "_waiters",
        "_wakeup",
        "_wire_lengths",
        "_writer",
        "_ws",
        "closing",
        "owner",
        "watcher",
    )

    def __init__(
        self,
        ws: Connection,
        owner: Endpoint[Any],
        peer: str,
        write_limit: int | None,
        wire_lengths: WireLengths | None,
        watcher: WriterWatcher,
    ) -> None:
        self._ws = ws
        #: Whom errors and 'wire_message' go to (core._connection.Channel.release changes it).
        self.owner = owner
        self._peer = peer
        self._limit = write_limit
        self._wire_lengths = wire_lengths
        self._loop = asyncio.get_running_loop()
        # Entries carry a future only for messages queued by a Client before open.
        self._queue: deque[Outgoing] = deque()
        self._queued = 0  # messages ever accepted
        self._sent = 0  # messages handed to the transport
        self._bytes = 0  # what the accepted, unsent messages count (see _size)
        self._refused = 0  # messages refused since the outbox was last empty
        # Made at the first wait for a message that is not handed over yet.
        self._waiters: dict[int, asyncio.Future[None]] | None = None
        # The writer, once a message had to wait.
        self._writer: asyncio.Task[None] | None = None
        #: Told when the writer ends (core._connection.Channel.release changes it).
        self.watcher = watcher
        # Pending while the writer is idle, None while it works (or before it started).
        self._wakeup: asyncio.Future[None] | None = None
        self._in_flight: tuple[Resumed, Payload, bool] | None = None
        self._failure: NotOpenError | None = None
        #: Set by the Channel: write what is queued, then stop.
        self.closing = False

    @property
    def sent(self) -> int:
        """Messages handed to the transport so far."""
        return self._sent

    @property
    def pending_messages(self) -> int:
        """Messages accepted and not yet handed to the transport."""
        return self._queued - self._sent

    @property
    def pending_bytes(self) -> int:
        """What those messages count against ``write_limit`` (payloads + overhead)."""
        return self._bytes

    def send(self, payload: Payload, is_text: bool) -> Awaitable[None]:
        """Send an encoded message, or queue it behind earlier ones; the result can be awaited.

        If it has to wait (backpressure), the writer finishes it before anything else. The
        caller checked that the connection accepts messages. Over ``write_limit`` the
        message is refused (see the module docstring).
        """
        limit = self._limit
        if limit is not None and self._bytes >= limit:
            return self._refuse()
        self._queued += 1
        seq = self._queued
        # _size(payload), inlined: this runs for every message
        size = len(payload) if type(payload) is not list else sum(map(len, payload))
        size += MESSAGE_OVERHEAD
        self._bytes += size
        if (
            self._queue
            or self._in_flight is not None
            or (
                self._wakeup is None and self._writer is not None  # the writer is at work
            )
        ):
            self._queue.append((payload, is_text, None))
            self.wake()
            return Delivery(self, seq)
        ws = self._ws
        if not isinstance(payload, list) and _writes_at_once(ws):
            return self._write_now(ws, payload, is_text, seq, size)
        try:
            return self._start(ws.send(payload, text=is_text), payload, is_text, seq, size)
        except ConnectionClosed:
            self._queue.append((payload, is_text, None))  # reported as unsent at the end
            return Delivery(self, seq)

    def _write_now(
        self, ws: Connection, payload: SendPayload, is_text: bool, seq: int, size: int
    ) -> Awaitable[None]:
        """What websockets' ``send`` does for one frame on an open connection whose writes
        are not paused, without its coroutine and context manager (a third of the time
        a small message took): frame it, write it, and wait only if that filled the buffer."""
        data = payload.encode() if type(payload) is str else payload
        try:
            if is_text:
                ws.protocol.send_text(data)  # type: ignore[arg-type]
            else:
                ws.protocol.send_binary(data)  # type: ignore[arg-type]
            ws.send_data()
        except Exception as exc:  # as websockets' send_context: the connection ends
            ws.set_connection_exc(exc)
            ws.transport.abort()
            self._queue.append((payload, is_text, None))  # reported as unsent at the end
            return Delivery(self, seq)
        if ws.paused:  # this frame filled the buffer: done once it drains, as websockets'
            return self._start(ws.drain(), payload, is_text, seq, size)
        return self._handed_over(payload, is_text, size)

    def _start(
        self,
        coroutine: Coroutine[Any, Any, None],
        payload: Payload,
        is_text: bool,
        seq: int,
        size: int,
    ) -> Awaitable[None]:
        """Run websockets' ``send`` (or its drain) up to its first wait; the writer finishes
        it from there, before anything else."""
        try:
            suspended_at = coroutine.send(None)
        except StopIteration:
            return self._handed_over(payload, is_text, size)
        self._in_flight = (Resumed(coroutine, suspended_at), payload, is_text)
        self.wake()
        return Delivery(self, seq)

    def _handed_over(self, payload: Payload, is_text: bool, size: int) -> Awaitable[None]:
        """A message (of ``size``, as counted by ``send``) went to the transport within
        ``send()``: its book-keeping, and the awaitable that is done already."""
        if (
            self._wire_lengths is None
            and not self._waiters
            and not self.owner._listeners.get("wire_message")
        ):  # _sent_one's book-keeping, all that is left of it here (every message)
            self._sent += 1
            self._bytes -= size
        else:
            self._sent_one(payload, is_text, None)
        return HANDED_OVER

    def _refuse(self) -> Refused:
        self._refused += 1
        error = UnsentMessagesError(
            1,
            f"the outbox already holds {self._bytes:,} bytes for {self._peer}, at its"
            f" write_limit of {self._limit:,}: the peer does not read as fast as it is sent"
            " to. Await send() before sending more, or raise write_limit",
            self._peer,
        )
        if self._refused == 1:
            self._loop.call_soon(self.owner.emit, "error", error)
        return Refused(error)

    def _report_refused(self) -> None:
        """Say how many more messages were refused since the first of this episode."""
        more, self._refused = self._refused - 1, 0
        if more > 0:
            self.owner.emit(
                "error",
                UnsentMessagesError(
                    more,
                    f"refused after the first while the outbox for {self._peer} was at its"
                    f" write_limit of {self._limit:,} bytes",
                    self._peer,
                ),
            )

    def adopt(self, pending: deque[Outgoing]) -> None:
        """Take over messages queued before the connection opened, keeping their order
        (all of them, whatever ``write_limit`` says: they were accepted already)."""
        self._queue.extend(pending)
        self._queued += len(pending)
        self._bytes += sum(_size(payload) for payload, _text, _future in pending)
        self.wake()

    async def wait_sent(self, seq: int) -> None:
        """Wait until message ``seq`` was handed over; NotOpenError if the connection ended first."""
        if self._sent >= seq:
            return
        if self._failure is not None:
            raise self._failure
        if self._waiters is None:
            self._waiters = {}
        waiter = self._waiters.get(seq)
        if waiter is None:
            waiter = self._waiters[seq] = self._loop.create_future()
        await asyncio.shield(waiter)

    async def wait_all(self) -> None:
        """Wait until everything accepted so far was handed over (or the connection ended)."""
        if self._sent < self._queued:
            with contextlib.suppress(NotOpenError):
                await self.wait_sent(self._queued)

    def wake(self) -> None:
        """Let an idle writer look again (something was queued, or ``closing`` was set);
        start it if a message waits and there is none yet."""
        if self._writer is None:
            if self._queue or self._in_flight is not None:
                self._writer = self._loop.create_task(self.run())
                self._writer.add_done_callback(self.watcher.writer_ended)
        elif self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def has_stopped(self) -> bool:
        """Whether no writer runs (none started, or it ended): ``stopped()`` would not wait."""
        return self._writer is None or self._writer.done()

    async def stopped(self) -> None:
        """Wait until the writer, if one started, has stopped (set ``closing`` and ``wake``
        first, or it waits for more)."""
        if self._writer is not None:
            await asyncio.wait([self._writer])

    def cancel(self) -> None:
        """Stop the writer, if one started, where it is."""
        if self._writer is not None:
            self._writer.cancel()

    async def run(self) -> None:
        """The writer: hand the queue to websockets in order until ``closing`` or the end."""
        queue = self._queue
        send = self._ws.send
        while True:
            if self._in_flight is not None:
                resumed, payload, is_text = self._in_flight
                try:
                    await resumed
                except ConnectionClosed:
                    return
                self._in_flight = None
                self._sent_one(payload, is_text, None)
            while queue:
                payload, is_text, future = queue[0]
                try:
                    await send(payload, text=is_text)
                except ConnectionClosed:
                    return
                queue.popleft()
                self._sent_one(payload, is_text, future)
            if self._refused:
                self._report_refused()
            if self.closing:
                return
            self._wakeup = self._loop.create_future()
            await self._wakeup
            self._wakeup = None

    def _sent_one(
        self, payload: Payload, is_text: bool, future: asyncio.Future[None] | None
    ) -> None:
        """Book-keeping once a message was handed to the transport."""
        self._sent += 1
        self._bytes -= (
            len(payload) if type(payload) is not list else sum(map(len, payload))
        ) + MESSAGE_OVERHEAD
        owner = self.owner
        if self._wire_lengths is not None:  # taken for every message, see Channel.run()
            sent = self._wire_lengths.sent
            owner.last_wire_length = sent.popleft() if sent else None
        if owner._listeners.get("wire_message"):  # has_listeners, inlined: every message
            if isinstance(payload, list):  # fragments: the message is their concatenation
                payload = "".join(payload) if isinstance(payload[0], str) else b"".join(payload)  # type: ignore[arg-type]
            if isinstance(payload, (bytearray, memoryview)):
                payload = bytes(payload)
            if is_text and isinstance(payload, bytes):  # text given as UTF-8 bytes
                payload = payload.decode("utf-8", "surrogatepass")
            owner.emit("wire_message", "out", payload)
        if future is not None and not future.done():
            future.set_result(None)
        if self._waiters:
            waiter = self._waiters.pop(self._sent, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def fail(self, failure: NotOpenError) -> int:
        """The connection ended: fail every waiter and queued future; how many were unsent."""
        self._failure = failure
        for waiter in (self._waiters or {}).values():
            if not waiter.done():
                waiter.set_exception(failure)
                waiter.exception()
        self._waiters = None
        unsent = len(self._queue) + (self._in_flight is not None)
        self._in_flight = None
        for _payload, _text, future in self._queue:
            if future is not None and not future.done():
                future.set_exception(failure)
                future.exception()
        self._queue.clear()
        self._bytes = 0
        if self._refused:
            self._report_refused()
        return unsent
