"""Start the WebSocket Workbench: ``python -m workbench`` or ``websocket-workbench``.

The qasync loop is installed on the QApplication *before* the window exists, so the first
click on an async action (Start, Open) already has a loop to run on.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from .qt.app_loop import install_error_hooks, install_loop, run_until_quit
    from .qt.service import WorkbenchService
    from .widgets.main_window import TITLE, MainWindow
    from .widgets.resources import style_sheet

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication(list(sys.argv if argv is None else argv))
    app.setApplicationName(TITLE)
    app.setOrganizationName("WebSocket Workbench")
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())
    loop = install_loop(app)
    service = WorkbenchService()
    install_error_hooks(loop, service.report)
    window = MainWindow(service)
    window.show()

    async def shutdown_unless_done() -> None:
        # The window's closeEvent already ran the service's shutdown (bounded); run it here
        # only when the application quit some other way.
        if not window.closed_cleanly:
            await service.shutdown()

    return run_until_quit(app, loop, shutdown=shutdown_unless_done)


if __name__ == "__main__":
    sys.exit(main())
