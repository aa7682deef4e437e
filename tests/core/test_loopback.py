"""Loopback integration: a real Server on 127.0.0.1 port 0 with real Clients; exact event sequences."""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image

from core import Client, NotOpenError, Server
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server, loopback_server, wait_until

pytestmark = pytest.mark.asyncio


async def test_seed_example_queued_message_and_reply() -> None:
    server = await loopback_server()
    received: list[object] = []
    server.on(
        "connection",
        lambda socket: socket.on(
            "message", lambda m: (received.append(m), socket.send("Reply message"))
        ),
    )
    client = Client({"host": "127.0.0.1", "port": server.port, "numberOfRetries": 0})
    rec = Recorder(client, ["open", "message", "close", "error"])
    client.send({"foo": "bar"})  # queued before open
    await client.open()
    await rec.count("message", 1)
    await client.close()
    await server.stop()
    assert received == [{"foo": "bar"}]
    assert rec.events == [("open", ()), ("message", ("Reply message",)), ("close", (1000, ""))]


async def test_listening_precedes_connection_and_handlers_see_every_message() -> None:
    server = Server(host_interface="127.0.0.1", port=0, receive_type="text/plain")
    order: list[str] = []
    seen: list[str] = []
    server.on("listening", lambda port: order.append(f"listening {port}"))

    def on_connection(socket):
        order.append("connection")
        socket.on("message", seen.append)

    server.on("connection", on_connection)
    await server.start()
    client = client_for(server, send_type="text/plain")
    for i in range(50):
        client.send(f"m{i}")
    await client.open()
    await wait_until(lambda: len(seen) == 50)
    assert order == [f"listening {server.port}", "connection"]
    assert seen == [f"m{i}" for i in range(50)]
    await client.close()
    await server.stop()


async def test_messages_keep_call_order_both_ways() -> None:
    server = await echo_server(receive_type="text/plain", send_type="text/plain")
    client = client_for(server, receive_type="text/plain", send_type="text/plain")
    rec = Recorder(client, ["message"])
    await client.open()
    for i in range(500):
        client.send(str(i))
    await rec.count("message", 500)
    assert rec.values("message") == [str(i) for i in range(500)]
    await client.close()
    await server.stop()


async def test_awaited_send_completes_and_server_socket_attributes() -> None:
    server = await loopback_server(subprotocols=["chat"])
    sockets: list = []
    server.on("connection", sockets.append)
    client = client_for(server, subprotocols=["chat"], headers={"X-Test": "yes"}, path="/room?id=7")
    await client.open()
    await client.send([1, 2, 3])
    await wait_until(lambda: bool(sockets))
    socket = sockets[0]
    assert socket.is_open() and socket.isOpen()
    assert socket.remote_address[0] == "127.0.0.1"
    assert client.local_address == socket.remote_address  # how the two ends are paired
    assert socket.request_headers["X-Test"] == "yes"
    assert socket.path == "/room?id=7"
    assert socket.subprotocol == client.subprotocol == "chat"
    assert client.response_headers["Upgrade"].lower() == "websocket"
    assert server.sockets == [socket]
    await client.close()
    await server.stop()


async def test_server_close_with_code_reaches_client() -> None:
    server = await loopback_server()
    server_side = Recorder(server, ["connection"])
    client = client_for(server)
    rec = Recorder(client, ["open", "close", "error"])
    await client.open()
    await server_side.count("connection", 1)
    socket = server_side.values("connection")[0]
    socket_rec = Recorder(socket, ["close"])
    await socket.close(4000, "bye")
    await rec.count("close", 1)
    assert rec.events == [("open", ()), ("close", (4000, "bye"))]
    assert socket_rec.events == [("close", (4000, "bye"))]
    assert not client.is_open()
    with pytest.raises(NotOpenError):
        client.send("late")
    await server.stop()


async def test_stop_closes_every_socket_then_emits_close() -> None:
    server = await loopback_server()
    order: list[str] = []
    server.on(
        "connection", lambda s: s.on("close", lambda code, reason: order.append(f"socket {code}"))
    )
    server.on("close", lambda: order.append("server close"))
    clients = [client_for(server) for _ in range(3)]
    recs = [Recorder(c, ["close"]) for c in clients]
    await asyncio.gather(*(c.open() for c in clients))
    await wait_until(lambda: len(server.sockets) == 3)
    await asyncio.wait_for(server.stop(), TIMEOUT)
    assert order == ["socket 1001"] * 3 + ["server close"]
    for rec in recs:
        await rec.count("close", 1)
        assert rec.args("close") == [(1001, "server stopping")]
    assert server.sockets == []


async def test_image_and_octet_stream_round_trip() -> None:
    server = await echo_server(
        receive_type="application/octet-stream", send_type="application/octet-stream"
    )
    client = client_for(server, send_type="image/png", receive_type="image/png")
    rec = Recorder(client, ["message", "error"])
    await client.open()
    image = Image.new("RGB", (8, 6), (200, 10, 30))
    client.send(image)
    await rec.count("message", 1)
    got = rec.values("message")[0]
    assert isinstance(got, Image.Image)
    assert got.size == (8, 6) and got.getpixel((3, 3)) == (200, 10, 30)
    assert rec.names() == ["message"]
    await client.close()
    await server.stop()


async def test_coroutine_handlers_run_on_the_loop() -> None:
    server = await loopback_server(receive_type="text/plain", send_type="text/plain")

    async def on_message_async(socket, message):
        await asyncio.sleep(0)
        await socket.send(message.upper())

    server.on(
        "connection", lambda socket: socket.on("message", lambda m: on_message_async(socket, m))
    )
    client = client_for(server, send_type="text/plain", receive_type="text/plain")
    await client.open()
    client.send("hello")
    assert await client.wait_for("message", timeout=TIMEOUT) == "HELLO"
    await client.close()
    await server.stop()


async def test_wire_message_event_shows_wire_payloads_both_ways() -> None:
    server = await echo_server()
    client = client_for(server)
    rec = Recorder(client, ["wire_message", "message"])
    client.send({"a": 1})
    await client.open()
    await rec.count("message", 1)
    assert rec.events == [
        ("wire_message", ("out", '{"a":1}')),
        ("wire_message", ("in", '{"a":1}')),
        ("message", ({"a": 1},)),
    ]
    await client.close()
    await server.stop()


async def test_large_bursts_under_backpressure_arrive_whole_and_in_order() -> None:
    """Sends that must wait for the transport (1 MiB each) keep their order with small ones."""
    server = await echo_server(
        receive_type="application/octet-stream",
        send_type="application/octet-stream",
        max_message_size=None,
    )
    client = client_for(
        server,
        send_type="application/octet-stream",
        receive_type="application/octet-stream",
        max_message_size=None,
    )
    rec = Recorder(client, ["message"])
    await client.open()
    sent = [bytes([i]) * (1024 * 1024 if i % 3 == 0 else 10) for i in range(12)]
    deliveries = [client.send(payload) for payload in sent]
    await asyncio.wait_for(asyncio.gather(*deliveries), TIMEOUT)
    await rec.count("message", len(sent), timeout=20)
    assert rec.values("message") == sent
    await client.close()
    await server.stop()
