"""``QtLoadTest``: the engine's ``LocalLoadTest`` (``engine``) with its events as Qt signals,
so the Load test tab follows a run that it, the window's shutdown or a test started, and Qt
disconnects it when the tab is destroyed. Starting and stopping are the engine's coroutines,
run with the service's ``run``."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from workbench.engine.load_test.local_run import LocalLoadTest
from workbench.engine.load_test.stats_feed import LoadStats

__all__ = ["QtLoadTest"]


class QtLoadTest(QObject):
    """Adapts ``load_test``: ``state_changed(state, text)``, ``stats_changed(LoadStats)`` and
    ``warned(text)``."""

    state_changed = Signal(str, str)
    stats_changed = Signal(object)
    warned = Signal(str)

    def __init__(self, load_test: LocalLoadTest, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = load_test
        load_test.on("state", self._state)
        load_test.on("stats", self._stats)
        load_test.on("warning", self._warning)
        self.destroyed.connect(lambda *_: self._detach(load_test))

    def _state(self, state: str, text: str) -> None:
        if isValid(self):
            self.state_changed.emit(state, text)

    def _stats(self, stats: LoadStats) -> None:
        if isValid(self):
            self.stats_changed.emit(stats)

    def _warning(self, text: str) -> None:
        if isValid(self):
            self.warned.emit(text)

    def _detach(self, load_test: LocalLoadTest) -> None:
        load_test.off("state", self._state)
        load_test.off("stats", self._stats)
        load_test.off("warning", self._warning)
