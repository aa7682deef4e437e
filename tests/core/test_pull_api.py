"""Scripting core like a Python library: recv(), async for, async with, URLs, close status,
and reconnecting. The event style keeps working beside it."""

from __future__ import annotations

import asyncio
import socket as stdlib_socket
from typing import Any

import pytest

from core import (
    Client,
    ConnectError,
    ConnectionClosed,
    ConnectionLostError,
    NotOpenError,
    Server,
    WebSocketError,
)
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server, loopback_server, wait_until

pytestmark = pytest.mark.asyncio


def free_port() -> int:
    with stdlib_socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def first_socket(server: Server) -> Any:
    await wait_until(lambda: bool(server.sockets))
    return server.sockets[0]


# -- B3: recv(), async for, ConnectionClosed --------------------------------------------------


async def test_recv_returns_messages_in_order_then_raises_connection_closed() -> None:
    server = await loopback_server()
    client = client_for(server)
    async with client:
        socket = await first_socket(server)
        for i in range(3):
            socket.send({"n": i})
        assert [await asyncio.wait_for(client.recv(), TIMEOUT) for _ in range(3)] == [
            {"n": 0},
            {"n": 1},
            {"n": 2},
        ]
        socket.send("last")
        await socket.close(4001, "done")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "last"  # buffered comes first
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(client.recv(), TIMEOUT)
        assert (info.value.code, info.value.reason) == (4001, "done")
        assert not isinstance(info.value, ConnectionLostError)
    await server.stop()


async def test_async_for_ends_on_a_normal_close() -> None:
    server = await loopback_server(send_type="text/plain")
    client = client_for(server, receive_type="text/plain")
    got: list[str] = []
    async with client:
        socket = await first_socket(server)
        for i in range(5):
            socket.send(str(i))
        socket.close()
        async for message in client:
            got.append(message)
    assert got == ["0", "1", "2", "3", "4"]
    await server.stop()


async def test_async_for_raises_on_an_abnormal_end() -> None:
    server = await loopback_server()
    client = client_for(server)
    async with client:
        socket = await first_socket(server)
        socket.send("one")
        got: list[Any] = []
        with pytest.raises(ConnectionLostError) as info:
            async for message in client:
                got.append(message)
                socket._channel.ws.transport.abort()  # the server vanishes without a close frame
        assert got == ["one"] and info.value.code == 1006
        assert isinstance(info.value, ConnectionClosed) and isinstance(info.value, WebSocketError)
    await server.stop()


async def test_a_socket_pulls_from_a_coroutine_connection_handler() -> None:
    server = Server(host_interface="127.0.0.1", port=0, receive_type="text/plain")
    pulled: list[str] = []
    done = asyncio.Event()

    @server.on("connection")
    async def handle(socket: Any) -> None:
        async for message in socket:  # starts pulling before any message is read
            pulled.append(message)
        done.set()

    await server.start()
    client = client_for(server, send_type="text/plain")
    for i in range(20):
        client.send(f"m{i}")  # queued: all go out right after the handshake
    await client.open()
    await wait_until(lambda: len(pulled) == 20)
    await client.close()
    await asyncio.wait_for(done.wait(), TIMEOUT)
    assert pulled == [f"m{i}" for i in range(20)]
    await server.stop()


async def test_pulling_pauses_reading_at_max_queue_and_drops_nothing() -> None:
    server = await loopback_server(send_type="text/plain", ping_interval=None)
    client = client_for(server, receive_type="text/plain", max_queue=3, ping_interval=None)
    taken_in: list[str] = []
    client.on("message", taken_in.append)
    n = 2_000
    async with client:
        socket = await first_socket(server)
        for i in range(n):
            socket.send(f"{i:06}")
        await asyncio.sleep(0.3)  # time for an unbounded reader to take in everything
        assert len(taken_in) <= 3, len(taken_in)
        pulled = [await asyncio.wait_for(client.recv(), TIMEOUT) for _ in range(n)]
    assert pulled == [f"{i:06}" for i in range(n)] == taken_in
    await server.stop()


