"""``WorkbenchService``: the Qt adapter over the engine (``workbench.engine.workbench.Workbench``).

It adds only what Qt needs and does not restate the engine's API:

- a Qt signal for every engine event, of the same name and arguments;
- ``run(action)``: the one way to run an engine coroutine from the UI. It returns the
  ``asyncio.Task`` at once, so a widget can call an action from a click handler and forget
  it (``service.run(service.engine.start_server(server_id))``) and a test can wait for
  ``task.done()``. The engine's actions never raise (True/False, failures already reported);
  anything that does raise ends on the engine's one error path (``service.engine.report``);
- the Qt-specific adapters of four engine parts: ``messages`` (the message library with a
  ``changed`` signal), ``classroom`` (``shared_changed`` and the feed's item model),
  ``scenarios`` (the Scenarios tab's library, its events as signals) and ``relays`` (the
  relays' events as signals).

Everything else — lookups (``service.engine.server(id)``, ``service.engine.log(id)``), adding, editing,
sending, the workspace — is the engine's facade, ``service.engine``, answered at once.

Signals (see the engine's module docstring for what each means):
    server_added(str), server_removed(str), server_changed(str),
    server_state_changed(str server_id, str state, str text),
    socket_connected(str server_id, str socket_id),
    socket_closed(str server_id, str socket_id, int code, str reason),
    socket_removed(str server_id, str socket_id),
    client_added(str), client_removed(str), client_changed(str),
    client_state_changed(str client_id, str state, str text),
    error_reported(str context, str message): the one error path (``service.engine.report``),
    info_reported(str text): news that is not a failure (``service.engine.inform``),
    log_budget_changed(): the log budget's limit changed or it evicted something.

Create it after the qasync loop is installed (``run`` needs the running loop).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar, get_args

from PySide6.QtCore import QObject, Signal

from workbench.engine.log.store import DEFAULT_CAPACITY
from workbench.engine.workbench import Workbench, WorkbenchEvent

from .classroom import QtClassroom
from .message_library import QtMessageLibrary
from .relay.relays import QtRelays
from .scenarios.library import QtScenarioLibrary

__all__ = ["WorkbenchService"]

T = TypeVar("T")


class WorkbenchService(QObject):
    """``WorkbenchService(parent=None, log_capacity=DEFAULT_CAPACITY)``; ``engine`` is the
    ``Workbench`` it adapts."""

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
    log_budget_changed = Signal()

    def __init__(self, parent: QObject | None = None, log_capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        #: The engine's facade: every lookup and action.
        self.engine = Workbench(log_capacity)
        #: The composers' saved and recent messages (the engine's, with a Qt signal).
        self.messages = QtMessageLibrary(self.engine.messages, self)
        #: The classroom's Qt side: ``shared_changed`` and the feed's item model.
        self.classroom = QtClassroom(self.engine.classroom, self)
        #: The Scenarios tab's scenarios (the engine's, with their events as signals).
        self.scenarios = QtScenarioLibrary(self.engine.scenarios, self)
        #: The relays (the engine's ``relays``, with their events as signals).
        self.relays = QtRelays(self.engine.relays, self)
        self._running: set[asyncio.Task[Any]] = set()
        for name in get_args(WorkbenchEvent):  # each engine event has a signal of its name
            self.engine.on(name, getattr(self, name).emit)

    def run(self, action: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run ``action`` (an engine coroutine) on the running loop; its task, at once.

        The service keeps the task alive until it ends. An exception it raises goes to
        ``service.engine.report`` (the one error path); cancelling it is quiet. ``RuntimeError`` (and
        ``action`` closed unrun) if no loop is running: install the qasync loop first."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            action.close()
            raise RuntimeError(
                "no running event loop: install the qasync loop before using the service"
            ) from None
        task = loop.create_task(action)
        self._running.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self.engine.report("unexpected error", error)
