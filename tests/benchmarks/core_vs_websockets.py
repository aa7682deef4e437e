"""Benchmark: core against raw `websockets`, core on uvloop and Node's `ws`, side by side.

    .venv/bin/python -m tests.benchmarks.core_vs_websockets [--rounds 5] [--quick]
        [--only stream json echo big many] [--sides core raw 'core uvloop' 'node ws']
        [--no-deflate] [--frame-listener]

Each workload runs with both ends in core (on asyncio), both ends in plain websockets, both
ends in core on uvloop (``pip install '.[speed]'``), and both ends in Node's ws
(tests/interop/node/ws_bench.js, one Node process): the same message counts, sizes and
concurrency, the sides taking turns in a rotating order for ``--rounds`` rounds, because this
machine's noise is about ±40 % between runs. The table gives the median of each side, the
ratio core/raw and the ratio core-on-uvloop/Node-ws. Every side negotiates permessage-deflate
(websockets' and so core's default; ws is told to compress every message as websockets does)
unless ``--no-deflate``. ``--frame-listener`` attaches a no-op ``'frame'`` listener to every
core Client and Socket, to measure what observing every frame costs. Not a test: it prints figures, it asserts nothing.

Workloads: 100-byte text stream (msg/s), JSON stream (msg/s; the same 100 bytes on the wire,
compared with the raw *text* stream, so conversion must not be the bottleneck), 32-byte echo
round trip (p50/p99 µs), 1 MiB binary echo (MB/s), and 500 clients connecting at once, then
each echoing 20 messages.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from core import Client, Server
from core.options import SERVER_OPTIONS

HOST = "127.0.0.1"
TIMEOUT = 120.0
JSON_TYPE = "application/json"
FRAME_LISTENER = False  # set by --frame-listener


def ignore_frame(_frame: object) -> None:
    pass


# Plain websockets listens with asyncio's backlog of 100 unless told; give it core's default,
# so that the 500-client connect compares the libraries rather than their listen queues.
BACKLOG = next(option.default for option in SERVER_OPTIONS if option.name == "backlog")
# Options given to every core Client/Server and websockets serve/connect (--no-deflate).
CORE_EXTRA: dict[str, Any] = {}
RAW_EXTRA: dict[str, Any] = {}
# The text stream sends exactly the 100 bytes the JSON stream puts on the wire, so the
# JSON/text ratio isolates conversion (permessage-deflate costs depend on the content).
RECORD = {
    "id": 12345,
    "name": "sensor-7",
    "values": [1.5, 2.25, 3.0],
    "ok": True,
    "tag": "abcdefghij" * 2,
    "n": 12,
}


# --- both ends in core ---------------------------------------------------------------------


async def core_pair(server_type: str, client_type: str, echo: bool):
    server = Server(
        host_interface=HOST,
        port=0,
        receive_type=server_type,
        send_type=server_type,
        max_message_size=None,
        **CORE_EXTRA,
    )
    if echo:
        server.on("connection", lambda socket: socket.on("message", socket.send))
    if FRAME_LISTENER:
        server.on("connection", lambda socket: socket.on("frame", ignore_frame))
    await server.start()
    return server


def core_client(server: Server, mime: str) -> Client:
    # websockets' own open_timeout (10 s), for a like-for-like connect under 500 at once.
    client = Client(
        host=HOST,
        port=server.port,
        receive_type=mime,
        send_type=mime,
        number_of_retries=0,
        connect_timeout=10_000,
        max_message_size=None,
        **CORE_EXTRA,
    )
    if FRAME_LISTENER:
        client.on("frame", ignore_frame)
    return client


async def core_stream(n: int, message: object, mime: str) -> float:
    server = await core_pair(mime, mime, echo=False)
    done = asyncio.Event()
    count = 0

    def on_message(_message: object) -> None:
        nonlocal count
        count += 1
        if count == n:
            done.set()

    server.on("connection", lambda socket: socket.on("message", on_message))
    client = core_client(server, mime)
    await client.open()
    started = time.perf_counter()
    for _ in range(n):
        client.send(message)
    await asyncio.wait_for(done.wait(), TIMEOUT)
    elapsed = time.perf_counter() - started
    await client.close()
    await server.stop()
    return n / elapsed


async def core_round_trips(n: int, message: object, mime: str) -> list[float]:
    """Ping-pong driven from the 'message' handler, the event API's natural shape."""
    server = await core_pair(mime, mime, echo=True)
    client = core_client(server, mime)
    times: list[float] = []
    done = asyncio.Event()
    started = 0.0

    def on_reply(_reply: object) -> None:
        nonlocal started
        now = time.perf_counter()
        times.append(now - started)
        if len(times) == n:
            done.set()
            return
        started = time.perf_counter()
        client.send(message)

    client.on("message", on_reply)
    await client.open()
    started = time.perf_counter()
    client.send(message)
    await asyncio.wait_for(done.wait(), TIMEOUT)
    await client.close()
    await server.stop()
    return times


