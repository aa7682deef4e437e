"""``RatesPlot``: messages/s in and out of one socket, client or server over the last
10 s, minute or 10 minutes (pyqtgraph), with its bytes/s and backlog as text underneath.

The span is the person's choice, or by default the shortest that holds the traffic
(``engine.load.rates.span_to_fit``): a three-second burst was a spike at the edge of an
empty two-minute axis. It redraws on ``RatesTimer.sampled`` (twice a second) and only while
visible; antialiasing is off (several times cheaper in raster mode). ``show_meter(meter_id,
name)`` picks what it shows; before that it says what to pick.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.engine.load.rates import HISTORY_SECONDS, PLOT_SPANS, span_to_fit
from workbench.engine.units import format_count, format_size
from workbench.qt.rates_timer import RatesTimer
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.wheel_guard import GuardedComboBox

__all__ = ["FIT", "RatesPlot", "span_label"]

#: The span chooser's first entry: the shortest span that holds the traffic.
FIT = "fit the traffic"


def span_label(seconds: int) -> str:
    """``"last 10 s"``, ``"last minute"``, ``"last 10 minutes"``."""
    if seconds % 60:
        return f"last {seconds} s"
    minutes = seconds // 60
    return "last minute" if minutes == 1 else f"last {minutes} minutes"


_IN_PEN = pg.mkPen("#2563eb", width=2)
_OUT_PEN = pg.mkPen("#ea580c", width=2)


class RatesPlot(QWidget):
    """``RatesPlot(rates, parent=None)``: ``curves`` (in, out) hold the plotted data;
    ``span`` (the ``span_chooser``'s entry 0 fits it to the traffic) is the seconds shown."""

    def __init__(self, rates: RatesTimer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rates = rates
        self.meter_id: str | None = None
        self.span = 0
        self.title = plain(
            QLabel("Rates: select a client or a server to see its messages per second")
        )
        self.title.setObjectName("ratesTitle")
        self.span_chooser = GuardedComboBox()
        self.span_chooser.setObjectName("ratesSpan")
        self.span_chooser.setToolTip("How much of the recent past the plot shows")
        self.span_chooser.addItem(FIT, 0)
        for seconds in PLOT_SPANS:
            self.span_chooser.addItem(span_label(seconds), seconds)
        self.span_chooser.currentIndexChanged.connect(lambda _index: self.refresh())
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
        self.plot.addLegend(offset=(10, 5))
        self.curves = (
            self.plot.plot(pen=_IN_PEN, name="in", antialias=False),
            self.plot.plot(pen=_OUT_PEN, name="out", antialias=False),
        )
        self._set_span(PLOT_SPANS[len(PLOT_SPANS) // 2])
        self.figures = QLabel("")
        self.figures.setObjectName("ratesFigures")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.span_chooser)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
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

    def _set_span(self, seconds: int) -> None:
        """Show the last ``seconds``: the x axis and the points the curves take."""
        if seconds != self.span:
            self.span = seconds
            self._x = np.arange(-seconds, 0, dtype=float) + 1
            self.plot.setXRange(-seconds, 0, padding=0)

    def refresh(self) -> None:
        if self.meter_id is None:
            self._set_span(self.span_chooser.currentData() or PLOT_SPANS[len(PLOT_SPANS) // 2])
            for curve in self.curves:
                curve.setData(self._x, np.zeros(self.span))
            self.plot.setYRange(0, 10, padding=0)
            self.figures.setText("")
            return
        meter = self._rates.meter(self.meter_id)
        series = ("messages_in", "messages_out")
        chosen = int(self.span_chooser.currentData() or 0)
        if chosen:
            self._set_span(chosen)
        else:
            self._set_span(span_to_fit(*(meter.history(s, HISTORY_SECONDS) for s in series)))
        peak = 0.0
        for curve, name in zip(self.curves, series, strict=True):
            values = np.zeros(self.span)  # the meter's history may be a second shorter
            counts = meter.history(name, self.span)
            values[len(values) - len(counts) :] = counts
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
