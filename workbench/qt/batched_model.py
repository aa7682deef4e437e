"""``BatchedStoreModel``: a Qt table over an append-only store, updated once per UI tick.

The store (a ``LogStore``, a ``FrameStore``) numbers its entries with seqs: ``first_seq``
is the oldest still kept, ``end_seq`` one past the newest; it may be appended to tens of
thousands of times a second and evicts from the front at its caps. The model does not
follow each append: a ``QTimer`` (``TICK_MS``, about 40 ms) calls ``sync()``, which tells
the views about everything that changed since the last tick with at most **one**
``beginRemoveRows``/``endRemoveRows`` (rows evicted or cleared, always at the top) and
**one** ``beginInsertRows``/``endInsertRows`` (new rows, at the bottom). So a burst costs the
views one layout pass per tick, whatever its size, and no Python call per row. The entries
waiting for the next tick are the store's seqs from ``shown_end_seq``: the pending buffer.
Under a flood (a tick that brought ``BUSY_ROWS`` rows or more) the model ticks every
``BUSY_TICK_MS`` instead: a repaint of a log table costs about 15 ms of the UI thread, and
rows scrolling past 25 times a second are no easier to read than 6 times; the first calm
tick goes back to ``tick_ms``. Clicks and scrolling repaint at once either way.

Here the rows are the seqs ``_shown_first .. _shown_end - 1``; a model whose rows are a
subset (``LogModel`` with a filter) overrides ``_sync_rows``, ``rowCount`` and ``seq``.
Between ticks the store may already have evicted rows the views still show; a model's
``data()`` returns None for them until the next tick removes them.

Signals:
    rows_appended(int): after each tick that inserted rows; the number inserted. A view
        scrolls to the bottom on it unless autoscroll is paused (a view concern).
    counters_changed(): after each tick in which the store changed (totals, dropped, rows),
        for status labels. Read the numbers from ``model.store``.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QTimer, Signal

from .table_columns import ColumnsTableModel

__all__ = ["BUSY_ROWS", "BUSY_TICK_MS", "TICK_MS", "BatchedStoreModel", "SeqStore"]

TICK_MS = 40
#: The tick while rows pour in, and the rows per tick from which they do.
BUSY_TICK_MS = 150
BUSY_ROWS = 64

_Index = QModelIndex | QPersistentModelIndex


class SeqStore(Protocol):
    """What the model needs of a store: its seq range, and emptying it."""

    @property
    def first_seq(self) -> int: ...
    @property
    def end_seq(self) -> int: ...
    def clear(self) -> None: ...


S = TypeVar("S", bound=SeqStore)


class BatchedStoreModel(ColumnsTableModel, Generic[S]):
    """``BatchedStoreModel(store, parent=None, tick_ms=TICK_MS, autostart=True)``.

    ``store``: a ``SeqStore`` (the subclass names its type: ``BatchedStoreModel[LogStore]``)
    and offers it as its ``store`` property. With ``autostart`` the tick timer runs from construction; ``sync()`` can also be called
    directly (tests, or to show a change at once, e.g. after ``clear()``). A subclass sets
    up its own state after this constructor and then calls ``sync()`` once, so that rows
    already in the store are shown.
    """

    rows_appended = Signal(int)
    counters_changed = Signal()

    def __init__(
        self,
        store: S,
        parent: QObject | None = None,
        tick_ms: int = TICK_MS,
        autostart: bool = True,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._shown_first = self._shown_end = store.first_seq  # the seqs shown as rows
        self._seen_first = self._seen_end = store.first_seq  # the store's seqs at the last tick
        self.insert_batches = 0  # beginInsertRows calls so far (tests, benchmarks)
        self.remove_batches = 0
        self._tick_ms = tick_ms
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.sync)
        if autostart:
            self._timer.start()

    @property
    def shown_end_seq(self) -> int:
        """One past the newest seq the views know about; later entries are pending."""
        return self._seen_end

    @property
    def tick_interval(self) -> int:
        """The tick timer's interval now, in ms: ``tick_ms``, or ``BUSY_TICK_MS`` in a flood."""
        return self._timer.interval()

    @property
    def pending(self) -> int:
        """Entries appended to the store since the last tick (not yet in the views)."""
        return self._store.end_seq - self._seen_end

    def start(self) -> None:
        """Start the tick timer (done by the constructor unless ``autostart=False``)."""
        self._timer.start()

    def stop(self) -> None:
        """Stop the tick timer: the model freezes until ``start()`` or ``sync()``."""
        self._timer.stop()

    def clear(self) -> None:
        """Clear the store's kept rows and the views at once (its totals stay)."""
        self._store.clear()
        self.sync()

    def seq(self, row: int) -> int | None:
        """The store seq shown at ``row``, or None."""
        return self._shown_first + row if 0 <= row < self.rowCount() else None

    def sync(self) -> int:
        """Bring the views up to date with the store: one remove batch, one insert batch.

        Returns the number of rows inserted. Called by the tick timer.
        """
        store = self._store
        first, end = store.first_seq, store.end_seq
        if first == self._seen_first and end == self._seen_end:
            self._pace(0)
            return 0
        inserted = self._sync_rows(first, end)
        self._pace(inserted)
        self._seen_first = first
        self.counters_changed.emit()
        if inserted:
            self.rows_appended.emit(inserted)
        return inserted

    def _pace(self, inserted: int) -> None:
        """Tick slower while a tick brings ``BUSY_ROWS`` rows or more, at ``tick_ms`` otherwise."""
        interval = max(BUSY_TICK_MS, self._tick_ms) if inserted >= BUSY_ROWS else self._tick_ms
        if self._timer.interval() != interval:
            self._timer.setInterval(interval)

    def _sync_rows(self, first: int, end: int) -> int:
        """Remove the rows the store no longer has, insert its new ones, set ``_seen_end``;
        returns the rows inserted."""
        gone = min(first, self._shown_end) - self._shown_first
        if gone > 0:
            self._remove_top(gone)
            self._shown_first += gone
            self.endRemoveRows()
        if self._shown_first < first:  # nothing shown: skip entries never shown and gone
            self._shown_first = self._shown_end = first
        count = end - self._shown_end
        if count > 0:
            self._insert_bottom(count)
            self._shown_end = end
            self.endInsertRows()
        self._seen_end = end
        return max(count, 0)

    def _remove_top(self, count: int) -> None:
        """``beginRemoveRows`` for the top ``count`` rows (the caller drops them, then
        calls ``endRemoveRows``)."""
        self.beginRemoveRows(QModelIndex(), 0, count - 1)
        self.remove_batches += 1

    def _insert_bottom(self, count: int) -> None:
        """``beginInsertRows`` for ``count`` rows after the last (the caller adds them,
        then calls ``endInsertRows``)."""
        row = self.rowCount()
        self.beginInsertRows(QModelIndex(), row, row + count - 1)
        self.insert_batches += 1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self._shown_end - self._shown_first
