"""The "Load & rates" tab: every client in one table with its state, counts, rates and
backlog; a plot of the rates of the selected client or of a whole server; and the way in to
the two load tools, "Open many clients…" and "Replay a log…"."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.qt.clients_table_model import ClientsTableModel
from workbench.qt.rates_timer import RatesTimer
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import FitsTableToFont
from workbench.widgets.common.wheel_guard import GuardedComboBox

from .many_clients_dialog import ManyClientsDialog
from .rates_plot import RatesPlot
from .replay_dialog import ReplayDialog

__all__ = ["SELECTED_CLIENT", "LoadPanel"]

#: The plot-source entry that follows the table's selection.
SELECTED_CLIENT = "the selected client"

#: The widest text each column but State usually shows; the widths follow the font (zoom).
#: Fixed widths, not ``ResizeToContents``: that measured every row at every change, which
#: with 200 clients opening cost 350,000 calls of the model's ``data`` and held the window.
COLUMN_SAMPLES = {
    0: "client 1000",
    2: "1,000,000",
    3: "1,000,000",
    4: "100.0 k",
    5: "100.0 k",
    6: "100.0 MiB",
    7: "100.0 MiB",
    8: "100000",
}


class LoadPanel(FitsTableToFont, QWidget):
    """``LoadPanel(service, parent=None, rates=None)``; ``rates`` defaults to a new
    ``RatesTimer`` of the service (one without a parent becomes the panel's). ``dialog`` is the last dialog it opened (for tests)."""

    COLUMN_SAMPLES = COLUMN_SAMPLES

    def __init__(
        self,
        service: WorkbenchService,
        parent: QWidget | None = None,
        rates: RatesTimer | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._engine = service.engine
        self.rates = rates if rates is not None else RatesTimer(service, self)
        if self.rates.parent() is None:
            self.rates.setParent(self)  # its timer stops with the panel
        self.dialog: ManyClientsDialog | ReplayDialog | None = None
        self.model = ClientsTableModel(service, self.rates, self)
        self.table = QTableView()
        self.table.setObjectName("clientsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.fit_table_to_font()
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.plot: RatesPlot | None = None  # made when the tab is first shown (see showEvent)
        self.source = GuardedComboBox()
        self.source.setObjectName("ratesSource")
        self.source.currentIndexChanged.connect(self._source_changed)
        self.many_button = QPushButton("Open &many clients…")
        self.many_button.clicked.connect(self.open_many_dialog)
        self.replay_button = QPushButton("&Replay a log…")
        self.replay_button.clicked.connect(self.open_replay_dialog)
        self.empty = QLabel(
            "No clients yet. “Open many clients…” connects any number of them to one of your "
            "servers; each gets its own log in the Clients tab."
        )
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.many_button)
        top.addWidget(self.replay_button)
        top.addStretch(1)
        top.addWidget(QLabel("Plot:"))
        top.addWidget(self.source)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.empty)
        table_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(table_box)
        self._splitter = splitter
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        for signal in (service.server_added, service.server_removed, service.server_changed):
            signal.connect(self._fill_sources)
        self.model.rowsInserted.connect(self._update_empty)
        self.model.rowsRemoved.connect(self._update_empty)
        self._fill_sources()
        self._update_empty()

    def showEvent(self, event: QShowEvent) -> None:
        """The plot (pyqtgraph) is made on first show: a window that never opens this tab
        pays nothing for it."""
        if self.plot is None:
            self.plot = RatesPlot(self.rates)
            self._splitter.addWidget(self.plot)
            self._splitter.setStretchFactor(0, 3)
            self._splitter.setStretchFactor(1, 2)
            self._source_changed()
        super().showEvent(event)

    def _update_empty(self) -> None:
        self.empty.setVisible(self.model.rowCount() == 0)

    def _fill_sources(self) -> None:
        current = self.source.currentData()
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItem(SELECTED_CLIENT, None)
        for server_id, server in self._engine.servers.items():
            self.source.addItem(f"server {server.name} (all its sockets)", server_id)
        index = self.source.findData(current)
        self.source.setCurrentIndex(max(0, index))
        self.source.blockSignals(False)
        self._source_changed()

    def _source_changed(self) -> None:
        if self.plot is None:
            return
        server_id = self.source.currentData()
        if server_id is not None and server_id in self._engine.servers:
            self.plot.show_meter(server_id, f"server {self._engine.server(server_id).name}")
            return
        rows = self.table.selectionModel().selectedRows()
        if rows:
            client_id = self.model.client_id(rows[0].row())
            self.plot.show_meter(client_id, f"client {self._engine.client(client_id).name}")
        else:
            self.plot.show_meter(None)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self.source.currentData() is None:
            self._source_changed()

    def select_client(self, client_id: str) -> None:
        self.table.selectRow(self.model.row_of(client_id))

    def open_many_dialog(self) -> ManyClientsDialog:
        server_id = self.source.currentData()
        dialog = ManyClientsDialog(self._service, self, server_id)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_replay_dialog(self) -> ReplayDialog:
        dialog = ReplayDialog(self._service, self)
        self.dialog = dialog
        dialog.show()
        return dialog
