"""``WorkbenchService``: the Qt adapter over the engine (``workbench.engine.workbench.Workbench``).

It re-emits every engine event as a Qt signal of the same name and offers the engine's
actions: those that wait on the network are ``@asyncSlot``s that return the
``asyncio.Task`` (its result True/False, it never raises), so a widget can call one from a
click handler and forget it, and a test can wait for ``task.done()``. Widgets never await.
Everything else (lookups, adding, editing, sending) is the engine's, answered at once.

Signals (see the engine's module docstring for what each means):
    server_added(str), server_removed(str), server_changed(str),
    server_state_changed(str server_id, str state, str text),
    socket_connected(str server_id, str socket_id),
    socket_closed(str server_id, str socket_id, int code, str reason),
    socket_removed(str server_id, str socket_id),
    client_added(str), client_removed(str), client_changed(str),
    client_state_changed(str client_id, str state, str text),
    error_reported(str context, str message): the one error path (``report``),
    info_reported(str text): news that is not a failure (``inform``).

Create it after the qasync loop is installed (actions need the running loop).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, get_args

from PySide6.QtCore import QObject, Signal
from qasync import asyncSlot

from workbench.engine.handles import ClientHandle, ServerHandle, SocketHandle
from workbench.engine.load.many_clients import open_many
from workbench.engine.load.replay import replay_log
from workbench.engine.log.store import DEFAULT_CAPACITY, OUT, LogStore
from workbench.engine.protocol.conversation_recorder import ConversationRecorder
from workbench.engine.workbench import SHUTDOWN_TIMEOUT, Workbench, WorkbenchEvent
from workbench.engine.workspace.workspace import Workspace

from .classroom import QtClassroom
from .message_library import QtMessageLibrary

__all__ = ["WorkbenchService"]


class WorkbenchService(QObject):
    """``WorkbenchService(parent=None, log_capacity=DEFAULT_CAPACITY)``; ``engine`` is the
    ``Workbench`` it adapts, ``messages`` its message library."""

    server_added = Signal(str)
    server_removed = Signal(str)
    server_changed = Signal(str)
    server_state_changed = Signal(str, str, str)
    socket_connected = Signal(str, str)
    socket_closed = Signal(str, str, int, str)
    socket_removed = Signal(str, str)
    client_added = Signal(str)
    client_removed = Signal(str)
    client_changed = Signal(str)
    client_state_changed = Signal(str, str, str)
    error_reported = Signal(str, str)
    info_reported = Signal(str)

    def __init__(self, parent: QObject | None = None, log_capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        self.engine = Workbench(log_capacity)
        #: The composers' saved and recent messages (the engine's, with a Qt signal).
        self.messages = QtMessageLibrary(self.engine.messages, self)
        #: Sharing a server with the student page, its merged feed, kicking a socket.
        self.classroom = QtClassroom(self.engine.classroom, self)
        for name in get_args(WorkbenchEvent):  # each engine event has a signal of its name
            self.engine.on(name, getattr(self, name).emit)  # type: ignore[arg-type]

    # -- lookups (the engine's) ------------------------------------------------------------

    @property
    def servers(self) -> dict[str, ServerHandle]:
        return self.engine.servers

    @property
    def clients(self) -> dict[str, ClientHandle]:
        return self.engine.clients

    @property
    def errors(self) -> list[tuple[str, str]]:
        return self.engine.errors

    def server(self, server_id: str) -> ServerHandle:
        return self.engine.server(server_id)

    def client(self, client_id: str) -> ClientHandle:
        return self.engine.client(client_id)

    def socket(self, socket_id: str) -> SocketHandle:
        return self.engine.socket(socket_id)

    def sockets_of(self, server_id: str) -> list[SocketHandle]:
        return self.engine.sockets_of(server_id)

    def log(self, log_id: str) -> LogStore:
        return self.engine.log(log_id)

    @property
    def conversations(self) -> ConversationRecorder:
        """Both ends of each client ↔ server-socket connection (the Conversation view)."""
        return self.engine.conversations

    def send_type(self, target_id: str) -> str:
        return self.engine.send_type(target_id)

    def is_live(self, item_id: str) -> bool:
        return self.engine.is_live(item_id)

    def validate_server_options(self, options: Mapping[str, Any]) -> str | None:
        return self.engine.validate_server_options(options)

    def validate_client_options(self, options: Mapping[str, Any]) -> str | None:
        return self.engine.validate_client_options(options)

    # -- actions answered at once ----------------------------------------------------------

    def add_server(self, options: Mapping[str, Any], name: str | None = None) -> str | None:
        return self.engine.add_server(options, name)

    def update_server(
        self, server_id: str, options: Mapping[str, Any], name: str | None = None
    ) -> bool:
        return self.engine.update_server(server_id, options, name)

    def rename_server(self, server_id: str, name: str) -> None:
        self.engine.rename_server(server_id, name)

    def set_auto_reply(self, server_id: str, mode: str, text: str = "") -> bool:
        return self.engine.set_auto_reply(server_id, mode, text)

    def forget_closed_sockets(self, server_id: str) -> int:
        return self.engine.forget_closed_sockets(server_id)

    def add_client(
        self, options: Mapping[str, Any], name: str | None = None, server_id: str | None = None
    ) -> str | None:
        return self.engine.add_client(options, name, server_id)

    def add_client_for(
        self, server_id: str, base: Mapping[str, Any], name: str | None = None
    ) -> str | None:
        return self.engine.add_client_for(server_id, base, name)

    def aim_client(self, client_id: str, server_id: str, base: Mapping[str, Any]) -> bool:
        return self.engine.aim_client(client_id, server_id, base)

    def update_client(
        self, client_id: str, options: Mapping[str, Any], name: str | None = None
    ) -> bool:
        return self.engine.update_client(client_id, options, name)

    def rename_client(self, client_id: str, name: str) -> None:
        self.engine.rename_client(client_id, name)

    def send(self, target_id: str, value: Any) -> bool:
        return self.engine.send(target_id, value)

    def broadcast(self, server_id: str, value: Any) -> int:
        return self.engine.broadcast(server_id, value)

    def apply_fault(
        self, server_id: str, name: str, socket_id: str | None, parameters: Mapping[str, Any]
    ) -> int:
        """The fault lab (``workbench.engine.faults.lab``): on how many sockets it was put."""
        return self.engine.faults.apply(server_id, name, socket_id, **parameters)

    def clear_faults(self, server_id: str) -> None:
        self.engine.faults.clear(server_id)

    def to_workspace(self, base: Workspace | None = None) -> Workspace:
        return self.engine.to_workspace(base)

    def report(self, context: str, error: BaseException | str) -> None:
        """The one error path (the engine's): logged, kept, shown in the status bar."""
        self.engine.report(context, error)

    def inform(self, text: str) -> None:
        self.engine.inform(text)

    # -- async slots: each returns its task (result True/False, never raises) -------------

    @asyncSlot(str)
    async def start_server(self, server_id: str) -> bool:
        return await self.engine.start_server(server_id)

    @asyncSlot(str)
    async def stop_server(self, server_id: str) -> bool:
        return await self.engine.stop_server(server_id)

    @asyncSlot(str)
    async def remove_server(self, server_id: str) -> bool:
        return await self.engine.remove_server(server_id)

    @asyncSlot(str)
    async def open_client(self, client_id: str) -> bool:
        return await self.engine.open_client(client_id)

    @asyncSlot(str)
    async def close_client(self, client_id: str, code: int = 1000, reason: str = "") -> bool:
        return await self.engine.close_client(client_id, code, reason)

    @asyncSlot(str)
    async def remove_client(self, client_id: str) -> bool:
        return await self.engine.remove_client(client_id)

    @asyncSlot(str)
    async def close_socket(self, socket_id: str, code: int = 1000, reason: str = "") -> bool:
        return await self.engine.close_socket(socket_id, code, reason)

    @asyncSlot(str)
    async def ping(self, target_id: str) -> bool:
        """Ping a client or a server-side socket; the round trip goes into its log."""
        return await self.engine.ping(target_id)

    @asyncSlot(object)
    async def open_clients(self, client_ids: list[str]) -> bool:
        """Open the clients concurrently (see ``engine.load.many_clients``); True if all opened."""
        return await open_many(self.engine, client_ids) == len(client_ids)

    @asyncSlot(str, str, object)
    async def replay_log(
        self,
        path: str,
        target_id: str,
        speed: float | None = 1.0,
        directions: tuple[str, ...] = (OUT,),
        progress: Callable[[int, int], None] | None = None,
    ) -> bool:
        """See ``engine.load.replay.replay_log``; cancel the returned task to stop the replay."""
        return await replay_log(self.engine, path, target_id, speed, directions, progress)

    @asyncSlot(object)
    async def load_workspace(self, workspace: Workspace, replace: bool = True) -> bool:
        """The engine's, then ``classroom.shared_changed`` for each server it shared."""
        done = await self.engine.load_workspace(workspace, replace)
        for server_id in list(self.servers):
            if self.classroom.is_shared(server_id):
                self.classroom.shared_changed.emit(server_id, True)
        return done

    async def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> bool:
        """Close every client and stop every server (bounded); await it from closeEvent."""
        return await self.engine.shutdown(timeout)
