"""Benchmark: core's server against plain websockets, picows and Node's ws, each server in a
process of its own, driven by a load generator in this one.

    .venv/bin/python -m tests.benchmarks.core_vs_websockets [--rounds 5] [--quick]
        [--generator picows|websockets] [--servers core websockets ...] [--cells ...]
        [--no-deflate-table] [--echoes N] [--batches N] [--pin] [--frame-listener]

Servers (tests/benchmarks/speed_servers.py, tests/interop/node/bench_server.js): ``core``
(event style), ``core pull`` (``async for`` + ``await send``), ``websockets`` (its own
``async for`` loop), the same three cells on uvloop (``core uvloop``, ``websockets uvloop``),
``picows`` (uvloop) and ``node ws``. Each round starts every server in turn, in an order
that rotates between rounds, runs every cell against it and stops it; the table gives the
median of ``--rounds`` rounds, the spread (half the range, in % of the median) and ratios
against plain websockets on the same loop, picows and Node's ws.

The generator is ``picows`` on uvloop by default: it costs a fraction of what any of these
servers costs per message, so the server is the bottleneck and the throughput rows measure it.
Besides, the server's CPU time per operation is read from ``/proc/<pid>/task/*/schedstat``
(all its threads; nanoseconds, where ``/proc/<pid>/stat`` counts 10 ms ticks) before and
after each measured phase: it does not depend on how fast the generator is.

Each server first runs every cell once with small counts, unmeasured (``WARM_UP``). With
``--pin`` the server runs on a CPU of its own and the generator on the others: the placement
no longer varies, but on a shared machine whatever else lands on that CPU stalls the server
(round trip p99 of about 3 ms on 2 cores with two other jobs, against 0.1–0.3 ms unpinned).

Cells: 32-byte round trip p50/p99, a 100-byte text stream, the same 100 bytes as a JSON
stream (the server decodes each), 1 MiB binary echo, 500 clients connecting at once, and
those 500 clients echoing 20 messages each at once. The 500 clients connect, echo and leave
``--batches`` times (3) in each server process, and those two cells sum the batches: 500
open connections hold about 40,000 objects Python's garbage collector tracks, and its full
collection (10–20 ms, once every two batches or so) would otherwise decide a single batch's
figure by whether it happens to fall in it. A third row of that cell is the server's CPU per
connection all told: accept, handshake, echoes, close and the collector, from the first
connect until the last batch's closes settled. The first table is without compression;
the second (unless ``--no-deflate-table``) negotiates permessage-deflate, which picows cannot,
so its generator is websockets and picows is left out. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from tests.benchmarks.speed_load import BIG, SMALL, Generator, trips_rows
from tests.benchmarks.speed_servers import raise_file_limit

ROOT = Path(__file__).resolve().parents[2]
NODE_SERVER = ROOT / "tests" / "interop" / "node" / "bench_server.js"
SERVERS: dict[str, list[str]] = {
    "core": ["core"],
    "core pull": ["core-pull"],
    "websockets": ["websockets"],
    "core uvloop": ["core", "--uvloop"],
    "websockets uvloop": ["websockets", "--uvloop"],
    "picows": ["picows"],
    "node ws": [],
}
#: (column, numerator, denominator): core's figure over the other's.
RATIOS = (
    ("core/ws", "core", "websockets"),
    ("pull/ws", "core pull", "websockets"),
    ("core/ws uvloop", "core uvloop", "websockets uvloop"),
    ("core uvloop/picows", "core uvloop", "picows"),
    ("core uvloop/node", "core uvloop", "node ws"),
)
CELLS = ("rtt", "stream", "json", "big", "many")
#: Counts of the unmeasured first pass through the cells: it also settles glibc's malloc,
#: whose first freed 1 MiB buffer raises the size it serves from mmap; until then each of
#: asyncio's 256 KiB reads (websockets' default) is an mmap and a munmap, and a cell's
#: figure would depend on whether the 1 MiB echo ran before it.
WARM_UP = {
    "rtt": 100,
    "stream": 1000,
    "json": 1000,
    "big": 3,
    "clients": 20,
    "each": 3,
    "many": 20,
    "batches": 1,
}
#: Seconds given to the server before each batch of the fan-in cells, to finish closing the
#: last batch's connections (their handlers, 'close' events): else that work lands in the
#: next batch's connect.
SETTLE = 0.2
#: Where the server runs with ``--pin``: a CPU of its own, the generator on the others.
SERVER_CPUS: set[int] | None = None
#: ``--frame-listener``: a no-op 'frame' listener on every core Socket.
FRAME_LISTENER = False


class ServerProcess:
    """One server in a process of its own; always stopped and reaped on leaving."""

    def __init__(
        self,
        name: str,
        deflate: bool,
        cpus: set[int] | None = None,
        prefix: Sequence[str] = (),
        start_timeout: float = 30.0,
    ) -> None:
        """``prefix``: a command the server runs under (valgrind, in connect_instructions.py)."""
        if name == "node ws":
            command = ["node", str(NODE_SERVER)]
        else:
            command = [sys.executable, "-m", "tests.benchmarks.speed_servers", *SERVERS[name]]
        self.command = [*prefix, *command, *(["--deflate"] if deflate else [])]
        self.start_timeout = start_timeout
        if FRAME_LISTENER and name.startswith("core"):
            self.command.append("--frame-listener")
        self.name = name
        self.cpus = cpus
        self.port = self.json_port = 0
        self._process: subprocess.Popen[str] | None = None
        self._errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in __exit__)

    def __enter__(self) -> ServerProcess:
        cpus = self.cpus
        self._process = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            cwd=ROOT,
            preexec_fn=None if cpus is None else lambda: os.sched_setaffinity(0, cpus),
        )
        try:
            line = self._first_line(self.start_timeout)
            ports = json.loads(line)
        except Exception:
            self.__exit__(None, None, None)
            raise
        self.port, self.json_port = ports["port"], ports["json_port"]
        return self

    def _first_line(self, timeout: float) -> str:
        import selectors

        assert self._process is not None and self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                raise RuntimeError(f"{self.name}: no port within {timeout:g} s")
        line = self._process.stdout.readline()
        if not line:
            self._errors.seek(0)
            raise RuntimeError(f"{self.name} exited: {self._errors.read()[-2000:]}")
        return line

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self._process is not None
        return self._process.pid

    def cpu(self) -> float:
        """Seconds of CPU the server's threads have used so far."""
        assert self._process is not None
        total = 0
        for task in Path(f"/proc/{self._process.pid}/task").iterdir():
            with contextlib.suppress(OSError, IndexError, ValueError):  # a thread just ended
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            if process.stdout is not None:
                process.stdout.close()
        self._errors.close()


