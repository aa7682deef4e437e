"""pending_messages and buffered_amount: what a Client or Socket has accepted but not sent yet."""

from __future__ import annotations

import asyncio
import socket as socket_module

import pytest
from websockets.asyncio.client import connect

from core import Socket
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server, loopback_server

pytestmark = pytest.mark.asyncio

#: Messages of 64 KiB the server sends to a peer that stopped reading (its receive buffer
#: is 4 KiB, the server's send buffer at most a few MiB).
COUNT = 256


async def _until(condition: object, what: str) -> None:
    async with asyncio.timeout(TIMEOUT):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.01)


async def test_a_client_counts_messages_queued_before_open_until_they_are_sent() -> None:
    server = await echo_server()
    client = client_for(server)
    assert (client.pending_messages, client.buffered_amount) == (0, 0)
    opened = client.open()
    for n in range(3):
        client.send({"n": n})
    assert client.pending_messages == 3
    await asyncio.wait_for(opened, TIMEOUT)
    await _until(lambda: client.pending_messages == 0, "sent")
    await client.close()
    assert (client.pending_messages, client.buffered_amount) == (0, 0)
    await server.stop()


async def test_a_socket_whose_peer_stops_reading_shows_its_backlog_and_drains_it() -> None:
    server = await loopback_server(ping_interval=None, compression=None)  # deflate shrinks it
    connected = Recorder(server, ["connection"])
    peer = socket_module.socket()
    peer.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_RCVBUF, 4096)  # fills quickly
    peer.setblocking(False)
    await asyncio.get_running_loop().sock_connect(peer, ("127.0.0.1", server.port))
    async with connect(
        f"ws://127.0.0.1:{server.port}/", sock=peer, proxy=None, ping_interval=None, max_size=None
    ) as ws:
        await connected.count("connection", 1)
        socket: Socket = connected.values("connection")[0]
        ws.transport.pause_reading()
        chunk = "x" * 65536
        for _ in range(COUNT):  # more than the kernel buffers of a loopback pair
            socket.send(chunk)
        await asyncio.sleep(0.2)
        assert socket.pending_messages > 0
        assert socket.buffered_amount > 0
        ws.transport.resume_reading()
        for _ in range(COUNT):
            assert len(await asyncio.wait_for(ws.recv(), TIMEOUT)) >= len(chunk)
        await _until(lambda: socket.pending_messages == 0, "drained")
        await _until(lambda: socket.buffered_amount == 0, "written")
    await _until(lambda: not socket.is_open(), "closed")
    assert (socket.pending_messages, socket.buffered_amount) == (0, 0)
    await server.stop()