async def test_a_listener_only_client_is_never_slowed_or_grown() -> None:
    server = await loopback_server(send_type="text/plain")
    client = client_for(server, receive_type="text/plain", max_queue=1)
    got: list[str] = []
    client.on("message", got.append)
    await client.open()
    socket = await first_socket(server)
    for i in range(1_000):
        socket.send(str(i))
    await wait_until(lambda: len(got) == 1_000)  # max_queue=1 did not pause a non-puller
    assert client.inbox is None
    await client.close()
    await server.stop()


async def test_recv_before_open_says_how_to_open() -> None:
    client = Client(host="127.0.0.1", port=free_port())
    with pytest.raises(NotOpenError, match="call open"):
        await client.recv()


async def test_wait_for_message_ends_at_once_when_the_connection_ends() -> None:
    server = await loopback_server()
    client = client_for(server)
    await client.open()
    socket = await first_socket(server)
    with pytest.raises(TimeoutError, match=r"no 'message' event within 0\.05 s"):
        await client.wait_for("message", timeout=0.05)
    waiting = asyncio.ensure_future(client.wait_for("message", timeout=TIMEOUT * 4))
    await asyncio.sleep(0)
    socket.close(1000, "bye")
    with pytest.raises(ConnectionClosed) as info:
        await asyncio.wait_for(waiting, TIMEOUT)
    assert (info.value.code, info.value.reason) == (1000, "bye")
    with pytest.raises(ConnectionClosed):  # and at once once it has ended
        await asyncio.wait_for(client.wait_for("message"), TIMEOUT)
    await server.stop()


# -- B2: async with ----------------------------------------------------------------------------


async def test_async_with_starts_and_stops_server_and_opens_and_closes_client() -> None:
    async with Server(host_interface="127.0.0.1", port=0) as server:
        server.on("connection", lambda socket: socket.on("message", socket.send))
        assert server.is_listening()
        async with Client(host="127.0.0.1", port=server.port, number_of_retries=0) as client:
            assert client.is_open()
            client.send({"echo": 1})
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == {"echo": 1}
        assert client.state == "closed" and client.close_code == 1000
    assert not server.is_listening() and server.port is None


async def test_async_with_client_raises_connect_error() -> None:
    with pytest.raises(ConnectError):
        async with Client(host="127.0.0.1", port=free_port(), number_of_retries=0):
            raise AssertionError("not reached")


# -- B1: a URL as the first argument ---------------------------------------------------------


async def test_url_gives_host_port_path_and_tls() -> None:
    client = Client("wss://Example.test:8443/path?q=1", receive_type="text/plain")
    o = client.options
    assert (o["host"], o["port"], o["path"], o["ssl_tls"]) == (
        "example.test",
        8443,
        "/path?q=1",
        True,
    )
    assert o["receive_type"] == "text/plain"
    assert client.url == "wss://example.test:8443/path?q=1"
    assert Client("ws://localhost").options["port"] == 80
    assert Client("wss://[::1]/").url == "wss://[::1]:443/"
    with pytest.raises(ValueError, match="'port' is already given by the URL"):
        Client("ws://localhost:1234/", port=99)
    with pytest.raises(ValueError, match="not a valid ws:// or wss:// URL"):
        Client("http://localhost/")


async def test_url_client_reaches_the_path() -> None:
    server = await loopback_server()
    sockets = Recorder(server, ["connection"])
    client = Client(f"ws://127.0.0.1:{server.port}/room?id=7", number_of_retries=0)
    await client.open()
    await sockets.count("connection", 1)
    assert sockets.values("connection")[0].path == "/room?id=7"
    await client.close()
    await server.stop()


# -- B4: close_code / close_reason ---------------------------------------------------------------


async def test_close_code_and_reason_are_none_until_closed_and_reset_on_reopen() -> None:
    server = await loopback_server()
    client = client_for(server)
    assert (client.close_code, client.close_reason) == (None, None)
    await client.open()
    socket = await first_socket(server)
    assert (client.close_code, client.close_reason) == (None, None)
    assert (socket.close_code, socket.close_reason) == (None, None)
    await socket.close(4002, "go")
    await wait_until(lambda: client.state == "closed")
    assert (client.close_code, client.close_reason) == (4002, "go")
    assert (socket.close_code, socket.close_reason) == (4002, "go")
    await client.open()
    assert (client.close_code, client.close_reason) == (None, None)
    await client.close()
    assert (client.close_code, client.close_reason) == (1000, "")
    await server.stop()


