"""``WorkbenchService``: owns the core Servers and Clients, logs every event, re-emits as Qt signals.

Data flow: core events -> this service -> (a) the right ``LogStore`` (one per client, one per
server-side socket, one per server for its own lifecycle) and (b) Qt signals for the panels.
User actions come back as plain methods; the ones that wait on the network return an
``asyncio.Task`` that never raises: its result is True if the action achieved its aim
(listening, open, closed...) and False if not (the reason was already logged and reported),
so a widget can call them from a click handler and forget them, and a test can wait for
``task.done()``. Widgets never await.

One error path: every failure (bad options, refused connection, port in use, a message that
does not convert, an exception in a handler) is written to the relevant log as an ``error``
entry and emitted once on ``error_reported(context, message)`` in plain words; the status bar
shows it. Nothing is only printed.

Identifiers (plain strings, stable for the session):
    servers ``"server-1"``, ``"server-2"``...; clients ``"client-1"``...; a server's sockets
    ``"server-1/socket-1"``... A log id is the id of what it belongs to:
    ``service.log(id)`` gives the ``LogStore`` of a client, a socket or a server.

Signals (all arguments are ids, numbers or plain text):
    server_added(str server_id), server_removed(str server_id)
    server_changed(str server_id): name, options or auto-reply changed
    server_state_changed(str server_id, str state, str text): state is one of
        "stopped", "starting", "listening", "stopping", "failed"; text is for a status label
        ("listening on 127.0.0.1:54321", "could not listen on ...: address already in use")
    server_listening(str server_id, int port)
    server_stopped(str server_id)
    server_error(str server_id, str message)
    socket_connected(str server_id, str socket_id)
    socket_closed(str server_id, str socket_id, int code, str reason)
    socket_removed(str server_id, str socket_id): a closed socket and its log were forgotten
    client_added(str client_id), client_removed(str client_id)
    client_changed(str client_id): name or options changed
    client_state_changed(str client_id, str state, str text): state is one of
        "idle", "connecting", "open", "closing", "closed", "failed"; text e.g.
        "connecting (attempt 2 of 11)", "open", "closed: 4000 (bye)", "failed: could not ..."
    client_connecting(str client_id, int attempt, int attempts)
    client_opened(str client_id)
    client_closed(str client_id, int code, str reason)
    client_failed(str client_id, str why)
    error_reported(str context, str message): the one error path (see above)

Threading: everything runs on the qasync loop's thread (the GUI thread).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal

import core
from core import Client, Server, Socket
from core import mime as core_mime
from core.errors import (
    CLOSE_CODE_MEANINGS,
    ConnectError,
    DecodeError,
    ServerStartError,
    WebSocketError,
)

from ..engine.log_store import (
    CLOSE,
    CONNECTING,
    DEFAULT_CAPACITY,
    ERROR,
    HANDSHAKE,
    IN,
    INFO,
    OPEN,
    OUT,
    LogStore,
)
from ..engine.workspace import AUTO_REPLY_MODES, ClientConfig, ServerConfig, Workspace

__all__ = [
    "SHUTDOWN_TIMEOUT",
    "AutoReply",
    "ClientHandle",
    "ServerHandle",
    "SocketHandle",
    "WorkbenchService",
    "close_text",
    "describe_error",
]

log = logging.getLogger("workbench")

SHUTDOWN_TIMEOUT = 5.0


def describe_error(exc: BaseException) -> str:
    """An exception in words a student understands (core errors already are)."""
    if isinstance(exc, WebSocketError):
        return str(exc)
    if isinstance(exc, (ValueError, TypeError)) and str(exc):
        return str(exc)
    if isinstance(exc, asyncio.TimeoutError):
        return "it took too long and was abandoned"
    if isinstance(exc, OSError):
        return core.errors.explain(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def close_text(code: int, reason: str) -> str:
    """``"code 4000 (application code): bye"`` style description of a close."""
    meaning = CLOSE_CODE_MEANINGS.get(code)
    if meaning is None:
        meaning = "application code" if 3000 <= code <= 4999 else "unknown code"
    text = f"code {code} ({meaning})"
    return f"{text}: {reason}" if reason else text


def _headers_text(title: str, headers: Any) -> str:
    if headers is None:
        return ""
    try:
        lines = [f"{name}: {value}" for name, value in headers.raw_items()]
    except AttributeError:
        try:
            lines = [f"{name}: {value}" for name, value in dict(headers).items()]
        except (TypeError, ValueError):
            lines = [str(headers)]
    return title + "\n" + "\n".join(lines)


def _log_opening(store: LogStore, request_line: str, endpoint: Socket | Client, what: str) -> None:
    """Log an opened connection: its handshake (request and response headers) as one
    ``HANDSHAKE`` entry, then ``"open: <what>"`` with the subprotocol if one was agreed."""
    request = _headers_text(f"{request_line} (request headers)", endpoint.request_headers)
    response = _headers_text("HTTP 101 (response headers)", endpoint.response_headers)
    store.log_event(HANDSHAKE, "\n\n".join(part for part in (request, response) if part))
    proto = f", subprotocol {endpoint.subprotocol}" if endpoint.subprotocol else ""
    store.log_event(OPEN, f"open: {what}{proto}")


def _address_text(address: Iterable[Any]) -> str:
    parts = list(address)[:2]
    if not parts:
        return "?"
    host = str(parts[0])
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts[1]}" if len(parts) > 1 else host


class _Throttle:
    """At most one report per ``PERIOD`` seconds; counts what it held back."""

    PERIOD = 1.0
    __slots__ = ("_held", "_last")

    def __init__(self) -> None:
        self._last = -1e9
        self._held = 0

    def allow(self) -> int | None:
        """None to hold this one back, else how many were held back since the last."""
        now = time.monotonic()
        if now - self._last < self.PERIOD:
            self._held += 1
            return None
        self._last = now
        held, self._held = self._held, 0
        return held


class AutoReply:
    """A server's auto-reply: ``mode`` "off", "echo" (send back each message) or "fixed"
    (send ``value``, parsed from ``text`` per the server's send type, to each message)."""

    __slots__ = ("mode", "text", "value")

    def __init__(self, mode: str = "off", text: str = "", value: Any = None) -> None:
        self.mode = mode
        self.text = text
        self.value = value


class SocketHandle:
    """One server-side socket as the workbench sees it.

    Attributes: ``id``, ``server_id``, ``core`` (the core ``Socket``), ``remote_address``
    (text "127.0.0.1:54321"), ``connected_at`` (epoch seconds), ``closed_at`` (or None),
    ``close_code`` / ``close_reason`` (once closed), ``log`` (its ``LogStore``).
    Properties: ``is_open``, ``messages_in``, ``messages_out``, ``state_text``.
    """

    def __init__(self, socket_id: str, server_id: str, socket: Socket, log_store: LogStore) -> None:
        self.id = socket_id
        self.server_id = server_id
        self.core = socket
        self.remote_address = _address_text(socket.remote_address)
        self.connected_at = time.time()
        self.closed_at: float | None = None
        self.close_code: int | None = None
        self.close_reason = ""
        self.log = log_store
        #: The MIME types the server had when this socket connected (options may be edited
        #: later; they apply at the next start).
        self.send_type: str = core_mime.JSON
        self.receive_type: str = core_mime.JSON

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.core.is_open()

    @property
    def messages_in(self) -> int:
        return self.log.messages_in

    @property
    def messages_out(self) -> int:
        return self.log.messages_out

    @property
    def state_text(self) -> str:
        if self.closed_at is None:
            return "open"
        return f"closed, {close_text(self.close_code or 1005, self.close_reason)}"


class _ItemHandle:
    """What a server's and a client's handle share: ``id``, ``name``, ``options`` (the dict
    given by the form), ``state`` / ``status_text``, ``log``, and the MIME types the options
    give (``send_type``, ``receive_type``)."""

    def __init__(
        self,
        item_id: str,
        name: str,
        options: dict[str, Any],
        log_store: LogStore,
        state: str,
        status_text: str,
    ) -> None:
        self.id = item_id
        self.name = name
        self.options = options
        self.state = state
        self.status_text = status_text
        self.log = log_store

    @property
    def send_type(self) -> str:
        return _option(self.options, "send_type", "sendType", core_mime.JSON)

    @property
    def receive_type(self) -> str:
        return _option(self.options, "receive_type", "receiveType", core_mime.JSON)


class ServerHandle(_ItemHandle):
    """One server of the workspace.

    Attributes: ``id``, ``name``, ``options`` (the dict given by the form), ``core`` (the
    core ``Server``, rebuilt at each start), ``state`` / ``status_text`` (see
    ``server_state_changed``), ``port`` (bound port while listening), ``log`` (server
    lifecycle ``LogStore``), ``sockets`` (socket id -> ``SocketHandle``, closed ones kept
    so their logs stay readable), ``auto_reply`` (``AutoReply``).
    Properties: ``send_type``, ``receive_type``, ``open_sockets``.
    """

    def __init__(
        self, server_id: str, name: str, options: dict[str, Any], log_store: LogStore
    ) -> None:
        super().__init__(server_id, name, options, log_store, "stopped", "stopped")
        self.core: Server | None = None
        self.port: int | None = None
        self.sockets: dict[str, SocketHandle] = {}
        self.auto_reply = AutoReply()
        self._socket_numbers = itertools.count(1)

    @property
    def open_sockets(self) -> list[SocketHandle]:
        return [handle for handle in self.sockets.values() if handle.is_open]

    @property
    def host(self) -> str:
        return str(_option(self.options, "host_interface", "hostInterface", "localhost"))


class ClientHandle(_ItemHandle):
    """One client of the workspace.

    Attributes: ``id``, ``name``, ``options``, ``core`` (the core ``Client``, rebuilt at each
    open), ``state`` / ``status_text`` (see ``client_state_changed``), ``url``, ``log``.
    Properties: ``send_type``, ``receive_type``, ``is_open``.
    """

    def __init__(
        self, client_id: str, name: str, options: dict[str, Any], log_store: LogStore
    ) -> None:
        super().__init__(client_id, name, options, log_store, "idle", "not connected")
        self.core: Client | None = None
        self.url = ""

    @property
    def is_open(self) -> bool:
        return self.core is not None and self.core.is_open()


def _refusal(make: Callable[[dict[str, Any]], Any], options: Mapping[str, Any]) -> str | None:
    """None if ``make`` (a core Server or Client) accepts ``options``, else why not."""
    try:
        make(dict(options))
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


def _option(options: Mapping[str, Any], snake: str, camel: str, default: Any) -> Any:
    if snake in options:
        return options[snake]
    return options.get(camel, default)


class WorkbenchService(QObject):
    """The workbench's engine: see the module docstring for signals, ids and the error path.

    ``WorkbenchService(parent=None, log_capacity=DEFAULT_CAPACITY)``. Create it after the
    qasync loop is installed (actions need the running loop).
    """

    server_added = Signal(str)
    server_removed = Signal(str)
    server_changed = Signal(str)
    server_state_changed = Signal(str, str, str)
    server_listening = Signal(str, int)
    server_stopped = Signal(str)
    server_error = Signal(str, str)
    socket_connected = Signal(str, str)
    socket_closed = Signal(str, str, int, str)
    socket_removed = Signal(str, str)
    client_added = Signal(str)
    client_removed = Signal(str)
    client_changed = Signal(str)
    client_state_changed = Signal(str, str, str)
    client_connecting = Signal(str, int, int)
    client_opened = Signal(str)
    client_closed = Signal(str, int, str)
    client_failed = Signal(str, str)
    error_reported = Signal(str, str)

    def __init__(self, parent: QObject | None = None, log_capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        self.log_capacity = log_capacity
        self._servers: dict[str, ServerHandle] = {}
        self._clients: dict[str, ClientHandle] = {}
        self._sockets: dict[str, SocketHandle] = {}
        self._server_numbers = itertools.count(1)
        self._client_numbers = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._shutting_down = False
        #: Every (context, message) reported, newest last (bounded), for tests and a log pane.
        self.errors: list[tuple[str, str]] = []

    # -- lookups ---------------------------------------------------------------------------

    @property
    def servers(self) -> dict[str, ServerHandle]:
        """server id -> ``ServerHandle``, in creation order (do not modify)."""
        return self._servers

    @property
    def clients(self) -> dict[str, ClientHandle]:
        """client id -> ``ClientHandle``, in creation order (do not modify)."""
        return self._clients

    def server(self, server_id: str) -> ServerHandle:
        """``KeyError`` if there is no such server."""
        return self._servers[server_id]

    def client(self, client_id: str) -> ClientHandle:
        return self._clients[client_id]

    def socket(self, socket_id: str) -> SocketHandle:
        return self._sockets[socket_id]

    def sockets_of(self, server_id: str) -> list[SocketHandle]:
        """Every socket the server accepted since it was added (closed ones too), oldest first."""
        return list(self._servers[server_id].sockets.values())

    def log(self, log_id: str) -> LogStore:
        """The ``LogStore`` of a client, a server-side socket or a server (by its id)."""
        if log_id in self._clients:
            return self._clients[log_id].log
        if log_id in self._sockets:
            return self._sockets[log_id].log
        if log_id in self._servers:
            return self._servers[log_id].log
        raise KeyError(f"no log called {log_id!r}")

    def send_type(self, target_id: str) -> str:
        """The MIME type ``send(target_id, ...)`` converts to (for the composer)."""
        if target_id in self._clients:
            handle = self._clients[target_id]
            if handle.core is not None and handle.core.state in ("connecting", "open"):
                return handle.core.options["send_type"]
            return handle.send_type
        if target_id in self._sockets:
            return self._sockets[target_id].send_type
        server = self._servers[target_id]
        if server.core is not None and server.state == "listening":
            return server.core.options["send_type"]
        return server.send_type

    # -- option validation (for forms) -----------------------------------------------------

    @staticmethod
    def validate_server_options(options: Mapping[str, Any]) -> str | None:
        """None if core accepts ``options`` for a Server, else the reason in plain words."""
        return _refusal(Server, options)

    @staticmethod
    def validate_client_options(options: Mapping[str, Any]) -> str | None:
        """None if core accepts ``options`` for a Client, else the reason in plain words."""
        return _refusal(Client, options)

    def _accepts(
        self,
        validate: Callable[[Mapping[str, Any]], str | None],
        options: Mapping[str, Any],
        context: str,
    ) -> bool:
        """Whether ``validate`` accepts ``options``; if not, the reason is reported under ``context``."""
        why = validate(options)
        if why is not None:
            self.report(context, why)
            return False
        return True

    # -- servers ---------------------------------------------------------------------------

    def add_server(self, options: Mapping[str, Any], name: str | None = None) -> str | None:
        """Add a (stopped) server; returns its id, or None if the options are refused
        (reported on ``error_reported``; use ``validate_server_options`` to check first)."""
        if not self._accepts(self.validate_server_options, options, name or "New server"):
            return None
        server_id = f"server-{next(self._server_numbers)}"
        name = name or server_id
        handle = ServerHandle(server_id, name, dict(options), LogStore(self.log_capacity, name))
        self._servers[server_id] = handle
        self.server_added.emit(server_id)
        return server_id

    def update_server(
        self, server_id: str, options: Mapping[str, Any], name: str | None = None
    ) -> bool:
        """Replace a server's options (applied at its next start); False if refused."""
        handle = self._servers[server_id]
        if not self._accepts(self.validate_server_options, options, handle.name):
            return False
        handle.options = dict(options)
        if name:
            handle.name = name
            handle.log.name = name
        self.server_changed.emit(server_id)
        return True

    def rename_server(self, server_id: str, name: str) -> None:
        handle = self._servers[server_id]
        handle.name = handle.log.name = name
        self.server_changed.emit(server_id)

    def remove_server(self, server_id: str) -> asyncio.Task[bool]:
        """Stop the server (closing its sockets) and forget it and its logs."""

        async def remove() -> None:
            await self._stop_server(server_id)
            self._forget_server(server_id)

        return self._spawn(remove(), self._name_of(server_id))

    def _forget_server(self, server_id: str) -> None:
        """Drop the server, its sockets and their logs; ``server_removed`` if it was there."""
        handle = self._servers.pop(server_id, None)
        if handle is not None:
            for socket_id in handle.sockets:
                self._sockets.pop(socket_id, None)
            self.server_removed.emit(server_id)

    def forget_closed_sockets(self, server_id: str) -> int:
        """Drop the server's closed sockets and their logs (a "clear closed" action); emits
        ``socket_removed`` for each. Returns how many were dropped."""
        handle = self._servers[server_id]
        closed = [socket_id for socket_id, entry in handle.sockets.items() if not entry.is_open]
        for socket_id in closed:
            del handle.sockets[socket_id]
            self._sockets.pop(socket_id, None)
            self.socket_removed.emit(server_id, socket_id)
        return len(closed)

    def start_server(self, server_id: str) -> asyncio.Task[bool]:
        """Start listening with the server's current options; the task's result says whether
        it is listening. A failure (port in use, bad certificate) is logged and reported."""
        return self._spawn(self._start_server(server_id), self._name_of(server_id))

    def stop_server(self, server_id: str) -> asyncio.Task[bool]:
        """Stop listening and close every socket (code 1001). Idempotent."""
        return self._spawn(self._stop_server(server_id), self._name_of(server_id))

    def set_auto_reply(self, server_id: str, mode: str, text: str = "") -> bool:
        """Set the server's auto-reply: "off", "echo", or "fixed" with ``text`` (JSON text for
        application/json, text for text/* and */* (a text frame), UTF-8 bytes for
        octet-stream). False (and reported)
        if ``text`` does not fit the server's send type."""
        handle = self._servers[server_id]
        if mode not in AUTO_REPLY_MODES:
            self.report(
                handle.name, f"auto-reply mode must be one of {', '.join(AUTO_REPLY_MODES)}"
            )
            return False
        value: Any = None
        if mode == "fixed":
            try:
                value = self._value_from_text(self.send_type(server_id), text)
            except ValueError as exc:
                self.report(handle.name, f"the fixed reply is not usable: {exc}")
                return False
        handle.auto_reply = AutoReply(mode, text, value)
        what = {"off": "off", "echo": "echo every message", "fixed": f"reply {text!r}"}[mode]
        handle.log.log_event(INFO, f"auto-reply: {what}")
        self.server_changed.emit(server_id)
        return True

    @staticmethod
    def _value_from_text(mime: str, text: str) -> Any:
        if mime == core_mime.JSON:
            try:
                return json.loads(text)
            except ValueError as exc:
                raise ValueError(f"not valid JSON ({exc})") from exc
        if mime.startswith("text/") or mime == "*/*":
            return text  # */* sends a str as a text frame
        if mime == core_mime.OCTET_STREAM:
            return text.encode("utf-8")
        raise ValueError(f"a fixed reply cannot be typed as text for {mime}; use echo")

    async def _start_server(self, server_id: str) -> bool:
        handle = self._servers[server_id]
        if handle.core is not None and handle.state in ("starting", "listening"):
            await handle.core.start()
            return handle.core.is_listening()
        server = Server(dict(handle.options))
        handle.core = server
        server.on("listening", lambda port: self._on_listening(handle, server, port))
        server.on("connection", lambda socket: self._on_connection(handle, server, socket))
        server.on("error", lambda exc: self._on_server_error(handle, server, exc))
        server.on("close", lambda: self._on_server_close(handle, server))
        where = f"{handle.host}:{_option(handle.options, 'port', 'port', 80)}"
        self._set_server_state(handle, "starting", f"starting on {where}")
        handle.log.log_event(INFO, f"starting on {where}")
        try:
            await server.start()
        except ServerStartError:
            return False  # already logged and reported by the 'error' handler
        return handle.core is server and server.is_listening()

    async def _stop_server(self, server_id: str) -> None:
        handle = self._servers.get(server_id)
        if handle is None or handle.core is None:
            return
        server = handle.core
        if handle.state in ("starting", "listening"):
            self._set_server_state(handle, "stopping", "stopping")
        await asyncio.wait_for(server.stop(), SHUTDOWN_TIMEOUT)
        if handle.state != "stopped" and handle.core is server:
            self._set_server_state(handle, "stopped", "stopped")

    def _on_listening(self, handle: ServerHandle, server: Server, port: int) -> None:
        if handle.core is not server:
            return
        handle.port = port
        text = f"listening on {handle.host}:{port}"
        handle.log.log_event(INFO, text)
        self._set_server_state(handle, "listening", text)
        self.server_listening.emit(handle.id, port)

    def _on_server_error(self, handle: ServerHandle, server: Server, exc: BaseException) -> None:
        message = describe_error(exc)
        handle.log.log_event(ERROR, message)
        if isinstance(exc, ServerStartError) and handle.core is server:
            handle.port = None
            self._set_server_state(handle, "failed", message)
        self.server_error.emit(handle.id, message)
        self.report(handle.name, message)

    def _on_server_close(self, handle: ServerHandle, server: Server) -> None:
        if handle.core is not server:
            return
        handle.port = None
        handle.log.log_event(INFO, "stopped")
        self._set_server_state(handle, "stopped", "stopped")
        self.server_stopped.emit(handle.id)

    def _set_server_state(self, handle: ServerHandle, state: str, text: str) -> None:
        handle.state = state
        handle.status_text = text
        self.server_state_changed.emit(handle.id, state, text)

    def _on_connection(self, handle: ServerHandle, server: Server, socket: Socket) -> None:
        socket_id = f"{handle.id}/socket-{next(handle._socket_numbers)}"
        store = LogStore(self.log_capacity, "")
        entry = SocketHandle(socket_id, handle.id, socket, store)
        entry.send_type = server.options["send_type"]
        entry.receive_type = server.options["receive_type"]
        store.name = f"{handle.name} ← {entry.remote_address}"
        handle.sockets[socket_id] = entry
        self._sockets[socket_id] = entry
        _log_opening(store, f"GET {socket.path}", socket, f"connection from {entry.remote_address}")
        handle.log.log_event(INFO, f"connection from {entry.remote_address} ({socket_id})")

        receive_type = entry.receive_type
        add_message = store.add_message
        auto = handle  # auto-reply settings are read per message (they can change)
        on_frame, received_frame = _frame_logger(store, entry.send_type)

        def on_message(value: Any) -> None:
            add_message(IN, receive_type, received_frame())
            mode = auto.auto_reply.mode
            if mode != "off":
                reply = value if mode == "echo" else auto.auto_reply.value
                self._send_on_socket(entry, handle, reply, "auto-reply")

        def on_close(code: int, reason: str) -> None:
            entry.closed_at = time.time()
            entry.close_code, entry.close_reason = code, reason
            store.log_event(CLOSE, f"closed with {close_text(code, reason)}")
            handle.log.log_event(
                INFO, f"{entry.remote_address} closed with {close_text(code, reason)}"
            )
            self.socket_closed.emit(handle.id, socket_id, code, reason)

        throttle = _Throttle()

        def on_error(exc: BaseException) -> None:
            message = describe_error(exc)
            store.log_event(ERROR, message)
            self._report_throttled(
                throttle, exc, f"{handle.name} ← {entry.remote_address}", message
            )

        socket.on("wire_message", on_frame)
        socket.on("message", on_message)
        socket.on("close", on_close)
        socket.on("error", on_error)
        self.socket_connected.emit(handle.id, socket_id)

    # -- clients ---------------------------------------------------------------------------

    def add_client(self, options: Mapping[str, Any], name: str | None = None) -> str | None:
        """Add a (closed) client; returns its id, or None if the options are refused."""
        if not self._accepts(self.validate_client_options, options, name or "New client"):
            return None
        client_id = f"client-{next(self._client_numbers)}"
        handle = ClientHandle(
            client_id, name or client_id, dict(options), LogStore(self.log_capacity, "")
        )
        handle.url = Client(dict(options)).url
        handle.log.name = f"{handle.name} → {handle.url}"
        if not name:
            handle.name = client_id
        self._clients[client_id] = handle
        self.client_added.emit(client_id)
        return client_id

    def update_client(
        self, client_id: str, options: Mapping[str, Any], name: str | None = None
    ) -> bool:
        """Replace a client's options (applied at its next open); False if refused."""
        handle = self._clients[client_id]
        if not self._accepts(self.validate_client_options, options, handle.name):
            return False
        handle.options = dict(options)
        handle.url = Client(dict(options)).url
        if name:
            handle.name = name
        handle.log.name = f"{handle.name} → {handle.url}"
        self.client_changed.emit(client_id)
        return True

    def rename_client(self, client_id: str, name: str) -> None:
        handle = self._clients[client_id]
        handle.name = name
        handle.log.name = f"{name} → {handle.url}"
        self.client_changed.emit(client_id)

    def remove_client(self, client_id: str) -> asyncio.Task[bool]:
        """Close the client and forget it and its log."""

        async def remove() -> None:
            await self._close_client(client_id, 1000, "")
            if self._clients.pop(client_id, None) is not None:
                self.client_removed.emit(client_id)

        return self._spawn(remove(), self._name_of(client_id))

    def open_client(self, client_id: str) -> asyncio.Task[bool]:
        """Connect with the client's current options (retries per its options); the task's
        result says whether it opened. Progress arrives on ``client_state_changed``."""
        return self._spawn(self._open_client(client_id), self._name_of(client_id))

    def close_client(
        self, client_id: str, code: int = 1000, reason: str = ""
    ) -> asyncio.Task[bool]:
        """Close the client (or stop its connection attempts). Idempotent."""
        return self._spawn(self._close_client(client_id, code, reason), self._name_of(client_id))

    async def _open_client(self, client_id: str) -> bool:
        handle = self._clients[client_id]
        if handle.core is not None and handle.core.state in ("connecting", "open"):
            try:
                await handle.core.open()
            except (ConnectError, core.NotOpenError):
                return False
            return True
        if handle.core is not None and handle.core.state == "closing":
            await handle.core.close()
        client = Client(dict(handle.options))
        handle.core = client
        handle.url = client.url
        store = handle.log
        receive_type = client.options["receive_type"]
        add_message = store.add_message
        on_frame, received_frame = _frame_logger(store, client.options["send_type"])

        def current() -> bool:
            return handle.core is client

        def on_connecting(attempt: int, attempts: int) -> None:
            store.log_event(CONNECTING, f"attempt {attempt} of {attempts} to {client.url}")
            if current():
                self._set_client_state(
                    handle, "connecting", f"connecting (attempt {attempt} of {attempts})"
                )
                self.client_connecting.emit(client_id, attempt, attempts)

        def on_open() -> None:
            _log_opening(store, f"GET {client.url}", client, f"connected to {client.url}")
            if current():
                self._set_client_state(handle, "open", "open")
                self.client_opened.emit(client_id)

        def on_message(value: Any) -> None:
            add_message(IN, receive_type, received_frame())

        def on_close(code: int, reason: str) -> None:
            text = close_text(code, reason)
            store.log_event(CLOSE, f"closed with {text}")
            if current():
                self._set_client_state(handle, "closed", f"closed: {text}")
                self.client_closed.emit(client_id, code, reason)

        throttle = _Throttle()

        def on_error(exc: BaseException) -> None:
            message = describe_error(exc)
            store.log_event(ERROR, message)
            if isinstance(exc, ConnectError) and current():
                self._set_client_state(handle, "failed", f"failed: {message}")
                self.client_failed.emit(client_id, message)
            self._report_throttled(throttle, exc, handle.name, message)

        client.on("connecting", on_connecting)
        client.on("open", on_open)
        client.on("wire_message", on_frame)
        client.on("message", on_message)
        client.on("close", on_close)
        client.on("error", on_error)
        try:
            await client.open()
        except ConnectError:
            return False  # logged and reported by on_error
        except core.NotOpenError:
            return False  # closed while connecting: close_client said so
        return True

    async def _close_client(self, client_id: str, code: int, reason: str) -> None:
        handle = self._clients.get(client_id)
        if handle is None or handle.core is None:
            return
        client = handle.core
        was = client.state
        if was == "open":
            self._set_client_state(handle, "closing", "closing")
        await asyncio.wait_for(client.close(code, reason), SHUTDOWN_TIMEOUT)
        if was == "connecting" and handle.core is client:
            handle.log.log_event(INFO, "connection attempts stopped")
            self._set_client_state(handle, "closed", "closed before it opened")

    def _set_client_state(self, handle: ClientHandle, state: str, text: str) -> None:
        handle.state = state
        handle.status_text = text
        self.client_state_changed.emit(handle.id, state, text)

    # -- sending ---------------------------------------------------------------------------

    def send(self, target_id: str, value: Any) -> bool:
        """Send ``value`` (converted per the target's send type) to a client's server or to
        a server-side socket, and log it. False (reported, nothing sent) if it does not
        convert or the target is not open. A client that is still connecting queues it."""
        try:
            if target_id in self._clients:
                return self._send_on_client(self._clients[target_id], value)
            if target_id in self._sockets:
                entry = self._sockets[target_id]
                return self._send_on_socket(entry, self._servers[entry.server_id], value, None)
            if target_id in self._servers:
                return self.broadcast(target_id, value) > 0
            raise KeyError(target_id)
        except KeyError:
            self.report("send", f"there is no client or socket called {target_id!r}")
            return False

    def send_to_client(self, client_id: str, value: Any) -> bool:
        """``send`` for a client id."""
        return self.send(client_id, value)

    def send_to_socket(self, socket_id: str, value: Any) -> bool:
        """``send`` for a server-side socket id."""
        return self.send(socket_id, value)

    def broadcast(self, server_id: str, value: Any) -> int:
        """Send ``value`` to every open socket of the server; returns how many got it.

        Each socket's log gets the message. 0 (and reported) if none is open."""
        handle = self._servers[server_id]
        targets = handle.open_sockets
        if not targets:
            self.report(handle.name, "no socket is connected to this server, so nothing was sent")
            return 0
        sent = 0
        for entry in targets:
            if self._send_on_socket(entry, handle, value, None):
                sent += 1
        handle.log.log_event(INFO, f"broadcast to {sent} of {len(targets)} sockets")
        return sent

    def _send_on_client(self, handle: ClientHandle, value: Any) -> bool:
        client = handle.core
        if client is None or client.state not in ("connecting", "open"):
            self.report(handle.name, "the client is not connected; open it first")
            return False
        try:
            client.send(value)  # logged by the client's 'frame' handler once handed over
        except (WebSocketError, TypeError, ValueError) as exc:
            message = describe_error(exc)
            handle.log.log_event(ERROR, f"not sent: {message}")
            self.report(handle.name, message)
            return False
        return True

    def _send_on_socket(
        self, entry: SocketHandle, handle: ServerHandle, value: Any, why: str | None
    ) -> bool:
        try:
            entry.core.send(value)  # logged by the socket's 'frame' handler once handed over
        except (WebSocketError, TypeError, ValueError) as exc:
            message = describe_error(exc)
            entry.log.log_event(ERROR, f"{why + ' ' if why else ''}not sent: {message}")
            self.report(f"{handle.name} → {entry.remote_address}", message)
            return False
        return True

    def close_socket(
        self, socket_id: str, code: int = 1000, reason: str = ""
    ) -> asyncio.Task[bool]:
        """Close a server-side socket with ``code`` (1000, or 3000-4999) and ``reason``."""
        entry = self._sockets.get(socket_id)
        context = (
            f"{self._name_of(entry.server_id)} → {entry.remote_address}" if entry else socket_id
        )

        async def close() -> None:
            if entry is None:
                raise KeyError(f"there is no socket called {socket_id!r}")
            await asyncio.wait_for(entry.core.close(code, reason), SHUTDOWN_TIMEOUT)

        return self._spawn(close(), context)

    # -- workspace -------------------------------------------------------------------------

    def to_workspace(self, base: Workspace | None = None) -> Workspace:
        """A ``Workspace`` with the current servers and clients, and ``base``'s messages and
        window state (``base`` is not modified)."""
        base = base or Workspace()
        return Workspace(
            servers=[
                ServerConfig(h.name, dict(h.options), h.auto_reply.mode, h.auto_reply.text)
                for h in self._servers.values()
            ],
            clients=[ClientConfig(h.name, dict(h.options)) for h in self._clients.values()],
            saved_messages=list(base.saved_messages),
            recent_messages=list(base.recent_messages),
            window=dict(base.window),
        )

    def load_workspace(self, workspace: Workspace, replace: bool = True) -> asyncio.Task[bool]:
        """Add the workspace's servers and clients (stopped/closed); with ``replace``, first
        remove every existing one. Configs core refuses are skipped and reported."""

        async def load() -> None:
            if replace:
                await self._remove_all()
            for config in workspace.servers:
                server_id = self.add_server(config.options, config.name)
                if server_id is not None and config.auto_reply != "off":
                    self.set_auto_reply(server_id, config.auto_reply, config.auto_reply_text)
            for client in workspace.clients:
                self.add_client(client.options, client.name)

        return self._spawn(load(), "workspace")

    async def _remove_all(self) -> None:
        await self._close_everything()
        for client_id in list(self._clients):
            del self._clients[client_id]
            self.client_removed.emit(client_id)
        for server_id in list(self._servers):
            self._forget_server(server_id)

    # -- shutdown --------------------------------------------------------------------------

    async def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> bool:
        """Close every client and stop every server, within ``timeout`` seconds overall.

        For ``closeEvent``: await it (e.g. via ``asyncio.ensure_future`` and a done callback
        that closes the window). Returns True if everything closed in time. Safe to call
        twice; after it, actions still work (nothing is locked)."""
        self._shutting_down = True
        try:
            await asyncio.wait_for(self._close_everything(), timeout)
        except TimeoutError:
            self.report("shutdown", f"some connections did not close within {timeout:g} s")
            return False
        finally:
            self._shutting_down = False
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        return True

    async def _close_everything(self) -> None:
        closing: list[Awaitable[Any]] = []
        for handle in self._clients.values():
            if handle.core is not None and handle.core.state in ("connecting", "open", "closing"):
                closing.append(
                    self._guarded(
                        self._close_client(handle.id, 1001, "workbench closing"), handle.name
                    )
                )
        for handle in self._servers.values():
            if handle.core is not None and handle.state != "stopped":
                closing.append(self._guarded(self._stop_server(handle.id), handle.name))
        if closing:
            await asyncio.gather(*closing)

    # -- the one error path ----------------------------------------------------------------

    def report(self, context: str, error: BaseException | str) -> None:
        """Send an error to the one error path: ``error_reported`` (status bar) and the
        ``workbench`` logger. ``error`` may be an exception (described in plain words)."""
        message = error if isinstance(error, str) else describe_error(error)
        if isinstance(error, BaseException) and not isinstance(
            error, (WebSocketError, ValueError, TypeError)
        ):
            log.error("%s: %s", context, message, exc_info=error)
        else:
            log.info("%s: %s", context, message)
        self.errors.append((context, message))
        del self.errors[:-200]
        self.error_reported.emit(context, message)

    def _report_throttled(
        self, throttle: _Throttle, exc: BaseException, context: str, message: str
    ) -> None:
        """``report``, except that a socket flooding undecodable messages reaches the status
        bar at most once per ``_Throttle.PERIOD`` (each one is still in its log)."""
        if not isinstance(exc, DecodeError):
            self.report(context, message)
            return
        suppressed = throttle.allow()
        if suppressed is None:
            return
        if suppressed:
            message += f" (and {suppressed} more like it; see the log)"
        self.report(context, message)

    def _spawn(self, coroutine: Awaitable[Any], context: str) -> asyncio.Task[bool]:
        task = asyncio.ensure_future(self._guarded(coroutine, context))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guarded(self, coroutine: Awaitable[Any], context: str) -> bool:
        """Await an action; its failure goes to ``report``. The result: False if it raised
        or returned False (a failure it already reported), else True."""
        try:
            result = await coroutine
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the one error path: every action failure ends here
            self.report(context, exc)
            return False
        return result is not False

    def _name_of(self, some_id: str) -> str:
        if some_id in self._servers:
            return self._servers[some_id].name
        if some_id in self._clients:
            return self._clients[some_id].name
        return some_id


def _frame_logger(
    store: LogStore, send_type: str
) -> tuple[Callable[[str, Any], None], Callable[[], Any]]:
    """Handlers that log exact frames from core's ``'frame'`` event.

    Returns ``(on_frame, received_frame)``: ``on_frame`` logs each frame handed to the
    transport and remembers each one received; ``received_frame()`` gives the frame the
    current ``'message'`` came in (core emits ``'frame'`` just before ``'message'``).
    """
    last_received: list[Any] = [None]
    add_message = store.add_message

    def on_frame(direction: str, payload: Any) -> None:
        if direction == "in":
            last_received[0] = payload
        else:
            add_message(OUT, send_type, payload)

    def received_frame() -> Any:
        payload, last_received[0] = last_received[0], None
        return payload

    return on_frame, received_frame
