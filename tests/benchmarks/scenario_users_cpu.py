"""Where a load-test user's CPU goes: the scenario runner's users without Locust.

A benchmark, not a timed test. It splits the CPU time per round trip that
``locust_users.py`` measures in a Locust worker (one send + ``expect`` echo per user per
second) into what the pieces under Locust cost:

- ``--mode network``: ``--users`` keep-open ``ScenarioRunner``s on one uvloop, each paced at
  one iteration a second (from a random phase), against a core echo server on uvloop in a
  process of its own, for ``--seconds``; each step made into a Locust request's fields
  (``step_requests.request_of``), as a worker does, but no Locust, gevent or thread bridge.
  Printed: round trips, this process's CPU per round trip, user and system time.
- ``--mode memory``: one runner, its iterations back to back over an in-memory echo
  connection (no socket, no core): the runner's own cost per iteration (send + expect,
  their results and events), the best and median of 5 rounds of ``--iterations``.

Both make the runners as a worker's sessions do (``keep_open``, only the events that may
make a request).

If ``network`` costs what a Locust worker costs per round trip, Locust and the bridge add
little; ``memory`` says how much of the rest is the runner, the remainder being core,
websockets and the loop.

Usage, from the repository root::

    .venv/bin/python tests/benchmarks/scenario_users_cpu.py --mode network --users 1000
    .venv/bin/python tests/benchmarks/scenario_users_cpu.py --mode memory
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.workbench.engine.load_test.processes import EchoProcess  # noqa: E402
from workbench.engine.load_test.step_requests import (  # noqa: E402
    REQUEST_EVENTS,
    request_names,
    request_of,
)
from workbench.engine.scenarios.loading import load_text  # noqa: E402
from workbench.engine.scenarios.matchers import Arrival  # noqa: E402
from workbench.engine.scenarios.model import ClientSpec, Scenario  # noqa: E402
from workbench.engine.scenarios.results import StepEvent  # noqa: E402
from workbench.engine.scenarios.runner import ScenarioRunner  # noqa: E402

SCENARIO = """
url: "ws://127.0.0.1:{port}/"
options: {{compression: null}}
steps:
  - send: {{message: {{n: 1}}}}
  - expect: {{equals: {{n: 1}}}}
"""


def scenario_and_requests(port: int) -> tuple[Scenario, Any, list[int]]:
    [scenario] = load_text(SCENARIO.format(port=port))
    names = request_names(scenario)
    requests = [0]

    def on_event(event: StepEvent) -> None:  # what a worker's session does with each step
        if event.kind in ("passed", "failed") and request_of(event.result, names) is not None:
            requests[0] += 1

    return scenario, on_event, requests


async def network(port: int, users: int, seconds: float) -> None:
    scenario, on_event, requests = scenario_and_requests(port)
    runners = [
        ScenarioRunner(scenario, on_event, keep_open=True, events=REQUEST_EVENTS)
        for _ in range(users)
    ]
    await asyncio.gather(*(runner.run() for runner in runners))  # every connection opens
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + seconds

    async def user(runner: ScenarioRunner) -> None:
        await asyncio.sleep(random.uniform(0, 1))
        due = loop.time()
        while loop.time() < stop_at:
            await runner.run()
            due += 1
            await asyncio.sleep(max(0.0, due - loop.time()))

    requests[0] = 0
    before, cpu = os.times(), time.process_time()
    await asyncio.gather(*(user(runner) for runner in runners))
    cpu, after = time.process_time() - cpu, os.times()
    trips = requests[0] / 2
    print(
        f"network: {users} users, {trips:,.0f} round trips in {seconds:g} s: "
        f"{cpu / trips * 1e6:.0f} µs of CPU per round trip "
        f"(user {after.user - before.user:.2f} s, system {after.system - before.system:.2f} s)"
    )
    await asyncio.gather(*(runner.close(1001) for runner in runners))


class MemoryEcho:
    """A ``Connection`` that echoes in memory: what is sent is received, decoded as JSON."""

    def __init__(self, spec: ClientSpec) -> None:
        self.name = spec.name
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.errors: list[str] = []
        self._open = False
        self._queue: asyncio.Queue[str | bytes] = asyncio.Queue()

    def is_open(self) -> bool:
        return self._open

    async def open(self) -> None:
        self._open = True

    async def send(self, payload: str | bytes) -> None:
        self._queue.put_nowait(payload)

    async def receive(self) -> Arrival:
        raw = await self._queue.get()
        return Arrival(json.loads(raw), raw, "application/json")

    async def ping(self) -> float:
        return 0.0

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self._open, self.close_code = False, code


async def memory(iterations: int) -> None:
    scenario, on_event, _requests = scenario_and_requests(1)
    runner = ScenarioRunner(scenario, on_event, MemoryEcho, keep_open=True, events=REQUEST_EVENTS)
    await runner.run()
    rounds = []
    for _ in range(5):
        cpu = time.process_time()
        for _ in range(iterations):
            result = await runner.run()
        rounds.append((time.process_time() - cpu) / iterations * 1e6)
        assert result.status == "passed", result
    print(
        f"memory: the runner alone, {min(rounds):.1f} µs per iteration at best, "
        f"{statistics.median(rounds):.1f} µs median ({iterations:,} iterations x 5)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("network", "memory"), default="network")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--iterations", type=int, default=20000)
    args = parser.parse_args()
    import uvloop

    if args.mode == "memory":
        uvloop.run(memory(args.iterations))
        return 0
    echo = EchoProcess(uvloop=True)
    try:
        uvloop.run(asyncio.wait_for(network(echo.port, args.users, args.seconds), 120))
    finally:
        echo.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
