"""``websocket-workbench load`` and plain ``locust -f``: bad input is refused in words, before
any user starts, and nothing waits forever. A refused scenario points at a bare TCP listener
that counts connections: it must count none."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from tests.workbench.engine.load_test.processes import ROOT, free_port, load, run
from workbench.engine.load_test.cli import LOCUSTFILE

BROKEN = """
url: "ws://127.0.0.1:{{PORT}}/"
steps:
  - sned: {message: hi}
  - expect: {within: soon}
"""
GOOD = """
url: "ws://127.0.0.1:{{PORT}}/"
steps:
  - send: {message: hi}
"""


@pytest.fixture
def listener() -> socket.socket:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        yield server


def accepted(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def write(folder: Path, text: str) -> Path:
    path = folder / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scenario_with_mistakes_is_refused_with_the_loaders_message(
    tmp_path: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    code, out, err = load(str(write(tmp_path, BROKEN)), "--var", f"PORT={port}", "--headless")
    assert code == 2 and out == ""
    assert "scenario.yaml is not valid, no user was started:" in err
    assert "unknown step kind 'sned'; did you mean 'send'?" in err
    assert "'soon' is not a duration; write it as 500ms or 2s" in err
    assert "Starting Locust" not in err and accepted(listener) == 0


def test_plain_locust_refuses_it_too_before_any_user_starts(
    tmp_path: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    scenario = write(tmp_path, BROKEN)
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--scenario", str(scenario)]
    code, _out, err = run([*command, "--var", f"PORT={port}", "--headless", "-t", "5s"], ROOT)
    assert code == 2, err[-2000:]
    assert "unknown step kind 'sned'; did you mean 'send'?" in err
    assert accepted(listener) == 0


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--wait", "1s-500ms"], "--wait 1s-500ms: the first time must be the shorter one"),
        (["--pace", "1"], "--pace: '1' is not a duration; write it as 500ms or 2s"),
        (["--wait", "1s", "--pace", "1s"], "give --wait or --pace, not both"),
        (["--var", "oops"], "--var 'oops' is not name=value"),
        (["--html", "no/such/folder/report.html"], "cannot write no/such/folder/report.html"),
    ],
)
def test_wrong_options_are_said_before_locust_starts(
    tmp_path: Path, options: list[str], said: str
) -> None:
    code, _out, err = load(str(write(tmp_path, GOOD)), "--var", "PORT=1", *options, cwd=tmp_path)
    assert code == 2 and said in err, err
    assert "Starting Locust" not in err


def test_a_port_in_use_is_said_in_words(tmp_path: Path, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    code, _out, err = load(
        str(write(tmp_path, GOOD)), "--var", "PORT=1", "--master", "--master-bind-port", str(port)
    )
    assert code == 2
    assert f"port {port}, which the master needs, is in use" in err
    assert "--master-bind-port N (and give the workers --master-port N)" in err


def test_a_worker_whose_master_cannot_be_reached_says_so_and_gives_up(tmp_path: Path) -> None:
    port = free_port()
    started = time.monotonic()
    code, _out, err = load(
        "--worker", "--master-host", "127.0.0.1", "--master-port", str(port), "--master-wait", "1"
    )
    assert code == 2 and time.monotonic() - started < 30
    assert f"cannot reach the Locust master at 127.0.0.1:{port} (Connection refused)" in err
    assert "start it first (websocket-workbench load SCENARIO --master)" in err


def test_a_worker_takes_no_scenario(tmp_path: Path) -> None:
    code, _out, err = load(str(write(tmp_path, GOOD)), "--worker", "--master-host", "10.0.0.9")
    assert code == 2 and "a worker takes no SCENARIO: its master sends it" in err


def test_the_commands_own_process_loads_neither_locust_nor_gevent() -> None:
    # Importing Locust monkey-patches the process with gevent: the command must only ever
    # start it in a child process (checked in a fresh interpreter, whatever ran before).
    check = (
        "import sys, workbench.__main__, workbench.engine.load_test.cli, "
        "workbench.engine.load_test.bundle, workbench.engine.load_test.step_requests\n"
        "loaded = [n for n in sys.modules if n.split('.')[0] in ('locust', 'gevent')]\n"
        "assert not loaded, loaded"
    )
    code, _out, err = run([sys.executable, "-c", check], ROOT)
    assert code == 0, err
