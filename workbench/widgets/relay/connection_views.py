"""The views of one relayed connection: its log (both directions and the relay's own rows,
the usual ``LogView``), its frames with a Leg column, both handshakes one above the other, and
its three-lifeline conversation (``conversation_view``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QSplitter, QVBoxLayout, QWidget

from workbench.engine.log.store import LogEntry
from workbench.engine.relay.leg_frames import LegFrameStore, LegsFrameWatch
from workbench.engine.relays import RelayedRecord
from workbench.qt.frame_model import COL_PREVIEW
from workbench.qt.log_model import LogModel
from workbench.qt.relay.leg_frame_model import COL_LEG, LegFrameModel
from workbench.widgets.log.view import LogView
from workbench.widgets.protocol.frames_view import COLUMN_SAMPLES, FramesView
from workbench.widgets.protocol.handshake_view import HandshakeView

__all__ = ["RelayFramesView", "RelayHandshakes", "relay_frames_view", "relay_log_view"]


def _shifted(column: int) -> int:
    return column + 1 if column >= COL_LEG else column


class RelayFramesView(FramesView):
    """A ``FramesView`` over a ``LegFrameModel``: the Leg column after the time."""

    COLUMN_SAMPLES: ClassVar[dict[int, str]] = {
        **{_shifted(c): s for c, s in COLUMN_SAMPLES.items()},
        COL_LEG: "relay ↔ upstream",
    }

    def preview(self, row: int) -> str:
        return str(self.model.index(row, _shifted(COL_PREVIEW)).data())

    def leg(self, row: int) -> str:
        """The Leg column's text at ``row``."""
        return str(self.model.index(row, COL_LEG).data())


def relay_frames_view(record: RelayedRecord) -> RelayFramesView:
    """Both legs' frames of ``record``, from when the view is first shown."""
    connection = record.connection
    store = LegFrameStore(name=f"#{connection.number} frames")
    watch = LegsFrameWatch(
        store,
        {
            "client": lambda: None if connection.end else connection.client,
            "upstream": lambda: None if connection.end else connection.upstream,
        },
    )
    return RelayFramesView(LegFrameModel(store), watch)


def relay_log_view(
    record: RelayedRecord, make_scenario: Callable[[Sequence[LogEntry]], object]
) -> LogView:
    """The connection's log: every row of both legs and of the relay for it."""
    return LogView(
        LogModel(record.log), title=record.log.name, importable=False, make_scenario=make_scenario
    )


class RelayHandshakes(QWidget):
    """The client's handshake with the relay above the relay's with the upstream."""

    def __init__(self, record: RelayedRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        client_side, upstream_side = record.handshakes()
        self.client_view = HandshakeView(lambda: [("client ↔ relay", client_side)], "")
        self.upstream_view = HandshakeView(lambda: [("relay ↔ upstream", upstream_side)], "")
        split = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        for title, view in (
            (
                "Client ↔ relay: the client's upgrade request and the relay's answer",
                self.client_view,
            ),
            ("Relay ↔ upstream: the relay's request and the upstream's answer", self.upstream_view),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(view)
            split.addWidget(box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
