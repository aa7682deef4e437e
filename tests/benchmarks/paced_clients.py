"""What one paced WebSocket user costs in CPU per round trip, by client stack, with no load
tool and no scenario runner: the floor under a load-test worker (tests/benchmarks/locust_users.py).

A benchmark, not a timed test; every loop is bounded. ``--users`` clients each keep one
connection to a core echo server on uvloop (a process of its own) and once a second (from a
random phase) send ``{"n":1}`` and wait for it to come back equal, for ``--seconds``; no
compression. Printed per stack: round trips and this process's CPU (user + system) per round
trip over the run after a warm-up second. Stacks (``--stacks``):

- ``core``: core ``Client``s (JSON send and receive types) on uvloop, ``send`` + ``recv()``;
- ``websockets``: plain websockets clients on uvloop, ``json.dumps`` + ``send`` + ``recv``;
- ``gevent``: websocket-client's blocking ``send`` / ``recv`` in a greenlet each, under gevent's
  monkey-patching (the usual way of load-testing WebSockets with Locust, without Locust).

Usage, from the repository root (the ``benchmark`` extra)::

    .venv/bin/python tests/benchmarks/paced_clients.py --users 1000 --seconds 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, os, random, resource, sys, time
kind, port, users, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
MESSAGE = {"n": 1}
result = {"done": 0}

def report(t0, t1, count):
    cpu = (t1.user - t0.user) + (t1.system - t0.system)
    print(json.dumps({"round_trips": count, "cpu_us": cpu / max(count, 1) * 1e6}), flush=True)

if kind == "gevent":
    from gevent import monkey
    monkey.patch_all()
    import gevent
    import websocket

    def user(stop):
        ws = websocket.create_connection(f"ws://127.0.0.1:{port}/")
        gevent.sleep(random.random())
        next_at = time.monotonic()
        while time.monotonic() < stop:
            ws.send(json.dumps(MESSAGE))
            assert json.loads(ws.recv()) == MESSAGE
            result["done"] += 1
            next_at += 1
            gevent.sleep(max(0.0, next_at - time.monotonic()))
        ws.close()

    stop = time.monotonic() + seconds + 1.5
    greenlets = []
    for i in range(users):
        greenlets.append(gevent.spawn(user, stop))
        if i % 50 == 49:
            gevent.sleep(0.05)
    gevent.sleep(1.5)
    t0, d0 = os.times(), result["done"]
    gevent.joinall(greenlets, timeout=seconds + 30)
    report(t0, os.times(), result["done"] - d0)
else:
    import asyncio
    import uvloop

    async def user_core(stop):
        from core import Client
        client = Client(host="127.0.0.1", port=port, receive_type="application/json",
                        send_type="application/json", compression=None, number_of_retries=0)
        await client.open()
        await asyncio.sleep(random.random())
        next_at = time.monotonic()
        while time.monotonic() < stop:
            client.send(MESSAGE)
            assert await client.recv() == MESSAGE
            result["done"] += 1
            next_at += 1
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        await client.close()

    async def user_websockets(stop):
        from websockets.asyncio.client import connect
        ws = await connect(f"ws://127.0.0.1:{port}/", compression=None)
        await asyncio.sleep(random.random())
        next_at = time.monotonic()
        while time.monotonic() < stop:
            await ws.send(json.dumps(MESSAGE))
            assert json.loads(await ws.recv()) == MESSAGE
            result["done"] += 1
            next_at += 1
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        await ws.close()

    async def main():
        stop = time.monotonic() + seconds + 1.5
        user = user_core if kind == "core" else user_websockets
        tasks = []
        for i in range(users):
            tasks.append(asyncio.ensure_future(user(stop)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)
        t0, d0 = os.times(), result["done"]
        await asyncio.wait_for(asyncio.gather(*tasks), seconds + 30)
        report(t0, os.times(), result["done"] - d0)

    uvloop.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--stacks",
        nargs="+",
        choices=("core", "websockets", "gevent"),
        default=["core", "websockets", "gevent"],
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.workbench.engine.load_test.processes import EchoProcess

    echo = EchoProcess(uvloop=True)
    try:
        for round_number in range(1, args.rounds + 1):
            for stack in args.stacks:
                run = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        CHILD,
                        stack,
                        str(echo.port),
                        str(args.users),
                        str(args.seconds),
                    ],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=args.seconds + 120,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                    check=True,
                )
                figures = json.loads(run.stdout.strip().splitlines()[-1])
                print(
                    f"round {round_number} {stack:10s} {args.users} users:"
                    f" {figures['round_trips']:,} round trips,"
                    f" {figures['cpu_us']:.0f} µs of CPU per round trip",
                    flush=True,
                )
    finally:
        echo.stop()


if __name__ == "__main__":
    main()
