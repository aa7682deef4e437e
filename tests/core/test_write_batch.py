"""Messages sent in one loop turn leave in one transport write (core._write_batch).

Real sockets on loopback; the server's transport is the real one, with its ``write`` wrapped
to record what each call hands over. Before: one write per message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from core import Client, Socket
from core._write_batch import HOLD_LIMIT, _turns_of
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server

pytestmark = pytest.mark.asyncio

BURST = 20


def record_writes(socket: Socket) -> list[bytes]:
    """Every chunk the Socket's transport is given from now on, in order."""
    transport = socket._channel.ws.transport
    write: Callable[[Any], None] = transport.write
    writes: list[bytes] = []

    def recording(data: Any) -> None:
        writes.append(bytes(data))
        write(data)

    transport.write = recording  # type: ignore[method-assign]
    return writes


async def opened_pair() -> tuple[Any, Socket, Client]:
    plain: dict[str, Any] = {
        "ping_interval": None,
        "compression": None,
        "send_type": "text/plain",
        "receive_type": "text/plain",
    }
    server = await loopback_server(**plain)
    sockets = Recorder(server, ["connection"])  # type: ignore[arg-type]
    client = client_for(server, **plain)
    await asyncio.wait_for(client.open(), TIMEOUT)
    await sockets.count("connection", 1)
    return server, sockets.values("connection")[0], client


async def test_a_burst_of_sends_in_one_turn_leaves_in_two_writes_in_order() -> None:
    server, socket, client = await opened_pair()
    received = Recorder(client, ["message"])
    writes = record_writes(socket)
    after_first: list[int] = []
    buffered: list[int] = []

    def answer(_value: object) -> None:
        socket.send("m0")
        after_first.append(len(writes))  # the first message went out within send()
        for n in range(1, BURST):
            socket.send(f"m{n}")
        buffered.append(socket.buffered_amount)  # the held frames count as buffered

    socket.on("message", answer)
    client.send("go")
    await received.count("message", BURST)
    assert received.values("message") == [f"m{n}" for n in range(BURST)]
    assert after_first == [1]
    # The first frame at once, the other 19 together when the turn ended.
    assert len(writes) == 2
    assert writes[0] == b"\x81\x02m0"
    assert writes[1].startswith(b"\x81\x02m1\x81\x02m2") and writes[1].endswith(b"\x81\x03m19")
    assert buffered == [len(writes[1])]
    await client.close()
    await server.stop()


async def test_a_close_after_a_burst_comes_after_every_message() -> None:
    server, socket, client = await opened_pair()
    events = Recorder(client, ["message", "close"])
    writes = record_writes(socket)

    def answer(_value: object) -> None:
        for n in range(BURST):
            socket.send(f"m{n}")
        socket.close(4000, "done")

    socket.on("message", answer)
    client.send("go")
    await events.count("close", 1)
    assert events.values("message") == [f"m{n}" for n in range(BURST)]
    assert events.args("close") == [(4000, "done")]
    sent = b"".join(writes)
    assert sent.index(b"\x88\x06\x0f\xa0done") > sent.index(b"m19")  # the close frame last
    await server.stop()


async def test_a_held_burst_is_written_once_it_reaches_the_hold_limit() -> None:
    server, socket, client = await opened_pair()
    received = Recorder(client, ["message"])
    writes = record_writes(socket)
    payload = "x" * 1000
    count = 3 * HOLD_LIMIT // 1000

    def answer(_value: object) -> None:
        for _ in range(count):
            socket.send(payload)

    socket.on("message", answer)
    client.send("go")
    await received.count("message", count)
    assert all(len(chunk) <= HOLD_LIMIT + 1004 for chunk in writes)
    assert 3 <= len(writes) <= 5  # the first at once, then about one write a HOLD_LIMIT
    assert sum(map(len, writes)) == count * 1004  # 2-byte header + 2-byte length each
    await client.close()
    await server.stop()


async def test_each_loop_has_its_own_turns_whichever_was_asked_for_last() -> None:
    # _turns_of remembers the last loop asked for: a second loop must not get its Turns.
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        turns = _turns_of(first)
        assert _turns_of(second) is not turns
        assert _turns_of(first) is turns
        assert _turns_of(second) is _turns_of(second)
    finally:
        first.close()
        second.close()
