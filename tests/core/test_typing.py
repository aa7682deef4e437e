"""Typing: the keyword options are TypedDicts that follow the option tables, and mypy reports
a misspelt or mistyped keyword of Client and Server (run on snippets in a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core import ClientOptions, ClientSettings, ServerOptions, ServerSettings
from core.options import CLIENT_OPTIONS, SERVER_OPTIONS

ROOT = Path(__file__).resolve().parents[2]


def test_typed_dict_keys_are_the_snake_case_names_of_the_option_tables() -> None:
    # An option added to a table without its TypedDict key (or the reverse) fails here.
    assert set(ClientOptions.__annotations__) == {option.name for option in CLIENT_OPTIONS}
    assert set(ServerOptions.__annotations__) == {option.name for option in SERVER_OPTIONS}
    assert not ClientOptions.__required_keys__ and not ServerOptions.__required_keys__
    # client.options / server.options: every key, always there
    assert ClientSettings.__required_keys__ == set(ClientOptions.__annotations__)
    assert ServerSettings.__required_keys__ == set(ServerOptions.__annotations__)


def test_core_ships_py_typed() -> None:
    assert (ROOT / "core" / "py.typed").is_file()
    assert 'core = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()


GOOD = """
    from pathlib import Path

    from core import Client, ClientOptions, Server

    client = Client(
        {"receiveType": "text/plain", "numberOfRetries": 2},
        port=8080,
        send_type="text/plain",
        ping_interval=None,
        trusted_ca_cert_path=Path("ca.pem"),
        headers={"X-Token": "t"},
    )
    server = Server(port=0, backlog=64, client_ca_path="ca.pem", subprotocols=["chat"])
    options: ClientOptions = {"host": "example.test", "connect_timeout": 2.5}
    Client(**options)


    async def typed_events(client: Client, server: Server) -> None:
        from typing import assert_type

        from core import ClientState, Frame, HandshakeRefusal, Socket, WebSocketError

        client.on("close", lambda code, reason: None)
        client.once("connecting", lambda attempt, attempts: None)
        server.on("listening", print)

        @client.on("message")
        def show(message: object) -> None: ...

        assert_type(await server.wait_for("connection"), Socket)
        assert_type(await server.wait_for("refused"), HandshakeRefusal)
        assert_type(await client.wait_for("close"), tuple[int, str])
        assert_type(await client.wait_for("frame"), Frame)
        assert_type(await client.wait_for("error"), WebSocketError)
        assert_type(client.options["port"], int)
        assert_type(server.options["allowed_origins"], list[str] | None)
        assert_type(client.state, ClientState)
"""

BAD = """
    from core import Client, Server

    Client(recieve_type="text/plain")
    Server(port="8080")
    Server(backlg=10)
    Client(ssl_tls=1)
    Client(port=1).on("close", lambda code: None)
    Client(port=1).once("frame", lambda frame, extra: None)
    Server(port=0).on("connection", lambda: None)
    Server(port=0).on("listen", print)
"""


@pytest.mark.timeout(600)
def test_mypy_reports_misspelt_and_mistyped_keywords(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(textwrap.dedent(GOOD))
    (tmp_path / "bad.py").write_text(textwrap.dedent(BAD))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",  # judge the snippets against core's API, not core itself
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(tmp_path / "good.py"),
            str(tmp_path / "bad.py"),
        ],
        capture_output=True,
        text=True,
        timeout=540,
        cwd=ROOT,
        env=dict(os.environ, MYPYPATH=str(ROOT)),
    )
    lines = [
        line.replace(str(tmp_path) + os.sep, "")
        for line in result.stdout.splitlines()
        if ": error: " in line
    ]
    assert not [line for line in lines if line.startswith("good.py")], result.stdout
    assert [line.split(": error: ")[0] for line in lines] == [
        "bad.py:4",
        "bad.py:5",
        "bad.py:6",
        "bad.py:7",
        "bad.py:8",
        "bad.py:9",
        "bad.py:10",
        "bad.py:11",
    ], result.stdout + result.stderr
    assert 'Unexpected keyword argument "recieve_type" for "Client"' in lines[0]
    assert 'did you mean "receive_type"' in lines[0]
    assert 'Argument "port" to "Server" has incompatible type "str"; expected "int"' in lines[1]
    assert 'Unexpected keyword argument "backlg" for "Server"' in lines[2]
    assert 'Argument "ssl_tls" to "Client" has incompatible type "int"' in lines[3]
    # each event's handler is checked against what the event passes, and names are checked
    assert 'No overload variant of "on"' in lines[4] and '"Callable[[Any], None]"' in lines[4]
    assert 'No overload variant of "once"' in lines[5]
    assert 'No overload variant of "on"' in lines[6] and '"Callable[[], None]"' in lines[6]
    assert 'No overload variant of "on"' in lines[7]
