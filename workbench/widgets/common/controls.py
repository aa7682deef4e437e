"""Small builders the widgets repeat: an action with its shortcut in the tooltip, a text
tool button, a widget's object name and tooltip in one call, and the table setup shared by the logs, the frames and the socket list
(including column widths that follow the font, so a zoomed window does not cut them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QTableView, QToolButton, QWidget

__all__ = [
    "CLEAR_TIP",
    "FitsTableToFont",
    "fit_columns",
    "make_action",
    "named",
    "row_table",
    "tool_button",
]

W = TypeVar("W", bound=QWidget)

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


def named(widget: W, name: str = "", tip: str = "") -> W:
    """``widget`` with the object name ``name`` (what the style sheet and the tests know it
    by) and the tooltip ``tip``, where given; returns it.

    PySide6 would take both as constructor keywords (``QLabel("x", objectName="hint")``), but
    its type stubs list only a class's own Qt properties there, not inherited ones such as
    these, so ``mypy --strict`` refuses them. A class's own properties (``wordWrap``,
    ``placeholderText``, ``documentMode``...) stay constructor keywords."""
    if name:
        widget.setObjectName(name)
    if tip:
        widget.setToolTip(tip)
    return widget


def tool_button(text: str, tip: str, name: str = "") -> QToolButton:
    """A tool button showing ``text``, with the tooltip ``tip`` and object name ``name``."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    if name:
        button.setObjectName(name)
    return button


def row_table(table: QTableView) -> QTableView:
    """Set ``table`` up to select one whole row at a time, one line of text per row (its
    height follows the font: ``FitsTableToFont``), without row numbers; returns it."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    return table


#: Room around a cell's text (its margins) and beside a header's title.
CELL_PADDING = 10
TITLE_PADDING = 12


class FitsTableToFont:
    """Mixin for a view (before its Qt base class) that shows ``self.table``: rows one line
    high plus ``ROW_PADDING`` px and the columns of ``COLUMN_SAMPLES`` as wide as their
    texts, refitted when the view's font or style changes (the window was zoomed). The view
    calls ``fit_table_to_font()`` once the table has its model."""

    COLUMN_SAMPLES: ClassVar[Mapping[int, str]] = {}
    ROW_PADDING: ClassVar[int] = 6
    table: QTableView

    def fit_table_to_font(self) -> None:
        metrics = self.table.fontMetrics()
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + self.ROW_PADDING)
        fit_columns(self.table, self.COLUMN_SAMPLES)

    def changeEvent(self, event: QEvent) -> None:  # Qt override: zoomed, or a new style
        super().changeEvent(event)  # type: ignore[misc]  # the view's Qt base class
        changed = event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange)
        if changed and hasattr(self, "table"):  # not while the constructor builds it
            self.fit_table_to_font()


def fit_columns(table: QTableView, samples: Mapping[int, str]) -> None:
    """Set each column in ``samples`` to the width of its sample text in the table's font
    (or of its header title, if wider), plus padding. Pixel widths fixed in the code cut the
    text once the window is zoomed; call it again when the font changes."""
    cells, titles = table.fontMetrics(), table.horizontalHeader().fontMetrics()
    model, header = table.model(), table.horizontalHeader()
    for column, sample in samples.items():
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = max(
            cells.horizontalAdvance(sample) + CELL_PADDING,
            titles.horizontalAdvance(title) + TITLE_PADDING + CELL_PADDING,
        )
        header.resizeSection(column, width)
