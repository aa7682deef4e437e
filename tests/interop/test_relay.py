"""Real peers on both ends of the relay: our Client → relay → Node's `ws` server, and headless
Chromium → relay → Node's `ws` server (the page's WebSocket, the browser's own handshake).

ws_server.js echoes every message with its own frame type, closes when told ``close <code>
<reason>`` and prints one JSON line per event, with each message's length and SHA-256.
"""

from __future__ import annotations

import asyncio

import pytest

from core import Client
from tests.helpers import TIMEOUT, Recorder
from tests.interop import cases
from tests.interop.peers import pattern, sha256
from tests.interop.test_browser import in_browser, page_server
from tests.interop.test_node_ws import NodeServer
from tests.workbench.engine.relay.peers import RAW, png, relay_to

pytestmark = pytest.mark.asyncio


def kind(payload: str | bytes) -> str:
    return "text" if isinstance(payload, str) else "binary"


def raw(payload: str | bytes) -> bytes:
    return payload.encode() if isinstance(payload, str) else payload


async def test_our_client_through_the_relay_to_node_ws_byte_for_byte_and_close_4000() -> None:
    peer = await NodeServer.start()
    payloads: list[str | bytes] = [
        '{"n":1,"s":"h\u00e9llo \u2713"}',
        "plain text \U0001f600",
        pattern(300_000, 5),
        png(),
    ]
    async with relay_to(f"ws://127.0.0.1:{peer.port}/ws") as relay:
        client = Client(f"ws://127.0.0.1:{relay.port}/room?id=3", **RAW, number_of_retries=0)
        received = Recorder(client, ["message", "close"])
        await client.open()
        for payload in payloads:
            client.send(payload)
        await received.count("message", len(payloads))
        assert received.values("message") == payloads  # echoed through both legs
        await client.close(4000, "done via relay")
        await received.count("close", 1)
        events = await peer.finish()
    assert events == [
        {"connection": "/ws/room?id=3", "origin": None},
        *({"message": kind(p), "len": len(raw(p)), "sha256": sha256(raw(p))} for p in payloads),
        {"close": 4000, "reason": "done via relay"},
    ]
    assert received.args("close") == [(4000, "done via relay")]


async def test_node_ws_closing_with_4001_reaches_our_client_through_the_relay() -> None:
    peer = await NodeServer.start()
    async with relay_to(f"ws://127.0.0.1:{peer.port}/") as relay:
        client = Client(f"ws://127.0.0.1:{relay.port}/", **RAW, number_of_retries=0)
        closed = Recorder(client, ["close"])
        await client.open()
        client.send("close 4001 room closed")
        await closed.count("close", 1)
        events = await peer.finish()
    assert closed.args("close") == [(4001, "room closed")]
    assert events[-1] == {"close": 4001, "reason": "room closed"}


async def test_chromium_through_the_relay_to_node_ws() -> None:
    peer = await NodeServer.start()
    steps = [(256, 1), (cases.MiB - 1, 7)]
    async with relay_to(
        f"ws://127.0.0.1:{peer.port}/", listen={"max_message_size": 2 * cases.MiB}
    ) as relay:
        async with page_server() as origin:
            scenario = {
                "url": f"ws://127.0.0.1:{relay.port}/browser",
                "steps": [
                    {"text": cases.JSON_SENT[0]},
                    *({"binary": size, "seed": seed} for size, seed in steps),
                ],
                "expect": 3,
                "close": [4000, "browser done"],
                "timeoutMs": 20000,
            }
            outcome = await in_browser(origin, scenario)
        events = await asyncio.wait_for(peer.finish(), TIMEOUT)
        [connection] = relay.connections.values()
        await asyncio.wait_for(connection.wait_closed(), TIMEOUT)
        client_headers = connection.client.request_headers
    result = outcome["result"]
    blobs = [pattern(size, seed) for size, seed in steps]
    assert result["opened"] is True and result["errors"] == 0
    assert result["received"] == [
        {"kind": "text", "len": len(cases.JSON_SENT[0]), "text": cases.JSON_SENT[0]},
        *({"kind": "binary", "len": len(b), "sha256": sha256(b)} for b in blobs),
    ]
    assert result["close"] == {"code": 4000, "reason": "browser done", "wasClean": True}
    sent = cases.JSON_SENT[0].encode()
    assert events == [
        {"connection": "/browser", "origin": origin},  # the page's Origin passed through
        {"message": "text", "len": len(sent), "sha256": sha256(sent)},
        *({"message": "binary", "len": len(b), "sha256": sha256(b)} for b in blobs),
        {"close": 4000, "reason": "browser done"},
    ]
    assert client_headers is not None and "Chrome" in client_headers["User-Agent"]
