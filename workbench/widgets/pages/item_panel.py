"""The frame shared by the Servers and Clients panels: a list of items on the left with
New/Remove buttons, the selected item's page on the right, and a helpful empty state.

Pages are built when first needed, not when their item is added: a page is some 400 widgets
(about a quarter of a second with the style sheet), so a workspace of 200 clients, or
"Open many clients…", built them all in one go and froze the window for a minute. An item
gets its list row at once; its page is built on the next turn of the loop if it is still the
one to show then, or when ``page(item_id)`` asks for it. Items added in a burst (many in one
turn) leave the selection where it was, so opening 200 clients builds no page at all."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Collection
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    """List + pages of type ``P``. Subclasses add items with ``add_page(item_id, label,
    make_page)``; ``page(item_id)`` gives an item's page, built on first use.

    ``pages``: the pages built so far, by item id. ``multi_select``: the list selects several
    items (Ctrl/Shift+click; ``selected_ids()``); the page shown is the current item's."""

    def __init__(
        self,
        noun: str,
        empty: EmptyState,
        parent: QWidget | None = None,
        multi_select: bool = False,
    ) -> None:
        super().__init__(parent)
        self.noun = noun
        self.pages: dict[str, P] = {}
        self._makers: dict[str, Callable[[], P]] = {}
        self._items: dict[str, QListWidgetItem] = {}
        self._page_states: dict[str, QByteArray] = {}
        self.list = QListWidget()
        self.list.setObjectName("itemList")
        self.list.setAccessibleName(f"{noun.capitalize()}s")
        # Every row is a name over a state: one size for all, so a change of state does not
        # measure the whole list again (hundreds of clients opening at once).
        self.list.setUniformItemSizes(True)
        if multi_select:
            self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.new_button = QPushButton(f"New {noun}")
        self.new_button.setObjectName(f"new_{noun}_button")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip(
            f"Close and forget the selected {noun}s (Ctrl+click or Shift+click selects several)"
            if multi_select
            else f"Close and forget the selected {noun}"
        )
        self.remove_button.setEnabled(False)
        heading = QLabel(f"{noun.capitalize()}s")
        heading.setObjectName("pageTitle")
        # Side by side while they fit; at 125 % in a 1024 px window "Remove" goes under.
        self.buttons = FlowRow(
            [(self.new_button, True), *self.extra_buttons(), (self.remove_button, False)]
        )
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 6, 0, 6)
        side_layout.addWidget(heading)
        side_layout.addWidget(self.list, 1)
        side_layout.addWidget(self.buttons)
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
        self._show_later = QTimer(self, singleShot=True, interval=0)
        self._show_later.timeout.connect(self._show_current)
        self._burst = QTimer(self, singleShot=True, interval=0)  # running: added this turn
        self._before_burst = ""
        self.list.currentItemChanged.connect(self._current_item_changed)
        self.list.itemSelectionChanged.connect(self._selection_changed)

    def extra_buttons(self) -> list[tuple[QWidget, bool]]:
        """Buttons a subclass puts between New and Remove (made before the panel's own
        widgets are laid out), as ``(button, grows)`` pairs."""
        return []

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

    def add_page(self, item_id: str, label: str, make_page: Callable[[], P]) -> None:
        """List ``item_id`` with ``label``; its page is ``make_page()``, called when the
        page is first needed. A new item is selected, unless it comes in a burst (several
        added in one turn of the loop: opening many clients, a workspace): the item selected
        before the burst stays selected, or the burst's first if there was none."""
        self._makers[item_id] = make_page
        item = QListWidgetItem(label)
        item.setData(ITEM_ID_ROLE, item_id)
        self._items[item_id] = item
        self.list.addItem(item)
        if not self._burst.isActive():  # the first addition in this turn
            self._before_burst = self.current_id()
            self._burst.start()
            self.list.setCurrentItem(item)
        elif self._before_burst in self._items:
            self.list.setCurrentItem(self._items[self._before_burst])

    def page(self, item_id: str) -> P:
        """``item_id``'s page, built now if it was not yet (KeyError for an unknown id)."""
        page = self.pages.get(item_id)
        if page is None:
            page = self._makers.pop(item_id)()
            self.pages[item_id] = page
            self._restore_splitters(page)
            self.stack.addWidget(page)
            if item_id == self.current_id():  # it was waiting for this page: show it now
                self.stack.setCurrentWidget(page)
        return page

    def has_item(self, item_id: str) -> bool:
        return item_id in self._items

    def remove_page(self, item_id: str) -> None:
        page = self.pages.pop(item_id, None)
        self._makers.pop(item_id, None)
        item = self._items.pop(item_id, None)
        if item is not None:
            self.list.takeItem(self.list.row(item))
        if page is not None:
            self.stack.removeWidget(page)
            page.deleteLater()
        if not self._items:
            self.stack.setCurrentWidget(self.empty)
            self.remove_button.setEnabled(False)

    def set_label(self, item_id: str, label: str, tooltip: str = "") -> None:
        item = self._items.get(item_id)
        if item is not None:
            item.setText(label)
            item.setToolTip(plain_tooltip(tooltip or label))

    def select(self, item_id: str) -> None:
        """Show ``item_id``'s page (as a click on it in the list would)."""
        item = self._items.get(item_id)
        if item is not None:
            self.list.setCurrentItem(item)
            self._show_current()

    def current_id(self) -> str:
        item = self.list.currentItem()
        return str(item.data(ITEM_ID_ROLE)) if item is not None else ""

    def selected_ids(self) -> list[str]:
        """The selected items' ids in list order (the current one if none is selected)."""
        rows = sorted(self.list.row(item) for item in self.list.selectedItems())
        ids = [str(self.list.item(row).data(ITEM_ID_ROLE)) for row in rows]
        current = self.current_id()
        return ids or ([current] if current else [])

    def _current_item_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        item_id = current.data(ITEM_ID_ROLE) if current is not None else ""
        page = self.pages.get(item_id)
        if page is not None or item_id not in self._makers:
            self.stack.setCurrentWidget(page if page is not None else self.empty)
        else:  # built on the next turn of the loop, if it is still the one to show then
            self._show_later.start()
        self.remove_button.setEnabled(item_id in self._items)

    def _show_current(self) -> None:
        item_id = self.current_id()
        if item_id in self._items:
            self.stack.setCurrentWidget(self.page(item_id))

    def _selection_changed(self) -> None:
        """For subclasses: the selection changed (buttons that act on it follow it)."""
