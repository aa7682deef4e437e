"""The handshake as both ends saw it: the Server's 'refused' event for each kind of refusal,
the refused response on the client's ConnectError, and the status lines of an accepted one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core import Client, ConnectError, HandshakeRefusal
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server

pytestmark = pytest.mark.asyncio


async def refused_both_ends(
    server_options: dict[str, Any], client_options: dict[str, Any], process_request: Any = None
) -> tuple[HandshakeRefusal, ConnectError]:
    extra = {} if process_request is None else {"process_request": process_request}
    server = await loopback_server(**server_options, **extra)
    record = Recorder(server, ["refused", "connection"])
    client = client_for(server, **client_options)
    with pytest.raises(ConnectError) as caught:
        await client.open()
    await record.count("refused", 1, TIMEOUT)
    await server.stop()
    assert record.names() == ["refused"]
    [refusal] = record.values("refused")
    return refusal, caught.value


async def test_an_origin_not_allowed_is_refused_with_403_on_both_ends() -> None:
    refusal, error = await refused_both_ends(
        {"allowed_origins": ["http://good.example"]},
        {"origin": "http://evil.example", "path": "/room?x=1"},
    )
    assert refusal.status == 403 and refusal.status_phrase == "Forbidden"
    assert "Origin" in refusal.reason and "http://evil.example" in refusal.reason
    assert refusal.path == "/room?x=1"
    assert refusal.remote_address[0] == "127.0.0.1" and refusal.remote_address[1] > 0
    assert refusal.request_headers["Origin"] == "http://evil.example"
    assert refusal.response_headers["Content-Type"].startswith("text/plain")
    assert (error.status, error.status_phrase, error.reason) == (403, "Forbidden", refusal.reason)
    assert error.response_headers["Content-Length"] == str(len(refusal.reason) + 1)


async def test_no_common_subprotocol_is_refused_with_400() -> None:
    refusal, error = await refused_both_ends({"subprotocols": ["chat.v2"]}, {})
    assert refusal.status == 400 and "subprotocol" in refusal.reason
    assert error.status == 400 and error.reason == refusal.reason


async def test_a_process_request_refusal_is_reported_with_its_status_and_body() -> None:
    refusal, error = await refused_both_ends(
        {}, {"path": "/private"}, process_request=lambda request: (401, "token please\n")
    )
    assert (refusal.status, refusal.status_phrase, refusal.reason) == (
        401,
        "Unauthorized",
        "token please",
    )
    assert refusal.path == "/private"
    assert (error.status, error.reason) == (401, "token please")


async def test_a_failure_without_an_http_answer_has_no_status() -> None:
    server = await loopback_server()
    port = server.port
    await server.stop()
    client = Client(host="127.0.0.1", port=port, number_of_retries=0)
    with pytest.raises(ConnectError) as caught:
        await client.open()
    assert caught.value.status is None and caught.value.reason == ""
    assert caught.value.response_headers is None


async def test_an_accepted_handshake_has_101_on_both_ends_and_no_refusal() -> None:
    server = await loopback_server()
    record = Recorder(server, ["refused", "connection"])
    client = client_for(server, path="/chat?a=b")
    await client.open()
    await record.count("connection", 1, TIMEOUT)
    [socket] = record.values("connection")
    assert record.names() == ["connection"]
    assert (client.request_path, client.response_status, client.response_reason) == (
        "/chat?a=b",
        101,
        "Switching Protocols",
    )
    assert (socket.path, socket.response_status, socket.response_reason) == (
        "/chat?a=b",
        101,
        "Switching Protocols",
    )
    key = client.request_headers["Sec-WebSocket-Key"]
    assert socket.request_headers["Sec-WebSocket-Key"] == key
    await client.close()
    await server.stop()


async def test_a_plain_http_request_is_reported_as_refused() -> None:
    server = await loopback_server()
    record = Recorder(server, ["refused"])
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /page HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    status_line = await asyncio.wait_for(reader.readline(), TIMEOUT)
    writer.close()
    await record.count("refused", 1, TIMEOUT)
    await server.stop()
    [refusal] = record.values("refused")
    assert status_line == b"HTTP/1.1 426 Upgrade Required\r\n"
    assert (refusal.path, refusal.status, refusal.status_phrase) == (
        "/page",
        426,
        "Upgrade Required",
    )
    assert "missing Connection header" in refusal.reason and "browser" in refusal.reason
