"""Benchmark: the window stays responsive while its Load test tab runs a Locust test.

Not a test: a script that prints figures. Run it offscreen from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/load_test_tab.py \\
        --users 500 --workers 2 --duration 30

What it does (all traffic on 127.0.0.1): a core echo server runs in a process of its own on
uvloop (``tests/workbench/engine/load_test/echo_process.py``); the real ``MainWindow`` is
shown (offscreen) and its Load test tab runs a scenario of one send + ``expect`` echo per
user per second against it, as a person would (the fields, then Start). While the test runs:

- a 10 ms ``QTimer`` records the interval between its ticks: the worst interval is the
  longest the window's loop was stalled;
- every ``--click-every`` ms a synthetic click is posted to the steps table on a row (a
  press and a release, queued like a person's; ``workbench_flood.make_click_probe``) and
  the time until the table repaints is recorded. Target (the flood benchmark's): every
  click answered within 100 ms.

Printed: the tick intervals (worst, p99), the click latencies, the GUI thread's CPU time
per second of the run, and the test's own figures as the tab last showed them (steps,
failures, p50 / p95). Every wait is bounded (``--duration`` plus ``--slack`` seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCENARIO = """name: echo per second
url: "ws://127.0.0.1:{port}/"
steps:
  - send: {{message: {{n: 1}}}}
  - expect: {{equals: {{n: 1}}, within: 5s}}
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def run_benchmark(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from tests.benchmarks.workbench_flood import latency_text, make_click_probe
    from tests.workbench.engine.load_test.processes import EchoProcess
    from workbench.qt.app_loop import destroy_qt, install_loop
    from workbench.qt.service import WorkbenchService
    from workbench.widgets.window.main_window import MainWindow

    scratch = Path(tempfile.mkdtemp(prefix="wb-load-tab-"))
    os.environ["WEBSOCKET_WORKBENCH_DATA_DIR"] = str(scratch / "data")
    app = QApplication.instance() or QApplication([])
    loop = install_loop(app)
    service = WorkbenchService()
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        service, settings=settings, workspace_path=scratch / "w.json", load_workspace=False
    )
    window.resize(1280, 800)
    window.show()
    tab = window.load_test
    window.tabs.setCurrentWidget(tab)
    table = tab.table
    probe = make_click_probe(lambda: table.viewport(), lambda: table.viewport())
    intervals: list[float] = []
    stalls: list[tuple[float, float]] = []  # (seconds into the run, interval) over 50 ms
    last_tick = [0.0, 0.0]

    def tick() -> None:
        now = time.perf_counter()
        if last_tick[0]:
            intervals.append(now - last_tick[0])
            if now - last_tick[0] > 0.05:
                stalls.append((last_tick[0] - last_tick[1], now - last_tick[0]))
        else:
            last_tick[1] = now
        last_tick[0] = now

    ticker = QTimer()
    ticker.setInterval(10)
    ticker.timeout.connect(tick)
    echo = EchoProcess(uvloop=True)

    async def bench() -> int:
        load_test = service.engine.load_test
        scenario = scratch / "echo.yaml"
        scenario.write_text(SCENARIO.format(port=echo.port), encoding="utf-8")
        tab.add_file(str(scenario))
        tab.users.setValue(args.users)
        tab.spawn_rate.setValue(max(1.0, args.users / 5))
        tab.duration.setValue(args.duration)
        tab.workers.setValue(args.workers)
        tab.pace.setValue(1.0)
        tab.start_button.click()
        deadline = time.monotonic() + args.duration + args.slack
        while load_test.state != "running" and time.monotonic() < deadline:
            if load_test.state == "failed":
                print("the load test failed:", load_test.text, file=sys.stderr)
                return 2
            await asyncio.sleep(0.05)
        ticker.start()
        cpu_at_start, started = time.thread_time(), time.perf_counter()
        next_click = time.monotonic()
        while load_test.active and time.monotonic() < deadline:
            rows = tab.model.rowCount()  # two rows at least: each click changes the selection
            if args.click_every and rows >= 2 and time.monotonic() >= next_click:
                probe.click(table)  # type: ignore[attr-defined]
                next_click = time.monotonic() + args.click_every / 1000
            await asyncio.sleep(0.005)
        ticker.stop()
        cpu, wall = time.thread_time() - cpu_at_start, time.perf_counter() - started
        if load_test.active:
            print("the run did not end in time; stopping it", file=sys.stderr)
            await load_test.stop()
        stats = load_test.stats
        ms = [value * 1000 for value in intervals]
        print(f"run: {args.users} users on {args.workers} workers, {args.duration} s")
        print(f"state: {load_test.state}: {load_test.text}")
        if stats is not None:
            total = stats.total
            print(
                f"steps: {total.requests:,}, failed {total.failures:,}, "
                f"p50 {total.median_ms} ms, p95 {total.p95_ms} ms"
            )
        print(f"loop ticks: worst {max(ms, default=0):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms")
        worst = sorted(stalls, key=lambda stall: -stall[1])[:5]
        print(
            "stalls over 50 ms (at s: ms):", ", ".join(f"{t:.1f}: {d * 1000:.0f}" for t, d in worst)
        )
        clicks = probe.latencies  # type: ignore[attr-defined]
        slow = [f"#{n + 1}: {v * 1000:.0f} ms" for n, v in enumerate(clicks) if v > 0.1]
        print(f"clicks on the steps table: {latency_text(clicks)}; over 100 ms: {slow or 'none'}")
        print(f"GUI thread CPU: {cpu / wall * 100:.1f} % of one core during the run")
        return 0

    try:
        code = loop.run_until_complete(asyncio.wait_for(bench(), args.duration + 2 * args.slack))
    finally:
        seen = echo.stop()
        print(f"echo server: {seen.get('opened')} opened, closes {seen.get('codes')}")
        window.close()
        loop.run_until_complete(service.engine.shutdown())
        destroy_qt(app)
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=30, help="seconds the test runs")
    parser.add_argument("--click-every", type=int, default=250, metavar="MS")
    parser.add_argument("--slack", type=float, default=60.0, help="seconds to start and stop")
    return run_benchmark(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
