"""Each emitter's events as a type checker sees them.

``ClientEvents``, ``SocketEvents`` and ``ServerEvents`` sit between ``EventEmitter`` and
Client, Socket and Server, and add nothing at run time: ``on``, ``once`` and ``wait_for``
are ``EventEmitter``'s (core._events) and ``Endpoint``'s (core._pull). For a type checker
they are overloaded per event name, so that a handler taking the wrong arguments is
reported (``client.on("close", lambda code: ...)``: 'close' passes a code and a reason), a
lambda's parameters get their types, and ``await server.wait_for("connection")`` is a
``Socket``. The decorator form (``@client.on("message")``) is checked as a plain callable.

The overloads narrow what ``EventEmitter[str]`` accepts, which a type checker calls an
incompatible override; that is the point, hence the ``type: ignore[override]`` on each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from ._errors import WebSocketError
from ._events import EventEmitter
from ._frames import Direction, Frame
from ._handshake import HandshakeRefusal
from ._pull import Endpoint

if TYPE_CHECKING:
    import core  # the public core.Socket, for the Server's 'connection'

__all__ = [
    "ClientEvent",
    "ClientEvents",
    "ServerEvent",
    "ServerEvents",
    "SocketEvent",
    "SocketEvents",
]

#: The events of a Client.
ClientEvent = Literal[
    "open", "message", "close", "error", "connecting", "retrying", "frame", "wire_message"
]
#: The events of a Socket.
SocketEvent = Literal["message", "close", "error", "frame", "wire_message"]
#: The events of a Server.
ServerEvent = Literal["listening", "connection", "refused", "error", "close"]

# What each event's handler is called with.
OnNothing = Callable[[], object]  # 'open'; the Server's 'close'
OnMessage = Callable[[Any], object]  # the converted message: its type follows receiveType
OnClose = Callable[[int, str], object]  # code, reason
OnError = Callable[[WebSocketError], object]
OnConnecting = Callable[[int, int], object]  # attempt, attempts
OnRetrying = Callable[[int, int, str], object]  # attempt, attempts, reason
OnFrame = Callable[[Frame], object]
OnWireMessage = Callable[[Direction, str | bytes], object]
OnListening = Callable[[int], object]  # port
OnConnection = Callable[["core.Socket"], object]
OnRefused = Callable[[HandshakeRefusal], object]

H = TypeVar("H", bound=Callable[..., object])


class ClientEvents(Endpoint[ClientEvent]):
    """The Client's ``on`` / ``once`` / ``wait_for``, typed per event."""

    if TYPE_CHECKING:

        @overload  # type: ignore[override]
        def on(self, event: Literal["open"], handler: OnNothing) -> OnNothing: ...
        @overload
        def on(self, event: Literal["message"], handler: OnMessage) -> OnMessage: ...
        @overload
        def on(self, event: Literal["close"], handler: OnClose) -> OnClose: ...
        @overload
        def on(self, event: Literal["error"], handler: OnError) -> OnError: ...
        @overload
        def on(self, event: Literal["connecting"], handler: OnConnecting) -> OnConnecting: ...
        @overload
        def on(self, event: Literal["retrying"], handler: OnRetrying) -> OnRetrying: ...
        @overload
        def on(self, event: Literal["frame"], handler: OnFrame) -> OnFrame: ...
        @overload
        def on(self, event: Literal["wire_message"], handler: OnWireMessage) -> OnWireMessage: ...
        @overload
        def on(self, event: ClientEvent, handler: None = None) -> Callable[[H], H]: ...
        def on(self, event: ClientEvent, handler: H | None = None) -> object: ...

        @overload  # type: ignore[override]
        def once(self, event: Literal["open"], handler: OnNothing) -> OnNothing: ...
        @overload
        def once(self, event: Literal["message"], handler: OnMessage) -> OnMessage: ...
        @overload
        def once(self, event: Literal["close"], handler: OnClose) -> OnClose: ...
        @overload
        def once(self, event: Literal["error"], handler: OnError) -> OnError: ...
        @overload
        def once(self, event: Literal["connecting"], handler: OnConnecting) -> OnConnecting: ...
        @overload
        def once(self, event: Literal["retrying"], handler: OnRetrying) -> OnRetrying: ...
        @overload
        def once(self, event: Literal["frame"], handler: OnFrame) -> OnFrame: ...
        @overload
        def once(self, event: Literal["wire_message"], handler: OnWireMessage) -> OnWireMessage: ...
        @overload
        def once(self, event: ClientEvent, handler: None = None) -> Callable[[H], H]: ...
        def once(self, event: ClientEvent, handler: H | None = None) -> object: ...

        @overload
        async def wait_for(self, event: Literal["open"], timeout: float | None = None) -> None: ...
        @overload
        async def wait_for(
            self, event: Literal["message"], timeout: float | None = None
        ) -> Any: ...
        @overload
        async def wait_for(
            self, event: Literal["close"], timeout: float | None = None
        ) -> tuple[int, str]: ...
        @overload
        async def wait_for(
            self, event: Literal["error"], timeout: float | None = None
        ) -> WebSocketError: ...
        @overload
        async def wait_for(
            self, event: Literal["connecting"], timeout: float | None = None
        ) -> tuple[int, int]: ...
        @overload
        async def wait_for(
            self, event: Literal["retrying"], timeout: float | None = None
        ) -> tuple[int, int, str]: ...
        @overload
        async def wait_for(
            self, event: Literal["frame"], timeout: float | None = None
        ) -> Frame: ...
        @overload
        async def wait_for(
            self, event: Literal["wire_message"], timeout: float | None = None
        ) -> tuple[Direction, str | bytes]: ...
        async def wait_for(self, event: ClientEvent, timeout: float | None = None) -> object: ...


