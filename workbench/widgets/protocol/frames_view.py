"""The Frames view of one client or server socket: one row per frame, its header decoded.

A table over a ``FrameModel`` (time, direction, opcode, FIN, RSV1, MASK, payload length,
preview; control frames in line, continuations indented under their message's first
frame) over a detail pane that shows the selected frame's header bit by bit with each
field's meaning. The view listens to core's ``'frame'`` event only from the first time it
is shown until it is closed (core taps nothing while nobody listens), so frames from before
that are not in it; a client's view follows the client to each new connection.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.protocol.frame_header import decode_header, header_bytes, header_length
from workbench.engine.protocol.frame_store import FrameRow, FrameStore
from workbench.engine.protocol.frame_watch import FrameWatch
from workbench.qt.frame_model import (
    COL_DIR,
    COL_FIN,
    COL_LENGTH,
    COL_MASK,
    COL_OPCODE,
    COL_PREVIEW,
    COL_RSV1,
    COL_TIME,
    FrameModel,
    frame_size_text,
)
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import CLEAR_TIP, FitsTableToFont, row_table, tool_button

__all__ = ["FrameHeaderPane", "FramesView", "client_frames_view", "socket_frames_view"]

_FIELD_COLUMNS = ("Field", "Bits", "Value", "Meaning")


class FrameHeaderPane(QWidget):
    """The selected frame's header: its bytes, then one table row per field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Select a frame to see its header decoded bit by bit.")
        self.summary.setObjectName("frameSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fields = QTableWidget(0, len(_FIELD_COLUMNS))
        self.fields.setObjectName("frameFields")
        self.fields.setHorizontalHeaderLabels(list(_FIELD_COLUMNS))
        self.fields.verticalHeader().hide()
        self.fields.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.fields.setWordWrap(False)  # each meaning is one line; its tooltip shows it whole
        self.fields.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.fields.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.fields, 1)

    def show_frame(self, row: FrameRow | None, fragments: int = 0) -> None:
        """Show ``row``'s header (None: the empty state); ``fragments``: frames of its
        message still in the store."""
        if row is None:
            self.summary.setText("Select a frame to see its header decoded bit by bit.")
            self.fields.setRowCount(0)
            return
        args = (row.fin, row.rsv1, row.opcode, row.masked, row.length)
        known = header_bytes(*args).hex(" ")
        key = " ?? ?? ?? ??" if row.masked else ""
        part = f", fragment {row.part} of a message ({fragments} shown)" if row.part else ""
        self.summary.setText(
            f"<b>{row.opcode}</b> frame, {'received' if row.direction == 'in' else 'sent'}"
            f"{part}. Header ({header_length(row.masked, row.length)} bytes): "
            f"<code>{known}{key}</code>. Payload: {frame_size_text(row)}."
        )
        fields = decode_header(*args)
        self.fields.setRowCount(len(fields))
        for line, field in enumerate(fields):
            for column, text in enumerate((field.name, field.bits, field.value, field.meaning)):
                item = QTableWidgetItem(text)
                item.setToolTip(field.meaning)
                self.fields.setItem(line, column, item)

    def field_texts(self) -> list[tuple[str, str, str]]:
        """(field, bits, value) of each shown row (tests, copy)."""
        return [
            (self._text(line, 0), self._text(line, 1), self._text(line, 2))
            for line in range(self.fields.rowCount())
        ]

    def _text(self, line: int, column: int) -> str:
        item = self.fields.item(line, column)
        return item.text() if item is not None else ""


#: The widest text each fixed column usually shows; the widths follow the font (zoom).
COLUMN_SAMPLES = {
    COL_TIME: "00:00:00.000",
    COL_DIR: "→ out",
    COL_OPCODE: "   ↳ continuation #12",
    COL_FIN: "1",
    COL_RSV1: "1",
    COL_MASK: "1",
    COL_LENGTH: "1.0 KiB wire / 9.9 KiB",
}
#: Pixels of a row beyond one line of text.
ROW_PADDING = 6


