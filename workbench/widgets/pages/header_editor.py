"""The extra handshake headers of a client: a table of name, value and "Secret".

A secret header's value is drawn as dots and typed in a password field (a projector shows
the form to the whole class); the workspace keeps it in the system keyring, never in its
file, and a redacted export leaves it out (``workbench.engine.workspace.client_secrets``,
``workbench.engine.secret_names``). A header named like a credential (Authorization, Cookie,
``*-Key``, ``*-Token``) is marked secret when its name is typed; the person may unmark it or
mark any other. The last row is always empty, for the next header; rows without a name are
left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.secret_names import DEFAULT_SECRET_HEADERS, is_default_secret_header
from workbench.qt.roles import MARK_CHOSEN_ROLE

__all__ = ["MASK", "HeaderEditor"]

NAME, VALUE, SECRET = 0, 1, 2
#: What a secret value is drawn as.
MASK = "••••••••"
_CHOSEN = MARK_CHOSEN_ROLE
_Index = QModelIndex | QPersistentModelIndex


class _ValueDelegate(QStyledItemDelegate):
    """Draws a secret row's value as dots and edits it in a password field."""

    def __init__(self, table: QTableWidget) -> None:
        super().__init__(table)
        self._table = table

    def _secret(self, index: _Index) -> bool:
        item = self._table.item(index.row(), SECRET)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def initStyleOption(self, option: QStyleOptionViewItem, index: _Index) -> None:  # Qt override
        super().initStyleOption(option, index)
        if self._secret(index) and option.text:
            option.text = MASK

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: _Index
    ) -> QWidget:  # Qt override
        editor = QLineEdit(parent)
        if self._secret(index):
            editor.setEchoMode(QLineEdit.EchoMode.Password)
        return editor

    def setEditorData(self, editor: QWidget, index: _Index) -> None:  # Qt override
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(
        self, editor: QWidget, model: QAbstractItemModel, index: _Index
    ) -> None:  # Qt override
        if isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class HeaderEditor(QWidget):
    """``HeaderEditor(parent=None)``; ``changed()`` after every edit.

    ``headers()`` gives ``[(name, value), ...]`` or None, ``secret_names()`` the names of
    the rows marked secret; ``set_headers(headers, secret_names)`` fills it (``None`` for
    the names: the default marks)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("headerTable")
        self.table.setHorizontalHeaderLabels(["Header", "Value", "Secret"])
        self.table.verticalHeader().hide()
        self.table.setItemDelegateForColumn(VALUE, _ValueDelegate(self.table))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, as in the rest of the form
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SECRET, QHeaderView.ResizeMode.ResizeToContents)
        header.setToolTip(
            "Secret: the value is kept in the system keyring, not in the workspace file, "
            "drawn as dots and left out of exported logs. Marked at once for "
            + ", ".join(DEFAULT_SECRET_HEADERS)
        )
        rows = self.table.verticalHeader().defaultSectionSize()
        self.table.setFixedHeight(header.sizeHint().height() + 3 * rows + 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self.setFocusProxy(self.table)
        self._filling = False
        self.table.itemChanged.connect(self._item_changed)
        self.set_headers(None)

    # -- values -----------------------------------------------------------------------------

    def headers(self) -> list[tuple[str, str]] | None:
        """The named rows as (name, value) pairs, None when there are none."""
        pairs = [(name, value) for name, value, _secret in self._rows()]
        return pairs or None

    def secret_names(self) -> list[str]:
        """The names of the rows marked secret, in order."""
        return [name for name, _value, secret in self._rows() if secret]

    def is_secret(self, row: int) -> bool:
        item = self.table.item(row, SECRET)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def set_headers(self, headers: Any, secret_names: Iterable[str] | None = None) -> None:
        """Show ``headers`` (pairs or a mapping); rows named in ``secret_names`` are marked
        secret (None: those named like credentials)."""
        pairs: Iterable[Any] = headers.items() if isinstance(headers, Mapping) else headers or []
        marked = None if secret_names is None else {n.strip().lower() for n in secret_names}
        self._filling = True
        try:
            self.table.setRowCount(0)
            for name, value in pairs:
                secret = (
                    is_default_secret_header(str(name))
                    if marked is None
                    else str(name).strip().lower() in marked
                )
                self._add_row(str(name), str(value), secret, chosen=marked is not None)
            self._add_row("", "", False, chosen=False)
        finally:
            self._filling = False

    # -- rows -------------------------------------------------------------------------------

    def _rows(self) -> list[tuple[str, str, bool]]:
        rows = []
        for row in range(self.table.rowCount()):
            name = self._text(row, NAME).strip()
            if name:
                rows.append((name, self._text(row, VALUE).strip(), self.is_secret(row)))
        return rows

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _add_row(self, name: str, value: str, secret: bool, chosen: bool) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, NAME, QTableWidgetItem(name))
        self.table.setItem(row, VALUE, QTableWidgetItem(value))
        mark = QTableWidgetItem()
        mark.setFlags(
            Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
        )
        mark.setCheckState(Qt.CheckState.Checked if secret else Qt.CheckState.Unchecked)
        mark.setData(_CHOSEN, chosen)
        mark.setToolTip("Keep this value secret")
        self.table.setItem(row, SECRET, mark)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        self._filling = True
        try:
            row, column = item.row(), item.column()
            mark = self.table.item(row, SECRET)
            if column == SECRET:
                item.setData(_CHOSEN, True)
                value = self.table.item(row, VALUE)
                if value is not None:  # redraw the value masked or plain
                    self.table.update(self.table.indexFromItem(value))
            elif column == NAME and mark is not None and not mark.data(_CHOSEN):
                default = is_default_secret_header(item.text())
                mark.setCheckState(Qt.CheckState.Checked if default else Qt.CheckState.Unchecked)
            if row == self.table.rowCount() - 1 and self._text(row, NAME).strip():
                self._add_row("", "", False, chosen=False)  # room for the next one
        finally:
            self._filling = False
        self.changed.emit()
