"""The frame header decoder, the frame store and FrameWatch: pure Python, no Qt.

Header bytes are checked against websockets' own serializer (what goes on the wire)."""

from __future__ import annotations

import asyncio
import time

import pytest
from websockets.frames import Frame as WsFrame
from websockets.frames import Opcode

from core import Client, Frame
from tests.helpers import client_for, echo_server
from workbench.engine.protocol.frame_header import decode_header, header_bytes, header_length
from workbench.engine.protocol.frame_store import ROW_OVERHEAD, FrameRow, FrameStore
from workbench.engine.protocol.frame_watch import FrameWatch


def frame(
    opcode: str = "text",
    data: bytes = b"",
    *,
    fin: bool = True,
    direction: str = "out",
    masked: bool = True,
    rsv1: bool = False,
    length: int | None = None,
) -> Frame:
    return Frame(
        direction,  # type: ignore[arg-type]
        opcode,  # type: ignore[arg-type]
        fin,
        rsv1,
        masked,
        len(data) if length is None else length,
        data,
        time.monotonic(),
    )


@pytest.mark.parametrize(
    ("length", "second", "extended"),
    [
        (0, 0b1000_0000, b""),
        (125, 0b1111_1101, b""),
        (126, 0b1111_1110, b"\x00\x7e"),
        (65535, 0b1111_1110, b"\xff\xff"),
        (65536, 0b1111_1111, b"\x00\x00\x00\x00\x00\x01\x00\x00"),
    ],
)
def test_header_bits_for_each_length_encoding(length: int, second: int, extended: bytes) -> None:
    wire = WsFrame(Opcode.BINARY, b"x" * length).serialize(mask=True)
    head = header_bytes(True, False, "binary", True, length)
    assert head == bytes((0b1000_0010, second)) + extended
    assert wire[: len(head)] == head  # exactly what websockets put on the wire
    assert header_length(True, length) == len(head) + 4 == len(wire) - length  # + the key
    fields = {field.name: field for field in decode_header(True, False, "binary", True, length)}
    assert fields["FIN"].bits == "1"
    assert fields["Opcode"].bits == "0010" and fields["Opcode"].value == "0x2 binary"
    assert fields["MASK"].bits == "1"
    assert fields["Payload length"].bits == f"{second & 0x7F:07b}"
    assert fields["Masking key"].value == "not known"
    if extended:
        (ext,) = [field for name, field in fields.items() if name.startswith("Extended")]
        assert ext.bits == "".join(f"{byte:08b}" for byte in extended)
        assert ext.value == f"{length:,}"
        assert ext.name == f"Extended length ({len(extended) * 8} bits)"
    else:
        assert not any(name.startswith("Extended") for name in fields)


def test_header_of_an_unmasked_compressed_continuation_and_a_close() -> None:
    assert header_bytes(False, True, "text", False, 5) == b"\x41\x05"
    assert header_bytes(True, False, "continuation", False, 3) == b"\x80\x03"
    assert header_bytes(True, False, "close", True, 2) == b"\x88\x82"
    names = [field.name for field in decode_header(True, False, "pong", False, 0)]
    assert names == ["FIN", "RSV1", "RSV2", "RSV3", "Opcode", "MASK", "Payload length"]
    rsv1 = decode_header(True, True, "text", False, 1)[1]
    assert rsv1.bits == "1" and "permessage-deflate" in rsv1.meaning
    with pytest.raises(ValueError, match="out of range"):
        header_bytes(True, False, "text", False, -1)


def test_fragments_group_under_their_message_with_control_frames_between() -> None:
    store = FrameStore()
    store.add(frame("text", b"ab", fin=False))  # seq 0 opens a message
    store.add(frame("ping", b"p", direction="in", masked=False))  # seq 1, in between
    store.add(frame("text", b"solo", direction="in", masked=False))  # seq 2, another direction
    store.add(frame("continuation", b"cd", fin=False))  # seq 3
    store.add(frame("continuation", b"ef"))  # seq 4 closes it
    store.add(frame("binary", b"next"))  # seq 5, a message of its own
    rows = [FrameRow(*store.row(i)) for i in range(len(store))]
    assert [(r.opcode, r.group, r.part) for r in rows] == [
        ("text", 0, 1),
        ("ping", -1, 0),
        ("text", 2, 0),
        ("continuation", 0, 2),
        ("continuation", 0, 3),
        ("binary", 5, 0),
    ]
    assert store.fragments(0) == [0, 3, 4]
    assert store.fragments(5) == [5]
    assert store.fragments(-1) == []
    assert store.frames_out == 4 and store.frames_in == 2


def test_byte_cap_evicts_oldest_and_counts_them() -> None:
    store = FrameStore(capacity=1000, byte_capacity=3 * (ROW_OVERHEAD + 100), keep_bytes=100)
    for n in range(5):
        store.add(frame("binary", bytes([n]) * 500))  # kept: 100 bytes each
    assert len(store) == 3 and store.dropped == 2
    assert store.first_seq == 2 and store.end_seq == 5
    assert store.stored_bytes == 3 * (ROW_OVERHEAD + 100)
    row = store.get_seq(2)
    assert row is not None and row.data == b"\2" * 100 and row.data_length == 500
    assert store.get_seq(1) is None
    assert store.wire_bytes_out == 2500  # totals count the evicted ones too
    huge = FrameStore(capacity=10, byte_capacity=10, keep_bytes=100)
    huge.add(frame("binary", b"z" * 100))
    assert len(huge) == 1  # the newest row stays even alone over the cap


def test_row_cap_and_clear() -> None:
    store = FrameStore(capacity=3)
    for n in range(10_000):
        store.add(frame("text", str(n).encode()))
    assert len(store) == 3 and store.dropped == 9_997
    assert [FrameRow(*store.row(i)).data for i in range(3)] == [b"9997", b"9998", b"9999"]
    store.clear()
    assert len(store) == 0 and store.cleared == 3 and store.frames_out == 10_000
    with pytest.raises(IndexError):
        store.row(0)


def test_frame_watch_listens_only_while_started_and_follows_a_new_core_object() -> None:
    async def scenario() -> list[tuple[str, str, bytes]]:
        server = await echo_server()
        echoed: asyncio.Queue[object] = asyncio.Queue()
        store = FrameStore()
        current: list[Client | None] = [None]
        watch = FrameWatch(store, lambda: current[0])
        watch.start()
        first = client_for(server)
        current[0] = first
        watch.follow()
        assert first.listener_count("frame") == 1
        first.on("message", echoed.put_nowait)
        await first.open()
        first.send("one")
        await asyncio.wait_for(echoed.get(), 5)
        watch.stop()
        assert first.listener_count("frame") == 0
        first.send("unwatched")
        await asyncio.wait_for(echoed.get(), 5)
        await first.close()
        await server.stop()
        return [
            (FrameRow(*r).direction, FrameRow(*r).opcode, FrameRow(*r).data)
            for r in (store.row(i) for i in range(len(store)))
        ]

    rows = asyncio.run(scenario())
    assert rows == [("out", "text", b'"one"'), ("in", "text", b'"one"')]
