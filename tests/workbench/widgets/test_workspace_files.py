"""The main window's workspace file (``widgets.window.workspace_files``): its actions and dialogs,
files read and written on a worker thread, and a broken file said in plain words.

The file dialogs are answered by replacing ``QFileDialog``'s static getters (a modal dialog
cannot be clicked from a synchronous test); everything after the answer is the real code.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog

from workbench.engine.workspace.workspace import Workspace
from workbench.widgets.window.main_window import MainWindow

WAIT = 5.0


@pytest.fixture
def window(qtbot, service, tmp_path):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def new_server(qtbot, window) -> str:
    qtbot.mouseClick(window.servers.empty_new, Qt.MouseButton.LeftButton)
    return window.servers.current_id()


def answer_dialogs(monkeypatch, path: Path) -> list[tuple[str, str]]:
    """Make the open and save dialogs pick ``path``; returns (title, start folder) asked."""
    asked: list[tuple[str, str]] = []

    def pick(_parent, title, start, _filter):
        asked.append((title, start))
        return str(path), "Workspace (*.json)"

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(pick))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(pick))
    return asked


def test_workspace_files_are_read_and_written_on_a_worker_thread(
    qtbot, window, run, monkeypatch, tmp_path
):
    threads: list[threading.Thread] = []
    real_save, real_load = Workspace.save, Workspace.load.__func__

    def save(self, path=None):
        threads.append(threading.current_thread())
        return real_save(self, path)

    def load(cls, path=None):
        threads.append(threading.current_thread())
        return real_load(cls, path)

    monkeypatch.setattr(Workspace, "save", save)
    monkeypatch.setattr(Workspace, "load", classmethod(load))
    new_server(qtbot, window)
    target = tmp_path / "elsewhere.json"
    saving = window.workspace_files.save(target)
    assert isinstance(saving, asyncio.Future)
    assert run(saving) is True and target.is_file()
    assert window.status.label.text() == f"Workspace saved to {target}"
    loading = window.workspace_files.load(target)
    assert run(loading) is True
    assert window.status.label.text() == "Opened the workspace elsewhere.json: 1 server"
    assert len(threads) == 2 and threading.main_thread() not in threads


def test_save_as_and_open_go_through_their_dialogs(
    qtbot, window, service, monkeypatch, tmp_path, wait_for
):
    server_id = new_server(qtbot, window)
    picked = service.engine.servers[server_id]
    page = window.servers.page(server_id)
    page.name_edit.setText("Picked")
    page.name_edit.editingFinished.emit()
    target = tmp_path / "picked" / "mine.json"
    asked = answer_dialogs(monkeypatch, target)

    window.workspace_files.save_as_action.trigger()
    wait_for(lambda: target.is_file(), WAIT, "Save as… to write the picked file")
    assert asked == [("Save the workspace as", str(tmp_path / "workspace.json"))]
    assert [s["name"] for s in json.loads(target.read_text("utf-8"))["servers"]] == ["Picked"]
    wait_for(lambda: window.status.label.text() == f"Workspace saved to {target}", WAIT)

    window.workspace_files.open_action.trigger()
    wait_for(
        lambda: window.status.label.text() == "Opened the workspace mine.json: 1 server",
        WAIT,
        "Open… to read the picked file",
    )
    assert asked[1] == ("Open a workspace", str(tmp_path))
    # Replaced by the opened workspace's server (also named Picked; its id may be reused).
    wait_for(
        lambda: (
            [h.name for h in service.engine.servers.values()] == ["Picked"]
            and picked not in service.engine.servers.values()
        ),
        WAIT,
        "the opened workspace's server",
    )


def test_the_save_action_writes_the_windows_own_file(qtbot, window, tmp_path, wait_for):
    new_server(qtbot, window)
    window.workspace_files.save_action.trigger()  # triggered(checked=False) is not a path
    own = tmp_path / "workspace.json"
    wait_for(lambda: own.is_file(), WAIT, "Save to write the window's workspace file")
    assert len(json.loads(own.read_text("utf-8"))["servers"]) == 1


def test_a_broken_workspace_file_is_said_and_what_is_open_stays(
    qtbot, window, service, run, tmp_path
):
    server_id = new_server(qtbot, window)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert run(window.workspace_files.load(broken)) is False
    text = window.status.label.text()
    assert text.startswith("⚠ Opening the workspace") and "broken.json" in text, text
    assert list(service.engine.servers) == [server_id]
    assert window.status.errors and "Opening the workspace" in window.status.errors[-1]
