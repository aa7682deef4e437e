"""A Node-style event emitter for asyncio.

Rules (the same for Client, Server and Socket):

- ``on(event, handler)`` appends a listener; ``once`` appends one that is removed before its
  first call; ``off(event, handler)`` removes the earliest registration of ``handler``
  (a ``once`` registration included). ``add_listener`` / ``remove_listener`` are aliases.
- ``emit(event, *args)`` calls the listeners registered at the moment of the call, in order,
  from a snapshot: a listener may add or remove listeners (itself included) safely; those
  changes apply to the next emit. It returns ``True`` if at least one listener was called.
- A listener may be a coroutine function: the coroutine is scheduled as a task on the running
  loop and kept in a strong-reference set until it finishes. Other return values are ignored,
  awaitables included: ``socket.on('message', socket.send)`` echoes without a task per message.
- A listener that raises (or whose coroutine raises) never propagates into the connection or
  the loop: the exception is wrapped in ``HandlerError`` and emitted as ``'error'`` on the same
  emitter. With no ``'error'`` listener, or when an ``'error'`` listener itself raises, the
  exception is logged with its traceback on the ``core`` logger instead (never raised, unlike
  Node).
- ``wait_for(event, timeout)`` awaits the next emission: the convenience for scripts and tests.

Why not ``pyee``: its ``AsyncIOEventEmitter`` lets a synchronous handler's exception escape
from ``emit`` and raises when ``'error'`` has no listener; both contradict the spec, and
changing them means overriding its private methods.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .errors import HandlerError

log = logging.getLogger("core")

EventName = TypeVar("EventName", bound=str)
Handler = Callable[..., Any]


class EventEmitter(Generic[EventName]):
    """Node semantics: on / once / off / emit, listener snapshots, tracked coroutine handlers."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[tuple[Handler, bool]]] = {}
        self._handler_tasks: set[asyncio.Task[Any]] = set()

    def on(self, event: EventName, handler: Handler) -> Handler:
        """Call ``handler`` on every ``event``; returns it, so it can decorate a function."""
        self._listeners.setdefault(event, []).append((handler, False))
        return handler

    add_listener = on

    def once(self, event: EventName, handler: Handler) -> Handler:
        """Call ``handler`` on the next ``event`` only."""
        self._listeners.setdefault(event, []).append((handler, True))
        return handler

    def off(self, event: EventName, handler: Handler) -> None:
        """Remove the earliest registration of ``handler``; no error if it is not there."""
        entries = self._listeners.get(event, [])
        for index, (registered, _once) in enumerate(entries):
            if registered == handler:
                del entries[index]
                return

    remove_listener = off

    def remove_all_listeners(self, event: EventName | None = None) -> None:
        if event is None:
            self._listeners.clear()
        else:
            self._listeners.pop(event, None)

    def listeners(self, event: EventName) -> list[Handler]:
        return [handler for handler, _once in self._listeners.get(event, [])]

    def listener_count(self, event: EventName) -> int:
        return len(self._listeners.get(event, ()))

    def emit(self, event: EventName, *args: Any) -> bool:
        """Call the listeners of ``event`` with ``args``; see the module rules."""
        entries = self._listeners.get(event)
        if not entries:
            if event == "error":
                self._log_unhandled(args)
            return False
        for entry in tuple(entries):
            handler, once = entry
            if once:
                try:
                    entries.remove(entry)
                except ValueError:  # removed by an earlier listener of this same emit
                    continue
            try:
                result = handler(*args)
            except Exception as exc:
                self._handler_failed(event, exc)
                continue
            if result is not None and inspect.iscoroutine(result):
                self._track(event, result)
        return True

    async def wait_for(self, event: EventName, timeout: float | None = None) -> Any:
        """Wait for the next ``event``; return its argument (a tuple if several, None if none).

        Raises ``TimeoutError`` after ``timeout`` seconds; cancelling the wait is safe.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def resolve(*args: Any) -> None:
            if not future.done():
                future.set_result(args[0] if len(args) == 1 else (args or None))

        self.on(event, resolve)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self.off(event, resolve)

    def _track(self, event: str, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._handler_tasks.add(task)

        def finished(done: asyncio.Future[Any]) -> None:
            self._handler_tasks.discard(done)
            if not done.cancelled() and done.exception() is not None:
                self._handler_failed(event, done.exception())  # type: ignore[arg-type]

        task.add_done_callback(finished)

    def _handler_failed(self, event: str, exc: BaseException) -> None:
        if event == "error" or not self._listeners.get("error"):
            log.error("%s: a handler for '%s' raised", type(self).__name__, event, exc_info=exc)
            return
        error = HandlerError(event, exc)
        error.__cause__ = exc
        self.emit("error", error)  # type: ignore[arg-type]

    def _log_unhandled(self, args: tuple[Any, ...]) -> None:
        exc = args[0] if args and isinstance(args[0], BaseException) else None
        log.error(
            "%s emitted 'error' with no listener: %s",
            type(self).__name__,
            exc if exc is not None else args,
            exc_info=exc.__cause__ if isinstance(exc, HandlerError) else None,
        )
