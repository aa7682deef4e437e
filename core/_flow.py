"""Flow control websockets leaves to its user, for peers that do not play along.

websockets' asyncio connection writes its automatic replies (a pong for each ping, the echo
of a close frame) from ``data_received`` without waiting for the transport to drain, and its
keepalive ping waits for the transport to drain before its timeout starts. So a peer that
floods pings and never reads grows the write buffer without limit, and one that simply
stops reading is never dropped. ``FlowControl`` is a mixin over websockets' connection
classes that closes both holes, and caps the frames of one message per connection:

- *Replies that cannot be written stop the reading.* While the transport's write buffer is
  above its high-water mark (websockets' ``write_limit``, 32 KiB), the bytes that reading
  made websockets write are counted; past ``REPLY_BUDGET`` the transport stops reading until
  the buffer drains. Only automatic replies count, never the messages core sends itself, so
  two peers that flood each other with data (both buffers full) keep reading and cannot
  deadlock; a keepalive pong now and then never comes near the budget.
- *A peer that reads nothing for ``write_timeout`` is dropped.* While writes are paused, the
  buffer is checked every ``write_timeout``; if the peer took no byte of it since the last
  check, the connection is failed with 1011 ("write timeout: ...") and the TCP connection is
  aborted: the close frame could never be written either.
- *``max_fragments``*: websockets' cap (``WEBSOCKETS_MAX_FRAGMENTS``) is one number for the
  whole process, read once at import; core raises it to the largest ``max_fragments`` a
  Client or Server asks for. A connection whose cap is below it gets ``FragmentCap``, an
  extension in its own chain (a Python call per frame, so only where needed): a message of
  more frames fails the connection with 1009 "too many fragments", as websockets does. (A
  connection made while its cap was websockets' own loses it if another Client or Server
  raises that cap later.)
- *A peer that never ends TCP after the closing handshake* is cut off at ``close_timeout``
  (websockets enforces that deadline only while it writes, so a reader waiting for the end
  of the connection would wait for ever), by the loop's ``core._close_reaper``.
- *A Server's connections are counted* (``core._admission.Admission``) from the TCP accept to
  the end, handshakes under way included.

The reading pause for replies shares the transport with websockets' own pause (its queue of
frames not yet received by core, ``max_queue``): reading resumes only when neither holds it.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import traceback
import types
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple, TypeVar, cast

from websockets.asyncio import messages as ws_messages
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.server import ServerConnection
from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.exceptions import PayloadTooBig
from websockets.extensions import Extension
from websockets.frames import BINARY, CONT, TEXT, CloseCode
from websockets.frames import Frame as WsFrame
from websockets.protocol import OPEN, Protocol
from websockets.server import ServerProtocol
from websockets.typing import ExtensionName

from ._admission import Admission
from ._close_reaper import reaper_of
from ._loop import READ_SIZE, bound_reads, next_read_size
from ._masking import use_block_masks
from ._option_types import ClientSettings, ServerSettings
from ._write_batch import WriteBatch

__all__ = [
    "REPLY_BUDGET",
    "FlowClientConnection",
    "FlowControl",
    "FlowLimits",
    "FlowServerConnection",
    "FragmentCap",
    "limits_from",
    "with_limits",
]

#: Bytes of automatic replies (pongs, close echoes) written while the transport's buffer is
#: full before reading stops: about 500 pongs of the largest ping, never reached by keepalive.
REPLY_BUDGET = 64 * 1024
#: Who holds the transport's reading (bits of ``FlowControl._read_holds``): websockets'
#: queue of frames not yet received by core, and automatic replies that cannot be written.
_QUEUE_HOLD = 1
_REPLIES_HOLD = 2


class FlowLimits(NamedTuple):
    """What one connection class enforces.

    Attributes:
        write_timeout: Seconds the peer may leave writes blocked; None: no limit.
        max_fragments: Most frames one incoming message may span; None: no limit.
        admission: The Server's count of open connections (server side only).
    """

    write_timeout: float | None = None
    max_fragments: int | None = None
    admission: Admission | None = None


def limits_from(
    options: ClientSettings | ServerSettings, admission: Admission | None = None
) -> FlowLimits:
    """The limits a Client's or Server's checked options ask for (times there are in ms)."""
    write_timeout = options["write_timeout"]
    if write_timeout is None:  # as long as a keepalive ping waits for its pong
        write_timeout = options["ping_timeout"]
    return FlowLimits(
        write_timeout / 1000 if write_timeout else None,
        options["max_fragments"] or None,
        admission,
    )


class TooManyFragments(PayloadTooBig):
    """Raised by ``FragmentCap`` inside websockets' parser, which fails the connection with
    1009 and this text as the reason (websockets' own words for its own cap)."""

    def __init__(self, cap: int) -> None:
        Exception.__init__(self, cap)  # PayloadTooBig's own arguments describe a size
        self.cap = cap

    def set_current_size(self, current_size: int | None) -> None:
        """websockets' parser calls this on every ``PayloadTooBig``; a count has no size."""

    def __str__(self) -> str:
        return "too many fragments"


class FragmentCap(Extension):
    """Counts the frames of each incoming data message; fails it past ``cap``."""

    name = ExtensionName("core-fragment-cap")  # never negotiated with the peer

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._frames = 0

    def decode(self, frame: WsFrame, *, max_size: int | None = None) -> WsFrame:
        opcode = frame.opcode
        if opcode is TEXT or opcode is BINARY:
            self._frames = 1
        elif opcode is CONT:
            self._frames += 1
        else:
            return frame
        if self._frames > self.cap:
            raise TooManyFragments(self.cap)
        return frame

    def encode(self, frame: WsFrame) -> WsFrame:
        return frame


def _websockets_cap() -> int:
    """websockets' process-wide fragment cap (none in a version without one)."""
    cap: int = getattr(ws_messages, "MAX_FRAGMENTS", sys.maxsize)
    return cap


def _allow_fragments(cap: int | None) -> None:
    """Raise websockets' process-wide fragment cap to at least ``cap`` (None: no limit)."""
    wanted = sys.maxsize if cap is None else cap
    if wanted > _websockets_cap():
        ws_messages.MAX_FRAGMENTS = wanted


class FlowControl(WriteBatch):
    """The mixin (see the module docstring); put it before websockets' connection class."""

    #: Set on a subclass made by ``with_limits``.
    limits: ClassVar[FlowLimits] = FlowLimits()

    __slots__ = (  # see WriteBatch's
        "_close_watch",
        "_peer_host",
        "_read_holds",
        "_replies_while_blocked",
        "_stall_mark",
        "_stall_timer",
        "read_size",
        "write_timed_out",
    )

    def __init__(self, protocol: Protocol, *args: Any, **kwargs: Any) -> None:
        super().__init__(protocol, *args, **kwargs)
        self._start_batching()
        self._read_holds = 0  # bits: _QUEUE_HOLD, _REPLIES_HOLD
        self._replies_while_blocked = 0
        self._stall_timer: asyncio.TimerHandle | None = None
        #: The reaper's set this connection's transport waits in (see core._close_reaper).
        self._close_watch: set[asyncio.Transport] | None = None
        self._stall_mark = 0
        #: Seconds the peer left writes blocked when it was dropped for it; else None.
        self.write_timed_out: float | None = None
        self._peer_host: str | None = None
        #: The transport's read size while core bounds it (core._loop.bound_reads), else 0.
        self.read_size = 0
        cap = self.limits.max_fragments
        if cap is not None and cap < _websockets_cap():
            # Below websockets' own cap (as by default: equal), websockets enforces it and
            # this connection pays no call per frame.
            _add_extension(protocol, functools.partial(FragmentCap, cap))

    # -- reading, held by websockets' queue or by replies that cannot be written -------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Bounded from the first read on: asyncio's default (256 KiB) is above glibc's mmap
        # threshold, so the handshake's read would cost an mmap, mremap and munmap.
        if bound_reads(transport):
            self.read_size = READ_SIZE
        super().connection_made(transport)
        assembler = self.recv_messages  # websockets pauses reading through these two
        assembler.pause = self._hold_for_queue
        assembler.resume = self._release_for_queue
        admission = self.limits.admission
        if admission is not None:
            peer = transport.get_extra_info("peername")
            self._peer_host = str(peer[0]) if peer else ""
            admission.opened(self._peer_host)

    def _hold_for_queue(self) -> None:
        self._hold_reading(_QUEUE_HOLD)

    def _release_for_queue(self) -> None:
        self._release_reading(_QUEUE_HOLD)

    def _hold_reading(self, why: int) -> None:
        if not self._read_holds:
            self.transport.pause_reading()
        self._read_holds |= why

    def _release_reading(self, why: int) -> None:
        if self._read_holds & why:
            self._read_holds &= ~why
            if not self._read_holds:
                self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if not self.paused:  # websockets' flag: the write buffer is below its high-water mark
            super().data_received(data)
        else:
            before = self.transport.get_write_buffer_size() + self.held_bytes
            super().data_received(data)
            grown = self.transport.get_write_buffer_size() + self.held_bytes - before
            if grown > 0:
                self._replies_while_blocked += grown
                if self._replies_while_blocked > REPLY_BUDGET:
                    self._hold_reading(_REPLIES_HOLD)
        if self.read_size and (len(data) >= self.read_size or self.read_size > READ_SIZE):
            # A full read, or the end of a large frame: size the next one (core._loop).
            self.read_size = self.transport.max_size = next_read_size(self.protocol)  # type: ignore[attr-defined]
        if self.close_deadline is not None and self._close_watch is None:
            # A close frame came (or went): websockets waits for the peer to end TCP and
            # enforces close_timeout only where it writes; a reader would wait for ever.
            reaper = reaper_of(self.loop)
            self._close_watch = reaper.watch(self.transport, self.close_deadline)

    # -- writing: paused by the transport above the high-water mark --------------------------

    def pause_writing(self) -> None:
        super().pause_writing()
        self._arm_stall_timer()

    def resume_writing(self) -> None:
        super().resume_writing()
        self._cancel_stall_timer()
        self._replies_while_blocked = 0
        self._release_reading(_REPLIES_HOLD)

    def _arm_stall_timer(self) -> None:
        timeout = self.limits.write_timeout
        if timeout is not None:
            self._stall_mark = self.transport.get_write_buffer_size()
            self._stall_timer = self.loop.call_later(timeout, self._check_stall)

    def _cancel_stall_timer(self) -> None:
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None

    def _check_stall(self) -> None:
        self._stall_timer = None
        if not self.paused or self.transport.is_closing():
            return
        if self.transport.get_write_buffer_size() < self._stall_mark:
            self._arm_stall_timer()  # the peer took some: slow, not stopped
            return
        timeout = self.limits.write_timeout
        self.write_timed_out = timeout
        if self.protocol.state is OPEN:
            # The close frame goes nowhere (the buffer is full), but it is the status that
            # core reports: 1011 with this reason.
            self.protocol.fail(
                CloseCode.INTERNAL_ERROR, f"write timeout: the peer read nothing for {timeout:g} s"
            )
        self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_stall_timer()
        if self._close_watch is not None:
            self._close_watch.discard(self.transport)
        admission = self.limits.admission
        if admission is not None and self._peer_host is not None:
            admission.closed(self._peer_host)
            self._peer_host = None
        super().connection_lost(exc)
        # The pause and resume above bind this connection into its own assembler: a cycle
        # that would keep the whole connection for Python's cycle collector.
        assembler = self.recv_messages
        assembler.pause = assembler.resume = _nothing
        # So do two of websockets' own: its parser generator waits at its last ``yield``,
        # its frame holding the protocol that holds it; and after an end without a close
        # frame (a client that vanished), the EOFError in ``parser_exc`` holds that frame.
        # Nothing steps the parser once the connection is lost; the error keeps its
        # traceback, without the frames' local variables.
        protocol = self.protocol
        protocol.parser.close()
        if protocol.parser_exc is not None:
            traceback.clear_frames(protocol.parser_exc.__traceback__)
        # A wrapper of process_extensions set on the protocol itself (a lower fragment cap
        # here, wire lengths, a frame tap) refers back to it; negotiation is long over.
        # (Checked as a plain function, not a bound method: vars() would build a dict.)
        negotiate = getattr(protocol, "process_extensions", None)
        if negotiate is not None and not isinstance(negotiate, types.MethodType):
            delattr(protocol, "process_extensions")


def _nothing() -> None:
    """What the assembler pauses and resumes once the connection is lost."""


def _add_extension(protocol: Protocol, make: Callable[[], Extension]) -> None:
    """Append an extension made by ``make`` to the chain ``protocol`` negotiates, on the side
    websockets builds it (``process_extensions``, the method it documents for overriding)."""
    negotiate = protocol.process_extensions  # type: ignore[attr-defined]
    if isinstance(protocol, ServerProtocol):

        def server_extensions(headers: Headers) -> tuple[str | None, list[Extension]]:
            header, accepted = negotiate(headers)
            return header, [*accepted, make()]

        protocol.process_extensions = server_extensions  # type: ignore[method-assign]
    else:

        def client_extensions(headers: Headers) -> list[Extension]:
            return [*negotiate(headers), make()]

        protocol.process_extensions = client_extensions  # type: ignore[attr-defined]


class FlowClientConnection(FlowControl, ClientConnection):
    """websockets' ``ClientConnection`` under core's flow control, masking its frames with
    keys from blocks of random bytes (core._masking)."""

    def __init__(self, protocol: ClientProtocol, *args: Any, **kwargs: Any) -> None:
        use_block_masks(protocol)
        super().__init__(protocol, *args, **kwargs)


class FlowServerConnection(FlowControl, ServerConnection):
    """websockets' ``ServerConnection`` under core's flow control."""


C = TypeVar("C", bound=FlowControl)


def with_limits(base: type[C], limits: FlowLimits) -> type[C]:
    """A subclass of ``base`` that enforces ``limits`` (websockets makes the connections
    itself, from a class; the limits of one Client or Server ride on that class).

    One class per base and limits, the last ``_CLASSES_KEPT`` kept: a Client asks at every
    attempt, and a class is only ever freed by Python's cycle collector (it refers to
    itself)."""
    _allow_fragments(limits.max_fragments)
    key = (base, limits)
    made = _CLASSES.get(key)
    if made is None:
        if len(_CLASSES) >= _CLASSES_KEPT:
            del _CLASSES[next(iter(_CLASSES))]
        made = _CLASSES[key] = type(base.__name__, (base,), {"limits": limits})
    return cast("type[C]", made)


_CLASSES_KEPT = 64
_CLASSES: dict[tuple[type[Any], FlowLimits], type[Any]] = {}
