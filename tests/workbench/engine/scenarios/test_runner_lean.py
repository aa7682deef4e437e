"""What a run does only when asked (events of the kinds wanted, a preview when read), its
steps in the caller's task (stop() from inside a run), the step deadline's kept timer, and
a connection of its own converting what it receives (core then reads and writes directly)."""

from __future__ import annotations

import asyncio

import pytest

from core import Client
from tests.helpers import TIMEOUT
from tests.workbench.engine.scenarios.helpers import scenario_of
from tests.workbench.engine.scenarios.servers import echo_server
from workbench.engine.scenarios.connections import CoreConnection, PulledClient
from workbench.engine.scenarios.matchers import Arrival
from workbench.engine.scenarios.model import ClientSpec, Location, Ping
from workbench.engine.scenarios.results import StepEvent, StepResult
from workbench.engine.scenarios.runner import ScenarioRunner
from workbench.engine.scenarios.step_deadline import StepDeadline

pytestmark = pytest.mark.asyncio

ECHO = """
url: "ws://127.0.0.1:{{port}}/"
steps:
  - send: {message: {n: 1}}
  - expect: {equals: {n: 1}, within: 2s}
  - send: {message: {n: 2}}
  - expect: {equals: {n: 2}, within: 2s}
"""


async def test_on_event_gets_only_the_kinds_asked_for() -> None:
    failing = ECHO.replace("equals: {n: 2}, within: 2s", "equals: {n: 3}, within: 100ms")
    async with echo_server() as server:
        events: list[StepEvent] = []
        runner = ScenarioRunner(
            scenario_of(failing, port=server.port), events.append, events=("passed", "failed")
        )
        result = await asyncio.wait_for(runner.run(), TIMEOUT)
        every: list[StepEvent] = []
        await asyncio.wait_for(ScenarioRunner(runner.scenario, every.append).run(), TIMEOUT)
    assert result.status == "failed"
    assert [(e.kind, e.result.step.number) for e in events] == [
        ("passed", 0),  # the open the runner adds
        ("passed", 1),
        ("passed", 2),
        ("passed", 3),
        ("failed", 4),
    ]
    assert [e.kind for e in every] == ["started", "passed"] * 4 + ["started", "failed"]


async def test_a_matched_messages_preview_is_there_to_read_and_made_once() -> None:
    async with echo_server() as server:
        runner = ScenarioRunner(scenario_of(ECHO, port=server.port), keep_open=True)
        result = await asyncio.wait_for(runner.run(), TIMEOUT)
        await asyncio.wait_for(runner.close(), TIMEOUT)
    assert [r.received for r in result.steps] == ["", "", '{"n":1}', "", '{"n":2}']
    made: list[int] = []

    def preview() -> str:
        made.append(1)
        return '{"n":1}'

    step = StepResult(Ping(1, Location("test.yaml"), "client", 1.0))
    step.received_from(preview)
    assert made == []
    assert (step.received, step.received, made) == ('{"n":1}', '{"n":1}', [1])


async def test_stop_from_an_event_of_the_run_stops_the_step_that_waits_next() -> None:
    kinds: list[tuple[str, int]] = []

    def on_event(event: StepEvent) -> None:
        kinds.append((event.kind, event.result.step.number))
        if event.kind == "started" and event.result.step.number == 5:
            runner.stop()

    async with echo_server() as server:
        text = ECHO + "  - expect: {within: 30s}"
        runner = ScenarioRunner(scenario_of(text, port=server.port), on_event)
        async with asyncio.timeout(TIMEOUT):  # in this very task
            result = await runner.run()
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0
        await asyncio.sleep(0.01)  # the caller's task is not left cancelled
    assert result.status == "stopped"
    assert kinds[-2:] == [("started", 5), ("stopped", 5)]
    assert result.steps[-1].message == "stopped before it finished"


async def test_stop_after_the_last_wait_of_a_run_changes_nothing() -> None:
    def on_event(event: StepEvent) -> None:
        if event.kind == "passed" and event.result.step.number == 4:
            runner.stop()

    async with echo_server() as server:
        runner = ScenarioRunner(scenario_of(ECHO, port=server.port), on_event)
        async with asyncio.timeout(TIMEOUT):  # in this very task
            result = await runner.run()
        await asyncio.sleep(0.01)  # the caller's task is not left cancelled
    assert result.status == "passed"
    assert [r.status for r in result.steps] == ["passed"] * 5


async def test_a_step_deadline_sooner_than_the_armed_timer_still_ends_the_step() -> None:
    deadline = StepDeadline()
    loop = asyncio.get_running_loop()
    with deadline.bound(30):
        pass  # leaves the timer armed for 30 s
    started = loop.time()
    with pytest.raises(TimeoutError), deadline.bound(0.05):
        await asyncio.sleep(TIMEOUT)
    assert loop.time() - started < TIMEOUT / 2


async def test_a_step_deadline_later_than_the_armed_timer_waits_on_for_it() -> None:
    deadline = StepDeadline()
    with deadline.bound(0.02):
        pass  # leaves the timer armed for 20 ms
    with deadline.bound(TIMEOUT):
        await asyncio.sleep(0.1)  # the 20 ms timer fires meanwhile: not this step's
    with pytest.raises(TimeoutError), deadline.bound(0.05):
        await asyncio.sleep(TIMEOUT)


async def test_a_cancellation_from_elsewhere_stays_a_cancellation() -> None:
    deadline = StepDeadline()

    async def step() -> None:
        with deadline.bound(TIMEOUT):
            await asyncio.sleep(TIMEOUT)

    task = asyncio.create_task(step())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, TIMEOUT)


FRAMES = ['{"n":1}', "not json", b'{"n":2}', b"\xff\xfe", "é"]


@pytest.mark.parametrize(
    "receive_type", ["application/json", "text/plain", "application/octet-stream", "*/*"]
)
async def test_a_connection_of_its_own_converts_frames_as_core_would(receive_type: str) -> None:
    async with echo_server() as server:
        url = f"ws://127.0.0.1:{server.port}/"
        spec = ClientSpec("client", url, {"receiveType": receive_type, "compression": None})
        own = CoreConnection(spec)
        # core converting, tapped for the frames as they came (a workbench client's way)
        tapped = PulledClient(Client(url, receive_type=receive_type, send_type="*/*"))
        arrivals: list[list[Arrival]] = []
        for connection in (own, tapped):
            client = connection.client
            await asyncio.wait_for(client.open(), TIMEOUT)
            for frame in FRAMES:
                await client.send(frame)
            arrivals.append([await asyncio.wait_for(connection.receive(), TIMEOUT) for _ in FRAMES])
            await asyncio.wait_for(client.close(), TIMEOUT)
    assert arrivals[0] == arrivals[1]
    assert [a.raw for a in arrivals[0]] == FRAMES
    assert own.client.listener_count("wire_message") == 0  # core's direct reads and writes


async def test_an_image_type_is_left_to_core_which_decodes_a_large_one_on_a_thread() -> None:
    connection = CoreConnection(
        ClientSpec("client", "ws://127.0.0.1:9/", {"receive_type": "image/png"})
    )
    assert connection.client.options["receive_type"] == "image/png"
    assert connection.client.listener_count("wire_message") == 1
