"""What an open connection costs a core Server in objects, against plain websockets (issue 21).

Every object Python's cycle collector tracks brings its next collection closer and makes the
full ones longer; a server holds thousands of connections, and 500 connecting at once spent a
fifth of their CPU in the collector. Counts, not timings: both are exact on one interpreter.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.connection import Connection
from websockets.asyncio.server import ServerConnection, serve

from core import Socket
from tests.helpers import TIMEOUT, echo_server

pytestmark = pytest.mark.asyncio

CONNECTIONS = 40
#: Tracked objects an open core connection may add over plain websockets' (6.5 when written:
#: the Socket, its Channel and Outbox, the outbox's queue, the listeners' dict and the echo
#: listener's entry; 17.5 before the count was brought down).
MOST_EXTRA_OBJECTS = 8


async def ws_echo(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def websockets_port() -> AsyncIterator[int]:
    async with serve(ws_echo, "127.0.0.1", 0, compression=None) as server:
        yield server.sockets[0].getsockname()[1]


async def core_port() -> AsyncIterator[int]:
    server = await echo_server(receive_type="*/*", send_type="*/*", compression=None)
    try:
        assert server.port is not None
        yield server.port
    finally:
        await asyncio.wait_for(server.stop(), TIMEOUT)


async def tracked_per_connection(port: int) -> float:
    """Tracked objects per open, idle connection (both ends: the same clients each time)."""
    gc.collect()
    before = len(gc.get_objects())
    clients: list[ClientConnection] = []
    try:
        for _ in range(CONNECTIONS):
            client = await asyncio.wait_for(
                connect(f"ws://127.0.0.1:{port}/", compression=None), TIMEOUT
            )
            clients.append(client)
            await client.send("past the first message")
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == "past the first message"
        gc.collect()
        return (len(gc.get_objects()) - before) / CONNECTIONS
    finally:
        await asyncio.gather(*(client.close() for client in clients))


async def measure(ports: Callable[[], AsyncIterator[int]]) -> float:
    async for port in ports():
        return await tracked_per_connection(port)
    raise AssertionError("no port")


async def test_an_open_connection_adds_few_objects_over_plain_websockets() -> None:
    await measure(core_port)  # warm: imports, caches and the loop's own objects
    await measure(websockets_port)
    plain = await measure(websockets_port)
    ours = await measure(core_port)
    assert ours - plain <= MOST_EXTRA_OBJECTS, f"core {ours:.1f}, websockets {plain:.1f}"


async def test_a_server_connection_keeps_its_attributes_inline() -> None:
    """CPython keeps up to 30 attributes in an object's inline values; past that the object
    gets a dict of its own, one more object to make and to collect. websockets' connection
    has about 27; core's mixins keep theirs in slots."""
    seen: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()

    def on_connection(socket: Socket) -> None:
        seen.set_result(socket._channel.ws)

    server = await echo_server(receive_type="*/*", send_type="*/*")
    server.on("connection", on_connection)
    try:
        async with connect(f"ws://127.0.0.1:{server.port}/") as client:
            connection = await asyncio.wait_for(seen, TIMEOUT)
            # Its own dict would hold its attributes (values that are dicts hold none of them).
            referents = gc.get_referents(connection)
            assert not [ref for ref in referents if type(ref) is dict and "protocol" in ref]
            await client.send("x")
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == "x"
    finally:
        await asyncio.wait_for(server.stop(), TIMEOUT)
