"""Scenario files as Locust load tests, end to end: Locust, our user and a core echo server,
each in a process of its own on loopback. Locust's CSV statistics and what the server saw are
compared; every run is bounded (``processes.SLACK`` over its ``--run-time``)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.workbench.engine.load_test.processes import (
    ROOT,
    SLACK,
    echo_server,
    environment,
    failures,
    load,
    stats,
)
from workbench.engine.load_test.cli import LOCUSTFILE

ECHO = """
url: "ws://127.0.0.1:{{PORT}}/"
steps:
  - send: {message: {n: 1}}
  - expect: {equals: {n: 1}}
  - send: {text: ping}
  - expect: {text: ping}
"""
STEPS = [
    "open client (at the start)",
    'send: {"n":1}',
    'expect: equals {"n":1}',
    'send: text "ping"',
    'expect: text "ping"',
]


def scenario(folder: Path, text: str = ECHO, name: str = "echo.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_fifty_users_for_ten_seconds_name_every_step_and_fail_none(tmp_path: Path) -> None:
    with echo_server() as server:
        code, _out, err = load(
            str(scenario(tmp_path)),
            *("--var", f"PORT={server.port}", "--users", "50", "--spawn-rate", "50"),
            *("--run-time", "10s", "--pace", "1s", "--headless", "--csv", str(tmp_path / "s")),
            timeout=10 + SLACK,
        )
        seen = server.stop()
    assert code == 0, err[-3000:]
    rows = stats(tmp_path / "s")
    assert sorted(rows) == sorted([*STEPS, "Aggregated"])
    assert all(rows[name]["Type"] == "WS" for name in STEPS)
    assert [rows[name]["Failure Count"] for name in [*STEPS, "Aggregated"]] == ["0"] * 6
    assert rows["open client (at the start)"]["Request Count"] == "50"  # once per user
    sends = int(rows['send: {"n":1}']["Request Count"])
    assert 50 * 8 <= sends <= 50 * 11, sends  # one iteration a second for about ten seconds
    assert rows['send: {"n":1}']["Average Content Size"] == "7.0"  # {"n":1}
    # Stopping closed every connection with 1001, and the server saw each message echoed.
    assert seen["opened"] == seen["closed"] == 50 and seen["codes"] == {"1001": 50}
    assert seen["messages"] >= 2 * sends - 50


def test_an_expect_that_cannot_hold_fails_with_its_diff(tmp_path: Path) -> None:
    text = ECHO.replace("expect: {equals: {n: 1}}", "expect: {equals: {n: 2}, within: 200ms}")
    with echo_server() as server:
        code, _out, err = load(
            str(scenario(tmp_path, text)),
            *("--var", f"PORT={server.port}", "--users", "5", "--spawn-rate", "5"),
            *("--run-time", "3s", "--pace", "500ms", "--headless", "--csv", str(tmp_path / "s")),
            timeout=3 + SLACK,
        )
        server.stop()
    assert code == 1, err[-3000:]  # Locust's exit code when a request failed
    rows = stats(tmp_path / "s")
    failed = rows['expect: equals {"n":2}']
    assert failed["Failure Count"] == failed["Request Count"] != "0"
    assert rows['send: {"n":1}']["Failure Count"] == "0"
    assert 'send: text "ping"' not in rows  # a failed step ends the iteration
    [failure] = failures(tmp_path / "s")
    assert (failure["Method"], failure["Name"]) == ("WS", 'expect: equals {"n":2}')
    assert failure["Error"] == (
        "no matching message within 200 ms; 1 other message arrived; "
        'equals at $.n: expected 2, received 1; diff: -"n": 2 +"n": 1'
    )


def test_two_hundred_users_of_one_process_progress_together(tmp_path: Path) -> None:
    # Each iteration waits 2 s between its two exchanges: one user at a time, the 200 users
    # would need 400 s for one round; together they all finish it within the 6 s run.
    text = ECHO.replace("  - send: {text: ping}", "  - sleep: 2s\n  - send: {text: ping}")
    with echo_server() as server:
        code, _out, err = load(
            str(scenario(tmp_path, text)),
            *("--var", f"PORT={server.port}", "--users", "200", "--spawn-rate", "200"),
            *("--run-time", "6s", "--wait", "1s", "--headless", "--csv", str(tmp_path / "s")),
            timeout=6 + SLACK,
        )
        seen = server.stop()
    assert code == 0, err[-3000:]
    rows = stats(tmp_path / "s")
    assert int(rows['send: text "ping"']["Request Count"]) >= 200
    assert int(rows["sleep 2.00 s"]["Request Count"]) >= 200
    assert seen["most_open"] == 200 and seen["codes"] == {"1001": 200}


def test_ctrl_c_on_plain_locust_closes_every_connection_with_1001_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    probe = Path(__file__).with_name("probe_locustfile.py")
    with echo_server() as server:
        command = [sys.executable, "-m", "locust", "-f", f"{LOCUSTFILE},{probe}"]
        options = ["--scenario", str(scenario(tmp_path)), "--var", f"PORT={server.port}"]
        locust = subprocess.Popen(
            [*command, *options, "--headless", "-u", "20", "-r", "20", "--pace", "200ms"],
            cwd=ROOT,
            env=environment(PROBE_PORT=str(server.port)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + SLACK
            while server.open_now < 20 and locust.poll() is None:
                assert time.monotonic() < deadline, "the 20 users did not all connect"
                time.sleep(0.05)
            time.sleep(1)  # a few iterations over the open connections
            locust.send_signal(signal.SIGINT)
            _out, err = locust.communicate(timeout=SLACK)
        finally:
            locust.kill()
        seen = server.stop()
    assert seen["opened"] == 20 and seen["codes"] == {"1001": 20}, err[-3000:]
    [report] = re.findall(r"^probe (.*)$", err, re.MULTILINE)
    assert json.loads(report) == {
        "thread_alive": False,
        "thread_started": True,
        "leftover_tasks": 0,
        "connections": 0,
    }


def test_a_graceful_stop_lets_every_iteration_under_way_finish(tmp_path: Path) -> None:
    # --stop-timeout: Locust asks the users to stop and waits; each ends its iteration (the
    # second exchange comes a second after the first), then closes with 1001. Locust's final
    # figures (--json; its CSV is written once a second, not at the end) count them all.
    text = ECHO.replace("  - send: {text: ping}", "  - sleep: 1s\n  - send: {text: ping}")
    with echo_server() as server:
        code, out, err = load(
            str(scenario(tmp_path, text)),
            *("--var", f"PORT={server.port}", "--users", "10", "--spawn-rate", "10"),
            *("--run-time", "3s", "--stop-timeout", "5", "--headless", "--json"),
            timeout=8 + SLACK,
        )
        seen = server.stop()
    assert code == 0, err[-3000:]
    requests = {entry["name"]: entry["num_requests"] for entry in json.loads(out)}
    assert requests['send: {"n":1}'] == requests['expect: text "ping"'] >= 20
    assert seen["codes"] == {"1001": 10}


def test_paced_users_spawned_together_spread_over_the_period(tmp_path: Path) -> None:
    # Locust spawns the 60 users in one batch; --pace 1s starts each at a random point of
    # its first second and keeps that phase, so no tenth of a second gets most messages.
    with echo_server() as server:
        code, _out, err = load(
            str(scenario(tmp_path)),
            *("--var", f"PORT={server.port}", "--users", "60", "--spawn-rate", "60"),
            *("--run-time", "5s", "--pace", "1s", "--headless"),
            timeout=5 + SLACK,
        )
        seen = server.stop()
    assert code == 0, err[-3000:]
    phases = seen["phases"]
    assert sum(phases) >= 2 * 60 * 3 and max(phases) < 0.3 * sum(phases), phases
