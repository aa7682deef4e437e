"""The Load test tab driven as a person would: pick a scenario, Start, watch each step's row
fill in from Locust's master (real child processes on loopback), open Locust's page, Stop,
open the report; every user's connection to the window's own echo server closes with 1001
and no process is left. Bad input is said in the status line before any process starts,
and F5 / Shift+F5 reach the tab.

Every wait is ``qtbot.waitUntil`` with a timeout (``wait_for``); nothing sleeps.
"""

from __future__ import annotations

import psutil
import pytest
from PySide6.QtCore import QObject, QSettings, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from tests.workbench.widgets.test_panels import click
from tests.workbench.widgets.test_scenarios_tab import echo_server
from workbench.qt.load_test.steps_model import TOTAL_ROW
from workbench.widgets.load.load_test_tab import EMPTY_TEXT, NO_SCENARIO, LoadTestTab
from workbench.widgets.window.main_window import MainWindow

#: Seconds for Locust's processes to start on two busy cores, and to end.
START, END = 60.0, 20.0
STEPS = ["open client (at the start)", 'send: {"n":1}', 'expect: equals {"n":1}']
BROKEN = "url: ws://127.0.0.1:1/\nsteps:\n  - sned: hi\n"


class Opened(QObject):
    """Where ``QDesktopServices.openUrl`` was asked to go (Qt's own hook for a scheme)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened() -> Opened:
    recorder = Opened()
    for scheme in ("http", "file"):
        QDesktopServices.setUrlHandler(scheme, recorder, "open")
    yield recorder
    for scheme in ("http", "file"):
        QDesktopServices.unsetUrlHandler(scheme)


@pytest.fixture
def tab(qtbot, service):
    widget = LoadTestTab(service)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    for child in psutil.Process().children(recursive=True):  # a failed test leaves nothing
        child.kill()


def rows(tab: LoadTestTab, column: int = 1) -> dict[str, int]:
    """Each row's step and its figure in ``column`` (1: requests, 2: failures)."""
    model = tab.model
    return {
        model.index(r, 0).data(): int(model.index(r, column).data().replace(",", ""))
        for r in range(model.rowCount())
    }


def test_start_shows_live_rows_and_stop_closes_every_user_with_1001(
    qtbot, service, tab, wait_for, tmp_path, opened
) -> None:
    assert tab.status.text() == NO_SCENARIO and not tab.start_button.isEnabled()
    assert tab.model.rowCount() == 0
    server_id = echo_server(service, wait_for)
    port = service.engine.server(server_id).port
    codes: list[int] = []
    service.socket_closed.connect(lambda _server, _socket, code, _reason: codes.append(code))
    scenario = tmp_path / "echo.yaml"
    scenario.write_text(
        f'url: "ws://127.0.0.1:{port}/"\nsteps:\n  - send: {{message: {{n: 1}}}}\n'
        "  - expect: {equals: {n: 1}}\n",
        encoding="utf-8",
    )
    tab.add_file(str(scenario))
    assert tab.status.text() == EMPTY_TEXT and tab.start_button.isEnabled()
    tab.users.setValue(4)
    tab.spawn_rate.setValue(4)
    tab.duration.setValue(120)
    tab.pace.setValue(0.5)
    click(qtbot, tab.start_button)
    assert not tab.start_button.isEnabled() and not tab.users.isEnabled(), tab.status.text()

    def live() -> bool:
        seen = rows(tab)
        return sorted(seen) == sorted([*STEPS, TOTAL_ROW]) and min(seen.values()) > 0

    wait_for(live, START, "a row with requests for every step")
    assert "users" in tab.figures.text() and "steps/s" in tab.figures.text()
    assert tab.status.text().startswith(("Running", "Spawning"))
    assert len(tab.plot.points) >= 1
    click(qtbot, tab.page_button)
    assert [url.toString() for url in opened.urls] == [service.engine.load_test.web_url]
    assert opened.urls[0].host() == "127.0.0.1"
    click(qtbot, tab.stop_button)
    wait_for(lambda: service.engine.load_test.state == "ended", END, "the run to end")
    assert tab.status.text().startswith("The run is over:") and tab.status.property("state") == "ok"
    wait_for(lambda: len(codes) == 4, END, "the server to see the 4 users close")
    assert codes == [1001] * 4
    assert psutil.Process().children(recursive=True) == []
    assert tab.start_button.isEnabled() and not tab.stop_button.isEnabled()
    click(qtbot, tab.report_button)
    report = service.engine.load_test.report
    assert report is not None and opened.urls[-1] == QUrl.fromLocalFile(str(report))


def test_a_scenario_with_errors_is_said_before_any_process_starts(qtbot, service, tab) -> None:
    service.engine.scenarios.add(BROKEN, "broken")
    assert tab.scenario.currentText() == "broken (Scenarios tab)"
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: service.engine.load_test.state == "failed", timeout=5000)
    text = tab.status.text()
    assert text.startswith("broken.yaml is not valid, no user was started")
    assert "unknown step kind 'sned'; did you mean 'send'?" in text
    assert tab.status.property("state") == "error"
    assert psutil.Process().children(recursive=True) == []
    assert tab.start_button.isEnabled() and not tab.report_button.isEnabled()


def test_f5_on_the_load_test_tab_starts_it(qtbot, service, tmp_path) -> None:
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentWidget(window.load_test)
    assert window.tabs.tabText(window.tabs.indexOf(window.load_test)) == "Load test"
    # (not BROKEN: the Scenarios tab shows the document too, and its step form has no page
    # for an unknown step kind)
    service.engine.scenarios.add('url: "ws://127.0.0.1:{{NOPE}}/"\nsteps: []\n', "unset")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.load_test.users.setFocus()
    qtbot.keyClick(window.load_test.users, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: service.engine.load_test.state == "failed", timeout=5000)
    assert "unset.yaml:2:8: 'steps' must not be empty" in window.load_test.status.text()
    qtbot.keyClick(window.load_test.users, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    assert service.engine.load_test.state == "failed"  # nothing was running to stop