# -- B8: reconnect -----------------------------------------------------------------------------


async def test_reconnect_after_a_lost_connection_queues_what_is_sent_meanwhile() -> None:
    server = await loopback_server(receive_type="text/plain")
    seen: list[str] = []
    server.on("connection", lambda s: s.on("message", seen.append))
    client = client_for(
        server,
        send_type="text/plain",
        reconnect=True,
        number_of_retries=20,
        time_between_retries=20,
    )
    rec = Recorder(client, ["open", "close", "connecting"])
    await client.open()
    (await first_socket(server)).close(1012, "restart")
    await rec.count("close", 1)
    client.send("while away")  # queued, not refused
    await rec.count("open", 2)
    assert rec.names() == ["connecting", "open", "close", "connecting", "open"]
    assert rec.args("close") == [(1012, "restart")]
    await wait_until(lambda: seen == ["while away"])
    await client.close()
    assert rec.names()[-1] == "close" and client.state == "closed"
    await server.stop()


async def test_reconnect_waits_out_a_server_restart_and_recv_carries_on() -> None:
    port = free_port()
    first = Server(host_interface="127.0.0.1", port=port, send_type="text/plain")
    await first.start()
    client = Client(
        host="127.0.0.1",
        port=port,
        receive_type="text/plain",
        reconnect=True,
        number_of_retries=100,
        time_between_retries=20,
    )
    rec = Recorder(client, ["open", "close"])
    async with client:
        (await first_socket(first)).send("before")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "before"
        await first.stop()  # closes with 1001: going away
        await rec.count("close", 1)
        second = Server(host_interface="127.0.0.1", port=port, send_type="text/plain")
        await second.start()
        await rec.count("open", 2)
        (await first_socket(second)).send("after")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "after"
    assert rec.args("close") == [(1001, "server stopping"), (1000, "")]
    await second.stop()


@pytest.mark.parametrize(("reconnect", "code"), [(False, 1012), (True, 1000), (True, 4000)])
async def test_no_reconnect_when_off_or_after_a_normal_or_application_close(
    reconnect: bool, code: int
) -> None:
    server = await echo_server()
    client = client_for(server, reconnect=reconnect, time_between_retries=10)
    rec = Recorder(client, ["connecting", "close"])
    await client.open()
    (await first_socket(server)).close(code)
    await rec.count("close", 1)
    await asyncio.sleep(0.1)  # longer than the retry interval: no attempt may start
    assert rec.names() == ["connecting", "close"] and client.state == "closed"
    with pytest.raises(ConnectionClosed):
        await client.recv()
    await server.stop()


async def test_no_reconnect_after_the_client_closes() -> None:
    server = await echo_server()
    client = client_for(server, reconnect=True, time_between_retries=10)
    rec = Recorder(client, ["connecting", "close"])
    await client.open()
    await client.close(1001)
    await asyncio.sleep(0.1)
    assert rec.names() == ["connecting", "close"] and client.state == "closed"
    await server.stop()


async def test_a_full_inbox_makes_room_only_once_down_to_a_quarter() -> None:
    """The reader waits on ``room()`` while ``limit`` messages wait; it reads again once they
    are down to a quarter, so reader and puller take turns per batch, not per message."""
    from core._pull import Inbox

    inbox = Inbox(8)
    for n in range(8):
        inbox.put(n)
    assert inbox.full()
    room = inbox.room()
    assert room is not None
    taken = [inbox.take() for _ in range(5)]
    assert taken == [0, 1, 2, 3, 4] and not room.done()  # 3 wait: more than a quarter
    assert inbox.take() == 5
    assert room.done()  # 2 wait: a quarter of 8
    assert not inbox.full() and inbox.room() is None
