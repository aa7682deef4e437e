"""``recv()`` and ``async for`` read from websockets in the puller's own task once pulling
started and nothing else wants the messages (core._pull, core._connection.Channel.direct_read),
and hand reading back to the connection's reader whenever something else does: a listener,
a second puller, close(), or the end of the connection."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core import Client, ConnectionClosed, DecodeError, Server, Socket
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server, wait_until

pytestmark = pytest.mark.asyncio


async def pulling_echo_server() -> tuple[Server, list[Socket], asyncio.Queue[str]]:
    """A server whose handler echoes with ``async for``; the queue says how each loop ended."""
    server = await loopback_server()
    sockets: list[Socket] = []
    ended: asyncio.Queue[str] = asyncio.Queue()

    async def handler(socket: Socket) -> None:
        sockets.append(socket)
        try:
            async for message in socket:
                await socket.send(message)
        except ConnectionClosed as closed:
            await ended.put(f"raised {closed.code}")
        else:
            await ended.put("ended")

    server.on("connection", handler)
    return server, sockets, ended


def reads_directly(endpoint: Any) -> bool:
    """Whether the endpoint's reader is parked, leaving reading to its recv()."""
    channel = endpoint.direct_reader
    return channel is not None and channel._parked is not None and not channel._parked.done()


async def test_after_the_first_message_the_puller_reads_itself_in_order() -> None:
    server, sockets, _ended = await pulling_echo_server()
    async with client_for(server) as client:
        replies = []
        for n in range(50):
            client.send(f"m{n}")
            replies.append(await asyncio.wait_for(client.recv(), TIMEOUT))
        assert replies == [f"m{n}" for n in range(50)]
        assert reads_directly(sockets[0])  # the server's pulling handler
        assert reads_directly(client)  # and the client's recv()
    await server.stop()


async def test_a_pulling_loop_ends_when_the_peer_closes_during_a_direct_read() -> None:
    """The loop waits in websockets' recv() when the close comes: it must end (websockets
    raises the end without letting the loop run, which once made this spin for ever)."""
    server, sockets, ended = await pulling_echo_server()
    socket_closes = Recorder(server, ["connection"])
    client = client_for(server)
    await client.open()
    for n in range(3):
        client.send(f"m{n}")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == f"m{n}"
    await wait_until(lambda: reads_directly(sockets[0]))
    closes = Recorder(sockets[0], ["close"])
    await asyncio.wait_for(client.close(1000, "bye"), TIMEOUT)
    assert await asyncio.wait_for(ended.get(), TIMEOUT) == "ended"
    await closes.count("close", 1)
    assert closes.args("close") == [(1000, "bye")]
    assert len(socket_closes.args("connection")) == 1
    await server.stop()


async def test_a_listener_added_while_pulling_gets_every_later_message() -> None:
    server = await loopback_server()
    async with client_for(server) as client:
        await wait_until(lambda: bool(server.sockets))
        socket = server.sockets[0]
        for n in range(3):
            socket.send(str(n))
        assert [await asyncio.wait_for(client.recv(), TIMEOUT) for _ in range(3)] == [
            "0",
            "1",
            "2",
        ]
        await wait_until(lambda: reads_directly(client))
        heard = Recorder(client, ["message"])
        assert not reads_directly(client)  # the listener took reading back
        for n in range(3, 8):
            socket.send(str(n))
        await heard.count("message", 5)
        assert heard.values("message") == ["3", "4", "5", "6", "7"]
        pulled = [await asyncio.wait_for(client.recv(), TIMEOUT) for _ in range(5)]
        assert pulled == ["3", "4", "5", "6", "7"]
    await server.stop()


async def test_two_pullers_at_once_share_the_messages_without_losing_one() -> None:
    server = await loopback_server()
    async with client_for(server) as client:
        await wait_until(lambda: bool(server.sockets))
        socket = server.sockets[0]
        socket.send("first")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "first"
        await wait_until(lambda: reads_directly(client))
        pulls = [asyncio.ensure_future(client.recv()) for _ in range(2)]
        await asyncio.sleep(0)  # both wait: one in websockets' recv(), one on the inbox
        for n in range(2):
            socket.send(f"m{n}")
        got = await asyncio.wait_for(asyncio.gather(*pulls), TIMEOUT)
        assert sorted(got) == ["m0", "m1"]
        socket.send("after")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "after"
    await server.stop()


async def test_close_while_the_puller_waits_ends_at_once_and_ends_the_pull() -> None:
    server = await loopback_server(close_timeout=30)
    client = client_for(server, close_timeout=30)
    await client.open()
    await wait_until(lambda: bool(server.sockets))
    server.sockets[0].send("hello")
    assert await asyncio.wait_for(client.recv(), TIMEOUT) == "hello"
    await wait_until(lambda: reads_directly(client))
    pull = asyncio.ensure_future(client.recv())
    await asyncio.sleep(0.01)  # in websockets' recv(), in the pull's own task
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(client.close(4000, "done"), TIMEOUT)
    assert loop.time() - started < TIMEOUT  # not after close_timeout (30 s)
    with pytest.raises(ConnectionClosed) as info:
        await asyncio.wait_for(pull, TIMEOUT)
    assert info.value.code == 4000
    await server.stop()


async def test_a_message_that_does_not_convert_is_pulled_raw_and_reported() -> None:
    server = await loopback_server(send_type="text/plain")
    client = Client(
        host="127.0.0.1", port=server.port, number_of_retries=0, receive_type="application/json"
    )
    errors = Recorder(client, ["error"])
    async with client:
        await wait_until(lambda: bool(server.sockets))
        socket = server.sockets[0]
        socket.send("1")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == 1
        await wait_until(lambda: reads_directly(client))
        socket.send("{not json")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "{not json"
        await errors.count("error", 1)
        error = errors.values("error")[0]
        assert isinstance(error, DecodeError) and error.raw == "{not json"
        socket.send("2")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == 2
    await server.stop()


async def test_nobody_pulling_after_the_hand_over_slows_the_peer_instead_of_buffering() -> None:
    """The parked reader reads nothing: websockets' queue fills to max_queue, the transport
    pauses and the sender's buffer grows instead of the receiver's memory."""
    server = await loopback_server(compression=None)  # one read holds one or two frames
    async with client_for(server, max_queue=4) as client:
        await wait_until(lambda: bool(server.sockets))
        socket = server.sockets[0]
        socket.send("first")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "first"
        await wait_until(lambda: reads_directly(client))
        payload = "x" * 60_000
        for _ in range(200):  # 12 MB: far beyond what the socket buffers hold
            socket.send(payload)
        await wait_until(lambda: socket.buffered_amount + socket.pending_messages > 0)
        await wait_until(lambda: client.unread_messages == 4)  # max_queue, parsed
        await asyncio.sleep(0.2)
        assert client.unread_messages == 4 and len(client.inbox or ()) == 0
        got = [await asyncio.wait_for(client.recv(), TIMEOUT) for _ in range(200)]
        assert len(got) == 200 and all(message == payload for message in got)
    await server.stop()
