"""``websocket-workbench relay`` in a subprocess that cannot import Qt: it relays between
clients and an upstream in the test's loop, prints a line per event, writes both legs to a
JSON Lines log that ``import_jsonl`` (the window's viewer) opens, applies a rules file, and
closes every connection with 1001 on Ctrl+C (SIGINT) or SIGTERM. Bad settings exit 2 before
anything listens."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from core import Client, ConnectError, HandshakeRequest
from tests.helpers import TIMEOUT, Recorder
from tests.workbench.engine.scenarios.test_cli import ROOT, WITHOUT_QT, cli
from workbench.engine.log.jsonl import import_jsonl
from workbench.engine.log.store import IN, MESSAGE, OUT, RULE
from workbench.engine.relay.log_rows import marker_of

from .peers import RAW, png, upstream_server

pytestmark = pytest.mark.asyncio

RULES = """\
rules:
  - name: mask
    direction: to_upstream
    replace: {regex: "secret", with: "***"}
"""


class RelayProcess:
    """The command running without Qt; ``lines`` it printed, read as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def line(self, pattern: str) -> re.Match[str]:
        """The next printed line matching ``pattern`` (earlier ones are kept in ``lines``)."""
        assert self.process.stdout is not None
        while True:
            raw = await asyncio.wait_for(self.process.stdout.readline(), 4 * TIMEOUT)
            assert raw, f"the relay ended; it printed {self.lines}"
            text = raw.decode().rstrip("\n")
            self.lines.append(text)
            found = re.fullmatch(pattern, text)
            if found:
                return found

    async def stop(self, signum: int = signal.SIGINT) -> tuple[int, str, str]:
        self.process.send_signal(signum)
        out, err = await asyncio.wait_for(self.process.communicate(), 4 * TIMEOUT)
        self.lines.extend(out.decode().splitlines())
        return self.process.returncode or 0, "\n".join(self.lines), err.decode()


