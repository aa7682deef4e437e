"""The page of one server or one client: what the two share.

A header (the settings toggle, the item's name, its status badge, the item's buttons), the
settings column with the option form on the left, and the item's own work area on the right
(two parts, one above the other). Renaming, applying the form and locking the settings while
the item runs work the same for both; a subclass says which engine methods hold its kind
of item (``handle``, ``_validate``, ``_update``, ``_rename_to``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.handles import ItemHandle
from workbench.qt.service import WorkbenchService

from .option_form import OptionForm
from .settings_column import SettingsColumn, SettingsToggle
from .status_badge import StatusBadge


class ItemPage(QWidget):
    """Subclasses build their widgets after ``__init__`` and finish with ``_lay_out``."""

    #: The hint above the form while the settings can be edited, and while they are locked.
    EDITABLE_HINT = ""
    LOCKED_HINT = ""

    def __init__(
        self,
        service: WorkbenchService,
        item_id: str,
        noun: str,
        form: OptionForm,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.engine = service.engine
        self.item_id = item_id
        self.name_edit = QLineEdit(self.handle.name)
        self.name_edit.setObjectName("nameEdit")
        self.name_edit.setToolTip(f"Name of this {noun} in the workspace")
        self.name_edit.setMaximumWidth(200)
        self.badge = StatusBadge()
        self.form = form
        self.form_hint = QLabel(self.EDITABLE_HINT)
        self.form_hint.setObjectName("hint")
        self.form_hint.setWordWrap(True)

    # -- what differs between servers and clients ------------------------------------------

    @property
    def handle(self) -> ItemHandle:
        """The engine's handle of this item."""
        raise NotImplementedError

    def _update(self, options: Mapping[str, Any]) -> bool:
        """Give the item new options; False if the service refused them."""
        raise NotImplementedError

    def _rename_to(self, name: str) -> None:
        raise NotImplementedError

    # -- what they share -------------------------------------------------------------------

    def _lay_out(
        self,
        header_extras: Sequence[QWidget],
        header_buttons: Sequence[QWidget],
        settings: SettingsColumn,
        top: QWidget,
        bottom: QWidget,
        right_sizes: Sequence[int] = (),
    ) -> None:
        """Put the page together: the header is the settings toggle, the name, then
        ``header_extras``, the badge (it takes the spare room) and ``header_buttons`` (in tab
        order after the name); ``settings`` on the left, ``top`` over ``bottom`` on the right.
        Fills the form from the item's options and connects the name edit."""
        header = QHBoxLayout()
        header.addWidget(self.name_edit)
        for widget in header_extras:
            header.addWidget(widget)
        header.addWidget(self.badge, 1)
        for button in header_buttons:
            header.addWidget(button)

        self.top = top
        self._split = top if isinstance(top, QSplitter) else None  # a ``top`` in parts
        # Where the parts of a split ``top`` do not fit side by side, a tab bar above it
        # shows one at a time. The parts never leave the splitter: the page can be resized
        # inside Qt's repolish of its children (the window was zoomed), and taking a part
        # out deletes a splitter handle that Qt still holds there, which crashed it.
        self.top_tabs = QTabBar()
        self.top_tabs.setObjectName("topTabs")
        self.top_tabs.setDocumentMode(True)
        self.top_tabs.setExpanding(False)
        self.top_tabs.hide()
        self._top_titles = [_part_title(part) for part in self._top_parts()]
        for title in self._top_titles:
            self.top_tabs.addTab(title)
        self.top_tabs.currentChanged.connect(self._show_top_part)
        self.top_area = QWidget()
        area = QVBoxLayout(self.top_area)
        area.setContentsMargins(0, 0, 0, 0)
        area.setSpacing(0)
        area.addWidget(self.top_tabs)
        area.addWidget(top, 1)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.top_area)
        self.right.addWidget(bottom)
        self.right.setStretchFactor(0, 2)
        self.right.setStretchFactor(1, 3)
        if right_sizes:
            self.right.setSizes(list(right_sizes))
        self.right.setChildrenCollapsible(False)
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.addWidget(settings)
        # Made once the column has a parent: the toggle shows or hides it at once.
        self.settings_toggle = SettingsToggle(settings)
        self.settings_toggle.toggled.connect(self._fit_top)
        self.right.installEventFilter(self)
        header.insertWidget(0, self.settings_toggle)
        self.body.addWidget(self.right)
        self.body.setStretchFactor(1, 1)
        self.body.setSizes([300, 800])
        self.body.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.body, 1)

        self.form.set_values(self.handle.options)
        self.name_edit.editingFinished.connect(self._rename)
        for before, after in pairwise([self.name_edit, *header_buttons]):
            self.setTabOrder(before, after)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if watched is self.right and event.type() == QEvent.Type.Resize:
            self._fit_top()  # on the right side's own resize: the page's comes before it
        return super().eventFilter(watched, event)

    @property
    def top_on_tabs(self) -> bool:
        """True while the parts of ``top`` show one at a time, under ``top_tabs``."""
        return not self.top_tabs.isHidden()

    def _fit_top(self, *_: Any) -> None:
        """Put the parts of a split ``top`` side by side where they fit beside the settings,
        else on tabs (one above the other would not fit 768 px in height). A side-by-side
        minimum that does not fit would make the window grow past a 1024 px screen and push
        its buttons off it, so this runs in the resize itself, before the window grows."""
        parts, split = self._top_parts(), self._split
        if split is None or len(parts) < 2:
            return
        needed = sum(part.minimumSizeHint().width() for part in parts)
        needed += split.handleWidth() * (len(parts) - 1) + 24
        narrow = self.settings_toggle.isChecked() and self.right.width() < needed
        if narrow and not self.top_on_tabs:
            for part in parts:
                if isinstance(part, QGroupBox):  # the tab says what it is
                    part.setTitle("")
            self.top_tabs.show()
            self._show_top_part(self.top_tabs.currentIndex())
        elif not narrow and self.top_on_tabs:
            self.top_tabs.hide()
            for part, title in zip(parts, self._top_titles, strict=True):
                part.show()
                if isinstance(part, QGroupBox):
                    part.setTitle(title)
            split.refresh()  # laid out now, as a tab widget would, not on the next turn

    def _show_top_part(self, index: int) -> None:
        if self.top_on_tabs and self._split is not None:
            for i, part in enumerate(self._top_parts()):
                part.setVisible(i == index)
            self._split.refresh()

    def _top_parts(self) -> list[QWidget]:
        """The parts of a split ``top`` (none if it is not split)."""
        split = self._split
        if split is None:
            return []
        return [part for i in range(split.count()) if (part := split.widget(i)) is not None]

    def _lock_settings(self, locked: bool, running: bool) -> None:
        """The form is read-only while the item is ``locked`` (busy); the settings column
        folds away when it starts ``running`` and stays as the person left it until it stops."""
        self.settings_toggle.follow(running or (locked and self.settings_toggle.running))
        self.form.setEnabled(not locked)
        self.form_hint.setText(self.LOCKED_HINT if locked else self.EDITABLE_HINT)

    def _show_name(self) -> None:
        """Follow a rename made elsewhere (leaving the edit alone if it already says so)."""
        name = self.handle.name
        if self.name_edit.text() != name:
            self.name_edit.setText(name)

    def _rename(self) -> None:
        name = self.name_edit.text().strip()
        if name and name != self.handle.name:
            self._rename_to(name)

    def apply_form(self) -> bool:
        """Give the form's values to the service; show core's complaint in the form if any."""
        problem = self.form.problem()
        if problem is not None:
            self.form.show_error(problem)
            self.engine.report(self.handle.name, problem)
            return False
        values = self.form.options()
        if values != self.handle.options:
            return self._update(values)
        return True

    def apply_valid_form(self) -> None:
        """Give the form's values to the service if they are valid and differ (before the
        workspace is saved); an invalid form is left for the person to fix."""
        if self.form.isEnabled() and self.form.problem() is None:
            values = self.form.options()
            if values != self.handle.options:
                self._update(values)


def _part_title(part: QWidget) -> str:
    """What a part of ``top`` is called on its tab: a group's title, or a tab widget's tabs
    (e.g. "Send / Fault lab")."""
    if isinstance(part, QTabWidget):
        return " / ".join(part.tabText(i) for i in range(part.count()))
    return part.title() if isinstance(part, QGroupBox) else ""
