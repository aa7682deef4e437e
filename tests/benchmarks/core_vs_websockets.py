"""Benchmark: core against raw `websockets` doing the same work, side by side, in one run.

    .venv/bin/python -m tests.benchmarks.core_vs_websockets [--rounds 5] [--quick] [--frame-listener]

Each workload runs with both ends written in core, then with both ends in plain websockets
(the same message counts, sizes and concurrency), alternating A/B for ``--rounds`` rounds,
because this machine's noise is about ±40 % between runs. The table gives the median of
each side and the ratio core/raw. Not a test: it prints figures, it asserts nothing.

Workloads: 100-byte text stream (msg/s), 32-byte echo round trip (p50/p99 µs),
1 MiB binary echo (MB/s), JSON stream (msg/s; compared with the raw *text* stream, so
conversion must not be the bottleneck), and 500 concurrent clients each echoing messages.
``--frame-listener`` attaches a no-op ``'frame'`` listener to every core Client and Socket,
to measure what observing every frame costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import time
from collections.abc import Awaitable

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from core import Client, Server

HOST = "127.0.0.1"
TIMEOUT = 120.0
FRAME_LISTENER = False  # set by --frame-listener


def ignore_frame(_frame: object) -> None:
    pass


# --- both ends in core ---------------------------------------------------------------------


async def core_pair(server_type: str, client_type: str, echo: bool):
    server = Server(
        host_interface=HOST,
        port=0,
        receive_type=server_type,
        send_type=server_type,
        max_message_size=None,
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

    async with serve(handler, HOST, 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://{HOST}:{port}/", proxy=None) as ws:
            started = time.perf_counter()
            for _ in range(n):
                await ws.send(json.dumps(message) if mime == "application/json" else message)
            await asyncio.wait_for(done.wait(), TIMEOUT)
            return n / (time.perf_counter() - started)


async def raw_echo_handler(ws) -> None:
    async for frame in ws:
        await ws.send(frame)


async def raw_round_trips(n: int, message: object, mime: str) -> list[float]:
    async with serve(raw_echo_handler, HOST, 0, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://{HOST}:{port}/", proxy=None, max_size=None) as ws:
            times = []
            for _ in range(n):
                started = time.perf_counter()
                await ws.send(message)
                await asyncio.wait_for(ws.recv(), TIMEOUT)
                times.append(time.perf_counter() - started)
            return times


async def raw_many_clients(clients: int, each: int) -> tuple[float, float]:
    async with serve(raw_echo_handler, HOST, 0) as server:
        port = server.sockets[0].getsockname()[1]
        started = time.perf_counter()
        pool = await asyncio.wait_for(
            asyncio.gather(*(connect(f"ws://{HOST}:{port}/", proxy=None) for _ in range(clients))),
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


# --- the table -----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def run(coroutine: Awaitable[object]) -> object:
    return asyncio.run(coroutine)  # a fresh loop per measurement: no state carried over


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a smoke run")
    parser.add_argument(
        "--frame-listener", action="store_true", help="a 'frame' listener on every core end"
    )
    args = parser.parse_args()
    global FRAME_LISTENER
    FRAME_LISTENER = args.frame_listener
    scale = 0.1 if args.quick else 1.0
    n_stream, n_rtt, n_big = int(50_000 * scale), int(3_000 * scale), max(5, int(60 * scale))
    clients, each = (50, 5) if args.quick else (500, 20)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))

    # The text stream sends exactly the 100 bytes the JSON stream puts on the wire, so the
    # JSON/text ratio isolates conversion (permessage-deflate costs depend on the content).
    record = {
        "id": 12345,
        "name": "sensor-7",
        "values": [1.5, 2.25, 3.0],
        "ok": True,
        "tag": "abcdefghij" * 2,
        "n": 12,
    }
    text = json.dumps(record, separators=(",", ":"))
    assert len(text) == 100, len(text)
    small, big = "y" * 32, b"\x01" * (1024 * 1024)
    results: dict[str, dict[str, list[float]]] = {}

    def add(name: str, side: str, value: float) -> None:
        results.setdefault(name, {}).setdefault(side, []).append(value)

    for round_number in range(1, args.rounds + 1):
        order = ("core", "raw") if round_number % 2 else ("raw", "core")
        for side in order:
            core = side == "core"
            add(
                "text stream 100 B (msg/s)",
                side,
                run((core_stream if core else raw_stream)(n_stream, text, "text/plain")),
            )
            add(
                "JSON stream (msg/s)",
                side,
                run((core_stream if core else raw_stream)(n_stream, record, "application/json")),
            )
            rtt = run((core_round_trips if core else raw_round_trips)(n_rtt, small, "text/plain"))
            add("echo 32 B p50 (µs)", side, percentile(rtt, 50) * 1e6)
            add("echo 32 B p99 (µs)", side, percentile(rtt, 99) * 1e6)
            big_times = run(
                (core_round_trips if core else raw_round_trips)(
                    n_big, big, "application/octet-stream"
                )
            )
            add("echo 1 MiB binary (MB/s)", side, n_big * len(big) / sum(big_times) / 1e6)
            connected, rate = run((core_many_clients if core else raw_many_clients)(clients, each))
            add(f"{clients} clients: connect all (ms)", side, connected * 1000)
            add(f"{clients} clients: echo (msg/s)", side, rate)
        print(f"round {round_number}/{args.rounds} done", flush=True)

    raw_text = statistics.median(results["text stream 100 B (msg/s)"]["raw"])
    print()
    print(f"{'workload':34} {'core':>12} {'raw':>12} {'core/raw':>9}")
    for name, sides in results.items():
        core_median, raw_median = statistics.median(sides["core"]), statistics.median(sides["raw"])
        print(f"{name:34} {core_median:12.1f} {raw_median:12.1f} {core_median / raw_median:9.2f}")
    json_median = statistics.median(results["JSON stream (msg/s)"]["core"])
    print(
        f"{'JSON stream / raw text stream':34} {json_median:12.1f} {raw_text:12.1f} {json_median / raw_text:9.2f}"
    )
    print(
        f"\nmedians of {args.rounds} alternating rounds; "
        f"stream n={n_stream}, round trips n={n_rtt}, 1 MiB n={n_big}, {clients} clients x {each}"
    )


if __name__ == "__main__":
    main()
