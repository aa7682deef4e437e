"""No exception may leave a connection stuck (issue 17, B5), with real sockets.

2.2 KB of nested JSON made the JSON decoder raise ``RecursionError``: the peer got 1011, but
the server Socket never emitted ``'close'`` or ``'error'``, still said it was open, and its
``close()`` never returned; a hostile server did the same to a Client. Now a decoding
failure of any kind is a ``DecodeError`` (the message delivered raw), and any exception at
any stage of the reader (or in the writer) ends the connection cleanly: ``'error'`` (a
``ConnectionLostError`` caused by it), then ``'close'`` with 1011, the peer gets 1011, and
``close()`` returns within ``close_timeout``. The peers here are raw sockets
(tests/faults/rawws.py, tests/core/raw_server.py), so only core's side is under test.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from websockets.asyncio.connection import Connection

import core._connection
import core._direct_reads
import core._outbox
import core._pull
from core import Client, ConnectionLostError, DecodeError, Server, Socket, UnsentMessagesError
from core import mime as core_mime
from core._connection import Channel
from tests.core.raw_server import RawServer, close_payload, server_frame
from tests.faults.rawws import TEXT, RawClient, close_frame, frame
from tests.helpers import TIMEOUT, Recorder, loopback_server

pytestmark = pytest.mark.asyncio

NESTED = "[" * 1100 + "]" * 1100  # 2.2 KB
CLOSE_TIMEOUT_MS = 500


class Injected(RuntimeError):
    """The failure a test puts into one stage of the reader."""


def _raise(*_args: Any, **_kwargs: Any) -> Any:
    raise Injected("injected")


async def _raise_async(*_args: Any, **_kwargs: Any) -> Any:
    raise Injected("injected")


def _fail_message_emit(monkeypatch: pytest.MonkeyPatch, cls: type) -> None:
    emit = cls.emit

    def failing_emit(self: Any, event: str, *args: Any) -> bool:
        if event == "message":
            raise Injected("injected")
        return emit(self, event, *args)

    monkeypatch.setattr(cls, "emit", failing_emit)


def _fail_writer(monkeypatch: pytest.MonkeyPatch, _cls: type) -> None:
    """The writer task fails; it starts only for a message that has to wait, so websockets'
    send is made to wait once (the test then sends one message) and core's direct write of
    a frame is turned off, so that the message goes through it."""
    send = Connection.send

    async def waiting_send(self: Connection, *args: Any, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        await send(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "send", waiting_send)
    monkeypatch.setattr(core._outbox, "_writes_at_once", lambda _ws: False)
    monkeypatch.setattr(core._outbox.Outbox, "run", _raise_async)


def _fail_receive(monkeypatch: pytest.MonkeyPatch, _cls: type) -> None:
    monkeypatch.setattr(Connection, "recv", _raise_async)
    for module in (core._connection, core._direct_reads):
        monkeypatch.setattr(module, "take_parsed", _raise)
        monkeypatch.setattr(module, "next_parsed", _raise_async)


#: Each stage of the reader (and the writer beside it), and how to make it fail.
STAGES: dict[str, Callable[[pytest.MonkeyPatch, type], None]] = {
    # reading the next message: websockets' recv() and core's way past it (core._parsed_take)
    "receive": _fail_receive,
    # handing the value to the listeners (the emitter itself, not a listener)
    "deliver": _fail_message_emit,
    # keeping it for recv()
    "inbox": lambda mp, cls: mp.setattr(core._pull.Inbox, "put", _raise),
    # pausing while max_queue messages wait
    "backpressure": lambda mp, cls: mp.setattr(core._pull.Inbox, "full", _raise),
    # the writer task beside the reader (the message it had to send is reported unsent)
    "writer": _fail_writer,
}


# -- decoding errors of any kind are DecodeError ------------------------------------------------


async def test_nested_json_from_a_client_is_delivered_raw_with_a_decode_error() -> None:
    server = await loopback_server(ping_interval=None, close_timeout=CLOSE_TIMEOUT_MS)
    sockets = Recorder(server, ["connection"])
    peer = await RawClient.connect(server.port)
    await peer.upgrade()
    await sockets.count("connection", 1)
    socket: Socket = sockets.values("connection")[0]
    events = Recorder(socket, ["message", "error", "close"])
    peer.send(frame(TEXT, NESTED.encode()))
    await events.count("error", 1)
    assert events.names() == ["message", "error"]
    assert events.values("message") == [NESTED]  # raw, as for any undecodable message
    error = events.values("error")[0]
    assert isinstance(error, DecodeError) and error.raw == NESTED
    assert "RecursionError" in error.why
    # The connection is fine: it still reads, and closes normally.
    peer.send(frame(TEXT, b'{"after": 1}'))
    await events.count("message", 2)
    assert events.values("message")[1] == {"after": 1}
    peer.send(close_frame(1000))
    await events.count("close", 1)
    assert events.args("close") == [(1000, "")] and not socket.is_open()
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


async def test_nested_json_from_a_hostile_server_is_delivered_raw_to_a_client() -> None:
    raw = await RawServer().start()
    raw.gate.set()
    client = Client(
        host="127.0.0.1",
        port=raw.port,
        number_of_retries=0,
        ping_interval=None,
        close_timeout=CLOSE_TIMEOUT_MS,
    )
    events = Recorder(client, ["message", "error", "close"])
    await asyncio.wait_for(client.open(), TIMEOUT)
    nested = NESTED.encode()
    raw.write(bytes([0x81, 126]) + len(nested).to_bytes(2, "big") + nested)
    await events.count("error", 1)
    assert events.values("message") == [NESTED]
    assert isinstance(events.values("error")[0], DecodeError)
    assert client.is_open()
    closing = client.close()
    raw.write(server_frame(0x8, close_payload(1000)))
    await asyncio.wait_for(closing, TIMEOUT)
    assert events.args("close") == [(1000, "")]
    await raw.aclose()


async def test_any_exception_in_a_decoder_is_a_decode_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(core_mime._DECODERS, "*/*", _raise)
    server = await loopback_server(
        receive_type="*/*", ping_interval=None, close_timeout=CLOSE_TIMEOUT_MS
    )
    sockets = Recorder(server, ["connection"])
    peer = await RawClient.connect(server.port)
    await peer.upgrade()
    await sockets.count("connection", 1)
    socket = sockets.values("connection")[0]
    events = Recorder(socket, ["message", "error", "close"])
    peer.send(frame(TEXT, b"hello"))
    await events.count("error", 1)
    error = events.values("error")[0]
    assert isinstance(error, DecodeError) and error.raw == "hello"
    assert error.mime_type == "*/*" and isinstance(error.__cause__, Injected)
    assert events.values("message") == ["hello"] and socket.is_open()
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


# -- any other failure ends the connection cleanly -------------------------------------------


def _close_from_client(data: bytes) -> tuple[int, bytes] | None:
    """The (code, reason) of the close frame among ``data``, a client's masked frames (each
    under 126 bytes here), or None."""
    at = 0
    while at + 6 <= len(data):
        opcode, length = data[at] & 0x0F, data[at + 1] & 0x7F
        key = data[at + 2 : at + 6]
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(data[at + 6 : at + 6 + length]))
        if opcode == 0x8:
            return int.from_bytes(payload[:2], "big"), payload[2:]
        at += 6 + length
    return None


def _assert_ended_cleanly(events: Recorder, stage: str) -> None:
    names = [name for name in events.names() if name != "message"]
    if stage == "writer":
        assert names[0] == "error" and isinstance(events.values("error")[0], UnsentMessagesError)
        names = names[1:]
    assert names == ["error", "close"], events.events
    error = events.values("error")[-1]
    assert isinstance(error, ConnectionLostError), error
    assert isinstance(error.__cause__, Injected)
    assert error.code == 1011 and events.args("close") == [(1011, "internal error (Injected)")]


@pytest.mark.parametrize("stage", list(STAGES))
async def test_a_failure_in_a_socket_reader_ends_the_connection_cleanly(
    stage: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    STAGES[stage](monkeypatch, Socket)
    server = await loopback_server(
        receive_type="*/*", ping_interval=None, close_timeout=CLOSE_TIMEOUT_MS
    )
    sockets = Recorder(server, ["connection"])
    peer = await RawClient.connect(server.port)
    await peer.upgrade()
    await sockets.count("connection", 1)
    socket: Socket = sockets.values("connection")[0]
    events = Recorder(socket, ["message", "error", "close"])
    socket.start_pulling()  # the inbox and its backpressure are stages too
    if stage == "writer":
        socket.send("to write")
    peer.send(frame(TEXT, b"hello"))
    await events.count("close", 1)
    _assert_ended_cleanly(events, stage)
    assert not socket.is_open()
    assert await peer.read_close() == (1011, b"internal error (Injected)")
    started = time.monotonic()
    await asyncio.wait_for(socket.close(), TIMEOUT)  # already ended: at once
    await asyncio.wait_for(server.stop(), TIMEOUT)
    assert time.monotonic() - started < CLOSE_TIMEOUT_MS / 1000
    assert "failed; closing it with 1011" in caplog.text  # logged with its traceback
    await peer.aclose()


@pytest.mark.parametrize("stage", list(STAGES))
async def test_a_failure_in_a_client_reader_ends_the_connection_cleanly(
    stage: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A hostile server that never answers the close frame: the end comes at close_timeout."""
    STAGES[stage](monkeypatch, Client)
    raw = await RawServer().start()
    raw.gate.set()
    client = Client(
        host="127.0.0.1",
        port=raw.port,
        receive_type="*/*",
        number_of_retries=0,
        ping_interval=None,
        close_timeout=CLOSE_TIMEOUT_MS,
    )
    events = Recorder(client, ["message", "error", "close"])
    await asyncio.wait_for(client.open(), TIMEOUT)
    client.start_pulling()
    if stage == "writer":
        client.send("to write")
    raw.write(server_frame(0x1, b"hello"))
    await events.count("close", 1, timeout=TIMEOUT + CLOSE_TIMEOUT_MS / 1000)
    _assert_ended_cleanly(events, stage)
    assert client.state == "closed" and not client.is_open()
    assert _close_from_client(await raw.eof()) == (1011, b"internal error (Injected)")
    await asyncio.wait_for(client.close(), TIMEOUT)
    assert "failed; closing it with 1011" in caplog.text
    await raw.aclose()


