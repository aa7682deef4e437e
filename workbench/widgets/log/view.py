"""The per-socket message log: filter bar, table, counters and the detail pane.

Wraps a ``workbench.qt.log_model.LogModel`` (which batches a store's appends into one update per
tick and does the filtering). The view only scrolls, selects and asks for exports.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from workbench.engine.log.jsonl import (
    SECRET_HEADERS,
    LogFileError,
    export_jsonl,
    export_jsonl_async,
)
from workbench.engine.log.store import (
    CLOSE,
    CONNECTING,
    ERROR,
    EVENT,
    FAULT,
    HANDSHAKE,
    IN,
    INFO,
    MESSAGE,
    OPEN,
    OUT,
    LogEntry,
    LogFilter,
)
from workbench.engine.units import format_size
from workbench.qt.log_model import (
    COL_DIRECTION,
    COL_PREVIEW,
    COL_SIZE,
    COL_TIME,
    COL_TYPE,
    LogModel,
)
from workbench.widgets.common.controls import (
    CLEAR_TIP,
    FitsTableToFont,
    named,
    row_table,
    tool_button,
)
from workbench.widgets.common.elided_label import ElidedLabel
from workbench.widgets.common.flow_row import FlowRow
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.wheel_guard import GuardedComboBox

from .detail_pane import DetailPane

#: The widest text each fixed column usually shows; the widths follow the font (zoom).
COLUMN_SAMPLES = {
    COL_TIME: "00:00:00.000",
    COL_DIRECTION: "• event",
    COL_TYPE: "application/json",
    COL_SIZE: "1.0 KiB → 999 B",
}
#: Pixels of a row beyond one line of text.
ROW_PADDING = 6

#: Each filter's label and the directions or kinds it keeps (none: all).
DIRECTION_CHOICES: tuple[tuple[str, frozenset[str]], ...] = (
    ("All directions", frozenset()),
    ("Received (in)", frozenset({IN})),
    ("Sent (out)", frozenset({OUT})),
    ("Events", frozenset({EVENT})),
)
KIND_CHOICES: tuple[tuple[str, frozenset[str]], ...] = (
    ("All kinds", frozenset()),
    ("Messages", frozenset({MESSAGE})),
    ("Lifecycle", frozenset({OPEN, CLOSE, HANDSHAKE, CONNECTING, INFO})),
    ("Errors", frozenset({ERROR})),
    ("Faults", frozenset({FAULT})),
)


# -- the view -------------------------------------------------------------------------------------


class LogView(FitsTableToFont, QWidget):
    """A log of one socket (or an imported file): search, filters, table, detail.

    ``LogView(model)``; ``model.store`` gives the counters. The view takes ownership of the
    model (its Qt parent becomes the view), so closing the view's tab deletes the model and
    its tick timer with it; the store lives as long as whoever else holds it (the service,
    for a socket's log). The view does not own the socket.
    """

    COLUMN_SAMPLES = COLUMN_SAMPLES
    ROW_PADDING = ROW_PADDING

    entry_selected = Signal(object)
    #: The Import button was pressed (only with ``importable``): whoever made the view opens
    #: a file (``workbench.widgets.log.viewer.ask_and_open_log``); the view knows no viewer.
    import_requested = Signal()

    def __init__(
        self,
        model: LogModel,
        parent: QWidget | None = None,
        *,
        title: str = "",
        importable: bool = False,
        make_scenario: Callable[[Sequence[LogEntry]], object] | None = None,
    ) -> None:
        super().__init__(parent)
        model.setParent(self)
        self.model = model
        self.title = title or model.store.name
        self._make_scenario = make_scenario
        bar = self._filter_bar()
        self._build_table(model)
        self.footer = self._footer(importable)
        self.empty_hint = named(
            QLabel(
                "No messages yet — they appear here as they are sent and received.", wordWrap=True
            ),
            "emptyHint",
        )
        self.detail = DetailPane()
        self.detail.setMinimumSize(200, 100)  # room for a wrapped footer at 1024 px, 125 %
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(2)  # with the footer on two lines, 1024x768 at 125 % is tight
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty_hint)
        left_layout.addWidget(self.footer)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        self._connect(model)
        self.update_counters()
        if self.autoscroll.isChecked():
            self.table.scrollToBottom()

    def _filter_bar(self) -> QHBoxLayout:
        """The search field and the direction and kind filters, in one row."""
        self.search = named(
            QLineEdit(placeholderText="Search the log…", clearButtonEnabled=True), "logSearch"
        )
        self.search.setMinimumWidth(100)
        self.direction = named(GuardedComboBox(), "logDirection")
        self.direction.addItems([label for label, _ in DIRECTION_CHOICES])
        self.kind = named(GuardedComboBox(), "logKind")
        self.kind.addItems([label for label, _ in KIND_CHOICES])
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.direction)
        bar.addWidget(self.kind)
        return bar

    def _build_table(self, model: LogModel) -> None:
        """``table``, its columns fitted to the font."""
        table = row_table(named(QTableView(), "logTable"))
        table.setModel(model)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setToolTip("Ctrl+C copies the selected message (text as text, binary as hex)")
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        self.table = table
        self.fit_table_to_font()
        header.setSectionResizeMode(COL_PREVIEW, QHeaderView.ResizeMode.Stretch)

    def _footer(self, importable: bool) -> FlowRow:
        """The counters and the dropped-rows note, then Autoscroll, Clear, Export, Import.

        Elided labels never widen the window; the row wraps them onto a line of their own
        when the buttons leave too little room (1024 px at 125 %, settings shown)."""
        self.counters = ElidedLabel()
        self.counters.setObjectName("hint")
        self.dropped_label = ElidedLabel()
        self.dropped_label.setObjectName("droppedLabel")
        self.dropped_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.autoscroll = named(
            QCheckBox("Autoscroll"),
            tip="Follow new rows; untick to hold the view still while reading",
        )
        self.autoscroll.setChecked(True)
        self.clear_button = tool_button("Clear", CLEAR_TIP)
        self.export_button = tool_button(
            "Export…",
            "Save the whole log as JSON Lines (one JSON object per line); secret values "
            "(Authorization, Cookie, *-Key and *-Token headers, those marked secret, tokens "
            "in URLs and subprotocols) are left out (the arrow offers an export with them)",
        )
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        export_menu = QMenu(self.export_button)
        self.export_secrets_action = export_menu.addAction(
            "Export with secrets… (" + ", ".join(SECRET_HEADERS) + " values, tokens)"
        )
        self.export_button.setMenu(export_menu)
        self.import_button = tool_button("Import…", "Open a JSON Lines log in a viewer window")
        if not importable:  # setVisible(True) on a widget with no parent yet would be a window
            self.import_button.hide()
        buttons = QWidget()
        buttons_layout = QHBoxLayout(buttons)
        buttons_layout.setContentsMargins(0, 0, 0, 0)
        # Beside Clear rather than the filters: the filter row must fit 1024 px at 125 % zoom.
        for button in (self.autoscroll, self.clear_button, self.export_button, self.import_button):
            buttons_layout.addWidget(button)
        return FlowRow([(self.counters, True), (self.dropped_label, True), (buttons, False)])

    def _connect(self, model: LogModel) -> None:
        self.search.textChanged.connect(self.apply_filter)
        self.direction.currentIndexChanged.connect(self.apply_filter)
        self.kind.currentIndexChanged.connect(self.apply_filter)
        self.clear_button.clicked.connect(self.clear)
        self.export_button.clicked.connect(lambda: self._export_dialog())
        self.export_secrets_action.triggered.connect(lambda: self._export_dialog(redact=False))
        self.import_button.clicked.connect(self.import_requested)
        if self._make_scenario is not None:
            self._offer_make_scenario()
        model.rows_appended.connect(self._rows_appended)
        model.counters_changed.connect(self.update_counters)
        model.modelReset.connect(self.update_counters)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        copy = QShortcut(QKeySequence.StandardKey.Copy, self.table)
        copy.setContext(Qt.ShortcutContext.WidgetShortcut)
        copy.activated.connect(self.copy_selected)

    def _offer_make_scenario(self) -> None:
        """Several rows may be selected; **Make scenario** is on the table's context menu
        and Ctrl+M (a button would not fit the footer of a narrow log at 125 %)."""
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.scenario_action = QAction("Make scenario of the selected rows", self.table)
        self.scenario_action.setShortcut(QKeySequence("Ctrl+M"))
        self.scenario_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.scenario_action.triggered.connect(self.make_scenario)
        self.table.addAction(self.scenario_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.table.setToolTip(
            self.table.toolTip() + ". Select rows (Shift/Ctrl+click) and right-click → Make "
            "scenario (Ctrl+M): sent messages are sent, received ones expected"
        )

    #: Below this width the detail pane goes under the table instead of beside it.
    SIDE_BY_SIDE_WIDTH = 980

    def resizeEvent(self, event: Any) -> None:  # Qt override
        super().resizeEvent(event)
        wanted = (
            Qt.Orientation.Horizontal
            if event.size().width() >= self.SIDE_BY_SIDE_WIDTH
            else Qt.Orientation.Vertical
        )
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)
            total = (
                self.splitter.width()
                if wanted == Qt.Orientation.Horizontal
                else self.splitter.height()
            )
            self.splitter.setSizes([total * 3 // 5, total * 2 // 5])

    def showEvent(self, event: Any) -> None:  # Qt override
        super().showEvent(event)
        if self.autoscroll.isChecked():  # the rows may have arrived before it had a size
            QTimer.singleShot(0, self, self._scroll_if_following)  # dropped if deleted first

    def _scroll_if_following(self) -> None:
        if self.autoscroll.isChecked():
            self.table.scrollToBottom()

    # -- filtering ------------------------------------------------------------------------------

    def current_filter(self) -> LogFilter:
        return LogFilter(
            text=self.search.text().strip(),
            directions=DIRECTION_CHOICES[self.direction.currentIndex()][1],
            kinds=KIND_CHOICES[self.kind.currentIndex()][1],
        )

    def apply_filter(self) -> None:
        self.model.set_filter(self.current_filter())
        if self.autoscroll.isChecked():
            self.table.scrollToBottom()

    # -- rows -------------------------------------------------------------------------------------

    def _rows_appended(self, _count: int) -> None:
        if self.autoscroll.isChecked():
            self.table.scrollToBottom()

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        entry = self.model.entry(rows[0].row()) if rows else None
        if entry is not None:
            self.detail.show_entry(entry)
            self.entry_selected.emit(entry)

    def copy_selected(self) -> str:
        """Put the selected row's payload (or event detail) on the clipboard; returns it."""
        rows = self.table.selectionModel().selectedRows()
        entry = self.model.entry(rows[0].row()) if rows else None
        if entry is None:
            return ""
        raw = entry.raw
        if raw is None:
            text = entry.detail
        elif isinstance(raw, str):
            text = raw
        else:
            text = bytes(raw).hex(" ")
        QGuiApplication.clipboard().setText(text)
        notifier().info(f"Copied {len(text):,} characters to the clipboard")
        return text

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def selected_entries(self) -> list[LogEntry]:
        """The selected rows' entries, oldest first."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [entry for entry in map(self.model.entry, rows) if entry is not None]

    def make_scenario(self) -> object:
        """Make a scenario of the selected rows (the whole log when none is selected)."""
        if self._make_scenario is None:
            return None
        entries = self.selected_entries() or [
            entry for entry in map(self.model.entry, range(self.model.rowCount())) if entry
        ]
        return self._make_scenario(entries)

    def clear(self) -> None:
        self.model.clear()
        self.detail.show_entry(None)
        self.update_counters()

    def update_counters(self) -> None:
        store = self.model.store
        shown = self.model.rowCount()
        filtered = (
            "" if self.model.log_filter.is_empty else f"{shown:,} of {len(store):,} rows match · "
        )
        self.counters.setText(
            f"{filtered}{store.messages_in:,} received · {store.messages_out:,} sent · {store.events:,} events"
        )
        if store.dropped:
            # Short, to share a line with the counters in a narrow log; the tooltip says more.
            self.dropped_label.setText(f"{store.dropped:,} dropped")
            self.dropped_label.set_tooltip_extra(
                f"The oldest rows: the log keeps the newest {store.capacity:,} rows and at "
                f"most {format_size(store.byte_capacity)}; older rows were dropped from "
                "view. The totals still count them."
            )
            self.dropped_label.show()
        else:
            self.dropped_label.hide()
        self.footer.reflow()
        self.empty_hint.setVisible(len(store) == 0)

    # -- export / import -------------------------------------------------------------------------------

    def suggested_file_name(self) -> str:
        """e.g. ``~/client-2-127.0.0.1-41081-20261125-181008.jsonl``: who, and when."""
        title = (self.title or "log").replace("ws://", "").replace("wss://", "")
        slug = re.sub(r"[^A-Za-z0-9.]+", "-", title).strip("-.").lower() or "log"
        return str(Path.home() / f"{slug}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl")

    def export_to(self, path: str | Path, *, redact: bool = True) -> asyncio.Task[int] | int:
        """Write the log to ``path`` and say so in the status bar; ``redact``: leave out the
        secret values (``workbench.engine.log.jsonl`` says which).

        On the running qasync loop the export runs on a worker thread (a big log never
        holds the window) and this returns the task, whose result is the rows written;
        without a running loop it writes at once and returns the count. Failures go to the
        status bar.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            try:
                count = export_jsonl(self.model.store, path, redact=redact)
            except LogFileError as exc:
                notifier().error(f"Could not export the log: {exc}")
                return 0
            notifier().info(f"Exported {count:,} log rows to {path}")
            return count
        self.export_button.setEnabled(False)
        total = len(self.model.store)

        def progress(done: int, rows: int) -> None:
            if rows > 5000:
                notifier().info(f"Exporting the log… {done * 100 // max(rows, 1)}%")

        async def export() -> int:
            try:
                count = await export_jsonl_async(self.model.store, path, progress, redact=redact)
            except LogFileError as exc:
                notifier().error(f"Could not export the log: {exc}")
                return 0
            finally:
                if isValid(self):
                    self.export_button.setEnabled(True)
            notifier().info(f"Exported {count:,} log rows to {path}")
            return count

        if total > 5000:
            notifier().info(f"Exporting {total:,} log rows…")
        return asyncio.ensure_future(export())

    def _export_dialog(self, *, redact: bool = True) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export log as JSON Lines" + ("" if redact else " (with secrets)"),
            self.suggested_file_name(),
            "JSON Lines (*.jsonl);;All files (*)",
        )
        if path:
            self.export_to(path, redact=redact)
