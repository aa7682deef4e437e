"""The per-socket message log: filter bar, table, counters and the detail pane.

Wraps a ``workbench.log_model.LogModel`` (which batches a store's appends into one update per
tick and does the filtering). The view only scrolls, selects and asks for exports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..log_model import COL_DIRECTION, COL_PREVIEW, COL_SIZE, COL_TIME, COL_TYPE, LogModel
from ..log_store import (
    CLOSE,
    CONNECTING,
    ERROR,
    EVENT,
    HANDSHAKE,
    IN,
    INFO,
    MESSAGE,
    OPEN,
    OUT,
    LogEntry,
    LogFilter,
    LogStore,
)
from .detail_pane import DetailPane
from .notify import notifier

DIRECTION_CHOICES = (
    ("All directions", frozenset()),
    ("Received (in)", frozenset({IN})),
    ("Sent (out)", frozenset({OUT})),
    ("Events", frozenset({EVENT})),
)
KIND_CHOICES = (
    ("All kinds", frozenset()),
    ("Messages", frozenset({MESSAGE})),
    ("Lifecycle", frozenset({OPEN, CLOSE, HANDSHAKE, CONNECTING, INFO})),
    ("Errors", frozenset({ERROR})),
)


# -- JSON Lines ---------------------------------------------------------------------------------


def export_jsonl(store: LogStore, path: str | Path) -> int:
    """Write every visible entry of ``store`` as one JSON object per line; returns the count."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for entry in store:
            out.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count


def import_jsonl(path: str | Path, capacity: int = 1_000_000) -> tuple[LogStore, list[str]]:
    """Read a JSON Lines log into a new store; returns it and the problems (line: why)."""
    store = LogStore(capacity=capacity, name=Path(path).name)
    problems: list[str] = []
    with open(path, encoding="utf-8") as source:
        for number, line in enumerate(source, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not a JSON object")
                store.append(LogEntry.from_dict(record))
            except ValueError as exc:
                problems.append(f"line {number}: {exc}")
    return store, problems


# -- the view -------------------------------------------------------------------------------------


class LogView(QWidget):
    """A log of one socket (or an imported file): search, filters, table, detail.

    ``LogView(model)``; ``model.store`` gives the counters. The view does not own the socket.
    """

    entry_selected = Signal(object)

    def __init__(self, model: LogModel, parent: QWidget | None = None, *, title: str = "") -> None:
        super().__init__(parent)
        self.model = model
        self.title = title or model.store.name

        self.search = QLineEdit()
        self.search.setObjectName("logSearch")
        self.search.setPlaceholderText("Search the log…")
        self.search.setClearButtonEnabled(True)
        self.direction = QComboBox()
        self.direction.setObjectName("logDirection")
        for label, _ in DIRECTION_CHOICES:
            self.direction.addItem(label)
        self.kind = QComboBox()
        self.kind.setObjectName("logKind")
        for label, _ in KIND_CHOICES:
            self.kind.addItem(label)
        self.autoscroll = QCheckBox("Autoscroll")
        self.autoscroll.setChecked(True)
        self.autoscroll.setToolTip("Follow new rows; untick to hold the view still while reading")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Empty this view (the totals keep counting)")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the whole log as JSON Lines (one JSON object per line)")
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Open a JSON Lines log in a viewer window")
        for button in (self.clear_button, self.export_button, self.import_button):
            button.setAutoDefault(False)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.direction)
        bar.addWidget(self.kind)
        bar.addWidget(self.autoscroll)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.import_button)

        self.table = QTableView()
        self.table.setObjectName("logTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        widths = {COL_TIME: 92, COL_DIRECTION: 64, COL_TYPE: 120, COL_SIZE: 70}
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(COL_PREVIEW, QHeaderView.ResizeMode.Stretch)

        self.counters = QLabel()
        self.counters.setObjectName("hint")
        self.dropped_label = QLabel()
        self.dropped_label.setObjectName("droppedLabel")
        self.empty_hint = QLabel("No messages yet — they appear here as they are sent and received.")
        self.empty_hint.setObjectName("emptyHint")
        footer = QHBoxLayout()
        footer.setContentsMargins(0, 0, 0, 0)
        footer.addWidget(self.counters)
        footer.addStretch(1)
        footer.addWidget(self.dropped_label)

        self.detail = DetailPane()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty_hint)
        left_layout.addLayout(footer)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

        self.search.textChanged.connect(self.apply_filter)
        self.direction.currentIndexChanged.connect(self.apply_filter)
        self.kind.currentIndexChanged.connect(self.apply_filter)
        self.clear_button.clicked.connect(self.clear)
        self.export_button.clicked.connect(self._export_dialog)
        self.import_button.clicked.connect(self._import_dialog)
        model.rows_appended.connect(self._rows_appended)
        model.counters_changed.connect(self.update_counters)
        model.modelReset.connect(self.update_counters)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.update_counters()
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

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def clear(self) -> None:
        self.model.clear()
        self.detail.show_entry(None)
        self.update_counters()

    def update_counters(self) -> None:
        store = self.model.store
        shown = self.model.rowCount()
        filtered = "" if self.model.log_filter.is_empty else f"{shown:,} of {len(store):,} rows match · "
        self.counters.setText(
            f"{filtered}{store.messages_in:,} received · {store.messages_out:,} sent · {store.events:,} events"
        )
        if store.dropped:
            self.dropped_label.setText(
                f"{store.dropped:,} oldest rows dropped from view (log keeps {store.capacity:,}; totals still count them)"
            )
            self.dropped_label.show()
        else:
            self.dropped_label.hide()
        self.empty_hint.setVisible(len(store) == 0)

    # -- export / import -------------------------------------------------------------------------------

    def suggested_file_name(self) -> str:
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in (self.title or "log")).strip("-")
        return f"{safe or 'log'}.jsonl"

    def export_to(self, path: str | Path) -> int:
        """Write the log to ``path`` and say so in the status bar; returns the rows written."""
        try:
            count = export_jsonl(self.model.store, path)
        except OSError as exc:
            notifier().error(f"Could not export the log to {path}: {exc.strerror or exc}")
            return 0
        notifier().info(f"Exported {count:,} log rows to {path}")
        return count

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export log as JSON Lines", self.suggested_file_name(), "JSON Lines (*.jsonl);;All files (*)"
        )
        if path:
            self.export_to(path)

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a JSON Lines log", "", "JSON Lines (*.jsonl *.json);;All files (*)")
        if path:
            open_log_viewer(path, self)


class LogViewerDialog(QDialog):
    """A window showing an imported log (read from a file, not tied to any socket)."""

    def __init__(self, store: LogStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Log viewer — {store.name}")
        self.resize(1000, 600)
        self.model = LogModel(store, self)
        self.view = LogView(self.model, self, title=store.name)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)


def open_log_viewer(path: str | Path, parent: QWidget | None = None) -> LogViewerDialog | None:
    """Import ``path`` and show it in a viewer window; errors go to the status bar."""
    try:
        store, problems = import_jsonl(path)
    except (OSError, UnicodeDecodeError) as exc:
        notifier().error(f"Could not open {path}: {getattr(exc, 'strerror', None) or exc}")
        return None
    if problems and not len(store):
        notifier().error(f"{Path(path).name} is not a workbench log ({problems[0]})")
        return None
    dialog = LogViewerDialog(store, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    skipped = f"; skipped {len(problems)} unreadable lines ({problems[0]})" if problems else ""
    (notifier().error if problems else notifier().info)(f"Opened {len(store):,} rows from {Path(path).name}{skipped}")
    return dialog
