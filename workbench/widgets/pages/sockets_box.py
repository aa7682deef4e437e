"""The "Connected sockets" box of a server page: the live socket table, its empty hint, the
Open log / Forget closed buttons and the close-with-code row. The page wires the buttons."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QIdentityProxyModel, Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.qt.service import WorkbenchService
from workbench.qt.socket_model import (
    COL_ADDRESS,
    COL_IN,
    COL_OUT,
    COL_SINCE,
    COL_STATE,
    SocketListModel,
)
from workbench.widgets.common.controls import FitsTableToFont, named, row_table, tool_button
from workbench.widgets.common.plain_text import plain

from .close_picker import CloseCodePicker

__all__ = ["SocketsBox"]


class _ShortHeaders(QIdentityProxyModel):
    """The socket model with column titles that fit a narrow table (full ones as tooltips)."""

    SHORT: ClassVar[dict[int, str]] = {COL_SINCE: "Since"}

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and section in self.SHORT
        ):
            return self.SHORT[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.sourceModel().headerData(section, orientation, Qt.ItemDataRole.DisplayRole)
        return super().headerData(section, orientation, role)


#: The widest text each fixed column usually shows; the widths follow the font (zoom).
COLUMN_SAMPLES = {
    COL_ADDRESS: "127.0.0.1:65535",
    COL_SINCE: "00:00:00",
    COL_IN: "99,999",
    COL_OUT: "9,999",
}
#: Pixels of a row beyond one line of text.
ROW_PADDING = 8


class SocketsBox(FitsTableToFont, QGroupBox):
    """The sockets of ``server_id``: ``sockets`` (the model), ``table``, and the buttons
    ``log_button``, ``forget_button``, ``ping_button``, ``close_code`` (a
    ``CloseCodePicker``), ``close_reason``, ``close_button``."""

    COLUMN_SAMPLES = COLUMN_SAMPLES
    ROW_PADDING = ROW_PADDING

    def __init__(
        self, service: WorkbenchService, server_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__("Connected sockets", parent)
        self.sockets = SocketListModel(service, server_id, self)
        self._build_table()
        self.sockets_empty = plain(  # it names the host typed in the form
            named(
                QLabel(
                    "No sockets yet. Start the server, then connect a client to it.", wordWrap=True
                ),
                "emptyHint",
            )
        )
        self.log_button = tool_button(
            "Open log", "Show the selected socket's message log below (or double-click it)"
        )
        self.conversation_button = tool_button(
            "Conversation",
            "Show the selected socket's connection as a sequence diagram, both ends",
            "socketConversationButton",
        )
        self.forget_button = tool_button(
            "Forget closed",
            "Remove closed sockets and their logs from this list",
            "forgetClosedButton",
        )
        self.ping_button = tool_button(
            "Ping",
            "Send a ping to the selected socket's client; the round trip goes into its log (F6)",
            "pingButton",
        )
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        for button in (self.log_button, self.conversation_button, self.forget_button):
            actions.addWidget(button)
        actions.addWidget(self.ping_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.sockets_empty)
        layout.addLayout(actions)
        layout.addLayout(self._closing_row())

    def _build_table(self) -> None:
        """``table``: the sockets, with short column titles, fitted to the font."""
        self.table = named(QTableView(), "socketTable")
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.headers = _ShortHeaders(self)
        self.headers.setSourceModel(self.sockets)
        self.table.setModel(self.headers)
        row_table(self.table)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header_view = self.table.horizontalHeader()
        header_view.setStretchLastSection(True)
        header_view.setHighlightSections(False)
        self.fit_table_to_font()
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header_view.setSectionResizeMode(COL_STATE, QHeaderView.ResizeMode.Stretch)

    def _closing_row(self) -> QHBoxLayout:
        """Code, reason and Close for the selected socket."""
        tip = "Close the selected socket with this code and reason"
        self.close_code = CloseCodePicker()
        self.close_code.setObjectName("closeCode")
        self.close_reason = named(QLineEdit(placeholderText="reason"), "closeReason")
        self.close_reason.setMinimumWidth(60)
        self.close_button = tool_button("Close", tip, "closeSocketButton")
        closing = QHBoxLayout()
        closing.setContentsMargins(0, 0, 0, 0)
        code_label = named(QLabel("Code"), tip=tip)
        code_label.setBuddy(self.close_code)
        closing.addWidget(code_label)
        closing.addWidget(self.close_code)
        closing.addWidget(self.close_reason, 1)
        closing.addWidget(self.close_button)
        return closing

    def selected_socket(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.sockets.socket_id(rows[0].row()) if rows else None

    def select_socket(self, socket_id: str) -> None:
        row = self.sockets.row_of(socket_id)
        if row is not None:
            self.table.selectRow(row)

    def show_hint(self, text: str) -> None:
        """Show ``text`` in place of the table while it has no rows; select the newest row
        when nothing is selected."""
        has_rows = self.sockets.rowCount() > 0
        self.sockets_empty.setVisible(not has_rows)
        self.sockets_empty.setText(text)
        if has_rows and self.selected_socket() is None:
            self.table.selectRow(self.sockets.rowCount() - 1)
