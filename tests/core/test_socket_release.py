"""A closed Socket or Client connection is freed by reference counting, not left for Python's
cycle collector: a server of many short connections otherwise spends much of its time there
(issue 21). The usual echo listener, ``socket.on('message', socket.send)``, refers back to
the Socket; once 'close' was emitted the Socket drops its listeners."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable, Iterator

import pytest
from websockets.asyncio.client import connect

from core import ConnectionLostError, DecodeError, Server, Socket
from core._flow import FlowControl
from tests.helpers import TIMEOUT, client_for, echo_server, loopback_server, wait_until

pytestmark = pytest.mark.asyncio


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def serve_and_watch(
    handler: Callable[[Socket], object], **options: object
) -> tuple[Server, list[weakref.ref[object]], list[int]]:
    """A server whose sockets get ``handler``; weak references to each Socket, its
    connection, the connection's queue of parsed frames and its protocol; the close codes
    seen."""
    server = await loopback_server(**options)
    watched: list[weakref.ref[object]] = []
    closes: list[int] = []

    def on_connection(socket: Socket) -> object:
        socket.on("close", lambda code, _reason: closes.append(code))
        ws = socket._channel.ws
        watched.extend(weakref.ref(thing) for thing in (socket, ws, ws.recv_messages, ws.protocol))
        return handler(socket)  # a coroutine handler's coroutine, for the Server to run

    server.on("connection", on_connection)
    return server, watched, closes


def echo_listener(socket: Socket) -> None:
    socket.on("message", socket.send)


async def echo_pulling(socket: Socket) -> None:
    async for message in socket:
        await socket.send(message)


@pytest.mark.parametrize(
    ("handler", "options"),
    [(echo_listener, {}), (echo_pulling, {}), (echo_listener, {"wire_lengths": True})],
    ids=["listener", "pulling", "wire-lengths"],
)
async def test_a_closed_socket_is_freed_at_once(
    no_cycle_collector: None, handler: Callable[[Socket], object], options: dict[str, object]
) -> None:
    # Pulling: the end recv() raises must not hold recv()'s frame in a cycle; both: nor the
    # end of websockets' queue the reader waited on. Counting wire lengths (like a lower
    # fragment cap or a frame tap) wraps process_extensions on the protocol itself: the
    # wrapper refers back to it.
    server, watched, closes = await serve_and_watch(
        handler, receive_type="*/*", send_type="*/*", **options
    )
    async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None) as ws:
        await ws.send("ping")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "ping"
    await wait_until(lambda: closes == [1000], TIMEOUT)
    await wait_until(lambda: [ref() for ref in watched] == [None] * 4, TIMEOUT)
    await server.stop()


async def test_a_socket_that_got_an_undecodable_message_is_freed_at_once(
    no_cycle_collector: None,
) -> None:
    # The DecodeError's traceback holds the reader's frame: the reader must not keep it.
    errors: list[type[BaseException]] = []
    server, watched, closes = await serve_and_watch(
        lambda socket: socket.on("error", lambda error: errors.append(type(error))),
        receive_type="application/json",
    )
    async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None) as ws:
        await ws.send("not JSON")
        await wait_until(lambda: bool(errors), TIMEOUT)
    assert errors == [DecodeError]
    await wait_until(lambda: closes == [1000], TIMEOUT)
    await wait_until(lambda: [ref() for ref in watched] == [None] * 4, TIMEOUT)
    await server.stop()


async def test_a_socket_whose_client_vanished_is_freed_at_once(no_cycle_collector: None) -> None:
    # No close frame: websockets' parser ends on an EOFError whose traceback holds the
    # parser's frame, and that frame holds the protocol.
    server, watched, closes = await serve_and_watch(
        echo_listener, receive_type="*/*", send_type="*/*"
    )
    errors: list[type[BaseException]] = []  # (the error itself refers to the Socket)
    server.on("error", lambda error: errors.append(type(error)))
    ws = await asyncio.wait_for(connect(f"ws://127.0.0.1:{server.port}/", proxy=None), TIMEOUT)
    await ws.send("ping")
    assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "ping"
    ws.transport.abort()
    await wait_until(lambda: closes == [1006], TIMEOUT)
    assert errors == [ConnectionLostError]
    await wait_until(lambda: [ref() for ref in watched] == [None] * 4, TIMEOUT)
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


@pytest.mark.parametrize("pulling", [False, True], ids=["listener", "pulling"])
async def test_a_clients_closed_connection_is_freed_at_once(
    no_cycle_collector: None, pulling: bool
) -> None:
    server = await echo_server(receive_type="*/*", send_type="*/*")
    client = client_for(server, receive_type="*/*", send_type="*/*")
    replies: list[object] = []
    if not pulling:
        client.on("message", replies.append)
    await client.open()
    channel = client._channel
    assert channel is not None
    ws = channel.ws  # (the channel has slots and no weak references)
    watched = [weakref.ref(thing) for thing in (ws, ws.recv_messages, ws.protocol)]
    del channel, ws
    await client.send("ping")
    if pulling:
        replies.append(await asyncio.wait_for(client.recv(), TIMEOUT))
    else:
        await wait_until(lambda: replies == ["ping"], TIMEOUT)
    await client.close()
    assert replies == ["ping"]
    await wait_until(lambda: [ref() for ref in watched] == [None] * 3, TIMEOUT)
    await server.stop()


async def test_clients_with_the_same_limits_share_one_connection_class() -> None:
    # A class is freed only by the cycle collector: one per attempt would be garbage each.
    server = await echo_server()
    classes = []
    for _ in range(2):
        client = client_for(server, write_timeout=1234)
        await client.open()
        assert client._channel is not None
        classes.append(type(client._channel.ws))
        await client.close()
    assert classes[0] is classes[1]
    assert issubclass(classes[0], FlowControl)
    assert classes[0].limits.write_timeout == 1.234
    await server.stop()
