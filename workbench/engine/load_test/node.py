"""What one Locust process keeps for its virtual users: the scenarios, the loop, the sessions.

A process has one ``Node`` (``NODE``). Its scenarios are loaded from the file on the master
or in a single process, and arrive from the master on a worker; until then a user that
starts waits for them (cooperatively, bounded by ``SCENARIO_WAIT``), and a node that cannot
have them (the master's scenario did not load here) says why. ``begin_user`` starts the
loop's thread and the statistics' greenlet (``sessions.StatsPump``) for the first user;
``end_test()`` closes every session left with 1001, fires the statistics still on their way
and stops the loop's thread; the next test starts them again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from gevent.event import AsyncResult

from workbench.engine.scenarios.model import Scenario

from .bridge import STOP_TIMEOUT, LoopThread
from .sessions import RequestOutbox, SessionRegistry, StatsPump
from .step_requests import request_names

__all__ = ["NODE", "SCENARIO_WAIT", "Counts", "NoScenario", "Node", "Plan"]

#: Seconds a user waits for the scenario to arrive from the master.
SCENARIO_WAIT = 30.0


class NoScenario(RuntimeError):
    """This process has no scenario to run; the message says why."""


@dataclass(frozen=True)
class Plan:
    """The scenarios of the file and their steps' request names (``step_requests``)."""

    scenarios: list[Scenario]
    names: list[dict[int, str]]

    @classmethod
    def of(cls, scenarios: list[Scenario]) -> Plan:
        several = len(scenarios) > 1
        return cls(scenarios, [request_names(s, prefix=several) for s in scenarios])


@dataclass
class Counts:
    """What the users of this process did since the last ``take_counts``."""

    users: int = 0
    steps: int = 0
    failed: int = 0


class Node:
    """The process's scenarios, asyncio thread and open sessions (used from greenlets)."""

    def __init__(self) -> None:
        self.bridge = LoopThread()
        self.sessions = SessionRegistry()
        self.pump = StatsPump()
        self.outbox = RequestOutbox(self.bridge, self.pump.deliver)
        self.users = 0
        self._plan: AsyncResult[Plan] = AsyncResult()
        self._turn = itertools.count()

    def set_plan(self, scenarios: list[Scenario]) -> None:
        if self._plan.ready():
            self._plan = AsyncResult()
        self._plan.set(Plan.of(scenarios))

    def fail(self, why: str) -> None:
        """No scenario will come: users that start say ``why``."""
        if self._plan.ready():
            self._plan = AsyncResult()
        self._plan.set_exception(NoScenario(why))

    def next_scenario(self, timeout: float = SCENARIO_WAIT) -> tuple[Scenario, dict[int, str]]:
        """The scenario the next user runs (the file's in turn) and its request names."""
        self._plan.wait(timeout)
        if not self._plan.ready():
            raise NoScenario(f"the scenario did not arrive from the master in {timeout:g} s")
        plan = self._plan.get()  # raises NoScenario when the node failed
        assert plan is not None
        turn = next(self._turn) % len(plan.scenarios)
        return plan.scenarios[turn], plan.names[turn]

    def begin_user(self, fire: Callable[..., None]) -> None:
        """Before a user's session: the loop's thread and the statistics' greenlet run."""
        self.bridge.start()
        self.pump.start(fire)
        self.users += 1

    def take_counts(self) -> Counts:
        counts = Counts(self.users, self.pump.steps, self.pump.failed)
        self.users = self.pump.steps = self.pump.failed = 0
        return counts

    def end_test(self) -> int:
        """Close the sessions left (1001), fire the statistics still on their way and stop
        the loop; how many sessions were left."""
        left = self.sessions.close_all()
        if self.bridge.running:
            self.bridge.submit(_flush, self.outbox).get(timeout=STOP_TIMEOUT)
        self.bridge.stop()  # delivers to the pump what the loop handed over
        self.pump.stop()
        return left


async def _flush(outbox: RequestOutbox) -> None:
    outbox.flush()


NODE = Node()
