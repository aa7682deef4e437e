"""Load tests on Locust: our scenario users (core on uvloop in each worker's asyncio thread)
beside the usual gevent way (``gevent_websocket_client_locustfile.py``: websocket-client's
blocking send/recv in each user's greenlet), against one core echo server on uvloop in a
process of its own. A benchmark, not a timed test; every run is bounded.

The traffic, for both: each user keeps one connection and once a second (``--pace 1s``, the
first at a random point of the first second) sends ``{"n":1}`` and waits for it to come back
equal; no compression (websocket-client has none). A "message" below is one such round trip.

1. ``--users`` (2,000) on a master with two local worker processes (``--processes 2``) for
   at least ``--seconds`` (60) after they all started (``--reset-stats``): failures, p50 /
   p95 of each step, and each worker's CPU time per message (its user + system time over
   the steady minute, divided by the round trips of its share of the users: one a second
   each).
2. One worker process (``--processes 1``), growing numbers of users for ``--level-seconds``
   (20) each: the p95 of the echo step, ours and the gevent way alternately, until each
   passes 100 ms; the most users each held within 100 ms.

Usage, from the repository root (the ``benchmark`` extra: Locust, uvloop, websocket-client)::

    .venv/bin/python tests/benchmarks/locust_users.py
    .venv/bin/python tests/benchmarks/locust_users.py --users 500 --seconds 20 --levels 250,500
    .venv/bin/python tests/benchmarks/locust_users.py --levels ''     # the first part only
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from the root
    sys.path.insert(0, str(ROOT))

from tests.workbench.engine.load_test.processes import EchoProcess, environment, free_port  # noqa: E402

GEVENT_LOCUSTFILE = Path(__file__).with_name("gevent_websocket_client_locustfile.py")
SCENARIO = """
url: "ws://127.0.0.1:{{PORT}}/"
options: {compression: null}
steps:
  - send: {message: {n: 1}}
  - expect: {equals: {n: 1}}
"""
ECHO_STEP = 'expect: equals {"n":1}'
SEND_STEP = 'send: {"n":1}'
P95_LIMIT = 100.0


def percentile(histogram: dict[str, int], fraction: float) -> float:
    """Locust's response-time histogram (ms bucket -> count) at ``fraction``."""
    total = sum(histogram.values())
    if not total:
        return math.nan
    seen = 0
    for bucket, count in sorted((float(k), v) for k, v in histogram.items()):
        seen += count
        if seen >= fraction * total:
            return bucket
    return math.nan


def final_stats(out: str) -> list[dict[str, Any]]:
    """The master's ``--json`` figures (forked workers print their own, empty, list too)."""
    decoder, documents, at = json.JSONDecoder(), [], 0
    while (at := out.find("[", at)) >= 0:
        document, at = decoder.raw_decode(out, at)
        documents.append(document)
    return max(documents, key=len, default=[])


def locust_command(
    way: str, port: int, scenario: Path, users: int, rate: int, run: int, processes: int
) -> list[str]:
    bind = str(free_port())
    common = [
        "--headless",
        "-u",
        str(users),
        "-r",
        str(rate),
        "-t",
        f"{run}s",
        "--reset-stats",
        "--json",
        "--only-summary",
        "--processes",
        str(processes),
        "--master-bind-port",
        bind,
    ]
    if way == "ours":
        return [
            sys.executable,
            "-m",
            "workbench",
            "load",
            str(scenario),
            "--var",
            f"PORT={port}",
            "--pace",
            "1s",
            *common,
        ]
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(GEVENT_LOCUSTFILE),
        "--host",
        f"ws://127.0.0.1:{port}/",
        "--master-port",
        bind,
        *common,
    ]


def workers_of(process: subprocess.Popen[str]) -> list[psutil.Process]:
    """The Locust worker processes under ``process`` (the leaves of its tree)."""
    tree = psutil.Process(process.pid).children(recursive=True)
    return [p for p in tree if not p.children()]


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def run_load(
    way: str, scenario: Path, users: int, rate: int, seconds: float, processes: int
) -> dict[str, Any]:
    """One headless run: Locust's final figures after every user started, and the CPU time
    each worker spent in the steady part."""
    ramp = math.ceil(users / rate) + 3
    with_slack = ramp + seconds + 2
    server = EchoProcess(uvloop=True)
    command = locust_command(way, server.port, scenario, users, rate, int(with_slack), processes)
    locust = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + ramp + 30
        while server.open_now < users and time.monotonic() < deadline:
            time.sleep(0.1)
        all_open = server.open_now >= users
        time.sleep(1)
        workers = workers_of(locust)
        before = {w.pid: cpu_seconds(w) for w in workers}
        started = time.monotonic()
        time.sleep(max(0.0, seconds - 3))
        cpu = {w.pid: cpu_seconds(w) - before[w.pid] for w in workers}
        window = time.monotonic() - started
        out, _ = locust.communicate(timeout=with_slack + 60)
    finally:
        locust.kill()
        summary = server.stop()
    entries = {e["name"]: e for e in final_stats(out)}
    echo = entries.get(ECHO_STEP, {})
    send = entries.get(SEND_STEP, {})
    failures = sum(e["num_failures"] for e in entries.values())
    # --pace 1s: every user makes one round trip a second, the workers half each
    messages_per_worker = users * window / max(len(cpu), 1)
    return {
        "way": way,
        "users": users,
        "all_open": all_open,
        "most_open": summary.get("most_open"),
        "failures": failures,
        "messages": send.get("num_requests", 0),
        "echo_p50": percentile(echo.get("response_times", {}), 0.50),
        "echo_p95": percentile(echo.get("response_times", {}), 0.95),
        "send_p50": percentile(send.get("response_times", {}), 0.50),
        "send_p95": percentile(send.get("response_times", {}), 0.95),
        "cpu_us_per_message": [
            round(seconds_used / messages_per_worker * 1e6) if messages_per_worker else None
            for seconds_used in cpu.values()
        ],
        "worker_cpu_percent": [round(100 * s / window) for s in cpu.values()],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--levels", default="250,500,750,1000,1500,2000,3000,4000")
    parser.add_argument("--level-seconds", type=float, default=20.0)
    options = parser.parse_args()
    print("load before:", os.getloadavg(), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "echo.yaml"
        scenario.write_text(SCENARIO, encoding="utf-8")
        print(
            f"\n1. {options.users} users, master + 2 local workers, "
            f"{options.seconds:g} s after all started",
            flush=True,
        )
        result = run_load("ours", scenario, options.users, 200, options.seconds, processes=2)
        print(json.dumps(result), flush=True)
        print("\n2. users per worker process while the echo p95 stays within 100 ms", flush=True)
        held: dict[str, int] = {}
        going = {"ours": True, "gevent": True}
        for users in (int(n) for n in options.levels.split(",") if n):
            for way in ("ours", "gevent"):
                if not going[way]:
                    continue
                level = run_load(
                    way, scenario, users, max(50, users // 5), options.level_seconds, processes=1
                )
                print(json.dumps(level), flush=True)
                within = level["failures"] == 0 and level["echo_p95"] <= P95_LIMIT
                if within and level["all_open"]:
                    held[way] = users
                else:
                    going[way] = False
            if not any(going.values()):
                break
        print("\nmost users per worker within p95 100 ms:", json.dumps(held), flush=True)
    print("load after:", os.getloadavg(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
