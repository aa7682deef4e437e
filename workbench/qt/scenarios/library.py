"""``QtScenarioLibrary``: the engine's ``ScenarioLibrary`` (``engine``) with its events as Qt
signals, so the Scenarios tab follows a workspace being loaded or a recording being made
and Qt disconnects it when it is destroyed. Reading and changing the documents is the
engine's: ``self.engine.documents``, ``self.engine.update(doc_id, text=...)``..."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from workbench.engine.scenarios.library import ScenarioLibrary

__all__ = ["QtScenarioLibrary"]


class QtScenarioLibrary(QObject):
    """Adapts ``library``; ``added(doc_id)``, ``changed(doc_id)``, ``removed(doc_id)``,
    ``reset()`` and ``recorded(doc_id)`` as signals."""

    added = Signal(str)
    recorded = Signal(str)
    changed = Signal(str)
    removed = Signal(str)
    reset = Signal()

    def __init__(self, library: ScenarioLibrary, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = library
        library.on("added", self.added.emit)
        library.on("changed", self.changed.emit)
        library.on("removed", self.removed.emit)
        library.on("reset", self.reset.emit)
        library.on("recorded", self.recorded.emit)
