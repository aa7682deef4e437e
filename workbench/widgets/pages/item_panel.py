"""The frame shared by the Servers and Clients panels: a list of items on the left with
New/Remove buttons, the selected item's page on the right, and a helpful empty state."""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.qt.plain_text import plain_tooltip
from workbench.qt.roles import ITEM_ID_ROLE
from workbench.widgets.common.flow_row import FlowRow


def first_free_name(prefix: str, handles: Collection[Any]) -> str:
    """``"<prefix> n"`` for a new item: n counts on from the number of ``handles`` to the
    first name none of them has."""
    number = len(handles) + 1
    names = {handle.name for handle in handles}
    while f"{prefix} {number}" in names:
        number += 1
    return f"{prefix} {number}"


def confirm_removal(parent: QWidget, name: str, consequence: str) -> bool:
    """Ask before removing an item with a live connection: "Remove <name>?", saying what it
    cuts; True if the person chose Remove. The box is the parent's child ``confirmRemoval``
    (a test finds it there and presses a button)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        f"Remove {name}?",
        f"{consequence}\n\nRemove {name} anyway?",
        QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("confirmRemoval")
    box.setTextFormat(Qt.TextFormat.PlainText)  # names and URLs are the user's text
    remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    box.deleteLater()
    return box.clickedButton() is remove


class EmptyState(QWidget):
    """A centred explanation with the buttons that get a person started."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = QLabel(title)
        self.title.setObjectName("welcomeTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Broken into lines here: a word-wrapped label in a centred layout is sometimes laid
        # out one line short while its page is hidden, and then shows clipped text.
        self.text = QLabel("\n".join(textwrap.wrap(text, 74)))
        self.text.setObjectName("welcomeText")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addSpacing(8)
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addLayout(self.buttons)
        layout.addStretch(3)

    def add_button(self, text: str, primary: bool = False) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName("primaryButton" if primary else "welcomeButton")
        self.buttons.insertWidget(self.buttons.count(), button)
        return button

    def finish(self) -> None:
        self.buttons.addStretch(1)


P = TypeVar("P", bound=QWidget)


class ItemPanel(QWidget, Generic[P]):
    """List + pages of type ``P``. Subclasses add pages with ``add_page(item_id, label, page)``."""

    def __init__(self, noun: str, empty: EmptyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.noun = noun
        self.pages: dict[str, P] = {}
        self._page_states: dict[str, QByteArray] = {}
        self.list = QListWidget()
        self.list.setObjectName("itemList")
        self.list.setAccessibleName(f"{noun.capitalize()}s")
        self.new_button = QPushButton(f"New {noun}")
        self.new_button.setObjectName(f"new_{noun}_button")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip(f"Close and forget the selected {noun}")
        self.remove_button.setEnabled(False)
        heading = QLabel(f"{noun.capitalize()}s")
        heading.setObjectName("pageTitle")
        # Side by side while they fit; at 125 % in a 1024 px window "Remove" goes under.
        buttons = FlowRow([(self.new_button, True), (self.remove_button, False)])
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 6, 0, 6)
        side_layout.addWidget(heading)
        side_layout.addWidget(self.list, 1)
        side_layout.addWidget(buttons)
        side.setMinimumWidth(150)

        self.empty = empty
        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(side)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 1090])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.list.currentItemChanged.connect(self._current_item_changed)

    #: The splitters inside a page whose positions the window keeps (see ``widgets.window.layout``).
    PAGE_SPLITTERS = ("body", "right", "top")

    def page_splitter_states(self) -> dict[str, QByteArray]:
        """The current page's splitter positions (the ones last given, with no page). The
        settings | work area split is kept only while the settings show, sockets | Send
        only while side by side."""
        page: Any = self.pages.get(self.current_id())
        if page is None:
            return dict(self._page_states)
        states = dict(self._page_states)
        for name in self.PAGE_SPLITTERS:
            splitter = getattr(page, name, None)
            if not isinstance(splitter, QSplitter) or not splitter.isVisible():
                continue
            if name == "body" and not page.settings_toggle.isChecked():
                continue
            if name == "top" and page.top_on_tabs:  # one part shows: its sizes say nothing
                continue
            states[name] = splitter.saveState()
        return states

    def set_page_splitter_states(self, states: dict[str, QByteArray]) -> None:
        """Give every page (and the pages made later) these splitter positions."""
        self._page_states = dict(states)
        for page in self.pages.values():
            self._restore_splitters(page)

    def _restore_splitters(self, page: QWidget) -> None:
        for name, state in self._page_states.items():
            splitter = getattr(page, name, None)
            if isinstance(splitter, QSplitter):
                splitter.restoreState(state)

    def add_page(self, item_id: str, label: str, page: P) -> None:
        self.pages[item_id] = page
        self._restore_splitters(page)
        self.stack.addWidget(page)
        item = QListWidgetItem(label)
        item.setData(ITEM_ID_ROLE, item_id)
        self.list.addItem(item)
        self.list.setCurrentItem(item)

    def remove_page(self, item_id: str) -> None:
        page = self.pages.pop(item_id, None)
        item = self._item(item_id)
        if item is not None:
            self.list.takeItem(self.list.row(item))
        if page is not None:
            self.stack.removeWidget(page)
            page.deleteLater()
        if not self.pages:
            self.stack.setCurrentWidget(self.empty)
            self.remove_button.setEnabled(False)

    def set_label(self, item_id: str, label: str, tooltip: str = "") -> None:
        item = self._item(item_id)
        if item is not None:
            item.setText(label)
            item.setToolTip(plain_tooltip(tooltip or label))

    def select(self, item_id: str) -> None:
        """Show ``item_id``'s page (as a click on it in the list would)."""
        item = self._item(item_id)
        if item is not None:
            self.list.setCurrentItem(item)

    def current_id(self) -> str:
        item = self.list.currentItem()
        return str(item.data(ITEM_ID_ROLE)) if item is not None else ""

    def _item(self, item_id: str) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ITEM_ID_ROLE) == item_id:
                return item
        return None

    def _current_item_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        item_id = current.data(ITEM_ID_ROLE) if current is not None else ""
        page = self.pages.get(item_id)
        self.stack.setCurrentWidget(page if page is not None else self.empty)
        self.remove_button.setEnabled(page is not None)
