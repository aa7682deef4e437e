"""What the last run did with one step, as plain text: its state and time, and for a failed
step what was expected, the message that arrived, why it does not match, the diff and the
messages skipped while waiting.

Everything here may come from the network or a file, so it is set with ``setPlainText``
(never rich text) and control characters are written as escapes (``console.plain``); only
the diff's lines are coloured, by a highlighter, which formats text and reads none as markup.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from workbench.engine.scenarios.console import plain
from workbench.engine.scenarios.durations import format_duration
from workbench.engine.scenarios.results import StepResult
from workbench.qt.scenarios.step_model import STATE_TEXT
from workbench.widgets.common.fonts import fixed_width

__all__ = ["StepResultPane", "result_text"]

NOT_RUN = "Not run yet. Run the scenario (F5) to see what each step does."


def result_text(result: StepResult | None, running_for: float | None = None) -> str:
    """The pane's text for ``result`` (see the module docstring); ``running_for``: how long
    a running step has run."""
    if result is None:
        return NOT_RUN
    state = STATE_TEXT.get(result.status, result.status)
    lines = [f"Step {result.step.number or '(at the start)'} · {result.label}"]
    if result.status in ("waiting", "skipped"):
        why = " (an earlier step failed or the run stopped)" if result.status == "skipped" else ""
        lines.append(state + why)
        return plain("\n".join(lines))
    if result.status == "running":
        so_far = "" if running_for is None else f" for {format_duration(running_for)}"
        lines.append(f"running{so_far} (it may take {format_duration(result.step.within)})")
    else:
        took = f" after {format_duration(result.elapsed)}"
        lines.append(f"{state}{took}" + (f": {result.message}" if result.message else ""))
    sections: list[tuple[str, list[str]]] = [
        ("Expected", [result.expected] if result.expected else []),
        ("Received", [result.received] if result.received else []),
        ("Diff (- expected, + received)", result.diff),
        ("Why it does not match", result.mismatches),
        (f"Skipped while waiting ({result.skipped_count})", result.skipped),
        ("Saved", [f"{name} = {value!r}" for name, value in result.saved.items()]),
    ]
    for title, body in sections:
        if body:
            lines += ["", title, *(f"  {line}" for line in body)]
    more = result.skipped_count - len(result.skipped)
    if more > 0:
        lines.append(f"  … and {more} more")
    return plain("\n".join(lines))


class _DiffColours(QSyntaxHighlighter):
    """Removed lines red, added lines green (``  -`` / ``  +`` under the Diff title)."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.removed = QTextCharFormat()
        self.removed.setForeground(QColor(185, 28, 28))
        self.added = QTextCharFormat()
        self.added.setForeground(QColor(21, 128, 61))

    def highlightBlock(self, text: str) -> None:  # Qt override
        in_diff = self.previousBlockState() == 1
        if text and not text.startswith(" "):  # a section's title
            in_diff = text.startswith("Diff")
        self.setCurrentBlockState(1 if in_diff else 0)
        if not in_diff:
            return
        if text.startswith("  -") and not text.startswith("  ---"):
            self.setFormat(0, len(text), self.removed)
        elif text.startswith("  +") and not text.startswith("  +++"):
            self.setFormat(0, len(text), self.added)


class StepResultPane(QPlainTextEdit):
    """A read-only text of ``result_text``; ``show_result(result)``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepResult")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabChangesFocus(True)
        fixed_width(self)
        self._colours = _DiffColours(self.document())
        self.show_result(None)

    def show_result(self, result: StepResult | None, running_for: float | None = None) -> None:
        text = result_text(result, running_for)
        if text != self.toPlainText():
            self.setPlainText(text)
