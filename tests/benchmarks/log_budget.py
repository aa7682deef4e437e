"""Benchmark: what closed sockets' logs and connect/close churn leave in memory (issue 17, A3).

Not a test: a script that prints figures. Run it from the repository root::

    .venv/bin/python tests/benchmarks/log_budget.py

Two cases, each against a fresh engine (``Workbench``, no Qt) serving on 127.0.0.1 port 0,
with the peers in a separate process so the figures are the workbench's alone:

1. **Big logs**: ``--sockets`` clients (6) each send ``--messages`` (140) binary messages
   of ``--size`` bytes (1,000,000) and close; with ``--emoji`` they are text messages with
   one emoji each (Python keeps such a string at 4 bytes per character: pass fewer, e.g.
   ``--sockets 2 --messages 40``, as each takes 4 MB).
2. **Churn**: ``--cycles`` (1,000) connections opened and closed one after the other.

Each case runs in a fresh process. Printed for each: the resident memory (RSS) before, when the peers are done (after a full
garbage collection), and again after asking the C allocator to give free memory back
(``malloc_trim``, glibc only), the logs and bytes the engine keeps, and what the log budget
evicted. ``--budget MIB`` sets the workspace's log budget (default: the engine's).
Every wait is bounded (``--timeout``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gc
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workbench.engine.workbench import Workbench  # noqa: E402

# The peers: a separate Python process with websockets' sync client, loopback only.
PEERS = """
import sys
from websockets.sync.client import connect
port, mode, count, size, cycles, emoji = sys.argv[1:7]
url = f"ws://127.0.0.1:{port}/"
if mode == "big":
    if emoji == "1":
        payload = "😀" + "x" * (int(size) - 4)
    else:
        payload = b"x" * int(size)
    for n in range(int(count.split("x")[0])):
        with connect(url, max_size=None, compression=None) as ws:
            for _ in range(int(count.split("x")[1])):
                ws.send(payload)
else:
    for _ in range(int(cycles)):
        with connect(url, compression=None) as ws:
            pass
print("done")
"""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def trimmed_rss_mb() -> float:
    """RSS after glibc's ``malloc_trim(0)`` hands free heap pages back (else RSS as is)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_mb()


def kept(engine: Workbench) -> tuple[int, int, int]:
    """(sockets kept, rows kept in their logs, bytes the logs count)."""
    sockets = [s for h in engine.servers.values() for s in h.sockets.values()]
    rows = sum(len(s.log) for s in sockets)
    return len(sockets), rows, sum(s.log.stored_bytes for s in sockets)


def budget_text(engine: Workbench) -> str:
    budget = getattr(engine, "log_budget", None)
    if budget is None:
        return "no log budget"
    return (
        f"budget {budget.limit / 2**20:,.0f} MiB, {budget.used / 2**20:,.1f} MiB counted, "
        f"evicted {budget.evicted_logs:,} logs ({budget.evicted_rows:,} rows)"
    )


async def run_case(args: argparse.Namespace, mode: str) -> None:
    engine = Workbench()
    if args.budget is not None:
        engine.set_log_budget(args.budget * 2**20)
    options: dict[str, Any] = {
        "host_interface": "127.0.0.1",
        "port": 0,
        "receive_type": "*/*",
        "send_type": "*/*",
        "max_message_size": None,
    }
    server_id = engine.add_server(options, "bench")
    assert server_id is not None and await engine.start_server(server_id)
    port = engine.server(server_id).port
    closed: list[str] = []
    engine.on("socket_closed", lambda _server, socket_id, _code, _reason: closed.append(socket_id))
    gc.collect()
    before = trimmed_rss_mb()
    expected = args.sockets if mode == "big" else args.cycles
    started = time.perf_counter()
    peers = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PEERS,
        str(port),
        mode,
        f"{args.sockets}x{args.messages}",
        str(args.size),
        str(args.cycles),
        "1" if args.emoji else "0",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(peers.communicate(), args.timeout)
    if peers.returncode != 0:
        raise SystemExit(f"the peers failed: {err.decode()[-2000:]}")
    deadline = time.monotonic() + args.timeout
    while len(closed) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    took = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    trimmed = trimmed_rss_mb()
    sockets, rows, stored = kept(engine)
    if mode == "big":
        what = (
            f"{args.sockets} sockets × {args.messages} {'text (one emoji)' if args.emoji else 'binary'}"
            f" messages of {args.size:,} bytes, then closed"
        )
    else:
        what = f"{args.cycles:,} connect/close cycles"
    print(
        f"{what} ({len(closed):,} closes seen, {took:.1f} s)\n"
        f"  RSS {before:,.0f} MB before, {after:,.0f} MB after "
        f"({(after - before):+,.0f} MB), {trimmed:,.0f} MB after malloc_trim "
        f"({(trimmed - before):+,.0f} MB)\n"
        f"  kept: {sockets:,} closed sockets, {rows:,} rows, {stored / 2**20:,.1f} MiB counted "
        f"by their logs; {budget_text(engine)}"
    )
    await engine.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=6, help="sockets of the big-logs case")
    parser.add_argument("--messages", type=int, default=140, help="messages per socket")
    parser.add_argument("--size", type=int, default=1_000_000, help="bytes per message")
    parser.add_argument("--emoji", action="store_true", help="text messages with one emoji")
    parser.add_argument("--cycles", type=int, default=1_000, help="connect/close cycles")
    parser.add_argument("--budget", type=int, default=None, help="log budget in MiB")
    parser.add_argument("--case", choices=("big", "churn", "both"), default="both")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per case at most")
    args = parser.parse_args()
    if args.case != "both":
        asyncio.run(run_case(args, args.case))
        return 0
    for mode in ("big", "churn"):  # each in a fresh process: one case's memory is not the next's
        argv = [a for a in sys.argv[1:] if not a.startswith("--case")]
        code = subprocess.call([sys.executable, __file__, *argv, "--case", mode])
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
