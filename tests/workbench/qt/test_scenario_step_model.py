"""The step list's model without a view: a draft's steps, the last run's states and times,
the runner's opening at the start as a row of its own, escaped tooltips."""

from __future__ import annotations

from PySide6.QtCore import Qt

from workbench.engine.scenarios.editing import ScenarioDraft
from workbench.engine.scenarios.loading import load_text
from workbench.engine.scenarios.results import StepResult
from workbench.engine.scenarios.variables import Sources
from workbench.qt.roles import STEP_RESULT_ROLE
from workbench.qt.scenarios.step_model import (
    COL_NUMBER,
    COL_STATE,
    COL_STEP,
    COL_TIME,
    ScenarioStepModel,
)

TEXT = "url: 'ws://127.0.0.1:1/'\nsteps:\n  - send: {text: '<b>hi</b>'}\n  - ping\n"


def cells(model: ScenarioStepModel) -> list[list[str]]:
    return [
        [str(model.index(row, column).data() or "") for column in range(4)]
        for row in range(model.rowCount())
    ]


def test_steps_then_a_runs_states_with_the_opening_as_its_own_row(qapp) -> None:
    draft = ScenarioDraft.from_text(TEXT)
    model = ScenarioStepModel(draft)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "#",
        "Step",
        "State",
        "Time",
    ]
    assert cells(model) == [
        ["1", "send: {text: <b>hi</b>}", "", ""],
        ["2", "ping", "", ""],
    ]
    scenario = load_text(TEXT, sources=Sources(environ={}))[0]
    results = [StepResult(step) for step in scenario.steps]  # the opening, send, ping
    model.set_results(results)
    assert model.rowCount() == 3
    assert [model.draft_index(row) for row in range(3)] == [None, 0, 1]
    assert model.row_of_number(0) == 0 and model.row_of_number(2) == 2
    assert cells(model)[0] == ["", "open client (at the start)", "waiting", ""]
    opening, send, ping = results
    opening.status, opening.elapsed = "passed", 0.012
    model.update_result(opening)
    send.status = "running"
    model.update_result(send)
    assert model.running_for(1) is not None and model.running_for(2) is None
    assert cells(model)[1][COL_TIME].endswith("ms…")
    send.status, send.elapsed, send.message = "failed", 2.0, "a message arrived: <img src=x>"
    model.update_result(send)
    ping.status = "skipped"
    model.update_result(ping)
    assert [row[COL_STATE] for row in cells(model)] == ["✓ passed", "✗ failed", "– skipped"]
    assert [row[COL_TIME] for row in cells(model)] == ["12 ms", "2.00 s", ""]
    assert model.index(1, COL_NUMBER).data(STEP_RESULT_ROLE) is send
    tooltip = model.index(1, COL_STEP).data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tooltip and "&lt;img src=x&gt;" in tooltip
    assert "&lt;b&gt;hi&lt;/b&gt;" in tooltip
    assert model.index(1, COL_STATE).data(Qt.ItemDataRole.ForegroundRole) is not None
    # An edit of the steps: the run's states no longer apply.
    draft.insert(2, "sleep")
    model.steps_changed()
    assert cells(model) == [
        ["1", "send: {text: <b>hi</b>}", "", ""],
        ["2", "ping", "", ""],
        ["3", "sleep: 100ms", "", ""],
    ]
