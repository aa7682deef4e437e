"""``LoadStepsModel``: the Load test tab's table, one row per step of the scenario with its
figures so far as Locust's master counts them (``stats_feed.StepFigures``), and a last row
that adds up every step.

Columns: Step, Requests (how often it ran), Failed, Per s (now), p50 and p95 (ms). Step
names come from the scenario file: they are shown as text (item views never draw rich text)
and escaped in tooltips. ``set_stats`` replaces the figures; rows that stay the same are
only repainted, so the selection holds while a run goes on.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from workbench.engine.load_test.stats_feed import LoadStats, StepFigures
from workbench.qt.plain_text import plain_tooltip
from workbench.qt.table_columns import ColumnsTableModel

__all__ = ["LOAD_STEP_COLUMNS", "TOTAL_ROW", "LoadStepsModel", "milliseconds"]

LOAD_STEP_COLUMNS = ("Step", "Requests", "Failed", "Per s", "p50 (ms)", "p95 (ms)")
#: The name the last row shows (Locust's "Aggregated").
TOTAL_ROW = "all steps"
_FAILED = QBrush(QColor(190, 30, 30))
Index = QModelIndex | QPersistentModelIndex


class LoadStepsModel(ColumnsTableModel):
    """``LoadStepsModel(parent=None)``; ``set_stats(stats)`` shows a poll's figures."""

    columns: ClassVar[tuple[str, ...]] = LOAD_STEP_COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[StepFigures] = []

    def set_stats(self, stats: LoadStats | None) -> None:
        rows = [] if stats is None else [*stats.steps, stats.total]
        if [r.name for r in rows] == [r.name for r in self.rows]:
            self.rows = rows
            if rows:
                last = self.index(len(rows) - 1, len(self.columns) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        total = index.row() == len(self.rows) - 1
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(row, column, total)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return plain_tooltip(TOTAL_ROW if total else row.name)
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == 2 and row.failures:
            return _FAILED
        return None


def _cell(row: StepFigures, column: int, total: bool) -> str:
    if column == 0:
        return TOTAL_ROW if total else row.name
    if column == 1:
        return f"{row.requests:,}"
    if column == 2:
        return f"{row.failures:,}"
    if column == 3:
        return f"{row.requests_per_s:.1f}"
    return milliseconds(row.median_ms if column == 4 else row.p95_ms)


def milliseconds(value: float | None) -> str:
    """A step's time as the table shows it: ``–`` before any, ``< 1`` (Locust keeps whole
    milliseconds), ``1,234``."""
    if value is None:
        return "–"
    return "< 1" if value < 1 else f"{value:,.0f}"
