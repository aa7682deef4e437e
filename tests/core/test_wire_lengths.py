"""``last_wire_length``: what each message took on the wire under permessage-deflate, read
in a ``'wire_message'`` handler, both ways, on Client and Socket, where the ``wire_lengths``
option asks for it; None without it or without compression."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from core import Client, Frame, Socket
from tests.helpers import TIMEOUT, client_for, loopback_server, wait_until

pytestmark = pytest.mark.asyncio


def record_wire(endpoint: Client | Socket, into: list[tuple[str, int, int | None]]) -> None:
    """Append (direction, payload length, last_wire_length) per 'wire_message'."""

    def on_wire(direction: str, payload: Any) -> None:
        into.append((direction, len(payload), endpoint.last_wire_length))

    endpoint.on("wire_message", on_wire)


async def test_each_message_has_its_compressed_size_in_both_directions() -> None:
    server = await loopback_server(
        receive_type="text/plain", send_type="text/plain", wire_lengths=True
    )
    on_socket: list[tuple[str, int, int | None]] = []
    frames: list[Frame] = []

    def on_connection(socket: Socket) -> None:
        record_wire(socket, on_socket)
        socket.on("frame", frames.append)
        socket.on("message", socket.send)  # echo

    server.on("connection", on_connection)
    client = client_for(
        server, receive_type="text/plain", send_type="text/plain", wire_lengths=True
    )
    on_client: list[tuple[str, int, int | None]] = []
    record_wire(client, on_client)
    await asyncio.wait_for(client.open(), TIMEOUT)
    rng = random.Random(6455)
    texts = ["a" * 10_000, "hello", "".join(rng.choice("0123456789abcdef") for _ in range(3000))]
    texts += [f"message {n} " * (n % 7 + 1) for n in range(200)]  # a burst of small ones
    for text in texts:
        client.send(text)
    await wait_until(lambda: len(on_client) == 2 * len(texts), TIMEOUT)

    received = [entry for entry in on_socket if entry[0] == "in"]
    assert [size for _d, size, _w in received] == [len(text) for text in texts]
    wire_in = [frame.length for frame in frames if frame.direction == "in" and frame.fin]
    assert [wire for _d, _s, wire in received] == wire_in  # what the frames say, in step
    assert received[0][2] is not None and received[0][2] < 200  # 10,000 a's compress well
    sent = [entry for entry in on_socket if entry[0] == "out"]
    wire_out = [f.length for f in frames if f.direction == "out" and f.opcode == "text"]
    assert [wire for _d, _s, wire in sent] == wire_out
    # The client's view: its sends and the echoes, the same sizes as the server saw them.
    assert [w for d, _s, w in on_client if d == "out"] == wire_in
    assert [w for d, _s, w in on_client if d == "in"] == wire_out
    await client.close()
    await server.stop()


async def test_a_fragmented_message_counts_all_its_frames() -> None:
    server = await loopback_server(receive_type="text/plain", send_type="text/plain")
    sockets: list[Socket] = []
    server.on("connection", sockets.append)
    client = client_for(server, receive_type="text/plain", wire_lengths=True)
    on_client: list[tuple[str, int, int | None]] = []
    record_wire(client, on_client)
    frames: list[Frame] = []
    client.on("frame", frames.append)
    await asyncio.wait_for(client.open(), TIMEOUT)
    await wait_until(lambda: sockets, TIMEOUT)
    await sockets[0].send_fragments("x" * 3000, 3)
    await wait_until(lambda: on_client, TIMEOUT)
    data_frames = [f for f in frames if f.direction == "in" and f.opcode != "ping"]
    assert len(data_frames) >= 3
    assert on_client == [("in", 3000, sum(f.length for f in data_frames))]
    await client.close()
    await server.stop()


@pytest.mark.parametrize(
    "options", [{"compression": None, "wire_lengths": True}, {"wire_lengths": False}]
)
async def test_without_compression_or_without_the_option_there_is_no_wire_length(
    options: dict[str, Any],
) -> None:
    server = await loopback_server(receive_type="text/plain", **options)
    on_socket: list[tuple[str, int, int | None]] = []
    server.on("connection", lambda socket: record_wire(socket, on_socket))
    client = client_for(server, send_type="text/plain", **options)
    on_client: list[tuple[str, int, int | None]] = []
    record_wire(client, on_client)
    await asyncio.wait_for(client.open(), TIMEOUT)
    await client.send("x" * 5000)
    await wait_until(lambda: on_socket, TIMEOUT)
    assert on_socket == [("in", 5000, None)] and on_client == [("out", 5000, None)]
    await client.close()
    await server.stop()
