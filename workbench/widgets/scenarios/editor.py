"""One scenario being edited: its name and URL, the step list beside the raw YAML, the
selected step's form beside what the last run did with it.

The YAML text is the truth (it is what the file and the workspace keep); the list and the
forms are views of its ``ScenarioDraft``. A list or form edit rewrites the text; typed text
is read into the list after a pause — when it is not valid YAML (or not one scenario), the
line under it says why, with the line and column, and the list keeps the last steps that
read. What the loader finds wrong (a duration without unit, an unknown key) is said there
too, with its place; the list still shows the steps.

Keys in the step list: Enter edits the selected step (focus to its form), Delete removes
it, Ctrl+D duplicates it, Alt+Up / Alt+Down move it, Insert adds one after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollArea,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.scenarios.editing import DraftError, ScenarioDraft
from workbench.engine.scenarios.model import STEP_KINDS
from workbench.engine.scenarios.results import StepResult
from workbench.qt.message_library import QtMessageLibrary
from workbench.qt.scenarios.step_model import (
    COL_NUMBER,
    COL_STATE,
    COL_STEP,
    COL_TIME,
    ScenarioStepModel,
)
from workbench.widgets.common.controls import FitsTableToFont, named, row_table, tool_button

from .result_pane import StepResultPane
from .step_form import StepForm
from .yaml_pane import YamlPane

__all__ = ["ScenarioEditor"]


class ScenarioEditor(FitsTableToFont, QWidget):
    """``ScenarioEditor(library)``; ``set_text`` shows a document, ``text_changed(str)`` says
    its text changed (by any of the views)."""

    COLUMN_SAMPLES: ClassVar[Mapping[int, str]] = {
        COL_NUMBER: "99",
        COL_STATE: "■ stopped  ",
        COL_TIME: "99.99 s…",
    }
    text_changed = Signal(str)

    def __init__(self, library: QtMessageLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.draft = ScenarioDraft.new()
        self.file = "<scenario>"
        self.base: Path | None = None
        self.running = False
        self.model = ScenarioStepModel(self.draft, self)
        self._build_header()
        steps = self._build_steps()
        self.yaml = YamlPane()
        self.form = StepForm(library)
        self.result = StepResultPane()
        form_scroll = QScrollArea(widgetResizable=True)
        form_scroll.setWidget(self.form)
        form_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.top = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        self.top.addWidget(steps)
        self.top.addWidget(self.yaml)
        self.bottom = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        self.bottom.addWidget(form_scroll)
        self.bottom.addWidget(self.result)
        self.splitter = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        self.splitter.addWidget(self.top)
        self.splitter.addWidget(self.bottom)
        for splitter in (self.top, self.bottom):
            splitter.setStretchFactor(0, 1)
            splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.header)
        layout.addWidget(self.splitter, 1)
        self.yaml.text_edited.connect(self._from_yaml)
        self.form.step_edited.connect(self._form_edited)
        self.form.match_requested.connect(self._match_on_keys)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self._chain_focus()
        self._sized = False

    def showEvent(self, event: Any) -> None:  # Qt override: share the room once it is known
        super().showEvent(event)
        if not self._sized and self.width() > 0:
            self._sized = True
            width, height = self.splitter.width(), self.splitter.height()
            self.splitter.setSizes([height * 2 // 5, height * 3 // 5])
            self.top.setSizes([width * 11 // 20, width * 9 // 20])
            self.bottom.setSizes([width * 9 // 20, width * 11 // 20])

    # -- building -------------------------------------------------------------------------------

    def _build_header(self) -> None:
        self.name_edit = named(QLineEdit(), "scenarioName", "The scenario's name")
        self.url_edit = named(
            QLineEdit(placeholderText="ws://127.0.0.1:8080/"),
            "scenarioUrl",
            "Where its client connects (a workbench server chosen in Connect to wins)",
        )
        self.clients_label = named(QLabel(), "hint")
        self.clients_label.setTextFormat(Qt.TextFormat.PlainText)
        self.header = QHBoxLayout()
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Name", self.name_edit)
        self.header.addLayout(form, 1)
        url_form = QFormLayout()
        url_form.setContentsMargins(0, 0, 0, 0)
        url_form.addRow("URL", self.url_edit)
        self.url_row = QWidget()
        self.url_row.setLayout(url_form)
        self.header.addWidget(self.url_row, 2)
        self.header.addWidget(self.clients_label, 2)
        self.name_edit.textEdited.connect(lambda text: self._set_top("name", text))
        self.url_edit.textEdited.connect(lambda text: self._set_top("url", text))

    def _build_steps(self) -> QWidget:
        table = row_table(named(QTableView(), "scenarioSteps"))
        table.setModel(self.model)
        table.setAccessibleName("Steps")
        table.horizontalHeader().setStretchLastSection(False)
        table.horizontalHeader().setSectionResizeMode(COL_STEP, QHeaderView.ResizeMode.Stretch)
        table.setShowGrid(False)
        self.table = table
        self.fit_table_to_font()
        self.add_button = tool_button("Add step ▾", "Add a step after the selected one (Insert)")
        self.add_button.setObjectName("addStep")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        self.add_actions = {}
        for kind in STEP_KINDS:
            action = self.add_menu.addAction(kind)
            action.triggered.connect(lambda _checked=False, k=kind: self.add_step(k))
            self.add_actions[kind] = action
        self.add_button.setMenu(self.add_menu)
        self.duplicate_button = tool_button("Duplicate", "A copy of the step after it (Ctrl+D)")
        self.up_button = tool_button("Up", "Move the step up (Alt+Up)")
        self.down_button = tool_button("Down", "Move the step down (Alt+Down)")
        self.remove_button = tool_button("Remove", "Remove the step (Delete)")
        self.duplicate_button.clicked.connect(self.duplicate_step)
        self.up_button.clicked.connect(lambda: self.move_step(-1))
        self.down_button.clicked.connect(lambda: self.move_step(1))
        self.remove_button.clicked.connect(self.remove_step)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (
            self.add_button,
            self.duplicate_button,
            self.up_button,
            self.down_button,
            self.remove_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        keys = (
            ("Delete", self.remove_step),
            ("Ctrl+D", self.duplicate_step),
            ("Alt+Up", lambda: self.move_step(-1)),
            ("Alt+Down", lambda: self.move_step(1)),
            ("Insert", self._add_menu_here),
            ("Return", self.edit_selected),
            ("Enter", self.edit_selected),
        )
        for key, slot in keys:
            shortcut = QShortcut(QKeySequence(key), table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(table, 1)
        layout.addLayout(buttons)
        return box

    def _chain_focus(self) -> None:
        chain = [
            self.name_edit,
            self.url_edit,
            self.table,
            self.add_button,
            self.duplicate_button,
            self.up_button,
            self.down_button,
            self.remove_button,
            self.yaml.edit,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- the document ---------------------------------------------------------------------------

    def set_text(self, text: str, file: str = "<scenario>", base: Path | None = None) -> None:
        """Show a document's text (the list keeps no steps of the one shown before)."""
        self.file, self.base = file, base
        self.yaml.set_text(text)
        try:
            self.draft = ScenarioDraft.from_text(text)
        except DraftError as exc:
            self.draft = ScenarioDraft({"steps": []})
            self.yaml.show_problem(str(exc), exc.line, exc.column)
        else:
            self._check(text)
        self.model.set_draft(self.draft)
        self._show_header()
        self.select_step(0)

    def text(self) -> str:
        return self.yaml.text()

    def set_running(self, running: bool) -> None:
        """While a run goes on, nothing is edited (the states follow the steps as written)."""
        self.running = running
        for widget in (self.form, self.name_edit, self.url_edit):
            widget.setEnabled(not running)
        self.yaml.edit.setReadOnly(running)
        self._update_buttons()

    # -- the list's buttons ---------------------------------------------------------------------

    def selected_index(self) -> int | None:
        """The draft's index of the selected step (None: none, or the opening at the start)."""
        row = self.table.currentIndex().row()
        return None if row < 0 else self.model.draft_index(row)

    def select_step(self, draft_index: int) -> None:
        row = self.model.row_of_number(draft_index + 1)
        if row is None:
            row = 0 if self.model.rowCount() else -1
        if row < 0:
            self._show_selected()
            return
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, COL_STEP),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self._show_selected()

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self._show_selected()

    def add_step(self, kind: str) -> None:
        if self.running:
            return
        index = self.selected_index()
        at = self.draft.insert(len(self.draft.steps) if index is None else index + 1, kind)
        self._list_edited(at)

    def duplicate_step(self) -> None:
        index = self.selected_index()
        if index is not None and not self.running:
            self._list_edited(self.draft.duplicate(index))

    def move_step(self, delta: int) -> None:
        index = self.selected_index()
        if index is not None and not self.running:
            self._list_edited(self.draft.move(index, delta))

    def remove_step(self) -> None:
        index = self.selected_index()
        if index is not None and not self.running:
            self.draft.remove(index)
            self._list_edited(min(index, len(self.draft.steps) - 1))

    def edit_selected(self) -> None:
        """Enter on a step: the cursor goes to its form's first field."""
        if self.form.kind:
            editor = self.form.composer.current_editor()
            target = {
                "send": getattr(editor, "edit", editor),
                "expect": self.form.expect.matcher,
                "expect_none": self.form.expect.matcher,
                "sleep": self.form.duration,
                "close": self.form.close_code,
                "expect_close": self.form.expect_code,
            }.get(self.form.kind, self.form.within)
            target.setFocus(Qt.FocusReason.TabFocusReason)

    def _add_menu_here(self) -> None:
        self.add_button.showMenu()

    def _update_buttons(self) -> None:
        index = self.selected_index()
        has = index is not None and not self.running
        self.add_button.setEnabled(not self.running)
        for button in (self.duplicate_button, self.remove_button):
            button.setEnabled(has)
        self.up_button.setEnabled(has and bool(index))
        self.down_button.setEnabled(has and index is not None and index < len(self.draft.steps) - 1)

    # -- the views in sync -----------------------------------------------------------------------

    def _show_selected(self) -> None:
        row = self.table.currentIndex().row()
        index = self.selected_index()
        if index is None:
            self.form.show_nothing(
                "Opens the clients no step opens, before the first step."
                if row >= 0
                else "No steps yet: Add step."
            )
        else:
            self.form.show_step(
                index + 1, self.draft.kind(index), self.draft.body(index), self.draft.clients()
            )
        self._show_result(row)
        self._update_buttons()

    def _show_result(self, row: int) -> None:
        result = self.model.result(row) if row >= 0 else None
        running = self.model.running_for(result.step.number) if result is not None else None
        self.result.show_result(result, running)

    def _show_header(self) -> None:
        data = self.draft.data
        self.name_edit.setText(str(data.get("name", "")))
        many = isinstance(data.get("clients"), dict)
        self.url_row.setVisible(not many)
        self.url_edit.setText(str(data.get("url", "")))
        self.clients_label.setVisible(many)
        if many:
            self.clients_label.setText(
                "Clients: " + ", ".join(self.draft.clients()) + " (their URLs are in the YAML)"
            )

    def _set_top(self, key: str, value: str) -> None:
        self.draft.data[key] = value
        if key == "name" and next(iter(self.draft.data)) != "name":
            self.draft.data = {"name": value, **self.draft.data}
        self._write()

    def _list_edited(self, select: int) -> None:
        self.model.steps_changed()
        self._write()
        self.select_step(max(select, 0))

    def _form_edited(self, kind: str, body: Any) -> None:
        index = self.selected_index()
        if index is None:
            return
        self.draft.replace(index, kind, body)
        row = self.model.row_of_number(index + 1)
        if row is not None:
            self.model.dataChanged.emit(self.model.index(row, 0), self.model.index(row, 3))
        self._write()

    def _match_on_keys(self, keys: list[str]) -> None:
        index = self.selected_index()
        if index is None:
            return
        try:
            self.draft.match_on_keys(index, keys)
        except ValueError as exc:
            self.yaml.show_problem(str(exc))
            return
        self._write()
        self.select_step(index)

    def _write(self) -> None:
        """The draft changed: rewrite the text and check it."""
        text = self.draft.to_text()
        self.yaml.set_text(text)
        self._check(text)
        self.text_changed.emit(text)

    def _from_yaml(self, text: str) -> None:
        """Typed text: read it into the list, or say why not and keep the list."""
        try:
            draft = ScenarioDraft.from_text(text)
        except DraftError as exc:
            self.yaml.show_problem(
                f"{exc} — the list keeps the last steps that read", exc.line, exc.column
            )
            self.text_changed.emit(text)
            return
        index = self.selected_index()
        self.draft = draft
        self.model.set_draft(draft)
        self._show_header()
        self.select_step(index or 0)
        self._check(text)
        self.text_changed.emit(text)

    def _check(self, text: str) -> None:
        problems = self.draft.problems(text, self.file, self.base)
        if not problems:
            count = len(self.draft.steps)
            self.yaml.show_ok(f"Ready to run: {count} step{'' if count == 1 else 's'}")
            return
        first = problems[0]
        where = first.location
        at = f"line {where.line}, column {where.column}: " if where.line is not None else ""
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        self.yaml.show_problem(f"{at}{first.message}{more}", where.line, where.column)

    # -- a run's states ----------------------------------------------------------------------------

    def show_results(self, results: list[StepResult]) -> None:
        index = self.selected_index()
        self.model.set_results(results)
        self.select_step(index or 0)

    def update_result(self, result: StepResult) -> None:
        self.model.update_result(result)
        row = self.table.currentIndex().row()
        if row >= 0 and self.model.result(row) is result:
            self._show_result(row)

    def tick(self) -> None:
        """While a run goes on: the running step's time, in the list and the pane."""
        self.model.tick()
        self._show_result(self.table.currentIndex().row())
