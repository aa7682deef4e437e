"""The workspace's log budget in the main window: how much the logs hold and what was evicted
to stay within it, on the status bar, and the setting that sets it (kept in the window's
settings as ``logs/budget_mib``, applied to the engine at start).

The engine does the counting and the evicting (``workbench.engine.log.budget``); this only
shows it and changes the limit.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, QSize, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QStatusBar, QToolButton, QWidget

from workbench.engine.log.budget import DEFAULT_LOG_BUDGET, MIN_LOG_BUDGET
from workbench.engine.units import format_size
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named

__all__ = ["MAX_BUDGET_MIB", "SETTING", "LogBudgetControl", "StatusButton"]

#: The window settings' key of the budget, in MiB.
SETTING = "logs/budget_mib"
#: The largest budget the dialog offers, in MiB (64 GiB).
MAX_BUDGET_MIB = 64 * 1024
_MIB = 2**20
REFRESH_MS = 1000


class StatusButton(QToolButton):
    """A flat button as tall as the status bar's text (a tool button's frame would make the
    bar taller, and the window with it)."""

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(super().sizeHint().width(), self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:  # Qt override
        return self.sizeHint()


class LogBudgetControl(QObject):
    """``LogBudgetControl(parent, service, settings, bar)``: puts ``button`` on ``bar`` and
    makes ``action`` ("Log memory budget…", for a menu); both open ``ask``."""

    def __init__(
        self, parent: QWidget, service: WorkbenchService, settings: QSettings, bar: QStatusBar
    ) -> None:
        super().__init__(parent)
        self.engine = service.engine
        self.settings = settings
        self._parent = parent
        self.button = named(StatusButton(), "logBudget")
        self.button.setAutoRaise(True)
        self.button.clicked.connect(self.ask)
        bar.addPermanentWidget(self.button)
        self.action = QAction("Log memory budget…", parent)
        self.action.setToolTip("How much memory all logs together may hold")
        self.action.triggered.connect(self.ask)
        stored = _stored_mib(settings.value(SETTING))
        if stored is not None:
            self.engine.set_log_budget(stored * _MIB)
        service.log_budget_changed.connect(self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)  # what the logs hold changes with every message
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        budget = self.engine.log_budget
        text = f"Logs {format_size(budget.used)} / {format_size(budget.limit)}"
        if budget.evicted_logs:
            text += f" · {budget.evicted_logs:,} evicted"
        elif budget.evicted_rows:
            text += f" · {budget.evicted_rows:,} rows evicted"
        self.button.setText(text)
        self.button.setToolTip(
            f"All logs of this workspace together hold {format_size(budget.used)} "
            f"of a {format_size(budget.limit)} budget.\n"
            "At the budget the logs of closed sockets go first, oldest closed first, then "
            "the oldest rows of the biggest logs.\n"
            f"Evicted so far: {budget.evicted_logs:,} closed sockets' logs, "
            f"{budget.evicted_rows:,} rows.\nClick to change the budget."
        )

    def ask(self) -> bool:
        """Ask for a new budget (a dialog named ``askLogBudget``); whether it changed."""
        dialog = QInputDialog(self._parent)
        dialog.setObjectName("askLogBudget")
        dialog.setWindowTitle("Log memory budget")
        dialog.setInputMode(QInputDialog.InputMode.IntInput)
        dialog.setIntRange(MIN_LOG_BUDGET // _MIB, MAX_BUDGET_MIB)
        dialog.setIntStep(64)
        dialog.setIntValue(self.engine.log_budget.limit // _MIB)
        dialog.setLabelText(
            "Memory all logs together may hold, in MiB.\n"
            "When they reach it, closed sockets' logs are forgotten first (oldest first),\n"
            f"then the oldest rows of the biggest logs (default {DEFAULT_LOG_BUDGET // _MIB} MiB):"
        )
        accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
        value = dialog.intValue()
        dialog.deleteLater()
        return accepted and self.set_budget_mib(value)

    def set_budget_mib(self, mib: int) -> bool:
        """Apply and keep a budget of ``mib`` MiB; False (reported) if the engine refuses it."""
        if not self.engine.set_log_budget(mib * _MIB):
            return False
        self.settings.setValue(SETTING, mib)
        self.refresh()
        return True


def _stored_mib(value: object) -> int | None:
    """The budget kept in the settings (text in an ini file), or None if absent or unusable."""
    if not isinstance(value, int | str):
        return None
    try:
        mib = int(value)
    except ValueError:
        return None
    return mib if MIN_LOG_BUDGET // _MIB <= mib <= MAX_BUDGET_MIB else None
