"""``SocketListModel``: the live table of one server's sockets (Qt adapter over the service).

Columns: Remote address, Connected since, In, Out, State. A row is added when a socket
connects (``socket_connected``) and stays when it closes (State becomes "closed, code 4000
(...)") so its log can still be opened, until ``service.engine.forget_closed_sockets(server_id)``
drops them; ``show_closed=False`` hides closed ones at once instead.
Message counts are refreshed on a timer (``REFRESH_MS``) with one ``dataChanged`` for the
count columns, only when something changed.

``socket_id(row)`` gives the id to pass to ``service.engine.send`` / ``close_socket`` / ``log``.
``SOCKET_ID_ROLE`` gives it through ``data()`` as well.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)

from workbench.engine.handles import SocketHandle
from workbench.engine.protocol.glossary import explain_event

from .plain_text import plain_tooltip
from .roles import SOCKET_ID_ROLE
from .service import WorkbenchService
from .table_columns import ColumnsTableModel

__all__ = ["REFRESH_MS", "SOCKET_COLUMNS", "SocketListModel"]

REFRESH_MS = 250
SOCKET_COLUMNS = ("Remote address", "Connected since", "In", "Out", "State")
COL_ADDRESS, COL_SINCE, COL_IN, COL_OUT, COL_STATE = range(5)

_Index = QModelIndex | QPersistentModelIndex


class SocketListModel(ColumnsTableModel):
    """``SocketListModel(service, server_id, parent=None, show_closed=True)``."""

    columns = SOCKET_COLUMNS

    def __init__(
        self,
        service: WorkbenchService,
        server_id: str,
        parent: QObject | None = None,
        show_closed: bool = True,
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(parent)
        self._engine = service.engine
        self._server_id = server_id
        self._show_closed = show_closed
        self._rows: list[SocketHandle] = [
            h for h in service.engine.sockets_of(server_id) if show_closed or h.is_open
        ]
        self._counts: list[tuple[int, int]] = [(h.messages_in, h.messages_out) for h in self._rows]
        service.socket_connected.connect(self._on_connected)
        service.socket_closed.connect(self._on_closed)
        service.server_removed.connect(self._on_server_removed)
        service.socket_removed.connect(self._on_removed)
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    @property
    def server_id(self) -> str:
        return self._server_id

    def socket_id(self, row: int) -> str | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, socket_id: str) -> int | None:
        for row, handle in enumerate(self._rows):
            if handle.id == socket_id:
                return row
        return None

    def handle(self, row: int) -> SocketHandle | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def refresh(self) -> None:
        """Update the In/Out columns where counts changed (called by the timer)."""
        first = last = -1
        for row, handle in enumerate(self._rows):
            counts = (handle.messages_in, handle.messages_out)
            if counts != self._counts[row]:
                self._counts[row] = counts
                if first < 0:
                    first = row
                last = row
        if first >= 0:
            self.dataChanged.emit(self.index(first, COL_IN), self.index(last, COL_OUT))

    def _on_connected(self, server_id: str, socket_id: str) -> None:
        if server_id != self._server_id:
            return
        handle = self._engine.socket(socket_id)
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(handle)
        self._counts.append((handle.messages_in, handle.messages_out))
        self.endInsertRows()

    def _on_closed(self, server_id: str, socket_id: str, code: int, reason: str) -> None:
        if server_id != self._server_id:
            return
        row = self.row_of(socket_id)
        if row is None:
            return
        if self._show_closed:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(SOCKET_COLUMNS) - 1))
        else:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            del self._counts[row]
            self.endRemoveRows()

    def _on_removed(self, server_id: str, socket_id: str) -> None:
        row = self.row_of(socket_id) if server_id == self._server_id else None
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            del self._counts[row]
            self.endRemoveRows()

    def _on_server_removed(self, server_id: str) -> None:
        if server_id == self._server_id and self._rows:
            self.beginResetModel()
            self._rows.clear()
            self._counts.clear()
            self.endResetModel()

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        handle = self._rows[index.row()]
        column = index.column()
        if role == SOCKET_ID_ROLE:
            return handle.id
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_ADDRESS:
                return handle.remote_address
            if column == COL_SINCE:
                return time.strftime("%H:%M:%S", time.localtime(handle.connected_at))
            if column == COL_IN:
                return handle.messages_in
            if column == COL_OUT:
                return handle.messages_out
            if column == COL_STATE:
                return handle.state_text
        if role == Qt.ItemDataRole.ToolTipRole:
            words = explain_event("close", handle.state_text) if handle.closed_at else ""
            tip = f"{handle.id}: {handle.state_text}" + (f"\n\n{words}" if words else "")
            return plain_tooltip(tip)  # the state says the peer's close reason
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_IN, COL_OUT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
