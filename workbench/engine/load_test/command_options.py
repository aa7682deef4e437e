"""The options a load test adds to Locust's, and the pause between a user's iterations.

``add_options`` puts them on a parser: Locust's own (our locustfile's
``init_command_line_parser`` listener, so plain ``locust -f … --scenario FILE`` works) and
``websocket-workbench load``'s. ``--var`` and ``--env`` are the scenario commands'
variables; ``--wait`` and ``--pace`` say what a user does between two runs of the scenario
(Locust's ``constant`` / ``between`` and ``constant_pacing``; neither: no pause, Locust's
default). Nothing here imports Locust, so the command can check them before Locust starts.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.engine.scenarios.durations import DurationError, parse_duration
from workbench.engine.scenarios.variables import (
    Sources,
    VariableError,
    parse_assignments,
    read_env_file,
)

__all__ = [
    "OptionError",
    "Pause",
    "add_options",
    "given_sources",
    "parse_pause",
    "pause_of",
    "sources_of",
]

#: What the messages call an assignment and the file of variables.
_OPTION_NAMES = ("--var", "the --env file")


class OptionError(ValueError):
    """An option of the load test is wrong; the message says how to write it."""


@dataclass(frozen=True)
class Pause:
    """Between a user's iterations: ``wait`` ``low``..``high`` seconds, or ``pace`` (start
    one iteration every ``low`` seconds, whatever the last one took)."""

    kind: str
    low: float = 0.0
    high: float = 0.0


def add_options(parser: Any, scenario_option: bool) -> None:
    """Add the load test's options (``--scenario FILE`` when ``scenario_option``)."""
    web = {"include_in_web_ui": False} if scenario_option else {}
    if scenario_option:
        parser.add_argument(
            "--scenario",
            metavar="FILE",
            default="",
            help="the scenario file every virtual user runs (websocket-workbench scenarios)",
            **web,
        )
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a scenario variable (wins over --env, the environment and the file's vars)",
        **web,
    )
    parser.add_argument(
        "--env",
        metavar="FILE",
        default="",
        help="scenario variables from a YAML or .env file",
        **web,
    )
    parser.add_argument(
        "--wait",
        metavar="TIME",
        default="",
        help="pause between a user's iterations: 1s, or 500ms-2s for a random pause in between",
        **web,
    )
    parser.add_argument(
        "--pace",
        metavar="TIME",
        default="",
        help="start an iteration every TIME per user (e.g. 1s), whatever the last one took; "
        "each user's first at a random point of its first TIME",
        **web,
    )


def pause_of(options: argparse.Namespace) -> Pause:
    """The ``Pause`` that ``--wait`` / ``--pace`` ask for; ``OptionError`` if they are wrong."""
    return parse_pause(getattr(options, "wait", "") or "", getattr(options, "pace", "") or "")


def parse_pause(wait: str, pace: str, called: str = "--wait") -> Pause:
    """The ``Pause`` of a ``wait`` (``1s``, ``500ms-2s``) or a ``pace`` (``1s``; "": none of
    either); ``OptionError`` if they are wrong (the message calls the wait ``called``)."""
    if wait and pace:
        raise OptionError("give --wait or --pace, not both")
    try:
        if pace:
            return Pause("pace", _positive(parse_duration(pace), "--pace"))
        if not wait:
            return Pause("wait")
        low_text, dash, high_text = wait.partition("-")
        low = parse_duration(low_text)
        high = parse_duration(high_text) if dash else low
    except DurationError as exc:
        raise OptionError(f"{'--pace' if pace else called}: {exc}") from None
    if high < low:
        raise OptionError(f"{called} {wait}: the first time must be the shorter one")
    return Pause("wait", low, high)


def sources_of(options: argparse.Namespace) -> Sources:
    """The variables ``--var`` and ``--env`` give (and the environment's); ``OptionError``."""
    return given_sources(list(options.var or []), options.env or "")


def given_sources(
    assignments: Sequence[str], env_file: str, called: tuple[str, str] = _OPTION_NAMES
) -> Sources:
    """The variables ``assignments`` (``NAME=VALUE``, as ``--var`` takes them) and the
    ``env_file`` (as ``--env``; "": none) give, with the environment's; ``OptionError``
    says what is wrong, calling an assignment and the file ``called``."""
    try:
        env = read_env_file(env_file, called[1]) if env_file else {}
        return Sources(env_file=env, cli=parse_assignments(assignments, called[0]))
    except VariableError as exc:
        raise OptionError(str(exc)) from None


def _positive(seconds: float, option: str) -> float:
    if seconds <= 0:
        raise OptionError(f"{option} must be longer than 0 s")
    return seconds
