"""The composer's text editors: JSON checked as typed (core's codec) and plain text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.compose.drafts import (
    ComposeError,
    check_json,
    describe_json,
    pretty_json,
)
from workbench.engine.units import format_size
from workbench.widgets.common.fonts import fixed_width
from workbench.widgets.common.plain_text import plain

__all__ = ["SAMPLE_JSON", "SAMPLE_TEXT", "JsonEditor", "TextEditor", "status_label"]

#: What the editors hold at first, so a first message is one click away.
SAMPLE_JSON = '{"type": "hello", "text": "Hi there"}'
SAMPLE_TEXT = "Hello, WebSocket!"


def status_label() -> QLabel:
    """A status line under an editor that wraps rather than widening the window."""
    label = plain(QLabel())  # it quotes what was typed or read from a file
    label.setObjectName("composerStatus")
    label.setWordWrap(True)
    label.setMinimumWidth(40)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def set_state(label: QLabel, state: str) -> None:
    """Set the style sheet's ``state`` property ("ok", "error" or "") and restyle."""
    label.setProperty("state", state)
    label.style().unpolish(label)
    label.style().polish(label)


class JsonEditor(QWidget):
    """JSON text checked on every keystroke with core's codec, with Pretty-print."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("jsonEdit")
        fixed_width(self.edit)
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText(SAMPLE_JSON)
        self.edit.setPlainText(SAMPLE_JSON)
        self.status = status_label()
        self.pretty_button = QPushButton("Pretty-print")
        self.pretty_button.setAutoDefault(False)
        self.pretty_button.setToolTip("Re-indent the JSON")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.pretty_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addLayout(row)
        self.valid = False
        self.edit.textChanged.connect(self.check)
        self.pretty_button.clicked.connect(self.pretty_print)
        self.check()

    def check(self) -> None:
        value, problem = check_json(self.edit.toPlainText())
        valid = problem is None
        empty = not self.edit.toPlainText().strip()
        self.status.setText(describe_json(value) if problem is None else problem)
        set_state(self.status, "ok" if valid else ("" if empty else "error"))
        self.pretty_button.setEnabled(valid)
        if valid != self.valid:
            self.valid = valid
            self.validity_changed.emit(valid)

    def pretty_print(self) -> None:
        value, problem = check_json(self.edit.toPlainText())
        if problem is None:
            self.edit.setPlainText(pretty_json(value))

    def value(self) -> Any:
        value, problem = check_json(self.edit.toPlainText())
        if problem is not None:
            raise ComposeError(problem)
        return value


class TextEditor(QWidget):
    """Plain text, with its length in characters and in UTF-8 bytes."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("textEdit")
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText("Type the text to send")
        self.edit.setPlainText(SAMPLE_TEXT)
        self.status = status_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.status)
        self.valid = True
        self.edit.textChanged.connect(self._count)
        self._count()

    def _count(self) -> None:
        text = self.edit.toPlainText()
        self.status.setText(
            f"{len(text)} characters, {format_size(len(text.encode('utf-8')))} as UTF-8"
        )

    def value(self) -> str:
        return self.edit.toPlainText()
