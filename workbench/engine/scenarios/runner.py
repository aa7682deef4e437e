"""Run a scenario on core's pull API: one step after another, each bounded by its ``within``.

``ScenarioRunner(scenario, on_event).run()`` returns a ``ScenarioResult``; ``on_event`` gets a
``StepEvent`` as each step starts and ends (see ``results``; ``events`` picks the kinds it
gets). What each step does is ``step_actions``; this module runs them in order. The first
failed step ends the run (the rest are ``skipped``); every connection the run opened is
closed before ``run()`` returns, whatever happened. ``stop()`` ends a run early and cleanly:
the running step is ``stopped``. Cancelling the task that awaits ``run()`` also closes the
connections (bounded by ``CLOSE_AT_END``) before the cancellation goes on. ``timeout``
bounds the whole scenario: when it runs out the running step fails, saying so.

The steps run in the task that awaits ``run()`` (no task of their own: a load test's user
runs one iteration a second, and a task, its shield and their two loop turns cost more than
a step); ``stop()`` cancels that task and ``run()`` takes the cancellation back.

A runner may ``run()`` again once a run has returned: each run has a fresh ``result`` and
forgets what the last one saved. With ``keep_open`` (a load test's virtual user, one run per
iteration) the connections outlive a run that passed or was stopped: the next run's ``open``
finds them open and passes at once (``StepResult.reused``), and ``close(code)`` ends them; a
run that failed still closes them (1000), so the next one starts afresh. Messages a run left
unread are what the next run's ``expect`` sees first (and skips, unless ``strict``).

``expect`` waits for the next message that matches and reports the ones it skipped;
``strict`` makes the very next message the one that must match. ``expect_none`` and
``expect_close`` skip non-matching messages the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection
from typing import Literal, get_args

from core import WebSocketError

from .connections import Connection, CoreConnection
from .model import ClientSpec, Scenario
from .results import EventKind, ScenarioResult, StepEvent, StepResult
from .step_actions import SKIPPED_KEPT, StepActions, StepFailed

__all__ = ["CLOSE_AT_END", "SKIPPED_KEPT", "ScenarioRunner", "StepFailed", "run_scenario"]

#: Seconds the connections left open get to close at the end of a run.
CLOSE_AT_END = 2.0
_NO_TIMEOUT = contextlib.nullcontext()
_CutShort = Literal["stopped", "failed"]  # how a step ends that did not end by itself
_EVERY_KIND: frozenset[EventKind] = frozenset(get_args(EventKind))


class ScenarioRunner:
    """Runs one scenario; ``connect`` makes its connections (``CoreConnection`` by default);
    ``on_event`` gets the events of the kinds in ``events`` (every kind by default)."""

    def __init__(
        self,
        scenario: Scenario,
        on_event: Callable[[StepEvent], None] | None = None,
        connect: Callable[[ClientSpec], Connection] = CoreConnection,
        timeout: float | None = None,
        keep_open: bool = False,
        events: Collection[EventKind] | None = None,
    ) -> None:
        self.scenario = scenario
        self.timeout = timeout
        self.keep_open = keep_open
        self._on_event = on_event
        self._kinds = _EVERY_KIND if events is None else frozenset(events)
        self._actions = StepActions(scenario, connect)
        self._task: asyncio.Task[object] | None = None  # the task running the steps
        self._in_steps = False
        self._stop_asked = False  # stop() cancelled the task; run() takes it back
        self._ended: asyncio.Future[None] | None = None  # for close() while a run is under way
        self._runs = 0
        self.result = self._new_result()

    def _new_result(self) -> ScenarioResult:
        show_client = len(self.scenario.clients) > 1
        return ScenarioResult(
            self.scenario,
            [StepResult(step, show_client=show_client) for step in self.scenario.steps],
        )

    def stop(self) -> None:
        """End the run early: the running step is reported ``stopped``, the rest ``skipped``."""
        if self._in_steps and not self._stop_asked and self._task is not None:
            self._stop_asked = True
            self._task.cancel()

    async def run(self) -> ScenarioResult:
        """Run every step; the result (also ``self.result``). ``RuntimeError`` while a run
        is under way; after it returned, a new run starts with a fresh result."""
        if self._task is not None:
            raise RuntimeError("the scenario is already running; await that run first")
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("run() must be awaited in a task")
        if self._runs:
            self.result = self._new_result()
            self._actions.saved = {}
        self._runs += 1
        loop = task.get_loop()
        start = loop.time()
        self._task = task
        try:
            await self._run_steps(task)
        except asyncio.CancelledError:  # cancelled from outside: stopped, tidy up, go on cancelling
            await self._close_all()
            raise
        finally:
            self.result.elapsed = loop.time() - start
            self._task = None
            if self._ended is not None:
                self._ended.set_result(None)
                self._ended = None
        if not self.keep_open:
            self._actions.deadline.disarm()
            for step in self.result.steps:
                _ = step.received  # made now: a result kept after its run holds no message
        if not self.keep_open or self.result.status == "failed":
            await self._close_all()
        return self.result

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close every connection still open with ``code`` and ``reason``, within
        ``CLOSE_AT_END`` in all (a load test's user ends with 1001). Call it between runs:
        a run under way is ``stop()``ped first."""
        if self._task is not None:
            if self._ended is None:
                self._ended = self._task.get_loop().create_future()
            ended = self._ended
            self.stop()
            await asyncio.shield(ended)
        self._actions.deadline.disarm()
        await self._close_all(code, reason)

    async def _run_steps(self, task: asyncio.Task[object]) -> None:
        """The steps in order; a cancellation from outside is recorded, then raised again."""
        results = iter(self.result.steps)
        current: StepResult | None = None
        loop = task.get_loop()
        cancelling = task.cancelling()
        cut_short: tuple[_CutShort, str] | None = None  # how the running step ended, if so
        cancelled: asyncio.CancelledError | None = None  # from outside: raised at the end
        self._in_steps, self._stop_asked = True, False
        try:
            async with asyncio.timeout(self.timeout) if self.timeout else _NO_TIMEOUT:
                for current in results:
                    await self._run_step(current, loop)
                    if current.status == "failed":
                        self.result.status = "failed"
                        break
                current = None
            if self._stop_asked:  # by an event of this very task, after its last wait
                await asyncio.sleep(0)  # where the cancellation arrives, to be taken back
        except asyncio.CancelledError as exc:
            if self._stop_asked:
                task.uncancel()
            if task.cancelling() > cancelling:
                cancelled = exc
            if current is not None or cancelled is not None:
                self.result.status = "stopped"
                cut_short = ("stopped", "stopped before it finished")
        except TimeoutError:
            self.result.status = "failed"
            cut_short = ("failed", f"the scenario ran out of its time ({self.timeout:g} s)")
        finally:
            self._in_steps = False
        if cut_short is not None:
            self._end_step(current, *cut_short)
        for rest in results:
            rest.status = "skipped"
            self._emit("skipped", rest)
        if cancelled is not None:
            raise cancelled

    def _end_step(self, result: StepResult | None, status: _CutShort, message: str) -> None:
        if result is None or result.status not in ("running", "waiting"):
            return
        result.status = status
        result.message = message
        self._emit(status, result)

    def _emit(self, kind: EventKind, result: StepResult) -> None:
        if self._on_event is not None and kind in self._kinds:
            self._on_event(StepEvent(kind, self.scenario, result))

    async def _run_step(self, result: StepResult, loop: asyncio.AbstractEventLoop) -> None:
        result.status = "running"
        self._emit("started", result)
        start = loop.time()
        try:
            await self._actions.perform(result)
        except StepFailed as failure:
            result.status = "failed"
            result.message = str(failure)
        except (WebSocketError, ValueError, TypeError) as exc:  # core said no, in words
            result.status = "failed"
            result.message = str(exc)
        else:
            result.status = "passed"
        finally:
            result.elapsed = loop.time() - start
        self._emit(result.status, result)

    async def _close_all(self, code: int = 1000, reason: str = "") -> None:
        """Close what is still open, each with ``code``, within ``CLOSE_AT_END`` in all."""
        open_ones = [c for c in self._actions.connections.values() if c.is_open()]
        if not open_ones:
            return
        closing = asyncio.gather(
            *(c.close(code, reason) for c in open_ones), return_exceptions=True
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closing, CLOSE_AT_END)


async def run_scenario(
    scenario: Scenario,
    on_event: Callable[[StepEvent], None] | None = None,
    timeout: float | None = None,
) -> ScenarioResult:
    """Run ``scenario`` over ``core.Client``s (see ``ScenarioRunner``)."""
    return await ScenarioRunner(scenario, on_event, timeout=timeout).run()
