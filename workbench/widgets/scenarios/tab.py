"""The Scenarios tab: the window's scenarios (New, Open…, Save, Save as…, Remove), the one
shown in the editor, where it connects, **Run** (F5) and **Stop** (Shift+F5).

A run loads the text (a file with problems does not run: the YAML pane says where), then
``ScenarioRun`` drives the engine's runner over workbench clients named after the scenario:
the step list shows each step's state and time as it goes; at the end a failed step is
selected, so its expected value, the message that arrived and the diff are in view.

**Connect to** is the URLs in the scenario, or a workbench server of this window: the run's
clients then take its host and port (TLS trust included) and follow it when it restarts on
another port, as "New client to it" does.

Files are read and written on a worker thread. The scenarios, their unsaved text and target
are kept in the workspace (``service.engine.scenarios``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from workbench.engine.scenarios.checking import ScenarioError
from workbench.engine.scenarios.durations import format_duration
from workbench.engine.scenarios.editing import NEW_SCENARIO, DraftError, ScenarioDraft
from workbench.engine.scenarios.library import read_scenario_file, write_scenario_file
from workbench.engine.scenarios.loading import load_text
from workbench.engine.scenarios.results import ScenarioResult, StepEvent
from workbench.engine.scenarios.variables import Sources
from workbench.engine.scenarios.yaml_writer import dump_scenario
from workbench.qt.message_library import QtMessageLibrary
from workbench.qt.plain_text import plain_tooltip
from workbench.qt.scenarios.run import ScenarioRun
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named, tool_button
from workbench.widgets.common.elided_label import ElidedLabel
from workbench.widgets.common.flow_row import FlowRow
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.wheel_guard import GuardedComboBox
from workbench.widgets.pages.item_panel import EmptyState

from .editor import ScenarioEditor

__all__ = ["SCENARIO_FILTER", "ScenariosTab"]

SCENARIO_FILTER = "Scenarios (*.yaml *.yml *.json);;All files (*)"
#: Milliseconds between repaints of a running step's time.
TICK_MS = 250
EMPTY_TEXT = (
    "A scenario is a check that runs again: connect, send, expect an answer, close — "
    "each step passes or fails, and a failure shows what was expected beside what arrived. "
    "Make one with New scenario, open a .yaml file, or select rows in a client's log and "
    "right-click → Make scenario."
)


class ScenariosTab(QWidget):
    """``ScenariosTab(service, library)``; ``library`` is the composers' message library."""

    def __init__(
        self, service: WorkbenchService, library: QtMessageLibrary, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.engine = service.engine
        self.documents = service.scenarios
        self.run_now: ScenarioRun | None = None
        self._running = False
        self.doc_id: str | None = None
        self.editor = ScenarioEditor(library)
        self.ticker = QTimer(self, interval=TICK_MS)  # the running step's time
        self.ticker.timeout.connect(self.editor.tick)
        self.empty = EmptyState("No scenario yet", EMPTY_TEXT)
        self.empty_new = self.empty.add_button("New scenario", primary=True)
        self.empty_open = self.empty.add_button("Open scenario…")
        self.empty.finish()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.editor)
        layout = QVBoxLayout(self)
        layout.addWidget(self._bar())
        layout.addWidget(self.stack, 1)
        self.empty_new.clicked.connect(self.new_scenario)
        self.empty_open.clicked.connect(self.open_dialog)
        self.editor.text_changed.connect(self._text_changed)
        for signal in (self.documents.added, self.documents.removed, self.documents.changed):
            signal.connect(self._fill_documents)
        self.documents.reset.connect(self._reset)
        self.documents.recorded.connect(self.select)
        for signal in (
            service.server_added,
            service.server_removed,
            service.server_changed,
            service.server_state_changed,
        ):
            signal.connect(self._fill_targets)
        self._fill_documents()
        self._fill_targets()

    def _bar(self) -> FlowRow:
        self.chooser = named(GuardedComboBox(), "scenarioChooser", "The scenario shown")
        self.chooser.setMinimumContentsLength(16)
        self.chooser.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.new_button = tool_button("New", "A new scenario", "newScenario")
        self.open_button = tool_button(
            "Open…", "Open a scenario file (.yaml, .json)", "openScenario"
        )
        self.save_button = tool_button("Save", "Save the scenario to its file", "saveScenario")
        self.save_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        save_menu = QMenu(self.save_button)
        self.save_as_action = save_menu.addAction("Save as…")
        self.save_button.setMenu(save_menu)
        self.remove_button = tool_button(
            "Remove", "Take the scenario out of the window (its file stays)", "removeScenario"
        )
        self.target = named(
            GuardedComboBox(),
            "scenarioTarget",
            "Where the run connects: the URLs in the scenario, or a server of this window "
            "(its host and port, followed when it restarts)",
        )
        self.target.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.target.setMinimumContentsLength(18)
        target_label = QLabel("Connect to")
        target_label.setBuddy(self.target)
        self.run_button = named(QPushButton("Run"), "primaryButton", "Run the scenario (F5)")
        self.stop_button = named(QPushButton("Stop"), "stopScenario", "Stop the run (Shift+F5)")
        self.status = named(ElidedLabel(), "scenarioStatus")
        self.status.setMinimumWidth(80)
        self.new_button.clicked.connect(self.new_scenario)
        self.open_button.clicked.connect(self.open_dialog)
        self.save_button.clicked.connect(self.save)
        self.save_as_action.triggered.connect(self.save_as_dialog)
        self.remove_button.clicked.connect(self.remove_current)
        self.chooser.activated.connect(lambda i: self.select(self.chooser.itemData(i)))
        self.target.activated.connect(self._target_chosen)
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        groups = [
            (self.chooser, self.new_button, self.open_button, self.save_button, self.remove_button),
            (target_label, self.target),
            (self.run_button, self.stop_button),
        ]  # the last group grows (a stretch after its buttons): the line stays left-aligned
        items: list[tuple[QWidget, bool]] = []
        for group in groups:
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 6, 0)
            for widget in group:
                row.addWidget(widget)
            last = group is groups[-1]
            if last:
                row.addStretch(1)
            items.append((box, last))
        self.bar = FlowRow([*items, (self.status, True)])  # the status wraps when it is long
        return self.bar

    # -- the documents ---------------------------------------------------------------------------

    def select(self, doc_id: str | None) -> None:
        """Show the scenario ``doc_id`` (None: the empty state)."""
        documents = self.documents.engine.documents
        if doc_id not in documents:
            doc_id = next(iter(documents), None)
        self.doc_id = doc_id
        if doc_id is None:
            self.stack.setCurrentWidget(self.empty)
        else:
            document = documents[doc_id]
            base = Path(document.path).parent if document.path else None
            self.editor.set_text(document.text, document.path or document.name, base)
            self.stack.setCurrentWidget(self.editor)
        self._fill_documents()
        self._fill_targets()
        self._update_buttons()

    def _fill_documents(self, *_: object) -> None:
        documents = self.documents.engine.documents
        if self.doc_id not in documents:
            if self.doc_id is not None or documents:
                self.select(next(iter(documents), None))  # refills
            else:
                self.chooser.clear()
                self._update_buttons()
            return
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for doc_id, document in documents.items():
            mark = " *" if document.modified else ""
            self.chooser.addItem(f"{document.name or 'unnamed'}{mark}", doc_id)
        self.chooser.setCurrentIndex(self.chooser.findData(self.doc_id))
        self.chooser.blockSignals(False)
        self._update_buttons()

    def _reset(self) -> None:
        self.doc_id = None
        self.select(None)

    def _text_changed(self, text: str) -> None:
        if self.doc_id is not None:
            self.documents.engine.update(self.doc_id, text=text, name=self.editor.draft.name)

    def new_scenario(self) -> str:
        names = {d.name for d in self.documents.engine.documents.values()}
        name, number = "new scenario", 1
        while name in names:
            number += 1
            name = f"new scenario {number}"
        listening = [h.id for h in self.engine.servers.values() if h.state == "listening"]
        doc_id = self.documents.engine.add(
            dump_scenario({**NEW_SCENARIO, "name": name}),
            name,
            server_id=listening[-1] if listening else None,
        )
        self.select(doc_id)
        self.editor.table.setFocus()
        return doc_id

    def remove_current(self) -> None:
        if self.doc_id is None or self._busy():
            return
        document = self.documents.engine.documents[self.doc_id]
        if document.modified:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                f"Remove {document.name}?",
                f"{document.name} has changes that are in no file. Remove it anyway?",
                QMessageBox.StandardButton.Cancel,
                self,
            )
            box.setObjectName("confirmRemoval")
            box.setTextFormat(Qt.TextFormat.PlainText)  # the scenario's name, as typed
            remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
            box.exec()
            box.deleteLater()
            if box.clickedButton() is not remove:
                return
        self.documents.engine.remove(self.doc_id)

    # -- files ------------------------------------------------------------------------------------

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a scenario", "", SCENARIO_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> asyncio.Future[str | None]:
        """Read the file on a worker thread and show it (again, if it is open already)."""
        return asyncio.ensure_future(self._open(Path(path)))

    async def _open(self, path: Path) -> str | None:
        try:
            text = await asyncio.to_thread(read_scenario_file, path)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            notifier().error(f"Cannot open {path}: {getattr(exc, 'strerror', None) or exc}")
            return None
        if not isValid(self):
            return None
        library = self.documents.engine
        known = next((d.id for d in library.documents.values() if d.path == str(path)), None)
        if known is not None:
            library.update(known, text=text, saved_text=text)
        else:
            try:
                name = ScenarioDraft.from_text(text).name or path.stem
            except DraftError:
                name = path.stem  # opened anyway: the YAML pane says what is wrong
            known = library.add(text, name, str(path), saved=True)
        self.select(known)
        notifier().info(f"Opened the scenario {path.name}")
        return known

    def save(self) -> asyncio.Future[bool] | None:
        """Write the scenario to its file (Save as… when it has none)."""
        if self.doc_id is None:
            return None
        document = self.documents.engine.documents[self.doc_id]
        if not document.path:
            self.save_as_dialog()
            return None
        return self.save_to(document.path)

    def save_as_dialog(self) -> None:
        if self.doc_id is None:
            return
        document = self.documents.engine.documents[self.doc_id]
        suggested = document.path or str(Path.home() / f"{document.name or 'scenario'}.yaml")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the scenario as", suggested, SCENARIO_FILTER
        )
        if path:
            self.save_to(path)

    def save_to(self, path: str | Path) -> asyncio.Future[bool]:
        assert self.doc_id is not None
        return asyncio.ensure_future(self._save(self.doc_id, Path(path), self.editor.text()))

    async def _save(self, doc_id: str, path: Path, text: str) -> bool:
        try:
            await asyncio.to_thread(write_scenario_file, path, text)
        except OSError as exc:
            notifier().error(f"Cannot save the scenario to {path}: {exc.strerror or exc}")
            return False
        if doc_id in self.documents.engine.documents:
            self.documents.engine.update(doc_id, path=str(path), saved_text=text)
        notifier().info(f"Saved the scenario to {path}")
        return True

    # -- where it connects --------------------------------------------------------------------------

    def _fill_targets(self, *_: object) -> None:
        document = self.documents.engine.documents.get(self.doc_id or "")
        chosen = document.server_id if document is not None else None
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItem("the URLs in the scenario", None)
        for handle in self.engine.servers.values():
            state = f"port {handle.port}" if handle.port else handle.state
            self.target.addItem(f"{handle.name} ({state})", handle.id)
        self.target.setCurrentIndex(max(self.target.findData(chosen), 0))
        self.target.blockSignals(False)

    def _target_chosen(self, index: int) -> None:
        if self.doc_id is not None:
            self.documents.engine.update(self.doc_id, server_id=self.target.itemData(index))

    # -- running ----------------------------------------------------------------------------------

    def _busy(self) -> bool:
        return self._running

    def can_run(self) -> bool:
        return self.doc_id is not None and not self._busy()

    def run(self) -> ScenarioRun | None:
        """Run the scenario shown; None (and the reason shown) if it cannot run."""
        if not self.can_run():
            return None
        assert self.doc_id is not None
        document = self.documents.engine.documents[self.doc_id]
        text = self.editor.text()
        base = Path(document.path).parent if document.path else None
        try:
            scenarios = load_text(text, document.path or document.name, Sources(), base)
        except ScenarioError as exc:
            count = len(exc.problems)
            self.show_status(
                f"Not run: the scenario has {count} problem{'s' * (count != 1)}: {exc.problems[0]}"
            )
            return None
        server_id = document.server_id if document.server_id in self.engine.servers else None
        if server_id is not None and self.engine.server(server_id).state != "listening":
            name = self.engine.server(server_id).name
            self.show_status(
                f"Not run: {name} is not listening — start it first, or connect to the URLs"
            )
            return None
        run = ScenarioRun(self.engine, self.service.run, scenarios[0], server_id, self)
        run.step_event.connect(self._step_event)
        run.finished.connect(self._finished)
        self.run_now = run
        self._running = True
        self.editor.set_running(True)
        self.editor.show_results(run.result.steps)
        self.show_status("Running…")
        self.ticker.start()
        run.start()
        self._update_buttons()
        return run

    def stop(self) -> bool:
        if not self._busy():
            return False
        assert self.run_now is not None
        self.run_now.stop()
        self.show_status("Stopping…")
        return True

    def _step_event(self, event: StepEvent) -> None:
        self.editor.update_result(event.result)
        if event.kind == "started":  # the list follows the run
            step = event.result
            self.show_status(f"Running step {step.step.number or '(at the start)'}: {step.label}")
            if step.step.number:
                self.editor.select_step(step.step.number - 1)

    def _finished(self, result: ScenarioResult) -> None:
        self._running = False
        self.ticker.stop()
        self.editor.set_running(False)
        took = format_duration(result.elapsed)
        failure = result.failure
        if failure is None:
            text = f"✓ {result.scenario.name}: passed in {took}"
        else:
            mark = "■" if result.status == "stopped" else "✗"
            text = (
                f"{mark} {result.scenario.name}: {result.status} at step "
                f"{failure.step.number or '(at the start)'} after {took}: {failure.message}"
            )
            self.editor.select_step(failure.step.number - 1 if failure.step.number else -1)
            if not failure.step.number:
                self.editor.select_row(0)
        self.show_status(text)
        notifier().info(text)
        self._update_buttons()

    def show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(plain_tooltip(text))  # it may quote a message: never rich text
        self.bar.reflow()

    def _update_buttons(self) -> None:
        has = self.doc_id is not None
        busy = self._busy()
        self.run_button.setEnabled(has and not busy)
        self.stop_button.setEnabled(busy)
        for widget in (self.save_button, self.remove_button, self.target, self.chooser):
            widget.setEnabled(has and not busy)
        for widget in (self.new_button, self.open_button):
            widget.setEnabled(not busy)
