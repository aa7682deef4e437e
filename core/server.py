"""The Server, and the Socket it makes for each accepted connection."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Mapping
from typing import Any, Literal, Unpack

from websockets.asyncio.server import Server as _WsServer
from websockets.asyncio.server import ServerConnection, serve

from . import mime, tls
from .connection import Channel, check_close_code
from .errors import NotOpenError, ServerStartError
from .events import EventEmitter
from .loop import retrieve_exception, running_loop
from .option_types import ServerOptions
from .options import SERVER_OPTIONS, parse

log = logging.getLogger("core")

ServerEvent = Literal["listening", "connection", "error", "close"]
SocketEvent = Literal["message", "close", "error", "frame"]


class Socket(EventEmitter[SocketEvent]):
    """One connection accepted by a Server; made by the Server, never by the user.

    Open when handed to the Server's ``'connection'`` handlers.

    Events:
        ``'message'`` (value)
            a whole message from the client, converted per the server's ``receiveType``
            (raw if it did not convert).
        ``'close'`` (code: int, reason: str)
            the connection closed, from either side.
        ``'error'`` (exception: WebSocketError)
            a conversion failed, the connection was lost or broke the protocol, unsent
            messages were dropped, or a handler raised.
        ``'frame'`` (direction: 'in' | 'out', payload: str | bytes)
            beyond the spec: the payload as on the wire (see ``Client``).

    Attributes: ``remote_address`` (host, port), ``request_headers`` and
    ``response_headers`` of the handshake (case-insensitive mappings), ``path`` (request
    path and query), ``subprotocol`` (or None).
    """

    def __init__(self, ws: ServerConnection, encode: mime.Encoder, decode: mime.Decoder) -> None:
        super().__init__()
        self.remote_address: tuple[Any, ...] = tuple(ws.remote_address or ())
        self.request_headers = ws.request.headers if ws.request else None
        self.response_headers = ws.response.headers if ws.response else None
        self.path: str = ws.request.path if ws.request else "/"
        self.subprotocol: str | None = ws.subprotocol
        self.peer_certificate_subject = tls.peer_certificate_subject(ws.transport)
        self._encode = encode
        self._peer = ":".join(str(part) for part in self.remote_address[:2]) or "client"
        self._open = True
        self._channel = Channel(ws, self, decode, self._peer, on_end=self._ended)
        self._closing: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<Socket {self.remote_address} {'open' if self._open else 'closed'}>"

    def is_open(self) -> bool:
        return self._open

    isOpen = is_open

    def send(self, data: Any) -> Awaitable[None]:
        """Convert per the server's ``sendType`` and send, in call order.

        ``EncodeError`` (a TypeError) at once if ``data`` does not convert; ``NotOpenError``
        if the socket is closed or closing. The returned awaitable completes when the frame
        was handed to the transport (awaiting is optional).
        """
        payload, is_text = self._encode(data)
        if not self._channel.accepting:
            raise NotOpenError(f"the socket from {self._peer} is closed")
        return self._channel.send(payload, is_text)

    def close(self, code: int = 1000, reason: str = "") -> Awaitable[None]:
        """Close this connection after sending what was already accepted. Idempotent.

        The awaitable completes after ``'close'`` was emitted.
        """
        check_close_code(code, reason)
        if self._closing is None:
            self._closing = running_loop("socket.close()").create_task(
                self._channel.close(code, reason)
            )
        return self._closing

    def _ended(self) -> None:
        self._open = False


class Server(EventEmitter[ServerEvent]):
    """A WebSocket server: accepts upgrade requests and makes a ``Socket`` for each.

    ``Server(options_dict, **keywords)``: options in the spec's camelCase dict and/or as
    snake_case keywords (see ``core.options.SERVER_OPTIONS``; typed by ``core.ServerOptions``);
    mistakes raise at once.

    Events:
        ``'listening'`` (port: int)
            the server accepts connections; always before any ``'connection'``.
        ``'connection'`` (socket: Socket)
            a handshake completed; handlers set on the socket here see every message.
        ``'error'`` (exception: WebSocketError)
            the server could not start (``ServerStartError``: port in use, bad certificate)
            or a handler raised (``HandlerError``).
        ``'close'`` ()
            beyond the spec: the server has stopped and every socket is closed.
    """

    def __init__(
        self, options: Mapping[str, Any] | None = None, **kwargs: Unpack[ServerOptions]
    ) -> None:
        super().__init__()
        self.options = parse("Server", SERVER_OPTIONS, options, kwargs)
        o = self.options
        self._encode = mime.encoder_for(o["send_type"])
        self._decode = mime.decoder_for(o["receive_type"])
        tls.check_server_options(o)
        self._ws_server: _WsServer | None = None
        self._port: int | None = None
        self._sockets: set[Socket] = set()
        self._listening: asyncio.Event | None = None
        self._starting: asyncio.Task[None] | None = None
        self._stopping: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        where = f"port {self._port}" if self._port is not None else "not listening"
        return f"<Server {self.options['host_interface']} {where}>"

    @property
    def port(self) -> int | None:
        """The bound port once listening (useful with port 0), else None."""
        return self._port

    @property
    def sockets(self) -> list[Socket]:
        """The open Sockets."""
        return [socket for socket in self._sockets if socket.is_open()]

    def is_listening(self) -> bool:
        return self._ws_server is not None and self._port is not None

    def start(self) -> asyncio.Task[None]:
        """Begin listening; the task completes once listening, or fails with ServerStartError.

        Non-blocking: awaiting is optional (a failure is also emitted on ``'error'``).
        Calling it again while starting or listening returns the same task. Needs a
        running loop (``RuntimeError`` otherwise).
        """
        loop = running_loop("server.start()")
        if self._starting is None or (self._starting.done() and not self.is_listening()):
            self._stopping = None
            self._starting = loop.create_task(self._start())
            self._starting.add_done_callback(retrieve_exception)
        return self._starting

    def stop(self) -> Awaitable[None]:
        """Stop listening and close every Socket (code 1001); done when all are closed.

        Each Socket emits ``'close'``, then the Server emits ``'close'``. Idempotent.
        """
        loop = running_loop("server.stop()")
        if self._stopping is None:
            self._stopping = loop.create_task(self._stop())
        return self._stopping

    async def _start(self) -> None:
        o = self.options
        host, port = o["host_interface"], o["port"]
        self._listening = asyncio.Event()
        try:
            context = tls.server_context(o)
            origins = None if o["allowed_origins"] is None else [*o["allowed_origins"], None]
            self._ws_server = await serve(
                self._handle,
                host,
                port,
                ssl=context,
                origins=origins,
                max_size=o["max_message_size"],
                subprotocols=o["subprotocols"],
                open_timeout=o["handshake_timeout"] / 1000 or None,
                ping_interval=o["ping_interval"] / 1000 if o["ping_interval"] else None,
                backlog=o["backlog"],  # passed on to loop.create_server
            )
        except (OSError, ValueError, ssl.SSLError) as exc:
            error = ServerStartError(host, port, exc)
            error.__cause__ = exc
            self.emit("error", error)
            raise error from exc
        self._port = self._ws_server.sockets[0].getsockname()[1]
        self._listening.set()
        self.emit("listening", self._port)

    async def _handle(self, ws: ServerConnection) -> None:
        assert self._listening is not None
        await self._listening.wait()
        socket = Socket(ws, self._encode, self._decode)
        self._sockets.add(socket)
        try:
            self.emit("connection", socket)
            await socket._channel.run()
        finally:
            self._sockets.discard(socket)

    async def _stop(self) -> None:
        if self._starting is not None and not self._starting.done():
            await asyncio.wait([self._starting])
        server, self._ws_server = self._ws_server, None
        if server is None:
            return
        # Stop accepting (handshakes under way get HTTP 503), then close each Socket through
        # its Channel so that messages it already accepted are sent before the close frame.
        server.close(close_connections=False)
        closing = [socket.close(1001, "server stopping") for socket in self.sockets]
        if closing:
            await asyncio.gather(*closing, return_exceptions=True)
        await server.wait_closed()
        self._port = None
        self.emit("close")
