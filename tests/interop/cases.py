"""The exchanges every client peer plays against our Server, with their exact expected outcome.

Each case starts a ``Server`` on 127.0.0.1 that records what it receives (after MIME
conversion), replies, and records the close. The peer sends the case's steps, waits for the
replies, then closes with 4000 "done". ``check`` asserts both sides saw exactly what was meant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core import Server, Socket
from tests.helpers import Recorder, loopback_server
from tests.interop.peers import pattern, sha256

MiB = 1024 * 1024
CLOSE = [4000, "done"]


@dataclass
class ServerSide:
    """A Server recording, per connection: converted messages, errors and the close."""

    server: Server
    connections: Recorder
    sockets: list[tuple[Socket, Recorder]] = field(default_factory=list)

    @classmethod
    async def start(cls, reply: Any, **options: Any) -> ServerSide:
        server = await loopback_server(**options)
        side = cls(server, Recorder(server, ["connection", "error"]))

        def on_connection(socket: Socket) -> None:
            side.sockets.append((socket, Recorder(socket, ["message", "close", "error"])))
            socket.on("message", lambda value: socket.send(reply(value)))

        server.on("connection", on_connection)
        return side

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/"

    async def closed(self) -> Recorder:
        """The one connection's record, once its 'close' was emitted."""
        await self.connections.count("connection", 1)
        assert len(self.sockets) == 1
        record = self.sockets[0][1]
        await record.count("close", 1)
        return record


JSON_SENT = ['{"n":1,"s":"h\u00e9llo \u2713"}', '[1,2.5,null,true,{"nested":[]}]']
JSON_VALUES = [{"n": 1, "s": "h\u00e9llo \u2713"}, [1, 2.5, None, True, {"nested": []}]]


async def json_server() -> ServerSide:
    """receive/send application/json: a text frame becomes a dict/list, the reply is JSON text."""
    return await ServerSide.start(lambda value: {"got": value}, receive_type="application/json")


def json_scenario(side: ServerSide) -> dict[str, Any]:
    return {"url": side.url, "steps": [{"text": t} for t in JSON_SENT], "expect": 2, "close": CLOSE}


async def check_json(side: ServerSide, result: dict[str, Any]) -> None:
    record = await side.closed()
    assert record.values("message") == JSON_VALUES  # converted on our side, in order
    assert all(
        type(v) is type(e) for v, e in zip(record.values("message"), JSON_VALUES, strict=True)
    )
    assert record.args("close") == [tuple(CLOSE)]
    assert record.args("error") == []
    assert result["opened"] is True and result["errors"] == 0
    assert [m["kind"] for m in result["received"]] == ["text", "text"]
    assert [json.loads(m["text"]) for m in result["received"]] == [{"got": v} for v in JSON_VALUES]
    assert result["close"] == {"code": 4000, "reason": "done", "wasClean": True}


BINARY_STEPS = [(256, 1), (MiB, 7)]  # 1 MiB is exactly the default max_message_size: accepted


async def binary_server() -> ServerSide:
    """application/octet-stream both ways: bytes in, the same bytes reversed back."""
    return await ServerSide.start(
        lambda value: value[::-1],
        receive_type="application/octet-stream",
        send_type="application/octet-stream",
    )


def binary_scenario(side: ServerSide) -> dict[str, Any]:
    steps = [{"binary": size, "seed": seed} for size, seed in BINARY_STEPS]
    return {"url": side.url, "steps": steps, "expect": 2, "close": CLOSE, "timeoutMs": 20000}


async def check_binary(side: ServerSide, result: dict[str, Any]) -> None:
    record = await side.closed()
    expected = [pattern(size, seed) for size, seed in BINARY_STEPS]
    got = record.values("message")
    assert [type(v) for v in got] == [bytes, bytes]
    assert [len(v) for v in got] == [256, MiB]
    assert got == expected
    assert record.args("close") == [tuple(CLOSE)]
    assert record.args("error") == []
    assert result["opened"] is True and result["errors"] == 0
    assert result["received"] == [
        {"kind": "binary", "len": len(data), "sha256": sha256(data[::-1])} for data in expected
    ]
    assert result["close"] == {"code": 4000, "reason": "done", "wasClean": True}
