"""Headless Chromium (Debian's, driven by playwright-core) as a client of our Server.

The scenario runs inside a page served from http://127.0.0.1:<port>, so the browser sends that
Origin; a second page server on another port is another origin, which the allow-list refuses.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.interop import cases
from tests.interop.peers import NODE_DIR, chromium_or_skip, last_json_line, node_or_skip, run

pytestmark = pytest.mark.asyncio

PAGE = b"<!doctype html><html><head><title>interop</title></head><body>interop</body></html>"


@asynccontextmanager
async def page_server() -> AsyncIterator[str]:
    """A minimal HTTP server on 127.0.0.1 giving a blank page for any GET; yields its origin."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n%s" % (len(PAGE), PAGE)
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


async def in_browser(origin: str, scenario: dict) -> dict:
    chromium = chromium_or_skip()
    node = node_or_skip("playwright-core")
    rc, out, err = await run(
        node, str(NODE_DIR / "browser.js"), chromium, origin + "/", json.dumps(scenario)
    )
    assert rc == 0, err[-2000:]
    return last_json_line(out)


async def test_browser_sends_json_text_to_our_server() -> None:
    side = await cases.json_server()
    try:
        async with page_server() as origin:
            outcome = await in_browser(origin, cases.json_scenario(side))
        await cases.check_json(side, outcome["result"])
        socket = side.sockets[0][0]
        assert socket.request_headers["Origin"] == origin
    finally:
        await side.server.stop()


async def test_browser_sends_binary_up_to_1_mib_to_our_server() -> None:
    side = await cases.binary_server()
    try:
        async with page_server() as origin:
            outcome = await in_browser(origin, cases.binary_scenario(side))
        await cases.check_binary(side, outcome["result"])
    finally:
        await side.server.stop()


async def test_origin_allow_list_admits_its_page_and_refuses_another_origin_with_403(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with page_server() as allowed, page_server() as other:
        side = await cases.ServerSide.start(lambda value: {"got": value}, allowed_origins=[allowed])
        try:
            with caplog.at_level(logging.INFO, logger="websockets.server"):
                refused = await in_browser(other, cases.json_scenario(side))
            # The other origin's page never opened a socket: our side saw no connection,
            # answered HTTP 403, and the browser reported exactly that.
            assert side.connections.events == []
            assert refused["origin"] == other
            assert refused["result"]["opened"] is False
            assert refused["result"]["received"] == []
            assert refused["result"]["close"] == {"code": 1006, "reason": "", "wasClean": False}
            assert refused["result"]["errors"] == 1
            assert any("403" in message for message in refused["socketErrors"]), refused
            assert any(
                "403" in r.getMessage() for r in caplog.records if r.name == "websockets.server"
            )
            admitted = await in_browser(allowed, cases.json_scenario(side))
            await cases.check_json(side, admitted["result"])
            assert side.sockets[0][0].request_headers["Origin"] == allowed
        finally:
            await side.server.stop()
