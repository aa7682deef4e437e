"""Benchmark: the cost of one redraw of the live rates plot (``RatesPlot``), offscreen.

Not a test: prints figures. ``QT_QPA_PLATFORM=offscreen .venv/bin/python
tests/benchmarks/rates_plot.py [--redraws 200]``. Fills a meter with two minutes of
varying rates, then times ``refresh()`` plus the repaint it causes (``grab()`` paints the
widget synchronously), ``--redraws`` times. The plot redraws twice a second
(``RatesTimer``), so its share of the UI thread is about 2 x the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redraws", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from workbench.qt.rates_timer import RatesTimer
    from workbench.qt.service import WorkbenchService
    from workbench.widgets.load.rates_plot import RatesPlot

    app = QApplication.instance() or QApplication([])
    service = WorkbenchService()
    rates = RatesTimer(service, interval_ms=10**6)  # sampled by hand below
    meter = rates.meter("bench")
    for second in range(300):
        meter.add(second, (50_000 + 997 * (second % 17), 50_000, 2_000_000, 2_000_000))
    plot = RatesPlot(rates)
    plot.resize(1200, 320)
    plot.show()
    plot.show_meter("bench", "bench")
    app.processEvents()
    times = []
    for n in range(args.redraws):
        meter.add(300 + n, (40_000 + n, 50_000, 2_000_000, 2_000_000))
        started = time.perf_counter()
        plot.refresh()
        plot.grab()
        times.append(time.perf_counter() - started)
    times.sort()
    print(
        f"rates plot redraw (refresh + paint, 1200x320, {args.redraws} times): median "
        f"{statistics.median(times) * 1000:.1f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.1f} ms, "
        f"worst {times[-1] * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
