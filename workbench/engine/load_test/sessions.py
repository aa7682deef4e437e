"""A virtual user's scenario on the loop: the scenarios runner, run again and again.

A ``ScenarioSession`` runs its user's iterations on the asyncio loop (``bridge``): one run of
the scenario (``ScenarioRunner(keep_open=True)``: the connections stay open from one
iteration to the next), then the user's ``wait_time()`` asleep on the loop, and again; or,
paced, one run every ``pace`` seconds from a ``phase`` (Locust's ``constant_pacing`` counts
from the user's creation, which puts users spawned together back in step). Its
greenlet only starts it, waits for it cooperatively and owns its end, so an iteration costs
the hub nothing: no hand-over per iteration, only the statistics, which the loop's side
collects from every session in a ``RequestOutbox`` and hands to the hub in batches (at most
every ``FLUSH_EVERY`` seconds); there ``StatsPump``'s greenlet fires them as Locust requests.
The times are measured on the loop, so the batching delays no figure.

``wait_time`` is called on the loop's thread: it must be a plain function, as Locust's
``constant``, ``between``, ``constant_pacing`` and ``constant_throughput`` are. ``finish()``
ends the iterations after the one under way (Locust's graceful stop); ``close()`` stops at
once and closes the connections with 1001 "going away". ``SessionRegistry`` holds the
sessions not closed yet, so that the end of a test closes every one of them with 1001 even
when a user's greenlet was killed before it could.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import AsyncResult
from gevent.queue import Queue

from workbench.engine.scenarios.model import Scenario
from workbench.engine.scenarios.results import StepEvent
from workbench.engine.scenarios.runner import CLOSE_AT_END, ScenarioRunner

from .bridge import LoopStopped, LoopThread
from .step_requests import REQUEST_EVENTS, StepRequest, request_of

__all__ = [
    "FLUSH_EVERY",
    "GOING_AWAY",
    "RequestOutbox",
    "ScenarioSession",
    "SessionRegistry",
    "StatsPump",
]

#: The close code and reason of a user that stops.
GOING_AWAY = (1001, "going away")
#: Seconds the loop's side collects statistics before it hands them to the hub.
FLUSH_EVERY = 0.05


class ScenarioSession:
    """One user's iterations of ``scenario``; public methods are called from its greenlet."""

    def __init__(
        self,
        bridge: LoopThread,
        scenario: Scenario,
        names: dict[int, str],
        outbox: RequestOutbox,
        registry: SessionRegistry | None = None,
    ) -> None:
        self.bridge = bridge
        self.names = names
        self.outbox = outbox
        self.runner = ScenarioRunner(
            scenario, self._on_event, keep_open=True, events=REQUEST_EVENTS
        )
        self.closed = False
        self._registry = registry
        self._finishing = False  # the loop's side only, from here on
        self._asleep = False
        self._task: asyncio.Task[None] | None = None
        if registry is not None:
            registry.sessions.add(self)

    def start(
        self, wait_time: Callable[[], float], phase: float = 0.0, pace: float | None = None
    ) -> AsyncResult[None]:
        """Start the iterations, the first after ``phase`` seconds, then one every ``pace``
        seconds (or ``wait_time()`` after each); an ``AsyncResult`` set when they end
        (``finish``, or an error, which it holds)."""
        ended: AsyncResult[None] = AsyncResult()
        self.bridge.call_soon(self._begin, wait_time, phase, pace, ended)
        return ended

    def finish(self) -> None:
        """End the iterations once the one under way is done."""
        self.bridge.call_soon(self._finish)

    def close(self, timeout: float = CLOSE_AT_END + 3) -> None:
        """Stop a run under way and close the connections with 1001 (bounded; idempotent)."""
        if self.closed:
            return
        self.closed = True
        if self._registry is not None:
            self._registry.sessions.discard(self)
        with contextlib.suppress(gevent.Timeout, LoopStopped):  # the loop's stop ends the rest
            self.bridge.submit(self._close).get(timeout=timeout)

    # -- the loop's side ------------------------------------------------------------------

    def _begin(
        self,
        wait_time: Callable[[], float],
        phase: float,
        pace: float | None,
        ended: AsyncResult[None],
    ) -> None:
        self._finishing = False
        task = asyncio.get_running_loop().create_task(self._iterate(wait_time, phase, pace))
        self._task = task

        def done(task: asyncio.Task[None]) -> None:
            if task.cancelled():
                self.bridge.to_greenlets(ended.set, None)
            elif (error := task.exception()) is not None:
                self.bridge.to_greenlets(ended.set_exception, error)
            else:
                self.bridge.to_greenlets(ended.set, None)

        task.add_done_callback(done)

    async def _iterate(
        self, wait_time: Callable[[], float], phase: float, pace: float | None
    ) -> None:
        loop = asyncio.get_running_loop()
        start_at = loop.time() + phase
        while not self._finishing:
            pause = start_at - loop.time()
            if pause > 0:
                self._asleep = True
                try:
                    await asyncio.sleep(pause)
                finally:
                    self._asleep = False
                if self._finishing:
                    break
            started = loop.time()
            await self.runner.run()
            # pacing counts from when this iteration started (so the phase stays), and a
            # late iteration starts the next at once rather than catching up
            start_at = max(started + pace, loop.time()) if pace else loop.time() + wait_time()

    def _finish(self) -> None:
        self._finishing = True
        if self._asleep and self._task is not None:
            self._task.cancel()  # between two iterations: nothing is under way

    async def _close(self) -> None:
        self._finishing = True
        await self.runner.close(*GOING_AWAY)  # stops a run under way first
        if self._task is not None and not self._task.done():
            if self._asleep:
                self._task.cancel()  # never while it runs: that would close with 1000
            await asyncio.gather(self._task, return_exceptions=True)

    def _on_event(self, event: StepEvent) -> None:  # a step passed or failed
        request = request_of(event.result, self.names)
        if request is not None:
            self.outbox.add(request)


