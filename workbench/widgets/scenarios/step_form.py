"""The form of the selected step, one page per step kind; what is typed applies at once.

Every step: **As** (which client, when the scenario has several) and **Within** (its time
bound; empty: the scenario's). ``send``: the composer (JSON, text or bytes, with the saved
and recent messages; an image file goes as bytes). ``expect`` / ``expect_none``: a matcher
(any message, equals, match, text, bytes or a JSON Schema) and its value, the MIME type it
must arrive as, ``strict`` and ``save``; under an ``equals`` of a mapping, its keys to tick
and **Match on the ticked keys** (the other keys no longer count). ``sleep``: how long.
``close``: code and reason. ``expect_close``: the code (empty: any), the reason, ``strict``.

``step_edited(kind, body)`` carries the new body: the keys the form does not show (a second
matcher typed in the YAML) are kept as they were. ``match_requested(keys)`` asks for the
equals to become a match (the draft does it).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.compose.drafts import ComposeError, pretty_json
from workbench.engine.scenarios.durations import DurationError, parse_duration
from workbench.engine.scenarios.model import STEP_KINDS
from workbench.engine.scenarios.recording import bytes_text
from workbench.qt.message_library import QtMessageLibrary
from workbench.widgets.common.controls import named
from workbench.widgets.common.wheel_guard import GuardedComboBox
from workbench.widgets.compose.composer import Composer

from .expect_page import ExpectPage

__all__ = ["StepForm"]

_HELP = {
    "open": "Opens the client (or every client). A client no step opens is opened first.",
    "ping": "Sends a ping; fails when the pong comes later than Within.",
}


def _plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(60)
    return label


class StepForm(QWidget):
    """``show_step(number, kind, body, clients)``, ``show_nothing(text)`` (see the module)."""

    step_edited = Signal(str, object)
    match_requested = Signal(list)

    def __init__(self, library: QtMessageLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = ""
        self.body: Any = None
        self._loading = False
        self.title = named(_plain_label(), "pageTitle")
        self.as_combo = named(GuardedComboBox(), "stepAs", "Which client of the scenario")
        self.within = named(
            QLineEdit(placeholderText="the scenario's (5s)"),
            "stepWithin",
            "How long the step may take: 500ms, 2s",
        )
        self.common = QWidget()
        self.common_form = QFormLayout(self.common)
        self.common_form.setContentsMargins(0, 0, 0, 0)
        self.common_form.addRow("As", self.as_combo)
        self.common_form.addRow("Within", self.within)
        self.problem = _plain_label()
        self.problem.setObjectName("formError")
        self.problem.hide()
        self.pages = QStackedWidget()
        self._build_pages(library)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.common)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.problem)
        self.as_combo.currentIndexChanged.connect(self.apply)
        self.within.textEdited.connect(self.apply)
        self.show_nothing("Select a step to edit it, or add one.")

    # -- building ------------------------------------------------------------------------------

    def _page(self, kind: str, rows: list[tuple[str, QWidget]], help_text: str = "") -> None:
        page = QWidget()
        form = QFormLayout(page)
        self.form_of[kind] = form
        form.setContentsMargins(0, 4, 0, 0)
        if help_text:
            form.addRow(_plain_label(help_text))
        for label, widget in rows:
            if label:
                form.addRow(label, widget)
            else:
                form.addRow(widget)
        self.page_of[kind] = page
        self.pages.addWidget(page)

    def _build_pages(self, library: QtMessageLibrary) -> None:
        self.page_of: dict[str, QWidget] = {}
        self.form_of: dict[str, QFormLayout] = {}
        self.composer = Composer(library)
        self.composer.set_send_type("*/*")
        self.composer.send_button.hide()
        self.composer.hint.setText("Changes apply as you type")
        # A composer's editor changes by itself too (the sample image loads in the
        # background): only a change to the message shown applies.
        changes = (
            (self.composer.json_editor.edit.textChanged, "json"),
            (self.composer.text_editor.edit.textChanged, "text"),
            (self.composer.bytes_editor.edit.textChanged, "bytes"),
            (self.composer.bytes_editor.mode.currentIndexChanged, "bytes"),
            (self.composer.image_editor.validity_changed, "image"),
            (self.composer.any_kind.currentIndexChanged, ""),
            (self.composer.send_requested, ""),
        )
        for signal, editor in changes:
            signal.connect(lambda *_, e=editor: self._composer_changed(e))

        self.expect = ExpectPage()
        self.expect.changed.connect(self.apply)
        self.expect.match_requested.connect(self.match_requested)
        self._page("open", [], _HELP["open"])
        self._page("send", [("", self.composer)])
        self.page_of["expect"] = self.expect
        self.pages.addWidget(self.expect)
        self._page("ping", [], _HELP["ping"])
        self.duration = named(QLineEdit(placeholderText="100ms"), "sleepFor", "500ms, 2s")
        self._page("sleep", [("For", self.duration)])
        self.close_code = named(
            QLineEdit("1000"), "stepCloseCode", "1000-1003, 1007-1014, 3000-4999"
        )
        self.close_reason = named(QLineEdit(placeholderText="no reason"), "stepCloseReason")
        self._page("close", [("Code", self.close_code), ("Reason", self.close_reason)])
        self.expect_code = named(
            QLineEdit(placeholderText="any code"), "expectCloseCode", "The close code expected"
        )
        self.expect_reason = named(
            QLineEdit(placeholderText="any reason"), "expectCloseReason", "Exact text or /regex/"
        )
        self.expect_strict = QCheckBox("strict: no message may arrive before the close")
        self._page(
            "expect_close",
            [("Code", self.expect_code), ("Reason", self.expect_reason), ("", self.expect_strict)],
        )
        for edit in (
            self.duration,
            self.close_code,
            self.close_reason,
            self.expect_code,
            self.expect_reason,
        ):
            edit.textEdited.connect(self.apply)
        self.expect_strict.toggled.connect(self.apply)

    # -- showing a step -------------------------------------------------------------------------

    def show_nothing(self, text: str) -> None:
        self.kind = ""
        self.title.setText(text)
        self.common.hide()
        self.pages.hide()
        self.problem.hide()

    def show_step(self, number: int, kind: str, body: Any, clients: list[str]) -> None:
        """Fill the form with step ``number`` (1-based) of ``kind`` and its ``body``; a step
        the form cannot show (an unknown kind, none, or two) is said instead."""
        form_kind = "expect" if kind == "expect_none" else kind
        if form_kind not in self.page_of:
            what = f"{kind!r} is not a step kind" if kind else "it is not one step kind"
            self.show_nothing(
                f"Step {number}: {what} (one of {', '.join(STEP_KINDS)}); correct it in the YAML."
            )
            return
        self._loading = True
        try:
            self.kind, self.body = kind, body
            self.title.setText(f"Step {number} · {kind}")
            fields = body if isinstance(body, dict) else {}
            self.common.show()
            self.pages.show()
            self.problem.hide()
            self.pages.setCurrentWidget(self.page_of[form_kind])
            self._fill_as(kind, body, clients)
            self.within.setText(str(fields.get("within", "")))
            self.within.setEnabled(kind != "sleep")
            getattr(self, f"_load_{form_kind}")(body)
        finally:
            self._loading = False

    def _fill_as(self, kind: str, body: Any, clients: list[str]) -> None:
        self.as_combo.clear()
        if kind == "open":
            self.as_combo.addItem("every client", None)
        for name in clients:
            self.as_combo.addItem(name, name)
        chosen = (
            body if isinstance(body, str) else body.get("as") if isinstance(body, dict) else None
        )
        index = self.as_combo.findData(chosen) if chosen is not None else 0
        self.as_combo.setCurrentIndex(max(index, 0))
        self.common_form.setRowVisible(self.as_combo, len(clients) > 1 or kind == "open")

    def _load_open(self, body: Any) -> None:
        pass

    def _load_ping(self, body: Any) -> None:
        pass

    def _load_send(self, body: Any) -> None:
        fields = body if isinstance(body, dict) else {}
        composer = self.composer
        if "text" in fields:
            composer.set_compose_as("text")
            composer.text_editor.edit.setPlainText(str(fields["text"]))
        elif "bytes" in fields:
            composer.set_compose_as("bytes")
            text = str(fields["bytes"])
            composer.bytes_editor.set_mode("base64" if text.startswith("base64:") else "hex")
            composer.bytes_editor.edit.setPlainText(text.removeprefix("base64:"))
        else:
            composer.set_compose_as("json")
            composer.json_editor.edit.setPlainText(pretty_json(fields.get("message")))

    def _load_expect(self, body: Any) -> None:
        self.expect.load(self.kind, body if isinstance(body, dict) else {})

    def _load_sleep(self, body: Any) -> None:
        self.duration.setText("" if body is None else str(body))

    def _load_close(self, body: Any) -> None:
        fields = body if isinstance(body, dict) else {}
        self.close_code.setText(str(fields.get("code", 1000)))
        self.close_reason.setText(str(fields.get("reason", "")))

    def _load_expect_close(self, body: Any) -> None:
        fields = body if isinstance(body, dict) else {}
        self.expect_code.setText("" if fields.get("code") is None else str(fields["code"]))
        self.expect_reason.setText(str(fields.get("reason", "")))
        self.expect_strict.setChecked(bool(fields.get("strict", False)))

    def _composer_changed(self, editor: str) -> None:
        if self.kind == "send" and editor in ("", self.composer.editor_kind()):
            self.apply()

    # -- applying -------------------------------------------------------------------------------

    def apply(self, *_: Any) -> None:
        """Make the body from the form and emit ``step_edited`` (not while filling it)."""
        if self._loading or not self.kind:
            return
        try:
            body = getattr(self, f"_body_{'expect' if self.kind == 'expect_none' else self.kind}")()
        except (ComposeError, ValueError) as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return
        self.problem.hide()
        self.body = body
        self.step_edited.emit(self.kind, body)

    def _fields(self, drop: tuple[str, ...]) -> dict[str, Any]:
        """The old body without the keys the form sets, then ``as`` and ``within``."""
        old = self.body if isinstance(self.body, dict) else {}
        fields = {k: v for k, v in old.items() if k not in (*drop, "as", "within")}
        name = self.as_combo.currentData()
        if name is not None and self.common_form.isRowVisible(self.as_combo):
            fields = {"as": name, **fields}
        within = self.within.text().strip()
        if within:
            self._check_duration(within)
            fields["within"] = within
        return fields

    @staticmethod
    def _check_duration(text: str) -> None:
        try:
            parse_duration(text)
        except DurationError as exc:
            raise ValueError(str(exc)) from None

    def _compact(self, fields: dict[str, Any]) -> Any:
        """A body of only ``as`` is written as the client's name; an empty one as nothing."""
        if not fields:
            return None
        if list(fields) == ["as"]:
            return fields["as"]
        return fields

    def _body_open(self) -> Any:
        name = self.as_combo.currentData()
        within = self.within.text().strip()
        if within:
            self._check_duration(within)
            return {**({"as": name} if name else {}), "within": within}
        return name

    def _body_ping(self) -> Any:
        return self._compact(self._fields(()))

    def _body_send(self) -> Any:
        fields = self._fields(("message", "text", "bytes"))
        composer = self.composer
        kind = composer.editor_kind()
        if kind == "json":
            fields["message"] = composer.json_editor.value()
        elif kind == "text":
            fields["text"] = composer.text_editor.value()
        else:
            data = composer.value()
            if not isinstance(data, bytes):
                raise ComposeError("send it as bytes")
            if len(data) > 64 * 1024:
                raise ComposeError("a scenario file keeps bytes up to 64 KiB; use a smaller file")
            fields["bytes"] = bytes_text(data)
        return fields

    def _body_expect(self) -> Any:
        return self._compact({**self._fields(ExpectPage.KEYS), **self.expect.fields()})

    def _body_sleep(self) -> Any:
        text = self.duration.text().strip()
        self._check_duration(text)
        return text

    def _body_close(self) -> Any:
        fields = self._fields(("code", "reason"))
        fields["code"] = self._code(self.close_code.text(), required=True)
        if self.close_reason.text():
            fields["reason"] = self.close_reason.text()
        return fields

    def _body_expect_close(self) -> Any:
        fields = self._fields(("code", "reason", "strict"))
        code = self._code(self.expect_code.text(), required=False)
        if code is not None:
            fields["code"] = code
        if self.expect_reason.text():
            fields["reason"] = self.expect_reason.text()
        if self.expect_strict.isChecked():
            fields["strict"] = True
        return self._compact(fields)

    @staticmethod
    def _code(text: str, required: bool) -> int | None:
        text = text.strip()
        if not text and not required:
            return None
        if not text.isdigit():
            raise ValueError(f"a close code is a number such as 1000 or 4000, not {text!r}")
        return int(text)
