"""The engine pings clients and sockets (the round trip logged) and closes a client with any
legal code, seen by the server socket; real Server and Clients on 127.0.0.1 port 0, no Qt."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.workbench.engine.test_facade import TIMEOUT, Events, add_client, start_server, until
from workbench.engine.log.store import ERROR, INFO
from workbench.engine.protocol.glossary import explain_event
from workbench.engine.workbench import Workbench

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[Workbench]:
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


ROUND_TRIP = re.compile(r"^ping: pong after \d+\.\d\d ms \(round trip\)$")


async def open_pair(engine: Workbench) -> tuple[str, str, str]:
    server_id = await start_server(engine)
    client_id = add_client(engine, engine.server(server_id).port)
    assert await engine.open_client(client_id) is True
    await until(lambda: engine.sockets_of(server_id), what="the server socket")
    return server_id, client_id, engine.sockets_of(server_id)[0].id


async def test_ping_from_a_client_and_a_socket_logs_the_round_trip(engine: Workbench) -> None:
    infos: list[str] = []
    engine.on("info_reported", infos.append)
    _server_id, client_id, socket_id = await open_pair(engine)
    assert await engine.ping(client_id) is True
    assert await engine.ping(socket_id) is True
    for target in (client_id, socket_id):
        last = engine.log(target)[-1]
        assert last.kind == INFO and ROUND_TRIP.match(last.detail), last.detail
        assert "§5.5.2" in explain_event(last.kind, last.detail)
    assert len(infos) == 2 and all("pong after" in text for text in infos)


async def test_ping_of_a_closed_client_is_reported_and_logged_not_raised(
    engine: Workbench,
) -> None:
    events = Events(engine)
    _server_id, client_id, _socket_id = await open_pair(engine)
    assert await engine.close_client(client_id) is True
    assert await engine.ping(client_id) is False
    assert engine.log(client_id)[-1].kind == ERROR
    assert engine.log(client_id)[-1].detail.startswith("ping failed: ")
    assert "not open" in events.of("error_reported")[-1][1]
    assert await engine.ping("no-such-id") is False


async def test_a_ping_with_no_pong_says_so_with_no_traceback(
    engine: Workbench, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The UI said "no pong in time", and stderr got a 25-line CancelledError/TimeoutError
    traceback: an expected outcome of a ping is not a bug."""
    monkeypatch.setattr("workbench.engine.pinging.PING_WAIT", 0.2)
    events = Events(engine)
    server_id, client_id, _socket_id = await open_pair(engine)
    assert engine.faults.apply(server_id, "mute_pings") == 1  # the server stops answering
    with caplog.at_level(logging.DEBUG, logger="workbench"):
        assert await engine.ping(client_id) is False
    assert engine.log(client_id)[-1].detail == "ping failed: no pong in time"
    assert events.of("error_reported")[-1] == (
        engine.name_of(client_id),
        "ping failed: no pong in time",
    )
    assert [r for r in caplog.records if r.exc_info] == []  # no traceback anywhere
    assert caplog.records and all(r.levelno < logging.ERROR for r in caplog.records)


@pytest.mark.parametrize("code", [1001, 1008, 1011, 3000, 4999])
async def test_a_client_closes_with_any_legal_code_and_the_socket_sees_it(
    engine: Workbench, code: int
) -> None:
    server_id, client_id, socket_id = await open_pair(engine)
    assert await engine.close_client(client_id, code, "why") is True
    sock = engine.socket(socket_id)
    await until(lambda: sock.closed_at is not None, what="the socket to close")
    assert sock.close_code == code and sock.close_reason == "why"
    assert any(e.detail.startswith(f"closed with code {code} ") for e in sock.log)
    assert engine.client(client_id).state == "closed"
    assert server_id in engine.servers


async def test_an_illegal_close_code_from_a_client_is_refused_and_it_stays_open(
    engine: Workbench,
) -> None:
    events = Events(engine)
    _server_id, client_id, _socket_id = await open_pair(engine)
    assert await engine.close_client(client_id, 1006, "") is False
    assert "1006" in events.of("error_reported")[-1][1]
    assert engine.client(client_id).state == "open"
