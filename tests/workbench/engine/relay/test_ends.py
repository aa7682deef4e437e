"""How relayed connections end and fail to start: close codes and reasons go through; a leg
that drops without a close closes the other with 1001 (client gone) or 1014 (upstream gone);
an upstream that refuses, cannot be reached or never answers gives the client its status,
502 or 504; both ends are logged."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect

from core import ConnectError, HandshakeRequest
from tests.helpers import TIMEOUT, Recorder
from workbench.engine.log.store import ERROR, HANDSHAKE, INFO
from workbench.engine.relay.relay import RefusedAttempt

from .peers import client_of, relay_to, upstream_server

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    ("code", "reason"), [(1000, "bye"), (1001, "going away"), (4000, "done ✓")]
)
async def test_the_clients_close_code_and_reason_reach_the_upstream(code: int, reason: str) -> None:
    async with upstream_server() as upstream, relay_to(upstream.url("/")) as relay:
        client = client_of(relay)
        closed = Recorder(client, ["close"])
        await client.open()
        _socket, record = await upstream.socket()
        await client.close(code, reason)
        await record.count("close", 1)
        assert record.args("close") == [(code, reason)]
        assert closed.args("close") == [(code, reason)]


@pytest.mark.parametrize(
    ("code", "reason"), [(1000, "done"), (1001, "restarting"), (4000, "kicked")]
)
async def test_the_upstreams_close_code_and_reason_reach_the_client(code: int, reason: str) -> None:
    async with upstream_server() as upstream, relay_to(upstream.url("/")) as relay:
        client = client_of(relay)
        closed = Recorder(client, ["close"])
        await client.open()
        socket, _record = await upstream.socket()
        await socket.close(code, reason)
        await closed.count("close", 1)
        assert closed.args("close") == [(code, reason)]
        [connection] = relay.connections.values()
        end = await asyncio.wait_for(connection.wait_closed(), TIMEOUT)
        assert (end.first, end.upstream, end.client) == ("upstream", (code, reason), (code, reason))


async def test_messages_sent_just_before_a_close_arrive_before_it() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:
        client = client_of(relay)
        received = Recorder(client, ["message", "close"])
        await client.open()
        socket, _ = await upstream.socket()
        for i in range(50):
            socket.send(f"m{i}")
        socket.close(4001, "after fifty")
        await received.count("close", 1)
        assert received.values("message") == [f"m{i}" for i in range(50)]
        assert received.names()[-1] == "close" and received.args("close") == [(4001, "after fifty")]


async def test_an_upstream_that_drops_closes_the_client_with_1014_upstream_gone() -> None:
    async with upstream_server() as upstream, relay_to(upstream.url("/")) as relay:
        client = client_of(relay)
        closed = Recorder(client, ["close", "error"])
        await client.open()
        socket, _ = await upstream.socket()
        socket.abort()
        await closed.count("close", 1)
        assert closed.args("close") == [(1014, "upstream gone")]
        [connection] = relay.connections.values()
        end = await asyncio.wait_for(connection.wait_closed(), TIMEOUT)
        assert (end.first, end.upstream[0], end.client) == (
            "upstream",
            1006,
            (1014, "upstream gone"),
        )
        details = [row[6] for row in connection.log.rows()][3:]
        lost = "code 1006 (connection lost without a closing handshake)"
        assert details == [
            f"#1 relay ↔ upstream: connection with {upstream.url('/')} ended with {lost}",
            f"#1 relay ↔ upstream: closed, {lost}",
            f"#1 relay: the upstream ended first ({lost}): closing the client with code 1014 "
            "(bad gateway): upstream gone",
            "#1 client ↔ relay: closed, code 1014 (bad gateway): upstream gone",
            f"#1 relay: the upstream closed first ({lost}); client: code 1014 (bad gateway): "
            "upstream gone; sent on: 0 client → upstream, 0 upstream → client",
        ]


async def test_a_client_that_drops_closes_the_upstream_with_1001_client_gone() -> None:
    async with upstream_server() as upstream, relay_to(upstream.url("/")) as relay:
        async with connect(f"ws://127.0.0.1:{relay.port}/", proxy=None) as raw:
            _socket, record = await upstream.socket()
            raw.transport.abort()
        await record.count("close", 1)
        assert record.args("close") == [(1001, "client gone")]


async def test_an_upstream_that_stops_answering_pings_closes_the_client_with_1011() -> None:
    async with (
        upstream_server() as upstream,
        relay_to(upstream.url("/"), upstream={"ping_interval": 50, "ping_timeout": 100}) as relay,
    ):
        client = client_of(relay, ping_interval=None)
        closed = Recorder(client, ["close"])
        await client.open()
        socket, _ = await upstream.socket()
        socket.answer_pings(False)
        await closed.count("close", 1)
        assert closed.args("close") == [(1011, "keepalive ping timeout")]


def refusing(status: int, body: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    def refuse(request: HandshakeRequest) -> tuple[int, str, dict[str, str]]:
        return status, body, headers or {}

    return refuse


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (401, "token please", {"WWW-Authenticate": 'Bearer realm="chat"'}),
        (403, "not from this origin", {}),
        (404, "no such room", {}),
    ],
)
async def test_a_refused_upstream_handshake_is_relayed_with_its_status_and_both_ends_logged(
    status: int, body: str, headers: dict[str, str]
) -> None:
    async with (
        upstream_server(process_request=refusing(status, body, headers)) as upstream,
        relay_to(upstream.url("/api")) as relay,
    ):
        refused = Recorder(relay, ["refused", "connection"])
        client = client_of(relay, "/room", headers={"Authorization": "Bearer x"})
        with pytest.raises(ConnectError) as caught:
            await client.open()
        error = caught.value
        assert (error.status, error.reason) == (status, body)
        assert error.response_headers is not None
        for name, value in headers.items():
            assert error.response_headers[name] == value
        await refused.count("refused", 1)
        [attempt] = refused.values("refused")
        assert isinstance(attempt, RefusedAttempt)
        assert (attempt.number, attempt.path, attempt.status, attempt.reason) == (
            1,
            "/room",
            status,
            body,
        )
        assert attempt.upstream_url == upstream.url("/api/room")
        assert refused.names() == ["refused"] and relay.connections == {}
        rows = list(relay.log.rows())[1:]
        assert [row[2] for row in rows] == [HANDSHAKE, ERROR, INFO]
        assert rows[0][6].startswith(f"#1 client ↔ relay: GET /room from {attempt.client_address}")
        assert "\nAuthorization: Bearer x" in rows[0][6]
        assert rows[1][6].startswith(
            f"#1 relay ↔ upstream: could not connect to {upstream.url('/api/room')}"
        )
        assert f"HTTP {status}" in rows[1][6]
        assert rows[2][6] == f"#1 relay: refused the client with HTTP {status}: {body}"


async def test_an_unreachable_upstream_gives_502_with_the_reason() -> None:
    async with upstream_server() as gone:
        url = gone.url("/")
    async with relay_to(url) as relay:
        with pytest.raises(ConnectError) as caught:
            await client_of(relay).open()
        assert caught.value.status == 502
        assert caught.value.reason == (
            "bad gateway: the upstream could not be opened: connection refused "
            "(is a server listening on that host and port?)"
        )


@contextlib.asynccontextmanager
async def silent_listener() -> AsyncIterator[tuple[int, list[asyncio.StreamWriter]]]:
    """A TCP listener that accepts and never answers."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], writers
    finally:
        for writer in writers:
            writer.close()
        server.close()


