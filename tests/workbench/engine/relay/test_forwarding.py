"""A core Client → the relay → a core Server, on loopback: every message both ways, byte for
byte and in order, text as text and binary as binary; the handshake made from the client's;
the logs of both legs."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.helpers import TIMEOUT, Recorder
from workbench.engine.log.store import EVENT, HANDSHAKE, IN, MESSAGE, OPEN, OUT
from workbench.engine.relay.log_rows import marker_of

from .peers import client_of, png, relay_to, upstream_server

pytestmark = pytest.mark.asyncio

FROM_CLIENT: list[str | bytes] = [
    "héllo ✓ \U0001f600",
    json.dumps({"a": [1, 2.5, None], "s": "é"}, ensure_ascii=False),
    bytes(range(256)),
    png(),
    "",
    b"",
]
FROM_UPSTREAM: list[str | bytes] = [
    png(31, 17),
    '{"reply":true}',
    b"\xff\x00\xfe",
    "ünïcode ⟶",
]


async def test_every_message_goes_both_ways_unchanged_and_in_order() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:
        seen: list[Recorder] = []
        relay.on("connection", lambda c: seen.append(Recorder(c, ["open", "message", "close"])))
        client = client_of(relay)
        received = Recorder(client, ["message"])
        await client.open()
        for payload in FROM_CLIENT:
            client.send(payload)
        socket, record = await upstream.socket()
        await record.count("message", len(FROM_CLIENT))
        for payload in FROM_UPSTREAM:
            socket.send(payload)
        await received.count("message", len(FROM_UPSTREAM))
        got_up = record.values("message")
        got_down = received.values("message")
        assert got_up == FROM_CLIENT and got_down == FROM_UPSTREAM
        assert [type(v) for v in got_up] == [type(v) for v in FROM_CLIENT]
        assert [type(v) for v in got_down] == [type(v) for v in FROM_UPSTREAM]
        await client.close()
        [connection] = relay.connections.values()
        await asyncio.wait_for(connection.wait_closed(), TIMEOUT)
        rows = [row for row in connection.log.rows() if row[2] == MESSAGE]
        assert [(row[1], row[5]) for row in rows] == [(OUT, p) for p in FROM_CLIENT] + [
            (IN, p) for p in FROM_UPSTREAM
        ]
        assert {marker_of(row) for row in rows} == {
            (1, "client → upstream"),
            (1, "upstream → client"),
        }
        assert [row[1] for row in rows[: len(FROM_CLIENT)]] == [OUT] * len(FROM_CLIENT)
        assert connection.log.messages_out == len(FROM_CLIENT)
        assert connection.log.messages_in == len(FROM_UPSTREAM)
        [events] = seen
        assert events.names() == [
            "open",
            *["message"] * (len(FROM_CLIENT) + len(FROM_UPSTREAM)),
            "close",
        ]
        assert events.args("message") == [("to_upstream", p) for p in FROM_CLIENT] + [
            ("to_client", p) for p in FROM_UPSTREAM
        ]
        assert events.values("close") == [connection.end]


async def test_without_message_rows_the_log_counts_messages_and_keeps_its_events() -> None:
    async with (
        upstream_server() as upstream,
        relay_to(upstream.url("/"), message_rows=False) as relay,
    ):
        client = client_of(relay)
        received = Recorder(client, ["message"])
        await client.open()
        for payload in ("one", "dé", b"\x00\x01\x02"):
            client.send(payload)
        await received.count("message", 3)
        assert received.values("message") == ["one", "dé", b"\x00\x01\x02"]
        await client.close()
        [connection] = relay.connections.values()
        await asyncio.wait_for(connection.wait_closed(), TIMEOUT)
        log = connection.log
        rows = list(log.rows())
        assert [row for row in rows if row[2] == MESSAGE] == []
        assert [row[2] for row in rows[:3]] == [HANDSHAKE, HANDSHAKE, OPEN]
        assert rows[-1][6].endswith("sent on: 3 client → upstream, 3 upstream → client")
        assert (log.messages_out, log.messages_in) == (3, 3)
        assert (log.bytes_out, log.bytes_in) == (3 + 3 + 3, 3 + 3 + 3)


async def test_a_large_message_and_a_burst_keep_their_bytes_and_order() -> None:
    big = bytes((i * 31 + 7) & 255 for i in range(1024 * 1024))  # max_message_size exactly
    async with upstream_server() as upstream, relay_to(upstream.url("/")) as relay:
        client = client_of(relay)
        received = Recorder(client, ["message"])
        await client.open()
        client.send(big)
        burst = [f"n{i}" for i in range(2000)]
        for payload in burst:
            client.send(payload)
        await received.count("message", 1 + len(burst), timeout=6 * TIMEOUT)
        assert received.values("message") == [big, *burst]
        await client.close()


async def test_the_upstream_request_carries_the_clients_path_subprotocols_and_headers() -> None:
    async with (
        upstream_server(subprotocols=["v1", "json"]) as upstream,
        relay_to(
            upstream.url("/base?k=1"),
            set_headers=[("Authorization", "Bearer relay")],
            strip_headers=["X-Secret"],
            add_headers=[("X-Relayed", "yes")],
            rewrite_origin=True,
        ) as relay,
    ):
        client = client_of(
            relay,
            "/room/7?x=1",
            subprotocols=["v2", "v1", "json"],
            headers={"Authorization": "Bearer client", "X-Secret": "s", "X-Trace": "t"},
            origin="http://page.example",
        )
        await client.open()
        assert client.subprotocol == "v1"  # the upstream's choice, answered to the client
        socket, _ = await upstream.socket()
        assert socket.subprotocol == "v1"
        assert socket.path == "/base/room/7?k=1&x=1"
        headers = socket.request_headers
        assert headers is not None
        assert headers.get_all("Authorization") == ["Bearer relay"]
        assert headers.get_all("X-Relayed") == ["yes"] and headers["X-Trace"] == "t"
        assert "X-Secret" not in headers
        assert headers["Origin"] == upstream.url("").replace("ws://", "http://")
        assert headers["Host"] == f"127.0.0.1:{upstream.server.port}"
        await client.close()


async def test_compression_is_negotiated_per_leg() -> None:
    async with (
        upstream_server(compression=None) as upstream,
        relay_to(upstream.url("/"), listen={"compression": "deflate"}) as relay,
    ):
        client = client_of(relay)
        await client.open()
        socket, record = await upstream.socket()
        assert "permessage-deflate" in (client.response_headers or {}).get(
            "Sec-WebSocket-Extensions", ""
        )
        assert "Sec-WebSocket-Extensions" not in (socket.response_headers or {})
        text = "compressible " * 200
        client.send(text)
        await record.count("message", 1)
        assert record.values("message") == [text]
        await client.close()


async def test_the_log_shows_both_handshakes_the_open_and_each_legs_close() -> None:
    async with upstream_server() as upstream, relay_to(upstream.url("/up")) as relay:
        client = client_of(relay, "/in", subprotocols=["a"], headers={"Cookie": "c=1"})
        await client.open()
        await client.send("one")
        assert await client.wait_for("message", timeout=TIMEOUT) == "one"
        await client.close(4000, "done")
        [connection] = relay.connections.values()
        end = await asyncio.wait_for(connection.wait_closed(), TIMEOUT)
        assert (end.first, end.client, end.upstream) == ("client", (4000, "done"), (4000, "done"))
        rows = list(connection.log.rows())
        details = [row[6] for row in rows]
        assert [row[2] for row in rows[:3]] == [HANDSHAKE, HANDSHAKE, OPEN]
        assert details[0].startswith("#1 client ↔ relay: GET /in (request headers)\n")
        assert "\nCookie: c=1\n" in details[0]
        assert details[1].startswith("#1 relay ↔ upstream: GET /up/in (request headers)\n")
        assert "\nCookie: c=1\n" in details[1]
        assert (
            details[2] == f"#1 relay: open: {connection.client_address} → {upstream.url('/up/in')}"
        )
        events = [d for row, d in zip(rows, details, strict=True) if row[1] == EVENT][3:]
        assert events == [
            "#1 client ↔ relay: closed, code 4000 (application code): done",
            "#1 relay: the client ended first (code 4000 (application code): done): closing the "
            "upstream with code 4000 (application code): done",
            "#1 relay ↔ upstream: closed, code 4000 (application code): done",
            "#1 relay: the client closed first (code 4000 (application code): done); upstream: "
            "code 4000 (application code): done; sent on: 1 client → upstream, 1 upstream → client",
        ]
        assert {marker_of(row) is not None for row in rows} == {True}


async def test_what_the_upstream_sends_at_once_reaches_the_client() -> None:
    def greet(socket) -> None:  # type: ignore[no-untyped-def]
        socket.send("welcome")
        socket.send(b"\x01")

    async with upstream_server(reply=None) as upstream:
        upstream.server.on("connection", greet)
        async with relay_to(upstream.url("/")) as relay:
            client = client_of(relay)
            received = Recorder(client, ["message"])
            await client.open()
            await received.count("message", 2)
            assert received.values("message") == ["welcome", b"\x01"]
            await client.close()


async def test_a_plain_http_get_opens_nothing_upstream() -> None:
    async with upstream_server() as upstream, relay_to(upstream.url("/")) as relay:
        reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: relay\r\n\r\n")
        status = await asyncio.wait_for(reader.readline(), TIMEOUT)
        writer.close()
        assert status.startswith(b"HTTP/1.1 426")
        assert upstream.sockets == [] and relay.connections == {}


async def test_each_connection_gets_its_own_upstream_leg_and_number() -> None:
    async with upstream_server() as upstream, relay_to(upstream.url("/")) as relay:
        clients = [client_of(relay, f"/c{i}") for i in range(3)]
        await asyncio.gather(*(c.open() for c in clients))
        answers = []
        for index, client in enumerate(clients):
            await client.send(f"from {index}")
            answers.append(await client.wait_for("message", timeout=TIMEOUT))
        assert answers == ["from 0", "from 1", "from 2"]
        assert sorted(relay.connections) == [1, 2, 3]
        assert sorted(s.path for s, _ in upstream.sockets) == ["/c0", "/c1", "/c2"]
        await asyncio.gather(*(c.close() for c in clients))


async def test_stopping_the_relay_closes_both_legs_with_1001() -> None:
    async with upstream_server() as upstream, relay_to(upstream.url("/")) as relay:
        client = client_of(relay)
        closed = Recorder(client, ["close"])
        await client.open()
        _socket, record = await upstream.socket()
        await asyncio.wait_for(relay.stop(), 3 * TIMEOUT)
        await closed.count("close", 1)
        await record.count("close", 1)
        assert closed.args("close") == [(1001, "relay stopping")]
        assert record.args("close") == [(1001, "relay stopping")]
        [connection] = relay.connections.values()
        assert connection.end is not None and connection.end.first == "relay"
