"""``LegFrameModel``: the frames of both legs of a relayed connection, with a Leg column
(``engine.relay.leg_frames``) after the time; the other columns are ``FrameModel``'s."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from workbench.engine.relay.leg_frames import LEG_NAMES, LegFrameStore
from workbench.qt.frame_model import COLUMNS, FrameModel

__all__ = ["COL_LEG", "LEG_COLUMNS", "LegFrameModel"]

COL_LEG = 1
LEG_COLUMNS = (COLUMNS[0], "Leg", *COLUMNS[1:])
_LEG_TIPS = {
    "client": "between the client and the relay (in: from the client)",
    "upstream": "between the relay and the upstream (in: from the upstream)",
}


class LegFrameModel(FrameModel):
    """A ``FrameModel`` over a ``LegFrameStore``, with the Leg column."""

    columns = LEG_COLUMNS  # type: ignore[assignment]  # one column more than FrameModel's

    def __init__(self, store: LegFrameStore, **kwargs: Any) -> None:
        super().__init__(store, **kwargs)
        self._legs = store

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        column = index.column()
        if column != COL_LEG:
            if column > COL_LEG:
                index = self.index(index.row(), column - 1)
            return super().data(index, role)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        seq = self.seq(index.row())
        leg = None if seq is None else self._legs.leg_of(seq)
        if leg is None:
            return None
        return LEG_NAMES[leg] if role == Qt.ItemDataRole.DisplayRole else _LEG_TIPS[leg]