async def core_many_clients(clients: int, each: int) -> tuple[float, float]:
    server = await core_pair("text/plain", "text/plain", echo=True)
    pool = [core_client(server, "text/plain") for _ in range(clients)]
    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(c.open() for c in pool)), TIMEOUT)
    connected = time.perf_counter() - started

    async def exchange(client: Client) -> None:
        finished = asyncio.Event()
        replies = 0

        def on_reply(_reply: object) -> None:
            nonlocal replies
            replies += 1
            if replies == each:
                finished.set()
            else:
                client.send(f"message {replies}")

        client.on("message", on_reply)
        client.send("message 0")
        await finished.wait()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(exchange(c) for c in pool)), TIMEOUT)
    rate = clients * each / (time.perf_counter() - started)
    await asyncio.gather(*(c.close() for c in pool))
    await server.stop()
    return connected, rate


# --- both ends in plain websockets ---------------------------------------------------------


async def raw_stream(n: int, message: object, mime: str) -> float:
    done = asyncio.Event()
    count = 0
    decode = json.loads if mime == "application/json" else (lambda m: m)

    async def handler(ws) -> None:
        nonlocal count
        async for frame in ws:
            decode(frame)
            count += 1
            if count == n:
                done.set()

    async with serve(handler, HOST, 0, **RAW_EXTRA) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://{HOST}:{port}/", proxy=None, **RAW_EXTRA) as ws:
            started = time.perf_counter()
            for _ in range(n):
                await ws.send(json.dumps(message) if mime == "application/json" else message)
            await asyncio.wait_for(done.wait(), TIMEOUT)
            return n / (time.perf_counter() - started)


async def raw_echo_handler(ws) -> None:
    async for frame in ws:
        await ws.send(frame)


async def raw_round_trips(n: int, message: object, mime: str) -> list[float]:
    async with serve(raw_echo_handler, HOST, 0, max_size=None, **RAW_EXTRA) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://{HOST}:{port}/", proxy=None, max_size=None, **RAW_EXTRA) as ws:
            times = []
            for _ in range(n):
                started = time.perf_counter()
                await ws.send(message)
                await asyncio.wait_for(ws.recv(), TIMEOUT)
                times.append(time.perf_counter() - started)
            return times


async def raw_many_clients(clients: int, each: int) -> tuple[float, float]:
    async with serve(raw_echo_handler, HOST, 0, backlog=BACKLOG, **RAW_EXTRA) as server:
        port = server.sockets[0].getsockname()[1]
        started = time.perf_counter()
        pool = await asyncio.wait_for(
            asyncio.gather(
                *(connect(f"ws://{HOST}:{port}/", proxy=None, **RAW_EXTRA) for _ in range(clients))
            ),
            TIMEOUT,
        )
        connected = time.perf_counter() - started

        async def exchange(ws) -> None:
            for i in range(each):
                await ws.send(f"message {i}")
                await ws.recv()

        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(exchange(ws) for ws in pool)), TIMEOUT)
        rate = clients * each / (time.perf_counter() - started)
        await asyncio.gather(*(ws.close() for ws in pool))
        return connected, rate


# --- Node's ws (tests/interop/node/ws_bench.js) ----------------------------------------------

NODE_SCRIPT = Path(__file__).resolve().parents[1] / "interop" / "node" / "ws_bench.js"


