"""``python -m workbench`` starts the window on a running qasync loop and quits cleanly.

Run in a subprocess (its own QApplication), offscreen, with a throw-away config folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import asyncio, sys
from PySide6.QtCore import QTimer
import workbench.widgets.window.main_window as main_window
import workbench.__main__ as entry

shown = main_window.MainWindow.show

def show(self):
    shown(self)
    def check():
        loop = asyncio.get_event_loop()
        import qasync
        assert isinstance(loop, qasync.QEventLoop)
        print("LOOP", type(loop).__name__, loop.is_running(), flush=True)
        print("TITLE", self.windowTitle(), flush=True)
        print("EMPTY", self.servers.stack.currentWidget() is self.servers.empty, flush=True)
        self.new_server()
        self.close()
    QTimer.singleShot(200, check)

main_window.MainWindow.show = show
sys.exit(entry.main(["workbench"]))
"""


def test_python_m_workbench_starts_on_a_running_loop_and_quits_cleanly(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        WEBSOCKET_WORKBENCH_CONFIG_DIR=str(tmp_path / "config"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "LOOP QSelectorEventLoop True" in lines  # qasync, running before anything is clicked
    assert "TITLE WebSocket Workbench" in lines
    assert "EMPTY True" in lines
    saved = json.loads((tmp_path / "config" / "workspace.json").read_text(encoding="utf-8"))
    assert [server["name"] for server in saved["servers"]] == ["Server 1"]
    # The layout is kept beside the workspace, in the workbench's config folder.
    assert (tmp_path / "config" / "window.ini").is_file()
    assert not (tmp_path / "xdg").exists()
