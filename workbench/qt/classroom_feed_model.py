"""``ClassroomFeedModel``: the classroom feed of one server as a Qt table.

Columns: Time, Who, the direction (→ in from the peer, ← out to it, + joined, − left) and
Message. New entries are gathered and shown in one insert every ``FLUSH_MS`` (a class that
all answer at once, or a flood, does not cost one view update per message); the model keeps
as many rows as the feed (the oldest go first).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)

from workbench.engine.classroom.feed import IN, JOIN, LEAVE, OUT, ClassroomFeed, FeedEntry

from .plain_text import plain_tooltip
from .roles import SOCKET_ID_ROLE
from .table_columns import ColumnsTableModel

__all__ = ["FEED_COLUMNS", "FLUSH_MS", "ClassroomFeedModel"]

FLUSH_MS = 100
FEED_COLUMNS = ("Time", "Who", "", "Message")
COL_TIME, COL_WHO, COL_KIND, COL_TEXT = range(4)
_MARKS = {IN: "→", OUT: "←", JOIN: "+", LEAVE: "−"}
_TIPS = {IN: "from the peer", OUT: "to the peer", JOIN: "joined", LEAVE: "left"}

_Index = QModelIndex | QPersistentModelIndex


class ClassroomFeedModel(ColumnsTableModel):
    """``ClassroomFeedModel(feed, parent=None)``; ``stop()`` stops following the feed."""

    columns = FEED_COLUMNS

    def __init__(
        self, feed: ClassroomFeed, parent: QObject | None = None, flush_ms: int = FLUSH_MS
    ) -> None:
        super().__init__(parent)
        self._feed = feed
        self._rows: deque[FeedEntry] = deque(feed.entries, maxlen=feed.capacity)
        self._pending: list[FeedEntry] = []
        feed.listeners.append(self._pending.append)
        self._timer = QTimer(self)
        self._timer.setInterval(flush_ms)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._pending.append in self._feed.listeners:
            self._feed.listeners.remove(self._pending.append)

    def entry(self, row: int) -> FeedEntry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def flush(self) -> None:
        """Show the entries that came since the last flush (also called by the timer)."""
        if not self._pending:
            return
        capacity = self._rows.maxlen or 1
        batch, self._pending[:] = self._pending[-capacity:], []
        overflow = len(self._rows) + len(batch) - capacity
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
            for _ in range(overflow):
                self._rows.popleft()
            self.endRemoveRows()
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(batch) - 1)
        self._rows.extend(batch)
        self.endInsertRows()

    # -- QAbstractTableModel -------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_TIME:
                return time.strftime("%H:%M:%S", time.localtime(entry.time))
            if column == COL_WHO:
                return entry.who
            if column == COL_KIND:
                return _MARKS.get(entry.kind, entry.kind)
            return entry.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(_TIPS.get(entry.kind, "") if column == COL_KIND else entry.text)
        if role == SOCKET_ID_ROLE:
            return entry.socket_id
        return None
