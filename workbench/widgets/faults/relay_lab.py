"""The fault lab on a relayed connection: which side a fault goes toward (the client, as if the
upstream misbehaved, or the upstream, as if the client did), then one button per fault beside
its parameters (``workbench.engine.faults.relay_legs``), put on the connection picked on the
relay page. Every fault goes on either side; the buttons are enabled while the picked
connection is open."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.faults.relay_legs import LEG_FAULTS, SIDE_HELP, SIDES
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.wheel_guard import GuardedComboBox

from .fault_grid import FaultGrid, parameter_values

__all__ = ["RelayFaultPanel"]


class RelayFaultPanel(QWidget):
    """Faults for the connection ``selected()`` gives (a record id, or None).

    ``side`` (the chooser), ``buttons`` and ``editors`` (by fault name) are public for tests
    and the keyboard path."""

    def __init__(
        self,
        service: WorkbenchService,
        selected: Callable[[], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("relayFaultLab")
        self.relays = service.relays.engine
        self.engine = service.engine
        self._selected = selected
        self.side = GuardedComboBox()
        self.side.setObjectName("faultSide")
        for index, (side, words) in enumerate(SIDES.items()):
            self.side.addItem(words, side)
            self.side.setItemData(index, SIDE_HELP[side], Qt.ItemDataRole.ToolTipRole)
        self.side.setToolTip(
            "Which leg of the picked connection the fault goes on: " + "; ".join(SIDE_HELP.values())
        )
        self.clear_button = QPushButton("Clear faults")
        self.clear_button.setToolTip("End delays, drops to come and muted pings on both legs")
        head = QHBoxLayout()
        head.addWidget(QLabel("Side:"))
        head.addWidget(self.side, 1)
        head.addWidget(self.clear_button)
        grid = FaultGrid(LEG_FAULTS, self.apply, "relay_fault_")
        self.buttons, self.editors = grid.buttons, grid.editors
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(head)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.clear_button.clicked.connect(self.clear)
        self.update_buttons()

    def apply(self, name: str) -> bool:
        """Put fault ``name`` toward the chosen side of the selected connection."""
        record_id = self._selected()
        if record_id is None:
            notifier().error("Pick a relayed connection first", "Fault lab")
            return False
        side = str(self.side.currentData())
        values = parameter_values(self.editors[name])
        applied = self.relays.apply_fault(record_id, side, name, **values)
        if applied:
            notifier().info(f"Fault lab: {self.buttons[name].text()} {SIDES[side]}")
        return applied

    def clear(self) -> None:
        record_id = self._selected()
        if record_id is not None and record_id in self.relays.records:
            self.relays.clear_faults(record_id)
            notifier().info("Fault lab: faults cleared on both legs")

    def update_buttons(self, *_: object) -> None:
        """Enable the faults and Clear while the picked connection is open."""
        record_id = self._selected()
        record = self.relays.records.get(record_id) if record_id else None
        live = record is not None and record.is_open
        for button in (*self.buttons.values(), self.clear_button):
            button.setEnabled(live)
