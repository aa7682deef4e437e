"""The relay's throughput: N messages each way at once through the headless relay (logging
every row to a JSON Lines file), against the same peers on a direct connection.

A benchmark, not a timed test. Three processes, as in real use: this one runs the client, a
child runs the server (a core Server), and for the relayed runs another child runs
``websocket-workbench relay`` with ``--log``. Both peers send N numbered text messages
(``--size`` bytes, default 100) as fast as back-pressure lets them (``send`` awaited only when
the message could not be written at once) and read the other side's N, checking each number:
nothing lost, nothing reordered, or the run fails. A run's time is from the client's open to
the moment both peers have all N. Direct and relayed runs take turns for ``--rounds`` rounds;
the medians are printed with their ratio (target: the relay at least 0.5x direct), the relay
process's CPU time per relayed message (user + system: what the machine's load does not
change much), its peak RSS (sampled every 50 ms) and the rows in its log file.
``--peers-together`` runs client and server in this one process instead (two processes in all).

Usage, from the repository root::

    .venv/bin/python tests/benchmarks/relay_throughput.py                 # 100,000 each way, 3 rounds
    .venv/bin/python tests/benchmarks/relay_throughput.py --messages 20000 --rounds 1 --no-deflate
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core import Client, Server  # noqa: E402

#: Both peers run this: send N numbered messages, receive N and check their numbers.
PEER = """
async def exchange(endpoint, count, size):
    pad = "x" * max(0, size - 8)
    problems = []

    async def send_all():
        for i in range(count):
            delivery = endpoint.send(f"{i:08d}{pad}")
            if endpoint.pending_messages:
                await delivery

    async def receive_all():
        for i in range(count):
            message = await endpoint.recv()
            if (int(message[:8]) != i or len(message) != size) and not problems:
                problems.append(f"message {i} came as {message[:8]!r} ({len(message)} chars)")

    await asyncio.gather(send_all(), receive_all())
    return problems
"""

SERVER = (
    """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from core import Server
"""
    + PEER
    + """
