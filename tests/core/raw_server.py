"""A hand-made WebSocket server over raw TCP, for peers that misbehave on purpose.

It answers the opening handshake only when its ``gate`` is open, and after that does only
what a test tells it: it never answers a close frame, never reads, or sends raw frames.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct

from tests.helpers import TIMEOUT

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_response(request: bytes) -> bytes:
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    return (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


def server_frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked frame, as a server sends it (payload < 126 bytes)."""
    assert len(payload) < 126
    return bytes([0x80 | opcode, len(payload)]) + payload


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


class RawServer:
    """Accepts TCP on 127.0.0.1; each connection waits for ``gate`` before answering 101."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.requested = asyncio.Event()  # a handshake request arrived
        self.upgraded = asyncio.Event()  # a 101 was sent
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.append((reader, writer))
        try:
            request = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        self.requested.set()
        await self.gate.wait()
        if writer.is_closing() or reader.at_eof():
            return
        writer.write(accept_response(request))
        self.upgraded.set()

    async def eof(self, index: int = 0, timeout: float = TIMEOUT) -> bytes:
        """Everything connection ``index`` still sends, until the client closes it."""
        reader, _writer = self.connections[index]

        async def drain() -> bytes:
            data = b""
            for _ in range(100_000):
                chunk = await reader.read(65536)
                if not chunk:
                    return data
                data += chunk
            raise AssertionError("the peer never stopped sending")

        try:
            return await asyncio.wait_for(drain(), timeout)
        except ConnectionResetError:
            return b""

    def write(self, data: bytes, index: int = 0) -> None:
        self.connections[index][1].write(data)

    async def aclose(self) -> None:
        assert self._server is not None
        for _reader, writer in self.connections:
            writer.transport.abort()
        self._server.close()
        await asyncio.wait_for(self._server.wait_closed(), TIMEOUT)
