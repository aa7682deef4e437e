"""Drawing a conversation (``workbench.engine.protocol.conversation``) as a sequence diagram.

One row per arrow, ``ROW_HEIGHT`` pixels, time downwards: the time since the client's
request in the left column, a client lane and a server-socket lane (vertical lifelines) and
each arrow from the sender's lane to the receiver's, its label above it. ``paint_rows`` draws
any slice of rows at any height, so the view paints only the visible rows and the SVG and
PNG exports (``widgets.common.diagram_export``) draw them all with the same code.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF

from workbench.engine.protocol.conversation import CLIENT_TO_SERVER, Arrow

__all__ = ["HEADER_HEIGHT", "ROW_HEIGHT", "paint_header", "paint_rows"]

ROW_HEIGHT = 30
HEADER_HEIGHT = 34
TIME_WIDTH = 84

_COLOURS = {
    "request": QColor("#7b3fa0"),
    "response": QColor("#7b3fa0"),
    "ping": QColor("#c77700"),
    "pong": QColor("#c77700"),
    "close": QColor("#c0392b"),
    "note": QColor("#555555"),
}
_DATA_COLOURS = {CLIENT_TO_SERVER: QColor("#1f5fbf"), "s2c": QColor("#1e8449")}
_LIFELINE = QColor("#b0b0b0")


def lanes(width: int) -> tuple[float, float]:
    """The x of the client lane and of the server-socket lane for a diagram ``width`` wide."""
    room = max(width - TIME_WIDTH, 200)
    return TIME_WIDTH + room * 0.12, TIME_WIDTH + room * 0.88


def _time_text(seconds: float) -> str:
    return f"+{seconds * 1000:,.1f} ms" if seconds < 10 else f"+{seconds:,.2f} s"


def paint_header(painter: QPainter, titles: tuple[str, str], width: int, top: float = 0) -> None:
    """The lane titles in boxes over their lanes, and "time" over the time column."""
    painter.fillRect(QRectF(0, top, width, HEADER_HEIGHT), QColor("#f4f4f4"))
    painter.setPen(QPen(QColor("#333333")))
    bold = QFont(painter.font())
    bold.setBold(True)
    painter.setFont(bold)
    painter.drawText(
        QRectF(4, top, TIME_WIDTH - 8, HEADER_HEIGHT), Qt.AlignmentFlag.AlignCenter, "time"
    )
    metrics = painter.fontMetrics()
    for x, title in zip(lanes(width), titles, strict=True):
        box_width = metrics.horizontalAdvance(title) + 24
        left = min(max(x - box_width / 2, TIME_WIDTH), width - box_width - 4)
        box = QRectF(left, top + 4, box_width, HEADER_HEIGHT - 8)
        painter.setBrush(QColor("#ffffff"))
        painter.drawRoundedRect(box, 4, 4)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, title)
    bold.setBold(False)
    painter.setFont(bold)
    painter.setBrush(Qt.BrushStyle.NoBrush)


def paint_rows(
    painter: QPainter,
    rows: Sequence[Arrow],
    start: float,
    width: int,
    top: float,
    height: float,
) -> None:
    """Draw ``rows`` from y ``top`` down (``ROW_HEIGHT`` each), lifelines over ``height``."""
    client_x, server_x = lanes(width)
    painter.setPen(QPen(_LIFELINE, 1, Qt.PenStyle.DashLine))
    painter.drawLine(QPointF(client_x, top), QPointF(client_x, top + height))
    painter.drawLine(QPointF(server_x, top), QPointF(server_x, top + height))
    metrics = painter.fontMetrics()
    span = server_x - client_x - 16
    for n, arrow in enumerate(rows):
        y = top + n * ROW_HEIGHT
        painter.setPen(QPen(QColor("#666666")))
        painter.drawText(
            QRectF(2, y, TIME_WIDTH - 8, ROW_HEIGHT),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            _time_text(max(arrow.time - start, 0.0)),
        )
        label = metrics.elidedText(arrow.label(), Qt.TextElideMode.ElideRight, int(span))
        if arrow.direction is None:  # a note across both lanes
            painter.setPen(QPen(_COLOURS["note"]))
            box = QRectF(client_x + 8, y + 5, server_x - client_x - 16, ROW_HEIGHT - 10)
            painter.fillRect(box, QColor("#fff8d6"))
            painter.drawRect(box)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
            continue
        colour = _COLOURS.get(arrow.kind) or _DATA_COLOURS[arrow.direction]
        forward = arrow.direction == CLIENT_TO_SERVER
        x0, x1 = (client_x, server_x) if forward else (server_x, client_x)
        y0, y1 = y + ROW_HEIGHT - 10, y + ROW_HEIGHT - 4  # a little down: it takes time
        pen = QPen(colour, 1.6)
        if arrow.received_at is None:
            pen.setStyle(Qt.PenStyle.DotLine)  # the other end has not reported it
        painter.setPen(pen)
        painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))
        head = -8 if forward else 8
        painter.setBrush(colour)
        painter.drawPolygon(
            QPolygonF([QPointF(x1, y1), QPointF(x1 + head, y1 - 4.5), QPointF(x1 + head, y1 + 3.5)])
        )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawText(
            QRectF(client_x + 8, y, span, ROW_HEIGHT - 10),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
            label,
        )
