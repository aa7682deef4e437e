"""The raw YAML of the scenario being edited, beside its step list: typing in it updates the
list (after a short pause, or at once with Ctrl+Enter); a list edit rewrites it.

``text_edited(str)`` is emitted for what the person typed, never for ``set_text``. The line
under the editor says whether the text can run, or the loader's first problem with its line
and column (plain text: it may quote the file); **Go to** puts the cursor there.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.widgets.common.controls import named, tool_button
from workbench.widgets.common.fonts import fixed_width
from workbench.widgets.compose.text_editors import set_state

__all__ = ["PAUSE_MS", "YamlPane"]

#: Milliseconds of no typing after which the text is read into the list.
PAUSE_MS = 400


class YamlPane(QWidget):
    """The YAML editor and its status line (see the module docstring)."""

    text_edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = named(QPlainTextEdit(), "scenarioYaml")
        self.edit.setAccessibleName("Scenario YAML")
        fixed_width(self.edit)
        self.edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.edit.setTabChangesFocus(True)  # Tab leaves the editor; indent with spaces
        self.edit.setToolTip(
            "The scenario file. Edits here update the step list (Ctrl+Enter at once); "
            "edits in the list rewrite it (comments are not kept)."
        )
        self.status = QLabel()
        self.status.setObjectName("yamlStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setMinimumWidth(60)
        self.go_button = tool_button("Go to", "Put the cursor where the problem is", "yamlGoTo")
        self.go_button.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.go_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addLayout(row)
        self._quiet = False
        self._where: tuple[int, int] | None = None
        self.timer = QTimer(self, singleShot=True, interval=PAUSE_MS)
        self.timer.timeout.connect(self.apply_now)
        self.edit.textChanged.connect(self._typed)
        self.go_button.clicked.connect(self.go_to_problem)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.edit)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.apply_now)

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        """Show ``text`` (a list edit wrote it) keeping the cursor's line; no signal."""
        if text == self.edit.toPlainText():
            return
        cursor = self.edit.textCursor()
        line, column = cursor.blockNumber(), cursor.positionInBlock()
        self._quiet = True
        try:
            self.edit.setPlainText(text)
        finally:
            self._quiet = False
        self.timer.stop()
        self._place_cursor(line, column)

    def _typed(self) -> None:
        if not self._quiet:
            self.timer.start()

    def apply_now(self) -> None:
        """Read the text into the list now (the pause after typing does it too)."""
        self.timer.stop()
        self.text_edited.emit(self.edit.toPlainText())

    def show_ok(self, text: str) -> None:
        self._where = None
        self.go_button.hide()
        self.status.setText(text)
        set_state(self.status, "ok")

    def show_problem(self, text: str, line: int | None = None, column: int | None = None) -> None:
        """Say what is wrong; with a line, Go to puts the cursor there."""
        self._where = (line, column or 1) if line is not None else None
        self.go_button.setVisible(line is not None)
        self.status.setText(text)
        set_state(self.status, "error")

    def go_to_problem(self) -> None:
        if self._where is not None:
            self._place_cursor(self._where[0] - 1, self._where[1] - 1)
            self.edit.setFocus()

    def _place_cursor(self, line: int, column: int) -> None:
        document = self.edit.document()
        block = document.findBlockByNumber(min(max(line, 0), document.blockCount() - 1))
        cursor = QTextCursor(block)
        cursor.movePosition(
            QTextCursor.MoveOperation.Right,
            QTextCursor.MoveMode.MoveAnchor,
            min(max(column, 0), max(block.length() - 1, 0)),
        )
        self.edit.setTextCursor(cursor)
