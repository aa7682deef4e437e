"""A master and two workers, each a process of its own as on three machines: the workers start
in empty folders with no scenario, no schema file and none of the master's variables, get all
of it from the master, share the users, and their steps add up to the master's totals; a
worker that dies is said on the master in words."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.workbench.engine.load_test.processes import (
    SLACK,
    echo_server,
    environment,
    free_port,
    stats,
)

SCENARIO = """
url: "ws://127.0.0.1:{{PORT}}{{ECHO_PATH}}"
steps:
  - send: {message: {user: "{{who}}", n: 1}}
  - expect: {schema_file: schemas/echo.json, match: {user: "{{who}}"}}
"""
SCHEMA = {"type": "object", "required": ["user", "n"], "properties": {"n": {"const": 1}}}
WORKER_LINE = re.compile(r"this worker ran (\d+) users: (\d+) steps, (\d+) failed")


def test_a_master_and_two_workers_share_the_users_and_add_up(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "echo.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    (tmp_path / "chat.yaml").write_text(SCENARIO, encoding="utf-8")
    port = free_port()
    command = [sys.executable, "-m", "workbench", "load"]
    with echo_server() as server:
        master = subprocess.Popen(
            [
                *command,
                *("chat.yaml", "--master", "--master-bind-port", str(port), "--headless"),
                *("--expect-workers", "2", "--users", "30", "--spawn-rate", "30"),
                *("--run-time", "6s", "--pace", "500ms", "--csv", str(tmp_path / "s")),
                *("--var", f"PORT={server.port}", "--var", "who=ann"),
            ],
            cwd=tmp_path,
            env=environment(ECHO_PATH="/echo"),
            stderr=subprocess.PIPE,
            text=True,
        )
        workers = []
        for number in (1, 2):
            folder = tmp_path / f"worker{number}"
            folder.mkdir()
            workers.append(
                subprocess.Popen(
                    [
                        *command,
                        "--worker",
                        "--master-host",
                        "127.0.0.1",
                        "--master-port",
                        str(port),
                    ],
                    cwd=folder,
                    env=environment(),
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        try:
            _out, master_log = master.communicate(timeout=6 + SLACK)
            worker_logs = [worker.communicate(timeout=SLACK)[1] for worker in workers]
        finally:
            for process in (master, *workers):
                process.kill()
        seen = server.stop()
    assert master.returncode == 0, master_log[-3000:]
    assert [w.returncode for w in workers] == [0, 0], worker_logs
    ran = [tuple(int(n) for n in WORKER_LINE.findall(log)[-1]) for log in worker_logs]
    users, steps, failed = (sum(column) for column in zip(*ran, strict=True))
    assert users == 30 and all(r[0] > 0 for r in ran), ran  # both took a share of the users
    total = stats(tmp_path / "s")["Aggregated"]
    assert (int(total["Request Count"]), int(total["Failure Count"]), failed) == (steps, 0, 0)
    assert seen["opened"] == 30 and seen["codes"] == {"1001": 30}


def test_a_worker_that_dies_is_said_in_words_on_the_master(tmp_path: Path) -> None:
    (tmp_path / "echo.yaml").write_text(
        'url: "ws://127.0.0.1:{{PORT}}/"\nsteps:\n  - send: {message: 1}\n  - expect: {equals: 1}\n',
        encoding="utf-8",
    )
    port = free_port()
    command = [sys.executable, "-m", "workbench", "load"]
    with echo_server() as server:
        master = subprocess.Popen(
            [
                *command,
                *("echo.yaml", "--master", "--master-bind-port", str(port), "--headless"),
                *("--users", "5", "--spawn-rate", "5", "--run-time", "12s", "--pace", "500ms"),
                *("--var", f"PORT={server.port}"),
            ],
            cwd=tmp_path,
            env=environment(),
            stderr=subprocess.PIPE,
            text=True,
        )
        worker = subprocess.Popen(
            [*command, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
            cwd=tmp_path,
            env=environment(),
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + SLACK
            while server.open_now < 5:
                assert time.monotonic() < deadline, "the worker's users never connected"
                time.sleep(0.05)
            os.killpg(worker.pid, signal.SIGKILL)  # the worker and its Locust, at once
            _out, master_log = master.communicate(timeout=12 + SLACK)
        finally:
            master.kill()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        server.stop()
    said = re.search(
        r"worker \S+ stopped answering: its process ended or the network to it "
        r"broke; its users are gone, 0 worker\(s\) carry on",
        master_log,
    )
    assert said, master_log[-3000:]
