"""The 'frame' event: every WebSocket frame in both directions, exactly as on the wire."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame as WsFrame
from websockets.frames import Opcode
from websockets.protocol import CLIENT, SERVER, Protocol

from core import Client, EventEmitter, Frame, Server, Socket
from core._frames import FrameTap
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server, wait_until

pytestmark = pytest.mark.asyncio

PLAIN = {"receive_type": "text/plain", "send_type": "text/plain", "ping_interval": None}


def wire(frames: list[Frame]) -> list[tuple[Any, ...]]:
    """What a frame says on the wire, without its time."""
    return [
        (f.direction, f.opcode, f.fin, f.rsv1, f.masked, f.length, f.data, f.close_code)
        for f in frames
    ]


class Frames:
    """Collects the 'frame' events of an emitter; waits until a frame matches."""

    def __init__(self, emitter: Any) -> None:
        self.frames: list[Frame] = []
        self._changed = asyncio.Event()
        emitter.on("frame", self._add)

    def _add(self, frame: Frame) -> None:
        self.frames.append(frame)
        self._changed.set()

    async def until(self, direction: str, opcode: str) -> None:
        async def wait() -> None:
            while not any(f.direction == direction and f.opcode == opcode for f in self.frames):
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(wait(), TIMEOUT)
        except TimeoutError:
            raise TimeoutError(f"no {direction} {opcode} frame in {self.frames!r}") from None


async def plain_pair(**options: Any) -> tuple[Any, Client, list[Frames]]:
    """A core Server echoing upper-cased text, a Client for it; the Socket's frames."""
    server = await loopback_server(**{**PLAIN, **options})
    sockets: list[Frames] = []

    def on_connection(socket: Socket) -> None:
        sockets.append(Frames(socket))
        socket.on("message", lambda text: socket.send(text.upper()))

    server.on("connection", on_connection)
    client = client_for(server, **{**PLAIN, **options})
    return server, client, sockets


async def test_one_text_message_each_way_and_the_close_handshake_from_the_client() -> None:
    server, client, sockets = await plain_pair(compression=None)
    seen = Frames(client)
    await client.open()
    client.send("hi")
    assert await client.wait_for("message", timeout=TIMEOUT) == "HI"
    await client.close(1000, "bye")
    await sockets[0].until("out", "close")
    assert wire(seen.frames) == [
        ("out", "text", True, False, True, 2, b"hi", None),
        ("in", "text", True, False, False, 2, b"HI", None),
        ("out", "close", True, False, True, 5, b"\x03\xe8bye", 1000),
        ("in", "close", True, False, False, 5, b"\x03\xe8bye", 1000),
    ]
    assert wire(sockets[0].frames) == [
        ("in", "text", True, False, True, 2, b"hi", None),
        ("out", "text", True, False, False, 2, b"HI", None),
        ("in", "close", True, False, True, 5, b"\x03\xe8bye", 1000),
        ("out", "close", True, False, False, 5, b"\x03\xe8bye", 1000),
    ]
    assert [f.close_reason for f in seen.frames] == [None, None, "bye", "bye"]
    times = [f.time for f in seen.frames]
    assert times == sorted(times)
    await server.stop()


async def test_the_close_handshake_from_the_server_with_an_application_code() -> None:
    server, client, sockets = await plain_pair(compression=None)
    seen = Frames(client)
    rec = Recorder(client, ["frame", "close"])
    await client.open()
    await wait_until(lambda: bool(sockets))
    await server.sockets[0].close(4001, "done")
    await rec.count("close", 1)
    assert wire(sockets[0].frames) == [
        ("out", "close", True, False, False, 6, b"\x0f\xa1done", 4001),
        ("in", "close", True, False, True, 6, b"\x0f\xa1done", 4001),
    ]
    assert wire(seen.frames) == [
        ("in", "close", True, False, False, 6, b"\x0f\xa1done", 4001),
        ("out", "close", True, False, True, 6, b"\x0f\xa1done", 4001),
    ]
    assert rec.names()[-1] == "close"  # the close frames come before the 'close' event
    await server.stop()


