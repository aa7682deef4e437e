"""ping() returns the round trip; broadcast() reaches every open socket."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect

from core import EncodeError, NotOpenError, Server, Socket
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server, loopback_server

pytestmark = pytest.mark.asyncio


async def test_ping_on_client_and_socket_returns_the_round_trip_in_seconds() -> None:
    server = await echo_server(ping_interval=None)
    connected = Recorder(server, ["connection"])
    client = client_for(server, ping_interval=None)
    await client.open()
    await connected.count("connection", 1)
    socket: Socket = connected.values("connection")[0]
    for rtt in (
        await asyncio.wait_for(client.ping(), TIMEOUT),
        await asyncio.wait_for(socket.ping(), TIMEOUT),
    ):
        assert isinstance(rtt, float) and 0 < rtt < TIMEOUT
    await client.close()
    with pytest.raises(NotOpenError):
        await client.ping()
    with pytest.raises(NotOpenError):
        await socket.ping()
    await server.stop()


async def test_ping_before_open_raises_not_open() -> None:
    server = await echo_server()
    client = client_for(server)
    with pytest.raises(NotOpenError, match="not open"):
        await client.ping()
    await server.stop()


async def test_a_ping_waiting_for_its_pong_fails_when_the_connection_ends() -> None:
    """A raw peer that stops reading never answers; closing ends the wait with NotOpenError."""
    server = await loopback_server(ping_interval=None)
    connected = Recorder(server, ["connection"])
    async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None, ping_interval=None) as ws:
        await connected.count("connection", 1)
        socket: Socket = connected.values("connection")[0]
        ws.transport.pause_reading()  # the ping stays unread: no pong
        waiting = asyncio.ensure_future(socket.ping())
        await asyncio.sleep(0)
        assert not waiting.done()
        ws.transport.abort()
        with pytest.raises(NotOpenError):
            await asyncio.wait_for(waiting, TIMEOUT)
    await server.stop()


async def test_broadcast_reaches_every_open_socket_and_counts_them() -> None:
    server = await loopback_server(send_type="text/plain", receive_type="text/plain")
    connected = Recorder(server, ["connection"])
    clients = [client_for(server, receive_type="text/plain") for _ in range(3)]
    records = [Recorder(client, ["message"]) for client in clients]
    await asyncio.gather(*(client.open() for client in clients))
    await connected.count("connection", 3)
    assert await asyncio.wait_for(server.broadcast("news"), TIMEOUT) == 3
    for record in records:
        await record.count("message", 1)
        assert record.values("message") == ["news"]
    await clients[0].close()
    assert await asyncio.wait_for(server.broadcast("more"), TIMEOUT) == 2
    for record in records[1:]:
        await record.count("message", 2)
    assert records[0].values("message") == ["news"]
    await asyncio.gather(*(client.close() for client in clients))
    assert await server.broadcast("nobody") == 0
    await server.stop()


async def test_a_broadcast_that_does_not_convert_is_reported_per_socket() -> None:
    server = await loopback_server(send_type="application/json")
    connected = Recorder(server, ["connection"])
    clients = [client_for(server) for _ in range(2)]
    await asyncio.gather(*(client.open() for client in clients))
    await connected.count("connection", 2)
    errors = [Recorder(socket, ["error"]) for socket in connected.values("connection")]
    assert await server.broadcast({"not JSON": {1, 2}}) == 0
    for record in errors:
        [error] = record.values("error")
        assert isinstance(error, EncodeError) and "application/json" in str(error)
    assert await server.broadcast({"JSON": [1, 2]}) == 2
    await asyncio.gather(*(client.close() for client in clients))
    await server.stop()


async def test_broadcast_on_a_server_never_started_sends_nothing() -> None:
    assert await Server(port=0).broadcast("x") == 0
