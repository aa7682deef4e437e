"""On-wire sizes of compressed messages, paired with their log rows (engine, no Qt)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from core import Frame
from tests.workbench.test_engine_service import TIMEOUT, add_client, start_server, until
from workbench.engine import wire_sizes
from workbench.engine.log_store import IN, MESSAGE, OUT, LogStore
from workbench.engine.wire_sizes import WireSizes, is_compressed
from workbench.engine.workbench import Workbench

BIG = {"text": "compress me " * 200}


class Endpoint:
    """Just what ``WireSizes.attach`` reads of a core Client or Socket."""

    def __init__(self, extensions: str) -> None:
        self.response_headers = {"Sec-WebSocket-Extensions": extensions}
        self.listeners: list[Any] = []

    def on(self, event: str, listener: Any) -> None:
        assert event == "frame"
        self.listeners.append(listener)

    def off(self, event: str, listener: Any) -> None:
        self.listeners.remove(listener)


def data_frame(direction: Any, opcode: Any, data: bytes, length: int, **bits: bool) -> Frame:
    return Frame(
        direction,
        opcode,
        bits.get("fin", True),
        bits.get("rsv1", True),
        False,
        length,
        data,
        0.0,
    )


def test_rows_pair_with_their_frames_and_a_row_without_frames_is_skipped() -> None:
    store = LogStore(100)
    wire = WireSizes(store)
    wire.attach(Endpoint("permessage-deflate; client_max_window_bits"))
    assert wire.active
    store.add_message(IN, "text/plain", "early")  # its frames came before the tap
    wire.note(IN, "early")
    store.add_message(IN, "text/plain", "x" * 300)
    wire.note(IN, "x" * 300)
    # A message in two fragments: RSV1 on the first only, lengths summed.
    wire.on_frame(data_frame("in", "text", b"x" * 200, 9, fin=False))
    wire.on_frame(data_frame("in", "continuation", b"x" * 100, 3, rsv1=False))
    assert store.wire_sizes == {1: 12}
    wire.on_frame(data_frame("out", "ping", b"", 0))  # control frames are not messages
    wire.on_frame(data_frame("out", "binary", b"abc", 3, rsv1=False))  # frames first
    store.add_message(OUT, "application/octet-stream", b"abc")
    wire.note(OUT, b"abc")
    assert store.wire_sizes == {1: 12}  # paired, but not compressed: nothing to show


def test_too_many_unpaired_frames_stop_the_tracker_instead_of_guessing(monkeypatch) -> None:
    monkeypatch.setattr(wire_sizes, "PENDING_LIMIT", 3)
    store = LogStore(100)
    wire = WireSizes(store)
    endpoint = Endpoint("permessage-deflate")
    wire.attach(endpoint)
    for _ in range(4):  # frames far ahead of their rows
        wire.on_frame(data_frame("in", "text", b"abc", 3))
    assert not wire.active and endpoint.listeners == []
    store.add_message(IN, "text/plain", "abc")
    wire.note(IN, "abc")
    assert store.wire_sizes == {}


def test_an_uncompressed_connection_is_not_followed() -> None:
    wire = WireSizes(LogStore(10))
    endpoint = Endpoint("")
    wire.attach(endpoint)
    assert not wire.active and endpoint.listeners == []
    assert not is_compressed(Endpoint("x-webkit-deflate-frame"))


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[Workbench]:
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


@pytest.mark.asyncio
@pytest.mark.parametrize("compression", ["deflate", None])
async def test_both_logs_give_the_wire_size_of_a_compressed_message(
    engine: Workbench, compression: str | None
) -> None:
    server_id = await start_server(engine, compression=compression)
    client_id = add_client(engine, engine.server(server_id).port)
    assert await engine.open_client(client_id) is True
    await until(lambda: engine.sockets_of(server_id), what="the server socket")
    socket_log = engine.sockets_of(server_id)[0].log
    assert engine.send(client_id, BIG) is True
    await until(lambda: socket_log.messages_in == 1, what="the message to arrive")
    for log in (engine.log(client_id), socket_log):
        await until(lambda log=log: len(log.wire_sizes) == (compression is not None))
    for store in (engine.log(client_id), socket_log):
        (seq,) = [e for e in range(store.first_seq, store.end_seq) if _is_message(store, e)]
        size = store.row(seq - store.first_seq)[4]
        if compression is None:
            assert store.wire_sizes == {}
        else:
            assert 0 < store.wire_sizes[seq] < size / 10  # 2,400 repetitive bytes deflate well


def _is_message(store: LogStore, seq: int) -> bool:
    return store.row(seq - store.first_seq)[2] == MESSAGE
