"""A scenario step as one of Locust's requests: its name, time, size and failure.

Locust keeps its statistics per ``(request_type, name)``, so each step gets a name that stays
the same from one iteration to the next: its label (``send: {"n":1}``), made unique within the
scenario by ``(step N)`` when two steps read the same, and prefixed with the scenario's name
when a file holds several. A failed step becomes a ``StepFailure``: the runner's message, the
first mismatch and the changed lines of the diff, on one line, bounded, control characters
escaped. Locust groups failures by that text, so a diff that shows a value which changes with
every message (a counter, a time) makes one row per value.

``open`` steps that found their connections open (a virtual user's later iterations) and
steps that were stopped or skipped are not requests: ``request_of`` gives None for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.engine.scenarios.console import plain
from workbench.engine.scenarios.model import Scenario
from workbench.engine.scenarios.results import EventKind, StepResult, step_label

__all__ = [
    "FAILURE_TEXT",
    "REQUEST_EVENTS",
    "StepFailure",
    "StepRequest",
    "request_names",
    "request_of",
]

#: The kinds of step events that may make a request (a runner's ``events``: the others are
#: not made at all).
REQUEST_EVENTS: tuple[EventKind, ...] = ("passed", "failed")
#: The most characters of a failure's text.
FAILURE_TEXT = 400
_DIFF_LINES = 6


class StepFailure(Exception):
    """A failed step, as Locust's failures table shows it (``repr`` is the text itself)."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class StepRequest:
    """What Locust's ``request`` event gets for one step (``response_time`` in ms)."""

    name: str
    response_time: float
    response_length: int
    exception: StepFailure | None


def request_names(scenario: Scenario, prefix: bool = False) -> dict[int, str]:
    """Step number -> the name its requests have (``prefix``: with the scenario's name)."""
    show_client = len(scenario.clients) > 1
    labels = {step.number: step_label(step, show_client) for step in scenario.steps}
    repeated = {label for label in labels.values() if list(labels.values()).count(label) > 1}
    names = {
        number: f"{label} (step {number})" if label in repeated else label
        for number, label in labels.items()
    }
    return {n: f"{scenario.name}: {name}" if prefix else name for n, name in names.items()}


def request_of(result: StepResult, names: dict[int, str]) -> StepRequest | None:
    """The request a finished step makes, or None (see the module docstring)."""
    if result.status == "passed":
        if result.reused:
            return None
        failure = None
    elif result.status == "failed":
        failure = StepFailure(failure_text(result))
    else:
        return None
    return StepRequest(names[result.step.number], result.elapsed * 1000, result.size, failure)


def failure_text(result: StepResult) -> str:
    """``no matching message within 2 s; match at $.n: expected 2, received 1; diff: -"n": 2 +"n": 1``."""
    parts = [result.message or "failed"]
    if result.mismatches:
        parts.append(result.mismatches[0])
    changed = [
        f"{line[0]}{line[1:].strip()}"
        for line in result.diff
        if line[:1] in "-+" and not line.startswith(("---", "+++"))
    ]
    if changed:
        more = len(changed) - _DIFF_LINES
        parts.append(
            "diff: " + " ".join(changed[:_DIFF_LINES]) + (f" (+{more} lines)" if more > 0 else "")
        )
    text = plain("; ".join(parts)).replace("\n", "\\n")
    return text if len(text) <= FAILURE_TEXT else text[: FAILURE_TEXT - 1] + "…"
