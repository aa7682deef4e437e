"""The conversation of a relayed connection drawn with three lifelines — client, relay,
upstream — from its ``RelayConversation`` (``engine.relay.conversation``).

Each message is two arrows: to the relay, then on from it; what happened on the way (a rule,
the intercept holding it, a person's edit or drop) is a note on the relay's lifeline and a
mark on the arrow that went on: ``HELD``, ``EDITED``, ``RULE``. Pings, pongs and closes are
drawn on their own leg. Like the two-lane view, the diagram paints only the rows in view and
follows new rows while it is scrolled to the end; a timer pulls new rows while it is shown.
Export SVG / PNG draw every row with the same painters (``widgets.common.diagram_export``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.relay.conversation import RelayArrow, RelayConversation
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.diagram_export import ExportButtons, export_png, export_svg
from workbench.widgets.common.row_diagram import RowDiagram

__all__ = ["MARK_WORDS", "RelayConversationView", "paint_lanes"]

ROW_HEIGHT = 30
HEADER_HEIGHT = 34
TIME_WIDTH = 84
REFRESH_MS = 250
#: The badge an arrow carries for what happened to its message on the way.
MARK_WORDS = {"held": "HELD", "edited": "EDITED", "rule": "RULE", "dropped": "DROPPED"}
_MARK_COLOURS = {
    "held": QColor("#b45309"),
    "edited": QColor("#7c3aed"),
    "rule": QColor("#0e7490"),
    "dropped": QColor("#b91c1c"),
}
_COLOURS = {
    "request": QColor("#7b3fa0"),
    "response": QColor("#7b3fa0"),
    "ping": QColor("#c77700"),
    "pong": QColor("#c77700"),
    "close": QColor("#c0392b"),
}
_TOWARD_UPSTREAM, _TOWARD_CLIENT = QColor("#1f5fbf"), QColor("#1e8449")
_LIFELINE = QColor("#b0b0b0")


def lane_xs(width: int) -> tuple[float, float, float]:
    room = max(width - TIME_WIDTH, 300)
    return TIME_WIDTH + room * 0.16, TIME_WIDTH + room * 0.5, TIME_WIDTH + room * 0.84


def paint_lanes(
    painter: QPainter, rows: list[RelayArrow], start: float, width: int, top: float, height: float
) -> None:
    """Draw ``rows`` from ``top`` down (``ROW_HEIGHT`` each), the lifelines over ``height``."""
    xs = lane_xs(width)
    painter.setPen(QPen(_LIFELINE, 1, Qt.PenStyle.DashLine))
    for x in xs:
        painter.drawLine(QPointF(x, top), QPointF(x, top + height))
    metrics = painter.fontMetrics()
    for n, arrow in enumerate(rows):
        y = top + n * ROW_HEIGHT
        painter.setPen(QPen(QColor("#666666")))
        seconds = max(arrow.time - start, 0.0)
        when = f"+{seconds * 1000:,.1f} ms" if seconds < 10 else f"+{seconds:,.2f} s"
        painter.drawText(
            QRectF(2, y, TIME_WIDTH - 8, ROW_HEIGHT),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            when,
        )
        if arrow.kind == "note":
            _paint_note(painter, arrow, xs, y)
            continue
        x0, x1 = xs[arrow.source], xs[arrow.target]
        colour = _COLOURS.get(arrow.kind) or (_TOWARD_UPSTREAM if x1 > x0 else _TOWARD_CLIENT)
        y0, y1 = y + ROW_HEIGHT - 10, y + ROW_HEIGHT - 5
        painter.setPen(QPen(colour, 1.6))
        painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))
        head = -8 if x1 > x0 else 8
        painter.setBrush(colour)
        painter.drawPolygon(
            QPolygonF([QPointF(x1, y1), QPointF(x1 + head, y1 - 4.5), QPointF(x1 + head, y1 + 3.5)])
        )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        left, span = min(x0, x1) + 6, abs(x1 - x0) - 12
        badge = MARK_WORDS.get(arrow.mark, "")
        if badge:
            _paint_badge(painter, badge, _MARK_COLOURS[arrow.mark], left, y + 2)
            badge_width = metrics.horizontalAdvance(badge) + 12
            left, span = left + badge_width, span - badge_width
        label = metrics.elidedText(arrow.text, Qt.TextElideMode.ElideRight, int(max(span, 20)))
        painter.setPen(QPen(colour))
        painter.drawText(
            QRectF(left, y, max(span, 20), ROW_HEIGHT - 10),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
            label,
        )


def _paint_note(painter: QPainter, arrow: RelayArrow, xs: tuple[float, ...], y: float) -> None:
    """A note on one lifeline (the relay's doings), or across all three (how it ended)."""
    metrics = painter.fontMetrics()
    if arrow.source == arrow.target:
        width = min(metrics.horizontalAdvance(arrow.text) + 16, (xs[2] - xs[0]) * 0.8)
        box = QRectF(xs[arrow.source] - width / 2, y + 5, width, ROW_HEIGHT - 10)
    else:
        box = QRectF(xs[0] + 8, y + 5, xs[2] - xs[0] - 16, ROW_HEIGHT - 10)
    colour = _MARK_COLOURS.get(arrow.mark, QColor("#555555"))
    painter.fillRect(box, QColor("#fff8d6"))
    painter.setPen(QPen(colour))
    painter.drawRect(box)
    text = metrics.elidedText(arrow.text, Qt.TextElideMode.ElideRight, int(box.width() - 8))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _paint_badge(painter: QPainter, text: str, colour: QColor, left: float, top: float) -> None:
    metrics = painter.fontMetrics()
    box = QRectF(left, top, metrics.horizontalAdvance(text) + 8, ROW_HEIGHT - 14)
    painter.fillRect(box, colour)
    painter.setPen(QPen(QColor("#ffffff")))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def paint_titles(painter: QPainter, titles: tuple[str, str, str], width: int) -> None:
    painter.fillRect(QRectF(0, 0, width, HEADER_HEIGHT), QColor("#f4f4f4"))
    painter.setPen(QPen(QColor("#333333")))
    bold = QFont(painter.font())
    bold.setBold(True)
    painter.setFont(bold)
    painter.drawText(
        QRectF(4, 0, TIME_WIDTH - 8, HEADER_HEIGHT), Qt.AlignmentFlag.AlignCenter, "time"
    )
    metrics = painter.fontMetrics()
    xs = lane_xs(width)
    # Each box centred on its lifeline, never reaching a neighbour's or past an edge.
    rooms = (
        min(xs[1] - xs[0] - 12, 2 * (xs[0] - TIME_WIDTH) - 4),
        xs[1] - xs[0] - 12,
        min(xs[2] - xs[1] - 12, 2 * (width - xs[2]) - 8),
    )
    for x, title, room in zip(xs, titles, rooms, strict=True):
        shown = metrics.elidedText(title, Qt.TextElideMode.ElideMiddle, int(room) - 20)
        box_width = metrics.horizontalAdvance(shown) + 20
        left = x - box_width / 2
        box = QRectF(left, 4, box_width, HEADER_HEIGHT - 8)
        painter.setBrush(QColor("#ffffff"))
        painter.drawRoundedRect(box, 4, 4)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, shown)
    painter.setBrush(Qt.BrushStyle.NoBrush)


