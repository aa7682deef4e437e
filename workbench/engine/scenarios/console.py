"""The run as a person reads it in a terminal or a CI log: one line per step as it ends.

``✓``/``✗`` (``-`` not run, ``■`` stopped), the step, the time it took; under a failure what
was expected, what arrived, why it does not match, a JSON diff and the messages skipped
while waiting. Text from the network or a file is printed with control characters escaped,
so a message cannot move the cursor or change colours.
"""

from __future__ import annotations

import re
from typing import TextIO

from .checking import ScenarioError
from .durations import format_duration
from .results import FileOutcome, ScenarioResult, StepEvent, StepResult

__all__ = ["ConsoleReport", "plain"]

_MARKS = {"passed": "✓", "failed": "✗", "stopped": "■", "skipped": "-"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WIDTH = 60


def plain(text: str) -> str:
    """``text`` with control characters written as ``\\x1b``-style escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class ConsoleReport:
    """Prints to ``out`` as the run goes: ``scenario_started``, ``on_event`` (give it to the
    runner), ``scenario_done``, ``invalid`` for a file that cannot run, ``summary``."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._not_run = 0

    def write(self, line: str = "") -> None:
        self.out.write(plain(line) + "\n")
        self.out.flush()

    def invalid(self, file: str, error: ScenarioError) -> None:
        self.write(f"✗ {file}: not run, the file has {_count(len(error.problems), 'problem')}")
        for problem in error.problems:
            self.write(f"  {problem}")

    def scenario_started(self, file: str, name: str) -> None:
        self._not_run = 0
        self.write(f"{file}: {name}")

    def on_event(self, event: StepEvent) -> None:
        result = event.result
        if event.kind == "started":
            return
        if event.kind == "skipped":
            self._not_run += 1
            return
        self.step_line(result)
        if event.kind in ("failed", "stopped"):
            self.details(result)

    def step_line(self, result: StepResult) -> None:
        label = result.label
        if len(label) > _WIDTH:
            label = label[: _WIDTH - 1] + "…"
        extra = f"  ({result.message})" if result.status == "passed" and result.message else ""
        if result.status == "passed" and result.skipped_count:
            extra += f"  (skipped {_count(result.skipped_count, 'message')})"
        took = format_duration(result.elapsed)
        self.write(f"  {_MARKS[result.status]} {label:<{_WIDTH}} {took:>9}{extra}")

    def details(self, result: StepResult) -> None:
        indent = "      "
        where = result.step.location
        self.write(f"{indent}{result.message}  [step {result.step.number}, {where}]")
        if result.expected:
            self.write(f"{indent}expected: {result.expected}")
        if result.received:
            self.write(f"{indent}received: {result.received}")
        for mismatch in result.mismatches:
            self.write(f"{indent}  {mismatch}")
        for line in result.diff:
            self.write(f"{indent}{line}")
        if result.skipped:
            more = result.skipped_count - len(result.skipped)
            self.write(f"{indent}skipped while waiting ({result.skipped_count}):")
            for item in result.skipped:
                self.write(f"{indent}  {item}")
            if more:
                self.write(f"{indent}  … and {more} more")

    def scenario_done(self, result: ScenarioResult) -> None:
        if self._not_run:
            self.write(f"  - {_count(self._not_run, 'more step')} not run")
        took = format_duration(result.elapsed)
        failure = result.failure
        if failure is None:
            self.write(f"✓ {result.scenario.name}: passed in {took}")
        else:
            line = failure.step.location.line
            at = f"step {failure.step.number}" + (f" (line {line})" if line else "")
            self.write(f"✗ {result.scenario.name}: {result.status} at {at} after {took}")
        self.write()

    def summary(self, outcomes: list[FileOutcome], elapsed: float) -> None:
        results = [r for o in outcomes for r in o.results]
        passed = sum(r.status == "passed" for r in results)
        failed = len(results) - passed
        invalid = sum(bool(o.problems) for o in outcomes)
        parts = [f"{passed} passed"] + ([f"{failed} failed"] if failed else [])
        if invalid:
            parts.append(f"{_count(invalid, 'file')} not run")
        self.write(
            f"{_count(len(results), 'scenario')}: {', '.join(parts)} in {format_duration(elapsed)}"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
