"""``ServerLogTabs``: the tabs under a server page — the server's events log, the Handshakes
and Classroom tabs (always there), and for each socket whose log was opened its log tab with
its Frames tab beside it (closing either closes both; a forgotten socket's go by themselves).
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabBar, QTabWidget, QWidget

from workbench.qt.log_model import LogModel
from workbench.qt.service import WorkbenchService
from workbench.widgets.classroom.panel import ClassroomPanel
from workbench.widgets.common.tab_fit import size_to_current_page
from workbench.widgets.log.make_scenario import scenario_maker
from workbench.widgets.log.view import LogView
from workbench.widgets.log.viewer import ask_and_open_log
from workbench.widgets.protocol.frames_view import FramesView, socket_frames_view
from workbench.widgets.protocol.handshake_view import HandshakeView, server_handshakes

__all__ = ["ServerLogTabs"]

NO_HANDSHAKES = "No handshakes yet: each accepted or refused upgrade request shows here."


class ServerLogTabs(QTabWidget):
    """``ServerLogTabs(service, server_id, parent=None)``. ``log_views``: log id (the
    server's, or a socket's) -> its ``LogView``; ``frames_views``: socket id -> its Frames tab."""

    def __init__(
        self, service: WorkbenchService, server_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, tabsClosable=True, documentMode=True)
        self.setObjectName("serverLogs")
        self._service = service
        self._server_id = server_id
        self.log_views: dict[str, LogView] = {}
        self.frames_views: dict[str, FramesView] = {}
        self._add_log_tab(server_id, "Server events")
        self.handshake_view = HandshakeView(server_handshakes(service, server_id), NO_HANDSHAKES)
        self._add_fixed_tab(self.handshake_view, "Handshakes")
        self.classroom = ClassroomPanel(service, server_id)
        self._add_fixed_tab(self.classroom, "Classroom")
        size_to_current_page(self)
        self.tabCloseRequested.connect(self.close_tab)
        service.socket_removed.connect(self._socket_removed)

    def open_socket_log(self, socket_id: str) -> LogView | None:
        """Show the socket's log tab, opening it (with its Frames tab) first if needed; None
        if the server has no such socket (any more)."""
        if socket_id not in self.log_views:
            socket = self._service.engine.server(self._server_id).sockets.get(socket_id)
            if socket is None:
                return None
            self._add_log_tab(socket_id, socket.remote_address)
        view = self.log_views[socket_id]
        self.setCurrentWidget(view)
        return view

    def close_tab(self, index: int) -> None:
        """Close a socket's log or Frames tab, and the other of the two; the server's own
        tabs stay."""
        page = self.widget(index)
        socket_id = next(
            (
                log_id
                for log_id, frames in self.frames_views.items()
                if page is frames or page is self.log_views.get(log_id)
            ),
            None,
        )
        if socket_id is None:
            return
        frames = self.frames_views.pop(socket_id)
        self.removeTab(self.indexOf(frames))
        frames.stop()
        frames.deleteLater()
        view = self.log_views.pop(socket_id)
        self.removeTab(self.indexOf(view))
        view.model.stop()
        view.deleteLater()

    def _add_fixed_tab(self, page: QWidget, title: str) -> int:
        """A tab without a close button."""
        index = self.addTab(page, title)
        self.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, None)
        return index

    def _add_log_tab(self, log_id: str, title: str) -> LogView:
        store = self._service.engine.log(log_id)
        maker = scenario_maker(self._service, log_id) if log_id != self._server_id else None
        view = LogView(
            LogModel(store), title=store.name or title, importable=True, make_scenario=maker
        )
        view.import_requested.connect(lambda: ask_and_open_log(self))
        self.log_views[log_id] = view
        if log_id == self._server_id:
            self._add_fixed_tab(view, title)
        else:
            index = self.addTab(view, title)
            frames = socket_frames_view(self._service, log_id)
            self.frames_views[log_id] = frames
            self.insertTab(index + 1, frames, f"{title} frames")
        return view

    def _socket_removed(self, server_id: str, socket_id: str) -> None:
        view = self.log_views.get(socket_id)
        if server_id == self._server_id and view is not None:
            self.close_tab(self.indexOf(view))
