"""The main window: Servers and Clients tabs, a toolbar with the first steps, the status bar
where every error is shown in plain words, the workspace and layout kept between runs, and a
clean shutdown of every socket when the window closes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QWidget,
)
from shiboken6 import isValid

from ..engine.workspace import Workspace, WorkspaceError, config_dir, default_path
from ..qt.service import WorkbenchService
from .clients_panel import ClientsPanel
from .elided_label import ElidedLabel
from .load_panel import LoadPanel
from .log_viewer import open_log_viewer
from .notify import notifier
from .option_form import with_labels
from .presentation import Presentation
from .resources import resource_path
from .servers_panel import ServersPanel
from .window_layout import restore_layout, save_layout

TITLE = "WebSocket Workbench"
SERVERS_TAB, CLIENTS_TAB = 0, 1
ERROR_HISTORY = 20


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def window_settings() -> QSettings:
    """The window's layout file, ``window.ini`` in the workbench's config folder."""
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """``MainWindow(service, settings=None, workspace_path=None, load_workspace=True)``.

    ``settings``: where the layout is kept (default ``window_settings()``);
    ``workspace_path``: the workspace file read at start and written at close (default
    ``workspace.default_path()``).
    """

    def __init__(
        self,
        service: WorkbenchService,
        settings: QSettings | None = None,
        workspace_path: str | Path | None = None,
        load_workspace: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.settings = settings if settings is not None else window_settings()
        self.workspace_path = Path(workspace_path) if workspace_path is not None else default_path()
        self.workspace = Workspace()
        self.library = service.messages
        self.errors: list[str] = []
        self._shutdown: asyncio.Future[Any] | None = None
        self._closed_cleanly = False

        self.setWindowTitle(TITLE)
        icon = resource_path("icons", "workbench.png")
        if icon.is_file():
            self.setWindowIcon(QIcon(str(icon)))
        self.resize(1280, 800)

        self.servers = ServersPanel(service, self.library)
        self.clients = ClientsPanel(service, self.library)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.servers, "Servers")
        self.tabs.addTab(self.clients, "Clients")
        self.load = LoadPanel(service)
        self.tabs.addTab(self.load, "Load && rates")
        self.setCentralWidget(self.tabs)

        self._make_actions()
        self._make_status_bar()
        self.presentation = Presentation(self, self.settings)
        self.menuBar().insertMenu(self.help_menu.menuAction(), self.presentation.menu)

        self.servers.new_client_requested.connect(self.new_client_to)
        self.servers.empty_client.clicked.connect(self.new_client)
        self.clients.empty_server.clicked.connect(self.new_server)
        service.error_reported.connect(self.show_error)
        service.info_reported.connect(self.show_info)
        notifier().attach(service)
        for signal in (
            service.server_added,
            service.server_removed,
            service.client_added,
            service.client_removed,
        ):
            signal.connect(self._update_counts)
        service.server_state_changed.connect(self._server_state)
        service.client_state_changed.connect(self._client_state)

        self.restore_layout()
        if load_workspace:
            self.load_workspace_file(self.workspace_path, quiet_if_missing=True)
        self._update_counts()
        if not self.status_label.text():
            self.show_info("Ready. Start with “New server” or “New client”.")

    # -- building ------------------------------------------------------------------------------

    def _make_actions(self) -> None:
        def action(
            text: str, slot: Any, keys: str | QKeySequence.StandardKey | None = None, tip: str = ""
        ) -> QAction:
            act = QAction(text, self)
            if keys is not None:
                act.setShortcut(QKeySequence(keys))
            act.setToolTip(
                f"{tip or text} ({QKeySequence(keys).toString()})" if keys else (tip or text)
            )
            act.triggered.connect(slot)
            return act

        self.new_server_action = action(
            "New server", self.new_server, "Ctrl+Shift+N", "Make a server that listens on a port"
        )
        self.new_client_action = action(
            "New client", self.new_client, "Ctrl+N", "Make a client that connects to a server"
        )
        self.open_action = action(
            "Open workspace…", self.open_workspace_dialog, QKeySequence.StandardKey.Open
        )
        self.save_action = action(
            "Save workspace",
            self.save_workspace,
            QKeySequence.StandardKey.Save,
            "Save servers, clients and saved messages (also done when the window closes)",
        )
        self.save_as_action = action(
            "Save workspace as…", self.save_workspace_dialog, "Ctrl+Shift+S"
        )
        self.import_action = action(
            "Open log file…", self.import_log_dialog, "Ctrl+I", "View a log exported as JSON Lines"
        )
        self.quit_action = action("Quit", self.close, QKeySequence.StandardKey.Quit)
        self.about_action = action("About", self._about)
        self.start_action = action(
            "Start / Open",
            lambda: self._press("start_button", "open_button"),
            "F5",
            "Start the server or open the client shown",
        )
        self.stop_action = action(
            "Stop / Close",
            lambda: self._press("stop_button", "close_button"),
            "Shift+F5",
            "Stop the server or close the client shown",
        )

        self.ping_action = action(
            "Ping",
            lambda: self._press("ping_button", "ping_button"),
            "F6",
            "Ping the client shown or the selected socket; the round trip goes into its log",
        )

        file_menu = self.menuBar().addMenu("&File")
        for act in (self.new_server_action, self.new_client_action):
            file_menu.addAction(act)
        file_menu.addSeparator()
        for act in (self.open_action, self.save_action, self.save_as_action):
            file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        run_menu = self.menuBar().addMenu("&Run")
        run_menu.addAction(self.start_action)
        run_menu.addAction(self.stop_action)
        run_menu.addAction(self.ping_action)
        self.help_menu = self.menuBar().addMenu("&Help")
        self.help_menu.addAction(self.about_action)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.new_server_action)
        toolbar.addAction(self.new_client_action)
        toolbar.addSeparator()
        toolbar.addAction(self.open_action)
        toolbar.addAction(self.save_action)
        toolbar.addSeparator()
        toolbar.addAction(self.import_action)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _make_status_bar(self) -> None:
        self.status_label = ElidedLabel()  # a long error never widens the window
        self.status_label.setObjectName("statusMessage")
        self.counts_label = QLabel()
        self.counts_label.setObjectName("hint")
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.counts_label)

    # -- status bar ------------------------------------------------------------------------------

    def show_error(self, context: str, message: str = "") -> None:
        """Show an error in the status bar (kept until the next message; recent ones in the tooltip)."""
        text = _sentence(
            with_labels(f"{context}: {message}" if context and message else message or context)
        )
        stamp = time.strftime("%H:%M:%S")
        self.errors.append(f"{stamp}  {text}")
        del self.errors[:-ERROR_HISTORY]
        self.status_label.setObjectName("statusError")
        self.status_label.setStyleSheet("color: #b91c1c;")
        self.status_label.setText(f"⚠ {text}")
        self.status_label.set_tooltip_extra("Recent problems:\n" + "\n".join(self.errors))

    def show_info(self, text: str) -> None:
        self.status_label.setObjectName("statusMessage")
        self.status_label.setStyleSheet("")
        self.status_label.setText(_sentence(text))
        if self.errors:
            self.status_label.set_tooltip_extra("Recent problems:\n" + "\n".join(self.errors))

    def _server_state(self, server_id: str, state: str, text: str) -> None:
        if state in ("listening", "stopped") and server_id in self.service.servers:
            self.show_info(f"{self.service.server(server_id).name}: {text}")
        self._update_counts()

    def _client_state(self, client_id: str, state: str, text: str) -> None:
        if state in ("open", "closed") and client_id in self.service.clients:
            self.show_info(f"{self.service.client(client_id).name}: {text}")
        self._update_counts()

    def _update_counts(self, *_: Any) -> None:
        servers = self.service.servers.values()
        clients = self.service.clients.values()
        listening = sum(1 for h in servers if h.state == "listening")
        open_clients = sum(1 for h in clients if h.state == "open")
        self.tabs.setTabText(SERVERS_TAB, f"Servers ({len(servers)})" if servers else "Servers")
        self.tabs.setTabText(CLIENTS_TAB, f"Clients ({len(clients)})" if clients else "Clients")
        self.counts_label.setText(
            f"{listening} of {len(servers)} server{'' if len(servers) == 1 else 's'} listening · "
            f"{open_clients} of {len(clients)} client{'' if len(clients) == 1 else 's'} open"
        )

    # -- actions ---------------------------------------------------------------------------------

    def new_server(self) -> str | None:
        self.tabs.setCurrentIndex(SERVERS_TAB)
        return self.servers.new_server()

    def new_client(self) -> str | None:
        self.tabs.setCurrentIndex(CLIENTS_TAB)
        return self.clients.new_client()

    def new_client_to(self, server_id: str) -> str | None:
        self.tabs.setCurrentIndex(CLIENTS_TAB)
        return self.clients.new_client(server_id)

    def _press(self, server_button: str, client_button: str) -> bool:
        """Click the shown page's Start/Stop (server) or Open/Close (client) button, if it
        is there and enabled; True if it was clicked."""
        panel = self.servers if self.tabs.currentIndex() == SERVERS_TAB else self.clients
        page = panel.pages.get(panel.current_id())
        name = server_button if panel is self.servers else client_button
        button = getattr(page, name, None) if page is not None else None
        if button is None or not button.isEnabled():
            return False
        button.click()
        return True

    def _about(self) -> None:
        QMessageBox.about(
            self,
            f"About {TITLE}",
            f"<b>{TITLE}</b><p>Start WebSocket servers, open clients, send JSON, text, images "
            "and bytes, and read every message in a log you can export.</p>"
            "<p><b>Keys</b><br>Ctrl+Shift+N new server · Ctrl+N new client · F5 Start/Open · "
            "Shift+F5 Stop/Close"
            "<br>Ctrl+Enter send · Ctrl+C copy the selected log row<br>Ctrl+S save the workspace · "
            "Ctrl+O open one · Ctrl+I open an exported log · Ctrl+Q quit"
            "<br>Ctrl+= / Ctrl+- / Ctrl+0 zoom in, out, actual size</p>",
        )

    # -- workspace -------------------------------------------------------------------------------

    def current_workspace(self) -> Workspace:
        """The workspace as it is now: servers and clients (forms applied where valid),
        saved and recent messages, and the window's layout."""
        for panel in (self.servers, self.clients):
            for page in panel.pages.values():
                page.apply_valid_form()
        return self.service.to_workspace(self.workspace)

    def save_workspace(self, path: str | Path | None = None) -> asyncio.Future[bool] | bool:
        """Write the workspace to ``path`` (default: ``workspace_path``); say so in the
        status bar. On the running loop the file is written on a worker thread and this
        returns the future of the outcome; without a loop it writes at once."""
        target = Path(path) if path else self.workspace_path
        workspace = self.current_workspace()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                written = workspace.save(target)
            except WorkspaceError as exc:
                self.service.report("Saving the workspace", str(exc))
                return False
            self.show_info(f"Workspace saved to {written}")
            return True

        async def save() -> bool:
            try:
                written = await asyncio.to_thread(workspace.save, target)
            except WorkspaceError as exc:
                self.service.report("Saving the workspace", str(exc))
                return False
            notifier().info(f"Workspace saved to {written}")
            return True

        return loop.create_task(save())

    def load_workspace_file(
        self, path: str | Path, quiet_if_missing: bool = False
    ) -> asyncio.Future[bool] | bool:
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
                self.service.report("Opening the workspace", str(exc))
                return False
            self._apply_workspace(workspace, target)
            return True

        async def load() -> bool:
            if quiet_if_missing and not await asyncio.to_thread(target.exists):
                return False
            try:
                workspace = await asyncio.to_thread(Workspace.load, target)
            except WorkspaceError as exc:
                self.service.report("Opening the workspace", str(exc))
                return False
            if not isValid(self):
                return False
            self._apply_workspace(workspace, target)
            return True

        return loop.create_task(load())

    def _apply_workspace(self, workspace: Workspace, target: Path) -> None:
        self.workspace = workspace
        self.service.load_workspace(workspace, replace=True)
        servers, clients = len(workspace.servers), len(workspace.clients)
        what = ", ".join(
            f"{n} {noun}{'' if n == 1 else 's'}"
            for n, noun in ((servers, "server"), (clients, "client"))
            if n
        )
        self.show_info(f"Opened the workspace {target.name}" + (f": {what}" if what else ""))

    def open_workspace_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open a workspace",
            str(self.workspace_path.parent),
            "Workspace (*.json);;All files (*)",
        )
        if path:
            self.load_workspace_file(path)

    def save_workspace_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the workspace as",
            str(self.workspace_path),
            "Workspace (*.json);;All files (*)",
        )
        if path:
            self.save_workspace(path)

    def import_log_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open a log exported as JSON Lines",
            "",
            "JSON Lines (*.jsonl *.json);;All files (*)",
        )
        if path:
            open_log_viewer(path, self)

    # -- layout ----------------------------------------------------------------------------------

    def save_layout(self) -> None:
        save_layout(self, self.settings, self.tabs, self._panels())

    def restore_layout(self) -> None:
        restore_layout(self, self.settings, self.tabs, self._panels(), SERVERS_TAB)

    def _panels(self) -> tuple[tuple[str, Any], ...]:
        return (("servers", self.servers), ("clients", self.clients))

    # -- closing ---------------------------------------------------------------------------------

    @property
    def closed_cleanly(self) -> bool:
        return self._closed_cleanly

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        """First close: save, then close every socket and server through the service and
        close again when that is done (bounded by the service's timeout)."""
        if self._closed_cleanly:
            event.accept()
            return
        event.ignore()
        if self._shutdown is not None:
            return
        self.save_layout()
        saved = self.save_workspace()
        self.show_info("Closing every connection…")
        self.setEnabled(False)
        if not isinstance(saved, asyncio.Future):  # no event loop: nothing can be open either
            self._finish_close()
            return

        async def close_down() -> None:
            await saved  # written before the process may end
            await self.service.shutdown()

        self._shutdown = asyncio.ensure_future(close_down())
        self._shutdown.add_done_callback(lambda _future: self._finish_close())

    def _finish_close(self) -> None:
        if not isValid(self):  # deleted meanwhile (e.g. by a test's teardown): nothing to close
            return
        self._closed_cleanly = True
        self.close()
