"""core on uvloop (the 'speed' extra): a Server and Clients on one uvloop loop exchange
converted messages, over mutual TLS too (the peer subject comes from uvloop's transport).
The whole suite runs on uvloop with ``pytest --uvloop``; this keeps a check in every run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import trustme

from core import Client, Server
from tests.helpers import TIMEOUT, Recorder

uvloop = pytest.importorskip("uvloop")


def run_on_uvloop(coroutine: Any) -> Any:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


async def echo_over(server: Server, **client_options: Any) -> tuple[Recorder, Recorder]:
    """Start ``server`` (echoing), open a client, exchange two messages, close both."""
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
    server.on("connection", lambda socket: socket.on("message", socket.send))
    connections = Recorder(server, ["connection"])
    await asyncio.wait_for(server.start(), TIMEOUT)
    client = Client(host="127.0.0.1", port=server.port, number_of_retries=0, **client_options)
    events = Recorder(client, ["open", "message", "close", "error"])
    try:
        await asyncio.wait_for(client.open(), TIMEOUT)
        client.send({"n": 1})
        client.send([2, "two"])
        await events.count("message", 2)
        await asyncio.wait_for(client.close(), TIMEOUT)
    finally:
        await asyncio.wait_for(server.stop(), TIMEOUT)
    return events, connections


def test_messages_and_close_on_uvloop() -> None:
    server = Server(host_interface="127.0.0.1", port=0, ping_interval=None)
    events, _connections = run_on_uvloop(echo_over(server, ping_interval=None))
    assert events.events == [
        ("open", ()),
        ("message", ({"n": 1},)),
        ("message", ([2, "two"],)),
        ("close", (1000, "")),
    ]


def test_mutual_tls_and_peer_subject_on_uvloop(tmp_path: Path) -> None:
    ca = trustme.CA()
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem.bytes())
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(tmp_path / "s.pem")
    ca.issue_cert(
        "bob@example.test", common_name="bob"
    ).private_key_and_cert_chain_pem.write_to_path(tmp_path / "bob.pem")
    server = Server(
        host_interface="127.0.0.1",
        port=0,
        ssl_tls=True,
        cert_path=str(tmp_path / "s.pem"),
        key_path=str(tmp_path / "s.pem"),
        client_ca_path=str(tmp_path / "ca.pem"),
        require_client_cert=True,
        ping_interval=None,
    )
    events, connections = run_on_uvloop(
        echo_over(
            server,
            ssl_tls=True,
            trusted_ca_cert_path=str(tmp_path / "ca.pem"),
            client_cert_path=str(tmp_path / "bob.pem"),
            ping_interval=None,
        )
    )
    assert events.names() == ["open", "message", "message", "close"]
    [socket] = connections.values("connection")
    assert socket.peer_certificate_subject["commonName"] == "bob"
