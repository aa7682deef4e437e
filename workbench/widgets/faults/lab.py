"""The fault lab panel of a server page: one button per fault (``workbench.engine.faults.lab``)
beside its parameters, applied to the selected socket or to every open socket of the server.

The panel is built from the engine's ``FAULTS`` table, so a new fault there gets a row here.
What a fault did is logged as a fault row on the server's log (and the socket's); failures go
to the one error path (status bar).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.faults.catalog import FAULTS
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.wheel_guard import GuardedComboBox

from .fault_grid import FaultGrid, parameter_values

__all__ = ["FaultLabPanel"]

SELECTED, ALL = "selected", "all"


class FaultLabPanel(QWidget):
    """Faults for ``server_id``; ``selected_socket()`` gives the socket picked on the page.

    ``buttons`` and ``editors`` (``fault_grid.FaultGrid``'s) are public for tests and for the
    keyboard path.
    """

    def __init__(
        self,
        service: WorkbenchService,
        server_id: str,
        selected_socket: Callable[[], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("faultLab")
        self.engine = service.engine
        self.server_id = server_id
        self._selected_socket = selected_socket
        self.target = GuardedComboBox()
        self.target.setObjectName("faultTarget")
        self.target.addItem("the selected socket", SELECTED)
        self.target.addItem("every open socket", ALL)
        self.target.setToolTip("Which sockets a fault is put on (refusals are for the server)")
        self.clear_button = QPushButton("Clear faults")
        self.clear_button.setToolTip(
            "End the delay, the drops to come, muted pings and handshake refusals"
        )
        head = QHBoxLayout()
        head.addWidget(QLabel("Apply to"))
        head.addWidget(self.target, 1)
        head.addWidget(self.clear_button)

        grid = FaultGrid(FAULTS, self.apply, "fault_")
        self.buttons, self.editors = grid.buttons, grid.editors

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(head)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.clear_button.clicked.connect(self.clear)

    def parameters(self, name: str) -> dict[str, Any]:
        """The values of fault ``name``'s editors."""
        return parameter_values(self.editors[name])

    def apply(self, name: str) -> int:
        """Put fault ``name`` on the chosen sockets; on how many it was put (0: reported)."""
        spec = next(spec for spec in FAULTS if spec.name == name)
        socket_id: str | None = None
        if spec.scope == "socket" and self.target.currentData() == SELECTED:
            socket_id = self._selected_socket()
            if socket_id is None:
                self.engine.report(
                    self.engine.server(self.server_id).name,
                    f"pick a socket first, or apply “{spec.label}” to every open socket",
                )
                return 0
        applied = self.engine.faults.apply(self.server_id, name, socket_id, **self.parameters(name))
        if applied:
            where = "the server" if spec.scope == "server" else _sockets(applied)
            notifier().info(f"Fault lab: {spec.label} on {where}")
        return applied

    def clear(self) -> None:
        self.engine.faults.clear(self.server_id)
        notifier().info("Fault lab: faults cleared")

    def set_live(self, listening: bool) -> None:
        """Socket faults need a listening server; refusals can be armed before the start."""
        for name, button in self.buttons.items():
            button.setEnabled(listening or name == "refuse")


def _sockets(count: int) -> str:
    return "1 socket" if count == 1 else f"{count} sockets"
