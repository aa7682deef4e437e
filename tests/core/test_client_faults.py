"""The Client's hooks for fault tests (shared with Socket): answer_pings(False),
send_fragments and abort, each seen from the peer on loopback."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from core import Client, Frame, NotOpenError, Socket
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server

pytestmark = pytest.mark.asyncio

PLAIN = {"receive_type": "text/plain", "send_type": "text/plain", "ping_interval": None}


async def server_and_socket(**client_options: Any) -> tuple[Any, ...]:
    """A core Server recording its first socket's frames and events, and an open Client."""
    server = await loopback_server(**PLAIN)
    sockets: asyncio.Queue[tuple[Socket, Recorder, list[Frame]]] = asyncio.Queue()

    def on_connection(socket: Socket) -> None:
        frames: list[Frame] = []
        socket.on("frame", frames.append)
        sockets.put_nowait((socket, Recorder(socket, ["message", "close", "error"]), frames))

    server.on("connection", on_connection)
    client = client_for(server, **{**PLAIN, **client_options})
    record = Recorder(client, ["open", "close", "error", "connecting"])
    await client.open()
    _socket, peer, frames = await asyncio.wait_for(sockets.get(), TIMEOUT)
    return server, client, record, peer, frames


async def test_a_client_that_stops_answering_pings_fails_the_peers_keepalive() -> None:
    ended: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()
        ended.set_result(ws.protocol.close_sent)

    async with serve(handler, "127.0.0.1", 0, ping_interval=0.1, ping_timeout=0.3) as peer:
        port = peer.sockets[0].getsockname()[1]
        client = Client(f"ws://127.0.0.1:{port}/", **PLAIN)
        seen: list[Frame] = []
        client.on("frame", seen.append)
        closed = Recorder(client, ["close"])
        await client.open()
        client.answer_pings(False)
        sent = await asyncio.wait_for(ended, TIMEOUT)  # the peer failed the connection itself
        await closed.count("close", 1)
    assert sent is not None
    assert (sent.code, sent.reason) == (1011, "keepalive ping timeout")
    assert closed.args("close") == [(1011, "keepalive ping timeout")]
    pings = [(f.direction, f.opcode) for f in seen if f.opcode in ("ping", "pong")]
    assert pings and set(pings) == {("in", "ping")}  # pings came, no pong went


async def test_a_client_answers_pings_again_after_muting() -> None:
    rtt: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    async def handler(ws: ServerConnection) -> None:
        pong = await ws.ping(b"probe")
        rtt.set_result(await pong)  # never, from a muted client
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, ping_interval=None) as peer:
        port = peer.sockets[0].getsockname()[1]
        client = Client(f"ws://127.0.0.1:{port}/", **PLAIN)
        seen: list[Frame] = []
        client.on("frame", seen.append)
        client.answer_pings(False)  # not connected yet: no-op
        await client.open()
        client.answer_pings(False)
        client.answer_pings()
        assert await asyncio.wait_for(rtt, TIMEOUT) >= 0
        await client.close()
    controls = [(f.direction, f.opcode, f.data) for f in seen if f.opcode in ("ping", "pong")]
    assert controls == [("in", "ping", b"probe"), ("out", "pong", b"probe")]


async def test_client_send_fragments_reaches_the_peer_as_one_message() -> None:
    server, client, _record, peer, frames = await server_and_socket()
    await client.send_fragments("abcdefghij", 4)
    await peer.count("message", 1)
    data = [(f.opcode, f.fin, f.data) for f in frames if f.direction == "in"]
    assert data == [
        ("text", False, b"abc"),
        ("continuation", False, b"def"),
        ("continuation", False, b"ghij"),
        ("continuation", True, b""),
    ]
    assert peer.values("message") == ["abcdefghij"]
    with pytest.raises(ValueError, match="at least 1"):
        client.send_fragments("x", 0)
    await client.close()
    with pytest.raises(NotOpenError, match="not open"):
        client.send_fragments("late", 2)
    await server.stop()


async def test_client_send_fragments_before_open_is_refused() -> None:
    client = Client("ws://127.0.0.1:9/", **PLAIN)
    with pytest.raises(NotOpenError, match="not open"):
        client.send_fragments("early", 2)
    assert client.pending_messages == 0


async def test_client_abort_drops_tcp_without_a_close_frame_and_does_not_reconnect() -> None:
    server, client, record, peer, frames = await server_and_socket(reconnect=True)
    client.abort()
    await peer.count("close", 1)
    await record.count("close", 1)
    assert peer.args("close") == [(1006, "")]
    assert [type(e).__name__ for e in peer.values("error")] == ["ConnectionLostError"]
    assert not [f for f in frames if f.opcode == "close"]  # no close frame either way
    after_open = record.events[record.names().index("open") + 1 :]
    assert after_open == [("close", (1006, ""))]  # asked for: no ConnectionLostError
    assert client.state == "closed" and not client.is_open()
    assert record.names().count("connecting") == 1  # 1006 reconnects, but not when asked for
    client.abort()  # no-op once closed
    await server.stop()
