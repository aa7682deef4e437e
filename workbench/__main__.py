"""Start the WebSocket Workbench: ``python -m workbench`` or ``websocket-workbench``.

The qasync loop is installed on the QApplication *before* the window exists, so the first
click on an async action (Start, Open) already has a loop to run on.

``--tour DIR`` runs the scripted tour (``widgets.window.tour``) in a window of its own (no saved
workspace or layout is read or written), saves its pictures into DIR and exits: 0 when every
picture was saved, 1 (with the reason on stderr) otherwise.

At start the soft limit on open files is raised to the hard limit
(``raise_open_file_limit``): a desktop's default 1,024 is one student's worth of sockets.

``run FILE...`` and ``export FILE`` are the scenario commands
(``workbench.engine.scenarios.cli``), ``relay UPSTREAM_URL`` the headless relay
(``workbench.engine.relay.cli``), and ``load SCENARIO`` runs a scenario as a Locust load test
(``workbench.engine.load_test.cli``, with the ``load`` extra); they never import Qt, so they
work from an installation without the ``gui`` extra.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Sub-commands that run without Qt.
SCENARIO_COMMANDS = ("run", "export")
RELAY_COMMAND = "relay"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "load":
        from workbench.engine.load_test.cli import main as load

        return load(args[2:])
    if len(args) > 1 and args[1] in SCENARIO_COMMANDS:
        from workbench.engine.scenarios.cli import main as scenarios

        return scenarios(args[1:])
    if len(args) > 1 and args[1] == RELAY_COMMAND:
        from workbench.engine.relay.cli import main as relay

        return relay(args[2:])
    parser = argparse.ArgumentParser(prog="python -m workbench")
    parser.add_argument("--tour", metavar="DIR", help="save a picture of each view into DIR")
    options, qt_args = parser.parse_known_args(args[1:])
    if options.tour:
        return _run_tour(Path(options.tour), [args[0], *qt_args])
    return _run_window([args[0], *qt_args])


def raise_open_file_limit() -> tuple[int, int] | None:
    """Raise this process's soft limit on open files (``RLIMIT_NOFILE``) to its hard limit;
    the (soft, hard) limits now, or None where there are none to raise (Windows).

    Every socket is a file descriptor: at a desktop's default soft limit of 1,024 one
    classroom (or one student opening sockets in a loop) exhausts it, and every later
    ``accept()`` fails. macOS reports an unlimited hard limit but refuses a soft limit above
    ``OPEN_MAX`` (10,240): that is tried next. A refusal leaves the limit as it was."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for target in (hard, 10_240):
        if target == resource.RLIM_INFINITY or (soft != resource.RLIM_INFINITY and target > soft):
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            except (ValueError, OSError):
                continue
            break
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def _application(args: list[str]) -> tuple[Any, Any, Any]:
    """The application with its style and loop, and the service: (app, loop, service)."""
    raise_open_file_limit()
    from PySide6.QtWidgets import QApplication

    from workbench.qt.app_loop import install_error_hooks, install_loop
    from workbench.qt.service import WorkbenchService
    from workbench.widgets.common.resources import style_sheet
    from workbench.widgets.window.main_window import TITLE

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication(args)
    app.setApplicationName(TITLE)
    app.setOrganizationName("WebSocket Workbench")
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())
    loop = install_loop(app)
    service = WorkbenchService()
    install_error_hooks(loop, service.engine.report)
    return app, loop, service


def _run_window(args: list[str]) -> int:
    from workbench.qt.app_loop import run_until_quit
    from workbench.widgets.window.main_window import MainWindow

    app, loop, service = _application(args)
    window = MainWindow(service)
    window.show()

    async def shutdown_unless_done() -> None:
        # The window's closeEvent already ran the service's shutdown (bounded); run it here
        # only when the application quit some other way.
        if not window.closed_cleanly:
            await service.engine.shutdown()

    return run_until_quit(app, loop, shutdown=shutdown_unless_done)


def _run_tour(directory: Path, args: list[str]) -> int:
    import asyncio

    from PySide6.QtCore import QSettings

    from workbench.qt.app_loop import run_until_quit
    from workbench.widgets.window.main_window import MainWindow
    from workbench.widgets.window.tour import run_tour

    app, loop, service = _application(args)
    scratch = tempfile.TemporaryDirectory(prefix="workbench-tour-")
    settings = QSettings(str(Path(scratch.name) / "window.ini"), QSettings.Format.IniFormat)
    workspace = Path(scratch.name) / "workspace.json"
    window = MainWindow(service, settings=settings, workspace_path=workspace, load_workspace=False)
    window.show()
    outcome: list[int] = []

    async def tour() -> None:
        try:
            saved = await asyncio.wait_for(run_tour(window, directory), 120)
        except Exception as exc:  # any failure ends the tour with its reason and exit code 1
            print(f"the tour failed: {exc or repr(exc)}", file=sys.stderr)
            outcome.append(1)
        else:
            print("\n".join(str(path) for path in saved))
            outcome.append(0)
        window.close()

    task = loop.create_task(tour())
    code = run_until_quit(app, loop, shutdown=service.engine.shutdown)
    scratch.cleanup()
    return code or (outcome[0] if task.done() and outcome else 1)


if __name__ == "__main__":
    sys.exit(main())
