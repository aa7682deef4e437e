"""The relay's throughput: N messages each way at once through a relay, against the same
peers on a direct connection, in interleaved rounds.

A benchmark, not a timed test. The client runs in this process and the server (a core Server)
in a child. Each relay runs in a child of its own, started once, as one of these variants:

- ``relay``: the headless command (``websocket-workbench relay``) without a log file;
- ``relay+log``: the same with ``--log FILE.jsonl`` (every row written to the file);
- ``window``: the window's engine controller (``workbench.engine.relays`` through the
  ``Workbench`` facade, no Qt): per-connection log rows in memory and the three-lifeline
  conversation of each relayed connection.

Both peers send N numbered text messages (``--size`` bytes, default 100) as fast as
back-pressure lets them (``send`` awaited only when the message could not be written at once)
and read the other side's N, checking each number: nothing lost, nothing reordered, or the run
fails. A run's time is from the client's open to the moment both peers have all N. Each
target first runs once unmeasured (the first runs of a process are slower). Each round
runs ``direct`` and every variant once, in an order that rotates from round to round
(``--rounds``, at least 5 for medians worth reading). Printed per variant: the median msg/s
with its spread (half the range, in % of the median), the ratio of medians to direct, the
median of each round's own ratio (relayed over that round's direct run: what a load change
between rounds does not move as much), the relay process's CPU per relayed message (from
``/proc/<pid>/task/*/schedstat``, nanoseconds, all threads: what the machine's load changes
least), its peak RSS (sampled every 50 ms) and, for ``relay+log``, the message rows in its file.
The server's CPU per message is printed too: on 2 cores, the three processes share them.

``--baseline DIR`` runs the relays of another checkout too (e.g. ``git archive main | tar -x
-C DIR``), as ``relay@base``..., in the same rounds: a before/after under the same load.
``--profile DIR`` runs each relay under cProfile (slower; figures are then not comparable) and
writes ``DIR/<variant>.prof``.

Usage, from the repository root::

    .venv/bin/python tests/benchmarks/relay_throughput.py                  # 100,000 each way, 5 rounds
    .venv/bin/python tests/benchmarks/relay_throughput.py --messages 20000 --no-deflate
    .venv/bin/python tests/benchmarks/relay_throughput.py --messages 2000 --size 65536 --no-deflate
    .venv/bin/python tests/benchmarks/relay_throughput.py --messages 20000 --baseline /tmp/base
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core import Client  # noqa: E402

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

#: The window's variant: the engine's relay controller (workbench.engine.relays) relaying to
#: the server, no Qt; prints "listening on HOST:PORT", ends when stdin closes.
WINDOW = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from workbench.engine.workbench import Workbench
from workbench.engine.workspace.workspace import RelayConfig

async def main():
    url, compression = sys.argv[2], sys.argv[3] or None
    extra = {} if compression else {"compression": None}
    engine = Workbench()
    relay_id = engine.relays.add(RelayConfig(
        "bench", url, {"host_interface": "127.0.0.1", "port": 0, **extra}, dict(extra)))
    assert await engine.relays.start(relay_id), engine.relays.relay(relay_id).status_text
    print(f"listening on 127.0.0.1:{engine.relays.relay(relay_id).port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await engine.relays.stop(relay_id)

if sys.argv[4] == "uvloop":
    import uvloop
    uvloop.run(main())
else:
    asyncio.run(main())
"""

VARIANTS = ("relay", "relay+log", "window")
#: The root of the --baseline checkout, once given.
BASELINE: list[Path] = []
MESSAGE = b'"kind":"message"'

namespace: dict[str, object] = {"asyncio": asyncio}
exec(PEER, namespace)  # the client runs the same exchange as the server
exchange = namespace["exchange"]


