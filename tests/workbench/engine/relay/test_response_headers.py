"""The upstream's 101 headers reach the client (Set-Cookie first of all), less those each leg
negotiates itself; both legs' handshakes show them, and exports redact the cookies. So do a
refusal's: every header of a repeated name, in order."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from core import ConnectError, HandshakeRequest
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


REFUSAL_HEADERS = [
    ("WWW-Authenticate", 'Bearer realm="chat"'),
    ("Set-Cookie", "session=s3cr3t; HttpOnly"),
    ("WWW-Authenticate", 'Basic realm="chat"'),
    ("Set-Cookie", "theme=dark"),
]


async def test_a_refusals_repeated_headers_all_reach_the_client_and_are_redacted_in_exports() -> (
    None
):
    def refuse(connection: ServerConnection, request: Request) -> Response:
        response = connection.respond(401, "token please")
        for name, value in REFUSAL_HEADERS:
            response.headers[name] = value  # websockets' Headers add a value
        return response

    async def never(connection: ServerConnection) -> None:
        raise AssertionError("the upstream refuses every handshake")

    # websockets itself as the upstream: a real server that sends repeated headers
    async with (
        serve(never, "127.0.0.1", 0, process_request=refuse) as upstream,
        relay_to(f"ws://127.0.0.1:{upstream.sockets[0].getsockname()[1]}/") as relay,
    ):
        with pytest.raises(ConnectError) as caught:
            await client_of(relay, "/room").open()
        headers = caught.value.response_headers
        assert caught.value.status == 401 and headers is not None
        assert headers.get_all("WWW-Authenticate") == ['Bearer realm="chat"', 'Basic realm="chat"']
        assert headers.get_all("Set-Cookie") == ["session=s3cr3t; HttpOnly", "theme=dark"]

        [row] = [row for row in relay.log.rows() if row[2] == HANDSHAKE]
        response = row[6].split("\n\n")[1].splitlines()
        assert response[0] == "HTTP 401 (response headers)"
        assert [line for line in response if not line.startswith("Content-Type")][1:] == [
            f"{name}: {value}" for name, value in REFUSAL_HEADERS
        ]
        exported = io.StringIO()
        write_jsonl(relay.log, exported)
        [detail] = [
            record["detail"]
            for record in map(json.loads, exported.getvalue().splitlines()[1:])
            if record["kind"] == HANDSHAKE
        ]
        assert detail.count("Set-Cookie: [redacted]") == 2 and "s3cr3t" not in detail
        assert detail.endswith(
            'WWW-Authenticate: Bearer realm="chat"\nSet-Cookie: [redacted]\n'
            'WWW-Authenticate: Basic realm="chat"\nSet-Cookie: [redacted]'
        )