async def test_an_upstream_that_never_answers_gives_504_within_the_open_timeout() -> None:
    async with (
        silent_listener() as (port, writers),
        relay_to(f"ws://127.0.0.1:{port}/", upstream={"connect_timeout": 300}) as relay,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ConnectError) as caught:
            await client_of(relay, connect_timeout=5000).open()
        waited = loop.time() - started
        assert caught.value.status == 504
        assert caught.value.reason == "gateway timeout: the upstream did not answer within 0.3 s"
        assert 0.3 <= waited < 0.3 + TIMEOUT
        assert len(writers) == 1


async def test_max_message_size_holds_on_both_legs() -> None:
    async with (
        upstream_server(reply=None) as upstream,
        relay_to(
            upstream.url("/"),
            listen={"max_message_size": 1000},
            upstream={"max_message_size": 2000},
        ) as relay,
    ):
        client = client_of(relay)
        closed = Recorder(client, ["close"])
        await client.open()
        _socket, record = await upstream.socket()
        client.send("x" * 1001)  # over the client leg's limit: that leg fails with 1009
        await record.count("close", 1)
        await closed.count("close", 1)
        [(code, reason)] = record.args("close")
        assert code == 1009 and closed.args("close") == [(1009, reason)]
        assert record.values("message") == []
        second = client_of(relay)
        closed_too = Recorder(second, ["close", "message"])
        await second.open()
        socket, record_too = await upstream.socket(1)
        socket.send(b"y" * 2000)  # at the upstream leg's limit: passes
        socket.send(b"y" * 2001)  # over it: the upstream leg fails with 1009
        await closed_too.count("close", 1)
        assert closed_too.values("message") == [b"y" * 2000]
        assert closed_too.args("close")[0][0] == 1009
        await record_too.count("close", 1)
        assert record_too.args("close")[0][0] == 1009


async def test_a_client_that_leaves_during_the_upstream_open_leaves_no_upstream_leg() -> None:
    async def slow(request: HandshakeRequest) -> None:
        await asyncio.sleep(0.3)  # the upstream takes its time to answer

    async with (
        upstream_server(process_request=slow) as upstream,
        relay_to(
            upstream.url("/"),
            listen={"handshake_timeout": 2000},
            upstream={"connect_timeout": 1500},
        ) as relay,
    ):
        _reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
        writer.write(
            b"GET / HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        await writer.drain()
        writer.transport.abort()  # gone before the upstream answered
        _socket, record = await upstream.socket()
        await record.count("close", 1, timeout=3 * TIMEOUT)
        [(code, _reason)] = record.args("close")
        assert code == 1001
        assert all(c.end is not None for c in relay.connections.values())


async def test_an_origin_the_relay_refuses_opens_nothing_upstream() -> None:
    async with (
        upstream_server() as upstream,
        relay_to(upstream.url("/"), listen={"allowed_origins": ["http://ok"]}) as relay,
    ):
        with pytest.raises(ConnectError) as caught:
            await client_of(relay, origin="http://other").open()
        assert caught.value.status == 403
        client = client_of(relay, origin="http://ok")
        await client.open()
        await client.close()
        assert len(upstream.sockets) == 1
