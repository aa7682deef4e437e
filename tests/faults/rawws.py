"""A hand-made WebSocket client over a raw TCP stream, for peers that misbehave on purpose.

It writes exactly the bytes a test asks for (handshakes, masked frames, garbage) and parses
the server's frames itself, so a test can stall, lie or break the protocol at any byte.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import struct

from tests.helpers import TIMEOUT

TEXT, BINARY, CLOSE, PING = 0x1, 0x2, 0x8, 0x9


def handshake(port: int, path: str = "/", extra: str = "") -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    ).encode()


def frame(opcode: int, payload: bytes, fin: bool = True, mask: bool = True) -> bytes:
    """One frame as a client sends it (masked unless told otherwise)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 1 << 16:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def close_frame(code: int, reason: bytes = b"") -> bytes:
    return frame(CLOSE, struct.pack("!H", code) + reason)


class RawClient:
    """A TCP connection to 127.0.0.1:port; ``upgrade()`` performs a correct handshake."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.port = port

    @classmethod
    async def connect(cls, port: int) -> RawClient:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
        return cls(reader, writer, port)

    async def upgrade(self, path: str = "/", extra: str = "") -> bytes:
        """Send a valid upgrade request; return the response head (asserting 101)."""
        self.writer.write(handshake(self.port, path, extra))
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        assert head.startswith(b"HTTP/1.1 101"), head
        return head

    async def response_head(self) -> bytes:
        return await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), TIMEOUT)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def read_frame(self, timeout: float = TIMEOUT) -> tuple[int, bytes]:
        """The next frame from the server (unmasked): (opcode, payload)."""

        async def read() -> tuple[int, bytes]:
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            return b0 & 0x0F, await self.reader.readexactly(n)

        return await asyncio.wait_for(read(), timeout)

    async def read_close(self) -> tuple[int, bytes]:
        """Skip data frames until the close frame; return its (code, reason)."""
        for _ in range(10_000):
            opcode, payload = await self.read_frame()
            if opcode == CLOSE:
                return struct.unpack("!H", payload[:2])[0], payload[2:]
        raise AssertionError("no close frame within 10,000 frames")

    async def at_eof(self, timeout: float = TIMEOUT) -> bool:
        """True once the server closed the TCP connection (remaining bytes are discarded)."""

        async def drain() -> None:
            while await self.reader.read(65536):
                pass

        with contextlib.suppress(ConnectionResetError):
            await asyncio.wait_for(drain(), timeout)
        return True

    async def aclose(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, TimeoutError):
            await asyncio.wait_for(self.writer.wait_closed(), TIMEOUT)
