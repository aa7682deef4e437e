"""A Node-style event emitter for asyncio.

The rules are in ``EventEmitter``'s docstring (they are the same for Client, Server and
Socket).

Why not ``pyee``: its ``AsyncIOEventEmitter`` lets a synchronous handler's exception escape
from ``emit`` and raises when ``'error'`` has no listener; both contradict the spec, and
changing them means overriding its private methods.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from types import CoroutineType
from typing import Any, ClassVar, Generic, TypeVar, overload

from ._errors import HandlerError

log = logging.getLogger("core")

EventName = TypeVar("EventName", bound=str)
#: A listener: called with the event's arguments; what it returns is ignored, except a
#: coroutine, which is run as a task.
Handler = Callable[..., object]
H = TypeVar("H", bound=Handler)
#: Given the arguments of a settling event, the exception that ends a ``wait_for`` (or None).
WaitBreaker = Callable[..., BaseException | None]
#: A coroutine of a ``serial_events`` listener waiting its turn, with its event.
Serial = tuple[str, Coroutine[object, None, object]]
_NO_TASKS: frozenset[asyncio.Task[object]] = frozenset()


class EventEmitter(Generic[EventName]):
    """Node semantics: on / once / off / emit, listener snapshots, tracked coroutine handlers.

    The rules, the same for Client, Server and Socket:

    - ``on(event, handler)`` appends a listener; ``once`` appends one that is removed before its
      first call; ``off(event, handler)`` removes the earliest registration of ``handler``
      (a ``once`` registration included). ``add_listener`` / ``remove_listener`` are aliases.
      ``on(event)`` and ``once(event)`` without a handler return a decorator.
    - ``emit(event, *args)`` calls the listeners registered at the moment of the call, in order,
      from a snapshot: a listener may add or remove listeners (itself included) safely; those
      changes apply to the next emit. It returns ``True`` if at least one listener was called.
    - A listener may be a coroutine function: the coroutine is scheduled as a task on the running
      loop and kept in a strong-reference set until it finishes. Other return values are ignored,
      awaitables included: ``socket.on('message', socket.send)`` echoes without a task per message.
    - For the events in ``serial_events`` (``'message'`` on Client and Socket) the coroutines run
      one at a time, in emission order, in one task: a handler's reply never overtakes the reply
      to an earlier message. ``handler_backlog`` counts those still waiting or running, so a
      reader can stop reading while it is high.
    - A listener that raises (or whose coroutine raises) never propagates into the connection or
      the loop: the exception is wrapped in ``HandlerError`` and emitted as ``'error'`` on the same
      emitter. With no ``'error'`` listener it goes to the emitter's ``forward_errors`` callback
      when it has one (a Socket forwards to its Server), else it is logged with its traceback on
      the ``core`` logger (never raised, unlike Node); so is an ``'error'`` listener that raises.
    - ``wait_for(event, timeout)`` awaits the next emission: the convenience for scripts and tests.
    """

    #: Events whose coroutine listeners run one at a time, in order (see the rules above).
    serial_events: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        self._listeners: dict[str, list[tuple[Handler, bool]]] = {}
        # Both made at the first coroutine handler (a server has hundreds of emitters, most
        # of them with plain function handlers): until then, a shared empty stand-in.
        self._handler_tasks: set[asyncio.Task[object]] | frozenset[asyncio.Task[object]] = _NO_TASKS
        self._serial: deque[Serial] | tuple[()] = ()
        self._serial_worker: asyncio.Task[None] | None = None
        self._room: tuple[int, asyncio.Future[None]] | None = None
        #: Where ``'error'`` events go when this emitter has no ``'error'`` listener.
        self.forward_errors: Callable[[BaseException], None] | None = None

    @overload
    def on(self, event: EventName, handler: H) -> H: ...
    @overload
    def on(self, event: EventName, handler: None = None) -> Callable[[H], H]: ...

    def on(self, event: EventName, handler: H | None = None) -> H | Callable[[H], H]:
        """Call ``handler`` on every ``event`` (``add_listener`` is the same method).

        Args:
            event: The event's name.
            handler: Called with the event's arguments; a coroutine function's coroutine
                is run as a task. Without one, ``on`` returns a decorator.

        Returns:
            ``handler`` itself (or the decorator that registers one).
        """
        if handler is None:
            return functools.partial(self._add, event, False)
        return self._add(event, False, handler)

    add_listener = on

    @overload
    def once(self, event: EventName, handler: H) -> H: ...
    @overload
    def once(self, event: EventName, handler: None = None) -> Callable[[H], H]: ...

    def once(self, event: EventName, handler: H | None = None) -> H | Callable[[H], H]:
        """Call ``handler`` on the next ``event`` only; it is removed before that call.

        Args:
            event: The event's name.
            handler: As for ``on``. Without one, ``once`` returns a decorator.

        Returns:
            ``handler`` itself (or the decorator that registers one).
        """
        if handler is None:
            return functools.partial(self._add, event, True)
        return self._add(event, True, handler)

    def _add(self, event: str, once: bool, handler: H) -> H:
        self._listeners.setdefault(event, []).append((handler, once))
        self._listener_added(event)
        return handler

    def off(self, event: EventName, handler: Handler) -> None:
        """Remove the earliest registration of ``handler`` (``remove_listener`` is the same).

        A ``once`` registration is removed too. Nothing happens if it is not registered.

        Args:
            event: The event it was registered for.
            handler: The function given to ``on`` or ``once``.
        """
        entries = self._listeners.get(event, [])
        for index, (registered, _once) in enumerate(entries):
            if registered == handler:
                del entries[index]
                return

    remove_listener = off

    def remove_all_listeners(self, event: EventName | None = None) -> None:
        """Remove every listener of ``event``, or of every event.

        Args:
            event: The event whose listeners go; None for all events.
        """
        if event is None:
            self._listeners.clear()
        else:
            self._listeners.pop(event, None)

    def listeners(self, event: EventName) -> list[Handler]:
        """The listeners of ``event``, in the order they are called.

        Args:
            event: The event's name.

        Returns:
            A new list (changing it changes nothing).
        """
        return [handler for handler, _once in self._listeners.get(event, [])]

    def listener_count(self, event: EventName) -> int:
        """How many listeners ``event`` has.

        Args:
            event: The event's name.

        Returns:
            The number of registrations (a handler registered twice counts twice).
        """
        return len(self._listeners.get(event, ()))

    def has_listeners(self, event: str) -> bool:
        """Whether anyone listens to ``event``: one dict look-up, for checks on hot paths.

        Args:
            event: The event's name.

        Returns:
            True if it has at least one listener.
        """
        return bool(self._listeners.get(event))

    @property
    def handler_backlog(self) -> int:
        """Coroutines of ``serial_events`` listeners not finished yet (the running one too)."""
        return len(self._serial)

    def backlog_below(self, limit: int) -> asyncio.Future[None] | None:
        """Wait for room among the ``serial_events`` coroutines (backpressure for a reader).

        Args:
            limit: The backlog to get below.

        Returns:
            None if ``handler_backlog < limit`` already; else a future done once it is.
            One waiter at a time: a second call replaces the first future.
        """
        if len(self._serial) < limit:
            return None
        future = asyncio.get_running_loop().create_future()
        self._room = (limit, future)
        return future

    def _listener_added(self, event: str) -> None:
        """Hook for subclasses, called after a listener of ``event`` was registered."""

    def emit(self, event: EventName, *args: object) -> bool:
        """Call the listeners of ``event`` with ``args`` (see the rules above).

        Args:
            event: The event's name.
            *args: What each listener is called with.

        Returns:
            True if at least one listener was called. An ``'error'`` with no listener is
            forwarded (``forward_errors``) or logged, never raised.
        """
        entries = self._listeners.get(event)
        if not entries:
            if event == "error":
                self._unhandled_error(args)
            return False
        if len(entries) == 1 and not entries[0][1]:  # the usual case, without the snapshot
            try:
                result = entries[0][0](*args)
            except Exception as exc:
                self._handler_failed(event, exc)
                return True
            if result is not None and isinstance(result, CoroutineType):
                if event in self.serial_events:
                    self._run_serially(event, result)
                else:
                    self._track(event, result)
            return True
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
            if result is not None and isinstance(result, CoroutineType):
                if event in self.serial_events:
                    self._run_serially(event, result)
                else:
                    self._track(event, result)
        return True

    async def wait_for(self, event: EventName, timeout: float | None = None) -> Any:
        """Wait for the next ``event``: the convenience for scripts and tests.

        Cancelling the wait is safe (its listener is removed).

        Args:
            event: The event's name.
            timeout: Seconds to wait at most; None waits for ever.

        Returns:
            The event's argument; a tuple if it has several, None if it has none.

        Raises:
            TimeoutError: No such event within ``timeout`` (the message names it).
        """
        return await self._wait_for(event, timeout)

    async def _wait_for(
        self,
        event: str,
        timeout: float | None,
        breaker: tuple[str, WaitBreaker] | None = None,
    ) -> object:
        """``wait_for``, also ended by ``breaker``: (event, args -> exception to raise or None)."""
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()

        def resolve(*args: object) -> None:
            if not future.done():
                future.set_result(args[0] if len(args) == 1 else (args or None))

        def interrupt(*args: object) -> None:
            assert breaker is not None
            error = breaker[1](*args)
            if error is not None and not future.done():
                future.set_exception(error)

        self._add(event, False, resolve)
        if breaker is not None:
            self._add(breaker[0], False, interrupt)
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise TimeoutError(f"no '{event}' event within {timeout} s on {self!r}") from None
        finally:
            self.off(event, resolve)  # type: ignore[arg-type]
            if breaker is not None:
                self.off(breaker[0], interrupt)  # type: ignore[arg-type]

    def _track(self, event: str, coroutine: Coroutine[object, None, object]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        tasks = self._handler_tasks
        if not isinstance(tasks, set):
            tasks = self._handler_tasks = set()
        tasks.add(task)

        def finished(done: asyncio.Task[object]) -> None:
            tasks.discard(done)
            if not done.cancelled() and (exc := done.exception()) is not None:
                self._handler_failed(event, exc)

        task.add_done_callback(finished)

    def _run_serially(self, event: str, coroutine: Coroutine[object, None, object]) -> None:
        queue = self._serial
        if not isinstance(queue, deque):
            queue = self._serial = deque()
        queue.append((event, coroutine))
        if self._serial_worker is None:
            self._serial_worker = asyncio.get_running_loop().create_task(self._serial_loop())

    async def _serial_loop(self) -> None:
        queue = self._serial
        assert isinstance(queue, deque)  # made by _run_serially, which started this loop
        try:
            while queue:
                event, coroutine = queue[0]
                try:
                    await coroutine
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    if task is not None and task.cancelling():
                        raise  # this worker is cancelled (loop shutdown), not the handler
                except Exception as exc:
                    self._handler_failed(event, exc)
                queue.popleft()
                if self._room is not None and len(queue) < self._room[0]:
                    self._free_room()
        except asyncio.CancelledError:
            for _event, waiting in queue:
                waiting.close()  # never started: close it so it is not reported as un-awaited
            queue.clear()
            raise
        finally:
            self._serial_worker = None
            self._free_room()

    def _free_room(self) -> None:
        if self._room is not None:
            room, self._room = self._room[1], None
            if not room.done():
                room.set_result(None)

    def _handler_failed(self, event: str, exc: BaseException) -> None:
        if event == "error" or not (self._listeners.get("error") or self.forward_errors):
            log.error("%s: a handler for '%s' raised", type(self).__name__, event, exc_info=exc)
            return
        error = HandlerError(event, exc)
        error.__cause__ = exc
        self.emit("error", error)  # type: ignore[arg-type]

    def _unhandled_error(self, args: tuple[object, ...]) -> None:
        exc = args[0] if args and isinstance(args[0], BaseException) else None
        if exc is not None and self.forward_errors is not None:
            self.forward_errors(exc)
            return
        log.error(
            "%s emitted 'error' with no listener: %s",
            type(self).__name__,
            exc if exc is not None else args,
            exc_info=exc.__cause__ if isinstance(exc, HandlerError) else None,
        )
