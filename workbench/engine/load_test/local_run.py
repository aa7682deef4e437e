"""``LocalLoadTest``: a load test on this machine, started and watched from the window.

Locust runs in child processes, never in the window's (``children``): a master with its
web UI on a free loopback port, and ``workers`` worker processes connected to it on
another; the master starts the test by itself once every worker is there (``--autostart``),
stops it after the duration (``--run-time``) and quits (``--autoquit``), writing its HTML
report into the run's folder. So a run ends even if the window goes away.

While it runs, a task on the caller's loop polls the master's own figures
(``stats_feed.fetch_stats``, every ``POLL_EVERY`` s, each poll bounded) and watches the
children with ``poll()``; nothing blocks the loop. ``stop()`` is Ctrl+C for the master (its
users close their connections with 1001, it writes the report and tells the workers to
quit), then for the workers left; whatever has not ended after ``STOP_GRACE`` s is killed,
and every child is reaped.

Bad input is refused before any process starts, in words (``LoadRefused``, via ``check``):
a scenario with errors (the scenario loader's message, a variable nobody gave among them),
a variable line that is not ``NAME=VALUE``, an env file that cannot be read, a wrong wait
(``window_options``), a port in use, numbers out of range, Locust not installed. Once
started, a run fails in words when the master ends before it answers or cannot be reached,
or a worker ends before the test starts (the last lines of that process's output are
added); a worker that ends during the test is a ``warning``, and the run fails when none
is left.

Each run has a folder of its own under ``runs_dir`` (platformdirs' user data folder, or
``WEBSOCKET_WORKBENCH_DATA_DIR``): ``report.html`` (Locust's report, kept to open later),
the scenario file when it came from the window's library, and each process's log.

Events (``on(name, handler)``): ``state(state, text)`` as the run moves through ``STATES``
(``text`` says what happens, in words); ``stats(LoadStats)`` on each poll that answered,
its steps in the file's order;
``warning(text)`` for trouble that does not end the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import re
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import platformdirs

from core import EventEmitter
from workbench.engine.scenarios.checking import ScenarioError
from workbench.engine.scenarios.loading import load_file, load_text

from .children import Child, end_all, free_port, kill_all, port_in_use
from .cli import LOCUSTFILE
from .command_options import OptionError
from .stats_feed import LoadStats, StatsError, fetch_stats
from .step_requests import request_names
from .window_options import check_options, locust_options

__all__ = [
    "HOST",
    "POLL_EVERY",
    "STATES",
    "LoadRefused",
    "LoadSettings",
    "LoadState",
    "LocalLoadTest",
    "runs_dir",
]

LoadEvent = Literal["state", "stats", "warning"]
LoadState = Literal["idle", "starting", "running", "stopping", "ended", "failed"]
STATES: tuple[LoadState, ...] = ("idle", "starting", "running", "stopping", "ended", "failed")
#: Where the master listens, for its workers and its web UI: this machine only.
HOST = "127.0.0.1"
#: Seconds between two polls of the master's figures, and the most one poll may take.
POLL_EVERY, POLL_TIMEOUT = 1.0, 2.0
#: Seconds the master may take to answer first (importing Locust takes a while on a busy
#: machine), and to be silent once it has answered.
FIRST_ANSWER, SILENCE = 45.0, 10.0
#: Seconds the workers may take to join before the master gives up (Locust's own wait).
WORKERS_JOIN = 60
#: Seconds Locust keeps its page up after the duration (the last figures are polled then).
AUTOQUIT = 3
#: Seconds each process may take to end after Ctrl+C before it is killed.
STOP_GRACE = 4.0
MAX_USERS, MAX_WORKERS, MAX_DURATION = 100_000, 64, 24 * 3600.0
#: Locust's states once a test is over.
_OVER = ("stopping", "stopped", "cleanup")


class LoadRefused(ValueError):
    """The load test cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class LoadSettings:
    """A run: the ``scenario`` file, ``users`` (peak), ``spawn_rate`` (users started per
    second), ``duration`` (seconds), ``workers`` (local worker processes), ``pace`` (each
    user starts an iteration every ``pace`` s; 0: one after the other), ``web_port`` (of
    Locust's page; 0: a free one), scenario ``variables`` (``NAME=VALUE``, as ``--var``
    takes them), ``env_file`` (of variables, as ``--env``; "": none) and ``wait`` (between a
    user's iterations, as ``--wait``: ``1s``, ``500ms-2s``; only with no ``pace``)."""

    scenario: Path
    users: int = 10
    spawn_rate: float = 10.0
    duration: float = 30.0
    workers: int = 1
    pace: float = 1.0
    web_port: int = 0
    variables: tuple[str, ...] = ()
    env_file: str = ""
    wait: str = ""


