"""``ScenarioRun``: one run of a scenario in the window, its events as Qt signals.

The engine runs it: ``ScenarioRunner`` (the only implementation of the steps) over
``WorkbenchClients`` (the scenario's clients are workbench clients, aimed at ``server_id``
when given). This adapter starts it with ``run`` (the service's ``run``: the one way to run
an engine coroutine from the UI), re-emits each ``StepEvent`` as ``step_event`` and the
``ScenarioResult`` as ``finished``, and passes ``stop()`` on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from workbench.engine.scenarios.host import ScenarioHost
from workbench.engine.scenarios.model import Scenario
from workbench.engine.scenarios.results import ScenarioResult, StepEvent
from workbench.engine.scenarios.runner import ScenarioRunner
from workbench.engine.scenarios.workbench_clients import WorkbenchClients

__all__ = ["ScenarioRun"]


class ScenarioRun(QObject):
    """``ScenarioRun(engine, run, scenario, server_id=None)``; ``start()`` once.

    Signals: ``step_event(StepEvent)`` as each step starts and ends; ``finished(ScenarioResult)``
    when the run is over (passed, failed or stopped; every connection closed).
    """

    step_event = Signal(object)
    finished = Signal(object)

    def __init__(
        self,
        engine: ScenarioHost,
        run: Callable[[Coroutine[Any, Any, ScenarioResult]], asyncio.Task[ScenarioResult]],
        scenario: Scenario,
        server_id: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._start = run
        self.clients = WorkbenchClients(engine, scenario.name, server_id)
        self.runner = ScenarioRunner(scenario, self._on_event, self.clients)
        self.task: asyncio.Task[ScenarioResult] | None = None

    @property
    def result(self) -> ScenarioResult:
        """The run's result so far (steps updated in place as they run)."""
        return self.runner.result

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> asyncio.Task[ScenarioResult]:
        self.task = self._start(self._run())
        return self.task

    def stop(self) -> None:
        """End the run: the running step is stopped, the rest skipped, clients closed."""
        self.runner.stop()

    async def _run(self) -> ScenarioResult:
        result = await self.runner.run()
        if isValid(self):  # the tab may have gone while the connections closed
            self.finished.emit(result)
        return result

    def _on_event(self, event: StepEvent) -> None:
        if isValid(self):
            self.step_event.emit(event)
