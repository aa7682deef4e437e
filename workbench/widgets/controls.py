"""Small builders the widgets repeat: an action with its shortcut in the tooltip, a text
tool button, and the table setup shared by the logs, the frames and the socket list
(including column widths that follow the font, so a zoomed window does not cut them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QTableView, QToolButton

__all__ = ["CLEAR_TIP", "fit_to_font", "make_action", "row_table", "tool_button"]

#: The tooltip of a log's or a frames view's Clear button.
CLEAR_TIP = "Empty this view (the totals keep counting)"


def make_action(
    parent: QObject,
    text: str,
    slot: Callable[..., Any],
    keys: str | QKeySequence.StandardKey | None = None,
    tip: str = "",
) -> QAction:
    """An action calling ``slot``; its tooltip is ``tip`` (default ``text``) followed by the
    shortcut, e.g. ``Save workspace (Ctrl+S)``."""
    action = QAction(text, parent)
    if keys is not None:
        action.setShortcut(QKeySequence(keys))
    action.setToolTip(f"{tip or text} ({QKeySequence(keys).toString()})" if keys else (tip or text))
    action.triggered.connect(slot)
    return action


def tool_button(text: str, tip: str, name: str = "") -> QToolButton:
    """A tool button showing ``text``, with the tooltip ``tip`` and object name ``name``."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    if name:
        button.setObjectName(name)
    return button


def row_table(table: QTableView) -> QTableView:
    """Set ``table`` up to select one whole row at a time, one line of text per row (see
    ``fit_to_font`` for the rows' height), without row numbers; returns it."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    return table


#: Room around a cell's text (its margins) and beside a header's title.
CELL_PADDING = 10
TITLE_PADDING = 12


class _FontFit(QObject):
    """Refits its table (the parent it lives with) whenever the table's font or style
    changes: the window was zoomed, or high contrast switched."""

    def __init__(self, table: QTableView, samples: Mapping[int, str], row_padding: int) -> None:
        super().__init__(table)
        self._table = table
        self._samples = dict(samples)
        self._row_padding = row_padding
        table.installEventFilter(self)
        self.fit()

    def fit(self) -> None:
        table = self._table
        cells, header = table.fontMetrics(), table.horizontalHeader()
        table.verticalHeader().setDefaultSectionSize(cells.height() + self._row_padding)
        titles, model = header.fontMetrics(), table.model()
        for column, sample in self._samples.items():
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(
                cells.horizontalAdvance(sample) + CELL_PADDING,
                titles.horizontalAdvance(title) + TITLE_PADDING + CELL_PADDING,
            )
            header.resizeSection(column, width)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()
        return False


def fit_to_font(table: QTableView, samples: Mapping[int, str], row_padding: int) -> None:
    """Rows one line of ``table``'s font high plus ``row_padding`` px, and each column in
    ``samples`` as wide as its sample text (or its header title, if wider), now and after
    every font or style change. Pixel sizes fixed in the code cut the text once the window
    is zoomed (the log's times read "07:10:5…" at 125 %). Call it once the model is set."""
    _FontFit(table, samples, row_padding)
