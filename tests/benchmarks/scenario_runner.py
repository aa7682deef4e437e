"""The scenario runner's overhead: N send/expect pairs against an echo server in another
process, run as a scenario and as the same loop written directly on core's pull API.

A benchmark, not a timed test. The scenario is ``send: {message: {n: i}}`` then
``expect: {equals: {n: i}}`` for i in 1..N (loaded once, outside the timing); the direct loop is
what a person writes (as the pytest export does)::

    await client.send({"n": i})
    message = await asyncio.wait_for(client.recv(), 5.0)
    assert message == {"n": i}

Both use one core Client with the default JSON types; the server (a core Server echoing
frames as they came) runs in a child process, so the two sides do not share a loop. The two
take turns for ``--rounds`` rounds; the medians are printed, per send/expect pair, and their
ratio (target: within 1.5x).

Usage, from the repository root::

    .venv/bin/python tests/benchmarks/scenario_runner.py                # 10,000 pairs, 5 rounds
    .venv/bin/python tests/benchmarks/scenario_runner.py --pairs 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core import Client
from workbench.engine.scenarios.loading import load_text
from workbench.engine.scenarios.model import Scenario
from workbench.engine.scenarios.runner import ScenarioRunner

SERVER = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from core import Server

async def main():
    server = Server(host_interface="127.0.0.1", port=0, send_type="*/*", receive_type="*/*")
    server.on("connection", lambda socket: socket.on("message", socket.send))
    await server.start()
    print(server.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await server.stop()

asyncio.run(main())
"""


def scenario_text(port: int, pairs: int) -> str:
    steps = "".join(
        f"  - send: {{message: {{n: {i}}}}}\n  - expect: {{equals: {{n: {i}}}, strict: true}}\n"
        for i in range(1, pairs + 1)
    )
    return f'url: "ws://127.0.0.1:{port}/"\nsteps:\n{steps}'


async def by_runner(scenario: Scenario) -> float:
    start = time.perf_counter()
    result = await ScenarioRunner(scenario).run()
    took = time.perf_counter() - start
    assert result.status == "passed", result.failure
    return took


async def by_hand(port: int, pairs: int) -> float:
    start = time.perf_counter()
    async with Client(f"ws://127.0.0.1:{port}/", number_of_retries=0) as client:
        for i in range(1, pairs + 1):
            await client.send({"n": i})
            message = await asyncio.wait_for(client.recv(), 5.0)
            assert message == {"n": i}
    return time.perf_counter() - start


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    root = str(Path(__file__).resolve().parents[2])
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SERVER,
        root,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdout is not None and server.stdin is not None
    try:
        port = int(await asyncio.wait_for(server.stdout.readline(), 30))
        loading = time.perf_counter()
        scenario = load_text(scenario_text(port, options.pairs), "benchmark.yaml")[0]
        loading = time.perf_counter() - loading
        runner_times, hand_times = [], []
        for round_ in range(options.rounds):
            sides = [("runner", by_runner(scenario)), ("direct", by_hand(port, options.pairs))]
            if round_ % 2:
                sides.reverse()
            for name, side in sides:
                took = await asyncio.wait_for(side, 600)
                (runner_times if name == "runner" else hand_times).append(took)
        runner = statistics.median(runner_times) / options.pairs * 1e6
        hand = statistics.median(hand_times) / options.pairs * 1e6
        print(f"{options.pairs:,} send/expect pairs, {options.rounds} rounds (medians)")
        print(f"  loading the scenario file: {loading * 1000:.0f} ms (not counted)")
        print(f"  direct on core's pull API: {hand:7.1f} µs per pair")
        print(f"  scenario runner:           {runner:7.1f} µs per pair")
        print(f"  runner / direct:           {runner / hand:7.2f}x  (target: within 1.5x)")
    finally:
        server.stdin.close()
        await asyncio.wait_for(server.wait(), 30)


if __name__ == "__main__":
    asyncio.run(main())
