"""Errors carry their data as attributes (the peer among them), build their text from those
attributes when shown, and survive pickling."""

from __future__ import annotations

import asyncio
import pickle
import socket as stdlib_socket

import pytest
from websockets.datastructures import Headers

from core import (
    Client,
    ConnectError,
    ConnectionClosed,
    ConnectionLostError,
    DecodeError,
    EncodeError,
    HandlerError,
    NotOpenError,
    ServerStartError,
    Socket,
    UnsentMessagesError,
    WebSocketError,
)
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server


def free_port() -> int:
    with stdlib_socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.asyncio
async def test_connect_error_keeps_url_attempts_and_cause_and_says_them_lazily() -> None:
    port = free_port()
    client = Client(host="127.0.0.1", port=port, number_of_retries=1, time_between_retries=10)
    with pytest.raises(ConnectError) as caught:
        await client.open()
    error = caught.value
    assert error.url == error.peer == f"ws://127.0.0.1:{port}/"
    assert error.attempts == 2
    assert isinstance(error.cause, ConnectionRefusedError) and error.__cause__ is error.cause
    assert (error.status, error.status_phrase, error.reason, error.response_headers) == (
        None,
        "",
        "",
        None,
    )
    assert str(error) == (
        f"could not connect to ws://127.0.0.1:{port}/ after 2 attempts: "
        "connection refused (is a server listening on that host and port?)"
    )
    error.attempts = 1  # the text follows the attributes: it is built when shown
    assert "after 1 attempt:" in str(error)


@pytest.mark.asyncio
async def test_a_refused_handshake_gives_status_reason_and_headers_and_pickles() -> None:
    server = await loopback_server(allowed_origins=["https://good.example"])
    client = client_for(server, origin="https://evil.example")
    with pytest.raises(ConnectError) as caught:
        await client.open()
    await server.stop()
    error = caught.value
    assert (error.status, error.status_phrase) == (403, "Forbidden")
    assert isinstance(error.response_headers, Headers) and "Content-Type" in error.response_headers
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ConnectError and str(copy) == str(error)
    assert (copy.url, copy.attempts, copy.status, copy.reason) == (
        error.url,
        error.attempts,
        403,
        error.reason,
    )


@pytest.mark.asyncio
async def test_errors_about_a_connection_name_the_peer() -> None:
    """A Socket's errors name its client as host:port, a Client's its server's URL."""
    server = await loopback_server(receive_type="application/json", ping_interval=None)
    sockets: asyncio.Queue[Socket] = asyncio.Queue()
    server.on("connection", sockets.put_nowait)
    client = client_for(server, send_type="text/plain", ping_interval=None)
    await client.open()
    socket = await asyncio.wait_for(sockets.get(), TIMEOUT)
    socket_errors = Recorder(socket, ["error", "close"])
    host, port = socket.remote_address[:2]
    client.send("not json")
    await socket_errors.count("error", 1)
    decode_error = socket_errors.values("error")[0]
    assert isinstance(decode_error, DecodeError) and decode_error.peer == f"{host}:{port}"
    assert decode_error.raw == "not json" and decode_error.mime_type == "application/json"

    socket.start_pulling()
    await client.close(4001, "done")
    await socket_errors.count("close", 1)
    with pytest.raises(NotOpenError) as not_open:
        socket.send({"late": True})
    assert not_open.value.peer == f"{host}:{port}"
    with pytest.raises(ConnectionClosed) as closed:
        await socket.recv()
    assert (closed.value.code, closed.value.reason, closed.value.peer) == (
        4001,
        "done",
        f"{host}:{port}",
    )
    with pytest.raises(NotOpenError) as client_not_open:
        client.send("late")
    assert client_not_open.value.peer == client.url
    await server.stop()


SAMPLES: list[WebSocketError] = [
    EncodeError("application/json", {1, 2}, "sets are not JSON"),
    DecodeError("application/json", b"\xff", "not UTF-8", peer="127.0.0.1:5000"),
    ConnectError("ws://127.0.0.1:1/", 3, ConnectionRefusedError(111, "refused")),
    ConnectError("ws://127.0.0.1:1/", 1, None),
    ServerStartError("127.0.0.1", 80, PermissionError(13, "denied")),
    NotOpenError("the socket from 127.0.0.1:5000 is closed or closing", "127.0.0.1:5000"),
    ConnectionClosed(1000, "", "127.0.0.1:5000"),
    ConnectionLostError(1006, "", "ws://127.0.0.1:1/"),
    UnsentMessagesError(2, "the connection closed first (code 1006)", "127.0.0.1:5000"),
    HandlerError("message", ZeroDivisionError("division by zero")),
]


@pytest.mark.parametrize("error", SAMPLES, ids=lambda error: type(error).__name__)
def test_every_error_pickles_with_its_attributes_and_text(error: WebSocketError) -> None:
    error.socket = object()  # type: ignore[assignment]  # a live Socket is never pickled
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error) and str(error)
    assert copy.socket is None
    attributes = {k: v for k, v in vars(error).items() if k not in ("socket", "cause", "value")}
    assert {k: v for k, v in vars(copy).items() if k in attributes} == attributes
    assert repr(getattr(copy, "cause", None)) == repr(getattr(error, "cause", None))


def test_handler_error_and_server_start_error_keep_their_cause() -> None:
    cause = ZeroDivisionError("division by zero")
    error = HandlerError("message", cause)
    assert (error.event, error.cause) == ("message", cause)
    assert str(error) == "a handler for 'message' raised ZeroDivisionError: division by zero"
    start = ServerStartError("127.0.0.1", 80, PermissionError(13, "denied"))
    assert (start.host, start.port, type(start.cause)) == ("127.0.0.1", 80, PermissionError)
    assert str(start).startswith("could not listen on 127.0.0.1:80: permission denied")
