"""What a run from the window gives Locust beside the numbers: the scenario's variables
(``NAME=VALUE`` lines and an env file) and the wait between a user's iterations. They are
checked with ``websocket-workbench load``'s own parsing (``command_options``), in the
window's words, and reach Locust as that command's ``--var``, ``--env`` and ``--wait``."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.engine.scenarios.variables import Sources

from .command_options import OptionError, given_sources, parse_pause

__all__ = ["check_options", "locust_options"]

#: What the messages call a variable's line, the file of variables and the wait.
_CALLED = ("The variable", "the env file")
_WAIT = "The wait"


def check_options(variables: Sequence[str], env_file: str, wait: str, pace: float) -> Sources:
    """The variables' sources; ``OptionError`` says, in a sentence, what is wrong."""
    if wait:
        if pace > 0:
            raise OptionError(
                "Each user either starts an iteration every so often or waits between them, "
                "not both: set the pace to 0 (no pause) to wait"
            )
        parse_pause(wait, "", _WAIT)
    try:
        return given_sources(variables, env_file, _CALLED)
    except OptionError as exc:
        said = str(exc)
        raise OptionError(said[:1].upper() + said[1:]) from None


def locust_options(variables: Sequence[str], env_file: str, wait: str) -> list[str]:
    """The options of Locust's master (our locustfile's) that give them."""
    options = [item for assignment in variables for item in ("--var", assignment)]
    if env_file:
        options += ["--env", env_file]
    if wait:
        options += ["--wait", wait]
    return options
