"""``Workbench``: the Qt-free engine — the workspace's servers, clients and relays
(``relays``), their logs, the one error path, the workspace file's contents and shutdown.

Data flow: core events → the controllers (``ServerController``, ``ClientController``) → the
right ``LogStore`` (one per client, one per server-side socket, one per server for its own
lifecycle) and the events below. ``workbench.qt.service`` re-emits them as Qt signals.

Actions that wait on the network are coroutines that never raise: True if the action achieved
its aim (listening, open, closed...), False if not (the reason was already logged and
reported). Actions that do not wait return a value at once (an id, True/False, a count).

Options: the add and update methods take core's option dicts under either spelling and keep
them in snake_case (``workbench.engine.options``): a handle's ``options`` has one spelling.

Identifiers (plain strings, stable for the session): servers ``"server-1"``...; clients
``"client-1"``...; a server's sockets ``"server-1/socket-1"``... ``log(id)`` gives the
``LogStore`` of a client, a socket or a server.

Events (``on(name, handler)``; every argument is an id, a number or text):
    server_added(server_id), server_removed(server_id)
    server_changed(server_id): name, options or auto-reply changed
    server_state_changed(server_id, state, text): state "stopped", "starting", "listening",
        "stopping" or "failed"; text for a status label ("listening on 127.0.0.1:54321")
    socket_connected(server_id, socket_id), socket_closed(server_id, socket_id, code, reason)
    socket_removed(server_id, socket_id): a closed socket and its log were forgotten
    client_added(client_id), client_removed(client_id)
    client_changed(client_id): name or options changed
    client_state_changed(client_id, state, text): state "idle", "connecting", "open",
        "closing", "closed" or "failed"; text e.g. "connecting (attempt 2 of 11)"
    error_reported(context, message): the one error path (``report``)
    info_reported(text): news for the status bar that is not a failure (``inform``)
    log_budget_changed(): the limit of ``log_budget`` (what all logs may hold together,
        ``workbench.engine.log.budget``) changed, or it evicted logs or rows to stay within it

Threading: everything runs on the loop's thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine, Mapping
from typing import Any, Literal

from core import EventEmitter
from workbench.engine.classroom.classroom import Classroom
from workbench.engine.compose.message_library import MessageLibrary
from workbench.engine.faults.lab import FaultLab
from workbench.engine.load_test.local_run import LocalLoadTest
from workbench.engine.log.budget import LogBudget
from workbench.engine.log.store import DEFAULT_CAPACITY, LogStore
from workbench.engine.protocol.conversation_recorder import ConversationRecorder
from workbench.engine.scenarios.library import ScenarioLibrary
from workbench.engine.workspace.workspace import Workspace

from .client_targets import client_options_for
from .clients import ClientController
from .error_path import ErrorPath
from .handles import ClientHandle, ServerHandle, SocketHandle
from .options import (
    client_refusal,
    server_refusal,
    snake_case_client_options,
    snake_case_server_options,
)
from .pinging import NO_PONG, Pingable, ping_and_log, round_trip_text
from .relays import RelayController
from .servers import SHUTDOWN_TIMEOUT, ServerController
from .workspace_contents import load_into, workspace_of

__all__ = ["SHUTDOWN_TIMEOUT", "Workbench", "WorkbenchEvent"]

WorkbenchEvent = Literal[
    "server_added",
    "server_removed",
    "server_changed",
    "server_state_changed",
    "socket_connected",
    "socket_closed",
    "socket_removed",
    "client_added",
    "client_removed",
    "client_changed",
    "client_state_changed",
    "error_reported",
    "info_reported",
    "log_budget_changed",
]


class Workbench(EventEmitter[WorkbenchEvent]):
    """The engine; see the module docstring for its events, ids and the error path."""

    def __init__(self, log_capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__()
        self.error_path = ErrorPath(
            lambda context, message: self.emit("error_reported", context, message)
        )
        #: What all logs of the workspace may hold together (``set_log_budget``).
        self.log_budget = LogBudget()
        self.log_budget.listeners.append(lambda: self.emit("log_budget_changed"))
        self._servers = ServerController(self.emit, self.error_path, log_capacity, self.log_budget)
        self._clients = ClientController(self.emit, self.error_path, log_capacity, self.log_budget)
        #: Both ends of each client ↔ server-socket connection in this window, for diagrams.
        self.conversations = ConversationRecorder(self)
        self._actions: set[asyncio.Task[Any]] = set()
        #: The saved and recent messages of the composers (their one owner).
        self.messages = MessageLibrary()
        #: The fault lab of the servers (``apply``, ``clear``; see ``workbench.engine.faults.lab``).
        self.faults = FaultLab(self._servers.servers, self._servers.sockets, self.error_path.report)
        #: Sharing servers with the student page, their merged feeds, kicking a socket.
        self.classroom = Classroom(self)
        #: The Scenarios tab's scenarios (``workbench.engine.scenarios.library``).
        self.scenarios = ScenarioLibrary(self)
        #: The relays, their connections, intercept and rules (``workbench.engine.relays``).
        self.relays = RelayController(
            self.report, self._guarded, self.scenarios, log_capacity, self.log_budget
        )
        #: The Load test tab's run: Locust in child processes (``engine.load_test.local_run``).
        self.load_test = LocalLoadTest()
        self.on("server_state_changed", self._server_state_changed)

    # -- lookups ---------------------------------------------------------------------------

    @property
    def servers(self) -> dict[str, ServerHandle]:
        """server id -> ``ServerHandle``, in creation order (do not modify)."""
        return self._servers.servers

    @property
    def clients(self) -> dict[str, ClientHandle]:
        """client id -> ``ClientHandle``, in creation order (do not modify)."""
        return self._clients.clients

    @property
    def errors(self) -> list[tuple[str, str]]:
        """Every (context, message) reported, newest last (bounded)."""
        return self.error_path.errors

    def server(self, server_id: str) -> ServerHandle:
        """``KeyError`` if there is no such server."""
        return self._servers.servers[server_id]

    def client(self, client_id: str) -> ClientHandle:
        return self._clients.clients[client_id]

    def socket(self, socket_id: str) -> SocketHandle:
        return self._servers.sockets[socket_id]

    def sockets_of(self, server_id: str) -> list[SocketHandle]:
        """Every socket the server accepted since it was added (closed ones too), oldest first."""
        return list(self._servers.servers[server_id].sockets.values())

    def log(self, log_id: str) -> LogStore:
        """The ``LogStore`` of a client, a server-side socket or a server (by its id)."""
        for table in (self.clients, self._servers.sockets, self.servers):
            if log_id in table:
                return table[log_id].log
        raise KeyError(f"no log called {log_id!r}")

    def send_type(self, target_id: str) -> str:
        """The MIME type ``send(target_id, ...)`` converts to (for the composer)."""
        if target_id in self.clients:
            return self._clients.send_type(target_id)
        if target_id in self._servers.sockets:
            return self._servers.sockets[target_id].send_type
        return self._servers.send_type(target_id)

    def name_of(self, some_id: str) -> str:
        """The name of a server or client, else the id itself."""
        item = self.servers.get(some_id) or self.clients.get(some_id)
        return item.name if item is not None else some_id

    # -- option validation: core's, in core's words ----------------------------------------

    @staticmethod
    def validate_server_options(options: Mapping[str, Any]) -> str | None:
        """None if core accepts ``options`` for a Server, else core's reason."""
        return server_refusal(options)

    @staticmethod
    def validate_client_options(options: Mapping[str, Any]) -> str | None:
        """None if core accepts ``options`` for a Client, else core's reason."""
        return client_refusal(options)

    # -- servers ---------------------------------------------------------------------------

    def add_server(self, options: Mapping[str, Any], name: str | None = None) -> str | None:
        """Add a stopped server; its id, or None if the options are refused (reported)."""
        return self._servers.add(snake_case_server_options(options), name)

    def update_server(
        self, server_id: str, options: Mapping[str, Any], name: str | None = None
    ) -> bool:
        """Replace a server's options (applied at its next start); False if refused."""
        return self._servers.update(server_id, snake_case_server_options(options), name)

    def rename_server(self, server_id: str, name: str) -> None:
        self._servers.rename(server_id, name)

    def set_auto_reply(self, server_id: str, mode: str, text: str = "") -> bool:
        """See ``ServerController.set_auto_reply``."""
        return self._servers.set_auto_reply(server_id, mode, text)

    def set_log_budget(self, nbytes: int) -> bool:
        """Let all logs together hold at most ``nbytes`` (at least ``MIN_LOG_BUDGET``),
        evicting at once if they hold more; False (reported) if refused."""
        try:
            self.log_budget.set_limit(nbytes)
        except ValueError as exc:
            self.report("log budget", exc)
            return False
        self.emit("log_budget_changed")
        return True

    def forget_closed_sockets(self, server_id: str) -> int:
        """Drop the server's closed sockets and their logs; how many were dropped."""
        return self._servers.forget_closed_sockets(server_id)

    async def start_server(self, server_id: str) -> bool:
        """Listen with the server's current options; whether it is listening."""
        return await self._guarded(self._servers.start(server_id), self.name_of(server_id))

    async def stop_server(self, server_id: str) -> bool:
        """Stop listening and close every socket (code 1001). Idempotent."""
        return await self._guarded(self._servers.stop(server_id), self.name_of(server_id))

    async def remove_server(self, server_id: str) -> bool:
        """Stop the server (closing its sockets) and forget it and its logs."""
        return await self._guarded(self._servers.remove(server_id), self.name_of(server_id))

    def is_live(self, item_id: str) -> bool:
        """Whether a server has an open socket or a client is connecting or open (removing
        it would cut a connection)."""
        if item_id in self.servers:
            return bool(self.servers[item_id].open_sockets)
        handle = self.clients.get(item_id)
        return handle is not None and handle.state in ("connecting", "open")

    # -- clients ---------------------------------------------------------------------------

    def add_client(
        self, options: Mapping[str, Any], name: str | None = None, server_id: str | None = None
    ) -> str | None:
        """Add a closed client; its id, or None if refused. With ``server_id`` it follows
        that server's port when the server restarts on another (a port-0 server)."""
        return self._clients.add(snake_case_client_options(options), name, server_id)

    def update_client(
        self, client_id: str, options: Mapping[str, Any], name: str | None = None
    ) -> bool:
        """Replace a client's options (applied at its next open); False if refused."""
        return self._clients.update(client_id, snake_case_client_options(options), name)

    def rename_client(self, client_id: str, name: str) -> None:
        self._clients.rename(client_id, name)

    async def open_client(self, client_id: str) -> bool:
        """Connect (retrying per the options); whether it opened. A client whose secrets
        are missing (``provide_client_secrets``) does not connect (reported)."""
        return await self._guarded(self._clients.open(client_id), self.name_of(client_id))

    def provide_client_secrets(self, client_id: str, values: Mapping[str, str]) -> bool:
        """Put secrets typed again into a client's options (``values``: field -> value, of
        its ``secret_missing``); False (reported) if refused."""
        return self._clients.provide_secrets(client_id, values)

    async def close_client(self, client_id: str, code: int = 1000, reason: str = "") -> bool:
        """Close the client (or stop its connection attempts). Idempotent."""
        context = self.name_of(client_id)
        return await self._guarded(self._clients.close(client_id, code, reason), context)

    async def remove_client(self, client_id: str) -> bool:
        """Close the client and forget it and its log."""
        return await self._guarded(self._clients.remove(client_id), self.name_of(client_id))

    def add_client_for(
        self, server_id: str, base: Mapping[str, Any], name: str | None = None
    ) -> str | None:
        """Add a client aimed at a workbench server (its host and port; for a TLS server
        wss:// trusting its certificate) that follows the server's port from then on. None
        (reported) if the server's certificate cannot be read."""
        server = self.server(server_id)
        try:
            options = client_options_for(server, snake_case_client_options(base))
        except (OSError, ValueError) as exc:
            self.report(server.name, f"cannot make a client that trusts this server: {exc}")
            return None
        return self.add_client(options, name, server_id)

    def aim_client(self, client_id: str, server_id: str, base: Mapping[str, Any]) -> bool:
        """Point a client at a workbench server as ``add_client_for`` would (``base``: its
        options otherwise, e.g. the form's), following that server from now on. Applied at
        its next open; False (reported) if refused."""
        server = self.server(server_id)
        try:
            options = client_options_for(server, snake_case_client_options(base))
        except (OSError, ValueError) as exc:
            self.report(server.name, f"cannot make a client that trusts this server: {exc}")
            return False
        if not self.update_client(client_id, options):
            return False
        self.client(client_id).server_id = server_id
        return True

    def _server_state_changed(self, server_id: str, state: str, _text: str) -> None:
        port = self.servers[server_id].port if server_id in self.servers else None
        if state == "listening" and port:
            self._clients.follow_port(server_id, port)

    # -- sending ---------------------------------------------------------------------------

    def send(self, target_id: str, value: Any) -> bool:
        """Send ``value`` (converted per the target's send type) to a client's server, to a
        server-side socket, or to every open socket of a server; log it. False (reported,
        nothing sent) if it does not convert or the target is not open."""
        if target_id in self.clients:
            return self._clients.send(target_id, value)
        if target_id in self._servers.sockets:
            return self._servers.send_to_socket(target_id, value)
        if target_id in self.servers:
            return self._servers.broadcast(target_id, value) > 0
        self.report("send", f"there is no client or socket called {target_id!r}")
        return False

    def broadcast(self, server_id: str, value: Any) -> int:
        """Send ``value`` to every open socket of the server; how many got it (0 reported)."""
        return self._servers.broadcast(server_id, value)

    async def close_socket(self, socket_id: str, code: int = 1000, reason: str = "") -> bool:
        """Close a server-side socket with ``code`` (any code core's check accepts: 1000-1003,
        1007-1014, 3000-4999) and ``reason``."""
        context = self._servers.socket_context(socket_id)
        return await self._guarded(self._servers.close_socket(socket_id, code, reason), context)

    async def ping(self, target_id: str) -> bool:
        """Ping a client's server or a server-side socket: the round trip goes into its log
        and on the status bar. False (reported, and logged) if it is not open or no pong."""
        if target_id in self.clients:
            end: Pingable | None = self.client(target_id).core
            context = self.name_of(target_id)
        elif target_id in self._servers.sockets:
            end = self.socket(target_id).core
            context = self._servers.socket_context(target_id)
        else:
            self.report("ping", f"there is no client or socket called {target_id!r}")
            return False
        if end is None:
            self.report(context, "the client is not connected; open it first")
            return False
        return await self._guarded(self._ping(end, target_id, context), context)

    async def _ping(self, end: Pingable, target_id: str, context: str) -> bool:
        try:
            seconds = await ping_and_log(end, self.log(target_id))
        except TimeoutError:  # an outcome the ping is there to show, not a bug: no traceback
            self.report(context, NO_PONG)
            return False
        self.inform(f"{context}: {round_trip_text(seconds)}")
        return True

    # -- workspace -------------------------------------------------------------------------

    def to_workspace(self, base: Workspace | None = None) -> Workspace:
        """A ``Workspace`` with the current servers, clients, messages and scenarios, and ``base``'s
        window state (``base`` is not modified)."""
        return workspace_of(self, base)

    async def load_workspace(self, workspace: Workspace, replace: bool = True) -> bool:
        """Take the workspace's messages at once, and add its servers and clients (stopped,
        closed); with ``replace``, first remove every existing one. Configs core refuses are
        skipped and reported."""
        self.messages.set_messages(workspace.saved_messages, workspace.recent_messages)
        load = load_into(
            self, self._servers, self._clients, self._close_everything, workspace, replace
        )
        return await self._guarded(load, "workspace")

    # -- shutdown --------------------------------------------------------------------------

    async def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> bool:
        """Close every client and stop every server, within ``timeout`` seconds overall, then
        wait (as long again at most) for actions still running. True if all closed in time.
        Safe to call twice; actions still work after it."""
        try:
            await asyncio.wait_for(self._close_everything(), timeout)
        except TimeoutError:
            self.report("shutdown", f"some connections did not close within {timeout:g} s")
            return False
        current = asyncio.current_task()
        pending = [task for task in self._actions if not task.done() and task is not current]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        return True

    async def _close_everything(self) -> None:
        closing: list[Awaitable[bool]] = [
            self._guarded(self._clients.close(h.id, 1001, "workbench closing"), h.name)
            for h in self._clients.active()
        ]
        closing += [
            self._guarded(self._servers.stop(h.id), h.name) for h in self._servers.running()
        ]
        closing += [self.relays.stop(relay_id) for relay_id in self.relays.running()]
        if self.load_test.active:
            closing.append(self._guarded(self.load_test.stop(), "the load test"))
        if closing:
            await asyncio.gather(*closing)

    # -- the one error path ----------------------------------------------------------------

    def report(self, context: str, error: BaseException | str) -> None:
        """Report a failure: the ``workbench`` logger, ``errors`` and ``error_reported``."""
        self.error_path.report(context, error)

    def inform(self, text: str) -> None:
        """News for the status bar that is not a failure: ``info_reported``."""
        self.emit("info_reported", text)

    async def _guarded(self, action: Coroutine[Any, Any, Any], context: str) -> bool:
        """Await an action; a failure goes to ``report``. False if it raised or returned
        False (a failure it already reported), else True. Running actions are tracked so
        that ``shutdown`` can wait for them."""
        task = asyncio.current_task()
        outermost = task is not None and task not in self._actions
        if outermost:
            self._actions.add(task)  # type: ignore[arg-type]
        try:
            result = await action
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the one error path: every action failure ends here
            self.report(context, exc)
            return False
        finally:
            if outermost:
                self._actions.discard(task)
        return result is not False