async def test_a_message_in_three_fragments_shows_as_its_fragments() -> None:
    """Three frames written as they are on the wire: text, continuation, continuation."""

    async def handler(ws: ServerConnection) -> None:
        for opcode, data, fin in [
            (Opcode.TEXT, b"Hel", False),
            (Opcode.CONT, b"lo ", False),
            (Opcode.CONT, b"world", True),
        ]:
            ws.transport.write(WsFrame(opcode, data, fin).serialize(mask=False))
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression=None) as raw:
        port = raw.sockets[0].getsockname()[1]
        client = Client(host="127.0.0.1", port=port, number_of_retries=0, **PLAIN)
        seen = Frames(client)
        rec = Recorder(client, ["frame", "message"])
        await client.open()
        await rec.count("message", 1)
        assert rec.values("message") == ["Hello world"]
        assert rec.names() == ["frame", "frame", "frame", "message"]
        assert wire(seen.frames) == [
            ("in", "text", False, False, False, 3, b"Hel", None),
            ("in", "continuation", False, False, False, 3, b"lo ", None),
            ("in", "continuation", True, False, False, 5, b"world", None),
        ]
        await client.close()


async def test_websockets_fragments_compressed_show_rsv1_on_the_first_frame_only() -> None:
    """websockets' send(iterable) ends a fragmented message with an empty final frame."""

    async def handler(ws: ServerConnection) -> None:
        await ws.send(["Hel", "lo ", "world"])
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as raw:
        port = raw.sockets[0].getsockname()[1]
        client = Client(host="127.0.0.1", port=port, number_of_retries=0, **PLAIN)
        seen = Frames(client)
        rec = Recorder(client, ["frame", "message"])
        await client.open()
        await rec.count("message", 1)
        assert rec.values("message") == ["Hello world"]
        assert rec.names() == ["frame"] * 4 + ["message"]
        assert [(f.opcode, f.fin, f.rsv1, f.data) for f in seen.frames] == [
            ("text", False, True, b"Hel"),
            ("continuation", False, False, b"lo "),
            ("continuation", False, False, b"world"),
            ("continuation", True, False, b""),
        ]
        assert all(f.length > 0 for f in seen.frames)  # deflate output, even for b""
        await client.close()


async def test_a_ping_and_its_pong_both_appear_on_both_sides() -> None:
    server, client, sockets = await plain_pair(compression=None)
    seen = Frames(client)
    await client.open()
    rtt = await asyncio.wait_for(client.ping(), TIMEOUT)
    assert isinstance(rtt, float) and 0 < rtt < TIMEOUT
    await sockets[0].until("out", "pong")
    assert [(f.direction, f.opcode, f.masked, f.length) for f in seen.frames] == [
        ("out", "ping", True, 4),
        ("in", "pong", False, 4),
    ]
    assert seen.frames[0].data == seen.frames[1].data  # the pong echoes the ping's payload
    assert [(f.direction, f.opcode, f.data) for f in sockets[0].frames] == [
        ("in", "ping", seen.frames[0].data),
        ("out", "pong", seen.frames[0].data),  # websockets' automatic pong
    ]
    await client.close()
    await server.stop()


async def test_keepalive_pings_sent_by_websockets_itself_appear() -> None:
    server, client, sockets = await plain_pair(compression=None, ping_interval=50)
    seen = Frames(client)
    await client.open()
    await seen.until("in", "ping")
    await seen.until("out", "pong")
    await sockets[0].until("out", "ping")
    await sockets[0].until("in", "pong")
    await client.close()
    await server.stop()


