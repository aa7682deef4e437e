"""``QtClassroom``: the engine's classroom (``workbench.engine.classroom.classroom``) for widgets.

``share`` and ``kick`` are ``@asyncSlot``s returning their task (result True/False, never
raises); ``shared_changed(server_id, on)`` follows a share that took effect. ``feed_model``
makes a ``ClassroomFeedModel`` over the server's feed; the rest is the engine's, at once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from qasync import asyncSlot

from workbench.engine.classroom.classroom import KICK_CODE, KICK_REASON, Classroom

from .classroom_feed_model import ClassroomFeedModel

__all__ = ["KICK_CODE", "KICK_REASON", "QtClassroom"]


class QtClassroom(QObject):
    """``QtClassroom(classroom, parent=None)``; ``engine`` is the ``Classroom`` it adapts."""

    shared_changed = Signal(str, bool)

    def __init__(self, classroom: Classroom, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = classroom

    def is_shared(self, server_id: str) -> bool:
        return self.engine.is_shared(server_id)

    def urls(self, server_id: str) -> list[str]:
        return self.engine.urls(server_id)

    def qr_png(self, url: str, scale: int = 8) -> bytes:
        return self.engine.qr_png(url, scale)

    def feed_model(self, server_id: str, parent: QObject | None = None) -> ClassroomFeedModel:
        return ClassroomFeedModel(self.engine.feed(server_id), parent)

    def announce(self, server_id: str, text: str) -> int:
        return self.engine.announce(server_id, text)

    @asyncSlot(str, bool)
    async def share(self, server_id: str, on: bool) -> bool:
        done = await self.engine.share(server_id, on)
        self.shared_changed.emit(server_id, self.engine.is_shared(server_id))
        return done

    @asyncSlot(str)
    async def kick(self, socket_id: str, code: int = KICK_CODE, reason: str = KICK_REASON) -> bool:
        return await self.engine.kick(socket_id, code, reason)
