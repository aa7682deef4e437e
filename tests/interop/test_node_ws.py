"""Node's `ws` package against core: as a client of our Server, and as a server for our Client."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from PIL import Image

from core import Client
from tests.helpers import TIMEOUT, Recorder
from tests.interop import cases
from tests.interop.peers import (
    NODE_DIR,
    PROCESS_TIMEOUT,
    last_json_line,
    node_or_skip,
    pattern,
    run,
    sha256,
)

pytestmark = pytest.mark.asyncio


async def play(scenario: dict) -> dict:
    node = node_or_skip("ws")
    rc, out, err = await run(node, str(NODE_DIR / "ws_client.js"), json.dumps(scenario))
    assert rc == 0, err
    return last_json_line(out)


async def test_ws_client_sends_json_text_to_our_server() -> None:
    side = await cases.json_server()
    try:
        result = await play(cases.json_scenario(side))
        await cases.check_json(side, result)
    finally:
        await side.server.stop()


async def test_ws_client_sends_binary_up_to_1_mib_to_our_server() -> None:
    side = await cases.binary_server()
    try:
        result = await play(cases.binary_scenario(side))
        await cases.check_binary(side, result)
    finally:
        await side.server.stop()


class NodeServer:
    """ws_server.js as a child process: an echo server that reports every event as JSON."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.events: list[dict] = []

    @classmethod
    async def start(cls) -> NodeServer:
        node = node_or_skip("ws")
        process = await asyncio.create_subprocess_exec(
            node,
            str(NODE_DIR / "ws_server.js"),
            cwd=NODE_DIR,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert process.stdout is not None
        first = json.loads(await asyncio.wait_for(process.stdout.readline(), PROCESS_TIMEOUT))
        return cls(process, first["port"])

    async def finish(self) -> list[dict]:
        """All events the server printed; it exits after its connection closes."""
        assert self.process.stdout is not None
        try:
            out = await asyncio.wait_for(self.process.stdout.read(), TIMEOUT)
            await asyncio.wait_for(self.process.wait(), TIMEOUT)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        return [json.loads(line) for line in out.decode().splitlines() if line]


async def test_our_client_json_to_ws_server_and_normal_close() -> None:
    peer = await NodeServer.start()
    client = Client(host="127.0.0.1", port=peer.port, number_of_retries=0, path="/json?x=1")
    rec = Recorder(client, ["open", "message", "close", "error"])
    values = [{"a": [1, 2, 3], "s": "\u00fc\u2713"}, "plain string", 42]
    for value in values:
        client.send(value)  # queued before open, sent in order once open
    await client.open()
    await rec.count("message", 3)
    await client.close()
    events = await peer.finish()
    encoded = [json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode() for v in values]
    assert events == [
        {"connection": "/json?x=1", "origin": None},
        *({"message": "text", "len": len(e), "sha256": sha256(e)} for e in encoded),
        {"close": 1000, "reason": ""},
    ]
    assert rec.events == [("open", ()), *(("message", (v,)) for v in values), ("close", (1000, ""))]


async def test_our_client_binary_and_image_to_ws_server() -> None:
    peer = await NodeServer.start()
    client = Client(
        host="127.0.0.1",
        port=peer.port,
        number_of_retries=0,
        send_type="image/png",
        receive_type="image/png",
        max_message_size=4 * cases.MiB,
    )
    rec = Recorder(client, ["open", "message", "close", "error"])
    await client.open()
    image = Image.new("RGBA", (33, 17), (10, 20, 30, 255))
    image.putpixel((5, 6), (250, 0, 1, 128))
    await client.send(image)
    raw = pattern(3 * cases.MiB, 3)  # already-encoded bytes go out as they are
    await client.send(raw)
    await rec.count("message", 2)
    await client.close()
    events = await peer.finish()
    png = io.BytesIO()
    image.save(png, format="PNG")
    assert events[1]["message"] == "binary" and events[1]["sha256"] == sha256(png.getvalue())
    assert events[2] == {"message": "binary", "len": len(raw), "sha256": sha256(raw)}
    assert events[3] == {"close": 1000, "reason": ""}
    got, not_an_image = rec.values("message")
    assert isinstance(got, Image.Image) and got.size == (33, 17) and got.mode == "RGBA"
    assert got.getpixel((5, 6)) == (250, 0, 1, 128) and got.getpixel((0, 0)) == (10, 20, 30, 255)
    # The 3 MiB of non-image bytes came back raw, with a DecodeError on 'error'.
    assert not_an_image == raw
    assert rec.names() == ["open", "message", "message", "error", "close"]
    assert rec.values("error")[0].raw == raw


async def test_ws_server_closing_with_a_code_reaches_our_client() -> None:
    peer = await NodeServer.start()
    client = Client(host="127.0.0.1", port=peer.port, number_of_retries=0, send_type="text/plain")
    rec = Recorder(client, ["open", "message", "close", "error"])
    await client.open()
    client.send("close 4001 bye")
    await rec.count("close", 1)
    events = await peer.finish()
    assert rec.events == [("open", ()), ("close", (4001, "bye"))]
    assert events[-1] == {"close": 4001, "reason": "bye"}
    assert not client.is_open()
