"""What a run says about each step and each scenario, as the reports and a window read it.

``StepEvent``s come from the runner as a step starts and ends (``'started'``, then
``'passed'``, ``'failed'`` or ``'stopped'``; steps after a failure or a stop are
``'skipped'``). ``step_label`` says what a step does in one line.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .checking import Problem
from .diffs import preview
from .durations import format_duration
from .model import Close, Expect, ExpectClose, ExpectNone, Open, Ping, Scenario, Send, Sleep, Step

__all__ = [
    "EventKind",
    "FileOutcome",
    "ScenarioResult",
    "ScenarioStatus",
    "StepEvent",
    "StepResult",
    "StepStatus",
    "step_label",
]

StepStatus = Literal["waiting", "running", "passed", "failed", "skipped", "stopped"]
EventKind = Literal["started", "passed", "failed", "skipped", "stopped"]
ScenarioStatus = Literal["passed", "failed", "stopped"]


class _MadeOnFirstRead:
    """``StepResult.received`` after ``received_from``: made on the first read. A non-data
    descriptor: a value set as usual lives in the instance and is read at full speed."""

    def __get__(self, instance: object | None, owner: type | None = None) -> str:
        if instance is None:
            return ""  # the dataclass's default
        make: Callable[[], str] | None = instance.__dict__.pop("_make_received", None)
        text = "" if make is None else make()
        instance.__dict__["received"] = text
        return text


@dataclass
class StepResult:
    """One step's outcome. For a failed ``expect``: ``expected`` (the matchers), ``received``
    (the message closest to them), ``mismatches`` and ``diff`` (JSON, against it), and the
    messages ``skipped`` while waiting (previews, the first ``SKIPPED_KEPT``; all counted)."""

    step: Step
    status: StepStatus = "waiting"
    elapsed: float = 0.0
    message: str = ""
    expected: str = ""
    received: str = _MadeOnFirstRead()  # type: ignore[assignment]  # (see received_from)
    mismatches: list[str] = field(default_factory=list)
    diff: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    skipped_count: int = 0
    saved: dict[str, Any] = field(default_factory=dict)
    #: Payload bytes of the message a ``send`` sent or an ``expect`` matched; 0 for the rest.
    size: int = 0
    #: An ``open`` whose connections a runner kept open from its last run: nothing was done.
    reused: bool = False
    #: Whether the label names the client (not when the scenario has only one).
    show_client: bool = True

    @property
    def label(self) -> str:
        return step_label(self.step, self.show_client)

    def received_from(self, make: Callable[[], str]) -> None:
        """Give ``received`` as the function that makes it, called on its first read (the
        runner so gives a matched message's preview, which a load test's user never reads)."""
        self.__dict__.pop("received", None)
        self.__dict__["_make_received"] = make


@dataclass
class ScenarioResult:
    scenario: Scenario
    steps: list[StepResult]
    status: ScenarioStatus = "passed"
    elapsed: float = 0.0
    started: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))

    @property
    def failure(self) -> StepResult | None:
        """The step that failed (or was stopped), if any."""
        return next((r for r in self.steps if r.status in ("failed", "stopped")), None)


@dataclass
class FileOutcome:
    """One file of a run: its scenarios' results, or the problems that kept it from running."""

    file: str
    results: list[ScenarioResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class StepEvent:
    """A step started or ended: ``kind`` and the step's ``result`` (updated in place)."""

    kind: EventKind
    scenario: Scenario
    result: StepResult


def step_label(step: Step, show_client: bool = True) -> str:
    """``send as alice: {"type":"hello"}``, ``expect as bob: match {...}``, ``sleep 100 ms``."""
    who = f" as {step.client}" if step.client is not None and show_client else ""
    if isinstance(step, Open):
        names = ", ".join(step.clients)
        return f"open {names}" + (" (at the start)" if step.implicit else "")
    if isinstance(step, Send):
        payload = step.payload
        shown = payload.written if payload.runtime else payload.value
        what = "bytes " if payload.how == "bytes" else "text " if payload.how == "text" else ""
        return f"send{who}: {what}{preview(shown, 80)}"
    if isinstance(step, Expect | ExpectNone):
        matchers = (
            step.expectation.describe() if step.expectation is not None else preview(step.spec, 80)
        )
        strict = " (strict)" if isinstance(step, Expect) and step.strict else ""
        return f"{step.kind}{who}: {matchers}{strict}"
    if isinstance(step, Ping):
        return f"ping{who}"
    if isinstance(step, Sleep):
        return f"sleep {format_duration(step.duration)}"
    if isinstance(step, Close):
        return f"close{who}: {step.code}" + (f" {step.reason}" if step.reason else "")
    if isinstance(step, ExpectClose):
        code = "any code" if step.code is None else str(step.code)
        return f"expect_close{who}: {code}" + (f" {step.reason}" if step.reason else "")
    return step.kind
