"""A Client masks its frames with keys cut from blocks of os.urandom (core._masking): the
frames are what websockets' own serializer makes, and a key is never drawn twice."""

from __future__ import annotations

import asyncio
import os

import pytest
from websockets.frames import BINARY, CLOSE, TEXT, Frame
from websockets.streams import StreamReader

import core._masking as masking
from core._masking import BLOCK, BlockMaskedClientProtocol, mask_key, serialize_masked
from tests.helpers import TIMEOUT, client_for, echo_server


def parse(data: bytes) -> Frame:
    """``data`` read back as a server reads a client's frame (it must be masked)."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=True)
    try:
        next(parser)
    except StopIteration as done:
        frame: Frame = done.value
        return frame
    raise AssertionError("the frame did not parse whole")


@pytest.mark.parametrize("length", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_frame_serializes_as_websockets_would_with_a_fresh_key(length: int) -> None:
    payload = bytes(range(256)) * (length // 256 + 1)
    frame = Frame(BINARY, payload[:length], fin=length % 2 == 0)
    data = serialize_masked(frame, [])
    theirs = frame.serialize(mask=True)
    assert len(data) == len(theirs)
    assert data[:2] == theirs[:2]  # same header: fin, opcode, mask bit, length
    assert parse(data) == frame


def test_text_and_close_frames_round_trip() -> None:
    for frame in (Frame(TEXT, "héllo".encode()), Frame(CLOSE, b"\x03\xe8bye")):
        assert parse(serialize_masked(frame, [])) == frame


def test_keys_come_from_one_urandom_call_per_block(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = os.urandom

    def counting(size: int) -> bytes:
        calls.append(size)
        return real(size)

    monkeypatch.setattr(masking.os, "urandom", counting)
    monkeypatch.setattr(masking, "_keys", masking._Keys())
    keys = [mask_key() for _ in range(2 * BLOCK // 4)]
    assert calls == [BLOCK, BLOCK]
    assert all(len(key) == 4 for key in keys)
    assert b"".join(keys[: BLOCK // 4]) != b"".join(keys[BLOCK // 4 :])  # two blocks


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_does_not_reuse_the_parents_block() -> None:
    mask_key()  # the parent has a block under way
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send its next key and leave at once
        os.write(write, mask_key())
        os._exit(0)
    os.close(write)
    child_key = os.read(read, 4)
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child_key) == 4 and child_key != mask_key()


@pytest.mark.asyncio
async def test_a_clients_frames_use_block_keys_and_the_server_reads_them() -> None:
    server = await echo_server()
    async with client_for(server) as client:
        channel = client.direct_reader
        assert channel is not None
        assert type(channel.ws.protocol) is BlockMaskedClientProtocol  # type: ignore[attr-defined]
        for n in range(5):
            client.send({"n": n, "text": "x" * (n * 40_000)})
            reply = await asyncio.wait_for(client.recv(), TIMEOUT)
            assert reply == {"n": n, "text": "x" * (n * 40_000)}
    await server.stop()
