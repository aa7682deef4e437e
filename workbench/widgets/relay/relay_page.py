"""One relay's page: its settings, Start/Stop and status; the list of its relayed connections
with Record scenario; the Intercept, Rules and Fault lab tabs; and under them the relay's own
events and the picked connection's log, frames (with a leg column), both handshakes and its
three-lifeline conversation.

The page calls the engine's relay control (``service.relays.engine``), runs its coroutines
with ``service.run`` and follows the relay signals. A connection's views are built when it is
first picked and go when the relay forgets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.log.store import LogEntry
from workbench.engine.relay.settings import RelaySettingsError
from workbench.engine.relays import RelayHandle, settings_of
from workbench.engine.scenarios.recording import RecordingError
from workbench.engine.workspace.workspace import RelayConfig
from workbench.qt.log_model import LogModel
from workbench.qt.message_library import QtMessageLibrary
from workbench.qt.roles import ITEM_ID_ROLE
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named
from workbench.widgets.common.flow_row import FlowRow
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.tab_fit import size_to_current_page
from workbench.widgets.faults.relay_lab import RelayFaultPanel
from workbench.widgets.log.view import LogView
from workbench.widgets.pages.settings_column import SettingsColumn, SettingsToggle
from workbench.widgets.pages.status_badge import StatusBadge

from .connection_views import (
    RelayFramesView,
    RelayHandshakes,
    relay_frames_view,
    relay_log_view,
)
from .conversation_view import RelayConversationView
from .intercept_panel import InterceptPanel
from .rules_panel import RulesPanel
from .settings_form import RelaySettingsForm

__all__ = ["RelayPage"]

PICK = "Pick a relayed connection above to see its {}."
CONNECTIONS = "Relayed connections"
VIEWS = ("log", "frames", "handshakes")


class RelayPage(QWidget):
    """Everything about one relay (see the module docstring)."""

    def __init__(
        self,
        service: WorkbenchService,
        relay_id: str,
        library: QtMessageLibrary,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.relays = service.relays.engine
        self.relay_id = relay_id
        handle = self.handle
        self.name_edit = named(QLineEdit(handle.name), "nameEdit", "Name of this relay")
        self.name_edit.setMaximumWidth(200)
        self.badge = StatusBadge()
        self.start_button = named(
            QPushButton("Start"), "primaryButton", "Listen, and relay each connection upstream"
        )
        self.stop_button = named(
            QPushButton("Stop"), tip="Close every relayed connection (1001) and stop listening"
        )
        self.form = RelaySettingsForm()
        self.form.set_config(handle.config)
        self.form_hint = named(QLabel("Settings apply when the relay starts."), "hint")
        settings = SettingsColumn()
        settings.add(self.form_hint)
        settings.add(self.form, 1)
        self.top = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        self.top.addWidget(self._connections_box())
        self.top.addWidget(self._actions(library))
        self.top.setSizes([420, 380])
        # Where the two do not fit side by side (1024 px with the settings shown), a tab bar
        # shows one at a time, as a server page does.
        self.top_tabs = named(QTabBar(documentMode=True, expanding=False), "topTabs")
        self.top_tabs.addTab(CONNECTIONS)
        self.top_tabs.addTab("Intercept / Rules / Fault lab")
        self.top_tabs.hide()
        self.top_tabs.currentChanged.connect(self._show_top_part)
        top_area = QWidget()
        area = QVBoxLayout(top_area)
        area.setContentsMargins(0, 0, 0, 0)
        area.setSpacing(0)
        area.addWidget(self.top_tabs)
        area.addWidget(self.top, 1)
        self.views = self._views()
        self.right = right = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        right.addWidget(top_area)
        right.addWidget(self.views)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 3)
        right.installEventFilter(self)
        self.body = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        self.body.addWidget(settings)
        self.settings_toggle = SettingsToggle(settings)
        self.settings_toggle.toggled.connect(self._fit_top)
        self.body.addWidget(right)
        self.body.setStretchFactor(1, 1)
        self.body.setSizes([320, 800])
        header = QHBoxLayout()
        for widget in (self.settings_toggle, self.name_edit):
            header.addWidget(widget)
        header.addWidget(self.badge, 1)
        header.addWidget(self.start_button)
        header.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.body, 1)
        self.setTabOrder(self.name_edit, self.start_button)
        self.setTabOrder(self.start_button, self.stop_button)
        self._connect()
        for record_id in handle.connections:
            self._opened(relay_id, record_id)
        self._state_changed(relay_id, handle.state, handle.status_text)

    @property
    def handle(self) -> RelayHandle:
        return self.relays.relay(self.relay_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if watched is self.right and event.type() == QEvent.Type.Resize:
            self._fit_top()
        return super().eventFilter(watched, event)

    @property
    def top_on_tabs(self) -> bool:
        return not self.top_tabs.isHidden()

    def _fit_top(self, *_: Any) -> None:
        """The connections beside the intercept where they fit, else one at a time."""
        parts = self._top_parts()
        needed = sum(part.minimumSizeHint().width() for part in parts) + 24
        narrow = self.settings_toggle.isChecked() and self.right.width() < needed
        if narrow and not self.top_on_tabs:
            self.connections_box.setTitle("")  # the tab says what it is
            self.top_tabs.show()
            self._show_top_part(self.top_tabs.currentIndex())
        elif not narrow and self.top_on_tabs:
            self.top_tabs.hide()
            self.connections_box.setTitle(CONNECTIONS)
            for part in parts:
                part.show()
            self.top.refresh()

    def _show_top_part(self, index: int) -> None:
        if self.top_on_tabs:
            for i, part in enumerate(self._top_parts()):
                part.setVisible(i == index)
            self.top.refresh()

    def _top_parts(self) -> list[QWidget]:
        return [part for i in range(self.top.count()) if (part := self.top.widget(i)) is not None]

    # -- building ----------------------------------------------------------------------------

    def _connections_box(self) -> QGroupBox:
        box = self.connections_box = QGroupBox(CONNECTIONS)
        self.connections = named(QListWidget(), "relayConnections")
        self.connections.setAccessibleName("Relayed connections")
        self.connections_hint = named(QLabel(), "emptyHint")
        self.connections_hint.setWordWrap(True)
        self.connections_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.record_button = named(
            QPushButton("Record scenario"),
            tip="Make a scenario of the picked connection: what the client sent is sent, "
            "the upstream's answers are expected",
        )
        self.forget_button = named(
            QPushButton("Forget closed"), tip="Forget the closed connections and their logs"
        )
        self.connections.setMinimumWidth(120)
        layout = QVBoxLayout(box)
        layout.addWidget(self.connections, 1)
        layout.addWidget(self.connections_hint)
        layout.addWidget(FlowRow([(self.record_button, False), (self.forget_button, False)]))
        return box

    def _actions(self, library: QtMessageLibrary) -> QTabWidget:
        self.intercept = InterceptPanel(self.service, self.relay_id, library)
        self.rules = RulesPanel(self.service, self.relay_id)
        self.fault_lab = RelayFaultPanel(self.service, self.selected_record)
        self.action_tabs = named(QTabWidget(documentMode=True), "relayActions")
        self.action_tabs.addTab(self.intercept, "Intercept")
        self.action_tabs.addTab(self.rules, "Rules")
        self.action_tabs.addTab(self.fault_lab, "Fault lab")
        size_to_current_page(self.action_tabs)
        return self.action_tabs

    def _views(self) -> QTabWidget:
        tabs = named(QTabWidget(documentMode=True), "relayViews")
        self.events_view = LogView(LogModel(self.handle.log), title=self.handle.log.name)
        tabs.addTab(self.events_view, "Relay events")
        self.stacks: dict[str, QStackedWidget] = {}
        self._hints: dict[str, QLabel] = {}
        for name, title in zip(VIEWS, ("Log", "Frames", "Handshakes"), strict=True):
            stack = QStackedWidget()
            hint = named(QLabel(PICK.format(title.lower())), "emptyHint")
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            stack.addWidget(hint)
            self.stacks[name], self._hints[name] = stack, hint
            tabs.addTab(stack, title)
        self.conversation = RelayConversationView(PICK.format("conversation"), self.service)
        tabs.addTab(self.conversation, "Conversation")
        self.record_views: dict[str, dict[str, QWidget]] = {}
        return tabs

    def _connect(self) -> None:
        signals = self.service.relays
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.name_edit.editingFinished.connect(self._rename)
        self.form.upstream_url.returnPressed.connect(self._start_if_stopped)
        self.record_button.clicked.connect(lambda: self.record_scenario())
        self.forget_button.clicked.connect(self.forget_closed)
        self.connections.currentItemChanged.connect(self._picked)
        signals.relay_state_changed.connect(self._state_changed)
        signals.relay_changed.connect(self._changed)
        signals.connection_opened.connect(self._opened)
        signals.connection_closed.connect(self._closed)
        signals.connection_removed.connect(self._removed)
        signals.held_changed.connect(self._held_changed)

    # -- the relay ---------------------------------------------------------------------------

    def start(self) -> None:
        """Apply the settings, then start (the failure, if any, shows under the form)."""
        if self.relays.update(self.relay_id, self.form.config(self.handle.name)):
            self.service.run(self.relays.start(self.relay_id))
        else:
            errors = self.service.engine.errors
            self.form.show_error(errors[-1][1] if errors else "these settings cannot work")

    def _start_if_stopped(self) -> None:
        """Enter in the upstream URL: start, as F5 does."""
        if self.start_button.isEnabled():
            self.start()

    def stop(self) -> None:
        self.service.run(self.relays.stop(self.relay_id))

    def apply_valid_form(self) -> None:
        """Keep the form's settings (before the workspace is saved), if they can work."""
        if self.form.isEnabled():
            config = self.form.config(self.handle.name)
            if config != self.handle.config and _settings_work(config):
                self.relays.update(self.relay_id, config)

    def _rename(self) -> None:
        name = self.name_edit.text().strip()
        if name and name != self.handle.name:
            self.relays.rename(self.relay_id, name)

    def _changed(self, relay_id: str) -> None:
        if relay_id == self.relay_id and self.name_edit.text() != self.handle.name:
            self.name_edit.setText(self.handle.name)

    def _state_changed(self, relay_id: str, state: str, text: str) -> None:
        if relay_id != self.relay_id:
            return
        if state == "stopped":
            text = "Stopped — give the upstream URL and press Start"
        elif state == "failed":
            text = f"Could not start: {text}"
            self.form.show_error(self.handle.status_text)
        self.badge.set_state(state, text)
        running = state in ("starting", "listening", "stopping")
        self.form.setEnabled(not running)
        self.form_hint.setText(
            "Stop the relay to change these settings."
            if running
            else "Settings apply when the relay starts."
        )
        self.settings_toggle.follow(state == "listening")
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(state in ("starting", "listening"))
        self._update_actions()

    def _held_changed(self, relay_id: str) -> None:
        if relay_id == self.relay_id:
            held = len(self.handle.held())
            self.action_tabs.setTabText(0, f"Intercept ({held})" if held else "Intercept")

    # -- connections -------------------------------------------------------------------------

    def selected_record(self) -> str | None:
        item = self.connections.currentItem()
        return None if item is None else str(item.data(ITEM_ID_ROLE))

    def select_record(self, record_id: str) -> None:
        for row in range(self.connections.count()):
            if self.connections.item(row).data(ITEM_ID_ROLE) == record_id:
                self.connections.setCurrentRow(row)

    def _item(self, record_id: str) -> QListWidgetItem | None:
        for row in range(self.connections.count()):
            item = self.connections.item(row)
            if item.data(ITEM_ID_ROLE) == record_id:
                return item
        return None

    def _opened(self, relay_id: str, record_id: str) -> None:
        if relay_id != self.relay_id or self._item(record_id) is not None:
            return
        record = self.relays.records.get(record_id)
        if record is None:
            return
        item = QListWidgetItem(record.label)  # plain text: the address and URL as they are
        item.setData(ITEM_ID_ROLE, record_id)
        self.connections.addItem(item)
        if self.connections.currentItem() is None:
            self.connections.setCurrentItem(item)
        self._update_actions()

    def _closed(self, relay_id: str, record_id: str) -> None:
        item = self._item(record_id) if relay_id == self.relay_id else None
        record = self.relays.records.get(record_id)
        if item is not None and record is not None:
            item.setText(record.label)
        self._update_actions()

    def _removed(self, relay_id: str, record_id: str) -> None:
        if relay_id != self.relay_id:
            return
        item = self._item(record_id)
        if item is not None:
            self.connections.takeItem(self.connections.row(item))
        for name, view in self.record_views.pop(record_id, {}).items():
            self.stacks[name].removeWidget(view)
            if isinstance(view, RelayFramesView):
                view.stop()
            elif isinstance(view, LogView):
                view.model.stop()
            view.deleteLater()
        self._update_actions()

    def _picked(self, *_: Any) -> None:
        record_id = self.selected_record()
        record = self.relays.records.get(record_id) if record_id else None
        if record is None:
            for name, stack in self.stacks.items():
                stack.setCurrentWidget(self._hints[name])
            self.conversation.show_conversation(None)
        else:
            views = self.record_views.get(record.id)
            if views is None:
                views = self.record_views[record.id] = {
                    "log": relay_log_view(record, self._recorder(record.id)),
                    "frames": relay_frames_view(record),
                    "handshakes": RelayHandshakes(record),
                }
                for name, view in views.items():
                    self.stacks[name].addWidget(view)
            for name, view in views.items():
                self.stacks[name].setCurrentWidget(view)
            self.conversation.show_conversation(record.conversation)
        self._update_actions()

    def view_of(self, name: str) -> QWidget | None:
        """The picked connection's ``log``, ``frames`` or ``handshakes`` view shown now."""
        return self.stacks[name].currentWidget()

    def _update_actions(self) -> None:
        if self.relay_id not in self.relays.relays:
            return
        handle = self.handle
        record_id = self.selected_record()
        self.record_button.setEnabled(record_id is not None)
        self.forget_button.setEnabled(any(not r.is_open for r in handle.connections.values()))
        self.fault_lab.update_buttons()
        if handle.connections:
            self.connections_hint.hide()
            return
        self.connections_hint.show()
        if handle.state == "listening" and handle.relay is not None:
            scheme = "wss" if handle.config.listen.get("ssl_tls") else "ws"
            self.connections_hint.setText(
                f"No connections yet. Point a client or a web page at "
                f"{scheme}://{handle.relay.address}/ — each connection is relayed to "
                f"{handle.config.upstream_url}."
            )
        else:
            self.connections_hint.setText(
                "No connections yet. Give the upstream URL, press Start, then point a client "
                "at the relay's address."
            )

    def forget_closed(self) -> int:
        count = self.relays.forget_closed(self.relay_id)
        notifier().info(f"Forgot {count} closed connection{'s' * (count != 1)}")
        return count

    def record_scenario(self, entries: Sequence[LogEntry] | None = None) -> str | None:
        """A scenario of the picked connection (the selected rows, or all); its id."""
        record_id = self.selected_record()
        if record_id is None:
            return None
        try:
            doc_id = self.relays.record_scenario(record_id, entries)
        except (RecordingError, KeyError) as exc:
            notifier().error(str(exc).strip("'\""), "Record scenario")
            return None
        name = self.service.engine.scenarios.documents[doc_id].name
        notifier().info(f"Made the scenario “{name}”: it is in the Scenarios tab")
        return doc_id

    def _recorder(self, record_id: str) -> Any:
        def make(entries: Sequence[LogEntry]) -> str | None:
            self.select_record(record_id)
            return self.record_scenario(entries)

        return make


def _settings_work(config: RelayConfig) -> bool:
    try:
        settings_of(config)
    except RelaySettingsError:
        return False
    return True
