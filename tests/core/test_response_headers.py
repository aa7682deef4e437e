"""Server(response_headers=fn): headers added to an accepted handshake's 101 response, which
may come from an async process_request that ran first for the same request."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from core import HandlerError, HandshakeRefusal, HandshakeRequest, Server
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server


@pytest.mark.asyncio
async def test_pairs_repeat_a_name_and_a_mapping_replaces_websockets_own_header() -> None:
    seen: list[str] = []

    def cookies(request: HandshakeRequest) -> list[tuple[str, str]]:
        seen.append(request.path)
        return [("Set-Cookie", "a=1; HttpOnly"), ("Set-Cookie", "b=2"), ("X-Room", "7")]

    server = await echo_server(response_headers=cookies)
    client = client_for(server, path="/room")
    await client.open()
    headers = client.response_headers
    assert headers is not None
    assert headers.get_all("Set-Cookie") == ["a=1; HttpOnly", "b=2"]
    assert headers["X-Room"] == "7" and headers["Upgrade"] == "websocket"
    [socket] = server.sockets
    assert socket.response_headers is not None
    assert socket.response_headers.get_all("Set-Cookie") == ["a=1; HttpOnly", "b=2"]
    await client.close()
    await server.stop()
    assert seen == ["/room"]

    renamed = await echo_server(response_headers=lambda request: {"Server": "relay/1"})
    client = client_for(renamed)
    await client.open()
    assert client.response_headers is not None
    assert client.response_headers.get_all("Server") == ["relay/1"]
    await client.close()
    await renamed.stop()


@pytest.mark.asyncio
async def test_headers_found_by_an_async_process_request_are_added_by_address() -> None:
    found: dict[tuple[object, ...], dict[str, str]] = {}

    async def ask_elsewhere(request: HandshakeRequest) -> None:
        await asyncio.sleep(0)  # e.g. a relay opening its upstream
        found[request.remote_address] = {"Set-Cookie": "session=abc"}

    server = await echo_server(
        process_request=ask_elsewhere,
        response_headers=lambda request: found.pop(request.remote_address),
    )
    client = client_for(server)
    await client.open()
    assert client.response_headers is not None
    assert client.response_headers["Set-Cookie"] == "session=abc" and found == {}
    await client.close()
    await server.stop()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("Set-Cookie: a=1", "must be None, a mapping of str to str or (name, value) pairs"),
        ([("Set-Cookie", 1)], "is not a (name, value) pair of str"),
        ({"Bad Name": "x"}, "'Bad Name' is not an HTTP header name"),
        ({"Sec-WebSocket-Accept": "x"}, "may not set Sec-WebSocket-Accept"),
        ({"X-Split": "a\r\nInjected: 1"}, "the value of X-Split holds CR, LF or NUL"),
        (RuntimeError("boom"), "boom"),
    ],
)
async def test_a_bad_answer_refuses_with_500_reported_and_a_handler_error(
    answer: object, said: str
) -> None:
    def headers(request: HandshakeRequest) -> Any:
        if isinstance(answer, Exception):
            raise answer
        return answer

    server = await echo_server(response_headers=headers)
    events = Recorder(server, ["error", "refused", "connection"])
    with pytest.raises(InvalidStatus) as caught:
        async with connect(f"ws://127.0.0.1:{server.port}/", proxy=None):
            pass
    assert caught.value.response.status_code == 500
    assert "Injected" not in caught.value.response.headers
    await events.count("refused", 1)
    [error] = events.values("error")
    assert isinstance(error, HandlerError) and error.event == "response_headers"
    assert said in str(error)
    [refusal] = events.values("refused")
    assert isinstance(refusal, HandshakeRefusal) and refusal.status == 500
    assert events.names() == ["error", "refused"]
    await asyncio.wait_for(server.stop(), TIMEOUT)


def test_a_response_headers_that_is_not_callable_is_refused_at_once() -> None:
    with pytest.raises(TypeError, match="response_headers is a function of the request"):
        Server(response_headers={"Set-Cookie": "a=1"})  # type: ignore[arg-type]
