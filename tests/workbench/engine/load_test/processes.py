"""Processes for the load tests: the echo server, ``websocket-workbench load``, Locust itself.

Locust monkey-patches the process that imports it, so it never runs in the test's process:
every run here is a child process, bounded by a timeout, killed if it outlives it.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]
#: How long one load test process may take, over its own --run-time.
SLACK = 60.0


def environment(**extra: str) -> dict[str, str]:
    """A child's environment: this checkout's packages first, nothing else of ours."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EchoProcess:
    """``echo_process`` in a child: ``port``, the ``closes`` seen so far (a thread reads them)
    and, after ``stop()``, its ``summary``."""

    def __init__(self, uvloop: bool = False) -> None:
        command = [sys.executable, "-m", "tests.workbench.engine.load_test.echo_process"]
        self.process = subprocess.Popen(
            [*command, *(["--uvloop"] if uvloop else [])],
            cwd=ROOT,
            env=environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.closes: list[int] = []
        self.open_now = 0
        self.summary: dict[str, Any] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            record = json.loads(line)
            if "open" in record:
                self.open_now = record["open"]
            elif "close" in record:
                self.closes.append(record["close"])
                self.open_now -= 1
            else:
                self.summary = record

    def stop(self) -> dict[str, Any]:
        """End the server; what it saw in all."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=SLACK)
        finally:
            self.process.kill()
        self._reader.join(timeout=SLACK)
        return self.summary


@contextlib.contextmanager
def echo_server(uvloop: bool = False) -> Iterator[EchoProcess]:
    server = EchoProcess(uvloop)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


def load(*args: str, cwd: Path = ROOT, timeout: float = SLACK) -> tuple[int, str, str]:
    """``websocket-workbench load ARGS`` in a child: (exit code, stdout, stderr)."""
    return run([sys.executable, "-m", "workbench", "load", *args], cwd, timeout)


def run(
    command: list[str], cwd: Path, timeout: float = SLACK, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env or environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a kill reaches Locust's own children too
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        raise AssertionError(
            f"{command[2:]} did not end in {timeout:g} s:\n{err[-3000:]}"
        ) from None
    return process.returncode, out, err


def stats(prefix: Path) -> dict[str, dict[str, str]]:
    """Locust's ``PREFIX_stats.csv``: name -> its row (``Aggregated`` included)."""
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as file:
        return {row["Name"]: row for row in csv.DictReader(file)}


def failures(prefix: Path) -> list[dict[str, str]]:
    """Locust's ``PREFIX_failures.csv`` rows."""
    with open(f"{prefix}_failures.csv", encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))
