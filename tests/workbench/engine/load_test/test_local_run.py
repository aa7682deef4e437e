"""The window's load test, Qt-free: ``LocalLoadTest`` starts a Locust master and worker
processes on loopback against a core echo server in another process, polls the master's
own figures, and stops leaving no process behind and every connection closed with 1001.
Bad input is refused in words before any process starts."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.workbench.engine.load_test.processes import echo_server
from workbench.engine.load_test.local_run import LoadSettings, LocalLoadTest
from workbench.engine.load_test.stats_feed import LoadStats

#: Seconds a run may take to start (Python importing Locust in three processes on two
#: busy cores), and to end.
START, END = 60.0, 20.0
ECHO = """
url: "ws://127.0.0.1:{port}/"
steps:
  - send: {{message: {{n: 1}}}}
  - expect: {{equals: {{n: 1}}}}
"""
STEPS = ["open client (at the start)", 'send: {"n":1}', 'expect: equals {"n":1}']


def scenario(folder: Path, port: int, text: str = ECHO) -> Path:
    path = folder / "echo.yaml"
    path.write_text(text.format(port=port), encoding="utf-8")
    return path


def children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.is_running()]


class Recorder:
    """A run's events, and a way to wait for one that holds."""

    def __init__(self, test: LocalLoadTest) -> None:
        self.states: list[tuple[str, str]] = []
        self.stats: list[LoadStats] = []
        self.warnings: list[str] = []
        test.on("state", lambda state, text: self.states.append((state, text)))
        test.on("stats", self.stats.append)
        test.on("warning", self.warnings.append)

    def order(self) -> list[str]:
        """The states, each once however often its text changed."""
        states = [state for state, _text in self.states]
        return [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s]

    async def until(self, condition: Callable[[], Any], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            assert loop.time() < deadline, f"no {what} in {timeout:g} s: {self.states[-3:]}"
            await asyncio.sleep(0.05)


def test_a_run_shows_each_step_and_stop_leaves_nothing_behind(tmp_path: Path) -> None:
    with echo_server() as server:
        test = LocalLoadTest(runs=tmp_path / "runs")
        seen = Recorder(test)
        settings = LoadSettings(
            scenario(tmp_path, server.port), users=6, spawn_rate=6, duration=60, pace=0.5
        )

        def counted() -> bool:
            last = seen.stats[-1] if seen.stats else None
            rows = {s.name: s.requests for s in last.steps} if last else {}
            return sorted(rows) == sorted(STEPS) and min(rows.values()) > 0 and last.users == 6

        async def scenario_run() -> None:
            assert await test.start(settings)
            assert test.web_url.startswith("http://127.0.0.1:")
            await seen.until(counted, START, "figures of every step")
            assert test.state == "running"
            await asyncio.wait_for(test.stop(), END)

        asyncio.run(scenario_run())
        closes = server.stop()
    assert seen.order() == ["starting", "running", "stopping", "ended"]
    last = seen.stats[-1]
    assert [step.name for step in last.steps] == STEPS  # the file's order, not Locust's
    assert last.total.failures == 0 and last.total.requests > 0
    assert all(step.median_ms is not None and step.p95_ms is not None for step in last.steps)
    assert all(not child.running for child in test.children())
    assert children() == []
    assert closes["opened"] == 6 and closes["codes"] == {"1001": 6}
    assert test.report is not None and "<html" in test.report.read_text(encoding="utf-8")[:2000]
    assert test.report.parent.parent == tmp_path / "runs"
    assert "The run is over" in test.text and str(test.report) in test.text


def test_a_run_ends_by_itself_after_its_duration(tmp_path: Path) -> None:
    with echo_server() as server:
        test = LocalLoadTest(runs=tmp_path / "runs")
        seen = Recorder(test)
        settings = LoadSettings(scenario(tmp_path, server.port), users=3, duration=2, pace=0.5)

        async def scenario_run() -> None:
            assert await test.start(settings)
            await seen.until(lambda: test.state in ("ended", "failed"), START + 2, "end")

        asyncio.run(scenario_run())
        closes = server.stop()
    assert test.state == "ended", test.text
    order = seen.order()  # (a machine busy enough may not poll while the test runs)
    assert order[0] == "starting" and order[-1] == "ended" and "stopping" not in order
    assert children() == [] and test.report is not None
    assert closes["codes"] == {"1001": 3}


def test_a_scenario_with_errors_is_refused_with_the_loaders_message(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("url: ws://127.0.0.1:1/\nsteps:\n  - sned: hi\n", encoding="utf-8")
    test = LocalLoadTest(runs=tmp_path / "runs")
    seen = Recorder(test)
    started = asyncio.run(test.start(LoadSettings(broken)))
    assert started is False and test.state == "failed"
    assert "broken.yaml is not valid, no user was started" in test.text
    assert "unknown step kind 'sned'; did you mean 'send'?" in test.text
    assert seen.states == [("failed", test.text)]
    assert children() == [] and test.children() == []
    assert not (tmp_path / "runs").exists()


def test_a_port_in_use_and_numbers_out_of_range_are_refused(tmp_path: Path) -> None:
    path = scenario(tmp_path, 1)
    test = LocalLoadTest(runs=tmp_path / "runs")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert asyncio.run(test.start(LoadSettings(path, web_port=port))) is False
    assert f"Port {port}, which Locust's page needs, is in use" in test.text
    assert asyncio.run(test.start(LoadSettings(path, users=0))) is False
    assert test.text == "Users must be between 1 and 100,000, not 0"
    assert children() == []


def test_a_master_that_ends_before_the_test_is_said_with_its_last_words(tmp_path: Path) -> None:
    fake = tmp_path / "python"  # the master fails at once; a worker waits (until it is ended)
    fake.write_text(
        "#!/bin/sh\ncase \"$*\" in *--master*) echo 'no Locust here' >&2; exit 3;; esac\n"
        "exec sleep 60\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    test = LocalLoadTest(runs=tmp_path / "runs", python=str(fake))
    seen = Recorder(test)

    async def scenario_run() -> None:
        assert await test.start(LoadSettings(scenario(tmp_path, 1)))
        await seen.until(lambda: test.state == "failed", END, "failure")

    asyncio.run(scenario_run())
    assert test.text.startswith("Locust's master ended before the test started (exit code 3)")
    assert test.text.endswith("it said:\nno Locust here")
    assert children() == []


def test_a_master_that_never_answers_is_said_and_ended(tmp_path: Path) -> None:
    fake = tmp_path / "python"  # a "master" that runs but serves no page
    fake.write_text("#!/bin/sh\nexec sleep 60\n", encoding="utf-8")
    fake.chmod(0o755)
    test = LocalLoadTest(runs=tmp_path / "runs", python=str(fake))
    test.first_answer = 1.0
    seen = Recorder(test)

    async def scenario_run() -> None:
        assert await test.start(LoadSettings(scenario(tmp_path, 1)))
        await seen.until(lambda: test.state == "failed", END, "failure")

    asyncio.run(scenario_run())
    port = test.web_url.split(":")[-1].rstrip("/")
    assert test.text == (
        "Locust's master did not answer in 1 s: cannot reach "
        f"http://127.0.0.1:{port}/stats/requests (Connection refused)"
    )
    assert seen.order() == ["starting", "failed"]
    assert children() == []


def test_a_worker_that_dies_is_said_and_the_run_ends(tmp_path: Path) -> None:
    with echo_server() as server:
        test = LocalLoadTest(runs=tmp_path / "runs")
        seen = Recorder(test)
        settings = LoadSettings(scenario(tmp_path, server.port), users=2, duration=60, pace=0.5)

        async def scenario_run() -> None:
            assert await test.start(settings)
            await seen.until(lambda: test.state == "running", START, "running")
            test.workers[0].process.kill()
            await seen.until(lambda: test.state == "failed", END, "failure")

        asyncio.run(scenario_run())
        server.stop()
    assert seen.warnings == [
        "Worker 1 ended during the run (exit code -9): its users are gone; 0 worker(s) carry on"
    ]
    assert test.text == "Every worker process ended: no user is left to run the test"
    assert children() == []


@pytest.fixture(autouse=True)
def no_children_left() -> Any:
    yield
    for child in children():  # a failed test must not leave Locust running
        child.kill()
