"""Hostile input against our Server, byte by byte from a hand-made client (tests/faults/rawws).

Each case asserts the exact outcome: the close code sent back, the events emitted on our side,
and that the Server goes on serving a well-behaved client afterwards.
"""

from __future__ import annotations

import asyncio
import random
import struct
import sys
import time
import zlib
from typing import Any

import pytest
from PIL import Image

from core import ConnectionLostError, DecodeError, Server
from tests.faults.rawws import BINARY, TEXT, RawClient, close_frame, frame
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server

pytestmark = pytest.mark.asyncio


class Watched:
    """A loopback Server recording its connections and, per socket, messages/errors/close."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.connections = Recorder(server, ["connection", "error"])
        self.sockets: list[Recorder] = []
        server.on(
            "connection", lambda s: self.sockets.append(Recorder(s, ["message", "error", "close"]))
        )

    @classmethod
    async def start(cls, **options: Any) -> Watched:
        options.setdefault("ping_interval", None)
        return cls(await loopback_server(**options))

    async def socket(self) -> Recorder:
        await self.connections.count("connection", 1)
        return self.sockets[-1]

    async def still_serves(self, send: Any = None) -> None:
        """A proper Client can still connect, send (``send``, default ``{"ok": True}``) and
        close normally."""
        send = {"ok": True} if send is None else send
        before = len(self.sockets)
        client = client_for(self.server, send_type="application/json", ping_interval=None)
        rec = Recorder(client, ["open", "close", "error"])
        await client.open()
        await client.send(send)
        await self.connections.count("connection", before + 1)
        await self.sockets[-1].count("message", 1)
        await client.close()
        assert rec.events == [("open", ()), ("close", (1000, ""))]

    async def stop(self) -> None:
        await asyncio.wait_for(self.server.stop(), TIMEOUT)


async def answer_close(peer: RawClient, code: int) -> None:
    """Answer the server's close frame as a real client does: close frame, then close TCP
    once the server has (websockets waits up to 10 s for the client's side otherwise)."""
    peer.send(close_frame(code))
    assert await peer.at_eof()
    await peer.aclose()


async def raw(w: Watched) -> RawClient:
    peer = await RawClient.connect(w.server.port or 0)
    await peer.upgrade()
    return peer


def only_lost(rec: Recorder, code: int) -> None:
    """The socket ended with ``code``: one ConnectionLostError(code) on 'error', then 'close'."""
    assert rec.names()[-2:] == ["error", "close"]
    error = rec.values("error")[-1]
    assert isinstance(error, ConnectionLostError) and error.code == code
    assert rec.args("close")[0][0] == code


async def test_invalid_utf8_in_a_text_frame_closes_with_1007() -> None:
    w = await Watched.start(receive_type="text/plain")
    peer = await raw(w)
    rec = await w.socket()
    peer.send(frame(TEXT, "valid \u2713".encode()))
    peer.send(frame(TEXT, b"bad \xff\xfe utf-8"))
    assert (await peer.read_close())[0] == 1007
    await answer_close(peer, 1007)
    await rec.count("close", 1)
    assert rec.values("message") == ["valid \u2713"]  # the bad frame is never delivered
    assert rec.names() == ["message", "error", "close"]
    only_lost(rec, 1007)
    await w.still_serves()
    await w.stop()


async def test_invalid_json_is_delivered_raw_with_a_decode_error_and_the_socket_stays_open() -> (
    None
):
    w = await Watched.start(receive_type="application/json")
    peer = await raw(w)
    rec = await w.socket()
    bad = ['{"a": 1', "NaN", "{'single': 'quotes'}", "[1,]", "\u2713", '{"a":1}{"b":2}', ""]
    for text in bad:
        peer.send(frame(TEXT, text.encode()))
    peer.send(frame(TEXT, b'{"fine": [1, 2]}'))
    await rec.count("message", len(bad) + 1)
    assert rec.values("message") == [*bad, {"fine": [1, 2]}]
    errors = rec.values("error")
    assert len(errors) == len(bad) and all(isinstance(e, DecodeError) for e in errors)
    assert [e.raw for e in errors] == bad
    peer.send(close_frame(1000))
    assert await peer.read_close() == (1000, b"")
    assert await peer.at_eof()
    await peer.aclose()
    await rec.count("close", 1)
    assert rec.args("close") == [(1000, "")]
    await w.stop()


def png_bytes(size: tuple[int, int] = (16, 8)) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG that claims width x height 8-bit grey pixels (a few hundred bytes)."""
    ihdr = struct.pack("!IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


async def test_truncated_malformed_and_bomb_images_are_refused_and_the_socket_stays_open() -> None:
    w = await Watched.start(receive_type="image/png")
    peer = await raw(w)
    rec = await w.socket()
    good = png_bytes()
    hostile = {
        "truncated": good[: len(good) // 2],
        "bad crc": good[:20] + bytes([good[20] ^ 0xFF]) + good[21:],
        "not an image": b"GIF89a but not really" + bytes(64),
        "empty": b"",
        # Pillow's limit is Image.MAX_IMAGE_PIXELS (~89 Mpx): above it warns, above twice
        # it raises; both are refused before any pixel is expanded.
        "bomb 100 Mpx": bomb_png(10_000, 10_000),
        "bomb 10 Gpx": bomb_png(100_000, 100_000),
    }
    started = time.monotonic()
    for payload in hostile.values():
        peer.send(frame(BINARY, payload))
    peer.send(frame(BINARY, good))
    await rec.count("message", len(hostile) + 1)
    elapsed = time.monotonic() - started
    messages = rec.values("message")
    assert messages[:-1] == list(hostile.values())  # each delivered raw, unconverted
    assert isinstance(messages[-1], Image.Image) and messages[-1].size == (16, 8)
    errors = rec.values("error")
    assert len(errors) == len(hostile) and all(isinstance(e, DecodeError) for e in errors)
    assert [e.raw for e in errors] == list(hostile.values())
    causes = {name: type(e.__cause__).__name__ for name, e in zip(hostile, errors, strict=True)}
    assert causes["bomb 100 Mpx"] == "DecompressionBombWarning"
    assert causes["bomb 10 Gpx"] == "DecompressionBombError"
    assert elapsed < 5, "a bomb was expanded instead of refused"
    assert Image.MAX_IMAGE_PIXELS == 89_478_485  # nothing raised the limit to let bombs in
    peer.send(close_frame(1000))
    assert await peer.read_close() == (1000, b"")
    assert await peer.at_eof()
    await peer.aclose()
    await rec.count("close", 1)
    assert rec.args("close") == [(1000, "")]
    await w.stop()


@pytest.mark.parametrize("fragmented", [False, True], ids=["one frame", "fragments"])
async def test_message_above_max_message_size_closes_with_1009(fragmented: bool) -> None:
    w = await Watched.start(receive_type="application/octet-stream", max_message_size=1000)
    peer = await raw(w)
    rec = await w.socket()
    peer.send(frame(BINARY, bytes(1000)))  # exactly the limit: accepted
    if fragmented:  # 3 x 400 bytes: each fragment is small, the message is not
        peer.send(frame(BINARY, bytes(400), fin=False) + frame(0x0, bytes(400), fin=False))
        peer.send(frame(0x0, bytes(400)))
    else:
        peer.send(frame(BINARY, bytes(1001)))
    assert (await peer.read_close())[0] == 1009
    await answer_close(peer, 1009)
    await rec.count("close", 1)
    assert rec.values("message") == [bytes(1000)]
    assert rec.names() == ["message", "error", "close"]
    only_lost(rec, 1009)
    await w.stop()


async def test_client_receiving_above_its_max_message_size_closes_with_1009() -> None:
    w = await Watched.start(send_type="application/octet-stream")
    w.server.on("connection", lambda s: (s.send(bytes(500)), s.send(bytes(501))))
    client = client_for(
        w.server, receive_type="application/octet-stream", max_message_size=500, ping_interval=None
    )
    rec = Recorder(client, ["open", "message", "error", "close"])
    await client.open()
    await rec.count("close", 1)
    assert rec.names() == ["open", "message", "error", "close"]
    assert rec.values("message") == [bytes(500)]
    assert (
        isinstance(rec.values("error")[0], ConnectionLostError)
        and rec.values("error")[0].code == 1009
    )
    assert rec.args("close")[0][0] == 1009
    socket = await w.socket()
    await socket.count("close", 1)
    assert socket.args("close")[0][0] == 1009
    await w.stop()


async def test_plain_http_request_gets_426_and_no_connection() -> None:
    w = await Watched.start()
    peer = await RawClient.connect(w.server.port or 0)
    peer.send(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n")
    head = await peer.response_head()
    assert head.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")
    assert await peer.at_eof()
    await peer.aclose()
    assert w.connections.events == []
    await w.still_serves()
    await w.stop()


GARBAGE_HANDSHAKES = {
    "binary noise": bytes(random.Random(1).getrandbits(8) for _ in range(300)) + b"\r\n\r\n",
    "TLS hello on ws://": bytes.fromhex("16030100a5010000a10303") + bytes(160) + b"\r\n\r\n",
    "bad request line": b"HELLO WORLD\r\n\r\n",
    "wrong version": b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
    "bad key": b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n",
    "huge header": b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
}


@pytest.mark.parametrize("name", list(GARBAGE_HANDSHAKES))
async def test_garbage_handshake_is_refused_and_the_server_keeps_serving(name: str) -> None:
    w = await Watched.start()
    peer = await RawClient.connect(w.server.port or 0)
    peer.send(GARBAGE_HANDSHAKES[name])
    try:
        head = await peer.response_head()
    except asyncio.IncompleteReadError as exc:
        head = exc.partial
    except ConnectionResetError:
        head = b""
    # Either an HTTP 4xx answer, or the connection dropped without one; never a 101.
    # (websockets answers 400 for a malformed upgrade and 431 for an oversized head.)
    status = head.split(b" ", 2)[1] if head.startswith(b"HTTP/1.1 ") else b""
    assert status in {b"400", b"426", b"431", b""}, head[:80]
    expected = {"wrong version": b"400", "bad key": b"400", "huge header": b"431"}
    if name in expected:
        assert status == expected[name], head[:200]
    assert await peer.at_eof()
    await peer.aclose()
    assert w.connections.events == []
    await w.still_serves()
    await w.stop()


async def test_slow_loris_is_cut_off_by_the_handshake_timeout() -> None:
    w = await Watched.start(handshake_timeout=300)
    lorises = [await RawClient.connect(w.server.port or 0) for _ in range(5)]
    started = time.monotonic()
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    for loris in lorises[:4]:
        loris.send(request)  # ...and never the blank line that ends the head
    # The fifth dribbles one byte every 50 ms: still cut off at the deadline, not per byte.

    async def dribble(loris: RawClient) -> None:
        for byte in request * 10:  # 550 bytes: 27 s at this pace, if it were allowed
            if loris.writer.is_closing() or loris.reader.at_eof():
                return
            try:
                loris.send(bytes([byte]))
                await loris.writer.drain()
            except ConnectionError:
                return
            await asyncio.sleep(0.05)  # the attacker's pace, not a synchronisation

    dribbler = asyncio.create_task(dribble(lorises[4]))
    for loris in lorises:
        assert await loris.at_eof(timeout=TIMEOUT)
    elapsed = time.monotonic() - started
    await asyncio.wait_for(dribbler, TIMEOUT)
    assert 0.25 <= elapsed < 3.0, elapsed
    for loris in lorises:
        await loris.aclose()
    assert w.connections.events == []
    await w.still_serves()
    await w.stop()


@pytest.mark.parametrize("seed", range(12))
async def test_random_bytes_after_the_handshake_end_the_connection_cleanly(seed: int) -> None:
    w = await Watched.start(receive_type="application/octet-stream", max_message_size=64 * 1024)
    peer = await raw(w)
    rec = await w.socket()
    rng = random.Random(seed)
    noise = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 4096)))
    peer.send(noise)
    peer.writer.write_eof()  # then nothing more: the server must decide, not wait forever
    await rec.count("close", 1)
    code = rec.args("close")[0][0]
    # Most noise is a protocol error (1002) or too big (1009); noise that happens to parse
    # as frames and then stops ends as 1006. Anything else is delivered as data or errors.
    assert code in {1002, 1006, 1007, 1009}, rec.events
    only_lost(rec, code)
    assert all(isinstance(m, bytes) for m in rec.values("message"))
    assert all(isinstance(e, (ConnectionLostError, DecodeError)) for e in rec.values("error"))
    assert await peer.at_eof()
    await peer.aclose()
    await w.still_serves()
    await w.stop()


async def test_peer_data_is_never_evaluated_or_used_as_a_path() -> None:
    """Paths, headers and payloads from a peer stay data: no file opened, nothing compiled."""
    marker = "wsw_hostile_marker_7f3a"
    touched: list[tuple[str, str]] = []
    watching = True

    def audit(event: str, args: tuple[Any, ...]) -> None:
        if (
            watching
            and event
            in {
                "open",
                "compile",
                "exec",
                "os.system",
                "subprocess.Popen",
                "import",
            }
            and marker in repr(args)
        ):
            touched.append((event, repr(args)[:200]))

    sys.addaudithook(audit)  # cannot be removed; ``watching`` turns it off after the test
    try:
        w = await Watched.start(receive_type="application/json")
        payloads = [
            f"/../../../../etc/{marker}",
            f"__import__('os').system('echo {marker}')",
            {"$where": f"eval('{marker}')", "path": f"file:///tmp/{marker}"},
        ]
        client = client_for(
            w.server,
            path=f"/../../{marker}/..%2F..%2Fetc%2Fpasswd?f={marker}",
            headers={"X-File": f"/etc/{marker}"},
            ping_interval=None,
        )
        await client.open()
        for payload in payloads:
            await client.send(payload)
        rec = await w.socket()
        await rec.count("message", 3)
        await client.close()
        assert rec.values("message") == payloads  # delivered as the data they are
        await w.stop()
    finally:
        watching = False
    assert touched == []
