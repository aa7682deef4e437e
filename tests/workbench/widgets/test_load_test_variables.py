"""The Load test tab's scenario variables and wait, driven as a person would: ``NAME=VALUE``
lines, an env file and a wait between iterations, as ``websocket-workbench load`` takes them
with ``--var``, ``--env`` and ``--wait``. A scenario that needs ``{{PORT}}`` runs from the
tab against the window's own echo server (real Locust processes on loopback); each kind of
bad input is said in the status line, in plain text, and starts no process.

Every wait is ``qtbot.waitUntil`` with a timeout (``wait_for``); nothing sleeps.
"""

from __future__ import annotations

import psutil
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.workbench.widgets.test_load_test_tab import END, START, rows
from tests.workbench.widgets.test_load_test_tab import tab as tab  # the fixture
from tests.workbench.widgets.test_panels import click
from tests.workbench.widgets.test_scenarios_tab import echo_server
from workbench.qt.load_test.steps_model import TOTAL_ROW
from workbench.widgets.load.load_test_tab import VARIABLES_HINT, LoadTestTab, assignments

NEEDS_PORT = """url: "ws://127.0.0.1:{{PORT}}/"
steps:
  - send: {message: "{{WORD}}"}
  - expect: {equals: "{{WORD}}"}
"""
STEPS = ["open client (at the start)", 'send: "hello"', 'expect: equals "hello"']


def failures(tab: LoadTestTab) -> dict[str, int]:
    return rows(tab, 2)


def test_a_scenario_with_port_given_in_the_field_runs_to_its_end(
    qtbot, service, tab, wait_for, tmp_path
) -> None:
    server_id = echo_server(service, wait_for)
    port = service.engine.server(server_id).port
    scenario = tmp_path / "needs-port.yaml"
    scenario.write_text(NEEDS_PORT, encoding="utf-8")
    words = tmp_path / "words.env"
    words.write_text("# the word every user sends\nWORD=hello\n", encoding="utf-8")
    tab.add_file(str(scenario))
    tab.users.setValue(2)
    tab.spawn_rate.setValue(2)
    tab.duration.setValue(3)
    tab.pace.setValue(0)
    tab.wait.setText("1s")
    tab.variables.setFocus()
    qtbot.keyClicks(tab.variables, "# where the echo server listens")
    qtbot.keyClick(tab.variables, Qt.Key.Key_Return)
    qtbot.keyClicks(tab.variables, f"PORT={port}")
    tab.env_file.setText(str(words))
    click(qtbot, tab.start_button)
    assert not tab.variables.isEnabled() and not tab.env_file.isEnabled(), tab.status.text()
    wait_for(lambda: service.engine.load_test.state in ("ended", "failed"), START + END, "the end")
    assert service.engine.load_test.state == "ended", tab.status.text()
    assert tab.status.text().startswith("The run is over:"), tab.status.text()
    seen = rows(tab)
    assert sorted(seen) == sorted([*STEPS, TOTAL_ROW]) and min(seen.values()) > 0, seen
    assert set(failures(tab).values()) == {0}
    master = service.engine.load_test.master
    assert master is not None and master.process.args[-2:] == ["--wait", "1s"]
    assert seen['send: "hello"'] <= 2 * 8  # a second's wait each time, not hundreds a second
    assert psutil.Process().children(recursive=True) == []
    assert tab.variables.isEnabled() and tab.env_file.isEnabled() and tab.env_button.isEnabled()


GIVEN = "PORT=1\nWORD=hello"


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"lines": "PORT=1\noops"}, "The variable 'oops' is not name=value (a name is letters"),
        ({"lines": "1st=x"}, "The variable '1st=x' is not name=value"),
        ({"lines": "<b>bold</b>"}, "The variable '<b>bold</b>' is not name=value"),
        ({"env": "missing.env"}, "Cannot read the env file {path}"),
        ({"env": "broken.yaml"}, "The env file {path} is not valid YAML"),
        ({"env": "broken.env"}, "{path}:2: expected NAME=value, found 'just words'"),
        ({"wait": "2x"}, "The wait: '2x' is not a duration; write it as 500ms or 2s; no user"),
        ({"wait": "2s-1s"}, "The wait 2s-1s: the first time must be the shorter one"),
        ({"wait": "1s", "pace": 1}, "or waits between them, not both: set the pace to 0"),
    ],
)
def test_bad_variables_or_wait_are_said_and_start_nothing(
    qtbot, service, tab, tmp_path, fields, said
) -> None:
    scenario = tmp_path / "needs-port.yaml"
    scenario.write_text(NEEDS_PORT, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("WORD: [hello\n", encoding="utf-8")
    (tmp_path / "broken.env").write_text("WORD=hello\njust words\n", encoding="utf-8")
    tab.add_file(str(scenario))
    tab.variables.setPlainText(fields.get("lines", GIVEN))
    path = tmp_path / fields["env"] if "env" in fields else None
    tab.env_file.setText(str(path) if path else "")
    tab.pace.setValue(fields.get("pace", 0))
    tab.wait.setText(fields.get("wait", ""))
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: service.engine.load_test.state == "failed", timeout=5000)
    text = tab.status.text()
    assert said.format(path=path) in text, text
    assert tab.status.textFormat() == Qt.TextFormat.PlainText
    assert tab.status.property("state") == "error"
    assert psutil.Process().children(recursive=True) == []
    assert tab.start_button.isEnabled() and tab.variables.isEnabled() and tab.wait.isEnabled()


def test_a_variable_nobody_gave_is_the_validators_message(qtbot, service, tab, tmp_path) -> None:
    scenario = tmp_path / "needs-port.yaml"
    scenario.write_text(NEEDS_PORT, encoding="utf-8")
    tab.add_file(str(scenario))
    tab.variables.setPlainText("WORD=hello")
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: service.engine.load_test.state == "failed", timeout=5000)
    text = tab.status.text()
    assert text.startswith("needs-port.yaml is not valid, no user was started"), text
    assert f"{scenario}:1:6: the variable {{{{PORT}}}} is not given: add it to vars" in text
    tab.variables.setPlainText("PORT=1")
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: "{{WORD}}" in tab.status.text(), timeout=5000)
    text = tab.status.text()
    assert f"{scenario}:4:22: the variable {{{{WORD}}}} is not given" in text
    assert "{{PORT}}" not in text
    assert psutil.Process().children(recursive=True) == []


def test_the_fields_say_their_format_and_follow_the_numbers_in_tab_order(qtbot, tab) -> None:
    assert tab.variables.placeholderText() == VARIABLES_HINT
    assert tab.variables.toPlainText() == "" and tab.env_file.text() == ""
    assert tab.env_file.placeholderText().startswith("none")
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow, timeout=5000)
    tab.web_port.setFocus()
    order = []
    for _ in range(3):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order == [tab.variables, tab.env_file, tab.env_button]  # Tab leaves the text too
    tab.pace.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is tab.wait


def test_blank_lines_and_comments_are_left_out_and_values_kept_as_typed() -> None:
    text = "\n# a comment\nPORT=8765\n  \nTOKEN= a b =c \n  # indented comment\noops"
    assert assignments(text) == ("PORT=8765", "TOKEN= a b =c ", "oops")
