"""The load test in Locust's events: its options, where the scenario comes from, a test's end.

- ``init_command_line_parser``: ``--scenario``, ``--var``, ``--env``, ``--wait``, ``--pace``
  (``command_options``).
- ``init``, on the master or a single process: the file is loaded (``bundle.pack``); a file
  with a mistake, or a wrong option, is said and the process exits with 2 before any user
  starts. The master answers each worker's request for it with the bundle (Locust's custom
  messages), and says in words when a worker stops answering.
- ``init``, on a worker (another machine, or a child of ``--processes``): it asks its master
  for the scenario and loads the answer (``bundle.unpack``); it reads no file of its own.
- ``test_stop`` (Locust's stop, the end of ``--run-time``, Ctrl+C: after the users stopped,
  each closing its connections with 1001): every session left is closed with 1001 and the
  asyncio thread stops (``Node.end_test``); a process that ran users says how many, with its
  steps and failures (a line a person, or a test, can add up across workers). ``quit`` does
  the same for a process that ends without a stop. (Not ``quitting``: Locust fires it while
  the users still run.)
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import gevent
from locust import events
from locust.env import Environment
from locust.runners import STATE_MISSING, MasterRunner, Runner, WorkerRunner

from workbench.engine.scenarios.checking import ScenarioError
from workbench.engine.scenarios.console import plain

from .bundle import ScenarioBundle, pack, unpack
from .command_options import OptionError, add_options, pause_of, sources_of
from .node import NODE

__all__ = ["ASK_MESSAGE", "EXIT_INVALID", "SCENARIO_MESSAGE"]

log = logging.getLogger("websocket-workbench")

#: Locust custom messages: a worker asks for the scenario, the master sends it.
ASK_MESSAGE = "workbench:ask-scenario"
SCENARIO_MESSAGE = "workbench:scenario"
#: The exit code of a load test refused before it started (as ``websocket-workbench run``).
EXIT_INVALID = 2
_WATCH_EVERY = 1.0


def _add_options(parser: Any, **_: Any) -> None:
    add_options(parser, scenario_option=True)


def _on_init(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message(SCENARIO_MESSAGE, _on_scenario)
        runner.send_message(ASK_MESSAGE)
        return
    options = environment.parsed_options
    file = getattr(options, "scenario", "")
    try:
        if options is None or not file:
            raise OptionError("say which scenario file the users run: --scenario FILE")
        pause_of(options)
        scenarios, bundle = pack(file, sources_of(options))
    except OptionError as exc:
        _refuse(str(exc))
    except ScenarioError as exc:
        _refuse(f"{file} is not valid, no user was started:\n{exc}")
    NODE.set_plan(scenarios)
    if isinstance(runner, MasterRunner):
        _serve_workers(runner, bundle)


def _refuse(why: str) -> NoReturn:
    print(f"websocket-workbench load: {plain(why)}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_INVALID)


def _serve_workers(runner: MasterRunner, bundle: ScenarioBundle) -> None:
    message = bundle.as_message()

    def send(environment: Environment, msg: Any, **_: Any) -> None:
        runner.send_message(SCENARIO_MESSAGE, message, client_id=msg.node_id)

    runner.register_message(ASK_MESSAGE, send)
    runner.greenlet.spawn(_watch_workers, runner)


def _on_scenario(environment: Environment, msg: Any, **_: Any) -> None:
    try:
        bundle = ScenarioBundle.from_message(msg.data)
        scenarios = unpack(bundle)
    except ScenarioError as exc:
        why = f"the master's scenario does not load on this worker:\n{exc}"
        log.error("%s", plain(why))
        NODE.fail(why)
        return
    NODE.set_plan(scenarios)
    log.info("got the scenario %s from the master", plain(bundle.file))


def _watch_workers(runner: MasterRunner) -> None:
    """Say once, in words, when a worker stops answering (its users are gone)."""
    seen: set[str] = set()
    said: set[str] = set()
    while True:
        gevent.sleep(_WATCH_EVERY)
        current = {node.id: node for node in runner.clients.values()}
        seen.update(current)
        for node_id in seen - said:
            node = current.get(node_id)
            if node is None or node.state == STATE_MISSING:
                said.add(node_id)
                alive = sum(1 for n in current.values() if n.state != STATE_MISSING)
                log.warning(
                    "worker %s stopped answering: its process ended or the network to it broke; "
                    "its users are gone, %d worker(s) carry on",
                    node_id,
                    alive,
                )


def _on_test_stop(environment: Environment, **_: Any) -> None:
    _end(environment.runner)


def _on_quit(**_: Any) -> None:
    NODE.end_test()


def _end(runner: Runner | None) -> None:
    if isinstance(runner, MasterRunner):
        return
    left = NODE.end_test()
    if left:
        log.warning("closed %d connection set(s) that a stopped user had left open", left)
    counts = NODE.take_counts()
    if counts.users:
        where = "this worker" if isinstance(runner, WorkerRunner) else "this process"
        log.info(
            "%s ran %d users: %d steps, %d failed", where, counts.users, counts.steps, counts.failed
        )


def _listen(hook: Any, listener: Callable[..., None]) -> None:
    hook.add_listener(listener)  # Locust's EventHook is not typed


_listen(events.init_command_line_parser, _add_options)
_listen(events.init, _on_init)
_listen(events.test_stop, _on_test_stop)
_listen(events.quit, _on_quit)