def runs_dir() -> Path:
    """Where runs keep their folders: ``WEBSOCKET_WORKBENCH_DATA_DIR`` or the user data
    folder (platformdirs), then ``load-tests``."""
    override = os.environ.get("WEBSOCKET_WORKBENCH_DATA_DIR")
    base = override or platformdirs.user_data_dir("websocket-workbench", appauthor=False)
    return Path(base) / "load-tests"


class LocalLoadTest(EventEmitter[LoadEvent]):
    """One load test at a time (see the module docstring); ``state``, ``text``, the last
    ``stats``, the run's ``folder``, ``report`` and ``web_url`` say where it is."""

    def __init__(self, runs: Path | None = None, python: str = sys.executable) -> None:
        super().__init__()
        self.runs = runs
        self.python = python
        #: Seconds the master may take to answer first, and be silent after (``FIRST_ANSWER``,
        #: ``SILENCE``).
        self.first_answer, self.silence = FIRST_ANSWER, SILENCE
        self.state: LoadState = "idle"
        self.text = ""
        self.stats: LoadStats | None = None
        self.settings: LoadSettings | None = None
        self.folder: Path | None = None
        self.web_url = ""
        self.master: Child | None = None
        self.workers: list[Child] = []
        self._web_port = 0
        self._watch: asyncio.Task[None] | None = None
        self._ending: asyncio.Task[None] | None = None
        self._warned: set[str] = set()
        self._step_order: dict[str, int] = {}
        self._started_at = self._running_since = 0.0

    @property
    def active(self) -> bool:
        """Whether processes of a run may be alive (starting, running or stopping)."""
        return self.state in ("starting", "running", "stopping")

    @property
    def report(self) -> Path | None:
        """The run's HTML report, once Locust has written it."""
        if self.folder is None:
            return None
        path = self.folder / "report.html"
        return path if path.is_file() else None

    def children(self) -> list[Child]:
        return [c for c in (self.master, *self.workers) if c is not None]

    # -- starting ----------------------------------------------------------------------------

    def check(self, settings: LoadSettings, text: str | None = None) -> None:
        """Refuse ``settings`` in words (``LoadRefused``) before any process starts
        (``text``: the scenario's text, checked instead of the file's)."""
        if self.active:
            raise LoadRefused("A load test is running already: stop it first")
        if importlib.util.find_spec("locust") is None:
            raise LoadRefused(
                "Locust is not installed: pip install 'websocket-workbench[load]', then try again"
            )
        _within("Users", settings.users, 1, MAX_USERS)
        _within("Local worker processes", settings.workers, 1, MAX_WORKERS)
        if not 0 < settings.spawn_rate <= MAX_USERS:
            raise LoadRefused("The spawn rate must be more than 0 users per second")
        if not 1 <= settings.duration <= MAX_DURATION:
            raise LoadRefused("The duration must be between 1 s and 24 hours")
        if settings.pace < 0:
            raise LoadRefused("The pace cannot be negative (0: no pause between iterations)")
        if settings.web_port:
            _within("The port of Locust's page", settings.web_port, 1, 65535)
            if port_in_use(HOST, settings.web_port):
                raise LoadRefused(
                    f"Port {settings.web_port}, which Locust's page needs, is in use (another "
                    "Locust, or another program): stop that, or choose another port (0: any free one)"
                )
        name = settings.scenario.name
        try:
            sources = check_options(
                settings.variables, settings.env_file, settings.wait, settings.pace
            )
        except OptionError as exc:
            raise LoadRefused(f"{exc}; no user was started") from None
        try:
            if text is None:
                scenarios = load_file(settings.scenario, sources)
            else:
                is_json = settings.scenario.suffix.lower() == ".json"
                scenarios = load_text(text, name, sources, settings.scenario.parent, is_json)
        except ScenarioError as exc:
            raise LoadRefused(f"{name} is not valid, no user was started:\n{exc}") from None
        several = len(scenarios) > 1  # Locust's names, as ``node.Plan`` gives them
        names = [n for s in scenarios for n in request_names(s, prefix=several).values()]
        self._step_order = {name: number for number, name in enumerate(names)}

    async def start(self, settings: LoadSettings, scenario_text: str | None = None) -> bool:
        """Start a run (``scenario_text``: the scenario's text, written into the run's folder
        and run instead of the file; for a scenario of the window's library). False if it
        was refused: ``state`` is then ``failed`` and ``text`` says why; a run under way
        is left as it is, with a ``warning``)."""
        if self.active:
            self.emit("warning", "A load test is running already: stop it first")
            return False
        try:
            self.check(settings, scenario_text)
            folder = self._make_folder(settings.scenario.stem)
            if scenario_text is not None:
                path = folder / f"scenario{settings.scenario.suffix or '.yaml'}"
                path.write_text(scenario_text, encoding="utf-8")
                settings = replace(settings, scenario=path)
        except LoadRefused as exc:
            self._set("failed", str(exc))
            return False
        except OSError as exc:
            self._set("failed", f"Cannot make the run's folder: {exc.strerror or exc}")
            return False
        self.settings, self.folder, self.stats = settings, folder, None
        self._warned = set()
        master_port = free_port(HOST)
        self._web_port = settings.web_port or free_port(HOST)
        self.web_url = f"http://{HOST}:{self._web_port}/"
        self._set("starting", f"Starting Locust: a master and {_workers(settings.workers)}")
        self._started_at = time.monotonic()
        worker_command = [*self._locust(), "--worker", "--master-host", HOST]
        worker_command += ["--master-port", str(master_port)]
        try:
            self.master = Child.start(
                "master", self._master_command(settings, master_port), folder / "master.log"
            )
            self.workers = [
                Child.start(f"worker {n}", worker_command, folder / f"worker-{n}.log")
                for n in range(1, settings.workers + 1)
            ]
        except OSError as exc:
            kill_all(self.children())
            self._set("failed", f"Cannot start Locust: {exc.strerror or exc}")
            return False
        self._watch = asyncio.get_running_loop().create_task(self._watch_run())
        return True

    def _locust(self) -> list[str]:
        return [self.python, "-m", "locust", "-f", str(LOCUSTFILE)]

    def _master_command(self, settings: LoadSettings, master_port: int) -> list[str]:
        assert self.folder is not None
        command = [
            *self._locust(),
            *("--scenario", str(settings.scenario), "--master"),
            *("--master-bind-host", HOST, "--master-bind-port", str(master_port)),
            *("--expect-workers", str(settings.workers)),
            *("--expect-workers-max-wait", str(WORKERS_JOIN)),
            *("--web-host", HOST, "--web-port", str(self._web_port)),
            *("--autostart", "--autoquit", str(AUTOQUIT)),
            *("--users", str(settings.users), "--spawn-rate", f"{settings.spawn_rate:g}"),
            *("--run-time", f"{round(settings.duration)}s"),
            *("--html", str(self.folder / "report.html")),
        ]
        if settings.pace > 0:
            command += ["--pace", f"{settings.pace:g}s"]
        return command + locust_options(settings.variables, settings.env_file, settings.wait)

    def _make_folder(self, stem: str) -> Path:
        base = self.runs if self.runs is not None else runs_dir()
        name = time.strftime("%Y%m%d-%H%M%S") + "-" + (re.sub(r"[^\w.-]+", "_", stem) or "run")
        folder, n = base / name, 1
        while folder.exists():
            n += 1
            folder = base / f"{name}-{n}"
        folder.mkdir(parents=True)
        return folder

    # -- stopping ----------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop the run (see the module docstring); returns when every process has ended.
        Safe to call at any time, and again; cancelling it kills the processes at once."""
        if not self.active and self._ending is None:
            return
        if self.state in ("starting", "running"):
            self._set("stopping", "Stopping: the users close their connections (1001)")
        try:
            await self._end("ended", "")
        except asyncio.CancelledError:
            kill_all(self.children())
            raise

    async def _end(self, state: LoadState, why: str) -> None:
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._end_now(state, why))
        await asyncio.shield(self._ending)

    async def _end_now(self, state: LoadState, why: str) -> None:
        watch, self._watch = self._watch, None
        if watch is not None and watch is not asyncio.current_task():
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        try:
            await end_all(self.master, self.workers, STOP_GRACE)
        finally:
            kill_all(self.children())
            self._ending = None
        if state == "failed":
            self._set("failed", why)
        else:
            self._set("ended", self._summary())

    def _summary(self) -> str:
        stats, report = self.stats, self.report
        if stats is None:
            figures = "no step had run"
        else:
            total = stats.total
            figures = f"{total.requests:,} steps, {total.failures:,} failed"
        kept = f"; the report is {report}" if report is not None else "; Locust wrote no report"
        return f"The run is over: {figures}{kept}"

    # -- watching ----------------------------------------------------------------------------

    async def _watch_run(self) -> None:
        loop = asyncio.get_running_loop()
        answered_at: float | None = None
        while True:
            trouble = self._check_children()
            if trouble is not None:
                self._watch = None
                await self._end(*trouble)
                return
            try:
                stats = await fetch_stats(HOST, self._web_port, POLL_TIMEOUT)
            except StatsError as exc:
                silent = loop.time() - (answered_at or 0.0)
                if answered_at is None and time.monotonic() - self._started_at > self.first_answer:
                    return await self._fail(
                        f"Locust's master did not answer in {self.first_answer:g} s: {exc}"
                    )
                if answered_at is not None and silent > self.silence and self._master_running():
                    return await self._fail(f"Locust's master stopped answering: {exc}")
            else:
                answered_at = loop.time()
                self._took(stats)
            await asyncio.sleep(POLL_EVERY)

    async def _fail(self, why: str) -> None:
        self._watch = None
        await self._end("failed", why)

    def _master_running(self) -> bool:
        return self.master is not None and self.master.running

    def _took(self, stats: LoadStats) -> None:
        last = len(self._step_order)  # a name the file does not give goes last, in order
        steps = sorted(stats.steps, key=lambda step: self._step_order.get(step.name, last))
        stats = replace(stats, steps=tuple(steps))
        self.stats = stats
        if self.state == "starting":
            if stats.running or stats.state in _OVER:  # a busy machine may poll too late
                self._running_since = time.monotonic()
                self._set("running", self._running_text(stats))
            elif stats.state == "ready":
                joined = len(stats.workers)
                self._set_text(f"Waiting for the workers: {joined} of {self._expected()} joined")
        elif self.state == "running":
            self._set_text(self._running_text(stats))
        self.emit("stats", stats)

    def _running_text(self, stats: LoadStats) -> str:
        assert self.settings is not None
        left = self.settings.duration - (time.monotonic() - self._running_since)
        return (
            f"{stats.state.capitalize()}: {stats.users} users on {_workers(len(stats.workers))}"
            + (f", about {left:.0f} s left" if left >= 1 else "")
        )

    def _expected(self) -> int:
        return self.settings.workers if self.settings is not None else 0

    def _check_children(self) -> tuple[LoadState, str] | None:
        """What ends the run now, if anything: the master ended, or a worker that mattered."""
        master = self.master
        started = self.state in ("running", "stopping")
        if master is not None and not master.running:
            # 1: Locust's code when a step failed; the report is written after a test only
            if (started or self.report is not None) and master.exit_code in (0, 1):
                return ("ended", "")
            when = "during the test" if started else "before the test started"
            return ("failed", _ended_text(master, when))
        over = self.stats is not None and self.stats.state in _OVER
        if over or self.state == "stopping":
            return None  # the test is over: the master tells its workers to quit
        gone = [w for w in self.workers if not w.running]
        for worker in gone:
            if not started:
                return ("failed", _ended_text(worker, "before the test started"))
            if worker.name not in self._warned:
                self._warned.add(worker.name)
                self.emit(
                    "warning",
                    f"{worker.name.capitalize()} ended during the run (exit code {worker.exit_code}): its "
                    f"users are gone; {len(self.workers) - len(gone)} worker(s) carry on",
                )
        if self.workers and len(gone) == len(self.workers):
            return ("failed", "Every worker process ended: no user is left to run the test")
        return None

    # -- state ---------------------------------------------------------------------------------

    def _set(self, state: LoadState, text: str) -> None:
        self.state, self.text = state, text
        self.emit("state", state, text)

    def _set_text(self, text: str) -> None:
        if text != self.text:
            self._set(self.state, text)


def _ended_text(child: Child, when: str) -> str:
    tail = child.tail()
    said = f"; it said:\n{tail}" if tail else ""
    return f"Locust's {child.name} ended {when} (exit code {child.exit_code}){said}"


def _workers(count: int) -> str:
    return "1 worker process" if count == 1 else f"{count} worker processes"


def _within(what: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise LoadRefused(f"{what} must be between {low:,} and {high:,}, not {value:,}")
