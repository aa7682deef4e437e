"""Every WebSocket frame of a connection, in both directions, as a ``core.Frame``.

The seam is websockets' own extension chain. Its Sans-I/O ``Protocol`` passes each frame it
parses through ``protocol.extensions`` in reverse order (the last extension sees the frame as
it came off the wire) and each frame it serializes through them in order (the last one sees
it as it goes onto the wire). A ``FrameTap`` puts one pass-through ``Extension`` at each end
of that chain: the wire end notes RSV1 and the payload length on the wire (compressed when
permessage-deflate is on), the plain end the payload the application sees. Control frames,
and the frames websockets sends by itself (keepalive pings, automatic pongs, the close
reply), go through the same chain, so every frame is seen and nothing is parsed twice. A
received frame that websockets refuses while parsing or decompressing it (too big, bad
compressed data) is not reported, one it refuses after that (reserved bits, a continuation
out of place) is; the close frame websockets answers with is reported either way.

The tap is in the chain only while the owner has a ``'frame'`` listener: it is installed
when one is added and takes itself out at the first frame after the last one was removed, so
a connection nobody watches runs websockets' chain untouched. Frames are collected while
websockets works and emitted from a ``call_soon`` callback, in wire order, never from inside
websockets' parser or serializer (a handler may call ``send()`` or ``close()`` safely). A
burst (one read can hold a thousand frames) is emitted in slices of ``core._loop.SLICE``
seconds, one callback each, so the loop runs other callbacks in between.
"""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from collections.abc import Sequence
from time import monotonic, perf_counter
from typing import Any, Literal, NamedTuple

from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.extensions import Extension
from websockets.frames import CLOSE, Close
from websockets.frames import Frame as WsFrame
from websockets.protocol import SERVER, Protocol
from websockets.typing import BytesLike, ExtensionName

from ._events import EventEmitter
from ._flow import FlowClientConnection
from ._loop import SLICE
from ._ping_mute import PingMute

#: Which way a frame went: ``'in'`` (received) or ``'out'`` (sent).
Direction = Literal["in", "out"]


class Opcode(enum.StrEnum):
    """The frame types of RFC 6455 section 5.2, as ``Frame.opcode`` gives them.

    A ``str`` enum: ``Opcode.TEXT == "text"``, so code that compares opcodes with their
    names keeps working. ``code`` is the 4-bit opcode on the wire.
    """

    CONTINUATION = "continuation"
    TEXT = "text"
    BINARY = "binary"
    CLOSE = "close"
    PING = "ping"
    PONG = "pong"

    @property
    def code(self) -> int:
        """The opcode's value in the frame header (0x0-0x2 data, 0x8-0xA control)."""
        return _OPCODE_CODES[self]


_OPCODE_CODES = {
    Opcode.CONTINUATION: 0x0,
    Opcode.TEXT: 0x1,
    Opcode.BINARY: 0x2,
    Opcode.CLOSE: 0x8,
    Opcode.PING: 0x9,
    Opcode.PONG: 0xA,
}

# Indexed by opcode value (an int): cheaper per frame than a dict keyed by the enum.
_OPCODES: tuple[Opcode, ...] = (
    Opcode.CONTINUATION,
    Opcode.TEXT,
    Opcode.BINARY,
    *((Opcode.CONTINUATION,) * 5),  # 3-7 are reserved: websockets refuses them before decoding
    Opcode.CLOSE,
    Opcode.PING,
    Opcode.PONG,
)


class Frame(NamedTuple):  # immutable, and cheap to make: a frozen dataclass costs 4x per frame
    """One WebSocket frame as it crossed the wire, the argument of the ``'frame'`` event.

    Immutable; ``frame._replace(data=...)`` makes a changed copy.

    Attributes:
        direction: ``'in'`` (received) or ``'out'`` (sent).
        opcode: The frame type, an ``Opcode`` (equal to its name: ``'text'``, ``'binary'``,
            ``'continuation'``, ``'ping'``, ``'pong'`` or ``'close'``).
        fin: Whether it is the last frame of its message.
        rsv1: The RSV1 bit, set on the first frame of a message compressed with
            permessage-deflate.
        masked: The MASK bit: frames from a client are masked, frames from a server are
            not (websockets does not expose the masking key).
        length: Payload bytes on the wire (the compressed size when compressed).
        data: The payload bytes, unmasked and decompressed.
        time: ``time.monotonic()`` when websockets parsed or serialized the frame.
        close_code: For a close frame, its code (1005 when it has none), a plain ``int``;
            None otherwise, or when the close payload is malformed.
        close_reason: For a close frame, its reason; None otherwise.
    """

    direction: Direction
    opcode: Opcode
    fin: bool
    rsv1: bool
    masked: bool
    length: int
    data: bytes
    time: float
    close_code: int | None = None
    close_reason: str | None = None

    def __repr__(self) -> str:
        data = self.data if len(self.data) <= 16 else self.data[:16] + b"..."
        close = f", close_code={self.close_code}" if self.close_code is not None else ""
        return (
            f"Frame({self.direction!r}, {str(self.opcode)!r}, fin={self.fin}, rsv1={self.rsv1}, "
            f"masked={self.masked}, length={self.length}, data={data!r}{close})"
        )


def _make_frame(
    direction: Direction,
    frame: WsFrame,
    rsv1: bool,
    masked: bool,
    length: int,
    data: BytesLike,
) -> Frame:
    code: int | None = None
    reason: str | None = None
    if frame.opcode is CLOSE:
        try:
            close = Close.parse(bytes(frame.data))
        except Exception:  # malformed: websockets fails the connection itself
            pass
        else:
            code, reason = int(close.code), close.reason
    return Frame(
        direction,
        _OPCODES[frame.opcode],
        frame.fin,
        rsv1,
        masked,
        length,
        data if type(data) is bytes else bytes(data),
        monotonic(),
        code,
        reason,
    )


