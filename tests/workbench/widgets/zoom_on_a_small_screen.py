"""Run by ``test_zoom_on_a_small_screen`` in a process of its own, on an offscreen screen of
the size given (Qt's offscreen platform takes a screen from a JSON file): a server and a
client page, then Ctrl+= four times and Ctrl+0 with the window's own shortcuts, then the
Servers tab (hidden meanwhile). Prints one
JSON line per step: the zoom, the screen, the window's frame and the status bar and the
client's Send button on the screen, and whether the tabs fit without scrolling.

``python -m tests.workbench.widgets.zoom_on_a_small_screen``, with ``QT_QPA_PLATFORM`` set
to ``offscreen:configfile=FILE`` and ``WEBSOCKET_WORKBENCH_CONFIG_DIR`` to a scratch folder.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main() -> int:
    from PySide6.QtCore import QRect, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from workbench.qt.app_loop import install_loop
    from workbench.qt.service import WorkbenchService
    from workbench.widgets.common.resources import style_sheet
    from workbench.widgets.window.main_window import CLIENTS_TAB, SERVERS_TAB, MainWindow

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())
    loop = install_loop(app)
    scratch = Path(tempfile.mkdtemp(prefix="zoom-"))
    settings = QSettings(str(scratch / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        WorkbenchService(), settings, scratch / "workspace.json", load_workspace=False
    )
    window.show()
    window.new_server()
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    client = window.clients.page(window.clients.new_client())

    def settle() -> None:
        for _ in range(5):  # the zoom's relayout, then the refit on the next turn
            QTest.qWait(60)

    def on_screen(widget: QWidget) -> list[int]:
        corner = widget.mapToGlobal(widget.rect().topLeft())
        return QRect(corner, widget.size()).getRect()

    def report(step: str) -> None:
        print(
            json.dumps(
                {
                    "step": step,
                    "zoom": window.presentation.zoom,
                    "screen": window.screen().availableGeometry().getRect(),
                    "window": window.frameGeometry().getRect(),
                    "status_bar": on_screen(window.statusBar()),
                    "send": on_screen(client.composer.send_button),
                    "fits": window.fits_without_scrolling(),
                }
            ),
            flush=True,
        )

    with loop:
        settle()
        report("start")
        for n in range(4):
            QTest.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
            settle()
            report(f"Ctrl+= {n + 1}")
        QTest.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
        settle()
        report("Ctrl+0")
        window.tabs.setCurrentIndex(SERVERS_TAB)  # the page that was hidden all along
        settle()
        report("Servers tab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
