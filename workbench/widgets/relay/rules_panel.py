"""The rules of a relay: a table of them, in the order they apply, and a form to add one —
match text (a /regex/ or the exact text) or a JSON subset, per direction; replace by regex, set
a JSON path, drop or delay. Saved with the relay; a running relay applies a change to the next
message (``engine.relay.rule_specs``, ``RelayController.set_rules``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.relay.rule_specs import (
    ACTIONS,
    DIRECTION_CHOICES,
    MATCHES,
    RuleSpecError,
    rule_spec,
    spec_words,
)
from workbench.qt.plain_text import plain_tooltip
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named
from workbench.widgets.common.flow_row import FlowRow
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.wheel_guard import GuardedComboBox

__all__ = ["RulesPanel"]

_HEADINGS = ("Name", "Direction", "Match", "Do")
_FIRST_HINTS = {
    "replace": "regex, e.g. token=\\w+",
    "set": "JSON path, e.g. $.amount",
    "drop": "",
    "delay": "milliseconds, e.g. 500",
}
_SECOND_HINTS = {"replace": "replacement, e.g. token=***", "set": 'JSON value, e.g. 0 or "x"'}


def _combo(name: str, choices: tuple[tuple[str, str], ...]) -> GuardedComboBox:
    combo = named(GuardedComboBox(), name)
    for value, words in choices:
        combo.addItem(words, value)
    return combo


class RulesPanel(QWidget):
    """``RulesPanel(service, relay_id)``: the table (``table``) and the form to add a rule."""

    def __init__(
        self, service: WorkbenchService, relay_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rulesPanel")
        self.relays = service.relays.engine
        self.relay_id = relay_id
        self.table = named(QTableWidget(0, len(_HEADINGS)), "rulesTable")
        self.table.setHorizontalHeaderLabels(list(_HEADINGS))
        self.table.verticalHeader().hide()
        self.table.setMinimumWidth(120)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.name = named(QLineEdit(placeholderText="name (optional)"), "ruleName")
        self.direction = _combo("ruleDirection", DIRECTION_CHOICES)
        self.match = _combo("ruleMatch", MATCHES)
        self.match_value = named(QLineEdit(), "ruleMatchValue")
        self.action = _combo("ruleAction", ACTIONS)
        self.first = named(QLineEdit(), "ruleFirst")
        self.second = named(QLineEdit(), "ruleSecond")
        self.add_button = named(QPushButton("Add rule"), tip="Add this rule after the others")
        self.remove_button = named(QPushButton("Remove"), tip="Remove the selected rule")
        for button in (self.add_button, self.remove_button):
            button.setAutoDefault(False)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("When:", FlowRow([(self.direction, True), (self.match, True)]))
        form.addRow("", self.match_value)
        form.addRow("Do:", FlowRow([(self.action, False), (self.first, True), (self.second, True)]))
        buttons = FlowRow(
            [(self.name, True), (self.add_button, False), (self.remove_button, False)]
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.match.currentIndexChanged.connect(self._fields_follow)
        self.action.currentIndexChanged.connect(self._fields_follow)
        self.add_button.clicked.connect(self.add_rule)
        self.remove_button.clicked.connect(self.remove_selected)
        self.second.returnPressed.connect(self.add_rule)
        self.first.returnPressed.connect(self.add_rule)
        self.table.itemSelectionChanged.connect(self._fields_follow)
        service.relays.relay_changed.connect(self._relay_changed)
        self._fields_follow()
        self.refresh()

    def specs(self) -> list[dict[str, Any]]:
        return list(self.relays.relay(self.relay_id).config.rules)

    def add_rule(self) -> bool:
        """Add the rule the form describes; False (said on the status bar) if it is wrong."""
        try:
            spec = rule_spec(
                self.name.text(),
                str(self.direction.currentData()),
                str(self.match.currentData()),
                self.match_value.text(),
                str(self.action.currentData()),
                self.first.text(),
                self.second.text(),
            )
        except RuleSpecError as exc:
            notifier().error(str(exc), "Rule not added")
            return False
        if not self.relays.set_rules(self.relay_id, [*self.specs(), spec]):
            return False
        for edit in (self.name, self.match_value, self.first, self.second):
            edit.clear()
        return True

    def remove_selected(self) -> bool:
        row = self.table.currentRow()
        specs = self.specs()
        if not 0 <= row < len(specs):
            return False
        del specs[row]
        return self.relays.set_rules(self.relay_id, specs)

    def _relay_changed(self, relay_id: str) -> None:
        if relay_id == self.relay_id:
            self.refresh()

    def refresh(self) -> None:
        if self.relay_id not in self.relays.relays:
            return
        specs = self.specs()
        self.table.setRowCount(len(specs))
        for row, spec in enumerate(specs):
            for column, text in enumerate(spec_words(spec)):
                item = QTableWidgetItem(text or f"rule {row + 1}")
                item.setToolTip(plain_tooltip(text))
                self.table.setItem(row, column, item)
        self._fields_follow()

    def _fields_follow(self, *_: Any) -> None:
        match, action = self.match.currentData(), self.action.currentData()
        self.match_value.setEnabled(match != "any")
        self.match_value.setPlaceholderText(
            {"text": "/regex/ or exact text", "json": 'e.g. {"type": "price"}'}.get(match, "")
        )
        self.first.setEnabled(action != "drop")
        self.first.setPlaceholderText(_FIRST_HINTS.get(action, ""))
        self.second.setVisible(action in _SECOND_HINTS)
        self.second.setPlaceholderText(_SECOND_HINTS.get(action, ""))
        self.remove_button.setEnabled(self.table.currentRow() >= 0)
