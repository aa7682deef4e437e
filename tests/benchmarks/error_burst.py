"""Benchmark: a burst of error reports (accept errors at the open-file limit) in the window.

Not a test: a script that prints figures. Run it offscreen from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/error_burst.py

What it does: starts the application as ``python -m workbench`` does (the qasync loop, the
service, the error hooks, the main window, shown offscreen, with a scratch config folder),
then delivers ``--count`` reports of an ``OSError(EMFILE)`` through the loop's exception
handler — what asyncio does with each failed ``accept()`` when the process is out of file
descriptors — ``--per-tick`` of them per loop iteration. With ``--kinds N`` (N > 1) they
are reported instead by N different sockets (``engine.report`` under N contexts). A 10 ms ``QTimer``
records the interval between its ticks while it runs: the worst interval is the longest the
UI loop stalled.

Printed: the time the burst took, the worst and 99th-percentile tick interval, how many
reports reached the status bar (``error_reported``), and how many records (and how much
text, tracebacks included) the ``workbench`` logger wrote — what would have gone to stderr.
Every wait is bounded (``--timeout``).
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class CountingHandler(logging.Handler):
    """Counts the records and the characters of their formatted text (tracebacks too)."""

    def __init__(self) -> None:
        super().__init__()
        self.records = 0
        self.characters = 0
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        self.characters += len(self.format(record)) + 1


def run_benchmark(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from workbench.qt.app_loop import destroy_qt, install_error_hooks, install_loop
    from workbench.qt.service import WorkbenchService
    from workbench.widgets.window.main_window import MainWindow

    scratch = tempfile.TemporaryDirectory(prefix="error-burst-")
    os.environ["WEBSOCKET_WORKBENCH_CONFIG_DIR"] = scratch.name
    counting = CountingHandler()
    logger = logging.getLogger("workbench")
    logger.addHandler(counting)
    logger.propagate = False  # counted, not printed
    app = QApplication([sys.argv[0]])
    loop = install_loop(app)
    service = WorkbenchService()
    install_error_hooks(loop, service.engine.report)
    settings = QSettings(str(Path(scratch.name) / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, settings=settings, load_workspace=False)
    window.show()
    shown: list[str] = []
    service.error_reported.connect(lambda context, message: shown.append(message))

    intervals: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        intervals.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)

    async def burst() -> float:
        await asyncio.sleep(0.3)  # the window settles
        timer.start()
        last[0] = time.perf_counter()
        started = time.perf_counter()
        sent = 0
        while sent < args.count:
            for _ in range(min(args.per_tick, args.count - sent)):
                error = OSError(errno.EMFILE, "Too many open files")
                if args.kinds == 1:  # as asyncio reports a failed accept()
                    loop.call_exception_handler(
                        {"message": "socket.accept() out of system resource", "exception": error}
                    )
                else:  # as many sockets report their own failures
                    context = f"Server 1 ← 127.0.0.1:{40000 + sent % args.kinds}"
                    service.engine.report(context, error)
                sent += 1
            await asyncio.sleep(0)  # one loop iteration: Qt paints and the timer ticks here
        took = time.perf_counter() - started
        await asyncio.sleep(1.5)  # the coalesced counts come out after their second
        timer.stop()
        return took

    with loop:
        took = loop.run_until_complete(asyncio.wait_for(burst(), args.timeout))
        loop.run_until_complete(service.engine.shutdown())
    window.close()
    ordered = sorted(intervals)
    worst = ordered[-1] * 1000 if ordered else 0.0
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000 if len(ordered) > 1 else worst
    print(
        f"{args.count:,} reports ({args.per_tick:,} per loop iteration, {args.kinds:,} "
        f"context{'s' if args.kinds != 1 else ''}) delivered in {took * 1000:,.0f} ms\n"
        f"UI loop: worst tick interval {worst:,.0f} ms, 99th percentile {p99:,.0f} ms "
        f"(10 ms timer, {len(intervals):,} ticks)\n"
        f"status bar: {len(shown):,} reports shown; last: {shown[-1] if shown else '-'}\n"
        f"workbench logger: {counting.records:,} records, "
        f"{counting.characters / 1e6:,.1f} MB of text"
    )
    destroy_qt(app)
    scratch.cleanup()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000, help="reports in the burst")
    parser.add_argument("--per-tick", type=int, default=1_000, help="reports per loop iteration")
    parser.add_argument("--kinds", type=int, default=1, help="distinct contexts reporting")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before giving up")
    return run_benchmark(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
