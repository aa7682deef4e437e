"""``MessageLibrary``: the saved and recent messages every composer of the window shares.

The one owner of them while the workbench runs; the workspace file only stores its lists
(``Workbench.to_workspace`` / ``load_workspace``). Event ``changed()`` after any change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from core import EventEmitter
from workbench.engine.workspace.workspace import RECENT_LIMIT, SavedMessage

__all__ = ["MessageLibrary"]


class MessageLibrary(EventEmitter[Literal["changed"]]):
    """``saved`` (by name, in the order saved) and ``recent`` (newest first, at most
    ``RECENT_LIMIT``, no two equal)."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: list[SavedMessage] = []
        self.recent: list[SavedMessage] = []

    def set_messages(self, saved: Iterable[SavedMessage], recent: Iterable[SavedMessage]) -> None:
        self.saved = list(saved)
        self.recent = list(recent)[:RECENT_LIMIT]
        self.emit("changed")

    def remember(self, message: SavedMessage) -> None:
        """Put ``message`` first in ``recent`` (an equal one moves up)."""
        key = (message.mime, message.body, message.body_format)
        self.recent = [m for m in self.recent if (m.mime, m.body, m.body_format) != key]
        self.recent.insert(0, message)
        del self.recent[RECENT_LIMIT:]
        self.emit("changed")

    def save(self, message: SavedMessage) -> None:
        """Keep ``message`` in ``saved``, replacing one with the same name in its place."""
        names = [m.name for m in self.saved]
        if message.name in names:
            self.saved[names.index(message.name)] = message
        else:
            self.saved.append(message)
        self.emit("changed")

    def delete(self, name: str) -> bool:
        """Forget the saved message called ``name``; False if there was none."""
        before = len(self.saved)
        self.saved = [m for m in self.saved if m.name != name]
        if len(self.saved) == before:
            return False
        self.emit("changed")
        return True