async def main():
    count, size, compression = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] or None
    server = Server(host_interface="127.0.0.1", port=0, send_type="*/*", receive_type="*/*",
                    compression=compression, max_queue=64)

    async def serve(socket):
        problems = await exchange(socket, count, size)
        print(json.dumps({"received": count, "problems": problems}), flush=True)

    server.on("connection", serve)
    await server.start()
    print(server.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await server.stop()

asyncio.run(main())
"""
)

namespace: dict[str, object] = {"asyncio": asyncio}
exec(PEER, namespace)  # the client runs the same exchange as the server
exchange = namespace["exchange"]


class LocalServer:
    """The server in this process (``--peers-together``): the same exchange, same options."""

    def __init__(self, count: int, size: int, compression: str | None) -> None:
        self.reports: asyncio.Queue[str] = asyncio.Queue()
        self.server = Server(
            host_interface="127.0.0.1",
            port=0,
            send_type="*/*",
            receive_type="*/*",
            compression=compression,
            max_queue=64,
        )

        async def serve(socket: object) -> None:
            problems = await exchange(socket, count, size)  # type: ignore[operator]
            await self.reports.put(json.dumps({"received": count, "problems": problems}))

        self.server.on("connection", serve)

    async def line(self) -> str:
        return await asyncio.wait_for(self.reports.get(), 600)


class Child:
    """A child process whose first line is its port."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, *args: str) -> tuple[Child, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readline(), 30)
        return cls(process), first.decode().strip()

    async def line(self) -> str:
        assert self.process.stdout is not None
        return (await asyncio.wait_for(self.process.stdout.readline(), 600)).decode().strip()

    async def end(self, interrupt: bool = False) -> None:
        if interrupt:
            self.process.send_signal(2)
        elif self.process.stdin is not None:
            self.process.stdin.close()
        await asyncio.wait_for(self.process.wait(), 60)


async def one_run(
    url: str, server: Child | LocalServer, count: int, size: int, compression: str | None
) -> float:
    client = Client(
        url,
        send_type="*/*",
        receive_type="*/*",
        number_of_retries=0,
        connect_timeout=30_000,  # a peer in this process may hold the loop while it floods
        compression=compression,
        max_queue=64,
    )
    started = time.perf_counter()
    async with client:
        problems = await exchange(client, count, size)  # type: ignore[operator]
        report = json.loads(await server.line())
    took = time.perf_counter() - started
    if problems or report["problems"]:
        raise SystemExit(f"lost or reordered: client {problems}, server {report['problems']}")
    return took


async def peak_rss(pid: int, stop: asyncio.Event) -> int:
    process, peak = psutil.Process(pid), 0
    while not stop.is_set():
        peak = max(peak, process.memory_info().rss)
        await asyncio.sleep(0.05)
    return peak


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages each way")
    parser.add_argument("--size", type=int, default=100, help="bytes per message (>= 8)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-deflate", action="store_true", help="no compression on any leg")
    parser.add_argument(
        "--peers-together",
        action="store_true",
        help="client and server in this one process (else the server runs in its own)",
    )
    parser.add_argument("--loop", default="auto", help="the relay's --loop (auto, asyncio, uvloop)")
    options = parser.parse_args()
    count, size = options.messages, max(8, options.size)
    compression = None if options.no_deflate else "deflate"
    server: Child | LocalServer
    if options.peers_together:
        server = LocalServer(count, size, compression)
        await server.server.start()
        port = str(server.server.port)
    else:
        server, port = await Child.start(
            "-c", SERVER, str(ROOT), str(count), str(size), compression or ""
        )
    folder = tempfile.TemporaryDirectory(prefix="relay-bench-")
    log = Path(folder.name) / "relay.jsonl"
    relay_options = [] if compression else ["-L", "compression=null", "-U", "compression=null"]
    relay, listening = await Child.start(
        "-m",
        "workbench",
        "relay",
        f"ws://127.0.0.1:{port}/",
        "--log",
        str(log),
        "--loop",
        options.loop,
        *relay_options,
    )
    relay_port = listening.rsplit(":", 1)[1]
    stop = asyncio.Event()
    rss = asyncio.create_task(peak_rss(relay.process.pid, stop))
    await asyncio.sleep(0.2)
    idle_rss = psutil.Process(relay.process.pid).memory_info().rss
    direct_url = f"ws://127.0.0.1:{port}/"
    relay_url = f"ws://127.0.0.1:{relay_port}/"
    times: dict[str, list[float]] = {"direct": [], "relay": []}
    relay_cpu: list[float] = []
    relay_process = psutil.Process(relay.process.pid)
    try:
        for round_ in range(options.rounds):
            order = [("direct", direct_url), ("relay", relay_url)]
            if round_ % 2:
                order.reverse()
            for name, url in order:
                before = relay_process.cpu_times()
                took = await one_run(url, server, count, size, compression)
                after = relay_process.cpu_times()
                times[name].append(took)
                if name == "relay":
                    used = after.user + after.system - before.user - before.system
                    relay_cpu.append(used / (2 * count) * 1e6)
                print(f"  round {round_ + 1} {name:6}: {2 * count / took:9,.0f} msg/s", flush=True)
    finally:
        stop.set()
        peak = await rss
        await relay.end(interrupt=True)
        if isinstance(server, Child):
            await server.end()
        else:
            await server.server.stop()
    rows = sum(1 for line in log.open("rb") if b'"kind":"message"' in line)
    folder.cleanup()
    direct = 2 * count / statistics.median(times["direct"])
    relayed = 2 * count / statistics.median(times["relay"])
    mib = 1024 * 1024
    layout = "client and server in one process" if options.peers_together else "three processes"
    print(
        f"{count:,} messages each way ({size} B text, "
        f"{'permessage-deflate' if compression else 'no compression'}), {layout}, "
        f"relay --loop {options.loop}, {options.rounds} rounds (medians, both directions counted)"
    )
    print(f"  direct:             {direct:9,.0f} msg/s")
    print(f"  through the relay:  {relayed:9,.0f} msg/s")
    print(f"  relay / direct:     {relayed / direct:9.2f}x  (target: at least 0.5x)")
    print(f"  relay CPU per relayed message: {statistics.median(relay_cpu):.1f} µs")
    print(f"  relay RSS: {idle_rss / mib:.1f} MiB idle, {peak / mib:.1f} MiB peak")
    print(
        f"  message rows in the relay's log file: {rows:,} (expected {2 * count * options.rounds:,})"
    )


if __name__ == "__main__":
    asyncio.run(main())
