"""A virtual user's scenario: the scenarios runner, kept across the user's iterations.

A ``ScenarioSession`` lives on both sides of the bridge (``bridge``). Its greenlet calls
``iterate()``, which starts one run of the scenario on the loop and yields a ``StepRequest``
as each step ends, waiting for them cooperatively on a gevent ``Queue`` that the loop's side
fills through ``to_greenlets``; the greenlet fires them as Locust statistics. The runner keeps
the user's connections open from one iteration to the next (``ScenarioRunner(keep_open=True)``)
and ``close()`` ends them with 1001 "going away", stopping a run under way.

``SessionRegistry`` holds the sessions of a process that are not closed yet, so that the
end of a test can close every one of them with 1001 even when a user's greenlet was killed
before it could.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import gevent
from gevent.queue import Queue

from workbench.engine.scenarios.model import Scenario
from workbench.engine.scenarios.results import StepEvent
from workbench.engine.scenarios.runner import CLOSE_AT_END, ScenarioRunner

from .bridge import LoopStopped, LoopThread
from .step_requests import StepRequest, request_of

__all__ = ["GOING_AWAY", "ScenarioSession", "SessionRegistry"]

#: The close code and reason of a user that stops.
GOING_AWAY = (1001, "going away")
_END = object()


class ScenarioSession:
    """One user's runs of ``scenario``; its public methods are called from its greenlet."""

    def __init__(
        self,
        bridge: LoopThread,
        scenario: Scenario,
        names: dict[int, str],
        registry: SessionRegistry | None = None,
    ) -> None:
        self.bridge = bridge
        self.names = names
        self.runner = ScenarioRunner(scenario, self._on_event, keep_open=True)
        self.closed = False
        self._registry = registry
        self._channel: Queue[Any] | None = None  # the loop's side only
        if registry is not None:
            registry.sessions.add(self)

    def iterate(self) -> Iterator[StepRequest]:
        """Run the scenario once; its steps' requests as they end."""
        channel: Queue[Any] = Queue()
        self.bridge.call_soon(self._start, channel)
        while (item := channel.get()) is not _END:
            yield item

    def close(self, timeout: float = CLOSE_AT_END + 3) -> None:
        """Stop a run under way and close the connections with 1001 (bounded; idempotent)."""
        if self.closed:
            return
        self.closed = True
        if self._registry is not None:
            self._registry.sessions.discard(self)
        with contextlib.suppress(gevent.Timeout, LoopStopped):  # the loop's stop ends the rest
            self.bridge.submit(self.runner.close, *GOING_AWAY).get(timeout=timeout)

    # -- the loop's side ------------------------------------------------------------------

    def _start(self, channel: Queue[Any]) -> None:
        self._channel = channel
        asyncio.get_running_loop().create_task(self._run(channel))

    async def _run(self, channel: Queue[Any]) -> None:
        try:
            await self.runner.run()
        finally:
            self.bridge.to_greenlets(channel.put, _END)

    def _on_event(self, event: StepEvent) -> None:
        if event.kind not in ("passed", "failed") or self._channel is None:
            return
        request = request_of(event.result, self.names)
        if request is not None:
            self.bridge.to_greenlets(self._channel.put, request)


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
