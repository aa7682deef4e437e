"""A peer's burst never holds the loop: other callbacks (a GUI's events) run in between.

The burst is sixty frames in one TCP write from a raw client, so they arrive in one read and
websockets parses them all at once; each listener then busies the loop for a millisecond.
A callback scheduled at the first message (or frame) must run long before the last one.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from websockets.protocol import State
from websockets.server import ServerProtocol

from core import Server, Socket
from core._loop import BIG_READ_SIZE, READ_SIZE, bound_reads, next_read_size
from tests.faults.rawws import RawClient, frame
from tests.helpers import TIMEOUT, loopback_server, wait_until

BURST = 60


def busy(seconds: float) -> None:
    """Keep the loop's thread working (not sleeping) for ``seconds``."""
    ends = time.perf_counter() + seconds
    while time.perf_counter() < ends:
        pass


async def burst_into(server: Server, listen: Any) -> list[Any]:
    """Connect a raw client, let ``listen(socket, order)`` attach, send the burst; the order
    of what happened once all of it arrived."""
    order: list[Any] = []
    server.on("connection", lambda socket: listen(socket, order))
    raw = await RawClient.connect(server.port)
    await raw.upgrade()
    raw.send(b"".join(frame(0x1, str(n).encode()) for n in range(BURST)))
    await wait_until(lambda: len(order) >= BURST + 1, TIMEOUT)
    await raw.aclose()
    return order


@pytest.mark.asyncio
async def test_messages_of_one_read_leave_the_loop_turns_between_handlers() -> None:
    server = await loopback_server()
    loop = asyncio.get_running_loop()

    def listen(socket: Socket, order: list[Any]) -> None:
        def on_message(value: Any) -> None:
            order.append(value)
            if value == 0:
                loop.call_soon(order.append, "probe")
            busy(0.001)

        socket.on("message", on_message)

    order = await burst_into(server, listen)
    assert [item for item in order if item != "probe"] == list(range(BURST))
    assert order.index("probe") < 15, order  # about 5 handlers per slice of core._loop.SLICE
    await server.stop()


@pytest.mark.asyncio
async def test_frames_of_one_read_leave_the_loop_turns_between_listeners() -> None:
    server = await loopback_server()
    loop = asyncio.get_running_loop()

    def listen(socket: Socket, order: list[Any]) -> None:
        def on_frame(frame: Any) -> None:
            order.append(frame.data)
            if frame.data == b"0":
                loop.call_soon(order.append, "probe")
            busy(0.001)

        socket.on("frame", on_frame)

    order = await burst_into(server, listen)
    frames = [item for item in order if item != "probe"]
    assert frames[:BURST] == [str(n).encode() for n in range(BURST)]
    assert order.index("probe") < 15, order
    await server.stop()


@pytest.mark.asyncio
async def test_a_transport_reads_at_most_read_size_bytes_at_a_time() -> None:
    accepted: asyncio.Future[asyncio.StreamWriter] = asyncio.get_running_loop().create_future()
    listener = await asyncio.start_server(
        lambda _reader, writer: accepted.set_result(writer), "127.0.0.1", 0
    )
    port = listener.sockets[0].getsockname()[1]
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    transport = writer.transport
    assert transport.max_size > READ_SIZE  # type: ignore[attr-defined]  # asyncio: 256 KiB
    bound_reads(transport)
    assert transport.max_size == READ_SIZE  # type: ignore[attr-defined]

    class NoSetting:  # a transport without the attribute (uvloop's, TLS) is left alone
        pass

    bound_reads(NoSetting())
    writer.close()
    (await asyncio.wait_for(accepted, TIMEOUT)).close()
    listener.close()
    await listener.wait_closed()


def client_frame_head(size: int) -> bytes:
    """The head of an unfragmented binary frame of ``size`` bytes, masked with a zero key
    (so the payload goes as it is)."""
    return bytes([0x82, 0x80 | 127]) + size.to_bytes(8, "big") + bytes(4)


def test_the_next_read_asks_for_the_rest_of_a_frame_larger_than_a_read() -> None:
    protocol = ServerProtocol(state=State.OPEN, max_size=None)
    assert next_read_size(protocol) == READ_SIZE  # between frames
    size = 300_000
    protocol.receive_data(client_frame_head(size) + b"x" * READ_SIZE)
    assert next_read_size(protocol) == size - READ_SIZE
    protocol.receive_data(b"x" * 100_000)
    assert next_read_size(protocol) == size - READ_SIZE - 100_000
    protocol.receive_data(b"x" * (size - READ_SIZE - 100_000 - 10))
    assert next_read_size(protocol) == READ_SIZE  # 10 bytes missing: a usual read
    protocol.receive_data(b"x" * 10)
    [message] = protocol.events_received()
    assert len(message.data) == size
    assert next_read_size(protocol) == READ_SIZE
    # Never more than BIG_READ_SIZE; and a small frame's rest never grows the read.
    protocol.receive_data(client_frame_head(3 * BIG_READ_SIZE) + b"x" * 1000)
    assert next_read_size(protocol) == BIG_READ_SIZE
    small = ServerProtocol(state=State.OPEN, max_size=None)
    small.receive_data(client_frame_head(READ_SIZE // 2) + b"x" * 100)
    assert next_read_size(small) == READ_SIZE


@pytest.mark.asyncio
async def test_a_large_message_reads_in_large_reads_then_reads_are_bounded_again() -> None:
    server = await loopback_server(max_message_size=None, compression=None, receive_type="*/*")
    received: asyncio.Queue[Any] = asyncio.Queue()
    sockets: list[Socket] = []

    def on_connection(socket: Socket) -> None:
        sockets.append(socket)
        socket.on("message", received.put_nowait)

    server.on("connection", on_connection)
    raw = await RawClient.connect(server.port)
    await raw.upgrade()
    await wait_until(lambda: bool(sockets), TIMEOUT)
    ws = sockets[0]._channel.ws
    transport = ws.transport
    asked: list[int] = []  # the read size in force at each read
    data_received = ws.data_received

    def counting(data: bytes) -> None:
        asked.append(transport.max_size)  # type: ignore[attr-defined]
        data_received(data)

    ws.data_received = counting  # type: ignore[method-assign]
    payload = bytes(range(256)) * 4096  # 1 MiB
    raw.send(frame(0x2, payload))
    message = await asyncio.wait_for(received.get(), TIMEOUT)
    assert message == payload
    assert max(asked) > READ_SIZE, asked  # the rest of the frame asked for in one read
    assert transport.max_size == READ_SIZE  # type: ignore[attr-defined]
    raw.send(b"".join(frame(0x1, str(n).encode()) for n in range(3)))
    assert [await asyncio.wait_for(received.get(), TIMEOUT) for _ in range(3)] == ["0", "1", "2"]
    await raw.aclose()
    await server.stop()
