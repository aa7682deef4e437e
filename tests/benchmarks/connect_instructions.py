"""Instructions a server executes per connection, counted by valgrind's callgrind.

CPU time on a shared machine moves by 5 to 10 % between runs of the same server, so a change
of 2 % in what a connection costs cannot be seen in it; the count of instructions can (it
moves by about 1 %, with where the garbage collector's runs fall). Each server
(``tests/benchmarks/speed_servers.py``: ``core``, ``core pull``, ``websockets``) runs under
``valgrind --tool=callgrind`` with counting off; a picows client on uvloop in this process
connects ``--clients`` at once, unmeasured, then ``--batches`` more times, and callgrind counts
only from each batch's first connect until all are connected (``--whole``: until its
connections have echoed one message each, closed and settled for a second, the garbage
collector's runs included). Printed: instructions per connection, the median of
``--rounds`` runs with its spread (half the range, in % of the median), and the ratio to
plain websockets. Counts are not times: a connection that allocates more also pays in cache
misses, so CPU ratios come out higher than these.

Needs valgrind (Debian: ``apt-get install valgrind``; ``bash resources/install.sh test``
installs it). Usage, from the repository root::

    .venv/bin/python tests/benchmarks/connect_instructions.py            # 500 x 4, 2 rounds
    .venv/bin/python tests/benchmarks/connect_instructions.py --whole
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.core_vs_websockets import ServerProcess, median_cell  # noqa: E402
from tests.benchmarks.speed_load import Generator  # noqa: E402

KINDS = ("core", "core pull", "websockets")
#: Seconds before each batch (the last one's closes are not this one's work) and, with
#: ``--whole``, after it: the server runs some 50 times slower under callgrind.
SETTLE = 1.0
#: Seconds a server may take to start, or callgrind to write its counts, under valgrind.
SLOW = 120.0


def callgrind_control(pid: int, *arguments: str) -> None:
    subprocess.run(
        ["callgrind_control", *arguments, str(pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=SLOW,
    )


def total_instructions(dump: Path) -> int:
    """The ``totals:`` line of a callgrind dump, once it is written."""
    deadline = time.monotonic() + SLOW
    while time.monotonic() < deadline:
        if dump.exists():
            for line in dump.read_text().splitlines():
                if line.startswith("totals:"):
                    return int(line.split()[1])
        time.sleep(0.2)
    raise RuntimeError(f"callgrind wrote no totals to {dump}")


def count(kind: str, clients: int, batches: int, whole: bool, folder: Path) -> float:
    """One server process under callgrind: instructions per connection."""
    out = folder / (kind.replace(" ", "-") + ".out")
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    generator = Generator("picows", deflate=False)
    with ServerProcess(kind, deflate=False, prefix=valgrind, start_timeout=SLOW) as server:
        pid = server.pid

        def mark(name: str) -> None:
            if name == "connect":
                callgrind_control(pid, "--instr=on")
            elif name == "connected" and not whole:
                callgrind_control(pid, "--instr=off")

        async def run() -> None:
            await generator.many(server.port, clients, 1, lambda _name: None)  # warm
            for _batch in range(batches):
                await asyncio.sleep(SETTLE)
                await generator.many(server.port, clients, 1, mark)
                if whole:
                    await asyncio.sleep(SETTLE)
                    callgrind_control(pid, "--instr=off")

        with asyncio.Runner(loop_factory=generator.loop_factory()) as runner:
            runner.run(run())
        callgrind_control(pid, "--dump")
        instructions = total_instructions(out.with_name(out.name + ".1"))
    return instructions / (clients * batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500, help="connecting at once (500)")
    parser.add_argument("--batches", type=int, default=4, help="counted batches per run (4)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each server (2)")
    parser.add_argument("--whole", action="store_true", help="count accept to close")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    args = parser.parse_args()
    for name, value in (("clients", args.clients), ("batches", args.batches)):
        if value < 1:
            parser.error(f"--{name} is at least 1")
    if args.rounds < 1:
        parser.error("--rounds is at least 1")
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"{' and '.join(missing)} not found: apt-get install valgrind")
    counts: dict[str, list[float]] = {kind: [] for kind in args.kinds}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.rounds):
            for kind in args.kinds:
                counts[kind].append(
                    count(kind, args.clients, args.batches, args.whole, Path(folder))
                )
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    what = "accept to close" if args.whole else "connect"
    print(
        f"\nInstructions per connection ({what}), {args.clients} clients at once x"
        f" {args.batches} batches; medians of {args.rounds} runs\n"
    )
    print("| server | instructions | / websockets |")
    print("|---|---:|---:|")
    plain = statistics.median(counts["websockets"]) if "websockets" in counts else None
    for kind, values in counts.items():
        ratio = "-" if plain is None else f"{statistics.median(values) / plain:.3f}"
        print(f"| {kind} | {median_cell(values)} | {ratio} |")


if __name__ == "__main__":
    main()
