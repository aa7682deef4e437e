"""Server control: add, edit, start, stop, auto-reply; each accepted socket, its log and the
messages sent to it.

Every failure goes to the one error path (``ErrorPath.report``); the coroutines may raise
(``Workbench`` guards them). Events go out through ``emit`` (listed in
``workbench.engine.workbench``).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from typing import Any

from core import HandshakeRefusal, Server, ServerStartError, Socket, WebSocketError
from workbench.engine.compose.drafts import text_value
from workbench.engine.log.budget import SOCKET_COST, LogBudget
from workbench.engine.log.from_core import log_opening, wire_logger
from workbench.engine.log.store import CLOSE, ERROR, HANDSHAKE, INFO, LogStore
from workbench.engine.protocol.handshake_record import from_refusal, from_socket
from workbench.engine.workspace.secrets import SECRET_OPTIONS
from workbench.engine.workspace.workspace import AUTO_REPLY_MODES

from .auto_reply import ReplyWriter
from .error_path import ErrorPath
from .handles import AutoReply, ServerHandle, SocketHandle
from .in_words import close_text, describe_error
from .options import WORKBENCH_OPTIONS, server_refusal
from .request_hooks import first_answer

__all__ = ["SHUTDOWN_TIMEOUT", "ServerController"]

#: Seconds a stop or a close may take before it is abandoned (and reported).
SHUTDOWN_TIMEOUT = 5.0


class ServerController:
    """The workspace's servers (``servers``) and their sockets (``sockets``), by id."""

    def __init__(
        self,
        emit: Callable[..., object],
        errors: ErrorPath,
        log_capacity: int,
        budget: LogBudget | None = None,
    ) -> None:
        self._emit = emit
        self._errors = errors
        self._log_capacity = log_capacity
        self._budget = budget if budget is not None else LogBudget()
        self._budget.evictors.append(self.forget_closed_logs)
        self.servers: dict[str, ServerHandle] = {}
        self.sockets: dict[str, SocketHandle] = {}
        #: Ids of closed sockets in the order they closed (some may be forgotten already).
        self._closed_order: deque[str] = deque()
        self._numbers: Iterator[int] = itertools.count(1)

    # -- the list of servers ---------------------------------------------------------------

    def add(self, options: Mapping[str, Any], name: str | None = None) -> str | None:
        """Add a stopped server; its id, or None if core refuses the options (reported)."""
        why = server_refusal(options)
        if why is not None:
            self._errors.report(name or "New server", why)
            return None
        server_id = f"server-{next(self._numbers)}"
        name = name or server_id
        store = self._budget.track(LogStore(self._log_capacity, name))
        handle = ServerHandle(server_id, name, dict(options), store)
        self.servers[server_id] = handle
        self._emit("server_added", server_id)
        return server_id

    def update(self, server_id: str, options: Mapping[str, Any], name: str | None = None) -> bool:
        """Replace a server's options (applied at its next start); False if refused."""
        handle = self.servers[server_id]
        why = server_refusal(options)
        if why is not None:
            self._errors.report(handle.name, why)
            return False
        handle.options = dict(options)
        if handle.secret_missing and any(options.get(k) for k in SECRET_OPTIONS):
            handle.secret_missing = False
        if name:
            handle.name = handle.log.name = name
        self._emit("server_changed", server_id)
        return True

    def rename(self, server_id: str, name: str) -> None:
        handle = self.servers[server_id]
        handle.name = handle.log.name = name
        self._emit("server_changed", server_id)

    async def remove(self, server_id: str) -> None:
        """Stop the server (closing its sockets), then forget it and its logs."""
        await self.stop(server_id)
        self.forget(server_id)

    def forget(self, server_id: str) -> None:
        """Drop the server, its sockets and their logs; ``server_removed`` if it was there."""
        handle = self.servers.pop(server_id, None)
        if handle is not None:
            for socket_id, entry in handle.sockets.items():
                self.sockets.pop(socket_id, None)
                self._budget.release(entry.log, SOCKET_COST)
            self._budget.release(handle.log)
            self._prune_closed_order()
            self._emit("server_removed", server_id)

    def forget_closed_sockets(self, server_id: str) -> int:
        """Drop the server's closed sockets and their logs; ``socket_removed`` for each."""
        handle = self.servers[server_id]
        closed = [entry for entry in handle.sockets.values() if not entry.is_open]
        for entry in closed:
            self._drop_socket(entry)
            self._budget.release(entry.log, SOCKET_COST)
        self._prune_closed_order()
        return len(closed)

    def _prune_closed_order(self) -> None:
        self._closed_order = deque(i for i in self._closed_order if i in self.sockets)

    def forget_closed_logs(self, target: int) -> None:
        """The log budget's evictor: forget closed sockets, oldest closed first, until the
        budget counts at most ``target`` bytes (or none is left)."""
        budget, order = self._budget, self._closed_order
        while budget.used > target and order:
            entry = self.sockets.get(order.popleft())
            if entry is not None:
                self._drop_socket(entry)
                budget.forgotten(entry.log, SOCKET_COST)

    def _drop_socket(self, entry: SocketHandle) -> None:
        """Forget a socket's handle and log (``socket_removed``); the budget is the caller's."""
        self.sockets.pop(entry.id, None)
        handle = self.servers.get(entry.server_id)
        if handle is not None:
            handle.sockets.pop(entry.id, None)
        self._emit("socket_removed", entry.server_id, entry.id)

    def send_type(self, server_id: str) -> str:
        """The type a broadcast converts to: the running server's, else the options'."""
        handle = self.servers[server_id]
        if handle.core is not None and handle.state == "listening":
            return str(handle.core.options["send_type"])
        return handle.send_type

    def set_auto_reply(self, server_id: str, mode: str, text: str = "") -> bool:
        """ "off", "echo", or "fixed" with ``text`` (JSON text for application/json, text for
        text/* and */* (a text frame), UTF-8 bytes for octet-stream). False (and reported)
        if ``text`` does not fit the server's send type."""
        handle = self.servers[server_id]
        if mode not in AUTO_REPLY_MODES:
            self._errors.report(
                handle.name, f"auto-reply mode must be one of {', '.join(AUTO_REPLY_MODES)}"
            )
            return False
        value: Any = None
        if mode == "fixed":
            try:
                value = text_value(self.send_type(server_id), text)
            except ValueError as exc:
                self._errors.report(handle.name, f"the fixed reply is not usable: {exc}")
                return False
        handle.auto_reply = AutoReply(mode, text, value)
        what = {"off": "off", "echo": "echo every message", "fixed": f"reply {text!r}"}[mode]
        handle.log.log_event(INFO, f"auto-reply: {what}")
        self._emit("server_changed", server_id)
        return True

    # -- start and stop --------------------------------------------------------------------

    async def start(self, server_id: str) -> bool:
        """Listen with the current options; whether it is listening (failures reported)."""
        handle = self.servers[server_id]
        if handle.core is not None and handle.state in ("starting", "listening"):
            await handle.core.start()
            return handle.core.is_listening()
        # The fault lab's refusals first, then the classroom's page (either may be idle).
        hooks = (handle.refusal_fault, handle.process_request)
        server = Server(
            {**handle.options, **WORKBENCH_OPTIONS}, process_request=first_answer(*hooks)
        )
        handle.core = server
        server.on("listening", lambda port: self._on_listening(handle, server, port))
        server.on("connection", lambda socket: self._on_connection(handle, server, socket))
        server.on("refused", lambda refusal: self._on_refused(handle, refusal))
        server.on("error", lambda exc: self._on_error(handle, server, exc))
        server.on("close", lambda: self._on_close(handle, server))
        where = f"{handle.host}:{handle.options.get('port', 80)}"
        self._set_state(handle, "starting", f"starting on {where}")
        handle.log.log_event(INFO, f"starting on {where}")
        try:
            await server.start()
        except ServerStartError:
            return False  # already logged and reported by the 'error' handler
        return handle.core is server and server.is_listening()

    async def stop(self, server_id: str) -> None:
        """Stop listening and close every socket (code 1001). Idempotent."""
        handle = self.servers.get(server_id)
        if handle is None or handle.core is None:
            return
        server = handle.core
        if handle.state in ("starting", "listening"):
            self._set_state(handle, "stopping", "stopping")
        now = time.time()
        for entry in handle.open_sockets:
            entry.close_requests.append(now)
        await asyncio.wait_for(server.stop(), SHUTDOWN_TIMEOUT)
        if handle.state != "stopped" and handle.core is server:
            self._set_state(handle, "stopped", "stopped")

    def running(self) -> list[ServerHandle]:
        """The servers that are not stopped (for shutdown)."""
        return [h for h in self.servers.values() if h.core is not None and h.state != "stopped"]

    def _set_state(self, handle: ServerHandle, state: str, text: str) -> None:
        handle.state = state
        handle.status_text = text
        self._emit("server_state_changed", handle.id, state, text)

    def _on_listening(self, handle: ServerHandle, server: Server, port: int) -> None:
        if handle.core is not server:
            return
        handle.port = port
        text = f"listening on {handle.host}:{port}"
        handle.log.log_event(INFO, text)
        self._set_state(handle, "listening", text)

    def _on_error(self, handle: ServerHandle, server: Server, exc: BaseException) -> None:
        message = describe_error(exc)
        handle.log.log_event(ERROR, message)
        if isinstance(exc, ServerStartError) and handle.core is server:
            handle.port = None
            self._set_state(handle, "failed", message)
        self._errors.report(handle.name, message)

    def _on_refused(self, handle: ServerHandle, refusal: HandshakeRefusal) -> None:
        """Log every refused upgrade request and keep it for the Handshake view. A plain
        HTTP request (no ``Upgrade: websocket``: a browser loading the student page) was no
        handshake: it is logged as what it was, and kept from the refusals."""
        record = from_refusal(refusal)
        if refusal.request_headers.get("Upgrade", "").lower() != "websocket":
            if record.status == 200:
                what = f"served the student page to {record.peer} (GET {refusal.path})"
            else:
                what = (
                    f"answered {record.peer}'s plain HTTP request (GET {refusal.path}) with "
                    f"{record.status} {record.status_phrase}"
                )
            handle.log.log_event(INFO, what)
            return
        handle.refusals.append(record)
        why = f": {record.reason}" if record.reason else ""
        handle.log.log_event(
            HANDSHAKE,
            f"refused {record.peer} with {record.status} {record.status_phrase} "
            f"({record.request_line}){why}",
        )
        self._emit("server_changed", handle.id)

    def _on_close(self, handle: ServerHandle, server: Server) -> None:
        if handle.core is not server:
            return
        handle.port = None
        handle.log.log_event(INFO, "stopped")
        self._set_state(handle, "stopped", "stopped")

    # -- sockets ---------------------------------------------------------------------------

    def _on_connection(self, handle: ServerHandle, server: Server, socket: Socket) -> None:
        socket_id = handle.next_socket_id()
        store = self._budget.track(LogStore(self._log_capacity, ""))
        self._budget.charge(SOCKET_COST)
        entry = SocketHandle(
            socket_id,
            handle.id,
            socket,
            store,
            server.options["send_type"],
            server.options["receive_type"],
        )
        store.name = f"{handle.name} ← {entry.remote_address}"
        entry.handshake = from_socket(socket)
        handle.sockets[socket_id] = entry
        self.sockets[socket_id] = entry
        log_opening(store, f"GET {socket.path}", socket, f"connection from {entry.remote_address}")
        handle.log.log_event(INFO, f"connection from {entry.remote_address} ({socket_id})")

        on_wire_message = wire_logger(store, socket, entry.send_type, entry.receive_type)

        def replies_dropped(limit: int) -> None:
            message = (
                f"auto-reply is dropping replies: the peer sends faster than they can go "
                f"(more than {limit:,} waiting)"
            )
            store.log_event(ERROR, message)
            self._errors.report(f"{handle.name} → {entry.remote_address}", message)

        replies = ReplyWriter(
            lambda value: self._send(entry, handle, value, "auto-reply"), on_drop=replies_dropped
        )

        def on_message(value: Any) -> Coroutine[Any, Any, None] | None:
            # The row was logged by on_wire_message.
            auto = handle.auto_reply  # read per message: it can change
            if auto.mode == "off":
                return None
            if auto.mode == "echo" and handle.echo_filter is not None:
                try:
                    value = handle.echo_filter(value)
                except ValueError as exc:
                    store.log_event(ERROR, f"auto-reply: not echoed: {exc}")
                    return None
            # Sent by the writer, off core's reading path; while its queue is full the
            # coroutine it gives back makes core stop reading from this peer.
            return replies.queue(value if auto.mode == "echo" else auto.value)

        def on_close(code: int, reason: str) -> None:
            replies.close()
            entry.closed_at = time.time()
            entry.close_code, entry.close_reason = code, reason
            self._closed_order.append(socket_id)
            store.log_event(CLOSE, f"closed with {close_text(code, reason)}")
            handle.log.log_event(
                INFO, f"{entry.remote_address} closed with {close_text(code, reason)}"
            )
            self._emit("socket_closed", handle.id, socket_id, code, reason)

        def on_error(exc: BaseException) -> None:
            message = describe_error(exc)
            store.log_event(ERROR, message)
            self._errors.report_throttled(
                entry.throttle, exc, f"{handle.name} ← {entry.remote_address}", message
            )

        socket.on("wire_message", on_wire_message)
        socket.on("message", on_message)
        socket.on("close", on_close)
        socket.on("error", on_error)
        self._emit("socket_connected", handle.id, socket_id)

    def send_to_socket(self, socket_id: str, value: Any) -> bool:
        """Send on one socket; False (reported, nothing sent) if it fails."""
        entry = self.sockets[socket_id]
        return self._send(entry, self.servers[entry.server_id], value, None) is not None

    def broadcast(self, server_id: str, value: Any) -> int:
        """Send ``value`` to every open socket of the server; how many got it (0 reported)."""
        handle = self.servers[server_id]
        targets = handle.open_sockets
        if not targets:
            self._errors.report(
                handle.name, "no socket is connected to this server, so nothing was sent"
            )
            return 0
        sent = sum(self._send(entry, handle, value, None) is not None for entry in targets)
        handle.log.log_event(INFO, f"broadcast to {sent} of {len(targets)} sockets")
        return sent

    def _send(
        self, entry: SocketHandle, handle: ServerHandle, value: Any, why: str | None
    ) -> Awaitable[None] | None:
        """Send ``value``; the delivery to await, or None if it failed (logged, reported)."""
        try:
            # Logged by the socket's 'wire_message' handler once handed over.
            if entry.outgoing.active:  # the fault lab delays or drops it
                return entry.outgoing.send(
                    value, entry.core.send, lambda exc: self._not_sent(entry, handle, exc, why)
                )
            return entry.core.send(value)
        except (WebSocketError, TypeError, ValueError) as exc:
            self._not_sent(entry, handle, exc, why)
            return None

    def _not_sent(
        self, entry: SocketHandle, handle: ServerHandle, exc: BaseException, why: str | None
    ) -> None:
        message = describe_error(exc)
        entry.log.log_event(ERROR, f"{why + ' ' if why else ''}not sent: {message}")
        self._errors.report(f"{handle.name} → {entry.remote_address}", message)

    async def close_socket(self, socket_id: str, code: int, reason: str) -> None:
        entry = self.sockets.get(socket_id)
        if entry is None:
            raise KeyError(f"there is no socket called {socket_id!r}")
        entry.close_requests.append(time.time())
        await asyncio.wait_for(entry.core.close(code, reason), SHUTDOWN_TIMEOUT)

    def socket_context(self, socket_id: str) -> str:
        """How a socket is named in error reports: "Server 1 → 127.0.0.1:54321"."""
        entry = self.sockets.get(socket_id)
        if entry is None:
            return socket_id
        return f"{self.servers[entry.server_id].name} → {entry.remote_address}"
