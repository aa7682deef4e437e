"""One open WebSocket connection carrying converted messages for an emitter (Client or Socket).

A ``Channel`` owns two loops over a ``websockets`` connection: the reader decodes every whole
message and emits it (or leaves reading to the owner's ``recv()``: core._direct_reads), the
writer (core._outbox; started once a message has to wait) sends what ``send()`` accepted, in
call order, within ``write_limit``. When the connection ends, every message still in the
outbox is reported once on ``'error'`` and its awaitable fails; then the owner's ``'close'``
fires with the code and reason.

The reader stops reading (so the transport pauses and the peer is slowed) while the owner's
``recv()`` inbox holds ``max_queue`` messages or that many coroutine ``'message'`` handlers
wait their turn; once ``close()`` was called or the connection is lost it reads on, so that
the closing handshake is seen. While the owner has a ``'frame'`` listener, a ``FrameTap``
(core._frames) reports every frame.

Nothing a peer sends can leave a connection stuck. A message that does not convert is
delivered raw with a ``DecodeError``; a large image is decoded on a worker thread. Any other
exception in the reader or the writer (a bug, or a library failing) is logged with its
traceback on the ``core`` logger and ends the connection cleanly: the peer gets 1011, the
owner ``'error'`` (a ``ConnectionLostError`` whose ``__cause__`` is the exception) and then
``'close'``. ``close()`` returns within ``close_timeout`` whatever the peer or the reader
does: after it the connection is dropped and ``'close'`` emitted.

A flooding peer never holds the loop for long (a GUI on the same loop stays responsive): the
transport reads at most ``core._loop.READ_SIZE`` bytes at a time (more only for the rest of
one large frame), which bounds what websockets parses in one go, and the reader hands the
loop back after ``SLICE`` seconds spent delivering messages that were already parsed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any, Final

from websockets.asyncio.connection import Connection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import OPEN

from ._close_codes import ABNORMAL_CLOSE_CODES, CloseCode, close_status
from ._direct_reads import DirectReads
from ._errors import ConnectionLostError, NotOpenError, UnsentMessagesError
from ._flow import FlowControl
from ._frames import FrameTap, TappedClientConnection
from ._loop import SLICE
from ._outbox import Outbox, Outgoing, Payload
from ._parsed_take import next_parsed, take_parsed
from ._ping_mute import set_answering_pings
from ._pull import Endpoint
from ._wire_lengths import wire_lengths_of
from ._write_batch import WriteBatch
from .mime import Decoder

__all__ = ["Channel", "Outgoing", "Payload"]

log = logging.getLogger("core")

#: Seconds ``close()`` waits, once it dropped the connection, for the reader to see the end.
_AFTER_ABORT: Final = 0.2


class _Unwatched:
    """What a released channel's outbox tells when a writer ends (none starts any more)."""

    def writer_ended(self, writer: asyncio.Task[None]) -> None:
        pass


#: The owner of a released channel: nothing listens to it.
_RELEASED: Final[Endpoint[Any]] = Endpoint(1)
_UNWATCHED: Final = _Unwatched()