async def test_compression_none_sends_plain_frames_and_deflate_compresses() -> None:
    message = "compressible " * 50
    for compression in (None, "deflate"):
        server, client, sockets = await plain_pair(compression=compression)
        seen = Frames(client)
        await client.open()
        client.send(message)
        assert await client.wait_for("message", timeout=TIMEOUT) == message.upper()
        out, back = seen.frames
        assert out.data == message.encode() and back.data == message.upper().encode()
        assert sockets[0].frames[0].data == message.encode()
        if compression is None:
            assert (out.rsv1, back.rsv1) == (False, False)
            assert (out.length, back.length) == (len(out.data), len(back.data))
            assert "Sec-WebSocket-Extensions" not in client.response_headers
        else:
            assert (out.rsv1, back.rsv1) == (True, True)
            assert out.length < len(out.data) and back.length < len(back.data)
            assert sockets[0].frames[0].length == out.length
        await client.close()
        await server.stop()


async def test_a_server_with_compression_none_refuses_deflate_to_a_raw_client() -> None:
    server = await loopback_server(compression=None, **PLAIN)
    received = Recorder(server, ["connection"])
    async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None) as ws:
        assert ws.response is not None
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        await received.count("connection", 1)
        socket: Socket = received.values("connection")[0]
        seen = Frames(socket)
        await ws.send("x" * 300)
        await seen.until("in", "text")
        assert (seen.frames[0].rsv1, seen.frames[0].length) == (False, 300)
    await server.stop()


async def test_frames_of_a_greeting_sent_right_after_the_handshake_are_not_missed() -> None:
    server = await loopback_server(**PLAIN)
    server.on("connection", lambda socket: socket.send("welcome"))
    client = client_for(server, **PLAIN)
    seen = Frames(client)
    rec = Recorder(client, ["open", "frame", "message"])
    await client.open()
    await rec.count("message", 1)
    assert rec.names() == ["open", "frame", "message"]
    assert [(f.direction, f.opcode, f.data) for f in seen.frames] == [("in", "text", b"welcome")]
    await client.close()
    await server.stop()


async def test_a_listener_added_when_open_sees_frames_and_after_off_none_come() -> None:
    server, client, _sockets = await plain_pair(compression=None)
    await client.open()
    client.send("one")
    assert await client.wait_for("message", timeout=TIMEOUT) == "ONE"
    seen = Frames(client)
    client.send("two")
    assert await client.wait_for("message", timeout=TIMEOUT) == "TWO"
    assert [(f.direction, f.data) for f in seen.frames] == [("out", b"two"), ("in", b"TWO")]
    client.off("frame", seen._add)
    client.send("three")
    assert await client.wait_for("message", timeout=TIMEOUT) == "THREE"
    client.send("four")
    assert await client.wait_for("message", timeout=TIMEOUT) == "FOUR"
    assert len(seen.frames) == 2
    once: list[Frame] = []
    client.once("frame", once.append)
    client.send("five")
    assert await client.wait_for("message", timeout=TIMEOUT) == "FIVE"
    assert [(f.direction, f.data) for f in once] == [("out", b"five")]
    await client.close()
    await server.stop()


async def test_a_frame_handler_may_send_and_the_order_on_the_wire_holds() -> None:
    """Handlers run outside websockets' serializer, so a send from one cannot interleave."""
    server = await loopback_server(receive_type="text/plain", send_type="text/plain")
    got = Recorder(server, ["connection"])
    client = client_for(server, receive_type="text/plain", send_type="text/plain")
    sent_by_handler: list[str] = []

    def on_frame(frame: Frame) -> None:
        if frame.direction == "out" and frame.opcode == "text" and frame.data == b"first":
            sent_by_handler.append("second")
            client.send("second")

    client.on("frame", on_frame)
    await client.open()
    await got.count("connection", 1)
    socket = got.values("connection")[0]
    messages = Recorder(socket, ["message"])
    client.send("first")
    client.send("third")
    await messages.count("message", 3)
    assert messages.values("message") == ["first", "third", "second"]
    assert sent_by_handler == ["second"]
    await client.close()
    await server.stop()


async def test_frame_repr_is_short_and_says_what_it_is() -> None:
    frame = Frame("in", "binary", True, False, False, 100, bytes(100), 1.0)
    assert repr(frame).startswith("Frame('in', 'binary', fin=True, rsv1=False, masked=False")
    assert len(repr(frame)) < 200
    with pytest.raises(AttributeError):
        frame.fin = False  # type: ignore[misc]


