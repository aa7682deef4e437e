"""The Server: listens, and makes a ``Socket`` (core._socket) for each accepted connection."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import ssl
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Unpack, cast

from websockets.asyncio.server import Server as _WsServer
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Origin

from . import _tls as tls
from . import mime
from ._admission import AcceptErrorReporter, Admission, watch_accept_errors
from ._close_codes import CloseCode
from ._deflate import server_compression
from ._errors import AcceptError, EncodeError, NotOpenError, ServerStartError
from ._flow import limits_from, with_limits
from ._handshake import (
    RequestFunction,
    RequestHook,
    ResponseHeadersFunction,
    ResponseHook,
    SubprotocolFunction,
    SubprotocolHook,
)
from ._loop import Shielded, retrieve_exception, running_loop
from ._option_types import ServerOptions, ServerSettings, subprotocols
from ._pull import parsed_queue_bounds
from ._socket import Socket
from ._typed_events import ServerEvents
from ._wire_lengths import server_connection_class
from .options import SERVER_OPTIONS, parse, seconds

log = logging.getLogger("core")


class ServerState(enum.StrEnum):
    """Where a Server is in its life (``Server.state``); a ``str`` enum, equal to its value.

    ``'idle'`` until ``start()``; ``'starting'``; ``'listening'``; ``'failed'`` when it could
    not listen (``ServerStartError``); ``'stopping'`` once ``stop()`` was called while
    starting or listening; ``'stopped'`` when every socket is closed. ``start()`` again
    after ``'failed'`` or ``'stopped'`` goes back to ``'starting'``.
    """

    IDLE = "idle"
    STARTING = "starting"
    LISTENING = "listening"
    FAILED = "failed"
    STOPPING = "stopping"
    STOPPED = "stopped"


class Server(ServerEvents):
    """A WebSocket server: accepts upgrade requests and makes a ``Socket`` for each.

    ``async with Server(...) as server:`` starts (raising ``ServerStartError``) and stops.

    Args:
        options: The spec's options dict (camelCase or snake_case keys), or None.
        process_request: Keyword only (a function, so not in the option tables that forms
            and saved workspaces are built from): ``fn(request)``, sync or async, gets a
            ``core.HandshakeRequest`` before the handshake is accepted, i.e. before the
            Origin check and within ``handshake_timeout``. It returns None to go on, or
            ``(status, body)`` to refuse with that HTTP status and a ``str`` or ``bytes``
            body, or ``(status, body, headers)`` to also set response headers (a 200 page
            for a plain GET): a mapping of ``str`` to ``str``, or ``(name, value)`` pairs (a
            name may repeat: two ``Set-Cookie`` or ``WWW-Authenticate`` are both sent, in
            order). One named like a header websockets wrote (``Content-Type``, ``Date``)
            replaces it; Connection, Content-Length and Transfer-Encoding may not be set.
            Names and values are checked as ``response_headers``' are. See
            ``core.RequestAnswer``.
        select_subprotocol: Keyword only: ``fn(request, offered)``, sync, called when the
            handshake is accepted (after ``process_request``) with the request and the
            subprotocols the client offered, in its order; it returns one of them, or None
            for no subprotocol. It replaces the ``subprotocols`` option's choice. A server
            that must look elsewhere first (a relay asking its upstream) does that in an
            async ``process_request`` and keeps the answer by ``request.remote_address``.
            If it raises or returns one not offered: HTTP 500 and a ``HandlerError``.
        response_headers: Keyword only: ``fn(request)``, sync, called when the handshake is
            accepted (after ``select_subprotocol``); it returns None, or headers to add to
            the 101 response: a mapping of ``str`` to ``str``, or ``(name, value)`` pairs
            (a name may repeat: several ``Set-Cookie``). One named like a header
            websockets set (``Date``, ``Server``) replaces it. The handshake's own
            headers (Upgrade, Connection, Sec-WebSocket-Accept, -Extensions, -Protocol,
            Content-Length, Transfer-Encoding) may not be set. A value found by an async
            ``process_request`` (a relay's upstream's answer) is kept by
            ``request.remote_address``, as for ``select_subprotocol``. If it raises or
            answers anything else (a bad name, a value with CR or LF): HTTP 500, reported
            on ``'refused'``, and a ``HandlerError`` with ``event == 'response_headers'``.
        **kwargs: Options as snake_case keywords (``core.ServerOptions``; their defaults
            and meanings are in ``core.options.SERVER_OPTIONS``).

    Raises:
        ValueError: An unknown option (naming the closest valid one), a value out of
            range, an unsupported MIME type, or inconsistent or missing TLS files.
        TypeError: An option of the wrong type, or a ``process_request``,
            ``select_subprotocol`` or ``response_headers`` that is not callable.

    Events:
        ``'listening'`` (port: int)
            the server accepts connections; always before any ``'connection'``.
        ``'connection'`` (socket: Socket)
            a handshake completed; handlers set on the socket here see every message.
        ``'refused'`` (refusal: core.HandshakeRefusal)
            beyond the spec: an upgrade request was answered with an HTTP error instead of
            101 (an Origin not in ``allowed_origins``: 403; no common subprotocol: 400; a plain
            HTTP request: 426; over ``max_connections`` or ``max_per_address``:
            503; a ``process_request`` refusal: its status), with the client's address, the
            path, the status and the server's reason.
        ``'error'`` (exception: WebSocketError)
            the server could not start (``ServerStartError``: port in use, bad certificate),
            could not accept a connection (``AcceptError``, e.g. out of file descriptors: at
            most one a second of each kind, counting the others), a handler raised
            (``HandlerError``), or a Socket with no ``'error'`` listener reported an error
            (that Socket is the exception's ``.socket``).
            ``HandlerError.event == 'process_request'`` when the ``process_request``
            function raised or answered badly: the client got HTTP 500 (likewise
            ``'select_subprotocol'`` and ``'response_headers'``).
        ``'close'`` ()
            beyond the spec: the server has stopped and every socket is closed.

    Attributes:
        options: The options, checked, with core's defaults filled in
            (``core.ServerSettings``).
    """

    def __init__(
        self,
        options: Mapping[str, object] | None = None,
        *,
        process_request: RequestFunction | None = None,
        select_subprotocol: SubprotocolFunction | None = None,
        response_headers: ResponseHeadersFunction | None = None,
        **kwargs: Unpack[ServerOptions],
    ) -> None:
        super().__init__()
        self.options = cast(ServerSettings, parse("Server", SERVER_OPTIONS, options, kwargs))
        o = self.options
        if process_request is not None and not callable(process_request):
            raise TypeError(
                "Server process_request is a function of the request, not "
                + type(process_request).__name__
            )
        if select_subprotocol is not None and not callable(select_subprotocol):
            raise TypeError(
                "Server select_subprotocol is a function of the request and the offered "
                "subprotocols, not " + type(select_subprotocol).__name__
            )
        if response_headers is not None and not callable(response_headers):
            raise TypeError(
                "Server response_headers is a function of the request that returns the "
                "headers to add to its 101 response, not " + type(response_headers).__name__
            )
        self._process_request = process_request
        self._response_headers = response_headers
        self._select_subprotocol = select_subprotocol
        self._encode = mime.encoder_for(o["send_type"])
        self._decode = mime.decoder_for(o["receive_type"], max_image_pixels=o["max_image_pixels"])
        tls.check_server_options(o)
        self._admission = Admission(o["max_connections"], o["max_per_address"])
        self._unwatch_accept_errors: Callable[[], None] | None = None
        self._ws_server: _WsServer | None = None
        self._port: int | None = None
        self._sockets: set[Socket] = set()
        self._listening: asyncio.Event | None = None
        self._starting: asyncio.Task[None] | None = None
        self._stopping: Shielded | None = None
        self._state = ServerState.IDLE
        # Where every Socket's unheard errors go: one bound method for all of them.
        self._forward_socket_error = self._socket_error

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

    @property
    def state(self) -> ServerState:
        """Where the server is in its life; see ``ServerState``."""
        return self._state

    def is_listening(self) -> bool:
        """Whether the server accepts connections.

        Returns:
            True from ``'listening'`` until ``stop()``.
        """
        return self._ws_server is not None and self._port is not None

    def start(self) -> asyncio.Task[None]:
        """Begin listening.

        Non-blocking: awaiting is optional (a failure is also emitted on ``'error'``).
        Calling it again while starting or listening returns the same task; after a
        failure or a ``stop()`` it starts again.

        Returns:
            A task done once listening.

        Raises:
            ServerStartError: (from the task) it cannot listen: the port is in use, the
                certificate cannot be loaded...
            RuntimeError: No asyncio loop is running.
        """
        loop = running_loop("server.start()")
        if self._starting is None or (self._starting.done() and not self.is_listening()):
            self._stopping = None
            self._state = ServerState.STARTING
            self._starting = loop.create_task(self._start())
            self._starting.add_done_callback(retrieve_exception)
        return self._starting

    def stop(self) -> Awaitable[None]:
        """Stop listening and close every Socket (code 1001); done when all are closed.

        Each Socket emits ``'close'``, then the Server emits ``'close'``. Idempotent. Done
        within ``close_timeout`` (peers that do not answer are dropped with 1006);
        cancelling an await of it does not stop the stopping.

        Returns:
            An awaitable done when every socket is closed and ``'close'`` was emitted.

        Raises:
            RuntimeError: No asyncio loop is running.
        """
        loop = running_loop("server.stop()")
        if self._stopping is None:
            if self._state in (ServerState.STARTING, ServerState.LISTENING):
                self._state = ServerState.STOPPING
            self._stopping = Shielded(loop.create_task(self._stop()))
        return self._stopping

    async def broadcast(self, data: object) -> int:
        """Send ``data`` to every open Socket.

        Each Socket converts ``data`` per its own ``sendType``. A Socket that cannot convert
        it gets the ``EncodeError`` on its ``'error'`` event and is skipped; one that closes
        before its copy was handed to the transport is not counted; neither stops the
        others. Done when every copy was handed over or failed; cancelling the wait does
        not unsend.

        Args:
            data: The value to send (see ``Client.send``).

        Returns:
            How many copies were handed to the transport.
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
            allowed = o["allowed_origins"]
            origins = None if allowed is None else [*map(Origin, allowed), None]
            compression, extensions = server_compression(o["compression"])
            admission = self._admission
            capped = bool(admission.total or admission.per_address)
            hooked = self._process_request is not None or capped
            self._ws_server = await serve(
                self._handle,
                host,
                port,
                ssl=context,
                origins=origins,
                max_size=o["max_message_size"],
                max_queue=parsed_queue_bounds(o["max_queue"]),
                subprotocols=subprotocols(o["subprotocols"]),
                select_subprotocol=(
                    None
                    if self._select_subprotocol is None
                    else SubprotocolHook(self._select_subprotocol, self)
                ),
                open_timeout=seconds(o["handshake_timeout"]),
                ping_interval=seconds(o["ping_interval"]),
                ping_timeout=seconds(o["ping_timeout"]),
                close_timeout=seconds(o["close_timeout"]),
                compression=compression,
                extensions=extensions,
                process_request=(
                    RequestHook(self._process_request, self, admission) if hooked else None
                ),
                process_response=ResponseHook(self, self._response_headers),
                # Flow control for peers that do not read (core._flow); lengths on the wire
                # counted if asked (core._wire_lengths); connections counted for the caps.
                create_connection=with_limits(
                    server_connection_class(o["wire_lengths"]),
                    limits_from(o, admission if capped else None),  # counted for the caps
                ),
                backlog=o["backlog"],  # passed on to loop.create_server
            )
        except (OSError, ValueError, ssl.SSLError) as exc:
            if self._state is ServerState.STARTING:
                self._state = ServerState.FAILED
            error = ServerStartError(host, port, exc)
            error.__cause__ = exc
            self.emit("error", error)
            raise error from exc
        self._port = self._ws_server.sockets[0].getsockname()[1]
        reporter = AcceptErrorReporter(host, self._port, self._accept_failed)
        self._unwatch_accept_errors = watch_accept_errors(
            asyncio.get_running_loop(), self._ws_server.sockets, reporter
        )
        if self._state is ServerState.STARTING:
            self._state = ServerState.LISTENING
        self._listening.set()
        self.emit("listening", self._port)

    async def _handle(self, ws: ServerConnection) -> None:
        assert self._listening is not None
        if not self._listening.is_set():
            await self._listening.wait()
        socket = Socket(ws, self._encode, self._decode, self.options)
        socket.forward_errors = self._forward_socket_error
        self._sockets.add(socket)
        try:
            started = len(self._handler_tasks)
            if self.emit("connection", socket) and len(self._handler_tasks) > started:
                # Let coroutine handlers run up to their first await, so that one which
                # starts pulling (``async for m in socket``) is in time for the first message.
                await asyncio.sleep(0)
            await socket._run()
            socket._release()
        finally:
            self._sockets.discard(socket)

    def _accept_failed(self, error: AcceptError) -> None:
        """A failed accept() (at most one a second of a kind): logged without a traceback
        (asyncio logs one for each), and emitted."""
        log.warning("Server %s", error)
        self.emit("error", error)

    def _socket_error(self, error: BaseException) -> None:
        """An error of a Socket that has no 'error' listener (the Socket set its ``.socket``):
        report it here."""
        self.emit("error", error)

    async def _stop(self) -> None:
        if self._starting is not None and not self._starting.done():
            await asyncio.wait([self._starting])
        server, self._ws_server = self._ws_server, None
        if server is None:
            self._stopped()
            return
        loop = asyncio.get_running_loop()
        close_timeout = seconds(self.options["close_timeout"])
        deadline = None if close_timeout is None else loop.time() + close_timeout
        # Stop accepting (handshakes under way get HTTP 503), then close each Socket through
        # its Channel so that messages it already accepted are sent before the close frame.
        # Each close gives up after close_timeout by itself.
        server.close(close_connections=False)
        if self._unwatch_accept_errors is not None:
            self._unwatch_accept_errors()
            self._unwatch_accept_errors = None
        closing = [socket.close(CloseCode.GOING_AWAY, "server stopping") for socket in self.sockets]
        if closing:
            await asyncio.gather(*closing, return_exceptions=True)
        # Handshakes still under way after the deadline end at their own handshake_timeout.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(deadline and max(deadline, loop.time() + 0.1)):
                await server.wait_closed()
        self._port = None
        self._stopped()
        self.emit("close")

    def _stopped(self) -> None:
        if self._state is ServerState.STOPPING:  # not if start() was called again meanwhile
            self._state = ServerState.STOPPED
