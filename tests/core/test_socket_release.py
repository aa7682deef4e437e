"""A closed Socket and its connection are freed by reference counting, not left for Python's
cycle collector: a server of many short connections otherwise spends much of its time there
(issue 21). The usual echo listener, ``socket.on('message', socket.send)``, refers back to
the Socket; once 'close' was emitted the Socket drops its listeners."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from core import Socket
from tests.helpers import TIMEOUT, loopback_server, wait_until

pytestmark = pytest.mark.asyncio


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def test_a_closed_socket_with_an_echo_listener_is_freed_at_once(
    no_cycle_collector: None,
) -> None:
    server = await loopback_server(receive_type="*/*", send_type="*/*")
    sockets: list[weakref.ref[Socket]] = []
    connections: list[weakref.ref[object]] = []
    closes: list[int] = []

    def on_connection(socket: Socket) -> None:
        socket.on("message", socket.send)
        socket.on("close", lambda code, _reason: closes.append(code))
        sockets.append(weakref.ref(socket))
        connections.append(weakref.ref(socket._channel.ws))

    server.on("connection", on_connection)
    async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None) as ws:
        await ws.send("ping")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "ping"
    await wait_until(lambda: closes == [1000], TIMEOUT)
    await wait_until(lambda: sockets[0]() is None and connections[0]() is None, TIMEOUT)
    await server.stop()


async def test_a_socket_whose_coroutine_handler_still_runs_keeps_its_listeners() -> None:
    server = await loopback_server(receive_type="*/*", send_type="*/*")
    release = asyncio.Event()
    errors: list[BaseException] = []
    sockets: list[Socket] = []

    async def slow(_message: object) -> None:
        await release.wait()
        raise ValueError("late")

    def on_connection(socket: Socket) -> None:
        socket.on("message", slow)
        socket.on("error", errors.append)
        sockets.append(socket)

    server.on("connection", on_connection)
    async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None) as ws:
        await ws.send("ping")
        await wait_until(lambda: bool(sockets) and sockets[0].handler_backlog == 1, TIMEOUT)
    await wait_until(lambda: not sockets[0].is_open(), TIMEOUT)
    release.set()  # the handler fails after the close: its error still reaches the listener
    await wait_until(lambda: bool(errors), TIMEOUT)
    assert "late" in str(errors[0].__cause__ or errors[0])
    assert sockets[0].listener_count("error") == 1
    await server.stop()