class _WireEnd(Extension):
    """Last in the chain: sees received frames first and sent frames last, as on the wire."""

    name = ExtensionName("core-frame-tap-wire")  # never negotiated with the peer

    def __init__(self, tap: FrameTap) -> None:
        self._tap = tap

    def decode(self, frame: WsFrame, *, max_size: int | None = None) -> WsFrame:
        self._tap.received_on_wire(frame)
        return frame

    def encode(self, frame: WsFrame) -> WsFrame:
        self._tap.sent_on_wire(frame)
        return frame


class _PlainEnd(Extension):
    """First in the chain: sees received frames decoded and sent frames before encoding."""

    name = ExtensionName("core-frame-tap-plain")

    def __init__(self, tap: FrameTap) -> None:
        self._tap = tap

    def decode(self, frame: WsFrame, *, max_size: int | None = None) -> WsFrame:
        self._tap.received_plain(frame)
        return frame

    def encode(self, frame: WsFrame) -> WsFrame:
        self._tap.sending_plain(frame)
        return frame


class FrameTap:
    """Reports the frames one websockets ``Protocol`` parses and serializes as ``'frame'``.

    ``owner`` is the emitter (Client or Socket); None until it is attached, frames seen
    before then wait for ``flush()``.
    """

    def __init__(self, protocol: Protocol, owner: EventEmitter[Any] | None = None) -> None:
        self._protocol = protocol
        self._owner = owner
        self._loop = asyncio.get_running_loop()
        self._masked_in = protocol.side is SERVER
        self._wire = _WireEnd(self)
        self._plain = _PlainEnd(self)
        self._frames: deque[Frame] = deque()
        self._flush_scheduled = False
        self._wire_rsv1 = False  # RSV1 and wire length of the frame being parsed
        self._wire_length = 0
        self._sending: BytesLike = b""  # payload of the frame being serialized, before encoding

    @property
    def installed(self) -> bool:
        return any(extension is self._wire for extension in self._protocol.extensions)

    def chain(self, negotiated: Sequence[Extension]) -> list[Extension]:
        """The extension chain ``negotiated`` with this tap at both ends.

        A ``PingMute`` stays first, outside the tap, so a muted ping is still reported as one.
        """
        mutes = [extension for extension in negotiated if isinstance(extension, PingMute)]
        rest = [extension for extension in negotiated if not isinstance(extension, PingMute)]
        return [*mutes, self._plain, *rest, self._wire]

    def install(self) -> None:
        """Put the tap into the protocol's chain (no-op if it is there)."""
        if not self.installed:
            self._protocol.extensions = self.chain(self._protocol.extensions)

    def uninstall(self) -> None:
        self._protocol.extensions = [
            extension
            for extension in self._protocol.extensions
            if extension is not self._wire and extension is not self._plain
        ]

    def attach(self, owner: EventEmitter[Any]) -> None:
        """Emit on ``owner`` from now on (frames already seen wait for ``flush()``)."""
        self._owner = owner

    def flush(self) -> None:
        """Emit the frames seen so far, in order, for one slice (the rest on the next turn of
        the loop); once all are out, leave the chain if nobody listens."""
        self._flush_scheduled = False
        owner = self._owner
        if owner is None:
            return
        frames, emit = self._frames, owner.emit
        slice_ends = perf_counter() + SLICE
        while frames:
            emit("frame", frames.popleft())
            if frames and perf_counter() > slice_ends:
                self._schedule_flush()
                return
        if not owner.listener_count("frame"):
            self.uninstall()

    def received_on_wire(self, frame: WsFrame) -> None:
        self._wire_rsv1, self._wire_length = frame.rsv1, len(frame.data)

    def received_plain(self, frame: WsFrame) -> None:
        self._add(
            _make_frame(
                "in", frame, self._wire_rsv1, self._masked_in, self._wire_length, frame.data
            )
        )

    def sending_plain(self, frame: WsFrame) -> None:
        self._sending = frame.data

    def sent_on_wire(self, frame: WsFrame) -> None:
        sending, self._sending = self._sending, b""
        self._add(
            _make_frame("out", frame, frame.rsv1, not self._masked_in, len(frame.data), sending)
        )

    def _add(self, frame: Frame) -> None:
        self._frames.append(frame)
        if self._owner is not None and not self._flush_scheduled:
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        self._flush_scheduled = True
        self._loop.call_soon(self.flush)


class TappedClientConnection(FlowClientConnection):
    """A ``ClientConnection`` whose frames are tapped from the first one on.

    Frames that arrive in the same read as the handshake response are parsed before
    ``connect()`` returns, so the tap has to join the chain when the extensions are
    negotiated: ``process_extensions`` is the method websockets documents for overriding
    negotiation; it is wrapped on this connection's own protocol instance, which
    websockets builds itself. Pass this class as ``connect(create_connection=...)``.
    """

    def __init__(self, protocol: ClientProtocol, **kwargs: Any) -> None:
        super().__init__(protocol, **kwargs)
        self.frame_tap = FrameTap(protocol)
        negotiate = protocol.process_extensions
        tap = self.frame_tap

        def process_extensions(headers: Headers) -> list[Extension]:
            return tap.chain(negotiate(headers))

        protocol.process_extensions = process_extensions  # type: ignore[method-assign]
