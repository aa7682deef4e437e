"""A peer that stops reading must not grow the other end's memory (issue 17, A1).

With real sockets: a raw client (tests/faults/rawws.py) with a 4 KiB receive buffer that
reads nothing until told. Before: a Socket that echoed its messages queued them without
limit, a ping flood buffered every pong, and the peer was never dropped (the keepalive ping
waited for the socket to drain, so its timeout never started). Now the outbox stops at
``write_limit`` and refuses past it (``UnsentMessagesError``, once per burst on
``'error'``), reading stops while automatic replies cannot be written, and a peer that reads
nothing for ``write_timeout`` (default: ``ping_timeout``) is dropped with 1011.
"""

from __future__ import annotations

import asyncio
import socket as socket_module
import time

import pytest

from core import Client, ConnectionLostError, Socket, UnsentMessagesError
from core._flow import REPLY_BUDGET
from core._loop import READ_SIZE
from core._outbox import MESSAGE_OVERHEAD
from tests.core.raw_server import RawServer
from tests.faults.rawws import BINARY, PING, RawClient, close_frame, frame
from tests.helpers import TIMEOUT, Recorder, loopback_server, wait_until

pytestmark = pytest.mark.asyncio

#: websockets' default high-water mark of the transport's write buffer.
WRITE_HIGH_WATER = 2**15


async def stalled_client(port: int) -> RawClient:
    """A raw client with a tiny receive buffer, upgraded; it reads nothing until asked."""
    sock = socket_module.socket()
    sock.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_RCVBUF, 4096)
    sock.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_SNDBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
    peer = RawClient(reader, writer, port)
    await peer.upgrade()
    peer.writer.transport.pause_reading()  # not even asyncio's buffer takes more
    return peer


async def connected(server: object, port: int) -> tuple[Socket, RawClient]:
    """The Socket of a stalled client. The server's kernel send buffer is made small too
    (by default Linux lets it grow to 4 MiB), so that a few hundred KiB show what core does."""
    sockets = Recorder(server, ["connection"])  # type: ignore[arg-type]
    peer = await stalled_client(port)
    await sockets.count("connection", 1)
    socket: Socket = sockets.values("connection")[0]
    raw = socket._channel.ws.transport.get_extra_info("socket")
    raw.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_SNDBUF, 4096)
    return socket, peer


async def until_stable(size: object, stable: float = 0.3) -> int:
    """Wait until ``size()`` has not changed for ``stable`` seconds (bounded); its value."""
    last, since = size(), time.monotonic()  # type: ignore[operator]
    async with asyncio.timeout(TIMEOUT):
        while time.monotonic() - since < stable:
            await asyncio.sleep(0.02)
            now = size()  # type: ignore[operator]
            if now != last:
                last, since = now, time.monotonic()
    return last  # type: ignore[no-any-return]


