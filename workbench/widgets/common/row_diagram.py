"""A diagram of rows in a scroll area, painting only the rows in view, with its titles fixed
above them: the two-lane conversation (``widgets.protocol.conversation_view``) and the relay's
three lifelines (``widgets.relay.conversation_view``) are this with their own painters, which
also draw their exports (``widgets.common.diagram_export``).

Opening and scrolling cost the same for ten rows or fifty thousand; while it is scrolled to
the end it follows new rows (``refresh``); Home and End jump to the first and last rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

__all__ = ["Drawn", "RowDiagram", "RowPainter", "TitlePainter"]

#: ``paint(painter, rows, start, width, top, height)``: ``rows`` from ``top`` down, one row
#: height each, times counted from ``start``, the lifelines over ``height``.
RowPainter = Callable[[QPainter, list[Any], float, int, float, float], None]
#: ``paint(painter, titles, width)``: the titles bar, ``header_height`` high.
TitlePainter = Callable[[QPainter, Any, int], None]


class Drawn(Protocol):
    """What a diagram draws: its rows, the time they count from, and its titles."""

    @property
    def rows(self) -> Sequence[Any]: ...

    @property
    def start(self) -> float: ...

    def title(self) -> Any: ...


DrawnT = TypeVar("DrawnT", bound=Drawn)


class RowDiagram(QAbstractScrollArea, Generic[DrawnT]):
    """The diagram of ``conversation`` (anything with ``rows``, ``start`` and ``title()``;
    None: nothing drawn), painted by ``paint_rows`` under titles painted by ``paint_titles``."""

    def __init__(
        self,
        paint_rows: RowPainter,
        paint_titles: TitlePainter,
        row_height: int,
        header_height: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.conversation: DrawnT | None = None
        self.paint_rows, self.paint_titles = paint_rows, paint_titles
        self.row_height, self.header_height = row_height, header_height
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setViewportMargins(0, header_height, 0, 0)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verticalScrollBar().setSingleStep(row_height)
        self.viewport().setAutoFillBackground(True)
        self.viewport().setStyleSheet("background: white;")
        self.titles = _Titles(self)

    def set_conversation(self, conversation: DrawnT | None) -> None:
        self.conversation = conversation
        self.refresh()

    def refresh(self) -> None:
        """Take the rows' count; keep following the end if it was scrolled there."""
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum()
        rows = 0 if self.conversation is None else len(self.conversation.rows)
        bar.setPageStep(max(self.viewport().height(), self.row_height))
        bar.setRange(0, max(rows * self.row_height - self.viewport().height() + 8, 0))
        if at_end:
            bar.setValue(bar.maximum())
        self.viewport().update()
        self.titles.update()

    def visible_rows(self) -> range:
        """The indexes (into ``conversation.rows``) of the rows in view."""
        if self.conversation is None:
            return range(0)
        first = self.verticalScrollBar().value() // self.row_height
        last = first + self.viewport().height() // self.row_height + 2
        return range(first, min(last, len(self.conversation.rows)))

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        conversation = self.conversation
        if conversation is None:
            return
        visible = self.visible_rows()
        rows = conversation.rows
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = visible.start * self.row_height - self.verticalScrollBar().value()
        self.paint_rows(
            painter,
            [rows[i] for i in visible],
            conversation.start,
            self.viewport().width(),
            top,
            self.viewport().height() - top,
        )
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt override
        super().resizeEvent(event)
        rect = self.viewport().geometry()
        self.titles.setGeometry(
            rect.x(), rect.y() - self.header_height, rect.width(), self.header_height
        )
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        bar = self.verticalScrollBar()
        if event.key() == Qt.Key.Key_Home:
            bar.setValue(0)
        elif event.key() == Qt.Key.Key_End:
            bar.setValue(bar.maximum())
        else:
            super().keyPressEvent(event)


class _Titles(QWidget):
    """The titles above the diagram's viewport (they stay while the rows scroll)."""

    def __init__(self, diagram: RowDiagram[Any]) -> None:
        super().__init__(diagram)
        self._diagram = diagram

    def paintEvent(self, _event: QPaintEvent) -> None:  # Qt override
        conversation = self._diagram.conversation
        if conversation is None:
            return
        painter = QPainter(self)
        self._diagram.paint_titles(painter, conversation.title(), self.width())
        painter.end()