class FramesView(FitsTableToFont, QWidget):
    """``FramesView(model, watch)``: the view owns the model; ``watch`` starts at the first
    show and stops when the view is destroyed."""

    COLUMN_SAMPLES = COLUMN_SAMPLES
    ROW_PADDING = ROW_PADDING

    def __init__(self, model: FrameModel, watch: FrameWatch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        model.setParent(self)
        self.model = model
        self.watch = watch
        #: The item whose state changes move the watch to its new core object, if any.
        self.follow_id: str | None = None
        self.counters = QLabel()
        self.counters.setObjectName("frameCounters")
        # Never widens the window: 1024x768 at 125 % zoom must fit.
        self.counters.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.autoscroll = QCheckBox("Autoscroll")
        self.autoscroll.setChecked(True)
        self.clear_button = tool_button("Clear", CLEAR_TIP)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.counters, 1)
        bar.addWidget(self.autoscroll)
        bar.addWidget(self.clear_button)

        self.table = row_table(QTableView())
        self.table.setObjectName("frameTable")
        self.table.setModel(model)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        self.fit_table_to_font()
        self.detail = FrameHeaderPane()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        self.clear_button.clicked.connect(self.clear)
        model.rows_appended.connect(self._rows_appended)
        model.counters_changed.connect(self.update_counters)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.destroyed.connect(watch.stop)
        self.update_counters()

    def showEvent(self, event: Any) -> None:  # Qt override
        super().showEvent(event)
        if not self.watch.running:
            self.watch.start()
            self.update_counters()

    def item_state_changed(self, item_id: str, *_: Any) -> None:
        """A client's state changed: follow it to a new connection (``follow_id``)."""
        if item_id == self.follow_id:
            self.watch.follow()

    def stop(self) -> None:
        """Stop listening and ticking (the tab is being closed)."""
        self.watch.stop()
        self.model.stop()

    def clear(self) -> None:
        self.model.clear()
        self.detail.show_frame(None)

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def update_counters(self) -> None:
        store = self.model.store
        if not self.watch.running:
            self.counters.setText("Frames are recorded from when this view is first shown.")
            return
        dropped = f", {store.dropped:,} oldest dropped" if store.dropped else ""
        self.counters.setText(
            f"{store.frames_in:,} received ({store.wire_bytes_in:,} B on the wire), "
            f"{store.frames_out:,} sent ({store.wire_bytes_out:,} B){dropped}"
        )

    def _rows_appended(self, _count: int) -> None:
        if self.autoscroll.isChecked() and self.isVisible():
            self.table.scrollToBottom()

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        row = self.model.frame(indexes[0].row()) if indexes else None
        fragments = len(self.model.store.fragments(row.group)) if row and row.part else 0
        self.detail.show_frame(row, fragments)

    def preview(self, row: int) -> str:
        """The preview text shown at ``row`` (the tour finds a frame by it)."""
        return str(self.model.index(row, COL_PREVIEW).data())


def client_frames_view(service: WorkbenchService, client_id: str) -> FramesView:
    """A Frames view of a client that follows it to each new connection."""
    store = FrameStore(name=f"{service.engine.client(client_id).name} frames")

    def current() -> Any:
        handle = service.engine.clients.get(client_id)
        return None if handle is None else handle.core

    view = FramesView(FrameModel(store), FrameWatch(store, current))
    view.follow_id = client_id
    service.client_state_changed.connect(view.item_state_changed)  # gone with the view
    return view


def socket_frames_view(service: WorkbenchService, socket_id: str) -> FramesView:
    """A Frames view of a server-side socket."""
    handle = service.engine.socket(socket_id)
    store = FrameStore(name=f"{socket_id} frames")
    return FramesView(FrameModel(store), FrameWatch(store, lambda: handle.core))
