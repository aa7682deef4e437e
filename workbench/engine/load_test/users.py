"""``ScenarioUser``: a Locust user that runs a scenario file's steps, again and again.

Each virtual user takes the file's next scenario (in turn, when the file holds several),
opens its connections on its first iteration and keeps them, runs the steps once per
iteration with Locust's ``wait_time`` in between, and reports every step as a Locust request
(``request_type`` "WS", the step's name, time, message size, and its failure with the short
diff; see ``step_requests``). When the user stops (Locust's stop, the end of ``--run-time``,
Ctrl+C) its connections close with 1001. The iterations run on the asyncio loop
(``sessions``); the user's greenlet starts them, waits, and ends them.

``wait_time`` comes from ``--wait`` / ``--pace``; a subclass in a locustfile of your own may
set it the Locust way instead (``wait_time = between(1, 3)``): a plain function, since it is
called on the loop's thread. Importing this module wires the load test into Locust's events
(``locust_events``).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from locust import User, between, constant, constant_pacing, task
from locust.exception import StopUser
from locust.user.task import LOCUST_STATE_STOPPING

from . import locust_events  # noqa: F401  (the options, the scenario's travel, the end of a test)
from .command_options import Pause, pause_of
from .node import NODE, NoScenario
from .sessions import ScenarioSession

__all__ = ["ScenarioUser"]

log = logging.getLogger(__name__)


class ScenarioUser(User):
    """Runs the scenario given with ``--scenario`` (see the module docstring)."""

    abstract = True
    _session: ScenarioSession | None = None
    _pause: Callable[[Any], float] | None = None

    def wait_time(self) -> float:
        if self._pause is None:
            self._pause = _pause_function(pause_of(self.environment.parsed_options))
        return self._pause(self)

    def on_start(self) -> None:
        try:
            scenario, names = NODE.next_scenario()
        except NoScenario as exc:
            log.error("this user cannot run: %s", exc)
            raise StopUser from None
        NODE.begin_user(self.environment.events.request.fire)
        self._session = ScenarioSession(NODE.bridge, scenario, names, NODE.outbox, NODE.sessions)

    @task
    def run_scenario(self) -> None:
        """The user's iterations, on the asyncio loop until Locust stops the user."""
        assert self._session is not None, "on_start made the session"
        pause = pause_of(self.environment.parsed_options)
        if pause.kind == "pace" and type(self).wait_time is ScenarioUser.wait_time:
            # users spawned together (Locust spawns them in per-second batches) start at
            # random points of their first period: else they all send in the same instant
            # of every period, and a test measures how fast a burst drains
            ended = self._session.start(self.wait_time, random.uniform(0, pause.low), pause.low)
        else:
            ended = self._session.start(self.wait_time)
        ended.get()  # raises what ended the iterations, if anything did

    def stop(self, force: bool = False) -> bool:
        """Locust's stop; a graceful one (``--stop-timeout``) lets the iteration under way
        end first, then the task returns and Locust stops the user."""
        stopped: bool = super().stop(force)
        if not stopped and self._state == LOCUST_STATE_STOPPING and self._session is not None:
            self._session.finish()
        return stopped

    def on_stop(self) -> None:
        if self._session is not None:
            self._session.close()


def _pause_function(pause: Pause) -> Callable[[Any], float]:
    if pause.kind == "pace":
        return constant_pacing(pause.low)
    if pause.high > pause.low:
        return between(pause.low, pause.high)
    return constant(pause.low)