async def test_close_returns_within_close_timeout_even_when_the_reader_is_stuck(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reader that never comes back (here: a 'message' stage that hangs) cannot hold
    close(): after close_timeout the connection is dropped and 'close' is emitted anyway."""
    hang = asyncio.Event()

    async def stuck(self: Channel) -> None:
        await hang.wait()

    monkeypatch.setattr(Channel, "_wait_for_room", stuck)
    server = await loopback_server(
        receive_type="*/*", ping_interval=None, close_timeout=CLOSE_TIMEOUT_MS
    )
    sockets = Recorder(server, ["connection"])
    peer = await RawClient.connect(server.port)
    await peer.upgrade()
    await sockets.count("connection", 1)
    socket: Socket = sockets.values("connection")[0]
    events = Recorder(socket, ["message", "close"])
    socket.start_pulling()
    peer.send(frame(TEXT, b"hello"))
    await events.count("message", 1)
    started = time.monotonic()
    await asyncio.wait_for(socket.close(), TIMEOUT)
    took = time.monotonic() - started
    assert took < CLOSE_TIMEOUT_MS / 1000 + 0.5, took
    assert events.names() == ["message", "close"] and not socket.is_open()
    hang.set()
    await asyncio.wait_for(server.stop(), TIMEOUT)
    await peer.aclose()


async def test_server_stop_returns_with_a_broken_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    STAGES["receive"](monkeypatch, Socket)
    server = Server(
        host_interface="127.0.0.1", port=0, ping_interval=None, close_timeout=CLOSE_TIMEOUT_MS
    )
    await asyncio.wait_for(server.start(), TIMEOUT)
    errors = Recorder(server, ["error", "close"])
    peer = await RawClient.connect(server.port)
    await peer.upgrade()
    await errors.count("error", 1)  # no listener on the Socket: the Server reports it
    assert isinstance(errors.values("error")[0], ConnectionLostError)
    await asyncio.wait_for(server.stop(), TIMEOUT)
    assert errors.names()[-1] == "close" and server.sockets == []
    await peer.aclose()
