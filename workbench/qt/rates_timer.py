"""``RatesTimer``: samples the engine's live rates on a Qt timer (``SAMPLE_MS``).

Owns a ``workbench.engine.load.rates.RateSampler`` (``sampler``) fed from every client and
server-side socket of the service, and emits ``sampled()`` after each sample so tables and
plots refresh at that pace, never per message. A client or socket that is removed keeps no
meter.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.engine.load.rates import RateMeter, RateSampler

from .service import WorkbenchService

__all__ = ["SAMPLE_MS", "RatesTimer"]

#: Milliseconds between two samples: rates move twice a second, the plot redraws as often.
SAMPLE_MS = 500


class RatesTimer(QObject):
    """``RatesTimer(service, parent=None, interval_ms=SAMPLE_MS)``; started at once."""

    sampled = Signal()

    def __init__(
        self, service: WorkbenchService, parent: QObject | None = None, interval_ms: int = SAMPLE_MS
    ) -> None:
        super().__init__(parent)
        self._engine = service.engine
        self.sampler = RateSampler()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.sample)
        self._timer.start()
        service.client_removed.connect(self.sampler.forget)
        service.socket_removed.connect(lambda _server_id, socket_id: self.sampler.forget(socket_id))
        service.server_removed.connect(self.sampler.forget)

    def meter(self, meter_id: str) -> RateMeter:
        return self.sampler.meter(meter_id)

    def sample(self) -> None:
        self.sampler.sample_workbench(self._engine)
        self.sampled.emit()
