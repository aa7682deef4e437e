"""What hostile peers cost a core Server: memory, descriptors, a bystander's latency (issue 17).

Each scenario starts a core ``Server`` in a child process (its resident memory is read from
``/proc``) and attacks it from this one, on loopback only:

- ``stalled-1MB`` / ``stalled-1kB``: a peer sends 1 MB (or 1 kB) messages as fast as the
  server takes them and never reads; with ``+echo`` the server sends each message back
  (``socket.on('message', socket.send)``, what the workbench's auto-reply Echo does).
- ``ping-flood``: a peer sends pings as fast as the server takes them and never reads.
- ``1000-sockets``: the server runs under a desktop's 1,024-file limit; one address
  (127.0.0.2) opens 1,000 WebSockets, then 100 more connections; a bystander (127.0.0.1)
  measures its echo round trip before and during, and the server's stderr is counted.
- ``churn``: 1,000 connect / message / close cycles of core Clients; the server's memory
  before and after.

Every loop is bounded in count and time: a scenario runs ``--seconds`` at most, and stops
early once the server's memory passes ``--max-rss-mb`` (shown as ">="). The same script
measures an older checkout (write it against core's public names only): run it from that
checkout, which is where the server child imports ``core`` from::

    cd /work/base && python /path/to/tests/benchmarks/hostile_peers.py --label before
    python tests/benchmarks/hostile_peers.py --label after

Options a checkout does not know (``max_per_address``...) are left out there, and the table
says which were applied.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

#: Where the server children imported core from (the checkout measured).
CORES: set[str] = set()
HOST = "127.0.0.1"
HOSTILE = "127.0.0.2"  # one other address on loopback: the attacker's

SERVER = r"""
import asyncio, collections, json, resource, sys
options, echo, nofile = json.loads(sys.argv[1]), sys.argv[2] == "echo", int(sys.argv[3])
if nofile:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(nofile, hard), hard))
import core
from core import Server

def make():
    applied = dict(options)
    while True:
        try:
            return Server(host_interface="127.0.0.1", port=0, **applied), applied
        except (TypeError, ValueError) as exc:  # an older core: leave out what it lacks
            unknown = [key for key in applied if repr(key) in str(exc)]
            if not unknown:
                raise
            for key in unknown:
                del applied[key]

async def main():
    server, applied = make()
    errors, refused = collections.Counter(), collections.Counter()
    server.on("error", lambda error: errors.update([type(error).__name__]))
    server.on("refused", lambda refusal: refused.update([refusal.status]))
    if echo:
        server.on("connection", lambda socket: socket.on("message", socket.send))
    await server.start()
    print(json.dumps({"port": server.port, "core": core.__file__, "applied": applied}), flush=True)
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    while (line := await commands.readline()).strip() == b"stats":
        stats = {"errors": dict(errors), "refused": dict(refused), "sockets": len(server.sockets)}
        print(json.dumps(stats), flush=True)

asyncio.run(main())
"""


class Child:
    """The server process: its port, its memory, its stderr counted line by line."""

    def __init__(self, options: dict[str, Any], echo: bool, nofile: int = 0) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVER,
                json.dumps(options),
                "echo" if echo else "-",
                str(nofile),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        hello = json.loads(self.process.stdout.readline())
        self.port: int = hello["port"]
        self.core: str = hello["core"]
        self.applied: dict[str, Any] = hello["applied"]
        CORES.add(self.core)
        self.stderr_lines = 0
        self.tracebacks = 0
        self._reader = threading.Thread(target=self._count_stderr, daemon=True)
        self._reader.start()

    def _count_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr_lines += 1
            self.tracebacks += line.startswith("Traceback")

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(10)


def frame(opcode: int, payload: bytes) -> bytes:
    """A client frame masked with the all-zero key (valid, and the payload stays as it is)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + b"\0\0\0\0" + payload


