"""Server(select_subprotocol=fn): the subprotocol answered is the function's choice, which may
come from an async process_request that ran first for the same request."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from core import HandlerError, HandshakeRequest, Server
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server


@pytest.mark.asyncio
async def test_the_function_sees_the_offer_in_order_and_its_choice_is_answered() -> None:
    seen: list[tuple[str, list[str]]] = []

    def last_offered(request: HandshakeRequest, offered: list[str]) -> str | None:
        seen.append((request.path, offered))
        return offered[-1] if offered else None

    server = await echo_server(select_subprotocol=last_offered, subprotocols=["a"])
    client = client_for(server, path="/room", subprotocols=["b", "c"])
    await client.open()
    assert client.subprotocol == "c"
    [socket] = server.sockets
    assert socket.subprotocol == "c"
    await client.close()
    plain = client_for(server)
    await plain.open()
    assert plain.subprotocol is None
    await plain.close()
    assert seen == [("/room", ["b", "c"]), ("/", [])]
    await server.stop()


@pytest.mark.asyncio
async def test_an_answer_found_by_an_async_process_request_is_chosen_by_address() -> None:
    chosen: dict[tuple[object, ...], str] = {}

    async def ask_elsewhere(request: HandshakeRequest) -> None:
        await asyncio.sleep(0.01)  # e.g. a connection to another server
        chosen[request.remote_address] = "v2"

    def from_process_request(request: HandshakeRequest, offered: list[str]) -> str | None:
        return chosen.pop(request.remote_address)

    server = await echo_server(
        process_request=ask_elsewhere, select_subprotocol=from_process_request
    )
    client = client_for(server, subprotocols=["v1", "v2"])
    await client.open()
    assert client.subprotocol == "v2" and chosen == {}
    await client.close()
    await server.stop()


@pytest.mark.asyncio
@pytest.mark.parametrize("answer", ["not-offered", RuntimeError("boom")])
async def test_a_failing_function_refuses_with_500_and_reports_a_handler_error(
    answer: object,
) -> None:
    def choose(request: HandshakeRequest, offered: list[str]) -> str | None:
        if isinstance(answer, Exception):
            raise answer
        return str(answer)

    server = await echo_server(select_subprotocol=choose)
    errors = Recorder(server, ["error", "connection"])
    with pytest.raises(InvalidStatus) as caught:
        async with connect(f"ws://127.0.0.1:{server.port}/", subprotocols=["x"], proxy=None):
            pass
    assert caught.value.response.status_code == 500
    await errors.count("error", 1)
    [error] = errors.values("error")
    assert isinstance(error, HandlerError) and error.event == "select_subprotocol"
    if isinstance(answer, str):
        assert "'not-offered', which the client did not offer (it offered x)" in str(error)
    assert errors.names() == ["error"]
    await asyncio.wait_for(server.stop(), TIMEOUT)


def test_a_select_subprotocol_that_is_not_callable_is_refused() -> None:
    with pytest.raises(TypeError, match="select_subprotocol is a function"):
        Server(select_subprotocol="chat")  # type: ignore[arg-type]
