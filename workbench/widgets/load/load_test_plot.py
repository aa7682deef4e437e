"""``LoadTestPlot``: a load test's users, steps per second and failures per second over the
run (pyqtgraph, like the rates plot beside it: antialiasing off, no mouse zoom).

It takes one point per poll of the master (``add``; the rates count only while the test
runs), keeps the last ``MAX_POINTS`` and
redraws only while it is visible; ``clear`` starts a new run.
"""

from __future__ import annotations

from collections import deque

import pyqtgraph as pg
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.engine.load_test.stats_feed import LoadStats

__all__ = ["MAX_POINTS", "SERIES", "LoadTestPlot"]

#: The most points each curve keeps (one a second: an hour).
MAX_POINTS = 3600
#: The curves: (name in the legend, colour).
SERIES = (("users", "#64748b"), ("steps/s", "#2563eb"), ("failed/s", "#dc2626"))


class LoadTestPlot(QWidget):
    """``LoadTestPlot(parent=None)``: ``curves`` in ``SERIES`` order; ``points`` holds
    (seconds since the start, users, steps/s, failed/s)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: deque[tuple[float, float, float, float]] = deque(maxlen=MAX_POINTS)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("loadTestPlot")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "seconds since the start")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLimits(yMin=0)
        self.plot.addLegend(offset=(10, 5))
        self.curves = [
            self.plot.plot(pen=pg.mkPen(colour, width=2), name=name, antialias=False)
            for name, colour in SERIES
        ]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.setMinimumSize(240, 160)
        self._stale = False
        self.refresh()

    def clear(self) -> None:
        self.points.clear()
        self.refresh()

    def add(self, seconds: float, stats: LoadStats) -> None:
        running = stats.running  # Locust's rates linger after a stop: the curves drop to 0
        self.points.append(
            (
                seconds,
                float(stats.users),
                stats.requests_per_s if running else 0.0,
                stats.failures_per_s if running else 0.0,
            )
        )
        self._stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        columns = list(zip(*self.points, strict=True)) if self.points else [(), (), (), ()]
        for curve, values in zip(self.curves, columns[1:], strict=True):
            curve.setData(list(columns[0]), list(values))
        if not self.points:
            self.plot.setXRange(0, 60, padding=0.02)
            self.plot.setYRange(0, 10, padding=0)
        else:
            self.plot.enableAutoRange()

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)
