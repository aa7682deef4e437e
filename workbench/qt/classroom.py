"""``QtClassroom``: the Qt side of the engine's classroom (``workbench.engine.classroom``).

``shared_changed(server_id, shared)`` re-emits the engine's event (a share call ended),
``any_origin_changed(server_id, on)`` the other (``set_any_origin`` was called), and
``feed_model`` makes a ``ClassroomFeedModel`` over a server's feed. Everything else is the
engine's: ``self.engine.is_shared``, ``self.engine.urls``, ``self.engine.announce``; the coroutines
``self.engine.share`` and ``self.engine.kick`` run through ``WorkbenchService.run``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from workbench.engine.classroom.classroom import KICK_CODE, KICK_REASON, Classroom

from .classroom_feed_model import ClassroomFeedModel

__all__ = ["KICK_CODE", "KICK_REASON", "QtClassroom"]


class QtClassroom(QObject):
    """``QtClassroom(classroom, parent=None)``; ``engine`` is the ``Classroom`` it adapts."""

    shared_changed = Signal(str, bool)
    any_origin_changed = Signal(str, bool)

    def __init__(self, classroom: Classroom, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = classroom
        classroom.on("shared_changed", self.shared_changed.emit)
        classroom.on("any_origin_changed", self.any_origin_changed.emit)

    def feed_model(self, server_id: str, parent: QObject | None = None) -> ClassroomFeedModel:
        """An item model over the server's feed (made on first use)."""
        return ClassroomFeedModel(self.engine.feed(server_id), parent)