def node_available() -> str | None:
    """Why Node's ws cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "no node on PATH"
    if not (NODE_SCRIPT.parent / "node_modules" / "ws").is_dir():
        return "ws is not installed (bash resources/install-peers.sh)"
    return None


def node_run(workload: str, n: int, clients: int, deflate: bool) -> dict[str, float]:
    command = ["node", str(NODE_SCRIPT), workload, str(n), "--clients", str(clients)]
    result = subprocess.run(
        command + (["--deflate"] if deflate else []),
        capture_output=True,
        text=True,
        timeout=TIMEOUT + 30,
        check=True,
    )
    rows: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    return rows


# --- the table -----------------------------------------------------------------------------

WORKLOADS = ("stream", "json", "echo", "big", "many")
SIDES = ("core", "raw", "core uvloop", "node ws")
LOWER_IS_BETTER = ("(µs)", "(ms)")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def run(coroutine: Coroutine[Any, Any, Any], on_uvloop: bool) -> Any:
    """Run on a fresh loop per measurement (no state carried over), asyncio's or uvloop's."""
    factory = None
    if on_uvloop:
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coroutine)


def python_run(side: str, workload: str, sizes: dict[str, int]) -> dict[str, float]:
    """One measurement of ``workload`` with both ends in core (on asyncio or uvloop) or raw."""
    core, on_uvloop = side != "raw", side == "core uvloop"
    text = json.dumps(RECORD, separators=(",", ":"))
    if workload in ("stream", "json"):
        message, mime = (text, "text/plain") if workload == "stream" else (RECORD, JSON_TYPE)
        rate = run((core_stream if core else raw_stream)(sizes["stream"], message, mime), on_uvloop)
        return {
            "text stream 100 B (msg/s)" if workload == "stream" else "JSON stream (msg/s)": rate
        }
    if workload == "echo":
        trips = core_round_trips if core else raw_round_trips
        rtt = run(trips(sizes["echo"], "y" * 32, "text/plain"), on_uvloop)
        return {
            "echo 32 B p50 (µs)": percentile(rtt, 50) * 1e6,
            "echo 32 B p99 (µs)": percentile(rtt, 99) * 1e6,
        }
    if workload == "big":
        big = b"\x01" * (1024 * 1024)
        trips = core_round_trips if core else raw_round_trips
        times = run(trips(sizes["big"], big, "application/octet-stream"), on_uvloop)
        return {"echo 1 MiB binary (MB/s)": sizes["big"] * len(big) / sum(times) / 1e6}
    clients = sizes["clients"]
    many = core_many_clients if core else raw_many_clients
    connected, rate = run(many(clients, sizes["each"]), on_uvloop)
    return {
        f"{clients} clients: connect all (ms)": connected * 1000,
        f"{clients} clients: echo (msg/s)": rate,
    }


def measure(side: str, workload: str, sizes: dict[str, int], deflate: bool) -> dict[str, float]:
    if side == "node ws":
        n = sizes["each" if workload == "many" else "stream" if workload == "json" else workload]
        return node_run(workload, n, sizes["clients"], deflate)
    return python_run(side, workload, sizes)


def ratio_cell(rows: dict[str, list[float]], a: str, b: str) -> str:
    if not rows.get(a) or not rows.get(b):
        return "-"
    return f"{statistics.median(rows[a]) / statistics.median(rows[b]):.2f}"


def print_table(results: dict[str, dict[str, list[float]]], sides: list[str]) -> None:
    ratios = [("core/raw", "core", "raw"), ("uvloop/node", "core uvloop", "node ws")]
    ratios = [r for r in ratios if r[1] in sides and r[2] in sides]
    print(
        f"\n{'workload':34}"
        + "".join(f"{side:>13}" for side in sides)
        + "".join(f"{name:>12}" for name, _a, _b in ratios)
    )
    for name, rows in results.items():
        cells = [
            f"{statistics.median(rows[side]):13.1f}" if rows.get(side) else f"{'-':>13}"
            for side in sides
        ]
        print(
            f"{name:34}"
            + "".join(cells)
            + "".join(f"{ratio_cell(rows, a, b):>12}" for _n, a, b in ratios)
        )
    stream, json_rows = results.get("text stream 100 B (msg/s)"), results.get("JSON stream (msg/s)")
    if stream and json_rows and stream.get("raw") and json_rows.get("core"):
        core_json, raw_text = statistics.median(json_rows["core"]), statistics.median(stream["raw"])
        print(f"core JSON stream / raw text stream: {core_json / raw_text:.2f}")
    print(f"(rows in {' or '.join(LOWER_IS_BETTER)}: lower is better, so is their ratio)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a smoke run")
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES))
    parser.add_argument(
        "--no-deflate",
        action="store_true",
        help="no permessage-deflate anywhere (core needs its 'compression' option for this)",
    )
    parser.add_argument(
        "--frame-listener", action="store_true", help="a 'frame' listener on every core end"
    )
    args = parser.parse_args()
    global FRAME_LISTENER
    FRAME_LISTENER = args.frame_listener
    sides: list[str] = args.sides
    if "core uvloop" in sides and importlib.util.find_spec("uvloop") is None:
        print("core uvloop: skipped, uvloop is not installed (pip install '.[speed]')")
        sides.remove("core uvloop")
    if "node ws" in sides and (why := node_available()):
        print(f"node ws: skipped, {why}")
        sides.remove("node ws")
    if args.no_deflate:
        CORE_EXTRA["compression"] = None
        RAW_EXTRA["compression"] = None
    scale = 0.1 if args.quick else 1.0
    sizes = {
        "stream": int(50_000 * scale),
        "echo": int(3_000 * scale),
        "big": max(5, int(60 * scale)),
        "clients": 50 if args.quick else 500,
        "each": 5 if args.quick else 20,
    }
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))

    results: dict[str, dict[str, list[float]]] = {}
    for round_number in range(1, args.rounds + 1):
        shift = round_number - 1
        order = sides[shift % len(sides) :] + sides[: shift % len(sides)]  # rotate A/B/C/D
        for workload in args.only:
            for side in order:
                for name, value in measure(side, workload, sizes, not args.no_deflate).items():
                    results.setdefault(name, {}).setdefault(side, []).append(value)
        print(f"round {round_number}/{args.rounds} done", flush=True)

    print_table(results, sides)
    print(
        f"medians of {args.rounds} rotating rounds; permessage-deflate "
        f"{'off' if args.no_deflate else 'on'} on every side; stream n={sizes['stream']}, "
        f"round trips n={sizes['echo']}, 1 MiB n={sizes['big']}, "
        f"{sizes['clients']} clients x {sizes['each']}"
    )


if __name__ == "__main__":
    main()
