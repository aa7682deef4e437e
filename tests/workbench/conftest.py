"""Fixtures for workbench tests: a qasync loop under pytest-qt, a service, and helpers.

The pattern (``workbench.qt.app_loop`` says why it is this one): tests are *synchronous*; the
``qloop`` fixture installs a ``qasync.QEventLoop`` on pytest-qt's ``qapp``, sets it and
registers it as the running loop without running it. While ``qtbot.waitUntil(...)`` pumps Qt
events, qasync runs the asyncio callbacks and socket notifications, so real servers and
clients on 127.0.0.1 make progress. Never call ``qtbot.waitUntil`` inside a coroutine, and do
not use ``already_running=True``.

Fixtures:
    ``qloop``: the loop (function scope; bounded teardown cancels leftovers, then closes it).
    ``service``: a ``WorkbenchService`` on ``qloop``; shut down (bounded) at teardown.
    ``run``: ``run(awaitable, timeout=5.0)`` -> its result: wraps it in a task and waits with
        ``qtbot.waitUntil(task.done)``. Fails the test with ``TimeoutError`` after ``timeout``.
    ``wait_for``: ``wait_for(condition, timeout=5.0, what="...")``: ``qtbot.waitUntil`` with
        a readable failure message.
    ``config_dir``: a temporary ``WEBSOCKET_WORKBENCH_CONFIG_DIR`` (automatic for every test),
        and a temporary ``WEBSOCKET_WORKBENCH_DATA_DIR`` beside it (load tests' run folders).

Widget tests: request ``qloop`` (or ``service``) *before* building a window, so async buttons
work from the first click.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from workbench.qt.app_loop import running_loop_for_tests

T = TypeVar("T")

TIMEOUT = 5.0


@pytest.fixture
def qloop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop on ``qapp``, registered as running, torn down within 5 s."""
    with running_loop_for_tests(qapp, teardown_timeout=TIMEOUT) as loop:
        yield loop


@pytest.fixture
def run(qloop: asyncio.AbstractEventLoop, qtbot: Any) -> Callable[..., Any]:
    """``run(awaitable, timeout=5.0)``: drive the loop until it completes; return its result."""

    def run(awaitable: Awaitable[T], timeout: float = TIMEOUT) -> T:
        task = asyncio.ensure_future(awaitable)
        try:
            qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        except AssertionError:
            task.cancel()
            raise TimeoutError(f"{awaitable!r} did not finish within {timeout} s") from None
        return task.result()

    return run


@pytest.fixture
def wait_for(qtbot: Any) -> Callable[..., None]:
    """``wait_for(condition, timeout=5.0, what="")``: pump the loop until ``condition()``."""

    def wait_for(condition: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> None:
        try:
            qtbot.waitUntil(lambda: bool(condition()), timeout=int(timeout * 1000))
        except AssertionError:
            raise AssertionError(
                f"timed out after {timeout} s waiting for {what or condition!r}"
            ) from None

    return wait_for


@pytest.fixture
def service(qloop: asyncio.AbstractEventLoop, run: Callable[..., Any]) -> Iterator[Any]:
    """A ``WorkbenchService`` whose servers and clients are closed at teardown (bounded)."""
    from workbench.qt.service import WorkbenchService

    svc = WorkbenchService()
    yield svc
    run(svc.engine.shutdown(timeout=TIMEOUT), timeout=TIMEOUT + 1)
    svc.deleteLater()


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh folder used as the workbench's config dir (the workspace default path, the
    window layout, trusted certificates), for every test: none writes to the real one."""
    folder = tmp_path / "config"
    monkeypatch.setenv("WEBSOCKET_WORKBENCH_CONFIG_DIR", str(folder))
    monkeypatch.setenv("WEBSOCKET_WORKBENCH_DATA_DIR", str(tmp_path / "data"))  # load test runs
    return folder


@pytest.fixture(scope="session")
def gui_thread_collector(qapp: Any) -> Iterator[Any]:
    """Garbage collection on the GUI thread only, as in the application (``gc_guard``)."""
    from workbench.qt.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def collect_between_tests(gui_thread_collector: Any) -> Iterator[None]:
    """Collect after each test, on this (the GUI) thread: tests without a Qt loop never
    run the collector's timer."""
    yield
    gui_thread_collector.check()
