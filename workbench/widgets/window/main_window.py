"""The main window: Servers, Clients, Load, Scenarios, Load test and Relays tabs, the menus
and a toolbar with the first steps, wired to the service; a clean shutdown of every socket
(and of a load test's processes) when the window closes.

What it owns lives beside it: the status bar where every error is shown in plain words
(``status_line``), the log budget shown there and its setting (``log_budget``), the
workspace file read at start and written at close (``workspace_files``) and the layout kept
between runs (``layout``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QWidget,
)
from shiboken6 import isValid

from workbench.engine.private_files import make_private
from workbench.engine.workspace.workspace import config_dir, default_path
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import make_action
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.resources import resource_path
from workbench.widgets.common.tab_fit import size_to_current_page
from workbench.widgets.load.load_panel import LoadPanel
from workbench.widgets.load.load_test_tab import LoadTestTab
from workbench.widgets.log.viewer import ask_and_open_log
from workbench.widgets.pages.client_page import ClientsPanel
from workbench.widgets.pages.servers_panel import ServersPanel
from workbench.widgets.relay.relays_panel import RelaysPanel
from workbench.widgets.scenarios.tab import ScenariosTab

from .layout import restore_layout, save_layout
from .log_budget import LogBudgetControl
from .status_line import StatusLine
from .workspace_files import WorkspaceFiles
from .zoom_and_contrast import Presentation

TITLE = "WebSocket Workbench"
SERVERS_TAB, CLIENTS_TAB = 0, 1


def window_settings() -> QSettings:
    """The window's layout file, ``window.ini`` in the workbench's config folder (created
    readable by its owner only; Qt keeps the mode of a file it rewrites)."""
    path = config_dir() / "window.ini"
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            make_private(path)
        except OSError:
            pass  # QSettings says so itself when it cannot write
    return QSettings(str(path), QSettings.Format.IniFormat)


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
        self.engine = service.engine
        self.settings = settings if settings is not None else window_settings()
        self.library = service.messages
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
        self.scenarios = ScenariosTab(service, self.library)
        self.tabs.addTab(self.scenarios, "Scenarios")
        self.load_test = LoadTestTab(service)
        self.tabs.addTab(self.load_test, "Load test")
        self.relays = RelaysPanel(service, self.library)  # the relay: client ↔ it ↔ upstream
        self.tabs.addTab(self.relays, "Relays")
        # Only the tab shown counts in the window's minimum: a hidden page's minimum is not
        # laid out again after a zoom, and a stale one kept the window scrolling after Ctrl+0.
        size_to_current_page(self.tabs)
        # The tabs scroll rather than push the window past the screen: a zoom whose layout
        # needs more than the screen (175 % on 1024x768) shows scroll bars, and the window,
        # Send and the status bar stay on the screen (``Presentation`` refits it).
        self.scroller = QScrollArea(widgetResizable=True)
        self.scroller.setObjectName("windowScroller")
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setWidget(self.tabs)
        self.setCentralWidget(self.scroller)

        self.status = StatusLine(self.statusBar())
        self._counts_later = QTimer(self, singleShot=True, interval=0)
        self._counts_later.timeout.connect(self._count_now)
        self.workspace_files = WorkspaceFiles(
            self,
            service,
            (self.servers, self.clients, self.relays),
            Path(workspace_path) if workspace_path is not None else default_path(),
            self.status.show_info,
        )
        self._make_actions()
        self.presentation = Presentation(self, self.settings)
        self.menuBar().insertMenu(self.help_menu.menuAction(), self.presentation.menu)
        #: The log budget on the status bar, and in the View menu.
        self.log_budget = LogBudgetControl(self, service, self.settings, self.statusBar())
        self.presentation.menu.addSeparator()
        self.presentation.menu.addAction(self.log_budget.action)

        self.servers.new_client_requested.connect(self.new_client_to)
        self.servers.empty_client.clicked.connect(self.new_client)
        self.clients.empty_server.clicked.connect(self.new_server)
        service.error_reported.connect(self.status.show_error)
        service.info_reported.connect(self.status.show_info)
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
        service.scenarios.recorded.connect(
            lambda _doc_id: self.tabs.setCurrentWidget(self.scenarios)
        )

        self.restore_layout()
        if load_workspace:
            self.workspace_files.load(self.workspace_files.path, quiet_if_missing=True)
        self._count_now()
        if not self.status.label.text():
            self.status.show_info("Ready. Start with “New server” or “New client”.")

    # -- building ------------------------------------------------------------------------------

    def _make_actions(self) -> None:
        self.new_server_action = make_action(
            self,
            "New server",
            self.new_server,
            "Ctrl+Shift+N",
            "Make a server that listens on a port",
        )
        self.new_client_action = make_action(
            self, "New client", self.new_client, "Ctrl+N", "Make a client that connects to a server"
        )
        self.new_relay_action = make_action(
            self,
            "New relay",
            self.new_relay,
            "Ctrl+Shift+R",
            "Put a relay between a client and a server",
        )
        self.import_action = make_action(
            self,
            "Open log file…",
            self.import_log_dialog,
            "Ctrl+I",
            "View a log exported as JSON Lines",
        )
        self.quit_action = make_action(self, "Quit", self.close, QKeySequence.StandardKey.Quit)
        self.about_action = make_action(self, "About", self._about)
        self.start_action = make_action(
            self,
            "Start / Open",
            lambda: self._press("start_button", "open_button"),
            "F5",
            "Start the server or open the client shown (on the Scenarios tab: run the scenario)",
        )
        self.stop_action = make_action(
            self,
            "Stop / Close",
            lambda: self._press("stop_button", "close_button"),
            "Shift+F5",
            "Stop the server or close the client shown (on the Scenarios tab: stop the run)",
        )

        self.ping_action = make_action(
            self,
            "Ping",
            lambda: self._press("ping_button", "ping_button"),
            "F6",
            "Ping the client shown or the selected socket; the round trip goes into its log",
        )
        self._make_menus_and_toolbar()

    def _make_menus_and_toolbar(self) -> None:
        files = self.workspace_files
        workspace_actions = (files.open_action, files.save_action, files.save_as_action)
        file_menu = self.menuBar().addMenu("&File")
        for act in (self.new_server_action, self.new_client_action, self.new_relay_action):
            file_menu.addAction(act)
        file_menu.addSeparator()
        for act in workspace_actions:
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
        toolbar.addAction(files.open_action)
        toolbar.addAction(files.save_action)
        toolbar.addSeparator()
        toolbar.addAction(self.import_action)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    # -- status bar ------------------------------------------------------------------------------

    def _server_state(self, server_id: str, state: str, text: str) -> None:
        if state in ("listening", "stopped") and server_id in self.engine.servers:
            self.status.show_info(f"{self.engine.server(server_id).name}: {text}")
        self._update_counts()

    def _client_state(self, client_id: str, state: str, text: str) -> None:
        if state in ("open", "closed") and client_id in self.engine.clients:
            self.status.show_info(f"{self.engine.client(client_id).name}: {text}")
        self._update_counts()

    def _update_counts(self, *_: Any) -> None:
        """Count again on the next turn of the loop: hundreds of clients changing state at
        once cost one count and one relayout of the tab bar and status bar, not hundreds."""
        self._counts_later.start()

    def _count_now(self) -> None:
        servers = self.engine.servers.values()
        clients = self.engine.clients.values()
        listening = sum(1 for h in servers if h.state == "listening")
        open_clients = sum(1 for h in clients if h.state == "open")
        self.tabs.setTabText(SERVERS_TAB, f"Servers ({len(servers)})" if servers else "Servers")
        self.tabs.setTabText(CLIENTS_TAB, f"Clients ({len(clients)})" if clients else "Clients")
        self.status.show_counts(listening, len(servers), open_clients, len(clients))

    # -- actions ---------------------------------------------------------------------------------

    def new_server(self) -> str | None:
        self.tabs.setCurrentIndex(SERVERS_TAB)
        return self.servers.new_server()

    def new_client(self) -> str | None:
        self.tabs.setCurrentIndex(CLIENTS_TAB)
        return self.clients.new_client()

    def new_relay(self) -> str:
        self.tabs.setCurrentWidget(self.relays)
        return self.relays.new_relay()

    def new_client_to(self, server_id: str) -> str | None:
        self.tabs.setCurrentIndex(CLIENTS_TAB)
        return self.clients.new_client(server_id)

    def _press(self, server_button: str, client_button: str) -> bool:
        """Click the shown page's Start/Stop (server) or Open/Close (client) button, if it
        is there and enabled; True if it was clicked. On the Scenarios tab: Run or Stop."""
        if self.tabs.currentWidget() is self.relays:  # a relay's Start / Stop
            relay = self.relays.current_id()
            relay_button = getattr(self.relays.page(relay), server_button, None) if relay else None
            if relay_button is None or not relay_button.isEnabled():
                return False
            relay_button.click()
            return True
        if self.tabs.currentWidget() is self.scenarios:
            if server_button == "start_button":
                return self.scenarios.run() is not None
            return self.scenarios.stop() if server_button == "stop_button" else False
        if self.tabs.currentWidget() is self.load_test:
            if server_button == "start_button":
                return self.load_test.start()
            return self.load_test.stop() if server_button == "stop_button" else False
        panel = self.servers if self.tabs.currentIndex() == SERVERS_TAB else self.clients
        current = panel.current_id()
        page = panel.page(current) if current else None
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
            "<p><b>Keys</b><br>Ctrl+Shift+N new server · Ctrl+N new client · Ctrl+Shift+R new "
            "relay · F5 Start/Open · "
            "Shift+F5 Stop/Close"
            "<br>Ctrl+Enter send · Ctrl+C copy the selected log row<br>Ctrl+S save the workspace · "
            "Ctrl+O open one · Ctrl+I open an exported log · Ctrl+Q quit"
            "<br>Ctrl+= / Ctrl+- / Ctrl+0 zoom in, out, actual size</p>",
        )

    def import_log_dialog(self) -> None:
        ask_and_open_log(self)

    # -- layout ----------------------------------------------------------------------------------

    def save_layout(self) -> None:
        save_layout(self, self.settings, self.tabs, self._panels())

    def restore_layout(self) -> None:
        restore_layout(self, self.settings, self.tabs, self._panels(), SERVERS_TAB)

    def fits_without_scrolling(self) -> bool:
        """Whether the tabs' minimum fits the room the window gives them (no scroll bars)."""
        room, needed = self.scroller.viewport().size(), self.tabs.minimumSizeHint()
        return needed.width() <= room.width() and needed.height() <= room.height()

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
        saved = self.workspace_files.save()
        self.status.show_info("Closing every connection…")
        self.setEnabled(False)
        if not isinstance(saved, asyncio.Future):  # no event loop: nothing can be open either
            self._finish_close()
            return

        async def close_down() -> None:
            await saved  # written before the process may end
            await self.engine.shutdown()

        self._shutdown = asyncio.ensure_future(close_down())
        self._shutdown.add_done_callback(lambda _future: self._finish_close())

    def _finish_close(self) -> None:
        if not isValid(self):  # deleted meanwhile (e.g. by a test's teardown): nothing to close
            return
        self._closed_cleanly = True
        self.close()