class Child:
    """A child process whose first line says its port; ends when its stdin closes (or on
    SIGINT: the headless relay)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.port = ""  # a relay's, once it listens

    @classmethod
    async def start(cls, *args: str, root: Path = ROOT) -> tuple[Child, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=root,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readline(), 60)
        if not first:
            raise SystemExit(f"a child ended before it was ready: {args[:3]}")
        return cls(process), first.decode().strip()

    async def line(self) -> str:
        assert self.process.stdout is not None
        return (await asyncio.wait_for(self.process.stdout.readline(), 600)).decode().strip()

    def cpu(self) -> float:
        """Seconds of CPU its threads have used so far (schedstat: nanoseconds)."""
        total = 0
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with contextlib.suppress(OSError, IndexError, ValueError):  # a thread just ended
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9

    async def end(self, interrupt: bool = False) -> None:
        if interrupt:
            self.process.send_signal(2)
        elif self.process.stdin is not None:
            self.process.stdin.close()
        await asyncio.wait_for(self.process.wait(), 60)


async def one_run(url: str, server: Child, count: int, size: int, compression: str | None) -> float:
    client = Client(
        url,
        send_type="*/*",
        receive_type="*/*",
        number_of_retries=0,
        connect_timeout=30_000,
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
        with contextlib.suppress(psutil.Error):
            peak = max(peak, process.memory_info().rss)
        await asyncio.sleep(0.05)
    return peak


def log_file(folder: Path, variant: str) -> Path:
    return folder / f"{variant.replace('@', '-')}.jsonl"


async def start_relay(
    variant: str,
    upstream: str,
    folder: Path,
    compression: str | None,
    loop: str,
    profile: str,
) -> Child:
    """Start ``variant`` (``relay``, ``relay+log``, ``window``; ``@base``: from the
    ``--baseline`` checkout, whose root is then ``BASELINE[0]``)."""
    kind, _, base = variant.partition("@")
    root = BASELINE[0] if base else ROOT
    log = log_file(folder, variant)
    name = variant.replace("@", "-")
    profiled = ["-m", "cProfile", "-o", str(Path(profile) / f"{name}.prof")] if profile else []
    if kind == "window":
        code = folder / "window.py"

        code.write_text(WINDOW)
        chosen = "asyncio" if loop == "asyncio" else "uvloop"
        if loop == "auto":
            try:
                import uvloop  # noqa: F401
            except ImportError:
                chosen = "asyncio"
        args = [*profiled, str(code), str(root), upstream, compression or "", chosen]
    else:
        logging = ["--log", str(log)] if kind == "relay+log" else []
        no_deflate = [] if compression else ["-L", "compression=null", "-U", "compression=null"]
        command = [*profiled, "-m", "workbench"] if profiled else ["-m", "workbench"]
        args = [*command, "relay", upstream, *logging, "--loop", loop, *no_deflate]
    relay, listening = await Child.start(*args, root=root)
    relay.port = listening.rsplit(":", 1)[1]
    return relay


def spread(values: list[float]) -> float:
    """Half the range, in % of the median."""
    return (max(values) - min(values)) / 2 / statistics.median(values) * 100


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages each way")
    parser.add_argument("--size", type=int, default=100, help="bytes per message (>= 8)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="measure from the first run (else each target runs once, unmeasured, first)",
    )
    parser.add_argument("--no-deflate", action="store_true", help="no compression on any leg")
    parser.add_argument(
        "--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS), help="relays to run"
    )
    parser.add_argument("--loop", default="auto", help="the relays' loop (auto, asyncio, uvloop)")
    parser.add_argument("--profile", default="", metavar="DIR", help="cProfile each relay")
    parser.add_argument(
        "--baseline",
        default="",
        metavar="DIR",
        help="another checkout (e.g. git archive of main); its relays run as VARIANT@base",
    )
    options = parser.parse_args()
    count, size = options.messages, max(8, options.size)
    compression = None if options.no_deflate else "deflate"
    server, port = await Child.start(
        "-c", SERVER, str(ROOT), str(count), str(size), compression or ""
    )
    folder = tempfile.TemporaryDirectory(prefix="relay-bench-")
    variants = list(options.variants)
    if options.baseline:
        BASELINE.append(Path(options.baseline).resolve())
        variants += [f"{variant}@base" for variant in options.variants]
    if options.profile:
        Path(options.profile).mkdir(parents=True, exist_ok=True)
    direct_url = f"ws://127.0.0.1:{port}/"
    relays = {
        variant: await start_relay(
            variant, direct_url, Path(folder.name), compression, options.loop, options.profile
        )
        for variant in variants
    }
    stop = asyncio.Event()
    peaks = {
        variant: asyncio.create_task(peak_rss(relay.process.pid, stop))
        for variant, relay in relays.items()
    }
    await asyncio.sleep(0.2)
    idle = {
        variant: psutil.Process(r.process.pid).memory_info().rss for variant, r in relays.items()
    }
    names = ["direct", *relays]
    urls = {"direct": direct_url} | {
        variant: f"ws://127.0.0.1:{relay.port}/" for variant, relay in relays.items()
    }
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in relays}
    server_cpu: dict[str, list[float]] = {name: [] for name in names}
    try:
        for name in names if options.warm_up else ():  # unmeasured: first runs are slower
            await one_run(urls[name], server, count, size, compression)
        for round_ in range(options.rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                relay = relays.get(name)
                before, server_before = relay.cpu() if relay else 0.0, server.cpu()
                took = await one_run(urls[name], server, count, size, compression)
                if relay is not None:
                    cpu[name].append((relay.cpu() - before) / (2 * count) * 1e6)
                server_cpu[name].append((server.cpu() - server_before) / (2 * count) * 1e6)
                times[name].append(took)
                print(f"  round {round_ + 1} {name:14}: {2 * count / took:9,.0f} msg/s", flush=True)
    finally:
        stop.set()
        peak = {variant: await task for variant, task in peaks.items()}
        for variant, relay in relays.items():
            # the window's ends when its stdin closes, the headless command on SIGINT
            await relay.end(interrupt=not variant.startswith("window"))
        await server.end()
    rows = {
        variant: sum(
            1 for line in log_file(Path(folder.name), variant).open("rb") if MESSAGE in line
        )
        for variant in relays
        if variant.startswith("relay+log")
    }
    folder.cleanup()
    mib = 1024 * 1024
    print(
        f"{count:,} messages each way ({size} B text, "
        f"{'permessage-deflate' if compression else 'no compression'}), relays --loop "
        f"{options.loop}, {options.rounds} rounds interleaved (medians; both directions counted)"
        + (" -- PROFILED, not comparable" if options.profile else "")
    )
    direct = [2 * count / took for took in times["direct"]]
    print(
        f"  {'':15} {'msg/s':>9} {'spread':>7} {'/direct':>8} {'per-round':>10} "
        f"{'relay CPU':>10} {'server CPU':>11} {'RSS idle/peak':>14}"
    )
    for name in names:
        rates = [2 * count / took for took in times[name]]
        line = f"  {name:15} {statistics.median(rates):9,.0f} {spread(rates):6.1f}%"
        if name != "direct":
            paired = statistics.median(r / d for r, d in zip(rates, direct, strict=True))
            line += f" {statistics.median(rates) / statistics.median(direct):7.2f}x"
            line += f" {paired:9.2f}x {statistics.median(cpu[name]):7.1f} µs"
        else:
            line += f" {'':8} {'':10} {'':10}"
        line += f" {statistics.median(server_cpu[name]):8.1f} µs"
        if name != "direct":
            line += f" {idle[name] / mib:6.1f}/{peak[name] / mib:.1f} MiB"
        print(line)
    print("  (CPU: per relayed message, median of the rounds; target: relay/direct >= 0.5x)")
    for variant, found in rows.items():
        expected = 2 * count * (options.rounds + options.warm_up)  # warm-up rows too
        print(f"  message rows in {variant}'s log file: {found:,} (expected {expected:,})")


if __name__ == "__main__":
    asyncio.run(main())
