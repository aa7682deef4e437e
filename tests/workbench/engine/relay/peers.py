"""The two ends of a relayed connection in a test: a recording upstream ``core.Server`` and
``core.Client``s aimed at a started ``Relay`` (all on 127.0.0.1, free ports, frames as they are).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

from PIL import Image

from core import Client, Server, Socket
from tests.helpers import TIMEOUT, Recorder
from workbench.engine.relay.relay import Relay
from workbench.engine.relay.rules import RuleSet
from workbench.engine.relay.settings import relay_settings

RAW = {"receive_type": "*/*", "send_type": "*/*"}


class Upstream:
    """A core Server that records every socket (with a Recorder of its events); ``reply``
    (if given) answers each message it receives."""

    def __init__(self, reply: Callable[[Socket, Any], None] | None = None, **options: Any) -> None:
        options = {"host_interface": "127.0.0.1", "port": 0, **RAW, **options}
        self.server = Server(**options)
        self.sockets: list[tuple[Socket, Recorder]] = []
        self.connected = asyncio.Event()

        def joined(socket: Socket) -> None:
            self.sockets.append((socket, Recorder(socket, ["message", "close", "error"])))
            if reply is not None:
                socket.on("message", lambda value: reply(socket, value))
            self.connected.set()

        self.server.on("connection", joined)

    def url(self, path: str = "/", scheme: str = "ws") -> str:
        return f"{scheme}://127.0.0.1:{self.server.port}{path}"

    async def socket(self, index: int = 0) -> tuple[Socket, Recorder]:
        """The ``index``-th socket, once it is there."""

        async def arrived() -> None:
            while len(self.sockets) <= index:
                self.connected.clear()
                await self.connected.wait()

        await asyncio.wait_for(arrived(), TIMEOUT)
        return self.sockets[index]


def echo(socket: Socket, value: Any) -> None:
    socket.send(value)


@contextlib.asynccontextmanager
async def upstream_server(
    reply: Callable[[Socket, Any], None] | None = echo, **options: Any
) -> AsyncIterator[Upstream]:
    upstream = Upstream(reply, **options)
    await asyncio.wait_for(upstream.server.start(), TIMEOUT)
    try:
        yield upstream
    finally:
        await asyncio.wait_for(upstream.server.stop(), 3 * TIMEOUT)


@contextlib.asynccontextmanager
async def relay_to(
    url: str,
    rules: RuleSet | None = None,
    listen: dict[str, Any] | None = None,
    upstream: dict[str, Any] | None = None,
    message_rows: bool = True,
    **settings: Any,
) -> AsyncIterator[Relay]:
    """A started relay on 127.0.0.1 (a free port) to ``url``; stopped at the end."""
    relay = Relay(
        relay_settings(
            url,
            {"host_interface": "127.0.0.1", "port": 0, **(listen or {})},
            upstream,
            **settings,
        ),
        rules,
        message_rows=message_rows,
    )
    await asyncio.wait_for(relay.start(), TIMEOUT)
    try:
        yield relay
    finally:
        await asyncio.wait_for(relay.stop(), 3 * TIMEOUT)


def client_of(relay: Relay, path: str = "/", scheme: str = "ws", **options: Any) -> Client:
    """A Client to ``relay`` that keeps frames as they are and gives up at once."""
    return Client(
        f"{scheme}://127.0.0.1:{relay.port}{path}", **{**RAW, "number_of_retries": 0, **options}
    )


def png(width: int = 64, height: int = 48) -> bytes:
    """A PNG with varied pixels (so compression cannot hide a changed byte)."""
    image = Image.new("RGB", (width, height))
    image.putdata(
        [
            ((x * 7) % 256, (y * 13) % 256, (x * y) % 256)
            for y in range(height)
            for x in range(width)
        ]
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
