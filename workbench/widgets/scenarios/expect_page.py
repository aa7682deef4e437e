"""The form of an ``expect`` (and ``expect_none``) step: a matcher and its value, the MIME type
the message must arrive as, ``strict`` and ``save`` (``expect`` only).

A JSON matcher (equals, match, schema) is typed in the composer's JSON editor, checked as it
is typed; text and bytes in a line; the type is picked from core's receive types (the
composer's MIME chooser) or typed. Under an ``equals`` of a mapping its keys are listed to
tick: **Match on the ticked keys** asks (``match_requested``) for it to become a ``match`` on
them, so what else arrives in the message no longer counts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from workbench.engine.compose.drafts import check_json, pretty_json
from workbench.widgets.common.controls import named
from workbench.widgets.common.wheel_guard import GuardedComboBox
from workbench.widgets.compose.mime_chooser import MimeChooser
from workbench.widgets.compose.text_editors import JsonEditor

__all__ = ["MATCHER_CHOICES", "ExpectPage"]

#: The matchers the form offers: (label, key; "" for any message).
MATCHER_CHOICES = (
    ("any message", ""),
    ("equals (the whole message)", "equals"),
    ("match (these keys, any others)", "match"),
    ("text (exact, or /regex/)", "text"),
    ("bytes (hex or base64:)", "bytes"),
    ("schema (JSON Schema)", "schema"),
)
_JSON_MATCHERS = ("equals", "match", "schema")


class ExpectPage(QWidget):
    """``load(kind, fields)`` fills it; ``fields(kind)`` are the keys it sets (``KEYS``);
    ``changed()`` when the person edits it; ``match_requested(keys)``."""

    KEYS = ("equals", "match", "text", "bytes", "schema", "type", "strict", "save")
    changed = Signal()
    match_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = "expect"
        self.matcher = named(GuardedComboBox(), "stepMatcher", "What the message must be")
        for label, key in MATCHER_CHOICES:
            self.matcher.addItem(label, key)
        self.matcher_json = JsonEditor()
        self.matcher_json.edit.setObjectName("matcherJson")
        self.matcher_text = named(QLineEdit(), "matcherText")
        self.keys = named(QListWidget(), "equalsKeys", "Tick the keys that must match")
        self.keys.setFlow(QListWidget.Flow.LeftToRight)
        self.keys.setWrapping(True)
        self.keys.setMaximumHeight(64)
        self.match_button = named(
            QPushButton("Match on the ticked keys", autoDefault=False),
            "matchButton",
            "Turn this equals into a match: only the ticked keys count",
        )
        self.keys_row = QWidget()
        keys_layout = QHBoxLayout(self.keys_row)
        keys_layout.setContentsMargins(0, 0, 0, 0)
        keys_layout.addWidget(self.keys, 1)
        keys_layout.addWidget(self.match_button, 0, Qt.AlignmentFlag.AlignTop)
        self.mime = named(
            MimeChooser("receive"),
            "matcherType",
            "The MIME type it must arrive as (application/json, text/plain, text/*); "
            "empty: any type",
        )
        mime_edit = self.mime.lineEdit()
        assert mime_edit is not None  # the chooser is editable
        mime_edit.setPlaceholderText("any type")
        self.strict = named(
            QCheckBox("strict: the very next message must match"),
            "stepStrict",
            "Without it, non-matching messages (heartbeats, noise) are skipped and reported",
        )
        self.save = named(
            QLineEdit(placeholderText="session=$.session, user=$.user.name"),
            "stepSave",
            "Keep values of the matched message for later steps: name=JSONPath, …",
        )
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 4, 0, 0)
        self.form.addRow("Matcher", self.matcher)
        self.form.addRow(self.matcher_json)
        self.form.addRow(self.matcher_text)
        self.form.addRow("Keys", self.keys_row)
        self.form.addRow("Type", self.mime)
        self.form.addRow(self.strict)
        self.form.addRow("Save", self.save)
        self.matcher.currentIndexChanged.connect(self._edited)
        self.matcher_json.edit.textChanged.connect(self._edited)
        for edit in (self.matcher_text, mime_edit, self.save):
            edit.textEdited.connect(self._edited)
        self.mime.activated.connect(self._edited)
        self.strict.toggled.connect(self._edited)
        self.match_button.clicked.connect(lambda: self.match_requested.emit(self.ticked_keys()))

    def load(self, kind: str, fields: dict[str, Any]) -> None:
        """Show the matchers of a step (``strict`` and ``save`` for an ``expect`` only)."""
        self.kind = kind
        key = next((k for _label, k in MATCHER_CHOICES[1:] if k in fields), "")
        self.matcher.setCurrentIndex(max(self.matcher.findData(key), 0))
        if key in _JSON_MATCHERS:
            self.matcher_json.edit.setPlainText(pretty_json(fields[key]))
        elif key:
            self.matcher_text.setText(str(fields[key]))
        self.refresh()
        self.mime.set_mime_type(str(fields.get("type", "")))
        self.strict.setChecked(bool(fields.get("strict", False)))
        saved = fields.get("save") or {}
        self.save.setText(
            ", ".join(f"{k}={v}" for k, v in saved.items()) if isinstance(saved, dict) else ""
        )
        for widget in (self.strict, self.save):
            self.form.setRowVisible(widget, kind == "expect")

    def fields(self) -> dict[str, Any]:
        """The keys of ``KEYS`` the form holds; ``ValueError`` (or ``ComposeError``) saying
        what is wrong."""
        fields: dict[str, Any] = {}
        key = self.matcher.currentData()
        if key in _JSON_MATCHERS:
            fields[key] = self.matcher_json.value()
        elif key:
            fields[key] = self.matcher_text.text()
        mime = self.mime.mime_type()
        if mime:
            fields["type"] = mime
        if self.kind != "expect":
            return fields
        if self.strict.isChecked():
            fields["strict"] = True
        saved = {}
        for part in filter(None, (p.strip() for p in self.save.text().split(","))):
            name, equals, path = part.partition("=")
            if not equals or not name.strip() or not path.strip():
                raise ValueError(f"save: write name=$.path, not {part!r}")
            saved[name.strip()] = path.strip()
        if saved:
            fields["save"] = saved
        return fields

    def refresh(self) -> None:
        """Show the value editor of the matcher chosen, and an equals' keys to tick."""
        key = self.matcher.currentData()
        self.form.setRowVisible(self.matcher_json, key in _JSON_MATCHERS)
        self.form.setRowVisible(self.matcher_text, key in ("text", "bytes"))
        self.matcher_text.setPlaceholderText(
            "00 01 ff or base64:AAH/" if key == "bytes" else "exact text or /regex/"
        )
        value, problem = check_json(self.matcher_json.edit.toPlainText())
        keys = (
            list(value) if key == "equals" and problem is None and isinstance(value, dict) else []
        )
        self.form.setRowVisible(self.keys_row, bool(keys))
        if [self.keys.item(i).text() for i in range(self.keys.count())] != keys:
            self.keys.clear()
            for name in keys:
                item = QListWidgetItem(name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
                self.keys.addItem(item)

    def ticked_keys(self) -> list[str]:
        return [
            self.keys.item(i).text()
            for i in range(self.keys.count())
            if self.keys.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _edited(self, *_: Any) -> None:
        self.refresh()
        self.changed.emit()
