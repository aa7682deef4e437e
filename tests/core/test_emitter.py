"""Pure tier: the emitter's rules."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from core import EventEmitter, HandlerError


def test_emit_calls_in_order_and_reports_whether_anyone_listened() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    calls: list[tuple[str, int]] = []
    emitter.on("x", lambda v: calls.append(("a", v)))
    emitter.on("x", lambda v: calls.append(("b", v)))
    assert emitter.emit("x", 1) is True
    assert emitter.emit("nobody", 1) is False
    assert calls == [("a", 1), ("b", 1)]


def test_once_runs_once_and_can_be_removed_with_off() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    calls: list[int] = []
    emitter.once("x", calls.append)
    emitter.emit("x", 1)
    emitter.emit("x", 2)
    removed: list[int] = []
    emitter.once("y", removed.append)
    emitter.off("y", removed.append)
    emitter.emit("y", 3)
    assert calls == [1] and removed == [] and emitter.listener_count("x") == 0


def test_listeners_run_from_a_snapshot() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    calls: list[str] = []

    def first() -> None:
        calls.append("first")
        emitter.off("x", first)
        emitter.on("x", lambda: calls.append("added"))

    emitter.on("x", first)
    emitter.on("x", lambda: calls.append("second"))
    emitter.emit("x")
    emitter.emit("x")
    assert calls == ["first", "second", "second", "added"]


def test_off_removes_the_earliest_registration_only() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    calls: list[int] = []
    emitter.on("x", calls.append)
    emitter.on("x", calls.append)
    emitter.off("x", calls.append)
    emitter.emit("x", 7)
    assert calls == [7]


def test_raising_handler_becomes_error_event_and_others_still_run() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    errors: list[BaseException] = []
    after: list[int] = []
    emitter.on("error", errors.append)
    emitter.on("x", lambda v: 1 / 0)
    emitter.on("x", after.append)
    emitter.emit("x", 5)
    assert after == [5]
    assert len(errors) == 1 and isinstance(errors[0], HandlerError)
    assert errors[0].event == "x" and isinstance(errors[0].__cause__, ZeroDivisionError)
    assert "handler for 'x' raised ZeroDivisionError" in str(errors[0])


def test_unhandled_error_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    emitter: EventEmitter[str] = EventEmitter()
    emitter.on("x", lambda: [][1])
    with caplog.at_level(logging.ERROR, logger="core"):
        assert emitter.emit("x") is True
        assert emitter.emit("error", ValueError("boom")) is False
    messages = [r.getMessage() for r in caplog.records]
    assert any("handler for 'x' raised" in m for m in messages)
    assert any("emitted 'error' with no listener: boom" in m for m in messages)


def test_raising_error_handler_is_logged_without_recursion(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emitter: EventEmitter[str] = EventEmitter()
    emitter.on("error", lambda exc: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="core"):
        emitter.emit("x_never_registered")
        emitter.on("x", lambda: [][1])
        emitter.emit("x")
    assert sum("handler for 'error' raised" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.asyncio
async def test_coroutine_handlers_are_tracked_tasks_and_their_errors_are_emitted() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    done = asyncio.Event()
    errors: list[BaseException] = []
    emitter.on("error", lambda exc: (errors.append(exc), done.set()))

    async def failing(value: int) -> None:
        await asyncio.sleep(0)
        raise KeyError(value)

    emitter.on("x", failing)
    before = asyncio.all_tasks()
    emitter.emit("x", 3)
    gc.collect()  # the emitter's strong reference keeps the task alive
    (task,) = asyncio.all_tasks() - before
    await asyncio.wait_for(done.wait(), 2)
    assert isinstance(errors[0], HandlerError) and isinstance(errors[0].__cause__, KeyError)
    await asyncio.sleep(0)
    assert task.done() and asyncio.all_tasks() == before


@pytest.mark.asyncio
async def test_wait_for_returns_arguments_and_times_out() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    loop = asyncio.get_running_loop()
    loop.call_soon(emitter.emit, "pair", 1, 2)
    assert await emitter.wait_for("pair", timeout=2) == (1, 2)
    loop.call_soon(emitter.emit, "one", "a")
    assert await emitter.wait_for("one", timeout=2) == "a"
    with pytest.raises(TimeoutError):
        await emitter.wait_for("never", timeout=0.05)
    assert emitter.listener_count("never") == 0


@pytest.mark.asyncio
async def test_awaitables_returned_by_plain_handlers_are_not_wrapped_in_tasks() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    future = asyncio.get_running_loop().create_future()
    emitter.on("x", lambda: future)  # e.g. socket.on('message', socket.send) returns an awaitable
    before = asyncio.all_tasks()
    emitter.emit("x")
    assert asyncio.all_tasks() == before
    future.cancel()
