"""Server(process_request=fn): accept or refuse the handshake, sync or async."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from core import ConnectError, HandlerError, HandshakeRequest, Server
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server

pytestmark = pytest.mark.asyncio


async def refused(port: int, path: str = "/", **options: Any) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(f"ws://127.0.0.1:{port}{path}", proxy=None, **options):
            pass
    return caught.value


async def test_a_sync_function_refuses_without_a_token_and_accepts_with_it() -> None:
    seen: list[HandshakeRequest] = []

    def check_token(request: HandshakeRequest) -> tuple[int, str] | None:
        seen.append(request)
        if request.path.endswith("?token=secret"):
            return None
        return 401, "token please\n"

    server = await echo_server(process_request=check_token)
    exc = await refused(server.port, "/chat", additional_headers={"X-Who": "me"})
    assert exc.response.status_code == 401 and exc.response.body == b"token please\n"
    [request] = seen
    assert request.path == "/chat" and request.headers["x-who"] == "me"
    assert request.remote_address[0] == "127.0.0.1" and request.remote_address[1] > 0
    client = client_for(server, path="/chat?token=secret", send_type="text/plain")
    await client.open()
    client.send("hi")
    assert await client.wait_for("message", timeout=TIMEOUT) == "hi"
    await client.close()
    refusing = client_for(server, path="/chat")
    with pytest.raises(ConnectError, match="HTTP 401"):
        await refusing.open()
    await server.stop()


async def test_an_async_function_may_await_before_answering_with_bytes() -> None:
    async def route(request: HandshakeRequest) -> tuple[int, bytes] | None:
        await asyncio.sleep(0)
        return None if request.path == "/ws" else (404, b"\x00no such room")

    server = await echo_server(process_request=route)
    exc = await refused(server.port, "/other")
    assert exc.response.status_code == 404 and exc.response.body == b"\x00no such room"
    assert exc.response.headers["Content-Type"] == "application/octet-stream"
    assert exc.response.headers.get_all("Content-Length") == ["13"]
    async with connect(f"ws://127.0.0.1:{server.port}/ws", proxy=None) as ws:
        await ws.send('"ok"')
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == '"ok"'
    await server.stop()


async def test_a_plain_http_get_gets_a_page_with_its_own_headers_and_the_port_still_upgrades() -> (
    None
):
    page = "<!doctype html><title>hi</title>"

    def serve_page(request: HandshakeRequest) -> tuple[int, str, dict[str, str]] | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        return 200, page, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}

    server = await echo_server(process_request=serve_page)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)).decode()
    lines = head.split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK"
    assert "Content-Type: text/html; charset=utf-8" in lines
    assert "Cache-Control: no-store" in lines
    assert sum(line.lower().startswith("content-type:") for line in lines) == 1
    length = int(next(line for line in lines if line.startswith("Content-Length:")).split()[1])
    body = await asyncio.wait_for(reader.readexactly(length), TIMEOUT)
    assert body.decode() == page
    writer.close()
    async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None) as ws:
        await ws.send('"ok"')
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == '"ok"'
    await server.stop()


async def test_a_refusal_sends_every_header_of_a_repeated_name_in_order() -> None:
    headers = [
        ("WWW-Authenticate", 'Bearer realm="chat"'),
        ("Set-Cookie", "a=1; HttpOnly"),
        ("WWW-Authenticate", 'Basic realm="chat"'),
        ("Set-Cookie", "b=2"),
        ("Content-Type", "text/html; charset=utf-8"),
    ]
    server = await echo_server(process_request=lambda request: (401, "<p>who?</p>", headers))
    exc = await refused(server.port)
    got = exc.response.headers
    assert exc.response.status_code == 401 and exc.response.body == b"<p>who?</p>"
    assert got.get_all("WWW-Authenticate") == ['Bearer realm="chat"', 'Basic realm="chat"']
    assert got.get_all("Set-Cookie") == ["a=1; HttpOnly", "b=2"]
    assert got.get_all("Content-Type") == ["text/html; charset=utf-8"]  # replaced websockets'
    client = client_for(server)
    with pytest.raises(ConnectError) as caught:
        await client.open()
    assert caught.value.response_headers is not None
    assert caught.value.response_headers.get_all("Set-Cookie") == ["a=1; HttpOnly", "b=2"]
    await server.stop()


@pytest.mark.parametrize(
    "answer, cause",
    [
        (RuntimeError("boom"), RuntimeError),
        ("no", TypeError),
        ((99, "x"), ValueError),
        ((200, "x", {"X-N": 1}), TypeError),
        ((200, "x", ["X-N"]), TypeError),
        ((401, "x", [("Set-Cookie", "a=1"), ("X-Split", "a\r\nInjected: 1")]), ValueError),
        ((401, "x", [("Bad Name", "x")]), ValueError),
        ((401, "x", {"Content-Length": "99"}), ValueError),
    ],
)
async def test_a_failing_function_refuses_with_500_and_is_reported_not_logged(
    answer: Any, cause: type[Exception], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_request: HandshakeRequest) -> Any:
        if isinstance(answer, Exception):
            raise answer
        return answer

    server = await echo_server(process_request=broken)
    errors = Recorder(server, ["error"])
    with caplog.at_level(logging.WARNING):
        exc = await refused(server.port)
    assert exc.response.status_code == 500
    [error] = errors.values("error")
    assert isinstance(error, HandlerError) and isinstance(error.__cause__, cause)
    assert error.event == "process_request"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    await server.stop()


async def test_the_origin_check_still_applies_after_process_request_accepts() -> None:
    asked: list[str] = []
    server = await echo_server(
        allowed_origins=["http://good.test"],
        process_request=lambda request: asked.append(request.path),
    )
    exc = await refused(server.port, origin="http://evil.test")
    assert exc.response.status_code == 403 and asked == ["/"]
    async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None, origin="http://good.test"):
        pass
    await server.stop()


async def test_the_handshake_timeout_bounds_a_function_that_never_answers() -> None:
    cancelled = asyncio.Event()

    async def stuck(_request: HandshakeRequest) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    server = await echo_server(process_request=stuck, handshake_timeout=200)
    with pytest.raises(InvalidMessage) as caught:  # the server hung up; the client did not time out
        async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None, open_timeout=TIMEOUT):
            pass
    assert isinstance(caught.value.__cause__, EOFError)
    await asyncio.wait_for(cancelled.wait(), TIMEOUT)
    await server.stop()


async def test_process_request_must_be_a_function() -> None:
    with pytest.raises(TypeError, match="process_request is a function of the request, not str"):
        Server(process_request="allow")  # type: ignore[arg-type]
    assert "process_request" not in Server(process_request=lambda request: None).options


async def test_a_refused_attempt_that_a_retry_passes_is_reported_on_retrying() -> None:
    """Each failed attempt followed by another is a 'retrying' event with its reason; the
    last attempt's failure stays the ConnectError on 'error'."""
    answers = [(503, "busy, try again\n"), None]

    def busy_once(_request: HandshakeRequest) -> tuple[int, str] | None:
        return answers.pop(0) if answers else None

    server = await echo_server(process_request=busy_once)
    client = client_for(server, number_of_retries=2, time_between_retries=10)
    rec = Recorder(client, ["connecting", "retrying", "open", "error"])
    await asyncio.wait_for(client.open(), TIMEOUT)
    assert rec.names() == ["connecting", "retrying", "connecting", "open"]
    [(attempt, attempts, reason)] = rec.args("retrying")
    assert (attempt, attempts) == (1, 3) and "503" in reason and "busy, try again" in reason
    await client.close()

    never = client_for(server, number_of_retries=1, time_between_retries=10)
    answers[:] = [(503, "busy\n"), (503, "still busy\n")]
    rec = Recorder(never, ["connecting", "retrying", "error"])
    with pytest.raises(ConnectError, match="still busy"):
        await never.open()
    assert rec.names() == ["connecting", "retrying", "connecting", "error"]
    assert rec.args("retrying")[0][:2] == (1, 2)
    await server.stop()
