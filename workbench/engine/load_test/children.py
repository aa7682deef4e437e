"""Locust's processes as the window starts them: one child each, its output in a file.

Locust monkey-patches the process that imports it, so the window never imports it: it
starts ``python -m locust`` (our ``locustfile``) as children with ``subprocess.Popen`` and
watches them with ``poll()`` from its loop, which never blocks (asyncio's own subprocess
support needs a child watcher that the window's qasync loop does not have). Each child's
stdout and stderr go to a log file in the run's folder, so a chatty child cannot fill a
pipe and stall, and the last lines of a child that failed can be shown.

``interrupt`` is Ctrl+C for one child (SIGINT; on Windows CTRL_BREAK_EVENT to the child's
own process group): Locust stops its users, which close their connections with 1001, and
the master writes its HTML report. ``wait_all`` waits without blocking the loop, bounded;
``end_all`` interrupts, waits, then kills what is left and reaps every child.
``free_port`` and ``port_in_use`` answer for the ports the children will listen on.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import workbench

__all__ = ["Child", "end_all", "free_port", "kill_all", "port_in_use", "wait_all"]

_POLL = 0.05
_TAIL_BYTES = 4000


@dataclass
class Child:
    """One Locust process: ``name`` ("master", "worker 1"), its ``process`` and ``log`` file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    _file: IO[bytes] | None = None

    @classmethod
    def start(cls, name: str, command: Sequence[str], log: Path) -> Child:
        """Start ``command`` with this checkout of the workbench first on its path."""
        env = dict(os.environ)
        here = str(Path(workbench.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        file = open(log, "wb")  # noqa: SIM115  (closed by close(), when the child is gone)
        extra: dict[str, Any] = {}
        if sys.platform == "win32":
            extra["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        try:
            process = subprocess.Popen(
                list(command),
                stdin=subprocess.DEVNULL,
                stdout=file,
                stderr=subprocess.STDOUT,
                env=env,
                **extra,
            )
        except OSError:
            file.close()
            raise
        return cls(name, process, log, file)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return self.process.poll()

    def interrupt(self) -> None:
        """Ctrl+C for this child (nothing if it has ended)."""
        if self.running:
            with contextlib.suppress(OSError):
                if sys.platform == "win32":
                    self.process.send_signal(signal.CTRL_BREAK_EVENT)
                else:
                    self.process.send_signal(signal.SIGINT)

    def kill(self) -> None:
        if self.running:
            with contextlib.suppress(OSError):
                self.process.kill()

    def close(self) -> None:
        """Close the log file (the child has ended)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def tail(self, lines: int = 12) -> str:
        """The last ``lines`` lines of the child's output (plain text, at most 4,000 bytes)."""
        try:
            with open(self.log, "rb") as file:
                file.seek(0, os.SEEK_END)
                file.seek(max(0, file.tell() - _TAIL_BYTES))
                text = file.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


async def wait_all(children: Sequence[Child], timeout: float) -> bool:
    """Until every child has ended (reaped), at most ``timeout`` s; whether they all did."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while any(child.running for child in children):
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(_POLL)
    return True


async def end_all(master: Child | None, workers: Sequence[Child], grace: float) -> None:
    """Ctrl+C the master and wait for it (it tells its workers to quit), then the workers
    still running; kill whatever is left after ``grace`` s each time, and reap all. If this
    is cancelled, the children are killed before it returns."""
    everyone = [c for c in (master, *workers) if c is not None]
    try:
        if master is not None:
            master.interrupt()
            await wait_all([master], grace)
        for worker in workers:
            worker.interrupt()
        await wait_all(everyone, grace)
    finally:
        kill_all(everyone)


def kill_all(children: Sequence[Child], reap: float = 2.0) -> None:
    """Kill the children still running and reap them (blocking at most ``reap`` s each:
    a killed process ends at once); close their log files."""
    for child in children:
        child.kill()
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=reap)
        child.close()


def free_port(host: str) -> int:
    """A TCP port free on ``host`` now (the OS's pick)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on ``host``:``port`` already."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False
