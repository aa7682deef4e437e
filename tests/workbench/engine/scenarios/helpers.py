"""Running scenario text in a test: load it with the given variables, run it, keep the events."""

from __future__ import annotations

from typing import Any

from tests.helpers import TIMEOUT
from workbench.engine.scenarios.loading import load_text
from workbench.engine.scenarios.results import ScenarioResult, StepEvent
from workbench.engine.scenarios.runner import ScenarioRunner
from workbench.engine.scenarios.variables import Sources


def scenario_of(text: str, **variables: Any):  # type: ignore[no-untyped-def]
    return load_text(text, "test.yaml", Sources(cli=variables, environ={}))[0]


async def run(text: str, **variables: Any) -> tuple[ScenarioResult, list[StepEvent]]:
    events: list[StepEvent] = []
    runner = ScenarioRunner(scenario_of(text, **variables), events.append, timeout=6 * TIMEOUT)
    return await runner.run(), events


def statuses(result: ScenarioResult) -> list[tuple[str, str]]:
    return [(r.step.kind, r.status) for r in result.steps]


def failed(result: ScenarioResult) -> Any:
    failure = result.failure
    assert failure is not None, statuses(result)
    return failure
