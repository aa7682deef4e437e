"""``QtMessageLibrary``: the engine's ``MessageLibrary`` (``engine``) with its ``changed`` event
as a Qt signal, so that composers can connect to it and Qt disconnects them when they are
destroyed. Reading and changing the messages is the engine's: ``self.engine.saved``,
``self.engine.remember(message)``..."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from workbench.engine.compose.message_library import MessageLibrary

__all__ = ["QtMessageLibrary"]


class QtMessageLibrary(QObject):
    """Adapts ``library`` (a new one if None), kept as ``engine``; ``changed()`` as a signal."""

    changed = Signal()

    def __init__(
        self, library: MessageLibrary | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.engine = library if library is not None else MessageLibrary()
        self.engine.on("changed", self.changed.emit)
