"""``LogModel``: the Qt table model over one ``LogStore``, updated once per UI tick.

The store is appended to from core events, possibly tens of thousands of times a second; the
model follows it once per tick with one remove batch and one insert batch
(``BatchedStoreModel`` says how; its signals ``rows_appended`` and ``counters_changed``).

Filtering (search text, directions, kinds) happens here, not in a ``QSortFilterProxyModel``:
with a filter set, the model's rows are the seqs of the matching entries, kept in a list and
extended on each tick by testing only the new entries (no Python call per row per update
from a proxy). Changing the filter resets the model and scans the store: up to 200,000 rows
at once (about 0.2 s), the rest 20,000 per tick (~40 ms), so a million-row log never freezes
the window (``filtering`` is True until the scan has caught up).

Roles: ``Qt.DisplayRole`` (column text), ``Qt.ToolTipRole`` (detail or preview, and for close,
error and ping rows the glossary's plain words with the RFC 6455 section),
``Qt.TextAlignmentRole`` (size right-aligned), ``ENTRY_ROLE`` (the ``LogEntry``),
``SEQ_ROLE`` (its seq), ``Qt.ForegroundRole`` (a colour per kind: errors red).
"""

from __future__ import annotations

import bisect
import time
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from workbench.engine.log.store import (
    CLOSE,
    DETAIL,
    DIRECTION,
    ERROR,
    EVENT,
    IN,
    KIND,
    MESSAGE,
    OUT,
    SIZE,
    TIME,
    LogEntry,
    LogFilter,
    LogStore,
    Row,
    row_preview,
    row_type_label,
)
from workbench.engine.protocol.glossary import explain_event
from workbench.engine.units import format_size

from .batched_model import TICK_MS, BatchedStoreModel
from .plain_text import plain_tooltip
from .roles import ENTRY_ROLE, SEQ_ROLE

__all__ = ["COLUMNS", "LogModel", "format_time"]

#: Rows a new filter tests at once; the rest are tested FILTER_SCAN_PER_TICK per tick.
FILTER_SCAN_NOW = 200_000
FILTER_SCAN_PER_TICK = 20_000
COLUMNS = ("Time", "Dir", "Type", "Size", "Preview")
COL_TIME, COL_DIRECTION, COL_TYPE, COL_SIZE, COL_PREVIEW = range(5)
_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        ENTRY_ROLE,
        SEQ_ROLE,
    )
)

_DIRECTION_TEXT = {IN: "← in", OUT: "→ out", EVENT: "• event"}
_KIND_BRUSHES = {ERROR: QBrush(QColor(190, 30, 30)), CLOSE: QBrush(QColor(150, 90, 0))}
_EVENT_BRUSH = QBrush(QColor(90, 90, 140))

_Index = QModelIndex | QPersistentModelIndex


def format_time(stamp: float) -> str:
    """Local wall-clock time with milliseconds, e.g. ``14:03:07.412``."""
    whole = int(stamp)
    return time.strftime("%H:%M:%S", time.localtime(whole)) + f".{int((stamp - whole) * 1000):03d}"


def wire_size_text(size: int, wire: int | None, text: str) -> str:
    """``text`` under a line saying how many bytes a compressed message took on the wire."""
    if wire is None:
        return text
    share = f", {wire / size:.0%} of the payload" if size else ""
    return f"{size:,} bytes compressed to {wire:,} on the wire (permessage-deflate{share})\n{text}"


