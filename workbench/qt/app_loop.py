"""Setting up the qasync loop on a ``QApplication``: for the application and for tests.

The application (``workbench.__main__``)::

    app = QApplication(sys.argv)
    loop = install_loop(app)             # before any window exists (clicks need the loop)
    service = WorkbenchService()
    install_error_hooks(loop, service.engine.report)  # the one error path, for uncaught ones too
    window = MainWindow(service); window.show()
    sys.exit(run_until_quit(app, loop, shutdown=service.engine.shutdown))

Tests use ``running_loop_for_tests(qapp)`` (wrapped by the ``qloop`` fixture in
``tests/workbench/conftest.py``): the loop is installed and *registered as the running loop*
without running it, so ``qtbot.waitUntil`` pumps Qt events, which run the asyncio callbacks,
and code calling ``asyncio.get_running_loop()`` (websockets does) works. Why not
``already_running=True``: its ``stop()`` calls ``QApplication.exit()`` and every later
``qtbot.wait*`` returns at once (found when the test suite was first set up on PySide6).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication

from .gc_guard import GuiThreadCollector

__all__ = [
    "drain_loop",
    "freeze_startup_objects",
    "install_error_hooks",
    "install_loop",
    "run_until_quit",
    "running_loop_for_tests",
]

log = logging.getLogger("workbench")


def install_loop(app: QCoreApplication) -> qasync.QEventLoop:
    """Create the qasync loop for ``app`` and make it the current event loop; from now on
    garbage is collected on the GUI thread only (``gc_guard``)."""
    GuiThreadCollector(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    return loop


def freeze_startup_objects() -> int:
    """Move every object alive now (modules, Qt wrappers, the window) out of the garbage
    collector's sight (``gc.freeze()``), after one collection; returns how many.

    Call it once the window is built. Full collections then scan only objects made later:
    measured under the flood benchmark, each one held the UI loop ~25 ms instead of ~7 ms.
    The cost: cyclic garbage among those startup objects is never freed (there is little).
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def run_until_quit(
    app: QCoreApplication,
    loop: qasync.QEventLoop,
    shutdown: Callable[[], Awaitable[Any]] | None = None,
    timeout: float = 5.0,
    freeze_startup: bool = True,
) -> int:
    """Run the loop until the application quits, then run ``shutdown()`` (bounded by
    ``timeout`` seconds) and close the loop. Returns the exit code for ``sys.exit``.

    Prefer closing sockets in the main window's ``closeEvent`` (so the window stays until
    they are closed); ``shutdown`` here is the safety net for a quit from elsewhere. With
    ``freeze_startup`` (default), ``freeze_startup_objects()`` runs first: build the window
    before calling this."""
    quitting = asyncio.Event()
    app.aboutToQuit.connect(quitting.set)
    if freeze_startup:
        freeze_startup_objects()
    with loop:
        loop.run_until_complete(quitting.wait())
        if shutdown is not None:
            try:
                loop.run_until_complete(asyncio.wait_for(shutdown(), timeout))
            except Exception:  # the window is gone: the terminal is all that is left
                log.exception("shutdown did not finish cleanly")
    destroy_qt(app)
    return 0


def destroy_qt(app: QCoreApplication) -> None:
    """Delete the application and every Qt object now, in Qt's order.

    Left to interpreter exit, Python destroys wrappers in an arbitrary order (frozen startup
    objects included), which occasionally crashed the process after its work was done."""
    gc.unfreeze()
    app.shutdown()


def install_error_hooks(
    loop: asyncio.AbstractEventLoop, report: Callable[[str, BaseException | str], None]
) -> None:
    """Route exceptions nobody catches to ``report(context, error)`` (the one error path):

    - exceptions in asyncio tasks/callbacks (the loop's exception handler), and
    - exceptions raised in Qt slots and event handlers (``sys.excepthook``).

    Slot exceptions are logged here with their traceback; the loop's are logged by
    ``report`` (the engine's error path logs and coalesces them: asyncio reports every failed
    ``accept()`` at the open-file limit, thousands a second)."""

    def loop_handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = context.get("message", "")
        try:  # logged there, and coalesced: a burst (accept() at the file limit) is one line
            report("background task", exc if isinstance(exc, BaseException) else str(message))
        except Exception:  # never let the error path raise into the loop
            log.exception("the error hook failed")

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("uncaught exception", exc_info=(kind, exc, tb))
        try:
            report("unexpected error", exc)
        except Exception:
            log.exception("the error hook failed")

    loop.set_exception_handler(loop_handler)
    sys.excepthook = excepthook


def drain_loop(
    app: QCoreApplication, loop: asyncio.AbstractEventLoop, timeout: float = 5.0
) -> list[asyncio.Task[Any]]:
    """Cancel every unfinished task of ``loop`` and process Qt events until they end, for at
    most ``timeout`` seconds. Returns the tasks that still did not finish (normally none)."""
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    deadline = time.monotonic() + timeout
    while any(not task.done() for task in tasks) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)  # not synchronisation: lets the OS deliver socket events
    # One more round so done-callbacks scheduled by the cancellations run.
    for _ in range(5):
        app.processEvents()
    return [task for task in tasks if not task.done()]


@contextlib.contextmanager
def running_loop_for_tests(
    app: QCoreApplication, teardown_timeout: float = 5.0
) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on ``app``, set and registered as running, for sync pytest-qt tests.

    On exit (bounded by ``teardown_timeout`` seconds): cancel leftover tasks and pump Qt
    events until they end, unregister the running loop, close the loop, unset it. Close
    servers and clients *before* leaving (e.g. ``service.engine.shutdown()``); leftover sockets are
    only cancelled. Raises ``RuntimeError`` on exit if tasks did not finish in time.
    """
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    previous = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(loop)
    stuck: list[asyncio.Task[Any]] = []
    try:
        yield loop
    finally:
        try:
            stuck = drain_loop(app, loop, teardown_timeout)
        finally:
            asyncio.events._set_running_loop(previous)
            with contextlib.suppress(Exception):
                loop.close()
            asyncio.set_event_loop(None)
    if stuck:
        raise RuntimeError(f"{len(stuck)} task(s) did not finish at teardown: {stuck!r}")
