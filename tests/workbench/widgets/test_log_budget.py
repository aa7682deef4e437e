"""The log budget in the main window (issue 17, A3): read from the window's settings at
start, changed from the status bar's button (kept in the settings), and the count of what it
evicted shown there when a real server's closed sockets outgrow it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QInputDialog
from websockets.asyncio.client import connect

from workbench.widgets.window.log_budget import SETTING
from workbench.widgets.window.main_window import MainWindow

MIB = 2**20


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)


def _answer(window, mib: int) -> list[str]:
    asked: list[str] = []

    def answer() -> None:
        dialog = window.findChild(QInputDialog, "askLogBudget")
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(10, answer)
            return
        asked.append(dialog.labelText())
        dialog.setIntValue(mib)
        dialog.accept()

    QTimer.singleShot(0, answer)
    return asked


def test_the_budget_comes_from_the_settings_and_the_button_changes_it(
    qtbot, service, settings, tmp_path
) -> None:
    settings.setValue(SETTING, 64)
    window = MainWindow(service, settings=settings, workspace_path=tmp_path / "w.json")
    qtbot.addWidget(window)
    assert service.engine.log_budget.limit == 64 * MIB
    button = window.log_budget.button
    assert button.text().startswith("Logs ") and button.text().endswith(" / 64.0 MiB")
    assert "closed sockets" in button.toolTip()

    asked = _answer(window, 256)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked and "MiB" in asked[0]
    assert service.engine.log_budget.limit == 256 * MIB
    assert int(settings.value(SETTING)) == 256
    assert button.text().endswith(" / 256.0 MiB")
    assert window.log_budget.action in window.presentation.menu.actions()


def test_the_status_bar_counts_the_closed_logs_the_budget_evicted(
    qtbot, service, settings, tmp_path, run, wait_for
) -> None:
    window = MainWindow(service, settings=settings, workspace_path=tmp_path / "w.json")
    qtbot.addWidget(window)
    assert window.log_budget.set_budget_mib(16)
    engine = service.engine
    options = {"host_interface": "127.0.0.1", "port": 0, "receive_type": "*/*"}
    server_id = engine.add_server({**options, "max_message_size": None})
    assert server_id is not None and run(engine.start_server(server_id))
    port = engine.server(server_id).port

    async def sockets_that_send_and_close() -> None:
        for n in range(5):
            async with connect(f"ws://127.0.0.1:{port}/", max_size=None, proxy=None) as ws:
                for _ in range(5):
                    await ws.send(bytes([n]) * MIB)

    run(sockets_that_send_and_close(), timeout=20)
    wait_for(lambda: engine.log_budget.evicted_logs >= 1, what="an evicted log")
    wait_for(lambda: "evicted" in window.log_budget.button.text(), what="the counter")
    evicted = engine.log_budget.evicted_logs
    text = window.log_budget.button.text()
    assert text.endswith(f" · {evicted:,} evicted")
    tip = window.log_budget.button.toolTip()
    assert f"{evicted:,} closed sockets' logs, {engine.log_budget.evicted_rows:,} rows" in tip
