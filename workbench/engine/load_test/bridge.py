"""The gevent/asyncio bridge: one asyncio loop in a native thread, driven by Locust's greenlets.

Locust's virtual users are greenlets on gevent's hub, and importing Locust monkey-patches the
standard library with gevent; ``core`` is asyncio. Running asyncio *inside* the hub (a loop
per greenlet, or asyncio on gevent's patched selector) turns every wait of one side into a
blocking call for the other. So each side keeps its own event loop, in its own OS thread:

- ``LoopThread.start()`` runs one asyncio loop for all the users of the process (uvloop when
  installed) in a native thread of a gevent ``ThreadPool``: native even though ``threading``
  is patched (``threading.Thread`` would start a greenlet that the thread's never-running
  hub could not schedule). It starts lazily, after Locust's ``--processes`` fork.
- greenlet -> loop: ``call_soon`` is the loop's ``call_soon_threadsafe``; ``submit(f, ...)``
  runs the coroutine ``f(...)`` as a task and returns a gevent ``AsyncResult``, which the
  greenlet waits on cooperatively: the hub goes on running the other users meanwhile.
- loop -> greenlets: ``to_greenlets(f, ...)`` appends the call to a deque and wakes the hub
  through a gevent ``async_`` watcher (``send()`` is thread-safe; sends before the hub gets
  to it coalesce, so a burst costs one wake-up); in the hub, the watcher's callback makes
  every call waiting. Only non-blocking things go that way: setting an ``AsyncResult``,
  putting into an unbounded gevent ``Queue``. The watcher is referenced, so the hub keeps
  waiting for the loop while greenlets wait on it (an unreferenced wake-up would let gevent
  think nothing can wake them, and raise ``LoopExit``). No gevent object is used in the loop's
  thread but that watcher's ``send``, and no asyncio object in the hub's but the loop's
  thread-safe call, so neither side ever blocks the other.
- The loop uses the original machinery. uvloop does its own I/O in libuv: no Python socket,
  selector or thread is involved (the ``load`` extra installs it). The stdlib loop is built
  on the original selector (``gevent.monkey.get_original``) and resolves names with the
  original ``getaddrinfo`` on a short-lived native thread (the patched one would wait on a
  hub that never runs in this thread). Its limit: asyncio looks ``socket.socket`` up in the
  patched ``socket`` module, so its sockets are gevent's class; in non-blocking mode that
  calls the real socket directly, but it makes an idle hub object in the loop's thread.
  Nothing may use ``run_in_executor`` on either loop (its thread pool would be greenlets);
  ``core`` does not.
- ``stop()`` stops the loop, cancels what is left on it (``leftover_tasks`` counts them:
  users close their connections first, so a clean stop leaves none), closes it and ends the
  thread, waiting cooperatively and bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import gevent
import gevent.monkey
from gevent.event import AsyncResult
from gevent.threadpool import ThreadPool

__all__ = ["START_TIMEOUT", "STOP_TIMEOUT", "LoopStopped", "LoopThread", "uvloop_installed"]

#: Seconds the loop's thread may take to start, and to stop.
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0

T = TypeVar("T")
log = logging.getLogger(__name__)

_start_new_thread = gevent.monkey.get_original("_thread", "start_new_thread")
_get_native_id = gevent.monkey.get_original("_thread", "get_native_id")
_getaddrinfo = gevent.monkey.get_original("socket", "getaddrinfo")
_Selector = gevent.monkey.get_original("selectors", "DefaultSelector")


class LoopStopped(RuntimeError):
    """The loop stopped before the work handed to it was done."""


def uvloop_installed() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


class LoopThread:
    """One asyncio loop in a native thread; every public method is called from greenlets,
    except ``to_greenlets``, which the loop's side calls (see the module docstring)."""

    def __init__(self, use_uvloop: bool | None = None) -> None:
        self.use_uvloop = uvloop_installed() if use_uvloop is None else use_uvloop
        self.loop: asyncio.AbstractEventLoop | None = None
        #: The thread's id as the OS knows it (``/proc/self/task``, psutil's threads).
        self.native_id: int | None = None
        #: Tasks the last stop found still on the loop and cancelled.
        self.leftover_tasks = 0
        self._pid = os.getpid()
        self._pool: Any = None
        self._ended: Any = None
        self._to_hub: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._wake_hub: Any = None
        self._starting: AsyncResult[Any] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def running(self) -> bool:
        return self.loop is not None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the thread and its loop, unless they run already (greenlets that call it
        meanwhile wait for the same start)."""
        if self._starting is not None:
            self._starting.get(timeout=timeout)
            return
        if self.loop is not None:
            if self._pid != os.getpid():
                raise RuntimeError("the asyncio thread does not survive a fork; start it after")
            return
        self._pid = os.getpid()
        self._to_hub.clear()
        self._wake_hub = gevent.get_hub().loop.async_()
        self._wake_hub.start(self._run_in_hub)
        ready: AsyncResult[Any] = AsyncResult()
        self._starting = ready
        self._pool = ThreadPool(1)
        self._ended = self._pool.spawn(self._main, ready)
        try:
            ready.get(timeout=timeout)
        except BaseException:
            self.loop = None
            self._pool.kill()
            self._pool = self._ended = None
            self._close_wake_hub()
            raise
        finally:
            self._starting = None

    def call_soon(self, function: Callable[..., Any], *args: Any) -> None:
        """Call ``function(*args)`` in the loop's thread, soon."""
        self._running_loop().call_soon_threadsafe(function, *args)

    def submit(
        self, function: Callable[..., Coroutine[Any, Any, T]], *args: Any
    ) -> AsyncResult[Any]:
        """Run ``function(*args)`` on the loop; an ``AsyncResult`` of what it returns or raises
        (``LoopStopped`` if the loop stops first)."""
        result: AsyncResult[Any] = AsyncResult()
        self._running_loop().call_soon_threadsafe(self._begin, result, function, args)
        return result

    def to_greenlets(self, function: Callable[..., Any], *args: Any) -> None:
        """From the loop's thread: call ``function(*args)`` in the hub; it must not block."""
        self._to_hub.append((function, args))
        wake = self._wake_hub
        if wake is not None:
            wake.send()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the loop and end the thread (cooperatively, within ``timeout``)."""
        loop, self.loop = self.loop, None
        if loop is None:
            return
        try:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(loop.stop)
            self._ended.get(timeout=timeout)
        finally:
            self._pool.kill()  # waits (cooperatively) for the pool's thread to leave
            self._pool = self._ended = None
            self._run_in_hub()  # what the loop handed over last
            self._close_wake_hub()

    # -- in the hub ------------------------------------------------------------------------

    def _run_in_hub(self) -> None:
        calls = self._to_hub
        while calls:
            function, args = calls.popleft()
            try:
                function(*args)
            except Exception:  # one failing call must not lose the others
                log.exception("a call from the asyncio thread failed")

    def _close_wake_hub(self) -> None:
        wake, self._wake_hub = self._wake_hub, None
        if wake is not None:
            wake.stop()
            wake.close()

    # -- in the loop's thread ------------------------------------------------------------

    def _main(self, ready: AsyncResult[Any]) -> None:
        try:
            loop = self._new_loop()
        except BaseException as exc:
            self.to_greenlets(ready.set_exception, exc)
            return
        self.native_id = _get_native_id()
        self.loop = loop  # before ready: a greenlet may see ready set before start() resumes
        self.to_greenlets(ready.set, loop)
        try:
            loop.run_forever()
        finally:
            left = [task for task in asyncio.all_tasks(loop) if not task.done()]
            self.leftover_tasks = len(left)
            for task in left:
                task.cancel()
            if left:
                loop.run_until_complete(asyncio.wait(left))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _new_loop(self) -> asyncio.AbstractEventLoop:
        if self.use_uvloop:
            import uvloop

            return uvloop.new_event_loop()
        return _SelectorLoop(_Selector())

    def _begin(
        self, result: AsyncResult[Any], function: Callable[..., Coroutine[Any, Any, Any]], args: Any
    ) -> None:
        try:
            task = asyncio.get_running_loop().create_task(function(*args))
        except BaseException as exc:
            self.to_greenlets(result.set_exception, exc)
            return
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._settle, result))

    def _settle(self, result: AsyncResult[Any], task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            self.to_greenlets(result.set_exception, LoopStopped("the asyncio loop stopped"))
        elif (exc := task.exception()) is not None:
            self.to_greenlets(result.set_exception, exc)
        else:
            self.to_greenlets(result.set, task.result())

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self.loop is None:
            raise LoopStopped("the asyncio thread is not running; start() it first")
        return self.loop


class _SelectorLoop(asyncio.SelectorEventLoop):
    """The stdlib loop on the original selector, resolving names on a native thread."""

    async def getaddrinfo(
        self,
        host: bytes | str | None,
        port: bytes | str | int | None,
        *,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[tuple[Any, ...]]:
        future: asyncio.Future[list[tuple[Any, ...]]] = self.create_future()

        def settle(outcome: Any, failed: bool) -> None:
            if not future.done():
                (future.set_exception if failed else future.set_result)(outcome)

        def resolve() -> None:
            try:
                outcome, failed = _getaddrinfo(host, port, family, type, proto, flags), False
            except (OSError, UnicodeError) as exc:
                outcome, failed = exc, True
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self.call_soon_threadsafe(settle, outcome, failed)

        _start_new_thread(resolve, ())
        return await future
