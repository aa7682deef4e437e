"""Loopback servers for the scenario tests, on ``core.Server`` (127.0.0.1, a free port).

``echo``: every message back as it came (text stays text, binary stays binary).
``chat``: a room. ``{"type": "hello", "user": u}`` is answered with a heartbeat (noise an
``expect`` must skip) and ``{"type": "welcome", "user": u, "session": "s-N"}``;
``{"type": "say", "session": s, "text": t}`` from the right session goes to everyone else as
``{"type": "said", "user": u, "text": t}`` and is acknowledged with the text frame
``ack N``; ``{"type": "bytes"}`` is answered with the binary frame ``00 01 02 ff``. When the
socket that said hello leaves, the room closes every other one with 4001 "room closed".
``broken=True`` makes the chat say ``{"type": "sad"}`` instead of ``said``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from core import Server, Socket
from tests.helpers import TIMEOUT


@contextlib.asynccontextmanager
async def echo_server() -> AsyncIterator[Server]:
    server = Server(host_interface="127.0.0.1", port=0, send_type="*/*", receive_type="*/*")
    server.on("connection", lambda socket: socket.on("message", socket.send))
    await asyncio.wait_for(server.start(), TIMEOUT)
    try:
        yield server
    finally:
        await asyncio.wait_for(server.stop(), TIMEOUT)


class Chat:
    def __init__(self, broken: bool = False) -> None:
        self.broken = broken
        self.room: list[Socket] = []
        self.sessions: dict[Socket, tuple[str, str]] = {}
        self.acks = 0
        self.connections = 0

    def join(self, socket: Socket) -> None:
        self.connections += 1
        self.room.append(socket)
        socket.on("message", lambda message: self.said(socket, message))
        socket.on("close", lambda code, reason: self.left(socket))

    def said(self, socket: Socket, message: Any) -> None:
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind == "hello":
            session = f"s-{len(self.sessions) + 1}"
            self.sessions[socket] = (session, str(message.get("user")))
            send(socket, {"type": "heartbeat"})
            send(socket, {"type": "welcome", "user": message.get("user"), "session": session})
        elif kind == "say" and socket in self.sessions:
            session, user = self.sessions[socket]
            if message.get("session") != session:
                send(socket, {"type": "error", "why": "wrong session"})
                return
            said = {
                "type": "sad" if self.broken else "said",
                "user": user,
                "text": message.get("text"),
            }
            for other in self.room:
                if other is not socket and other.is_open():
                    send(other, said)
            self.acks += 1
            socket.send(f"ack {self.acks}")
        elif kind == "bytes":
            socket.send(bytes([0, 1, 2, 255]))

    def left(self, socket: Socket) -> None:
        self.room.remove(socket)
        if socket in self.sessions:
            for other in self.room:
                if other.is_open():
                    other.close(4001, "room closed")


def send(socket: Socket, value: Any) -> None:
    socket.send(json.dumps(value, separators=(",", ":")))


@contextlib.asynccontextmanager
async def chat_server(broken: bool = False) -> AsyncIterator[tuple[Server, Chat]]:
    chat = Chat(broken)
    server = Server(host_interface="127.0.0.1", port=0, send_type="*/*")
    server.on("connection", chat.join)
    await asyncio.wait_for(server.start(), TIMEOUT)
    try:
        yield server, chat
    finally:
        await asyncio.wait_for(server.stop(), TIMEOUT)


@contextlib.asynccontextmanager
async def tcp_listener() -> AsyncIterator[tuple[int, list[object]]]:
    """A bare TCP listener on 127.0.0.1 that counts every connection made to it: a scenario
    that must connect to nothing points at it, and the test checks the count stays 0."""
    accepted: list[object] = []

    def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer.get_extra_info("peername"))
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, accepted
    finally:
        server.close()
        await server.wait_closed()
