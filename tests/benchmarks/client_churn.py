"""What a short-lived Client costs: clients that each open, send one message, wait for its echo
and close, as a load test's virtual users or a script's one-off checks do.

A benchmark, not a timed test; every loop is bounded. The echo server is plain websockets
(``tests/benchmarks/speed_servers.py``) in a process of its own. Each run is a child process
that first churns 200 clients unmeasured, then ``--clients`` of them, ``--concurrency`` at a
time, and prints its CPU time (user + system) per client and what Python's garbage collector
took per client (time, from ``gc.callbacks``, and objects freed: objects in reference cycles,
which only the collector frees). Stacks: ``core`` (a core ``Client``, compression off) and
``websockets`` (its ``connect``); ``--baseline DIR`` adds ``core@base``, the core of another
checkout (e.g. ``git archive <commit> | tar -x -C DIR``). The stacks take turns in an order
that rotates between ``--rounds``; printed: medians, spreads (half the range, in % of the
median) and ratios to websockets.

Usage, from the repository root::

    .venv/bin/python tests/benchmarks/client_churn.py                   # 3,000 clients, 5 rounds
    .venv/bin/python tests/benchmarks/client_churn.py --baseline /tmp/base
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.core_vs_websockets import ServerProcess, median_cell  # noqa: E402

CHILD = r"""
import asyncio, gc, json, sys, time
stack, port, clients, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
url = f"ws://127.0.0.1:{port}/echo"
collector = {"seconds": 0.0, "freed": 0, "started": 0.0}

def watch(phase, info):
    if phase == "start":
        collector["started"] = time.perf_counter()
    else:
        collector["seconds"] += time.perf_counter() - collector["started"]
        collector["freed"] += info["collected"]

async def core_client():
    from core import Client
    client = Client(url, receive_type="*/*", send_type="*/*", compression=None,
                    number_of_retries=0)
    await client.open()
    await client.send("hello")
    assert await client.recv() == "hello"
    await client.close()

async def websockets_client():
    from websockets.asyncio.client import connect
    async with connect(url, compression=None) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"

async def churn(count):
    one = core_client if stack.startswith("core") else websockets_client
    room = asyncio.Semaphore(concurrency)

    async def bounded():
        async with room:
            await one()

    await asyncio.wait_for(asyncio.gather(*(bounded() for _ in range(count))), 300)

async def main():
    await churn(200)
    gc.collect()
    gc.callbacks.append(watch)
    started = time.process_time()
    await churn(clients)
    cpu = time.process_time() - started
    gc.callbacks.remove(watch)
    print(json.dumps({
        "cpu_us": cpu / clients * 1e6,
        "gc_us": collector["seconds"] / clients * 1e6,
        "freed": collector["freed"] / clients,
    }), flush=True)

asyncio.run(main())
"""


def run_child(
    stack: str, tree: Path, port: int, clients: int, concurrency: int
) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, stack, str(port), str(clients), str(concurrency)],
        capture_output=True,
        text=True,
        cwd=tree,
        timeout=360,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{stack} failed: {result.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout whose core runs too")
    args = parser.parse_args()
    if args.clients < 1 or args.concurrency < 1 or args.rounds < 1:
        parser.error("--clients, --concurrency and --rounds must be at least 1")
    stacks = {"core": ROOT, "websockets": ROOT}
    if args.baseline is not None:
        if not (args.baseline / "core" / "__init__.py").is_file():
            parser.error(f"--baseline {args.baseline} holds no core package")
        stacks["core@base"] = args.baseline.resolve()
    names = list(stacks)
    figures: dict[str, dict[str, list[float]]] = {name: {} for name in names}
    with ServerProcess("websockets", deflate=False) as server:
        for round_number in range(args.rounds):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                child = run_child(name, stacks[name], server.port, args.clients, args.concurrency)
                for key, value in child.items():
                    figures[name].setdefault(key, []).append(value)
            print(f"round {round_number + 1}/{args.rounds} done", flush=True)
    print(
        f"\n{args.clients} clients, {args.concurrency} at a time, each open + one echo + close; "
        f"medians of {args.rounds} rounds\n"
    )
    print(
        "| stack | CPU per client (µs) | GC per client (µs) | objects the GC freed per client "
        "| CPU / websockets |"
    )
    print("|---|---:|---:|---:|---:|")
    base = statistics.median(figures["websockets"]["cpu_us"])
    for name in names:
        row = figures[name]
        ratio = statistics.median(row["cpu_us"]) / base
        print(
            f"| {name} | {median_cell(row['cpu_us'])} | {median_cell(row['gc_us'])} | {median_cell(row['freed'])} "
            f"| {ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