async def test_the_tap_joins_websockets_chain_only_while_someone_listens() -> None:
    """Pure tier: a FrameTap on a Sans-I/O protocol pair with permessage-deflate."""
    sender, receiver = Protocol(CLIENT), Protocol(SERVER)
    sender.extensions = [PerMessageDeflate(False, False, 15, 15)]
    receiver.extensions = [PerMessageDeflate(False, False, 15, 15)]
    negotiated = list(sender.extensions)
    owner: EventEmitter[str] = EventEmitter()
    tap = FrameTap(sender, owner)
    seen: list[Frame] = []
    owner.on("frame", seen.append)
    tap.install()
    tap.install()  # idempotent
    assert len(sender.extensions) == 3 and sender.extensions[1] is negotiated[0]
    sender.send_text(b"a" * 1000)
    on_the_wire = b"".join(sender.data_to_send())
    receiver.receive_data(on_the_wire)
    [message] = receiver.events_received()
    await asyncio.sleep(0)  # the tap emits from a call_soon callback
    [frame] = seen
    assert (frame.direction, frame.rsv1, frame.masked) == ("out", True, True)
    assert frame.data == message.data == b"a" * 1000
    assert frame.length == len(on_the_wire) - 6  # 2 header bytes, 4 of masking key
    owner.off("frame", seen.append)
    sender.send_ping(b"p")
    await asyncio.sleep(0)
    assert sender.extensions == negotiated  # left at the first frame nobody listened to
    assert len(seen) == 1


async def test_compression_accepts_deflate_none_or_a_dict_of_parameters() -> None:
    assert Client(compression=None).options["compression"] is None
    with pytest.raises(ValueError, match=r"'deflate' .* or None"):
        Client(compression="gzip")
    with pytest.raises(ValueError, match=r"'deflate' .* or None"):
        Server(compression=True)


async def test_refused_frames_and_the_close_that_answers_them() -> None:
    """Too big: refused while parsing, never reported. RSV2 set: parsed, then refused."""
    bad_frames = {
        "/big": WsFrame(Opcode.TEXT, b"x" * 20).serialize(mask=False),
        "/rsv2": b"\xa1\x02no",  # RSV2 set, which no extension negotiated
    }

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        ws.transport.write(WsFrame(Opcode.TEXT, b"ok").serialize(mask=False))
        ws.transport.write(bad_frames[ws.request.path])
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression=None) as raw:
        port = raw.sockets[0].getsockname()[1]
        seen: dict[str, list[tuple[Any, ...]]] = {}
        for path, code in (("/big", 1009), ("/rsv2", 1002)):
            client = Client(
                host="127.0.0.1",
                port=port,
                path=path,
                number_of_retries=0,
                max_message_size=10,
                **PLAIN,
            )
            frames = Frames(client)
            rec = Recorder(client, ["close", "error"])
            await client.open()
            await rec.count("close", 1)
            assert rec.args("close")[0][0] == code
            seen[path] = [(f.direction, f.opcode, f.data[:2], f.close_code) for f in frames.frames]
    assert seen["/big"] == [("in", "text", b"ok", None), ("out", "close", b"\x03\xf1", 1009)]
    assert seen["/rsv2"] == [
        ("in", "text", b"ok", None),
        ("in", "text", b"no", None),
        ("out", "close", b"\x03\xea", 1002),
    ]


async def test_a_frame_handler_that_raises_is_reported_and_the_connection_goes_on() -> None:
    server, client, _sockets = await plain_pair(compression=None)
    errors = Recorder(client, ["error"])

    def broken(_frame: Frame) -> None:
        raise RuntimeError("bad handler")

    client.on("frame", broken)
    await client.open()
    client.send("still")
    assert await client.wait_for("message", timeout=TIMEOUT) == "STILL"
    assert {type(e.__cause__) for e in errors.values("error")} == {RuntimeError}
    assert {e.event for e in errors.values("error")} == {"frame"}
    await client.close()
    await server.stop()