def measure_cell(
    cell: str, server: ServerProcess, generator: Generator, sizes: dict[str, int]
) -> dict[str, float]:
    """Run one cell against ``server`` on a fresh loop: its rows, server CPU included."""
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks[name] = server.cpu()

    def cpu_per(start: str, end: str, count: int) -> float:
        return (marks[end] - marks[start]) / count * 1e6

    async def run() -> dict[str, float]:
        n = sizes[cell]
        if cell == "rtt":
            rows = trips_rows(await generator.trips(server.port, SMALL, n, mark))
            return {
                "round trip 32 B p50 (µs)": rows["p50"] * 1e6,
                "round trip 32 B p99 (µs)": rows["p99"] * 1e6,
                "  server CPU per round trip (µs)": cpu_per("start", "end", n),
            }
        if cell in ("stream", "json"):
            port = server.json_port if cell == "json" else server.port
            path = "/json" if cell == "json" else "/sink"
            rate = await generator.stream(port, path, n, mark)
            name = "JSON stream 100 B" if cell == "json" else "text stream 100 B"
            return {
                f"{name} (msg/s)": rate,
                f"  server CPU per {'JSON ' if cell == 'json' else ''}message (µs)": cpu_per(
                    "start", "end", n
                ),
            }
        if cell == "big":
            times = await generator.trips(server.port, BIG, n, mark)
            return {
                "1 MiB echo (MB/s)": n * len(BIG) / sum(times) / 1e6,
                "  server CPU per 1 MiB echo (µs)": cpu_per("start", "end", n),
            }
        clients, each, batches = sizes["clients"], sizes["each"], sizes["batches"]
        connecting = echoing = connect_cpu = echo_cpu = 0.0
        first = 0.0
        for batch in range(batches):  # summed: a full collection lands in some of them
            # The server's end of the last batch's connections is not this batch's work.
            await asyncio.sleep(SETTLE)
            connected, rate = await generator.many(server.port, clients, each, mark)
            if batch == 0:
                first = marks["connect"]
            connecting += connected
            echoing += clients * each / rate
            connect_cpu += marks["connected"] - marks["connect"]
            echo_cpu += marks["echoed"] - marks["connected"]
        await asyncio.sleep(SETTLE)  # the last batch's closes
        mark("settled")
        return {
            f"{clients} clients connect at once (ms)": connecting / batches * 1000,
            "  server CPU per connect (µs)": connect_cpu / (batches * clients) * 1e6,
            f"{clients} clients echo at once (msg/s)": batches * clients * each / echoing,
            "  server CPU per echo (µs)": echo_cpu / (batches * clients * each) * 1e6,
            # What a connection costs the server from its accept to its end, its echoes and
            # the collector's runs included: the closes are in neither row above.
            "  server CPU per connection, all told (µs)": (marks["settled"] - first)
            / (batches * clients)
            * 1e6,
        }

    with asyncio.Runner(loop_factory=generator.loop_factory()) as runner:
        return runner.run(run())


def lower_is_better(row: str) -> bool:
    return row.endswith(("(µs)", "(ms)"))


def median_cell(values: list[float] | None) -> str:
    if not values:
        return "-"
    middle = statistics.median(values)
    spread = (max(values) - min(values)) / 2 / middle * 100 if middle else 0.0
    return f"{middle:,.0f} ±{spread:.0f}%" if middle >= 100 else f"{middle:.1f} ±{spread:.0f}%"


def ratio_cell(rows: dict[str, list[float]], a: str, b: str) -> str:
    if not rows.get(a) or not rows.get(b):
        return "-"
    return f"{statistics.median(rows[a]) / statistics.median(rows[b]):.2f}"


