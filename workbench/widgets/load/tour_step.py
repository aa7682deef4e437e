"""The tour's ``load.png``: the Load test tab running ``LOAD_SCENARIO`` (its ``{{PORT}}``
given in the tab's Variables) against the tour's echoing server as ``LOAD_USERS`` Locust users (a master and a worker process, in the tour's
scratch folder), taken once every step has figures and the plot has a few points
(``workbench.widgets.window.tour``). Closing the window stops the run."""

from __future__ import annotations

from typing import Any

from workbench.widgets.common.tour_waits import TourError, until

__all__ = ["LOAD_SCENARIO", "LOAD_USERS", "load_test_run", "show_load_test"]

#: The load test of the tour's server: its port is given in the tab's Variables.
LOAD_SCENARIO = """name: chat echo
url: 'ws://127.0.0.1:{{PORT}}/chat'
steps:
  - send: {message: {type: say, text: hi}}
  - expect: {match: {type: say, text: hi}, within: 1s}
  - send: {text: ping}
  - expect: {text: ping, within: 1s}
"""
#: Fewer than the shared server's per-address cap (``classroom.SHARED_PER_ADDRESS``) less the
#: tour's own clients: every user connects from 127.0.0.1.
LOAD_USERS = 10
#: Seconds Locust's processes may take to start and show figures (a busy machine).
LOAD_TIMEOUT = 60.0


async def load_test_run(tour: Any) -> None:
    """The Load test tab runs ``LOAD_SCENARIO`` against the echoing server, until each step
    has figures, every user runs and the plot has a few points."""
    window, engine = tour.window, tour.service.engine
    engine.set_auto_reply(tour.server_id, "echo")
    scratch = window.workspace_files.path.parent  # the tour's own folder, removed after it
    engine.load_test.runs = scratch / "load-tests"
    scenario = scratch / "chat echo.yaml"
    scenario.write_text(LOAD_SCENARIO, "utf-8")
    tab = window.load_test
    window.tabs.setCurrentWidget(tab)
    tab.add_file(str(scenario))
    tab.users.setValue(LOAD_USERS)
    tab.spawn_rate.setValue(LOAD_USERS / 4)
    tab.duration.setValue(120)
    tab.pace.setValue(1)
    tab.variables.setPlainText(f"PORT={engine.server(tour.server_id).port}")
    if not tab.start():
        raise TourError(f"the load test did not start: {tab.status.text()}")

    def running() -> bool:
        stats = engine.load_test.stats
        if engine.load_test.state == "failed":
            raise TourError(f"the load test failed: {engine.load_test.text}")
        if stats is not None and any(step.failures for step in stats.steps):
            raise TourError("a step of the load test failed")
        return (
            stats is not None
            and stats.users == LOAD_USERS
            and len(stats.steps) == 5
            and all(step.requests for step in stats.steps)
            and len(tab.plot.points) >= 12
        )

    await until(running, "the load test's figures", LOAD_TIMEOUT)


def show_load_test(tour: Any) -> None:
    tour.window.tabs.setCurrentWidget(tour.window.load_test)
    return None
