"""``websocket-workbench load SCENARIO …``: a scenario as a Locust load test, from one command.

A thin layer over Locust: it checks what it can before anything starts, then runs Locust
with our ``locustfile`` in a process of its own (Locust monkey-patches the process it runs
in) and exits with Locust's exit code. Before Locust starts:

- the scenario file is loaded: a file with a mistake is refused with the loader's message,
  and so are wrong ``--var`` / ``--env`` / ``--wait`` / ``--pace`` options (exit 2);
- a port the master or the web UI needs that is in use is said in words (exit 2);
- a worker waits, at most ``--master-wait`` seconds, until its master's port answers, and
  says in words when it never does (exit 2); a headless master gives up on workers that do
  not come after ``--expect-workers-max-wait`` (120 s unless given).

A worker takes no SCENARIO: its master sends it. SCENARIO goes first; every option this
command does not know goes to Locust as it is (``locust --help``). Ctrl+C reaches Locust,
which stops the users (their connections close with 1001) and writes its reports.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import workbench
from workbench.engine.scenarios.checking import ScenarioError
from workbench.engine.scenarios.loading import load_file

from .command_options import OptionError, add_options, pause_of, sources_of

__all__ = ["EXIT_INVALID", "LOCUSTFILE", "locust_command", "main"]

EXIT_INVALID, EXIT_INTERRUPTED = 2, 130
#: The locustfile every load test runs.
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
#: Locust's default ports: the master's for its workers, and the web UI's.
MASTER_PORT, WEB_PORT = 5557, 8089
_EXPECT_WORKERS_WAIT = "120"
_AFTER_CTRL_C = 30.0


class Refused(Exception):
    """The load test cannot start; the message says why and what to do."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="websocket-workbench load",
        allow_abbrev=False,
        description="Run a scenario file as a Locust load test: many virtual users, each "
        "running its steps again and again, on this machine or many.",
        epilog="Other options go to Locust as they are (see locust --help). Exit codes: "
        "Locust's (0 passed, 1 a step failed), 2 the test could not start.",
    )
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO", help="the scenario file")
    parser.add_argument("-u", "--users", type=int, metavar="N", help="virtual users (peak)")
    parser.add_argument("-r", "--spawn-rate", type=float, metavar="R", help="users started/s")
    parser.add_argument("-t", "--run-time", metavar="T", help="stop after T (e.g. 60s, 5m)")
    parser.add_argument("--processes", type=int, metavar="P", help="worker processes here")
    role = parser.add_mutually_exclusive_group()
    role.add_argument("--master", action="store_true", help="be the master of workers")
    role.add_argument("--worker", action="store_true", help="be a worker of --master-host")
    parser.add_argument("--master-host", metavar="H", help="the master's address (a worker's)")
    parser.add_argument("--master-port", type=int, metavar="PORT", help=f"(default {MASTER_PORT})")
    parser.add_argument("--master-bind-port", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("-P", "--web-port", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument(
        "--master-wait",
        type=float,
        default=60.0,
        metavar="S",
        help="how long a worker waits for its master's port (default 60)",
    )
    parser.add_argument("--html", metavar="REPORT", help="write Locust's HTML report")
    parser.add_argument("--csv", metavar="PREFIX", help="write Locust's CSV statistics")
    parser.add_argument("--headless", action="store_true", help="no web UI: start at once")
    add_options(parser, scenario_option=False)
    return parser


def main(argv: Sequence[str], err: TextIO | None = None) -> int:
    """Run ``websocket-workbench load`` with ``argv`` (without ``load``); the exit code."""
    err = err or sys.stderr
    options, rest = _parser().parse_known_args(list(argv))
    try:
        command = locust_command(options, rest)
    except Refused as exc:
        print(f"websocket-workbench load: {exc}", file=err, flush=True)
        return EXIT_INVALID
    return _run(command)


def locust_command(options: argparse.Namespace, rest: list[str]) -> list[str]:
    """The Locust command line for ``options``, once everything was checked (``Refused``)."""
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    if options.worker:
        if options.scenario:
            raise Refused(
                "a worker takes no SCENARIO: its master sends it; leave it out "
                f"(websocket-workbench load --worker --master-host {options.master_host or 'HOST'})"
            )
        _wait_for_master(
            options.master_host or "127.0.0.1",
            options.master_port or MASTER_PORT,
            options.master_wait,
        )
    else:
        _check_scenario(options)
        command += ["--scenario", options.scenario]
        for variable in options.var:
            command += ["--var", variable]
        for name in ("env", "wait", "pace"):
            if getattr(options, name):
                command += [f"--{name}", getattr(options, name)]
        for report in (options.html, options.csv):
            if report and not Path(report).resolve().parent.is_dir():
                raise Refused(f"cannot write {report}: no such folder")
        if options.master or options.processes:
            _check_port(options.master_bind_port or MASTER_PORT, "--master-bind-port", "master")
        if not options.headless:
            _check_port(options.web_port or WEB_PORT, "--web-port", "web UI")
    for flag in ("master", "worker", "headless"):
        if getattr(options, flag):
            command.append(f"--{flag}")
    for name in (
        "users",
        "spawn_rate",
        "run_time",
        "processes",
        "master_host",
        "master_port",
        "master_bind_port",
        "web_port",
        "html",
        "csv",
    ):
        value = getattr(options, name)
        if value is not None:
            command += [f"--{name.replace('_', '-')}", str(value)]
    leads = (options.master or options.processes) and not options.worker
    if leads and options.headless and "--expect-workers-max-wait" not in rest:
        command += ["--expect-workers-max-wait", _EXPECT_WORKERS_WAIT]
    if options.processes and options.master_bind_port and not options.master_port:
        command += ["--master-port", str(options.master_bind_port)]  # for the forked workers
    return command + rest


def _check_scenario(options: argparse.Namespace) -> None:
    if not options.scenario:
        raise Refused("say which scenario file the users run: websocket-workbench load SCENARIO")
    try:
        pause_of(options)
        load_file(options.scenario, sources_of(options))
    except OptionError as exc:
        raise Refused(str(exc)) from None
    except ScenarioError as exc:
        raise Refused(f"{options.scenario} is not valid, no user was started:\n{exc}") from None


def _check_port(port: int, option: str, what: str) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("", port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise Refused(f"cannot use port {port} for the {what}: {exc.strerror}") from None
            raise Refused(
                f"port {port}, which the {what} needs, is in use (another Locust, or another "
                f"program); stop that, or choose a free port with {option} N"
                + (" (and give the workers --master-port N)" if what == "master" else "")
            ) from None


def _wait_for_master(host: str, port: int, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            with socket.create_connection((host, port), timeout=2):
                return
        except OSError as exc:
            why = exc.strerror or str(exc)
        if time.monotonic() >= deadline:
            raise Refused(
                f"cannot reach the Locust master at {host}:{port} ({why}) after {wait:g} s: "
                "start it first (websocket-workbench load SCENARIO --master), or check "
                "--master-host, --master-port and the firewall between the machines"
            )
        time.sleep(0.5)


def _run(command: list[str]) -> int:
    """Run Locust; its exit code. Ctrl+C reaches it too (same process group): wait for it."""
    env = dict(os.environ)
    here = str(Path(workbench.__file__).resolve().parents[1])  # this workbench, not another
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    process = subprocess.Popen(command, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        try:
            return process.wait(timeout=_AFTER_CTRL_C) or EXIT_INTERRUPTED
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            process.send_signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
            process.wait()
            return EXIT_INTERRUPTED