def print_table(title: str, results: dict[str, dict[str, list[float]]], servers: list[str]) -> None:
    ratios = [r for r in RATIOS if r[1] in servers and r[2] in servers]
    print(f"\n{title}\n")
    print("| cell | " + " | ".join(servers + [name for name, _a, _b in ratios]) + " |")
    print("|---|" + "---:|" * (len(servers) + len(ratios)))
    for row, by_server in results.items():
        cells = [median_cell(by_server.get(server)) for server in servers]
        cells += [ratio_cell(by_server, a, b) for _name, a, b in ratios]
        print(f"| {row.strip()} | " + " | ".join(cells) + " |")
    print(
        "\n(µs and ms: lower is better, so is the ratio; msg/s and MB/s: higher is better; "
        "'server CPU' rows are CPU time of the server process per operation)"
    )


def run_table(
    servers: list[str],
    generator: Generator,
    sizes: dict[str, int],
    cells: list[str],
    rounds: int,
    progress: Callable[[str], None],
) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {}
    for round_number in range(rounds):
        shift = round_number % len(servers)
        for name in servers[shift:] + servers[:shift]:  # a rotating order: A B C, B C A...
            with ServerProcess(name, generator.deflate, SERVER_CPUS) as server:
                for cell in cells:  # warm up, unmeasured (see the module docstring)
                    measure_cell(cell, server, generator, WARM_UP)
                for cell in cells:
                    for row, value in measure_cell(cell, server, generator, sizes).items():
                        results.setdefault(row, {}).setdefault(name, []).append(value)
        progress(f"round {round_number + 1}/{rounds} done")
    return results


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    import websockets

    return (
        f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}, "
        f"Python {platform.python_version()}, websockets {websockets.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny counts, for a smoke run")
    parser.add_argument("--generator", choices=("picows", "websockets"), default="picows")
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=list(SERVERS))
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
    parser.add_argument("--no-deflate-table", action="store_true")
    parser.add_argument(
        "--echoes",
        type=int,
        default=20,
        help="messages each of the 500 clients echoes (the fan-in cell); at least 1",
    )
    parser.add_argument(
        "--batches",
        type=int,
        default=3,
        help="times the 500 clients connect, echo and leave in one server process (the "
        "fan-in cells sum them); at least 1",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="the server on a CPU of its own, the generator on the others",
    )
    parser.add_argument(
        "--frame-listener", action="store_true", help="a no-op 'frame' listener on core's sockets"
    )
    args = parser.parse_args()
    if args.echoes < 1:
        parser.error("--echoes must be at least 1")
    if args.batches < 1:
        parser.error("--batches must be at least 1")
    # A kill ends the run through the with-blocks, so every server process is reaped.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(1))
    global FRAME_LISTENER
    FRAME_LISTENER = args.frame_listener
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) >= 2:
        global SERVER_CPUS
        SERVER_CPUS = {cpus[-1]}
        os.sched_setaffinity(0, set(cpus[:-1]))
    servers: list[str] = args.servers
    if "node ws" in servers and (
        shutil.which("node") is None or not (NODE_SERVER.parent / "node_modules" / "ws").is_dir()
    ):
        print("node ws: skipped (no node, or ws not installed: bash resources/install-peers.sh)")
        servers.remove("node ws")
    raise_file_limit()
    if args.quick:
        sizes = {
            "rtt": 200,
            "stream": 1000,
            "json": 1000,
            "big": 3,
            "clients": 20,
            "each": 3,
            "batches": 1,
        }
    else:
        sizes = {
            "rtt": 5000,
            "stream": 50_000,
            "json": 50_000,
            "big": 60,
            "clients": 500,
            "each": args.echoes,
            "batches": args.batches,
        }
    sizes["many"] = sizes["clients"]
    started = time.perf_counter()
    placed = "not pinned" if SERVER_CPUS is None else f"server on CPU {min(SERVER_CPUS)}"
    print(f"machine: {machine()}; {placed}", flush=True)

    def progress(text: str) -> None:
        print(f"{text} ({time.perf_counter() - started:.0f} s)", flush=True)

    counts = (
        f"round trips n={sizes['rtt']}, streams n={sizes['stream']}, 1 MiB n={sizes['big']}, "
        f"{sizes['clients']} clients x {sizes['each']}, {sizes['batches']} times"
    )
    plain = run_table(
        servers, Generator(args.generator, False), sizes, args.cells, args.rounds, progress
    )
    print_table(
        f"Compression off; generator {args.generator}; medians of {args.rounds} rotating "
        f"rounds; {counts}",
        plain,
        servers,
    )
    if not args.no_deflate_table:
        squeezed = [server for server in servers if server != "picows"]
        deflated = run_table(
            squeezed, Generator("websockets", True), sizes, args.cells, args.rounds, progress
        )
        print_table(
            "permessage-deflate on; generator websockets (picows has no deflate); medians of "
            f"{args.rounds} rotating rounds; {counts}",
            deflated,
            squeezed,
        )


if __name__ == "__main__":
    main()
