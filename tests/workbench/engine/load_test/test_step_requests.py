"""Steps as Locust requests: names that stay apart, failures on one bounded line, what is not
a request; and the pause between a user's iterations."""

from __future__ import annotations

import argparse

import pytest

from tests.workbench.engine.scenarios.helpers import scenario_of
from workbench.engine.load_test.command_options import OptionError, Pause, pause_of
from workbench.engine.load_test.step_requests import FAILURE_TEXT, request_names, request_of
from workbench.engine.scenarios.results import StepResult

TWICE = """
name: twice
url: ws://127.0.0.1:1/
steps:
  - send: {message: {n: 1}}
  - expect: {equals: {n: 1}}
  - send: {message: {n: 1}}
"""


def test_names_are_labels_made_unique_and_prefixed_when_asked() -> None:
    scenario = scenario_of(TWICE)
    assert request_names(scenario) == {
        0: "open client (at the start)",
        1: 'send: {"n":1} (step 1)',
        2: 'expect: equals {"n":1}',
        3: 'send: {"n":1} (step 3)',
    }
    assert request_names(scenario, prefix=True)[2] == 'twice: expect: equals {"n":1}'


def test_a_step_becomes_a_request_with_its_time_size_and_failure() -> None:
    scenario = scenario_of(TWICE)
    names = request_names(scenario)
    sent = StepResult(scenario.steps[1], status="passed", elapsed=0.0125, size=7)
    request = request_of(sent, names)
    assert request is not None
    assert (request.name, request.response_time, request.response_length) == (
        'send: {"n":1} (step 1)',
        12.5,
        7,
    )
    assert request.exception is None
    failed = StepResult(
        scenario.steps[2],
        status="failed",
        elapsed=2.0,
        message="no matching message within 2.00 s\x1b[2J",
        mismatches=["equals at $.n: expected 1, received 2"],
        diff=[
            "--- expected",
            "+++ received",
            "@@ -1,3 +1,3 @@",
            " {",
            '-  "n": 1',
            '+  "n": 2',
            " }",
        ],
    )
    failure = request_of(failed, names)
    assert failure is not None and failure.exception is not None
    assert (
        repr(failure.exception)
        == str(failure.exception)
        == (
            "no matching message within 2.00 s\\x1b[2J; equals at $.n: expected 1, received 2; "
            'diff: -"n": 1 +"n": 2'
        )
    )
    long = StepResult(scenario.steps[2], status="failed", message="x" * 5000)
    assert len(str(request_of(long, names).exception)) == FAILURE_TEXT  # type: ignore[union-attr]


def test_kept_opens_stopped_and_skipped_steps_are_not_requests() -> None:
    scenario = scenario_of(TWICE)
    names = request_names(scenario)
    assert request_of(StepResult(scenario.steps[0], status="passed", reused=True), names) is None
    assert request_of(StepResult(scenario.steps[0], status="passed"), names) is not None
    for status in ("stopped", "skipped"):
        assert request_of(StepResult(scenario.steps[1], status=status), names) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("wait", "pace", "pause"),
    [
        ("", "", Pause("wait")),
        ("1s", "", Pause("wait", 1.0, 1.0)),
        ("500ms-2s", "", Pause("wait", 0.5, 2.0)),
        ("", "250ms", Pause("pace", 0.25)),
    ],
)
def test_the_pause_between_iterations(wait: str, pace: str, pause: Pause) -> None:
    assert pause_of(argparse.Namespace(wait=wait, pace=pace)) == pause


def test_a_pace_of_nothing_is_refused() -> None:
    with pytest.raises(OptionError, match="--pace must be longer than 0 s"):
        pause_of(argparse.Namespace(wait="", pace="0s"))
