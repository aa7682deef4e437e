"""One open WebSocket connection carrying converted messages for an emitter (Client or Socket).

A ``Channel`` owns two loops over a ``websockets`` connection: the reader decodes every whole
message and emits it, the writer sends the outbox in call order. ``send`` never awaits: it
appends to the outbox and returns a future that completes when the frame was handed to the
transport, so call-and-forget and ``await`` both work, and a single writer keeps the order.
When the connection ends, every message still in the outbox is reported once on ``'error'``
and its future fails; then the owner's ``'close'`` fires with the code and reason.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from typing import Any

from websockets.asyncio.connection import Connection
from websockets.exceptions import ConnectionClosed

from .errors import ConnectionLostError, DecodeError, NotOpenError, UnsentMessagesError
from .events import EventEmitter
from .loop import fail_quietly
from .mime import Decoder, SendPayload

#: Close codes that mean something went wrong, reported on 'error' as well as on 'close'.
ABNORMAL_CLOSE_CODES = frozenset({1002, 1003, 1006, 1007, 1009, 1010, 1011, 1015})

Outgoing = tuple[SendPayload, bool, asyncio.Future[None] | None]

VALID_CLOSE_CODES = "1000, or 3000-4999 for application codes"


def check_close_code(code: int, reason: str) -> None:
    """``ValueError`` unless ``code`` may be sent in a close frame by an application."""
    if not isinstance(code, int) or isinstance(code, bool):
        raise TypeError(
            f"close code must be an int ({VALID_CLOSE_CODES}), not {type(code).__name__}"
        )
    if code not in (1000, 1001) and not 3000 <= code <= 4999:
        raise ValueError(f"close code {code} cannot be sent; use {VALID_CLOSE_CODES}")
    if not isinstance(reason, str):
        raise TypeError("close reason must be a str")
    if len(reason.encode("utf-8")) > 123:
        raise ValueError("close reason must be at most 123 bytes in UTF-8")


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
        owner: EventEmitter[Any],
        decode: Decoder,
        peer: str,
        on_end: Callable[[], None],
    ) -> None:
        self.ws = ws
        self._owner = owner
        self._decode = decode
        self._peer = peer
        self._on_end = on_end
        self._loop = asyncio.get_running_loop()
        # Entries carry a future only for messages queued by a Client before open.
        self._outbox: deque[Outgoing] = deque()
        self._queued = 0  # messages ever put in the outbox
        self._sent = 0  # messages handed to the transport
        self._waiters: dict[int, asyncio.Future[None]] = {}
        # Pending while the writer is idle (it is idle from the start), None while it works.
        self._wakeup: asyncio.Future[None] | None = self._loop.create_future()
        self._in_flight: tuple[_Resumed, SendPayload, bool] | None = None
        self._closing = False
        self._ended = self._loop.create_future()
        self._failure: NotOpenError | None = None

    @property
    def accepting(self) -> bool:
        """True until close() was called or the connection ended."""
        return not self._closing

    def send(self, payload: SendPayload, is_text: bool) -> Delivery:
        """Send an encoded message, or queue it behind earlier ones; the result can be awaited.

        When nothing is queued and the writer is idle, ``ws.send`` starts right here (as an
        eager task would): a small message is then written before this returns, with no
        loop iteration in between, which keeps echo round trips as fast as plain websockets.
        If it has to wait (backpressure), the writer finishes it before anything else.
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
        emit = self._owner.emit
        decode = self._decode
        listeners = self._owner._listeners
        try:
            async for data in self.ws:
                if listeners.get("frame"):
                    emit("frame", "in", data)
                try:
                    value = decode(data)
                except DecodeError as exc:
                    emit("message", exc.raw)
                    emit("error", exc)
                    continue
                emit("message", value)
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

    async def close(self, code: int, reason: str) -> None:
        """Send what is in the outbox, close with ``code``, and wait until 'close' was emitted."""
        if not self._closing:
            self._closing = True
            self._wake_writer()
            if self._sent < self._queued:
                with contextlib.suppress(NotOpenError):
                    await self.wait_sent(self._queued)
            await self.ws.close(code, reason)
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
        self, payload: SendPayload, is_text: bool, future: asyncio.Future[None] | None
    ) -> None:
        """Book-keeping once a message was handed to the transport."""
        self._sent += 1
        listeners = self._owner._listeners
        if listeners.get("frame"):
            if isinstance(payload, (bytearray, memoryview)):
                payload = bytes(payload)
            if is_text and isinstance(payload, bytes):  # text given as UTF-8 bytes
                payload = payload.decode("utf-8", "surrogatepass")
            self._owner.emit("frame", "out", payload)
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
        code, reason = self._close_status()
        self._on_end()
        emit = self._owner.emit
        self._failure = NotOpenError(f"the connection with {self._peer} closed (code {code})")
        for waiter in self._waiters.values():
            fail_quietly(waiter, self._failure)
        self._waiters.clear()
        unsent = len(self._outbox) + (self._in_flight is not None)
        self._in_flight = None
        if unsent:
            for _payload, _text, future in self._outbox:
                if future is not None:
                    fail_quietly(future, self._failure)
            emit("error", UnsentMessagesError(unsent, f"the connection closed first (code {code})"))
            self._outbox.clear()
        if code in ABNORMAL_CLOSE_CODES:
            emit("error", ConnectionLostError(code, reason, self._peer))
        self._ended.set_result(None)
        emit("close", code, reason)
