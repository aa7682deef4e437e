"""Our Client and Server, each checked against an implementation we did not write."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from core import Client
from tests.helpers import TIMEOUT, Recorder, loopback_server, wait_until

pytestmark = pytest.mark.asyncio


async def test_our_client_against_a_raw_websockets_server() -> None:
    frames: list[str | bytes] = []

    async def handler(ws):
        async for frame in ws:
            frames.append(frame)
            if frame == '"bye"':
                await ws.send('{"reply": [1, 2]}')
                await ws.send(b"\x00binary-not-json")
                await ws.close(4001, "done")

    async with serve(handler, "127.0.0.1", 0) as raw:
        port = raw.sockets[0].getsockname()[1]
        client = Client(host="127.0.0.1", port=port, number_of_retries=0)
        rec = Recorder(client, ["open", "message", "error", "close"])
        client.send({"x": "é"})
        await client.open()
        client.send("bye")
        await rec.count("close", 1)
    assert frames == ['{"x":"é"}', '"bye"']  # text frames, compact JSON
    assert rec.names() == ["open", "message", "message", "error", "close"]
    assert rec.values("message") == [{"reply": [1, 2]}, b"\x00binary-not-json"]
    assert rec.args("close") == [(4001, "done")]


async def test_our_server_against_a_raw_websockets_client() -> None:
    server = await loopback_server(receive_type="text/plain", send_type="application/octet-stream")
    server.on(
        "connection", lambda socket: socket.on("message", lambda m: socket.send(m[::-1].encode()))
    )
    closes: list[tuple[int, str]] = []
    server.on("connection", lambda socket: socket.on("close", lambda c, r: closes.append((c, r))))
    async with connect(f"ws://127.0.0.1:{server.port}/") as ws:
        await ws.send("abc")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == b"cba"
        await ws.send(b"xyz")  # a binary frame where text is expected is read as UTF-8
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == b"zyx"
        await ws.close(4002, "client done")
    await wait_until(lambda: closes == [(4002, "client done")])
    await server.stop()


async def test_fragmented_message_is_delivered_once_whole() -> None:
    server = await loopback_server(receive_type="text/plain")
    seen: list[str] = []
    server.on("connection", lambda socket: socket.on("message", seen.append))
    async with connect(f"ws://127.0.0.1:{server.port}/") as ws:
        await ws.send(["frag", "ment", "ed"])  # one message in three frames
        await ws.send("next")
        # Whole, and once: the next message follows it, nothing in between or after.
        await wait_until(lambda: len(seen) >= 2)
        assert seen == ["fragmented", "next"]
    await server.stop()