async def test_an_echo_to_a_peer_that_never_reads_stops_at_write_limit() -> None:
    limit, size = 256 * 1024, 16 * 1024
    server = await loopback_server(
        receive_type="*/*",
        send_type="*/*",
        ping_interval=None,
        compression=None,
        write_limit=limit,
        close_timeout=500,
    )
    server.on("connection", lambda socket: socket.on("message", socket.send))  # echo
    socket, peer = await connected(server, server.port)
    events = Recorder(socket, ["error", "close"])
    arrived = Recorder(socket, ["message"])
    messages = 200  # 3.2 MB of echoes: far more than the kernel buffers and the limit
    for n in range(messages):
        peer.send(frame(BINARY, n.to_bytes(4, "big") + bytes(size - 4)))
    # The reader is not the one stalled: it reads everything the peer sends.
    await arrived.count("message", messages)
    assert [type(e) for e in events.values("error")] == [UnsentMessagesError]  # once a burst
    first = events.values("error")[0]
    assert first.count == 1 and "write_limit" in first.why and "Await send()" in first.why
    # The outbox holds at most the limit plus the message that reached it.
    assert socket.pending_messages * (size + MESSAGE_OVERHEAD) <= limit + size + MESSAGE_OVERHEAD
    # The peer reads again: every accepted echo arrives, in order (the first ones), and
    # once the outbox is empty, the count of the others refused.
    peer.writer.transport.resume_reading()
    received: list[int] = []

    async def read() -> None:
        while True:
            _opcode, payload = await peer.read_frame()
            received.append(int.from_bytes(payload[:4], "big"))

    reading = asyncio.create_task(read())
    await events.count("error", 2)
    summary = events.values("error")[1]
    assert isinstance(summary, UnsentMessagesError) and summary.count > 0
    accepted = messages - 1 - summary.count
    await wait_until(lambda: len(received) == accepted)
    reading.cancel()
    assert received == list(range(accepted)) and socket.pending_messages == 0
    peer.send(close_frame(1000))
    await events.count("close", 1)
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_a_refused_send_fails_its_awaitable_the_accepted_ones_arrive() -> None:
    limit = 64 * 1024
    server = await loopback_server(
        send_type="text/plain",
        ping_interval=None,
        compression=None,
        write_limit=limit,
        close_timeout=500,
    )
    socket, peer = await connected(server, server.port)
    events = Recorder(socket, ["error"])
    chunk = "x" * (16 * 1024)
    deliveries = [socket.send(chunk) for _ in range(300)]  # far past kernel buffers + limit
    with pytest.raises(UnsentMessagesError, match="write_limit"):
        await deliveries[-1]
    await events.count("error", 1)
    peer.writer.transport.resume_reading()
    opcode, payload = await peer.read_frame()
    assert opcode == 0x1 and payload == chunk.encode()
    await asyncio.wait_for(deliveries[0], TIMEOUT)  # accepted: handed over once it drained
    await asyncio.wait_for(socket.close(), TIMEOUT)
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_a_ping_flood_from_a_peer_that_never_reads_stops_the_reading() -> None:
    server = await loopback_server(ping_interval=None, compression=None, close_timeout=500)
    socket, peer = await connected(server, server.port)
    ping = frame(PING, b"p" * 125)
    for _ in range(20):  # 20 x 1,000 pings of 131 bytes: 2.6 MB of pongs asked for
        peer.send(ping * 1000)
        await asyncio.sleep(0)
    # The server answers until its write buffer is full, then reads no more: the rest of
    # the flood waits in the peer's own send buffer, not in the server's memory.
    waiting = await until_stable(peer.writer.transport.get_write_buffer_size)
    assert waiting > 1_000_000, waiting
    held = socket.buffered_amount
    # At most: the high-water mark, the budget, and the pongs of the read that passed it
    # (core bounds asyncio's reads to READ_SIZE; uvloop reads up to 256 KiB at a time).
    uvloop = type(asyncio.get_running_loop()).__module__.startswith("uvloop")
    one_read = 256 * 1024 if uvloop else READ_SIZE
    assert WRITE_HIGH_WATER < held <= WRITE_HIGH_WATER + REPLY_BUDGET + one_read, held
    # It reads again once the peer does: every ping is answered.
    peer.writer.transport.resume_reading()
    pongs = 0
    while pongs < 20_000:
        opcode, payload = await peer.read_frame()
        assert opcode == 0xA and payload == b"p" * 125
        pongs += 1
    assert socket.is_open()
    await asyncio.wait_for(socket.close(), TIMEOUT)
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_a_peer_that_reads_nothing_is_dropped_after_write_timeout() -> None:
    server = await loopback_server(
        ping_interval=None, compression=None, write_timeout=300, close_timeout=500
    )
    socket, peer = await connected(server, server.port)
    events = Recorder(socket, ["error", "close"])
    started = time.monotonic()
    for _ in range(100):
        socket.send("x" * 65536)
    await events.count("close", 1)
    took = time.monotonic() - started
    assert 0.3 <= took < 3.0, took
    assert events.names() == ["error", "error", "close"]  # the unsent ones, then the loss
    unsent, lost = events.values("error")
    assert isinstance(unsent, UnsentMessagesError) and unsent.count > 0
    assert isinstance(lost, ConnectionLostError) and lost.code == 1011
    assert "write timeout" in lost.reason and isinstance(lost.__cause__, TimeoutError)
    assert events.args("close")[0][0] == 1011 and not socket.is_open()
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_the_write_timeout_follows_ping_timeout_by_default() -> None:
    """The keepalive's own timeout never started for such a peer (its ping waits for the
    socket to drain): write_timeout, by default ping_timeout, now drops it."""
    server = await loopback_server(ping_interval=100, ping_timeout=300, compression=None)
    socket, peer = await connected(server, server.port)
    events = Recorder(socket, ["error", "close"])
    for _ in range(100):
        socket.send("x" * 65536)
    await events.count("close", 1, timeout=3.0)
    assert events.args("close")[0][0] == 1011
    assert any(isinstance(e, ConnectionLostError) for e in events.values("error"))
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_a_slow_reader_is_not_a_stalled_one() -> None:
    server = await loopback_server(
        ping_interval=None, compression=None, write_timeout=300, close_timeout=500
    )
    socket, peer = await connected(server, server.port)
    events = Recorder(socket, ["error", "close"])
    socket.send("y" * (1024 * 1024))
    # The peer takes 64 KiB every 100 ms: slower than the socket writes, faster than the
    # write timeout. It stays connected and gets the whole message.
    peer.writer.transport.resume_reading()
    got = b""
    head = await asyncio.wait_for(peer.reader.readexactly(10), TIMEOUT)
    assert head[:2] == b"\x81\x7f"
    length = int.from_bytes(head[2:10], "big")
    while len(got) < length:
        peer.writer.transport.pause_reading()
        await asyncio.sleep(0.1)
        peer.writer.transport.resume_reading()
        got += await asyncio.wait_for(
            peer.reader.readexactly(min(65536, length - len(got))), TIMEOUT
        )
    assert len(got) == length and socket.is_open() and events.names() == []
    await asyncio.wait_for(socket.close(), TIMEOUT)
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_a_peer_that_never_ends_tcp_after_the_closing_handshake_is_cut_off() -> None:
    server = await loopback_server(ping_interval=None, close_timeout=300)
    socket, peer = await connected(server, server.port)
    events = Recorder(socket, ["error", "close"])
    started = time.monotonic()
    peer.send(close_frame(1000))  # and never closes its end of TCP
    await events.count("close", 1, timeout=3.0)
    assert time.monotonic() - started < 1.5
    assert events.names() == ["close"] and events.args("close") == [(1000, "")]
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_a_client_drops_a_server_that_reads_nothing() -> None:
    raw = await RawServer().start()
    raw.gate.set()
    client = Client(
        host="127.0.0.1",
        port=raw.port,
        number_of_retries=0,
        ping_interval=None,
        compression=None,
        write_limit=1024 * 1024,
        write_timeout=300,
        close_timeout=300,
    )
    events = Recorder(client, ["error", "close"])
    await asyncio.wait_for(client.open(), TIMEOUT)
    _reader, writer = raw.connections[0]
    writer.transport.pause_reading()
    for _ in range(200):
        client.send("z" * 65536)  # 13 MB: past the kernel buffers and write_limit
    await events.count("close", 1, timeout=3.0)
    kinds = [type(error).__name__ for error in events.values("error")]
    assert kinds[0] == "UnsentMessagesError" and kinds[-1] == "ConnectionLostError", kinds
    assert events.args("close")[0][0] == 1011 and client.state == "closed"
    await raw.aclose()
