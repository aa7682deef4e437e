"""``ScenarioStepModel``: the step list of the Scenarios tab — a draft's steps with the state
and time of each in the last run.

Rows are the draft's steps, in order; when the last run opened clients before the first
step (the runner's ``open … (at the start)``), that step is row 0 and the draft's steps
follow (``draft_index(row)`` maps back, None for that row). Columns: ``#`` (the step's
number in the file), ``Step`` (one line, ``step_summary``), ``State`` (empty before a run;
waiting, running, passed, failed, skipped or stopped) and ``Time`` (of a running step, how
long it has run so far: ``tick()`` repaints it).

Roles: ``DisplayRole``, ``ToolTipRole`` (the whole step and the run's message, escaped: a
value from a file or the network never becomes rich text), ``ForegroundRole`` (green passed,
red failed, grey skipped), ``TextAlignmentRole`` (time right-aligned), ``STEP_RESULT_ROLE``
(the row's ``StepResult`` or None).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from workbench.engine.scenarios.durations import format_duration
from workbench.engine.scenarios.editing import ScenarioDraft, step_summary
from workbench.engine.scenarios.results import StepResult
from workbench.qt.plain_text import plain_tooltip
from workbench.qt.roles import STEP_RESULT_ROLE

__all__ = ["COL_NUMBER", "COL_STATE", "COL_STEP", "COL_TIME", "STATE_TEXT", "ScenarioStepModel"]

COL_NUMBER, COL_STEP, COL_STATE, COL_TIME = range(4)
_HEADERS = ("#", "Step", "State", "Time")
#: What the State column shows for each status.
STATE_TEXT = {
    "waiting": "waiting",
    "running": "running…",
    "passed": "✓ passed",
    "failed": "✗ failed",
    "skipped": "– skipped",
    "stopped": "■ stopped",
}
_BRUSHES = {
    "passed": QBrush(QColor(20, 120, 40)),
    "failed": QBrush(QColor(190, 30, 30)),
    "stopped": QBrush(QColor(150, 90, 0)),
    "skipped": QBrush(QColor(120, 120, 120)),
    "running": QBrush(QColor(30, 80, 170)),
}
Index = QModelIndex | QPersistentModelIndex


class ScenarioStepModel(QAbstractTableModel):
    """``ScenarioStepModel(draft)``; ``set_draft``, ``steps_changed``, ``set_results`` and
    ``update_result`` keep it current (see the module docstring)."""

    def __init__(self, draft: ScenarioDraft | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.draft = draft if draft is not None else ScenarioDraft({"steps": []})
        #: step number (1-based; 0 the opening at the start) -> the last run's result
        self._results: dict[int, StepResult] = {}
        #: step number -> when it started running (``time.monotonic``), while it runs
        self._started: dict[int, float] = {}

    # -- changing ---------------------------------------------------------------------------

    def set_draft(self, draft: ScenarioDraft) -> None:
        self.beginResetModel()
        self.draft = draft
        self._results = {}
        self.endResetModel()

    def steps_changed(self) -> None:
        """The draft's steps were edited: the states of the last run no longer apply."""
        self.beginResetModel()
        self._results = {}
        self.endResetModel()

    def set_results(self, results: list[StepResult]) -> None:
        """A run starts (or ended): every step's result, by its number."""
        self.beginResetModel()
        self._results = {r.step.number: r for r in results}
        self._started = {}
        self.endResetModel()

    def update_result(self, result: StepResult) -> None:
        """One step's result changed (in place): repaint its row."""
        if result.status == "running":
            self._started[result.step.number] = time.monotonic()
        else:
            self._started.pop(result.step.number, None)
        row = self.row_of_number(result.step.number)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(_HEADERS) - 1))

    def running_for(self, number: int) -> float | None:
        """Seconds the step ``number`` has been running (None: it is not running)."""
        started = self._started.get(number)
        return None if started is None else time.monotonic() - started

    def tick(self) -> None:
        """Repaint the time of the running steps (a timer calls it while a run goes on)."""
        for number in self._started:
            row = self.row_of_number(number)
            if row is not None:
                self.dataChanged.emit(self.index(row, COL_TIME), self.index(row, COL_TIME))

    # -- rows ---------------------------------------------------------------------------------

    @property
    def _offset(self) -> int:
        return 1 if 0 in self._results else 0

    def draft_index(self, row: int) -> int | None:
        """The draft's step shown in ``row`` (None for the opening at the start)."""
        index = row - self._offset
        return index if 0 <= index < len(self.draft.steps) else None

    def row_of_number(self, number: int) -> int | None:
        """The row of the step numbered ``number`` (1-based in the file; 0 the opening)."""
        if number == 0:
            return 0 if self._offset else None
        row = number - 1 + self._offset
        return row if 0 <= row < self.rowCount() else None

    def result(self, row: int) -> StepResult | None:
        index = self.draft_index(row)
        return self._results.get(0 if index is None else index + 1)

    # -- Qt -------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.draft.steps) + self._offset

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        result = self.result(row)
        if role == STEP_RESULT_ROLE:
            return result
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column, result)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self._tooltip(row, result))
        if role == Qt.ItemDataRole.ForegroundRole and column in (COL_STATE, COL_TIME):
            return _BRUSHES.get(result.status) if result is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_TIME:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: int, column: int, result: StepResult | None) -> str:
        draft_index = self.draft_index(row)
        if column == COL_NUMBER:
            return "" if draft_index is None else str(draft_index + 1)
        if column == COL_STEP:
            if draft_index is None:
                return result.label if result is not None else ""
            return step_summary(self.draft.steps[draft_index])
        if result is None:
            return ""
        if column == COL_STATE:
            return STATE_TEXT.get(result.status, result.status)
        if result.status in ("waiting", "skipped"):
            return ""
        if result.status == "running":
            running = self.running_for(result.step.number)
            return "…" if running is None else f"{format_duration(running)}…"
        return format_duration(result.elapsed)

    def _tooltip(self, row: int, result: StepResult | None) -> str:
        draft_index = self.draft_index(row)
        if draft_index is None:
            text = "Clients no step opens are opened before the first step."
        else:
            text = step_summary(self.draft.steps[draft_index], limit=2000)
        if result is not None and result.message:
            text += f"\n\n{STATE_TEXT.get(result.status, result.status)}: {result.message}"
        return text
