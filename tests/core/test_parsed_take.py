"""core._parsed_take: messages websockets parsed already are taken without its recv()
coroutines, and everything that is not such a message still goes through recv()."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core import Server
from tests.faults.rawws import RawClient, close_frame, frame
from tests.helpers import TIMEOUT, Recorder, loopback_server

pytestmark = pytest.mark.asyncio

TEXT, BINARY, CONT = 0x1, 0x2, 0x0


async def _raw_peer(server: Server) -> tuple[Any, RawClient]:
    sockets = Recorder(server, ["connection"])
    peer = await RawClient.connect(server.port)
    await peer.upgrade()
    await sockets.count("connection", 1)
    return sockets.values("connection")[0], peer


def _burst() -> tuple[bytes, list[object]]:
    """Frames sent in one write, and the messages they make, in order."""
    frames = [
        frame(TEXT, "héllo".encode()),
        frame(BINARY, b"\x00\x01\x02"),
        frame(TEXT, b"frag", fin=False),  # a fragmented message between whole ones
        frame(CONT, b"mented", fin=False),
        frame(CONT, b"!"),
        frame(TEXT, b""),
        frame(BINARY, bytes(range(256)) * 4),
    ]
    return b"".join(frames), ["héllo", b"\x00\x01\x02", "fragmented!", "", bytes(range(256)) * 4]


@pytest.mark.parametrize("style", ["event", "pull"])
async def test_a_burst_of_whole_and_fragmented_messages_arrives_in_order(style: str) -> None:
    server = await loopback_server(receive_type="*/*", ping_interval=None)
    socket, peer = await _raw_peer(server)
    data, expected = _burst()
    got: list[object] = []
    if style == "event":
        events = Recorder(socket, ["message"])
        peer.send(data)
        await events.count("message", len(expected))
        got = events.values("message")
    else:
        peer.send(data)
        async with asyncio.timeout(TIMEOUT):
            for _ in expected:
                got.append(await socket.recv())
    assert got == expected
    assert [type(value) for value in got] == [type(value) for value in expected]
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.parametrize("style", ["event", "pull"])
async def test_text_that_is_not_utf8_still_closes_with_1007_after_the_messages_before_it(
    style: str,
) -> None:
    server = await loopback_server(receive_type="*/*", ping_interval=None)
    socket, peer = await _raw_peer(server)
    events = Recorder(socket, ["message", "close"])
    got: list[object] = []
    peer.send(frame(TEXT, b"fine") + frame(TEXT, b"\xff\xfe broken") + frame(TEXT, b"after"))
    if style == "pull":
        async with asyncio.timeout(TIMEOUT):
            got.append(await socket.recv())
    code, _reason = await peer.read_close()
    peer.send(close_frame(code))  # the closing handshake's answer, and the end of TCP
    await peer.aclose()
    await events.count("close", 1)
    if style == "event":
        got = events.values("message")
    assert got == ["fine"]  # nothing made of the broken frame, nothing after it
    assert code == 1007 and events.args("close")[0][0] == 1007
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.parametrize("style", ["event", "pull"])
async def test_reading_resumes_after_a_burst_larger_than_max_queue(style: str) -> None:
    # websockets stops reading past max_queue parsed frames; taking them must let it resume.
    server = await loopback_server(receive_type="*/*", ping_interval=None, max_queue=4)
    socket, peer = await _raw_peer(server)
    count = 2000
    peer.send(b"".join(frame(TEXT, f"{i:05d}".encode()) for i in range(count)))
    got: list[object] = []
    if style == "event":
        events = Recorder(socket, ["message"])
        await events.count("message", count)
        got = events.values("message")
    else:
        async with asyncio.timeout(TIMEOUT):
            for _ in range(count):
                got.append(await socket.recv())
    assert got == [f"{i:05d}" for i in range(count)]
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_a_recv_cancelled_while_it_waits_loses_nothing() -> None:
    server = await loopback_server(receive_type="*/*", ping_interval=None)
    socket, peer = await _raw_peer(server)
    peer.send(frame(TEXT, b"first"))
    assert await asyncio.wait_for(socket.recv(), TIMEOUT) == "first"  # reading is the puller's
    for _ in range(3):  # each waits on websockets' queue, and is cancelled there
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(socket.recv(), 0.05)
    peer.send(frame(TEXT, b"second") + frame(TEXT, b"third"))
    assert await asyncio.wait_for(socket.recv(), TIMEOUT) == "second"
    assert await asyncio.wait_for(socket.recv(), TIMEOUT) == "third"
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.parametrize("style", ["event", "pull"])
async def test_a_message_whose_fragments_come_apart_is_read_whole(style: str) -> None:
    server = await loopback_server(receive_type="*/*", ping_interval=None)
    socket, peer = await _raw_peer(server)
    events = Recorder(socket, ["message"]) if style == "event" else None
    pulled: asyncio.Task[object] | None = None
    if style == "pull":
        pulled = asyncio.ensure_future(socket.recv())
    peer.send(frame(TEXT, b"one ", fin=False))
    # Not a synchronisation: the other fragments come later so that the reader, waiting on
    # websockets' queue, wakes to a message it cannot take whole. Either way it must arrive.
    await asyncio.sleep(0.05)
    peer.send(frame(CONT, b"two ", fin=False))
    await asyncio.sleep(0.05)
    peer.send(frame(CONT, b"three"))
    if events is not None:
        await events.count("message", 1)
        assert events.values("message") == ["one two three"]
    else:
        assert pulled is not None
        assert await asyncio.wait_for(pulled, TIMEOUT) == "one two three"
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)
