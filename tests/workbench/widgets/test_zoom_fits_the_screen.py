"""After a zoom the window fits its screen again, and every text area follows the zoom.

On a 1024x768 screen, Ctrl+= four times then Ctrl+0 left the window 1266x924 with Send and
the status bar off the screen; the composer's JSON never zoomed. The first test runs the
window in a process of its own on an offscreen screen of that size (Qt's offscreen platform
reads the screen from a JSON file: ``zoom_on_a_small_screen``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit

from workbench.widgets.common.resources import style_sheet
from workbench.widgets.window.main_window import CLIENTS_TAB, MainWindow

ROOT = Path(__file__).resolve().parents[3]
SCREEN = (1024, 768)


def test_zooming_in_four_times_and_back_leaves_the_window_on_a_1024_by_768_screen(tmp_path):
    config = tmp_path / "screen.json"
    width, height = SCREEN
    screen = {"name": "small", "x": 0, "y": 0, "width": width, "height": height}
    screens = [{**screen, "logicalDpi": 96, "dpr": 1}]
    config.write_text(json.dumps({"windowFrameMargins": False, "screens": screens}))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "WEBSOCKET_WORKBENCH_CONFIG_DIR": str(tmp_path / "config"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.workbench.widgets.zoom_on_a_small_screen"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    steps = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [s["step"] for s in steps] == [
        "start",
        "Ctrl+= 1",
        "Ctrl+= 2",
        "Ctrl+= 3",
        "Ctrl+= 4",
        "Ctrl+0",
        "Servers tab",
    ]
    assert [s["zoom"] for s in steps] == [1.0, 1.1, 1.25, 1.5, 1.75, 1.0, 1.0]
    room = QRect(*steps[0]["screen"])
    assert room.size().toTuple() == SCREEN
    for step in steps:  # at every zoom: the window and its status bar on the screen
        assert room.contains(QRect(*step["window"])), step
        assert room.contains(QRect(*step["status_bar"])), step
    for step in steps[:3] + steps[5:]:  # up to 125 % and after Ctrl+0: Send too, no scrolling
        assert room.contains(QRect(*step["send"])) and step["fits"], step
    assert steps[5]["window"] == steps[0]["window"] and steps[5]["send"] == steps[0]["send"]


@pytest.fixture
def restore_app(qapp):
    font, sheet = qapp.font(), qapp.styleSheet()
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


def test_every_text_area_follows_the_zoom(qtbot, service, tmp_path, restore_app):
    restore_app.setStyleSheet(style_sheet())  # as the application starts
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, settings=settings, workspace_path=tmp_path / "w.json")
    qtbot.addWidget(window)
    window.show()
    server = window.servers.page(window.servers.new_server())
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    client = window.clients.page(window.clients.new_client())
    client.composer.set_compose_as("bytes")  # the hex editor too
    base = QApplication.instance().font().pointSizeF()
    window.presentation.set_zoom(1.5)
    QApplication.processEvents()
    areas = [
        area
        for page in (server, client)
        for kind in (QPlainTextEdit, QTextEdit, QLineEdit)
        for area in page.findChildren(kind)
    ]
    assert len(areas) >= 10
    assert client.composer.json_editor.edit in areas
    wrong = [
        (area.objectName() or type(area).__name__, area.font().pointSizeF())
        for area in areas
        if area.font().pointSizeF() != pytest.approx(base * 1.5)
    ]
    assert wrong == []  # the JSON, bytes, base64 and handshake texts stayed at 100 %