class Channel(DirectReads):
    """Moves messages over one open connection on behalf of ``owner``."""

    # A server holds hundreds of these, each read for every message: slots keep them small.
    __slots__ = (
        "_aborted",
        "_broken",
        "_close_requested",
        "_close_timeout",
        "_closing",
        "_decode",
        "_end_waiter",
        "_ended",
        "_failing",
        "_frame_tap",
        "_loop",
        "_lost",
        "_offload",
        "_owner",
        "_pausable",
        "_paused_on",
        "_peer",
        "_receive_type",
        "_wire_lengths",
        "outbox",
        "ws",
    )

    def __init__(
        self,
        ws: Connection,
        owner: Endpoint[Any],
        decode: Decoder,
        peer: str,
        *,
        receive_type: str,
        close_timeout: float | None = None,
        write_limit: int | None = None,
    ) -> None:
        self.ws = ws
        self._owner = owner
        self._decode = decode
        self._offload: Callable[[bytes | str], bool] | None = getattr(decode, "offload", None)
        self._receive_type = receive_type
        self._peer = peer
        self._close_timeout = close_timeout
        self._loop = asyncio.get_running_loop()
        self._wire_lengths = wire_lengths_of(ws.protocol)
        self.outbox = Outbox(ws, owner, peer, write_limit, self._wire_lengths, self)
        self._closing = False
        self._close_requested = False
        self._aborted = False
        self._broken: BaseException | None = None  # what failed in the reader or the writer
        self._failing: asyncio.Task[None] | None = None  # closing after the writer failed
        # Set when the end was reported; close() waits on a future made only then (a server
        # holds many channels, and each object per connection costs it collector time).
        self._ended = False
        self._end_waiter: asyncio.Future[None] | None = None
        # The reader may pause for room until close() was called or the connection ended.
        self._pausable = True
        self._paused_on: asyncio.Future[None] | None = None
        self._lost: asyncio.Task[None] | None = None
        self._frame_tap: FrameTap | None = None
        if isinstance(ws, TappedClientConnection):
            self._frame_tap = ws.frame_tap
            self._frame_tap.attach(owner)
        if owner.has_listeners("frame"):
            self.watch_frames()
        self.start_direct_reads(ws, owner)

    @property
    def accepting(self) -> bool:
        """True until close() was called or the closing handshake began (from either side)."""
        return not self._closing and self.ws.protocol.state is OPEN

    @property
    def pending_messages(self) -> int:
        """Messages accepted by send() and not yet handed to the transport."""
        return self.outbox.pending_messages

    @property
    def buffered_amount(self) -> int:
        """Bytes handed to the transport that it has not written to the network yet."""
        ws = self.ws
        transport = ws.transport
        if transport is None:
            return 0
        held = ws.held_bytes if isinstance(ws, WriteBatch) else 0  # written in this loop turn
        return transport.get_write_buffer_size() + held

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

    @property
    def aborted(self) -> bool:
        """Whether ``abort()`` cut the connection (its end was asked for)."""
        return self._aborted

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

    def send(self, payload: Payload, is_text: bool) -> Awaitable[None]:
        """Queue an encoded message (see core._outbox); the caller checked ``accepting``."""
        return self.outbox.send(payload, is_text)

    def adopt(self, pending: deque[Outgoing]) -> None:
        """Take over messages queued before the connection opened, keeping their order."""
        self.outbox.adopt(pending)

    async def run(self) -> None:
        """Read until the connection closes, then report unsent messages and emit 'close'.

        Never raises but ``CancelledError`` (the loop is shutting down: the connection is
        dropped at once): whatever else fails ends the connection cleanly.

        The reading loop is here rather than in a coroutine of its own, and calls
        ``ws.recv()`` rather than ``async for`` over the connection: each message resumes
        this chain of coroutines, so every level less is a frame fewer per message.
        """
        outbox = self.outbox
        owner = self._owner
        decode, offload = self._decode, self._offload
        # Read directly (this runs for every message): the owner's listeners by event, and
        # (below) its coroutine 'message' handlers waiting their turn (EventEmitter keeps
        # both; the second is made at the first such handler, so it is read each time).
        listeners = owner._listeners
        max_queue = owner.max_queue
        assembler, parsed = self._assembler, self._parsed  # (start_direct_reads)
        if self._frame_tap is not None:
            self._frame_tap.flush()  # frames that came with the handshake response
        # Time spent delivering since the loop last had a turn; waits for data do not count
        # (timing wall-clock slices instead made every message after a pause yield).
        busy = 0.0
        lengths = None if self._wire_lengths is None else self._wire_lengths.received
        try:
            while True:
                # Without recv()'s coroutines when it can (core._parsed_take).
                data = take_parsed(assembler) if parsed else await next_parsed(assembler)
                if data is None:
                    data = await self.ws.recv()
                started = perf_counter()
                if lengths is not None:  # taken for every message, so the queue keeps step
                    owner.last_wire_length = lengths.popleft() if lengths else None
                if listeners.get("wire_message"):
                    owner.emit("wire_message", "in", data)
                try:
                    if offload is not None and offload(data):
                        busy += perf_counter() - started
                        value = await asyncio.to_thread(decode, data)
                        started = perf_counter()  # the thread's time is not the loop's
                    else:
                        value = decode(data)
                except Exception as exc:
                    if self._closing and self._ended:
                        break  # close() gave up on this reader (reported the end itself)
                    value = self._undecodable(data, exc)
                else:
                    if self._closing and self._ended:
                        break
                    owner.emit("message", value)
                inbox = owner.inbox
                if inbox is not None:
                    inbox.put(value)
                    if self._hands_over():
                        await self._park()  # until reading comes back (see direct_read)
                        busy = 0.0
                        continue
                busy += perf_counter() - started
                if (
                    (inbox is not None and inbox.full()) or len(owner._serial) >= max_queue
                ) and self._pausable:
                    await self._wait_for_room()
                if busy > SLICE:
                    await asyncio.sleep(0)  # let the loop run what waits (a GUI's events)
                    busy = 0.0
        except ConnectionClosed:
            pass
        except asyncio.CancelledError:
            # The loop is shutting down (or the owner was cancelled): drop the connection
            # now rather than wait for a closing handshake that may never come.
            self._closing = outbox.closing = True
            outbox.cancel()
            self.ws.transport.abort()
            self._finish()
            raise
        except Exception as exc:
            await self._fail(exc, "reading")
        self._closing = outbox.closing = True
        outbox.wake()
        if not (outbox.has_stopped() and self.ws.connection_lost_waiter.done()):
            # (Usually both are: recv() ends when the connection is lost.)
            try:
                async with asyncio.timeout(self._close_timeout):
                    await outbox.stopped()
                    await self.ws.wait_closed()
            except TimeoutError:
                self.ws.transport.abort()
                outbox.cancel()
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
        self.take_back()
        if self._paused_on is not None and not self._paused_on.done():
            self._paused_on.set_result(None)

    def writer_ended(self, writer: asyncio.Task[None]) -> None:
        """The outbox's writer ended: a failure ends the connection (see the module docstring)."""
        if writer.cancelled() or (exc := writer.exception()) is None:
            return
        self._fail_soon(exc, "writing")

    def _fail_soon(self, exc: BaseException, doing: str) -> None:
        self._failing = self._loop.create_task(self._fail(exc, doing))

    async def _fail(self, exc: BaseException, doing: str) -> None:
        """Something failed in the reader or the writer: log it, close with 1011."""
        if self._broken is not None or self._ended:
            return
        self._broken = exc
        log.error(
            "%s: %s the connection with %s failed; closing it with 1011",
            type(self._owner).__name__,
            doing,
            self._peer,
            exc_info=exc,
        )
        self._closing = self.outbox.closing = True
        self.outbox.wake()
        self._stop_pausing()
        try:
            async with asyncio.timeout(self._close_timeout):
                await self.ws.close(
                    CloseCode.INTERNAL_ERROR, f"internal error ({type(exc).__name__})"
                )
        except Exception:  # the close timed out, or failed as well: drop the connection
            self.ws.transport.abort()

    async def close(self, code: int, reason: str) -> None:
        """Send what is in the outbox, close with ``code``, and wait until 'close' was emitted.

        Within ``close_timeout`` whatever happens: then the connection is dropped (a peer
        that never reads, never answers the close frame: ``'close'`` reports 1006).
        """
        deadline = None if self._close_timeout is None else self._loop.time() + self._close_timeout
        try:
            async with asyncio.timeout_at(deadline):
                if not self._closing:
                    self._closing = self._close_requested = self.outbox.closing = True
                    self.outbox.wake()
                    self._stop_pausing()
                    await self.outbox.wait_all()
                    await self.ws.close(code, reason)
                await asyncio.shield(self._end_future())
        except TimeoutError:
            self.ws.transport.abort()
            try:
                async with asyncio.timeout(_AFTER_ABORT):
                    await asyncio.shield(self._end_future())
            except TimeoutError:
                self._finish()  # the reader is stuck: report the end without it

    def release(self) -> None:
        """The owner is done with this ended channel: drop the references back to it, so that
        the owner, the channel and the connection are freed when the last reference goes
        (rather than when Python's cycle collector finds them: a server of many short
        connections spent about a third of its time there)."""
        if not self._ended or self._frame_tap is not None:
            return
        if self._owner.direct_reader is self:
            self._owner.direct_reader = None
        self._owner = self.outbox.owner = _RELEASED
        self.outbox.watcher = _UNWATCHED

    def _end_future(self) -> asyncio.Future[None]:
        """A future done once the end was reported (made at the first wait for it)."""
        if self._end_waiter is None:
            self._end_waiter = self._loop.create_future()
            if self._ended:
                self._end_waiter.set_result(None)
        return self._end_waiter

    def _finish(self) -> None:
        if self._ended:
            return
        if self._lost is not None:
            self._lost.cancel()
        if self._frame_tap is not None:
            self._frame_tap.flush()  # the close frames, before 'close'
        code, reason = close_status(self.ws.protocol)
        lost = (
            code in ABNORMAL_CLOSE_CODES
            and not (self._close_requested and code != 1006)
            and not self._aborted
        ) or self._broken is not None
        self._owner._channel_ended(code, reason, lost)
        emit = self._owner.emit
        failure = NotOpenError(f"the connection with {self._peer} closed (code {code})", self._peer)
        unsent = self.outbox.fail(failure)
        if unsent:
            emit(
                "error",
                UnsentMessagesError(
                    unsent, f"the connection closed first (code {code})", self._peer
                ),
            )
        if lost:
            error = ConnectionLostError(code, reason, self._peer)
            ws = self.ws
            if self._broken is not None:
                error.__cause__ = self._broken
            elif isinstance(ws, FlowControl) and ws.write_timed_out is not None:
                error.__cause__ = TimeoutError(
                    f"the peer read nothing for {ws.write_timed_out:g} s (write_timeout)"
                )
            emit("error", error)
        self._ended = True
        if self._end_waiter is not None:
            self._end_waiter.set_result(None)
        emit("close", code, reason)
