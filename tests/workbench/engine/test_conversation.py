"""The conversation of a workbench client and the server socket it talks to, on a real
loopback pair (plain asyncio, no Qt): the exact arrows, their times, the round trip, the close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from core import Frame
from tests.workbench.engine.test_facade import TIMEOUT, add_client, start_server, until
from workbench.engine.protocol.conversation import (
    CLIENT_TO_SERVER,
    SERVER_TO_CLIENT,
    Arrow,
    Conversation,
    EndpointTrace,
)
from workbench.engine.workbench import Workbench


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[Workbench]:
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


@pytest.mark.asyncio
async def test_handshake_a_message_each_way_a_ping_and_a_close_1001_from_the_client(
    engine: Workbench,
) -> None:
    server_id = await start_server(
        engine, ping_interval=None, sendType="text/plain", compression=None
    )
    client_id = add_client(
        engine,
        engine.server(server_id).port,
        ping_interval=None,
        sendType="text/plain",
        compression=None,
    )
    assert engine.conversations.conversation(client_id) is None
    assert "not connected yet" in engine.conversations.missing_reason(client_id)
    assert await engine.open_client(client_id) is True
    await until(lambda: engine.sockets_of(server_id), what="the server socket")
    (socket,) = engine.sockets_of(server_id)
    client = engine.client(client_id).core
    assert client is not None

    assert engine.send(client_id, "hello")
    await until(lambda: socket.log.messages_in == 1, what="the message at the server")
    assert engine.send(socket.id, "hi back")
    await until(lambda: engine.log(client_id).messages_in == 1, what="the reply")
    rtt = await asyncio.wait_for(client.ping(), TIMEOUT)
    assert await engine.close_client(client_id, 1001, "bye") is True
    await until(lambda: not socket.is_open, what="the server side to close")

    conversation = engine.conversations.conversation(client_id)
    assert conversation is not None
    assert engine.conversations.conversation(socket.id) is conversation  # from either end
    await until(lambda: len(conversation.rows) == 9 or conversation.update() > 99, what="rows")
    rows = list(conversation.rows)
    assert [(a.kind, a.direction) for a in rows] == [
        ("request", CLIENT_TO_SERVER),
        ("response", SERVER_TO_CLIENT),
        ("text", CLIENT_TO_SERVER),
        ("text", SERVER_TO_CLIENT),
        ("ping", CLIENT_TO_SERVER),
        ("pong", SERVER_TO_CLIENT),
        ("close", CLIENT_TO_SERVER),
        ("close", SERVER_TO_CLIENT),
        ("note", None),
    ]
    request, response, hello, reply, ping, pong, close, echo, note = rows
    assert request.label().startswith("GET / HTTP/1.1 · Upgrade: websocket · Sec-WebSocket-Key: ")
    assert response.label().startswith("101 Switching Protocols · Sec-WebSocket-Accept: ")
    assert hello.label() == "text 5 B 'hello'" and hello.size == 5
    assert reply.label() == "text 7 B 'hi back'"
    for arrow in rows[:8]:  # every arrow has both ends' times, sent before received
        assert arrow.sent_at is not None and arrow.received_at is not None
        assert arrow.sent_at <= arrow.received_at, arrow
    times = [arrow.sent_at for arrow in rows[:8]]
    assert times == sorted(times) and times[0] == conversation.start
    assert pong.data == ping.data and pong.rtt is not None
    assert 0 < pong.rtt <= rtt + 0.05 and "round trip" in pong.label()
    assert (close.close_code, close.close_reason, close.echo) == (1001, "bye", False)
    assert (echo.close_code, echo.echo) == (1001, True)
    assert close.label() == "close code 1001 (going away): bye"
    assert echo.label().endswith("— the echo")
    assert note.label() == "the client closed first (1001); the server echoed 1001"
    assert conversation.title() == (
        f"client 127.0.0.1:{client.local_address[1]}",
        f"server socket ← 127.0.0.1:{client.local_address[1]}",
    )


@pytest.mark.asyncio
async def test_a_client_whose_server_is_not_in_this_window_says_why(engine: Workbench) -> None:
    server_id = await start_server(engine)
    port = engine.server(server_id).port
    client_id = add_client(engine, port)
    assert await engine.open_client(client_id) is True
    await until(lambda: engine.sockets_of(server_id), what="the server socket")
    assert engine.conversations.conversation(client_id) is not None
    await engine.remove_server(server_id)  # its sockets (the other end) are forgotten
    assert engine.conversations.conversation(client_id) is None
    assert "not in this window" in engine.conversations.missing_reason(client_id)


def _frame(direction: str, opcode: str, time: float, data: bytes = b"x") -> Frame:
    return Frame(direction, opcode, True, False, direction == "out", len(data), data, time)  # type: ignore[arg-type]


def test_traces_and_the_conversation_are_bounded() -> None:
    client, server = EndpointTrace("client", max_frames=100), EndpointTrace("server", 100, 500)
    for trace in (client, server):
        trace.opened(("127.0.0.1", 1), "/", None, None)
    conversation = Conversation(client, server, max_rows=50)
    for n in range(1_000):
        client.add(_frame("out", "binary", n, b"y" * 100))
        server.add(_frame("in", "binary", n + 0.5, b"y" * 100))
    assert len(client.frames) == 100 and client.first_index == 900
    assert len(server.frames) == 10 and all(
        len(f.data) == 48 and size == 100 for f, size in server.frames
    )
    conversation.update()
    assert len(conversation.rows) == 50 and conversation.first_index > 0
    assert conversation.rows[-1].sent_at == 999


def test_labels_give_the_plain_and_the_compressed_size_and_mark_fragments() -> None:
    compressed = Arrow(
        "text", CLIENT_TO_SERVER, size=5, plain_size=7, compressed=True, data=b"hello 6"
    )
    assert compressed.label() == "text 7 B (5 B compressed) 'hello 6'"
    first = Arrow("text", CLIENT_TO_SERVER, size=3, plain_size=3, fin=False, data=b"abc")
    last = Arrow("continuation", CLIENT_TO_SERVER, size=2, plain_size=2, data=b"de")
    assert first.label() == "text 3 B (fragment) 'abc'"
    assert last.label() == "continuation 2 B (last fragment) 'de'"
    assert Arrow("binary", SERVER_TO_CLIENT, size=2, plain_size=2, data=b"\x00\xff").label() == (
        "binary 2 B 00 ff"
    )


@pytest.mark.asyncio
async def test_an_outside_clients_socket_is_not_recorded(engine: Workbench) -> None:
    """No workbench client is connecting: the conversation recorder puts no frame listener
    on the socket of an outside client (a flood from it costs nothing); a workbench client's
    socket gets one."""
    from core import Client

    server_id = await start_server(engine)
    port = engine.server(server_id).port
    outside = Client({"host": "127.0.0.1", "port": port, "numberOfRetries": 0})
    await outside.open()
    await until(lambda: engine.sockets_of(server_id), what="the outside socket")
    (socket,) = engine.sockets_of(server_id)
    assert socket.core.listener_count("frame") == 0
    assert "not a workbench client" in engine.conversations.missing_reason(socket.id)

    client_id = add_client(engine, port)
    assert await engine.open_client(client_id) is True
    await until(lambda: len(engine.sockets_of(server_id)) == 2, what="the workbench socket")
    mine = engine.sockets_of(server_id)[1]
    assert mine.core.listener_count("frame") >= 1  # the recorder (and the wire sizes: deflate)
    assert engine.conversations.conversation(mine.id) is not None
    assert socket.core.listener_count("frame") == 0
    await outside.close()
