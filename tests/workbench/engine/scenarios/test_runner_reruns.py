"""A runner that runs again (a load test's user): fresh results, kept connections, sizes, close."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from core import Server, Socket
from tests.helpers import TIMEOUT, wait_until
from tests.workbench.engine.scenarios.helpers import scenario_of
from workbench.engine.scenarios.runner import ScenarioRunner

pytestmark = pytest.mark.asyncio

ECHO = """
url: "ws://127.0.0.1:{{port}}/"
steps:
  - send: {message: {n: "é"}}
  - expect: {equals: {n: "é"}, within: 2s}
  - send: {bytes: "00 01 02"}
  - expect: {bytes: "00 01 02", within: 2s}
"""


class Echo:
    """An echo server that keeps what it saw: sockets opened, and each close's code."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.opened = 0
        self.closes: list[int] = []
        server.on("connection", self.join)

    def join(self, socket: Socket) -> None:
        self.opened += 1
        socket.on("message", socket.send)
        socket.on("close", lambda code, reason: self.closes.append(code))


@contextlib.asynccontextmanager
async def echo() -> AsyncIterator[Echo]:
    server = Server(host_interface="127.0.0.1", port=0, send_type="*/*", receive_type="*/*")
    recorder = Echo(server)
    await asyncio.wait_for(server.start(), TIMEOUT)
    try:
        yield recorder
    finally:
        await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_kept_connections_serve_every_run_and_close_with_the_code_given() -> None:
    async with echo() as server:
        runner = ScenarioRunner(scenario_of(ECHO, port=server.server.port), keep_open=True)
        first = await runner.run()
        second = await runner.run()
        assert [r.status for r in first.steps] == ["passed"] * 5
        assert [r.status for r in second.steps] == ["passed"] * 5
        assert second is not first and runner.result is second
        assert (first.steps[0].reused, second.steps[0].reused) == (False, True)
        assert server.opened == 1 and server.closes == []
        await asyncio.wait_for(runner.close(1001, "going away"), TIMEOUT)
        await wait_until(lambda: server.closes == [1001])


async def test_sizes_are_the_payload_bytes_sent_and_matched() -> None:
    async with echo() as server:
        result = await ScenarioRunner(scenario_of(ECHO, port=server.server.port)).run()
    # {"n":"é"} is 9 characters and 10 bytes in UTF-8
    assert [r.size for r in result.steps] == [0, 10, 10, 3, 3]


async def test_without_keep_open_every_run_opens_and_closes_its_own_connection() -> None:
    async with echo() as server:
        runner = ScenarioRunner(scenario_of(ECHO, port=server.server.port))
        for _ in range(2):
            assert (await runner.run()).status == "passed"
        await wait_until(lambda: server.closes == [1000, 1000])
        assert server.opened == 2


async def test_a_failed_run_closes_kept_connections_so_the_next_starts_afresh() -> None:
    text = ECHO.replace(
        'expect: {equals: {n: "é"}, within: 2s}', "expect: {equals: 1, within: 100ms}"
    )
    async with echo() as server:
        runner = ScenarioRunner(scenario_of(text, port=server.server.port), keep_open=True)
        assert (await runner.run()).status == "failed"
        await wait_until(lambda: server.closes == [1000])
        again = await runner.run()
        assert again.status == "failed" and not again.steps[0].reused
        assert server.opened == 2


async def test_running_twice_at_once_is_refused_and_close_stops_a_run_under_way() -> None:
    text = ECHO + "  - sleep: 5s\n"
    async with echo() as server:
        runner = ScenarioRunner(scenario_of(text, port=server.server.port), keep_open=True)
        running = asyncio.create_task(runner.run())
        await wait_until(lambda: runner.result.steps[-1].status == "running")
        with pytest.raises(RuntimeError, match="already running"):
            await runner.run()
        await asyncio.wait_for(runner.close(1001), TIMEOUT)
        result = await asyncio.wait_for(running, TIMEOUT)
        assert result.status == "stopped" and result.steps[-1].status == "stopped"
        await wait_until(lambda: server.closes == [1001])
