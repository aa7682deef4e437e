"""How much memory a log of big messages takes under the byte cap (issue 9).

Appends ``--count`` messages of ``--size`` bytes each (a fresh ``bytes`` object each, as
the wire delivers them) to one ``LogStore`` with the default caps and reports the rows
kept, the rows dropped, the store's byte estimate and the process's resident memory (now
and peak). Without the byte cap, 100,000 messages of 1 MiB would need 100 GB.

Run: ``python tests/benchmarks/log_memory.py --count 100000 --size 1048576``.
"""

from __future__ import annotations

import argparse
import resource
import time

from workbench.engine.log.store import DEFAULT_BYTE_CAPACITY, IN, LogStore


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="messages appended")
    parser.add_argument("--size", type=int, default=1024 * 1024, help="bytes per message")
    args = parser.parse_args()
    base = _rss_mib()
    store = LogStore()
    start = time.perf_counter()
    for n in range(args.count):
        payload = n.to_bytes(8, "big") * (args.size // 8)
        store.add_message(IN, "application/octet-stream", payload)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.count:,} messages of {args.size:,} bytes ({args.count * args.size / 2**30:.1f} GiB "
        f"offered) in {seconds:.1f} s\n"
        f"kept {len(store):,} rows, dropped {store.dropped:,}, held in memory {store.held_rows:,}\n"
        f"store estimate {store.stored_bytes / 2**20:.1f} MiB of a "
        f"{DEFAULT_BYTE_CAPACITY / 2**20:.0f} MiB cap\n"
        f"RSS {base:.0f} MiB before, {_rss_mib():.0f} MiB after, peak {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
