"""The Socket's hooks for fault tests: send_fragments, abort, answer_pings(False)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.client import connect

from core import Frame, Socket
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server

pytestmark = pytest.mark.asyncio

PLAIN = {"receive_type": "text/plain", "send_type": "text/plain", "ping_interval": None}


async def connected_pair(**server_options: object) -> tuple[Any, ...]:
    server = await loopback_server(**{**PLAIN, **server_options})
    sockets: asyncio.Queue[Socket] = asyncio.Queue()
    server.on("connection", sockets.put_nowait)
    client = client_for(server, **PLAIN)
    frames: list[Frame] = []
    client.on("frame", frames.append)
    record = Recorder(client, ["open", "message", "close", "error"])
    await client.open()
    await record.count("open", 1)
    socket = await asyncio.wait_for(sockets.get(), TIMEOUT)
    return server, client, socket, record, frames


async def test_send_fragments_arrives_as_that_many_frames_and_one_message() -> None:
    server, _client, socket, record, frames = await connected_pair()
    out: list[object] = []
    socket.on("wire_message", lambda direction, payload: out.append((direction, payload)))
    await socket.send_fragments("abcdefghij", 4)
    await record.count("message", 1)
    data = [(f.opcode, f.fin, f.data) for f in frames if f.direction == "in"]
    assert data == [  # 4 means 4 frames
        ("text", False, b"abc"),
        ("continuation", False, b"def"),
        ("continuation", False, b"ghij"),
        ("continuation", True, b""),  # how websockets ends a fragmented message
    ]
    assert record.args("message") == [("abcdefghij",)]
    assert out == [("out", "abcdefghij")]
    await socket.send_fragments("whole", 1)  # one frame: the message as it is
    await record.count("message", 2)
    last = [(f.opcode, f.fin, f.data) for f in frames if f.direction == "in"][len(data) :]
    assert last == [("text", True, b"whole")]
    with pytest.raises(ValueError, match="at least 1"):
        socket.send_fragments("x", 0)
    await server.stop()


async def test_abort_cuts_the_connection_without_a_close_frame() -> None:
    server, _client, socket, record, frames = await connected_pair()
    here = Recorder(socket, ["close", "error"])
    socket.abort()
    await record.count("close", 1)
    await here.count("close", 1)
    assert record.args("close") == [(1006, "")]
    assert here.events == [("close", (1006, ""))]  # asked for: no ConnectionLostError
    assert not [f for f in frames if f.opcode == "close"]
    await server.stop()


async def test_a_socket_that_stops_answering_pings_fails_the_peers_keepalive() -> None:
    server = await loopback_server(**PLAIN)
    seen: list[Frame] = []

    def on_connection(socket: Socket) -> None:
        socket.on("frame", seen.append)
        socket.answer_pings(False)

    server.on("connection", on_connection)
    url = f"ws://127.0.0.1:{server.port}/"
    async with connect(url, ping_interval=0.1, ping_timeout=0.3) as ws:
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    sent = ws.protocol.close_sent  # the peer failed the connection itself
    assert sent is not None
    assert (sent.code, sent.reason) == (1011, "keepalive ping timeout")
    opcodes = [(f.direction, f.opcode) for f in seen if f.opcode in ("ping", "pong")]
    assert opcodes and set(opcodes) == {("in", "ping")}
    await server.stop()


async def test_answer_pings_again_after_muting() -> None:
    server = await loopback_server(**PLAIN)
    seen: list[Frame] = []

    def on_connection(socket: Socket) -> None:
        socket.on("frame", seen.append)
        socket.answer_pings(False)
        socket.answer_pings()

    server.on("connection", on_connection)
    async with connect(f"ws://127.0.0.1:{server.port}/", ping_interval=None) as ws:
        await asyncio.sleep(0)
        pong = await ws.ping(b"probe")
        await asyncio.wait_for(pong, TIMEOUT)  # a muted socket never answers: TimeoutError
    await server.stop()
    controls = [(f.direction, f.opcode, f.data) for f in seen if f.opcode in ("ping", "pong")]
    assert controls == [("in", "ping", b"probe"), ("out", "pong", b"probe")]
