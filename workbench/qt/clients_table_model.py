"""``ClientsTableModel``: every client of the workbench in one table, with its live rates.

Columns: Name, State, In, Out, In msg/s, Out msg/s, In bytes/s, Out bytes/s, Backlog.
Rows follow ``client_added`` / ``client_removed``; the counts and rates refresh with one
``dataChanged`` per ``RatesTimer.sampled`` (twice a second), so a flood costs the table
nothing per message. ``client_id(row)`` (or ``CLIENT_ID_ROLE``) gives the id.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from workbench.engine.handles import ClientHandle
from workbench.engine.units import format_count, format_size

from .rates_timer import RatesTimer
from .roles import CLIENT_ID_ROLE
from .service import WorkbenchService
from .table_columns import ColumnsTableModel

__all__ = ["CLIENT_COLUMNS", "ClientsTableModel"]

CLIENT_COLUMNS = (
    "Name",
    "State",
    "In",
    "Out",
    "In msg/s",
    "Out msg/s",
    "In bytes/s",
    "Out bytes/s",
    "Backlog",
)
_RATE_SERIES = {4: "messages_in", 5: "messages_out", 6: "bytes_in", 7: "bytes_out"}

_Index = QModelIndex | QPersistentModelIndex


class ClientsTableModel(ColumnsTableModel):
    """``ClientsTableModel(service, rates, parent=None)``."""

    columns = CLIENT_COLUMNS

    def __init__(
        self, service: WorkbenchService, rates: RatesTimer, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._engine = service.engine
        self._rates = rates
        self._ids: list[str] = list(service.engine.clients)
        service.client_added.connect(self._added)
        service.client_removed.connect(self._removed)
        service.client_state_changed.connect(self._state_changed)
        service.client_changed.connect(self._state_changed)
        rates.sampled.connect(self._refresh)

    def client_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, client_id: str) -> int:
        return self._ids.index(client_id)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        client_id = self._ids[index.row()]
        if role == CLIENT_ID_ROLE:
            return client_id
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        handle = self._engine.clients.get(client_id)
        return None if handle is None else self._cell(handle, index.column())

    def _cell(self, handle: ClientHandle, column: int) -> str:
        if column == 0:
            return handle.name
        if column == 1:
            return handle.status_text or handle.state
        if column == 2:
            return str(handle.log.messages_in)
        if column == 3:
            return str(handle.log.messages_out)
        meter = self._rates.meter(handle.id)
        if column == 8:
            return str(meter.backlog)
        rate = meter.rate(_RATE_SERIES[column])
        return format_size(rate) if column >= 6 else format_count(rate)

    def _added(self, client_id: str) -> None:
        row = len(self._ids)
        self.beginInsertRows(QModelIndex(), row, row)
        self._ids.append(client_id)
        self.endInsertRows()

    def _removed(self, client_id: str) -> None:
        if client_id in self._ids:
            row = self._ids.index(client_id)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._ids[row]
            self.endRemoveRows()

    def _state_changed(self, client_id: str, *_: object) -> None:
        if client_id in self._ids:
            row = self._ids.index(client_id)
            self.dataChanged.emit(self.index(row, 0), self.index(row, 1))

    def _refresh(self) -> None:
        if self._ids:
            last = len(CLIENT_COLUMNS) - 1
            self.dataChanged.emit(self.index(0, 2), self.index(len(self._ids) - 1, last))
