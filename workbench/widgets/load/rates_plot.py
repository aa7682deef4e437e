"""``RatesPlot``: messages/s in and out of one socket, client or server over the last
minutes (pyqtgraph), with its bytes/s and backlog as text underneath.

It redraws on ``RatesTimer.sampled`` (twice a second) and only while visible; antialiasing
is off (several times cheaper in raster mode). ``show_meter(meter_id, name)`` picks what it
shows; before that it says what to pick.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.engine.units import format_count, format_size
from workbench.qt.rates_timer import RatesTimer
from workbench.widgets.common.plain_text import plain

__all__ = ["PLOT_SECONDS", "RatesPlot"]

#: Seconds the plot shows (the meter keeps more).
PLOT_SECONDS = 120
_IN_PEN = pg.mkPen("#2563eb", width=2)
_OUT_PEN = pg.mkPen("#ea580c", width=2)


class RatesPlot(QWidget):
    """``RatesPlot(rates, parent=None)``: ``curves`` (in, out) hold the plotted data."""

    def __init__(self, rates: RatesTimer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rates = rates
        self.meter_id: str | None = None
        self.title = plain(
            QLabel("Rates: select a client or a server to see its messages per second")
        )
        self.title.setObjectName("ratesTitle")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("ratesPlot")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("left", "messages/s")
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # "x0.001" reads as noise
        self.plot.setLimits(yMin=0)
        self.plot.enableAutoRange(axis="y")
        self.plot.setLabel("bottom", "seconds ago")
        self.plot.setXRange(-PLOT_SECONDS, 0, padding=0)
        self.plot.addLegend(offset=(10, 5))
        self._x = np.arange(-PLOT_SECONDS, 0, dtype=float) + 1
        self.curves = (
            self.plot.plot(
                self._x, np.zeros(PLOT_SECONDS), pen=_IN_PEN, name="in", antialias=False
            ),
            self.plot.plot(
                self._x, np.zeros(PLOT_SECONDS), pen=_OUT_PEN, name="out", antialias=False
            ),
        )
        self.figures = QLabel("")
        self.figures.setObjectName("ratesFigures")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.figures)
        self.setMinimumHeight(160)
        rates.sampled.connect(self._sampled)

    def show_meter(self, meter_id: str | None, name: str = "") -> None:
        self.meter_id = meter_id
        self.title.setText(
            f"Rates: {name}" if meter_id else "Rates: select a client or a server to see them"
        )
        self.refresh()

    def _sampled(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        if self.meter_id is None:
            for curve in self.curves:
                curve.setData(self._x, np.zeros(PLOT_SECONDS))
            self.plot.setYRange(0, 10, padding=0)
            self.figures.setText("")
            return
        meter = self._rates.meter(self.meter_id)
        peak = 0.0
        for curve, series in zip(self.curves, ("messages_in", "messages_out"), strict=True):
            values = np.asarray(meter.history(series, PLOT_SECONDS), dtype=float)
            curve.setData(self._x, values)
            peak = max(peak, float(values.max()))
        if peak == 0:
            self.plot.setYRange(0, 10, padding=0)  # a quiet socket: a flat line at the bottom
        else:
            self.plot.enableAutoRange(axis="y")
        self.figures.setText(
            f"in {format_count(meter.rate('messages_in'), 'msg/s')}, "
            f"{format_size(meter.rate('bytes_in'))}/s  ·  "
            f"out {format_count(meter.rate('messages_out'), 'msg/s')}, "
            f"{format_size(meter.rate('bytes_out'))}/s  ·  "
            f"backlog {meter.backlog} unsent"
        )
