"""The qasync loop helpers: the test loop is registered as running, teardown is bounded, and
uncaught errors reach the one error path."""

from __future__ import annotations

import asyncio
import gc
import sys

from workbench.qt.app_loop import drain_loop, install_error_hooks


def test_the_fixture_loop_is_the_running_loop(qloop, run) -> None:
    assert asyncio.get_running_loop() is qloop

    async def where() -> asyncio.AbstractEventLoop:
        await asyncio.sleep(0)
        return asyncio.get_running_loop()

    assert run(where()) is qloop


def test_drain_loop_cancels_leftover_tasks_within_its_bound(qapp, qloop) -> None:
    async def forever() -> None:
        await asyncio.sleep(3600)

    task = asyncio.ensure_future(forever())
    qapp.processEvents()
    assert drain_loop(qapp, qloop, timeout=2.0) == []
    assert task.cancelled()


def test_uncaught_task_errors_and_slot_errors_reach_the_error_path(qloop, run, monkeypatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    reported: list[tuple[str, object]] = []
    install_error_hooks(qloop, lambda context, error: reported.append((context, error)))
    try:

        async def fails() -> None:
            raise RuntimeError("nobody awaited me")

        task = asyncio.ensure_future(fails())
        run(asyncio.wait([task]))
        del task
        gc.collect()  # "exception was never retrieved" is reported when the task is freed
        assert [(c, str(e)) for c, e in reported] == [("background task", "nobody awaited me")]
        error = ValueError("in a slot")
        sys.excepthook(ValueError, error, None)
        assert reported[-1] == ("unexpected error", error)
    finally:
        qloop.set_exception_handler(None)


def test_freeze_startup_objects_hides_them_from_the_collector() -> None:
    from workbench.qt.app_loop import freeze_startup_objects

    try:
        frozen = freeze_startup_objects()
        assert frozen > 1000 and gc.get_freeze_count() == frozen
        assert len(gc.get_objects()) < frozen  # what the collector still scans
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_garbage_is_collected_on_the_gui_thread_only(qapp) -> None:
    """A worker thread's allocations never trigger a collection (which could destroy Qt
    wrappers off the GUI thread); collections happen on the GUI thread."""
    import gc
    import threading
    import weakref

    from workbench.qt.gc_guard import GuiThreadCollector

    class Node:
        pass

    collector = GuiThreadCollector(interval_ms=10_000)
    try:
        assert not gc.isenabled()
        cycle = Node()
        cycle.self = cycle  # type: ignore[attr-defined]
        alive = weakref.ref(cycle)
        del cycle
        worker = threading.Thread(target=lambda: [[] for _ in range(50_000)])  # past gen 0
        worker.start()
        worker.join(10)
        assert alive() is not None  # the worker's allocations collected nothing
        gc.collect()  # what the collector's timer does on this (the GUI) thread
        assert alive() is None
    finally:
        collector.stop()
