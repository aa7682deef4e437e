"""The Server, and the Socket it makes for each accepted connection."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
from collections.abc import Awaitable, Mapping
from types import TracebackType
from typing import Any, Literal, Unpack

from websockets.asyncio.server import Server as _WsServer
from websockets.asyncio.server import ServerConnection, serve

from . import mime, tls
from .connection import Channel
from .errors import EncodeError, NotOpenError, ServerStartError, WebSocketError, check_close_code
from .events import EventEmitter
from .handshake import RefusalReporter, RequestFunction, RequestHook
from .loop import Shielded, retrieve_exception, running_loop
from .option_types import ServerOptions
from .options import SERVER_OPTIONS, parse, seconds
from .pull import Endpoint
from .wire_lengths import CountingServerConnection

log = logging.getLogger("core")

ServerEvent = Literal["listening", "connection", "refused", "error", "close"]
SocketEvent = Literal["message", "close", "error", "frame", "wire_message"]


class Socket(Endpoint[SocketEvent]):
    """One connection accepted by a Server; made by the Server, never by the user.

    Open when handed to the Server's ``'connection'`` handlers. Pull its messages with
    ``await socket.recv()`` or ``async for message in socket`` (a coroutine ``'connection'``
    handler that starts pulling before its first ``await`` sees every message).

    Events:
        ``'message'`` (value)
            a whole message from the client, converted per the server's ``receiveType``
            (raw if it did not convert). Coroutine listeners run one at a time, in order.
        ``'close'`` (code: int, reason: str)
            the connection closed, from either side.
        ``'error'`` (exception: WebSocketError)
            a conversion failed, the connection was lost or broke the protocol, unsent
            messages were dropped, or a handler raised. With no listener here, the Server
            emits it on its ``'error'`` with this Socket on the exception's ``.socket``.
        ``'frame'`` (frame: core.Frame)
            beyond the spec: every WebSocket frame in either direction (see ``Client``).
        ``'wire_message'`` (direction: 'in' | 'out', payload: str | bytes)
            beyond the spec: the whole message as on the wire (see ``Client``).
            messages were dropped, or a handler raised.
        ``'frame'`` (frame: core.Frame)
            beyond the spec: every WebSocket frame in either direction (see ``Client``).
        ``'wire_message'`` (direction: 'in' | 'out', payload: str | bytes)
            beyond the spec: the whole message as on the wire (see ``Client``).

    Attributes: ``remote_address`` (host, port), ``request_headers`` and
    ``response_headers`` of the handshake (case-insensitive mappings), ``path`` (request
    path and query), ``response_status`` / ``response_reason`` (the status line sent: 101
    Switching Protocols), ``subprotocol`` (or None); once closed ``close_code``,
    ``close_reason``.
    """

    def __init__(
        self,
        ws: ServerConnection,
        encode: mime.Encoder,
        decode: mime.Decoder,
        options: dict[str, Any],
    ) -> None:
        super().__init__(options["max_queue"])
        self.remote_address: tuple[Any, ...] = tuple(ws.remote_address or ())
        self.request_headers = ws.request.headers if ws.request else None
        self.response_headers = ws.response.headers if ws.response else None
        self.path: str = ws.request.path if ws.request else "/"
        self.response_status: int = ws.response.status_code if ws.response else 101
        self.response_reason: str = ws.response.reason_phrase if ws.response else ""
        self.subprotocol: str | None = ws.subprotocol
        self.peer_certificate_subject = tls.peer_certificate_subject(ws.transport)
        self._encode = encode
        self._peer = ":".join(str(part) for part in self.remote_address[:2]) or "client"
        self._open = True
        close_timeout = seconds(options["close_timeout"])
        self._channel = Channel(
            ws, self, decode, self._peer, on_end=self._ended, close_timeout=close_timeout
        )
        self._closing: Shielded | None = None

    def __repr__(self) -> str:
        return f"<Socket {self.remote_address} {'open' if self._open else 'closed'}>"

    def is_open(self) -> bool:
        return self._open

    isOpen = is_open

    @property
    def pending_messages(self) -> int:
        """Beyond the spec: messages accepted by ``send()`` not yet handed to the transport."""
        return self._channel.pending_messages

    @property
    def buffered_amount(self) -> int:
        """Beyond the spec: bytes handed to the transport and not yet written to the network
        (the browser API's ``bufferedAmount``); 0 once closed."""
        return self._channel.buffered_amount if self._open else 0

    async def ping(self) -> float:
        """Send a ping; return the round trip in seconds when its pong is back.

        ``NotOpenError`` if the socket is closing or closed, or closes before the pong.
        """
        return await self._channel.ping()

    def send(self, data: Any) -> Awaitable[None]:
        """Convert per the server's ``sendType`` and send, in call order.

        ``EncodeError`` (a TypeError) at once if ``data`` does not convert; ``NotOpenError``
        if the socket is closed or closing. The returned awaitable completes when the frame
        was handed to the transport (awaiting is optional).
        """
        payload, is_text = self._encode(data)
        if not self._channel.accepting:
            raise NotOpenError(f"the socket from {self._peer} is closed or closing")
        return self._channel.send(payload, is_text)

    def send_fragments(self, data: Any, fragments: int) -> Awaitable[None]:
        """Like ``send``, but the converted message goes as ``fragments`` frames.

        Beyond the spec, for fault tests: a text or binary frame, then continuation frames,
        each carrying a part (RFC 6455 section 5.4); websockets' iterable send then ends the
        message with an empty continuation frame with FIN. A payload shorter than
        ``fragments`` goes one byte or character per frame. ``ValueError`` unless
        ``fragments`` is an int of at least 1.
        """
        if not isinstance(fragments, int) or isinstance(fragments, bool) or fragments < 1:
            raise ValueError(f"fragments must be an int of at least 1, not {fragments!r}")
        payload, is_text = self._encode(data)
        if not self._channel.accepting:
            raise NotOpenError(f"the socket from {self._peer} is closed or closing")
        return self._channel.send_fragments(payload, is_text, fragments)

    def answer_pings(self, answer: bool = True) -> None:
        """Beyond the spec, for fault tests: ``answer_pings(False)`` stops answering the
        client's pings (its keepalive then fails); ``answer_pings()`` answers them again.
        The pings still show as ``'frame'`` events. No-op on a closed socket."""
        self._channel.answer_pings(answer)

    def abort(self) -> None:
        """Beyond the spec, for fault tests: cut the TCP connection at once, with no close
        frame. The client sees 1006; ``'close'`` here reports 1006 too, with no
        ``ConnectionLostError`` (it was asked for). No-op once closed."""
        if self._open:
            self._channel.abort()

    def close(self, code: int = 1000, reason: str = "") -> Awaitable[None]:
        """Close this connection after sending what was already accepted. Idempotent.

        ``code``: 1000-1003, 1007-1014 or 3000-4999 (``ValueError`` otherwise). The
        awaitable completes after ``'close'`` was emitted, within the server's
        ``close_timeout``; cancelling an await of it does not stop the close.
        """
        check_close_code(code, reason)
        if self._closing is None:
            task = running_loop("socket.close()").create_task(self._channel.close(code, reason))
            self._closing = Shielded(task)
        return self._closing

    async def run(self) -> None:
        """Read and dispatch until the connection ends (the Server awaits this; not for users)."""
        await self._channel.run()

    def _ended(self, code: int, reason: str, lost: bool) -> None:
        self._open = False
        self._connection_ended(code, reason, lost, self._peer)

    def _listener_added(self, event: str) -> None:
        if event == "frame":
            self._channel.watch_frames()


class Server(EventEmitter[ServerEvent]):
    """A WebSocket server: accepts upgrade requests and makes a ``Socket`` for each.

    ``Server(options_dict, **keywords)``: options in the spec's camelCase dict and/or as
    snake_case keywords (see ``core.options.SERVER_OPTIONS``; typed by ``core.ServerOptions``);
    mistakes raise at once.

    ``process_request=fn`` (keyword only; a function, so not in the option tables that
    forms and saved workspaces are built from): ``fn(request)``, sync or async, gets a
    ``core.handshake.HandshakeRequest`` (``.path``, ``.headers``, ``.remote_address``)
    before the handshake is accepted, i.e. before the Origin check and within
    ``handshake_timeout``. It returns None to go on, or ``(status, body)`` to refuse with
    that HTTP status and a ``str`` or ``bytes`` body, or ``(status, body, headers)`` to
    also set response headers (a 200 page for a plain GET; see ``core.handshake``).

    Events:
        ``'listening'`` (port: int)
            the server accepts connections; always before any ``'connection'``.
        ``'connection'`` (socket: Socket)
            a handshake completed; handlers set on the socket here see every message.
        ``'refused'`` (refusal: core.handshake.HandshakeRefusal)
            beyond the spec: an upgrade request was answered with an HTTP error instead of
            101 (an Origin not in ``allowed_origins``: 403; no common subprotocol: 400; a plain
            HTTP request: 426; a ``process_request`` refusal: its status), with the
            client's address, the path, the status and the server's reason.
        ``'error'`` (exception: WebSocketError)
            the server could not start (``ServerStartError``: port in use, bad certificate),
            a handler raised (``HandlerError``), or a Socket with no ``'error'`` listener
            reported an error (that Socket is the exception's ``.socket``).
            ``HandlerError.event == 'process_request'`` when the ``process_request``
            function raised or answered badly: the client got HTTP 500.
        ``'close'`` ()
            beyond the spec: the server has stopped and every socket is closed.

    ``async with Server(...) as server:`` starts (raising ``ServerStartError``) and stops.
    """

    def __init__(
        self,
        options: Mapping[str, Any] | None = None,
        *,
        process_request: RequestFunction | None = None,
        **kwargs: Unpack[ServerOptions],
    ) -> None:
        super().__init__()
        self.options = parse("Server", SERVER_OPTIONS, options, kwargs)
        o = self.options
        if process_request is not None and not callable(process_request):
            raise TypeError(
                "Server process_request is a function of the request, not "
                + type(process_request).__name__
            )
        self._process_request = process_request
        self._encode = mime.encoder_for(o["send_type"])
        self._decode = mime.decoder_for(o["receive_type"])
        tls.check_server_options(o)
        self._ws_server: _WsServer | None = None
        self._port: int | None = None
        self._sockets: set[Socket] = set()
        self._listening: asyncio.Event | None = None
        self._starting: asyncio.Task[None] | None = None
        self._stopping: Shielded | None = None

    def __repr__(self) -> str:
        where = f"port {self._port}" if self._port is not None else "not listening"
        return f"<Server {self.options['host_interface']} {where}>"

    async def __aenter__(self) -> Server:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

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

        Each Socket emits ``'close'``, then the Server emits ``'close'``. Idempotent. Done
        within ``close_timeout`` (peers that do not answer are dropped with 1006);
        cancelling an await of it does not stop the stopping.
        """
        loop = running_loop("server.stop()")
        if self._stopping is None:
            self._stopping = Shielded(loop.create_task(self._stop()))
        return self._stopping

    async def broadcast(self, data: Any) -> int:
        """Send ``data`` to every open Socket; return how many copies were handed over.

        Each Socket converts ``data`` per its own ``sendType``. A Socket that cannot convert
        it gets the ``EncodeError`` on its ``'error'`` event and is skipped; one that closes
        before its copy was handed to the transport is not counted; neither stops the
        others. Done when every copy was handed over or failed; cancelling the wait does
        not unsend.
        """
        deliveries: list[Awaitable[None]] = []
        for socket in self.sockets:
            try:
                deliveries.append(socket.send(data))
            except EncodeError as exc:
                socket.emit("error", exc)
            except NotOpenError:
                pass
        results = await asyncio.gather(*deliveries, return_exceptions=True)
        return sum(1 for result in results if not isinstance(result, BaseException))

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
                open_timeout=seconds(o["handshake_timeout"]),
                ping_interval=seconds(o["ping_interval"]),
                ping_timeout=seconds(o["ping_timeout"]),
                close_timeout=seconds(o["close_timeout"]),
                compression=o["compression"],
                process_request=(
                    None
                    if self._process_request is None
                    else RequestHook(self._process_request, self)
                ),
                process_response=RefusalReporter(self),
                create_connection=CountingServerConnection if o["wire_lengths"] else None,
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
        socket = Socket(ws, self._encode, self._decode, self.options)
        socket.forward_errors = functools.partial(self._socket_error, socket)
        self._sockets.add(socket)
        try:
            if self.emit("connection", socket):
                # Let coroutine handlers run up to their first await, so that one which
                # starts pulling (``async for m in socket``) is in time for the first message.
                await asyncio.sleep(0)
            await socket.run()
        finally:
            self._sockets.discard(socket)

    def _socket_error(self, socket: Socket, error: BaseException) -> None:
        """An error of a Socket that has no 'error' listener: report it here."""
        if isinstance(error, WebSocketError):
            error.socket = socket
        self.emit("error", error)

    async def _stop(self) -> None:
        if self._starting is not None and not self._starting.done():
            await asyncio.wait([self._starting])
        server, self._ws_server = self._ws_server, None
        if server is None:
            return
        loop = asyncio.get_running_loop()
        close_timeout = seconds(self.options["close_timeout"])
        deadline = None if close_timeout is None else loop.time() + close_timeout
        # Stop accepting (handshakes under way get HTTP 503), then close each Socket through
        # its Channel so that messages it already accepted are sent before the close frame.
        # Each close gives up after close_timeout by itself.
        server.close(close_connections=False)
        closing = [socket.close(1001, "server stopping") for socket in self.sockets]
        if closing:
            await asyncio.gather(*closing, return_exceptions=True)
        # Handshakes still under way after the deadline end at their own handshake_timeout.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(deadline and max(deadline, loop.time() + 0.1)):
                await server.wait_closed()
        self._port = None
        self.emit("close")