class SocketEvents(Endpoint[SocketEvent]):
    """The Socket's ``on`` / ``once`` / ``wait_for``, typed per event."""

    if TYPE_CHECKING:

        @overload  # type: ignore[override]
        def on(self, event: Literal["message"], handler: OnMessage) -> OnMessage: ...
        @overload
        def on(self, event: Literal["close"], handler: OnClose) -> OnClose: ...
        @overload
        def on(self, event: Literal["error"], handler: OnError) -> OnError: ...
        @overload
        def on(self, event: Literal["frame"], handler: OnFrame) -> OnFrame: ...
        @overload
        def on(self, event: Literal["wire_message"], handler: OnWireMessage) -> OnWireMessage: ...
        @overload
        def on(self, event: SocketEvent, handler: None = None) -> Callable[[H], H]: ...
        def on(self, event: SocketEvent, handler: H | None = None) -> object: ...

        @overload  # type: ignore[override]
        def once(self, event: Literal["message"], handler: OnMessage) -> OnMessage: ...
        @overload
        def once(self, event: Literal["close"], handler: OnClose) -> OnClose: ...
        @overload
        def once(self, event: Literal["error"], handler: OnError) -> OnError: ...
        @overload
        def once(self, event: Literal["frame"], handler: OnFrame) -> OnFrame: ...
        @overload
        def once(self, event: Literal["wire_message"], handler: OnWireMessage) -> OnWireMessage: ...
        @overload
        def once(self, event: SocketEvent, handler: None = None) -> Callable[[H], H]: ...
        def once(self, event: SocketEvent, handler: H | None = None) -> object: ...

        @overload
        async def wait_for(
            self, event: Literal["message"], timeout: float | None = None
        ) -> Any: ...
        @overload
        async def wait_for(
            self, event: Literal["close"], timeout: float | None = None
        ) -> tuple[int, str]: ...
        @overload
        async def wait_for(
            self, event: Literal["error"], timeout: float | None = None
        ) -> WebSocketError: ...
        @overload
        async def wait_for(
            self, event: Literal["frame"], timeout: float | None = None
        ) -> Frame: ...
        @overload
        async def wait_for(
            self, event: Literal["wire_message"], timeout: float | None = None
        ) -> tuple[Direction, str | bytes]: ...
        async def wait_for(self, event: SocketEvent, timeout: float | None = None) -> object: ...


class ServerEvents(EventEmitter[ServerEvent]):
    """The Server's ``on`` / ``once`` / ``wait_for``, typed per event."""

    if TYPE_CHECKING:

        @overload  # type: ignore[override]
        def on(self, event: Literal["listening"], handler: OnListening) -> OnListening: ...
        @overload
        def on(self, event: Literal["connection"], handler: OnConnection) -> OnConnection: ...
        @overload
        def on(self, event: Literal["refused"], handler: OnRefused) -> OnRefused: ...
        @overload
        def on(self, event: Literal["error"], handler: OnError) -> OnError: ...
        @overload
        def on(self, event: Literal["close"], handler: OnNothing) -> OnNothing: ...
        @overload
        def on(self, event: ServerEvent, handler: None = None) -> Callable[[H], H]: ...
        def on(self, event: ServerEvent, handler: H | None = None) -> object: ...

        @overload  # type: ignore[override]
        def once(self, event: Literal["listening"], handler: OnListening) -> OnListening: ...
        @overload
        def once(self, event: Literal["connection"], handler: OnConnection) -> OnConnection: ...
        @overload
        def once(self, event: Literal["refused"], handler: OnRefused) -> OnRefused: ...
        @overload
        def once(self, event: Literal["error"], handler: OnError) -> OnError: ...
        @overload
        def once(self, event: Literal["close"], handler: OnNothing) -> OnNothing: ...
        @overload
        def once(self, event: ServerEvent, handler: None = None) -> Callable[[H], H]: ...
        def once(self, event: ServerEvent, handler: H | None = None) -> object: ...

        @overload
        async def wait_for(
            self, event: Literal["listening"], timeout: float | None = None
        ) -> int: ...
        @overload
        async def wait_for(
            self, event: Literal["connection"], timeout: float | None = None
        ) -> core.Socket: ...
        @overload
        async def wait_for(
            self, event: Literal["refused"], timeout: float | None = None
        ) -> HandshakeRefusal: ...
        @overload
        async def wait_for(
            self, event: Literal["error"], timeout: float | None = None
        ) -> WebSocketError: ...
        @overload
        async def wait_for(self, event: Literal["close"], timeout: float | None = None) -> None: ...
        async def wait_for(self, event: ServerEvent, timeout: float | None = None) -> object: ...
