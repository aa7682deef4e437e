"""``QtMessageLibrary``: the engine's ``MessageLibrary`` with a Qt ``changed`` signal, so that
composers can connect to it and Qt disconnects them when they are destroyed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from workbench.engine.compose.message_library import MessageLibrary
from workbench.engine.workspace.workspace import SavedMessage

__all__ = ["QtMessageLibrary"]


class QtMessageLibrary(QObject):
    """Adapts ``library`` (a new one if None): same methods, ``changed()`` as a signal."""

    changed = Signal()

    def __init__(self, library: MessageLibrary | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.library = library if library is not None else MessageLibrary()
        self.library.on("changed", self.changed.emit)

    @property
    def saved(self) -> list[SavedMessage]:
        return self.library.saved

    @property
    def recent(self) -> list[SavedMessage]:
        return self.library.recent

    def remember(self, message: SavedMessage) -> None:
        self.library.remember(message)

    def save(self, message: SavedMessage) -> None:
        self.library.save(message)

    def delete(self, name: str) -> bool:
        return self.library.delete(name)
