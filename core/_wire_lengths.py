"""What each message of a compressed connection took on the wire, for ``last_wire_length``.

Under permessage-deflate a message's payload on the wire is its compressed size, which only
websockets' extension chain sees. ``WireLengths`` is a pass-through ``Extension`` at the
wire end of that chain (after permessage-deflate): it adds up the payload bytes of the data
frames of each message, both ways, and queues one total per whole message. websockets parses
frames ahead of the messages core delivers, and core delivers and sends messages in order,
so ``Channel`` takes one total per message it reports on ``'wire_message'``.

It joins the chain when the extensions are negotiated (``process_extensions``, the method
websockets documents for overriding negotiation), before any frame is parsed; the
connection classes below do that on their own protocol instance. Only where the
``wire_lengths`` option asks for it: a Python call per frame each way costs about 5 % of a
compressed stream's speed. A connection without permessage-deflate gets none: there a
message's wire length is its payload's.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.extensions import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import BINARY, CONT, TEXT
from websockets.frames import Frame as WsFrame
from websockets.protocol import Protocol
from websockets.server import ServerProtocol
from websockets.typing import ExtensionName

from ._flow import FlowClientConnection, FlowServerConnection
from ._frames import TappedClientConnection

__all__ = [
    "CountingServerConnection",
    "WireLengths",
    "client_connection_class",
    "server_connection_class",
    "wire_lengths_of",
]


class WireLengths(Extension):
    """``received`` / ``sent``: the wire payload bytes of each whole data message, oldest first."""

    name = ExtensionName("core-wire-lengths")  # never negotiated with the peer

    def __init__(self) -> None:
        self.received: deque[int] = deque()
        self.sent: deque[int] = deque()
        self._receiving = 0
        self._sending = 0

    def decode(self, frame: WsFrame, *, max_size: int | None = None) -> WsFrame:
        opcode = frame.opcode
        if opcode is TEXT or opcode is BINARY or opcode is CONT:
            self._receiving += len(frame.data)
            if frame.fin:
                self.received.append(self._receiving)
                self._receiving = 0
        return frame

    def encode(self, frame: WsFrame) -> WsFrame:
        opcode = frame.opcode
        if opcode is TEXT or opcode is BINARY or opcode is CONT:
            self._sending += len(frame.data)
            if frame.fin:
                self.sent.append(self._sending)
                self._sending = 0
        return frame


def with_wire_lengths(negotiated: list[Extension]) -> list[Extension]:
    """``negotiated`` with a ``WireLengths`` last if permessage-deflate is in it."""
    if any(isinstance(extension, PerMessageDeflate) for extension in negotiated):
        return [*negotiated, WireLengths()]
    return negotiated


def wire_lengths_of(protocol: Protocol) -> WireLengths | None:
    for extension in protocol.extensions:
        if isinstance(extension, WireLengths):
            return extension
    return None


class CountingClientConnection(FlowClientConnection):
    """A ``ClientConnection`` that counts wire lengths from the first frame on."""

    def __init__(self, protocol: ClientProtocol, **kwargs: Any) -> None:
        super().__init__(protocol, **kwargs)
        negotiate = protocol.process_extensions

        def process_extensions(headers: Headers) -> list[Extension]:
            return with_wire_lengths(negotiate(headers))

        protocol.process_extensions = process_extensions  # type: ignore[method-assign]


class TappedCountingClientConnection(TappedClientConnection, CountingClientConnection):
    """Both: frames tapped (core._frames) and wire lengths counted from the first frame on."""


def client_connection_class(tap_frames: bool, count: bool) -> type[FlowClientConnection]:
    """The connection class a Client passes to websockets' ``connect``."""
    if tap_frames:
        return TappedCountingClientConnection if count else TappedClientConnection
    return CountingClientConnection if count else FlowClientConnection


def server_connection_class(count: bool) -> type[FlowServerConnection]:
    """The connection class a Server passes to websockets' ``serve``."""
    return CountingServerConnection if count else FlowServerConnection


class CountingServerConnection(FlowServerConnection):
    """A ``ServerConnection`` that counts wire lengths from the first frame on."""

    def __init__(self, protocol: ServerProtocol, *args: Any, **kwargs: Any) -> None:
        super().__init__(protocol, *args, **kwargs)
        negotiate = protocol.process_extensions

        def process_extensions(headers: Headers) -> tuple[str | None, list[Extension]]:
            header, accepted = negotiate(headers)
            return header, with_wire_lengths(accepted)

        protocol.process_extensions = process_extensions  # type: ignore[method-assign]