class RequestOutbox:
    """The loop's side: requests of every session, handed to ``deliver`` in the hub in
    batches, at most every ``FLUSH_EVERY`` seconds (``flush()`` hands over the rest now)."""

    def __init__(self, bridge: LoopThread, deliver: Callable[[list[StepRequest]], None]) -> None:
        self.bridge = bridge
        self.deliver = deliver
        self._batch: list[StepRequest] = []
        self._due: asyncio.TimerHandle | None = None

    def add(self, request: StepRequest) -> None:
        self._batch.append(request)
        if self._due is None:
            self._due = asyncio.get_running_loop().call_later(FLUSH_EVERY, self.flush)

    def flush(self) -> None:
        if self._due is not None:
            self._due.cancel()
            self._due = None
        if self._batch:
            batch, self._batch = self._batch, []
            self.bridge.to_greenlets(self.deliver, batch)


class StatsPump:
    """The gevent side: one greenlet fires the batches' requests as Locust request events
    (``fire`` is ``environment.events.request.fire``) and counts them."""

    def __init__(self) -> None:
        self.steps = 0
        self.failed = 0
        self._batches: Queue[list[StepRequest]] = Queue()
        self._fire: Callable[..., None] | None = None
        self._greenlet: gevent.Greenlet[Any, Any] | None = None

    def deliver(self, batch: list[StepRequest]) -> None:
        """In the hub: queue a batch (never blocks)."""
        self._batches.put(batch)

    def start(self, fire: Callable[..., None]) -> None:
        self._fire = fire
        if self._greenlet is None or self._greenlet.dead:
            self._greenlet = gevent.spawn(self._pump)

    def stop(self) -> None:
        """Fire what is queued now, and end the greenlet."""
        if self._greenlet is not None:
            self._greenlet.kill()
            self._greenlet = None
        while not self._batches.empty():
            self._fire_all(self._batches.get())

    def _pump(self) -> None:
        while True:
            self._fire_all(self._batches.get())

    def _fire_all(self, batch: list[StepRequest]) -> None:
        fire = self._fire
        assert fire is not None, "start() gave it"
        for request in batch:
            self.steps += 1
            self.failed += request.exception is not None
            fire(
                request_type="WS",
                name=request.name,
                response_time=request.response_time,
                response_length=request.response_length,
                exception=request.exception,
                context={},
            )


class SessionRegistry:
    """The sessions of a process not closed yet (touched from greenlets only)."""

    def __init__(self) -> None:
        self.sessions: set[ScenarioSession] = set()

    def close_all(self, timeout: float = CLOSE_AT_END + 3) -> int:
        """Close every session left, all at once; how many there were."""
        left = list(self.sessions)
        greenlets = [gevent.spawn(session.close, timeout) for session in left]
        gevent.joinall(greenlets, timeout=timeout + 1)
        return len(left)
