"""One open WebSocket connection carrying converted messages for an emitter (Client or Socket).

A ``Channel`` owns two loops over a ``websockets`` connection: the reader decodes every whole
message and emits it, the writer sends the outbox in call order. ``send`` never awaits: it
appends to the outbox and returns a future that completes when the frame was handed to the
transport, so call-and-forget and ``await`` both work, and a single writer keeps the order.
When the connection ends, every message still in the outbox is reported once on ``'error'``
and its future fails; then the owner's ``'close'`` fires with the code and reason.

The reader stops reading (so the transport pauses and the peer is slowed) while the owner's
``recv()`` inbox holds ``max_queue`` messages or that many coroutine ``'message'`` handlers
wait their turn; once ``close()`` was called or the connection is lost it reads on, so that
the closing handshake is seen. ``close()`` gives up after ``close_timeout`` and drops the
connection, whatever the peer does.
While the owner has a ``'frame'`` listener, a ``FrameTap`` (core._frames) reports every frame.

A flooding peer never holds the loop for long (a GUI on the same loop stays responsive):
the transport reads at most ``core._loop.READ_SIZE`` bytes at a time, which bounds what
websockets parses in one go, and the reader hands the loop back after ``SLICE`` seconds spent
delivering messages that were already parsed (websockets' ``recv()`` does not suspend while
it has some).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from time import perf_counter
from typing import Any

from websockets.asyncio.connection import Connection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from ._close_codes import ABNORMAL_CLOSE_CODES
from ._errors import (
    ConnectionLostError,
    DecodeError,
    NotOpenError,
    UnsentMessagesError,
)
from ._frames import FrameTap, TappedClientConnection
from ._loop import SLICE, bound_reads, fail_quietly
from ._ping_mute import set_answering_pings
from ._pull import Endpoint
from ._wire_lengths import wire_lengths_of
from .mime import Decoder, SendPayload

#: A message, or the fragments of one (``send_fragments``): websockets sends a list as frames.
Payload = SendPayload | list[SendPayload]
Outgoing = tuple[Payload, bool, asyncio.Future[None] | None]
#: Told the close code, reason and whether it was an abnormal end the owner did not ask for.
OnEnd = Callable[[int, str, bool], None]


class Delivery:
    """The awaitable ``send()`` returns: done when message number ``seq`` left the outbox.

    Cheaper than a Future per message (most sends are never awaited): a future is made
    only when someone awaits a message that is still queued.
    """

    __slots__ = ("_channel", "_seq")

    def __init__(self, channel: Channel, seq: int) -> None:
        self._channel = channel
        self._seq = seq

    def __await__(self) -> Generator[Any, None, None]:
        return self._channel.wait_sent(self._seq).__await__()


class _Resumed:
    """Awaitable that finishes a coroutine started by hand and suspended at ``suspended_at``.

    It passes every future the coroutine waits on up to the awaiting task, and everything
    the task sends or throws (cancellation included) back down, as ``await`` would.
    """

    __slots__ = ("_coroutine", "_suspended_at")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], suspended_at: Any) -> None:
        self._coroutine = coroutine
        self._suspended_at = suspended_at

    def __await__(self) -> Generator[Any, Any, Any]:
        coroutine, waiting_on = self._coroutine, self._suspended_at
        while True:
            try:
                value = yield waiting_on
            except BaseException as exc:
                try:
                    waiting_on = coroutine.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    waiting_on = coroutine.send(value)
                except StopIteration as stop:
                    return stop.value


class Channel:
    """Moves messages over one open connection on behalf of ``owner``."""

    def __init__(
        self,
        ws: Connection,
        owner: Endpoint[Any],
        decode: Decoder,
        peer: str,
        on_end: OnEnd,
        close_timeout: float | None = None,
    ) -> None:
        self.ws = ws
        self._owner = owner
        self._decode = decode
        self._peer = peer
        self._on_end = on_end
        self._close_timeout = close_timeout
        self._loop = asyncio.get_running_loop()
        # Entries carry a future only for messages queued by a Client before open.
        self._outbox: deque[Outgoing] = deque()
        self._queued = 0  # messages ever put in the outbox
        self._sent = 0  # messages handed to the transport
        self._waiters: dict[int, asyncio.Future[None]] = {}
        # Pending while the writer is idle (it is idle from the start), None while it works.
        self._wakeup: asyncio.Future[None] | None = self._loop.create_future()
        self._in_flight: tuple[_Resumed, Payload, bool] | None = None
        self._closing = False
        self._close_requested = False
        self._aborted = False
        self._ended = self._loop.create_future()
        self._failure: NotOpenError | None = None
        # The reader may pause for room until close() was called or the connection ended.
        self._pausable = True
        self._paused_on: asyncio.Future[None] | None = None
        self._lost: asyncio.Task[None] | None = None
        self._frame_tap: FrameTap | None = None
        bound_reads(ws.transport)
        self._wire_lengths = wire_lengths_of(ws.protocol)
        if isinstance(ws, TappedClientConnection):
            self._frame_tap = ws.frame_tap
            self._frame_tap.attach(owner)
        if owner.listener_count("frame"):
            self.watch_frames()

    @property
    def accepting(self) -> bool:
        """True until close() was called or the closing handshake began (from either side)."""
        return not self._closing and self.ws.protocol.state is State.OPEN

    @property
    def pending_messages(self) -> int:
        """Messages accepted by send() and not yet handed to the transport."""
        return self._queued - self._sent

    @property
    def buffered_amount(self) -> int:
        """Bytes handed to the transport that it has not written to the network yet."""
        transport = self.ws.transport
        return 0 if transport is None else transport.get_write_buffer_size()

    def watch_frames(self) -> None:
        """Emit every frame as ``'frame'`` on the owner (it got a listener); see core._frames."""
        if self._frame_tap is None:
            self._frame_tap = FrameTap(self.ws.protocol, self._owner)
        self._frame_tap.install()

    async def ping(self) -> float:
        """Send a ping and return the round trip in seconds once its pong arrives.

        ``NotOpenError`` if the connection is closing or closed, or ends before the pong.
        """
        if self._closing:
            raise NotOpenError(f"the connection with {self._peer} is closing", self._peer)
        try:
            pong = await self.ws.ping()
            return await pong
        except ConnectionClosed as exc:
            raise NotOpenError(
                f"the connection with {self._peer} closed before the pong arrived", self._peer
            ) from exc

    def answer_pings(self, answer: bool) -> None:
        """Answer the peer's pings with pongs (websockets' default) or not (core._ping_mute)."""
        set_answering_pings(self.ws.protocol, answer)

    def abort(self) -> None:
        """Cut the TCP connection now, with no close frame: both ends see 1006.

        Reported as ``'close'`` (1006) without a ``ConnectionLostError``: it was asked for.
        """
        self._aborted = True
        self._closing = True
        self.ws.transport.abort()

    def send_fragments(self, payload: SendPayload, is_text: bool, count: int) -> Delivery:
        """Send one message as ``count`` frames on the wire (fewer if the payload is shorter),
        in order: websockets ends a list with an empty final frame of its own, so the payload
        goes in ``count - 1`` parts before it; 1 sends the message whole, in one frame."""
        if count <= 1:
            return self.send(payload, is_text)
        size = len(payload)
        parts_count = max(1, min(count - 1, size))
        bounds = [size * i // parts_count for i in range(parts_count + 1)]
        parts = [payload[bounds[i] : bounds[i + 1]] for i in range(parts_count)]
        return self.send(parts, is_text)

    def send(self, payload: Payload, is_text: bool) -> Delivery:
        """Send an encoded message, or queue it behind earlier ones; the result can be awaited.

        When nothing is queued and the writer is idle, ``ws.send`` starts right here (as an
        eager task would): a small message is then written before this returns, with no
        loop iteration in between, which keeps echo round trips as fast as plain websockets.
        If it has to wait (backpressure), the writer finishes it before anything else.
        The caller checked ``accepting`` first, so this never runs on a closing connection.
        """
        self._queued += 1
        seq = self._queued
        wakeup = self._wakeup
        if self._outbox or self._in_flight is not None or wakeup is None:
            self._outbox.append((payload, is_text, None))
            if wakeup is not None and not wakeup.done():
                wakeup.set_result(None)
            return Delivery(self, seq)
        coroutine = self.ws.send(payload, text=is_text)
        try:
            suspended_at = coroutine.send(None)
        except StopIteration:
            self._sent_one(payload, is_text, None)
        except ConnectionClosed:
            self._outbox.append((payload, is_text, None))  # reported as unsent when the reader ends
        else:
            self._in_flight = (_Resumed(coroutine, suspended_at), payload, is_text)
            if not wakeup.done():
                wakeup.set_result(None)
        return Delivery(self, seq)

    def adopt(self, pending: deque[Outgoing]) -> None:
        """Take over messages queued before the connection opened, keeping their order."""
        self._outbox.extend(pending)
        self._queued += len(pending)

    async def wait_sent(self, seq: int) -> None:
        """Wait until message ``seq`` was handed over; NotOpenError if the connection ended first."""
        if self._sent >= seq:
            return
        if self._failure is not None:
            raise self._failure
        waiter = self._waiters.get(seq)
        if waiter is None:
            waiter = self._waiters[seq] = self._loop.create_future()
        await asyncio.shield(waiter)

    async def run(self) -> None:
        """Read until the connection closes, then report unsent messages and emit 'close'."""
        writer = self._loop.create_task(self._write_loop())
        owner = self._owner
        emit = owner.emit
        decode = self._decode
        has_listeners = owner.has_listeners
        if self._frame_tap is not None:
            self._frame_tap.flush()  # frames that came with the handshake response
        # Time spent delivering since the loop last had a turn; waits for data do not count
        # (timing wall-clock slices instead made every message after a pause yield).
        busy = 0.0
        lengths = None if self._wire_lengths is None else self._wire_lengths.received
        try:
            async for data in self.ws:
                started = perf_counter()
                if lengths is not None:  # taken for every message, so the queue keeps step
                    owner.last_wire_length = lengths.popleft() if lengths else None
                if has_listeners("wire_message"):
                    emit("wire_message", "in", data)
                try:
                    value = decode(data)
                except DecodeError as exc:
                    exc.peer = self._peer
                    value = exc.raw
                    emit("message", value)
                    emit("error", exc)
                else:
                    emit("message", value)
                inbox = owner.inbox
                if inbox is not None:
                    inbox.put(value)
                busy += perf_counter() - started
                if (inbox is not None or owner.handler_backlog) and self._pausable:
                    await self._wait_for_room()
                if busy > SLICE:
                    await asyncio.sleep(0)  # let the loop run what waits (a GUI's events)
                    busy = 0.0
        except ConnectionClosed:
            pass
        except asyncio.CancelledError:
            # The loop is shutting down (or the owner was cancelled): drop the connection
            # now rather than wait for a closing handshake that may never come.
            self._closing = True
            writer.cancel()
            self.ws.transport.abort()
            self._finish()
            raise
        self._closing = True
        self._wake_writer()
        await asyncio.wait([writer])
        await self.ws.wait_closed()
        self._finish()

    async def _wait_for_room(self) -> None:
        """Pause reading while ``max_queue`` messages wait for recv() or for handlers."""
        owner = self._owner
        while self._pausable:
            room = owner.inbox.room() if owner.inbox is not None else None
            if room is None:
                room = owner.backlog_below(owner.max_queue)
                if room is None:
                    return
            if self._lost is None:
                self._lost = self._loop.create_task(self.ws.wait_closed())
                self._lost.add_done_callback(lambda _lost: self._stop_pausing())
            self._paused_on = room
            await room
            self._paused_on = None

    def _stop_pausing(self) -> None:
        """Read on whatever waits from now on: the connection is closing or lost."""
        self._pausable = False
        if self._paused_on is not None and not self._paused_on.done():
            self._paused_on.set_result(None)

    async def close(self, code: int, reason: str) -> None:
        """Send what is in the outbox, close with ``code``, and wait until 'close' was emitted.

        After ``close_timeout`` (a peer that never reads, never answers the close frame)
        the connection is dropped: ``'close'`` then reports 1006.
        """
        if not self._closing:
            self._closing = True
            self._close_requested = True
            self._wake_writer()
            self._stop_pausing()
            try:
                async with asyncio.timeout(self._close_timeout):
                    if self._sent < self._queued:
                        with contextlib.suppress(NotOpenError):
                            await self.wait_sent(self._queued)
                    await self.ws.close(code, reason)
            except TimeoutError:
                self.ws.transport.abort()
        await asyncio.shield(self._ended)

    def _wake_writer(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    async def _write_loop(self) -> None:
        outbox = self._outbox
        send = self.ws.send
        while True:
            if self._in_flight is not None:
                resumed, payload, is_text = self._in_flight
                try:
                    await resumed
                except ConnectionClosed:
                    return
                self._in_flight = None
                self._sent_one(payload, is_text, None)
            while outbox:
                payload, is_text, future = outbox[0]
                try:
                    await send(payload, text=is_text)
                except ConnectionClosed:
                    return
                outbox.popleft()
                self._sent_one(payload, is_text, future)
            if self._closing:
                return
            self._wakeup = self._loop.create_future()
            await self._wakeup
            self._wakeup = None

    def _sent_one(
        self, payload: Payload, is_text: bool, future: asyncio.Future[None] | None
    ) -> None:
        """Book-keeping once a message was handed to the transport."""
        self._sent += 1
        if self._wire_lengths is not None:  # taken for every message, see run()
            sent = self._wire_lengths.sent
            self._owner.last_wire_length = sent.popleft() if sent else None
        if self._owner.has_listeners("wire_message"):
            if isinstance(payload, list):  # fragments: the message is their concatenation
                payload = "".join(payload) if isinstance(payload[0], str) else b"".join(payload)  # type: ignore[arg-type]
            if isinstance(payload, (bytearray, memoryview)):
                payload = bytes(payload)
            if is_text and isinstance(payload, bytes):  # text given as UTF-8 bytes
                payload = payload.decode("utf-8", "surrogatepass")
            self._owner.emit("wire_message", "out", payload)
        if future is not None and not future.done():
            future.set_result(None)
        if self._waiters:
            waiter = self._waiters.pop(self._sent, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def _close_status(self) -> tuple[int, str]:
        """The close code and reason to report for the ended connection.

        The peer's close frame when there was one; else, when this side failed the connection
        for a protocol error (1002, 1007, 1009...), the code it sent; else 1006 (lost).
        """
        protocol = self.ws.protocol
        received, sent = protocol.close_rcvd, protocol.close_sent
        if received is not None:
            return int(received.code), received.reason
        if sent is not None and sent.code in ABNORMAL_CLOSE_CODES:
            return int(sent.code), sent.reason
        return 1006, ""

    def _finish(self) -> None:
        if self._lost is not None:
            self._lost.cancel()
        if self._frame_tap is not None:
            self._frame_tap.flush()  # the close frames, before 'close'
        code, reason = self._close_status()
        lost = (
            code in ABNORMAL_CLOSE_CODES
            and not (self._close_requested and code != 1006)
            and not self._aborted
        )
        self._on_end(code, reason, lost)
        emit = self._owner.emit
        self._failure = NotOpenError(
            f"the connection with {self._peer} closed (code {code})", self._peer
        )
        for waiter in self._waiters.values():
            fail_quietly(waiter, self._failure)
        self._waiters.clear()
        unsent = len(self._outbox) + (self._in_flight is not None)
        self._in_flight = None
        if unsent:
            for _payload, _text, future in self._outbox:
                if future is not None:
                    fail_quietly(future, self._failure)
            emit(
                "error",
                UnsentMessagesError(
                    unsent, f"the connection closed first (code {code})", self._peer
                ),
            )
            self._outbox.clear()
        if lost:
            emit("error", ConnectionLostError(code, reason, self._peer))
        self._ended.set_result(None)
        emit("close", code, reason)