class LogModel(BatchedStoreModel[LogStore]):
    """A table over a ``LogStore``: columns Time, Dir, Type, Size, Preview.

    ``LogModel(store, parent=None, tick_ms=TICK_MS, autostart=True)`` (see
    ``BatchedStoreModel``).
    """

    columns = COLUMNS

    def __init__(
        self,
        store: LogStore,
        parent: QObject | None = None,
        tick_ms: int = TICK_MS,
        autostart: bool = True,
    ) -> None:
        super().__init__(store, parent, tick_ms, autostart)
        self._filter = LogFilter()
        # Unfiltered: rows are seqs _shown_first .. _shown_end - 1 (the base class's).
        # Filtered: rows are self._rows[self._rows_head:], seqs of matching entries.
        self._rows: list[int] | None = None
        self._rows_head = 0
        self.filter_scan_now = FILTER_SCAN_NOW
        self.filter_scan_per_tick = FILTER_SCAN_PER_TICK
        self.sync()

    # -- public API ------------------------------------------------------------------------

    @property
    def store(self) -> LogStore:
        return self._store

    @property
    def log_filter(self) -> LogFilter:
        return self._filter

    def set_filter(self, log_filter: LogFilter | None = None, **changes: Any) -> None:
        """Show only matching entries: ``set_filter(LogFilter(text="ping"))`` or
        ``set_filter(text="ping", directions={"in"}, kinds={"message"})``; ``set_filter()``
        shows everything. Resets the model (views keep no selection)."""
        if log_filter is None:
            log_filter = LogFilter(**changes) if changes else LogFilter()
        self.beginResetModel()
        self._filter = log_filter
        store = self._store
        self._seen_first = store.first_seq
        self._seen_end = store.end_seq
        if log_filter.is_empty:
            self._rows = None
            self._rows_head = 0
            self._shown_first, self._shown_end = store.first_seq, store.end_seq
        else:
            # Scan up to FILTER_SCAN_NOW rows at once; a bigger log is scanned on the next
            # ticks (FILTER_SCAN_PER_TICK rows each, oldest first), so the window stays
            # responsive and the matches fill in from the top (``filtering`` says so).
            first = store.first_seq
            stop = min(store.end_seq, first + self.filter_scan_now)
            self._rows = self._scan(first, stop)
            self._rows_head = 0
            self._seen_end = stop
        self.endResetModel()
        self.counters_changed.emit()

    @property
    def filtering(self) -> bool:
        """True while a filter is still scanning older rows (see ``set_filter``)."""
        return self._rows is not None and self._seen_end < self._store.end_seq

    def _scan(self, start: int, stop: int) -> list[int]:
        """Seqs in ``start .. stop - 1`` that match the filter (all must be in the store)."""
        matches = self._filter.matches_row
        row_at = self._store.row
        first = self._store.first_seq
        return [seq for seq in range(start, stop) if matches(row_at(seq - first))]

    def entry(self, row: int) -> LogEntry | None:
        """The entry shown at ``row`` (None if out of range or already evicted)."""
        seq = self.seq(row)
        return None if seq is None else self._store.get_seq(seq)

    def stored_row(self, row: int) -> Row | None:
        """The store's ``Row`` tuple shown at ``row`` (cheaper than ``entry``), or None."""
        seq = self.seq(row)
        store = self._store
        if seq is None or not store.first_seq <= seq < store.end_seq:
            return None
        return store.row(seq - store.first_seq)

    def seq(self, row: int) -> int | None:
        """The store seq shown at ``row``, or None."""
        if not 0 <= row < self.rowCount():
            return None
        if self._rows is None:
            return self._shown_first + row
        return self._rows[self._rows_head + row]

    def row_of_seq(self, seq: int) -> int | None:
        """The row showing ``seq`` (None if not shown, e.g. filtered out)."""
        if self._rows is None:
            row = seq - self._shown_first
            return row if 0 <= row < self.rowCount() else None
        position = bisect.bisect_left(self._rows, seq, self._rows_head)
        if position < len(self._rows) and self._rows[position] == seq:
            return position - self._rows_head
        return None

    # -- ticks -----------------------------------------------------------------------------

    def _sync_rows(self, first: int, end: int) -> int:
        """Filtered: one remove batch (evicted matches), one insert batch (new matches);
        scans at most ``filter_scan_per_tick`` rows, the next tick goes on from there."""
        rows = self._rows
        if rows is None:
            return super()._sync_rows(first, end)
        head = self._rows_head
        gone = bisect.bisect_left(rows, first, head) - head
        if gone:
            self._remove_top(gone)
            head += gone
            self._rows_head = head
            self.endRemoveRows()
            if head > 4096 and head * 2 > len(rows):  # compact the list now and then
                del rows[:head]
                self._rows_head = 0
        start = max(self._seen_end, first)
        stop = min(end, start + self.filter_scan_per_tick)
        new = self._scan(start, stop)
        if new:
            self._insert_bottom(len(new))
            rows.extend(new)
            self.endInsertRows()
        self._seen_end = stop
        return len(new)

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        if parent.isValid():
            return 0
        if self._rows is None:
            return self._shown_end - self._shown_first
        return len(self._rows) - self._rows_head

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A view asks each cell for about ten roles per paint; the others are answered first.
        if role not in _ROLES or not index.isValid():
            return None
        row = self.stored_row(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_TIME:
                return format_time(row[TIME])
            if column == COL_DIRECTION:
                return _DIRECTION_TEXT.get(row[DIRECTION], row[DIRECTION])
            if column == COL_TYPE:
                return row_type_label(row)
            if column == COL_SIZE:
                if row[KIND] != MESSAGE:
                    return ""
                sizes = self._store.wire_sizes
                wire = sizes.get(self.seq(index.row()) or -1) if sizes else None
                if wire is None:
                    return format_size(row[SIZE])
                return f"{format_size(row[SIZE])} → {format_size(wire)}"
            if column == COL_PREVIEW:
                return row_preview(row)
            return None
        if role == ENTRY_ROLE:
            return LogEntry.from_row(row)
        if role == SEQ_ROLE:
            return self.seq(index.row())
        if role == Qt.ItemDataRole.ToolTipRole:
            text = row[DETAIL] or row_preview(row)
            if row[KIND] == MESSAGE and self._store.wire_sizes:
                wire = self._store.wire_sizes.get(self.seq(index.row()) or -1)
                text = wire_size_text(row[SIZE], wire, text)
            words = explain_event(row[KIND], row[DETAIL]) if row[KIND] != MESSAGE else ""
            return plain_tooltip(f"{text}\n\n{words}" if words else text)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            brush = _KIND_BRUSHES.get(row[KIND])
            return _EVENT_BRUSH if brush is None and row[DIRECTION] == EVENT else brush
        return None