UPGRADE = (
    "GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


async def raw_peer(
    port: int, source: str = HOST, timeout: float = 10.0
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    """A raw WebSocket client that upgrades and then reads only what it is asked to."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.bind((source, 0))
    sock.setblocking(False)
    await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, (HOST, port)), timeout)
    reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
    writer.write(UPGRADE.format(host=f"{HOST}:{port}").encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    return reader, writer, head


# -- scenarios -------------------------------------------------------------------------------


async def flood(child: Child, chunk: bytes, seconds: float, max_rss: float) -> dict[str, Any]:
    """Write ``chunk`` again and again from a peer that never reads; sample the server."""
    _reader, writer, head = await raw_peer(child.port)
    assert head.startswith(b"HTTP/1.1 101"), head
    writer.transport.pause_reading()  # reads nothing from now on
    peak, started, dropped, sent = child.rss_mb(), time.monotonic(), None, 0
    stop = started + seconds
    next_sample = started

    async def write() -> None:
        nonlocal sent
        while time.monotonic() < stop:
            writer.write(chunk)
            await writer.drain()  # the peer's own memory stays bounded
            sent += len(chunk)

    writing = asyncio.create_task(write())
    while time.monotonic() < stop and not writing.done():
        await asyncio.sleep(max(0.0, next_sample - time.monotonic()))
        next_sample += 0.25
        peak = max(peak, child.rss_mb())
        if peak >= max_rss:
            break
    capped = peak >= max_rss
    if writing.done() and writing.exception() is not None:
        dropped = time.monotonic() - started
    writing.cancel()
    with contextlib.suppress(BaseException):
        await writing
    end_rss = child.rss_mb()
    writer.transport.abort()
    return {
        "peak": peak,
        "end": end_rss,
        "capped": capped,
        "dropped": dropped,
        "offered_mb": sent / 1e6,
        "seconds": time.monotonic() - started,
    }


async def thousand_sockets(options: dict[str, Any], seconds: float) -> dict[str, Any]:
    from core import Client

    plain = {"receive_type": "text/plain", "send_type": "text/plain", "ping_interval": None}
    child = Child({**options, **plain}, echo=True, nofile=1024)

    async def round_trips(count: int) -> tuple[float, float, float]:
        client = Client(host=HOST, port=child.port, receive_type="text/plain",
                        send_type="text/plain", number_of_retries=0, connect_timeout=5000,
                        ping_interval=None)  # fmt: skip
        started = time.perf_counter()
        try:
            await asyncio.wait_for(client.open(), 6)
        except Exception:
            return float("nan"), float("nan"), float("nan")
        connect_ms = (time.perf_counter() - started) * 1000
        times = []
        for n in range(count):
            sent = time.perf_counter()
            client.send(f"ping {n}")
            await asyncio.wait_for(client.recv(), 5)
            times.append((time.perf_counter() - sent) * 1000)
        await asyncio.wait_for(client.close(), 12)
        times.sort()
        return connect_ms, statistics.median(times), times[int(len(times) * 0.99) - 1]

    quiet = await round_trips(200)
    peers: list[asyncio.StreamWriter] = []
    outcomes: dict[str, int] = {}
    gate = asyncio.Semaphore(50)
    deadline = time.monotonic() + seconds

    async def one() -> None:
        async with gate:
            if time.monotonic() > deadline:
                outcomes["not tried (time)"] = outcomes.get("not tried (time)", 0) + 1
                return
            try:
                _reader, writer, head = await raw_peer(child.port, HOSTILE, timeout=5)
            except Exception as exc:
                kind = type(exc).__name__
                outcomes[kind] = outcomes.get(kind, 0) + 1
                return
            status = head.split(b" ", 2)[1].decode()
            outcomes[status] = outcomes.get(status, 0) + 1
            peers.append(writer)

    await asyncio.gather(*(one() for _ in range(1000)))
    extra: list[socket.socket] = []
    for _ in range(100):  # past the file limit: accept() fails in the server
        sock = socket.socket()
        sock.bind((HOSTILE, 0))
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect((HOST, child.port))
        extra.append(sock)
    await asyncio.sleep(1.0)
    busy = await round_trips(200)
    await asyncio.sleep(1.0)
    stats = child.stats()
    result = {
        "quiet": quiet,
        "busy": busy,
        "outcomes": outcomes,
        "stats": stats,
        "stderr_lines": child.stderr_lines,
        "tracebacks": child.tracebacks,
        "applied": child.applied,
        "rss": child.rss_mb(),
    }
    for writer in peers:
        writer.transport.abort()
    for sock in extra:
        sock.close()
    child.stop()
    return result


async def churn(cycles: int) -> dict[str, Any]:
    from core import Client

    child = Child({"ping_interval": None}, echo=True)

    async def cycle(n: int) -> None:
        client = Client(host=HOST, port=child.port, receive_type="text/plain",
                        send_type="text/plain", number_of_retries=0, ping_interval=None)  # fmt: skip
        await asyncio.wait_for(client.open(), 10)
        client.send(f"hello {n}")
        await asyncio.wait_for(client.recv(), 10)
        await asyncio.wait_for(client.close(), 12)

    async def cycles_of(count: int) -> None:
        gate = asyncio.Semaphore(10)

        async def bounded(n: int) -> None:
            async with gate:
                await cycle(n)

        await asyncio.gather(*(bounded(n) for n in range(count)))

    await cycles_of(50)  # warm up: imports, caches, the first allocations
    await asyncio.sleep(0.5)
    before = child.rss_mb()
    started = time.monotonic()
    await cycles_of(cycles)
    seconds = time.monotonic() - started
    await asyncio.sleep(0.5)
    after = child.rss_mb()
    sockets = child.stats()["sockets"]
    child.stop()
    return {"before": before, "after": after, "seconds": seconds, "open": sockets}


# -- the table ---------------------------------------------------------------------------------


def _latency(figures: tuple[float, float, float]) -> str:
    connect, p50, p99 = figures
    if connect != connect:  # NaN: it never opened
        return "no connection within 6 s"
    return f"p50/p99 {p50:.2f}/{p99:.2f} ms (connect {connect:.1f} ms)"


def stalled_row(name: str, result: dict[str, Any], max_rss: float) -> str:
    peak = f">= {max_rss:,.0f}" if result["capped"] else f"{result['peak']:,.0f}"
    dropped = (
        f"dropped after {result['dropped']:.1f} s"
        if result["dropped"] is not None
        else f"not dropped in {result['seconds']:.0f} s"
    )
    return (
        f"{name:22} peak RSS {peak:>9} MB, at end {result['end']:>7,.0f} MB; "
        f"{result['offered_mb']:>8,.0f} MB offered; {dropped}"
    )


async def amain(args: argparse.Namespace) -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process opens 1,100+
    only = set(args.only)
    rows: list[str] = []
    for name, size, echo in (
        ("stalled-1MB", 1_000_000, False),
        ("stalled-1MB+echo", 1_000_000, True),
        ("stalled-1kB", 1_000, False),
        ("stalled-1kB+echo", 1_000, True),
    ):
        if name.split("+")[0] not in only and name not in only:
            continue
        child = Child({"receive_type": "*/*", "send_type": "*/*", "compression": None,
                       "max_message_size": None}, echo)  # fmt: skip
        message = frame(0x2, bytes(size))
        chunk = message * max(1, 1_000_000 // len(message))
        result = await flood(child, chunk, args.seconds, args.max_rss_mb)
        child.stop()
        rows.append(stalled_row(name, result, args.max_rss_mb))
        print(rows[-1], flush=True)
    if "ping-flood" in only:
        child = Child({"compression": None}, echo=False)
        result = await flood(child, frame(0x9, b"p" * 125) * 8000, args.seconds, args.max_rss_mb)
        child.stop()
        rows.append(stalled_row("ping-flood", result, args.max_rss_mb))
        print(rows[-1], flush=True)
    if "1000-sockets" in only:
        caps = {"max_per_address": args.per_address} if args.per_address else {}
        result = await thousand_sockets(caps, args.seconds)
        quiet, busy = (_latency(result[key]) for key in ("quiet", "busy"))
        rows.append(
            f"{'1000-sockets':22} bystander echo {quiet} alone, {busy} beside 1,000 sockets"
            " from one address;"
            f" their upgrades: {result['outcomes']}; server errors {result['stats']['errors']},"
            f" refused {result['stats']['refused']}, open sockets"
            f" {result['stats']['sockets']}; stderr {result['stderr_lines']:,} lines,"
            f" {result['tracebacks']:,} tracebacks; RSS {result['rss']:,.0f} MB;"
            f" options applied {result['applied']}"
        )
        print(rows[-1], flush=True)
    if "churn" in only:
        result = await churn(args.cycles)
        rows.append(
            f"{'churn':22} RSS {result['before']:,.1f} MB before, {result['after']:,.1f} MB"
            f" after {args.cycles:,} connect/close cycles (+{result['after'] - result['before']:,.1f}"
            f" MB) in {result['seconds']:.1f} s; sockets left open {result['open']}"
        )
        print(rows[-1], flush=True)
    print(f"\n{args.label}: the servers' core from {', '.join(sorted(CORES))}")


def main() -> None:
    sys.path.insert(0, os.getcwd())  # this process's Clients from the measured checkout too
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default=Path.cwd().name, help="a name for this checkout")
    parser.add_argument("--seconds", type=float, default=25.0, help="longest a scenario runs")
    parser.add_argument("--max-rss-mb", type=float, default=3000.0, help="stop a scenario there")
    parser.add_argument("--cycles", type=int, default=1000, help="connect/close cycles (churn)")
    parser.add_argument(
        "--per-address",
        type=int,
        default=100,
        help="the server's max_per_address in 1000-sockets (0: none; left out where unknown)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=["stalled-1MB", "stalled-1kB", "ping-flood", "1000-sockets", "churn"],
        help="scenarios to run",
    )
    asyncio.run(amain(parser.parse_args()))


if __name__ == "__main__":
    main()
