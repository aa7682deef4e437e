"""Python's cyclic garbage collection on the GUI thread only.

The interpreter collects in whichever thread allocates past its threshold. When that is a
worker (an image preview, a file export) and the garbage holds a Qt wrapper caught in a
reference cycle, its C++ object is destroyed off the GUI thread while Qt may be using it:
the widget tests crashed that way (a segmentation fault in Qt's event loop while a worker
was in Pillow). So while the application runs, automatic collection is off and a timer on
the GUI thread collects instead, by the interpreter's own generation thresholds (the
pattern of pyqtgraph's ``GarbageCollector``).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

__all__ = ["GuiThreadCollector"]


class GuiThreadCollector(QObject):
    """Switches automatic collection off until ``stop()``; collects every ``interval_ms``."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 200) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold, if any."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        """Stop the timer and give collection back to the interpreter as it was."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
