"""The upstream's 101 headers reach the client (Set-Cookie first of all), less those each leg
negotiates itself; both legs' handshakes show them, and exports redact the cookies."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from core import HandshakeRequest
from tests.helpers import TIMEOUT
from workbench.engine.log.jsonl import write_jsonl
from workbench.engine.log.store import HANDSHAKE
from workbench.engine.relay.handles import RelayedRecord

from .peers import client_of, relay_to, upstream_server

pytestmark = pytest.mark.asyncio

COOKIES = ["session=s3cr3t; HttpOnly; Path=/", "theme=dark"]


def upstream_headers(request: HandshakeRequest) -> list[tuple[str, str]]:
    return [
        *(("Set-Cookie", cookie) for cookie in COOKIES),
        ("X-Upstream", request.path),
        ("Server", "upstream/1.0"),
    ]


async def test_the_upstreams_101_headers_reach_the_client_and_show_on_both_legs() -> None:
    async with (
        upstream_server(response_headers=upstream_headers, compression=None) as upstream,
        # header edits are for the request only: stripping Set-Cookie leaves the response be
        relay_to(upstream.url("/up"), strip_headers=["Set-Cookie"]) as relay,
    ):
        client = client_of(relay, "/in", subprotocols=["chat"])
        await client.open()
        headers = client.response_headers
        assert headers is not None
        assert headers.get_all("Set-Cookie") == COOKIES
        assert headers["X-Upstream"] == "/up/in"
        # each leg's own: the relay's server, its compression, one Upgrade and one Accept
        assert "upstream/1.0" not in headers.get_all("Server")
        assert "permessage-deflate" in headers["Sec-WebSocket-Extensions"]
        assert len(headers.get_all("Upgrade")) == len(headers.get_all("Sec-WebSocket-Accept")) == 1
        assert "Sec-WebSocket-Protocol" not in headers  # the upstream picked none

        [connection] = relay.connections.values()
        client_side, upstream_side = RelayedRecord("r1", "relay", connection, relay).handshakes()
        for record in (client_side, upstream_side):
            cookies = [value for name, value in record.response_headers if name == "Set-Cookie"]
            assert cookies == COOKIES
        assert client_side.response_header("Server") != "upstream/1.0"
        assert upstream_side.response_header("Server") == "upstream/1.0"

        rows = [row for row in connection.log.rows() if row[2] == HANDSHAKE]
        assert [row[6].split(":")[0] for row in rows] == [
            "#1 client ↔ relay",
            "#1 relay ↔ upstream",
        ]
        for row in rows:
            assert "\nSet-Cookie: session=s3cr3t; HttpOnly; Path=/\n" in row[6]
        exported = io.StringIO()
        write_jsonl(connection.log, exported)
        handshakes = [
            record["detail"]
            for record in map(json.loads, exported.getvalue().splitlines()[1:])
            if record["kind"] == HANDSHAKE
        ]
        assert len(handshakes) == 2
        for detail in handshakes:
            assert detail.count("Set-Cookie: [redacted]") == 2 and "s3cr3t" not in detail
        await client.close()
        await asyncio.wait_for(connection.wait_closed(), TIMEOUT)
