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

from core import Server, Socket
from core._loop import READ_SIZE, bound_reads
from tests.faults.rawws import RawClient, frame
from tests.helpers import TIMEOUT, loopback_server, wait_until

pytestmark = pytest.mark.asyncio

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
