"""Pure tier: serial events, the handler backlog, forwarded errors and decorators."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest

from core import EventEmitter, HandlerError

pytestmark = pytest.mark.asyncio


class Serial(EventEmitter[str]):
    serial_events: ClassVar[frozenset[str]] = frozenset({"message"})


async def test_serial_event_coroutines_run_one_at_a_time_and_count_as_backlog() -> None:
    emitter = Serial()
    gates = [asyncio.Event() for _ in range(3)]
    trace: list[str] = []

    @emitter.on("message")
    async def handle(i: int) -> None:
        trace.append(f"start {i}")
        await gates[i].wait()
        trace.append(f"end {i}")

    for i in range(3):
        emitter.emit("message", i)
    assert emitter.handler_backlog == 3 and emitter.backlog_below(4) is None
    room = emitter.backlog_below(3)
    assert room is not None and not room.done()
    for gate in reversed(gates):  # released last first: order still holds
        gate.set()
    await asyncio.wait_for(room, 2)
    for _ in range(100):
        if emitter.handler_backlog == 0:
            break
        await asyncio.sleep(0.01)
    assert trace == ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]


async def test_a_failing_serial_handler_is_reported_and_the_next_still_runs() -> None:
    emitter = Serial()
    errors: list[BaseException] = []
    ran: list[int] = []
    emitter.on("error", errors.append)

    @emitter.on("message")
    async def handle(i: int) -> None:
        if i == 0:
            raise KeyError(i)
        ran.append(i)

    emitter.emit("message", 0)
    emitter.emit("message", 1)
    for _ in range(100):
        if ran:
            break
        await asyncio.sleep(0.01)
    assert ran == [1] and isinstance(errors[0], HandlerError)


async def test_unheard_errors_go_to_forward_errors() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    forwarded: list[BaseException] = []
    emitter.forward_errors = forwarded.append
    emitter.on("x", lambda: 1 / 0)
    emitter.emit("x")
    emitter.emit("error", ValueError("plain"))
    assert isinstance(forwarded[0], HandlerError) and str(forwarded[1]) == "plain"


async def test_once_as_a_decorator_returns_the_function() -> None:
    emitter: EventEmitter[str] = EventEmitter()
    calls: list[int] = []

    @emitter.once("x")
    def record(value: int) -> None:
        calls.append(value)

    emitter.emit("x", 1)
    emitter.emit("x", 2)
    assert calls == [1] and callable(record) and emitter.listener_count("x") == 0