@contextlib.asynccontextmanager
async def relay_command(*args: str) -> AsyncIterator[tuple[RelayProcess, int]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WITHOUT_QT,
        "relay",
        *args,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    relay = RelayProcess(process)
    try:
        found = await relay.line(r"listening on 127\.0\.0\.1:(\d+)")
        yield relay, int(found.group(1))
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def client(port: int, path: str = "/", **options: Any) -> Client:
    return Client(f"ws://127.0.0.1:{port}{path}", **{**RAW, "number_of_retries": 0, **options})


async def test_without_a_log_file_the_command_still_counts_each_connections_messages() -> None:
    async with upstream_server() as upstream, relay_command(upstream.url("/")) as (relay, port):
        first = client(port)
        received = Recorder(first, ["message"])
        await first.open()
        for payload in ("a", b"\x01", "c"):
            first.send(payload)
        await received.count("message", 3)
        await first.close(4000, "done")
        await relay.line(r"#1 closed: client first; client code 4000 .*; 3 → upstream, 3 → client")
        rc, _, err = await relay.stop(signal.SIGTERM)
        assert (rc, err) == (0, "")


async def test_the_command_relays_logs_applies_rules_and_ctrl_c_closes_with_1001(
    tmp_path: Path,
) -> None:
    (tmp_path / "rules.yaml").write_text(RULES)
    log = tmp_path / "relay.jsonl"
    image = png()
    async with (
        upstream_server(reply=None) as upstream,
        relay_command(
            upstream.url("/up"), "--log", str(log), "--rules", str(tmp_path / "rules.yaml")
        ) as (relay, port),
    ):
        first = client(port, "/a?x=1", headers={"Authorization": "Bearer t0k"})
        received = Recorder(first, ["message", "close"])
        await first.open()
        opened = await relay.line(r"#1 open (127\.0\.0\.1:\d+) → (\S+)")
        assert opened.group(2) == upstream.url("/up/a?x=1")
        socket, record = await upstream.socket()
        for payload in ("my secret", '{"k":"é"}', image):
            first.send(payload)
        await record.count("message", 3)
        assert record.values("message") == ["my ***", '{"k":"é"}', image]
        for payload in (image[::-1], "from upstream"):
            socket.send(payload)
        await received.count("message", 2)
        assert received.values("message") == [image[::-1], "from upstream"]
        second = client(port, "/b")
        await second.open()
        await second.close(4000, "second done")
        await relay.line(r"#2 closed: client first; client code 4000 .*; 0 → upstream, 0 → client")
        upstream_url = upstream.url("/up")
        rc, out, err = await relay.stop(signal.SIGINT)
        assert (rc, err) == (0, "")
        await received.count("close", 1)
        await record.count("close", 1)
    assert received.args("close") == [(1001, "relay stopping")]
    assert record.args("close") == [(1001, "relay stopping")]
    assert out.splitlines()[-2].startswith("#1 closed: relay first; client code 1001")
    assert out.splitlines()[-1] == "stopped: 1 open connection closed with 1001"
    imported = import_jsonl(log)
    assert imported.skipped == [] and imported.header["name"] == f"relay to {upstream_url}"
    rows = list(imported.store.rows())
    first_rows = [r for r in rows if (marker_of(r) or (None,))[0] == 1]
    messages = [(r[1], r[5]) for r in first_rows if r[2] == MESSAGE]
    assert messages == [
        (OUT, "my ***"),
        (OUT, '{"k":"é"}'),
        (OUT, image),
        (IN, image[::-1]),
        (IN, "from upstream"),
    ]
    assert [(r[6], r[5]) for r in first_rows if r[2] == RULE] == [
        ("#1 client → upstream: rule 'mask': replaced 1 match of /secret/", "my secret")
    ]
    # message rows go to the file their own way, in order with the rows around them
    assert [r[2] for r in first_rows if r[2] in (RULE, MESSAGE)][:2] == [RULE, MESSAGE]
    handshakes = "\n".join(r[6] for r in first_rows if r[2] == "handshake")
    assert "Authorization: [redacted]" in handshakes and "t0k" not in handshakes
    assert any(r[6].startswith("#2 client ↔ relay: closed, code 4000") for r in rows)
    assert rows[-1][6] == "relay: stopped"


async def test_sigterm_also_stops_it_cleanly_on_asyncios_own_loop() -> None:
    async with (
        upstream_server() as upstream,
        relay_command(upstream.url("/"), "--loop", "asyncio") as (relay, port),
    ):
        peer = client(port)
        closed = Recorder(peer, ["close"])
        await peer.open()
        rc, _out, err = await relay.stop(signal.SIGTERM)
        assert (rc, err) == (0, "")
        await closed.count("close", 1)
        assert closed.args("close") == [(1001, "relay stopping")]


async def test_a_refused_upstream_handshake_is_relayed_and_printed() -> None:
    def refuse(request: HandshakeRequest) -> tuple[int, str]:
        return 403, "not you"

    async with (
        upstream_server(process_request=refuse) as upstream,
        relay_command(upstream.url("/")) as (relay, port),
    ):
        with pytest.raises(ConnectError) as caught:
            await client(port, "/room").open()
        assert (caught.value.status, caught.value.reason) == (403, "not you")
        await relay.line(r"#1 refused 127\.0\.0\.1:\d+ GET /room: HTTP 403 \(not you\)")
        rc, _out, err = await relay.stop()
        assert (rc, err) == (0, "")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["http://example.org/"], "the upstream URL 'http://example.org/' must start with ws://"),
        (["ws://h/", "-L", "max_queue=none"], "listen options: "),
        (["ws://h/", "-L", "port=1"], "give the port with --host / --port"),
        (["ws://h/", "-U", "subprotocols=[a]"], "upstream option 'subprotocols' is set by"),
        (["ws://h/", "--header", "no colon"], "--header takes 'Name: value'"),
        (["ws://h/", "--port", "70000"], "listen options: "),
    ],
)
async def test_bad_settings_exit_2_before_listening(args: list[str], said: str) -> None:
    rc, out, err = await cli("relay", *args)
    assert rc == 2 and out == ""
    assert err.startswith("websocket-workbench relay: ") and said in err, err


async def test_a_bad_rules_file_exits_2_with_line_and_column(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text("rules:\n  - replace: {regex: '(', with: x}\n")
    rc, out, err = await cli("relay", "ws://h/", "--rules", str(rules))
    assert (rc, out) == (2, "")
    assert f"{rules}:2:14: rule 1: the regex '(' does not compile" in err


async def test_a_port_in_use_exits_2_saying_so() -> None:
    async with upstream_server() as upstream:
        rc, out, err = await cli("relay", "ws://h/", "--port", str(upstream.server.port))
    assert (rc, out) == (2, "")
    assert "could not listen on 127.0.0.1:" in err and "address already in use" in err