class _Diagram(RowDiagram[RelayConversation]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(paint_lanes, paint_titles, ROW_HEIGHT, HEADER_HEIGHT, parent)
        self.setObjectName("relayConversationDiagram")


class RelayConversationView(QWidget):
    """``RelayConversationView(empty_text, service)``; ``show_conversation(conversation or
    None)``; ``export_svg(path)`` / ``export_png(path)`` (its Export buttons' work)."""

    def __init__(
        self, empty_text: str, service: WorkbenchService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("relayConversation")
        self.diagram = _Diagram()
        self.empty = QLabel(empty_text)
        self.empty.setObjectName("emptyHint")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        # Never widens the page: 1024 px with the settings shown must fit.
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.exports = ExportButtons(
            self.diagram, lambda text: service.engine.report("Relay conversation", text)
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.diagram)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.exports)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.show_conversation(None)

    @property
    def conversation(self) -> RelayConversation | None:
        return self.diagram.conversation

    def show_conversation(self, conversation: RelayConversation | None) -> None:
        self.diagram.conversation = conversation
        self.stack.setCurrentWidget(self.empty if conversation is None else self.diagram)
        self.refresh()

    def export_svg(self, path: str) -> bool:
        return export_svg(self.diagram, path)

    def export_png(self, path: str) -> bool:
        return export_png(self.diagram, path)

    def refresh(self) -> None:
        conversation = self.diagram.conversation
        self.exports.refresh()
        if conversation is None:
            self.summary.setText("")
            return
        self.diagram.refresh()
        dropped = conversation.first_index
        text = f"{len(conversation.rows):,} rows, time downwards; marks: " + ", ".join(
            f"{word} {meaning}"
            for word, meaning in (
                ("HELD", "held, then forwarded"),
                ("EDITED", "held and edited"),
                ("RULE", "changed by a rule"),
            )
        )
        self.summary.setText(text + (f" ({dropped:,} oldest no longer kept)" if dropped else ""))

    def showEvent(self, event: Any) -> None:  # Qt override
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: Any) -> None:  # Qt override
        super().hideEvent(event)
        self.timer.stop()
