"""``WorkspaceFiles``: a window's workspace file — its Open / Save / Save as actions and
dialogs, reading it at start and writing it (on a worker thread) when asked or at close."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QWidget
from shiboken6 import isValid

from workbench.engine.workspace.workspace import Workspace, WorkspaceError
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import make_action
from workbench.widgets.common.notify import notifier

__all__ = ["WORKSPACE_FILTER", "WorkspaceFiles"]

WORKSPACE_FILTER = "Workspace (*.json);;All files (*)"


class WorkspaceFiles(QObject):
    """``WorkspaceFiles(window, service, panels, path, show_info)``.

    ``panels``: the servers and clients panels, whose pages' valid forms are applied before
    saving; ``path``: the file read at start and written at close; ``show_info``: the
    window's status line. ``open_action``, ``save_action`` and ``save_as_action`` are for
    the window to place in its menus and toolbar. Failures go to ``service.engine.report``.
    """

    def __init__(
        self,
        window: QWidget,
        service: WorkbenchService,
        panels: Sequence[Any],
        path: Path,
        show_info: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.service = service
        self.engine = service.engine
        self.panels = tuple(panels)
        self.path = path
        self.show_info = show_info
        self.workspace = Workspace()  # the last one opened: what saving starts from
        self.open_action = make_action(
            window, "Open workspace…", self.open_dialog, QKeySequence.StandardKey.Open
        )
        self.save_action = make_action(
            window,
            "Save workspace",
            self.save,
            QKeySequence.StandardKey.Save,
            "Save servers, clients and saved messages (also done when the window closes)",
        )
        self.save_as_action = make_action(
            window, "Save workspace as…", self.save_as_dialog, "Ctrl+Shift+S"
        )

    def current(self) -> Workspace:
        """The workspace as it is now: servers and clients (forms applied where valid),
        saved and recent messages."""
        for panel in self.panels:
            for page in panel.pages.values():
                page.apply_valid_form()
        return self.engine.to_workspace(self.workspace)

    def save(self, path: str | Path | None = None) -> asyncio.Future[bool] | bool:
        """Write the workspace to ``path`` (default: ``path`` given at construction); say so
        in the status bar. On the running loop the file is written on a worker thread and
        this returns the future of the outcome; without a loop it writes at once."""
        target = Path(path) if path else self.path  # a triggered action passes False
        workspace = self.current()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                written = workspace.save(target)
            except WorkspaceError as exc:
                self.engine.report("Saving the workspace", str(exc))
                return False
            self.show_info(f"Workspace saved to {written}")
            return True

        async def save() -> bool:
            try:
                written = await asyncio.to_thread(workspace.save, target)
            except WorkspaceError as exc:
                self.engine.report("Saving the workspace", str(exc))
                return False
            notifier().info(f"Workspace saved to {written}")  # the window may be gone by now
            return True

        return loop.create_task(save())

    def load(self, path: str | Path, quiet_if_missing: bool = False) -> asyncio.Future[bool] | bool:
        """Open the workspace in ``path`` (replacing what is open). On the running loop the
        file is read on a worker thread and this returns the future of the outcome;
        without a loop it reads at once."""
        target = Path(path)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if quiet_if_missing and not target.exists():
                return False
            try:
                workspace = Workspace.load(target)
            except WorkspaceError as exc:
                self.engine.report("Opening the workspace", str(exc))
                return False
            self._apply(workspace, target)
            return True

        async def load() -> bool:
            if quiet_if_missing and not await asyncio.to_thread(target.exists):
                return False
            try:
                workspace = await asyncio.to_thread(Workspace.load, target)
            except WorkspaceError as exc:
                self.engine.report("Opening the workspace", str(exc))
                return False
            if not isValid(self):  # its window was closed and deleted while reading
                return False
            self._apply(workspace, target)
            return True

        return loop.create_task(load())

    def _apply(self, workspace: Workspace, target: Path) -> None:
        self.workspace = workspace
        self.service.run(self.engine.load_workspace(workspace, replace=True))
        servers, clients = len(workspace.servers), len(workspace.clients)
        what = ", ".join(
            f"{n} {noun}{'' if n == 1 else 's'}"
            for n, noun in ((servers, "server"), (clients, "client"))
            if n
        )
        self.show_info(f"Opened the workspace {target.name}" + (f": {what}" if what else ""))

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open a workspace", str(self.path.parent), WORKSPACE_FILTER
        )
        if path:
            self.load(path)

    def save_as_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save the workspace as", str(self.path), WORKSPACE_FILTER
        )
        if path:
            self.save(path)
