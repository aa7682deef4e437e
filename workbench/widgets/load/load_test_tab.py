"""The Load test tab: a scenario run by many virtual users on Locust, in processes of its own.

Pick a scenario (one of the window's, from the Scenarios tab, or a file), the users, how
fast they start, how long the test runs, how often each user runs the scenario (or how long
it waits between two runs), how many local worker processes share the users, and the
scenario's variables (``NAME=VALUE`` lines and an env file); they reach Locust as
``websocket-workbench load``'s ``--pace``, ``--wait``, ``--var`` and ``--env`` do.
**Start** (F5) and **Stop** (Shift+F5). The engine
(``service.engine.load_test``, ``engine.load_test.local_run``) starts Locust's master and
workers as child processes and polls the master's own figures once a second: the table
shows each step's requests, failures, rate, p50 and p95, the plot the users, steps/s and
failures/s over the run. **Open Locust's page** opens the master's web UI in the browser
while it runs; **Open report** opens Locust's HTML report, kept in the run's folder.

Nothing here waits: starting, polling and stopping are the engine's coroutines on the
window's loop. A refused start, a failed run and a worker that ended are said in the
status line in plain words.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.load_test.local_run import MAX_USERS, MAX_WORKERS, LoadSettings
from workbench.engine.load_test.stats_feed import LoadStats
from workbench.qt.load_test.run import QtLoadTest
from workbench.qt.load_test.steps_model import LoadStepsModel, milliseconds
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.wheel_guard import GuardedComboBox, GuardedSpinBox, WheelNeedsFocus

from .load_test_plot import LoadTestPlot

__all__ = ["EMPTY_TEXT", "NO_SCENARIO", "VARIABLES_HINT", "LoadTestTab", "assignments"]

EMPTY_TEXT = (
    "Pick a scenario and press Start: Locust runs it as many virtual users, in processes of "
    "its own, and each step's figures appear here as it goes."
)
NO_SCENARIO = "No scenario yet: make one in the Scenarios tab, or choose a file."
_FILES = "Scenario files (*.yaml *.yml *.json);;All files (*)"
_ENV_FILES = "Variables (*.env *.yaml *.yml *.json);;All files (*)"
WAIT_TIP = (
    "With no pace: each user waits this long between two iterations (1s), or a random time "
    "in a range (500ms-2s)"
)
VARIABLES_HINT = "NAME=VALUE, one a line (e.g. PORT=8765)"


class _DoubleSpin(WheelNeedsFocus, QDoubleSpinBox):
    """A number field the mouse wheel changes only once it has focus."""


class LoadTestTab(QWidget):
    """``LoadTestTab(service, parent=None)``; ``run`` adapts the engine's load test."""

    def __init__(self, service: WorkbenchService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._engine = service.engine
        self.run = QtLoadTest(service.engine.load_test, self)
        self._files: list[str] = []
        self._started = 0.0

        self.scenario = named(GuardedComboBox(), "loadScenario", "The scenario every user runs")
        self.scenario.setSizeAdjustPolicy(
            GuardedComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.scenario.setMinimumContentsLength(24)
        self.choose_button = named(QPushButton("Choose fi&le…"), "loadChooseFile")
        self.users = self._spin(1, MAX_USERS, 20, "", "Virtual users at the peak")
        self.spawn_rate = self._double(0.1, MAX_USERS, 10, " users/s", "Users started a second")
        self.duration = self._spin(1, 24 * 3600, 30, " s", "The test stops after this long")
        self.pace = self._double(0, 3600, 1, " s", "Each user starts the scenario this often")
        self.pace.setSpecialValueText("no pause")
        self.wait = named(QLineEdit(), "loadWait", WAIT_TIP)
        self.wait.setPlaceholderText("none, or 500ms-2s")
        hint = self.wait.fontMetrics().horizontalAdvance(self.wait.placeholderText()) + 16
        self.wait.setFixedSize(
            max(self.pace.sizeHint().width(), hint), self.pace.sizeHint().height()
        )
        self.workers = self._spin(1, MAX_WORKERS, 1, "", "Local Locust worker processes")
        self.web_port = self._spin(0, 65535, 0, "", "The port of Locust's page (0: any free)")
        self.web_port.setSpecialValueText("any free")
        self.variables = named(QPlainTextEdit(), "loadVariables", "The scenario's {{NAME}} values")
        self.variables.setPlaceholderText(VARIABLES_HINT)
        self.variables.setTabChangesFocus(True)  # Tab leaves the field, as in a form
        self.variables.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.variables.setFixedHeight(self.users.sizeHint().height() * 3)
        self.variables.setMinimumWidth(self.fontMetrics().horizontalAdvance(VARIABLES_HINT) + 24)
        self.env_file = named(QLineEdit(), "loadEnvFile", "Variables from a YAML or .env file")
        self.env_file.setPlaceholderText("none (a YAML or .env file)")
        self.env_file.setClearButtonEnabled(True)
        self.env_button = named(QPushButton("&Browse…"), "loadEnvBrowse")
        self.start_button = named(QPushButton("&Start"), "primaryButton", "Start the test (F5)")
        self.stop_button = named(QPushButton("S&top"), "loadStop", "Stop the test (Shift+F5)")
        self.page_button = named(QPushButton("Open Locust's &page"), "loadPage")
        self.report_button = named(QPushButton("Open rep&ort"), "loadReport")
        self.status = plain(named(QLabel(EMPTY_TEXT), "hint"))
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.figures = plain(named(QLabel(""), "loadFigures"))
        self.model = LoadStepsModel(self)
        self.table = named(QTableView(), "loadSteps")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # one line a step: a long message is cut with "…"
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.plot = LoadTestPlot()
        self._lay_out()

        self.choose_button.clicked.connect(self.choose_file)
        self.env_button.clicked.connect(self.choose_env_file)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.page_button.clicked.connect(self.open_page)
        self.report_button.clicked.connect(self.open_report)
        library = service.scenarios
        for signal in (library.added, library.changed, library.removed):
            signal.connect(self._fill_scenarios)
        library.reset.connect(self._fill_scenarios)
        self.run.state_changed.connect(self._state_changed)
        self.run.stats_changed.connect(self._stats_changed)
        self.run.warned.connect(self._warned)
        self._fill_scenarios()
        self._update_buttons()

    def _spin(self, low: int, high: int, value: int, suffix: str, tip: str) -> GuardedSpinBox:
        spin = GuardedSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        return spin

    def _double(self, low: float, high: float, value: float, suffix: str, tip: str) -> _DoubleSpin:
        spin = _DoubleSpin()
        spin.setDecimals(1)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        return spin

    def _lay_out(self) -> None:
        pick = QHBoxLayout()
        pick.addWidget(self.scenario, 1)
        pick.addWidget(self.choose_button)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        label = QLabel("S&cenario")
        label.setBuddy(self.scenario)
        form.addRow(label, pick)
        numbers = QHBoxLayout()
        left, right = QFormLayout(), QFormLayout()
        left.addRow("&Users", self.users)
        left.addRow("Spawn r&ate", self.spawn_rate)
        left.addRow("&Duration", self.duration)
        right.addRow("Each user ever&y", self.pace)
        right.addRow("Or wait betwee&n", self.wait)
        right.addRow("&Worker processes", self.workers)
        right.addRow("Pa&ge port", self.web_port)
        numbers.addLayout(left)
        numbers.addSpacing(24)
        numbers.addLayout(right)
        numbers.addSpacing(24)
        given = QFormLayout()
        label = QLabel("Variabl&es")
        label.setBuddy(self.variables)
        given.addRow(label, self.variables)
        env = QHBoxLayout()
        env.addWidget(self.env_file, 1)
        env.addWidget(self.env_button)
        label = QLabel("Env f&ile")
        label.setBuddy(self.env_file)
        given.addRow(label, env)
        numbers.addLayout(given, 1)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.page_button, self.report_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.plot)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(numbers)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.figures)
        layout.addWidget(splitter, 1)

    # -- the scenario ----------------------------------------------------------------------------

    def _fill_scenarios(self, *_: object) -> None:
        current = self.scenario.currentData()
        self.scenario.blockSignals(True)
        self.scenario.clear()
        for doc in self._engine.scenarios.documents.values():
            self.scenario.addItem(f"{doc.name} (Scenarios tab)", f"doc:{doc.id}")
        for path in self._files:
            self.scenario.addItem(Path(path).name, f"file:{path}")
        index = self.scenario.findData(current)
        self.scenario.setCurrentIndex(max(0, index))
        self.scenario.blockSignals(False)
        self._update_buttons()

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a scenario file", "", _FILES)
        if path:
            self.add_file(path)

    def add_file(self, path: str) -> None:
        """Offer the scenario file ``path`` and pick it."""
        if path not in self._files:
            self._files.append(path)
            self._fill_scenarios()
        self.scenario.setCurrentIndex(self.scenario.findData(f"file:{path}"))

    def choose_env_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a file of variables", "", _ENV_FILES)
        if path:
            self.env_file.setText(path)

    def settings(self) -> tuple[LoadSettings, str | None] | None:
        """The run the fields describe, and the scenario's text when it comes from the
        window's library (None: no scenario is picked)."""
        picked = self.scenario.currentData()
        if not picked:
            return None
        kind, _colon, key = str(picked).partition(":")
        text: str | None = None
        if kind == "doc":
            doc = self._engine.scenarios.documents.get(key)
            if doc is None:
                return None
            path = Path(doc.path) if doc.path else Path(f"{doc.name}.yaml")
            if not doc.path or doc.modified:
                text = doc.text  # what the Scenarios tab shows, saved or not
        else:
            path = Path(key)
        settings = LoadSettings(
            scenario=path,
            users=self.users.value(),
            spawn_rate=self.spawn_rate.value(),
            duration=float(self.duration.value()),
            workers=self.workers.value(),
            pace=self.pace.value(),
            web_port=self.web_port.value(),
            variables=assignments(self.variables.toPlainText()),
            env_file=os.path.expanduser(self.env_file.text().strip()),
            wait=self.wait.text().strip(),
        )
        return settings, text

    # -- actions ---------------------------------------------------------------------------------

    def start(self) -> bool:
        """Start a run from the fields; False if there is nothing to start."""
        chosen = self.settings()
        if chosen is None or self._engine.load_test.active:
            if chosen is None:
                self._show(NO_SCENARIO, "error")
            return False
        self.model.set_stats(None)
        self.plot.clear()
        self.figures.setText("")
        self._started = time.monotonic()
        self._service.run(self._engine.load_test.start(*chosen))
        self._set_fields_enabled(False)  # until the run's state comes
        return True

    def stop(self) -> bool:
        if not self._engine.load_test.active:
            return False
        self._service.run(self._engine.load_test.stop())
        return True

    def open_page(self) -> bool:
        url = self._engine.load_test.web_url
        return bool(url) and QDesktopServices.openUrl(QUrl(url))

    def open_report(self) -> bool:
        report = self._engine.load_test.report
        return report is not None and QDesktopServices.openUrl(QUrl.fromLocalFile(str(report)))

    # -- the run ---------------------------------------------------------------------------------

    def _state_changed(self, state: str, text: str) -> None:
        tone = {"failed": "error", "ended": "ok"}.get(state, "")
        self._show(text + ("." if state == "ended" else ""), tone)
        self._update_buttons()

    def _stats_changed(self, stats: LoadStats) -> None:
        self.model.set_stats(stats)
        self.plot.add(time.monotonic() - self._started, stats)
        total = stats.total
        rates = (
            f"{stats.requests_per_s:.1f} steps/s  ·  {total.failures:,} failed "
            f"({stats.failures_per_s:.1f}/s)"
            if stats.running
            else f"{total.failures:,} failed"  # Locust's rates linger after a stop
        )
        self.figures.setText(
            f"{stats.users:,} users  ·  {rates}  ·  p50 {milliseconds(total.median_ms)} ms  ·  "
            f"p95 {milliseconds(total.p95_ms)} ms  ·  {len(stats.workers)} worker(s)"
        )

    def _warned(self, text: str) -> None:
        self._show(text, "error")

    def _show(self, text: str, tone: str = "") -> None:
        self.status.setText(text)
        self.status.setObjectName("loadStatus" if tone else "hint")
        self.status.setProperty("state", tone)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _set_fields_enabled(self, enabled: bool) -> None:
        fields = (self.scenario, self.choose_button, self.users, self.spawn_rate, self.duration)
        given = (self.variables, self.env_file, self.env_button)
        for field in (*fields, self.pace, self.wait, self.workers, self.web_port, *given):
            field.setEnabled(enabled)
        if not enabled:
            self.start_button.setEnabled(False)

    def _update_buttons(self) -> None:
        load_test = self._engine.load_test
        active = load_test.active
        self.start_button.setEnabled(not active and self.scenario.count() > 0)
        self.stop_button.setEnabled(active and load_test.state != "stopping")
        self.page_button.setEnabled(load_test.state in ("starting", "running"))
        self.report_button.setEnabled(not active and load_test.report is not None)
        self._set_fields_enabled(not active)
        if not active and self.scenario.count() == 0 and load_test.state == "idle":
            self._show(NO_SCENARIO)
        elif not active and load_test.state == "idle":
            self._show(EMPTY_TEXT)


def assignments(text: str) -> tuple[str, ...]:
    """The ``NAME=VALUE`` lines of ``text``, as typed (the engine checks them, as ``--var``):
    blank lines and ``#`` comments left out."""
    lines = (line for line in text.splitlines() if line.strip())
    return tuple(line for line in lines if not line.lstrip().startswith("#"))
