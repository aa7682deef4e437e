"""Image messages decode under a pixel cap, off the event loop when large (issue 17, A4).

Before: a 347 KB PNG became 357 MB and held the loop about a second per message for a Server
with receive type ``image/png`` (only Pillow's own decompression-bomb limit, 89 megapixels,
applied). Now ``max_image_pixels`` (default 4096 x 4096) refuses a larger image from its
header, delivering it raw with a ``DecodeError``, and an image of a megapixel or more is
decoded on a worker thread while the loop goes on.
"""

from __future__ import annotations

import asyncio
import io
import threading

import pytest
from PIL import Image

import core._image_codec
from core import DecodeError, mime
from tests.faults.rawws import BINARY, RawClient, frame
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server


def png(width: int, height: int, mode: str = "1") -> bytes:
    """A PNG of one colour: tiny on the wire whatever its size in pixels."""
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


async def image_socket(**options: object) -> tuple[object, RawClient, Recorder]:
    server = await loopback_server(receive_type="image/png", ping_interval=None, **options)
    sockets = Recorder(server, ["connection"])
    peer = await RawClient.connect(server.port)
    await peer.upgrade()
    await sockets.count("connection", 1)
    events = Recorder(sockets.values("connection")[0], ["message", "error"])
    return server, peer, events


@pytest.mark.asyncio
async def test_an_image_over_the_default_cap_is_delivered_raw_with_a_decode_error() -> None:
    server, peer, events = await image_socket()
    bomb = png(5000, 5000)  # 25 megapixels in a few KB
    assert len(bomb) < 64 * 1024
    peer.send(frame(BINARY, bomb))
    await events.count("error", 1)
    assert events.values("message") == [bomb]  # raw bytes
    error = events.values("error")[0]
    assert isinstance(error, DecodeError) and error.mime_type == "image/png"
    assert "5000 x 5000 = 25,000,000 pixels, more than max_image_pixels (16,777,216)" in error.why
    # A normal image still decodes on the same connection.
    peer.send(frame(BINARY, png(64, 32, "RGB")))
    await events.count("message", 2)
    assert events.values("message")[1].size == (64, 32)
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_the_cap_is_an_option() -> None:
    server, peer, events = await image_socket(max_image_pixels=100)
    peer.send(frame(BINARY, png(20, 20)))
    peer.send(frame(BINARY, png(10, 10)))
    await events.count("message", 2)
    first, second = events.values("message")
    assert isinstance(first, bytes) and isinstance(events.values("error")[0], DecodeError)
    assert second.size == (10, 10)
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_a_large_image_is_decoded_on_a_worker_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded_on: list[str] = []
    decode = core._image_codec.decode

    def recording_decode(data: bytes, max_pixels: int | None = None) -> Image.Image:
        decoded_on.append(threading.current_thread().name)
        return decode(data, max_pixels)

    monkeypatch.setattr(core._image_codec, "decode", recording_decode)
    server, peer, events = await image_socket()
    peer.send(frame(BINARY, png(16, 16)))  # small: on the loop, no thread to wait for
    peer.send(frame(BINARY, png(2000, 1000)))  # 2 megapixels: on a worker thread
    await events.count("message", 2)
    assert [image.size for image in events.values("message")] == [(16, 16), (2000, 1000)]
    main = threading.main_thread().name
    assert decoded_on[0] == main and decoded_on[1] != main
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_a_client_caps_the_images_a_server_sends() -> None:
    server = await loopback_server(send_type="image/png", ping_interval=None)
    server.on("connection", lambda socket: socket.send(png(300, 300)))
    client = client_for(server, receive_type="image/png", max_image_pixels=50_000)
    events = Recorder(client, ["message", "error"])
    await asyncio.wait_for(client.open(), TIMEOUT)
    await events.count("error", 1)
    assert isinstance(events.values("message")[0], bytes)
    assert "max_image_pixels (50,000)" in events.values("error")[0].why
    await client.close()
    await asyncio.wait_for(server.stop(), TIMEOUT)


def test_mime_decode_takes_the_cap_too() -> None:
    with pytest.raises(DecodeError, match="more than max_image_pixels"):
        mime.decode("image/png", png(100, 100), max_image_pixels=9_999)
    assert mime.decode("image/png", png(100, 100), max_image_pixels=0).size == (100, 100)
