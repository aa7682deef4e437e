"""Error paths: every bad input named in the spec gets its clear error, and nothing is lost."""

from __future__ import annotations

import asyncio
import socket as stdlib_socket
import time

import pytest

from core import (
    Client,
    ConnectError,
    ConnectionLostError,
    DecodeError,
    EncodeError,
    HandlerError,
    NotOpenError,
    Server,
    ServerStartError,
    UnsentMessagesError,
)
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server, loopback_server, wait_until

pytestmark = pytest.mark.asyncio


def free_port() -> int:
    """A port with nothing listening on it (bound then released)."""
    with stdlib_socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_retries_run_out_with_exactly_one_error_naming_url_attempts_and_cause() -> None:
    port = free_port()
    client = Client(
        host="127.0.0.1",
        port=port,
        number_of_retries=2,
        time_between_retries=20,
        connect_timeout=500,
    )
    rec = Recorder(client, ["connecting", "open", "error", "close"])
    started = time.monotonic()
    with pytest.raises(ConnectError) as info:
        await client.open()
    assert time.monotonic() - started >= 0.04  # two pauses between three attempts
    assert rec.names() == ["connecting", "connecting", "connecting", "error"]
    assert rec.args("connecting") == [(1, 3), (2, 3), (3, 3)]
    error = rec.values("error")[0]
    assert error is info.value and error.attempts == 3
    assert str(error) == (
        f"could not connect to ws://127.0.0.1:{port}/ after 3 attempts: "
        "connection refused (is a server listening on that host and port?)"
    )
    assert client.state == "failed" and not client.is_open()


async def test_connect_timeout_bounds_each_attempt() -> None:
    listener = stdlib_socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts TCP but never answers the handshake
    try:
        client = Client(
            host="127.0.0.1",
            port=listener.getsockname()[1],
            number_of_retries=1,
            time_between_retries=0,
            connect_timeout=100,
        )
        started = time.monotonic()
        with pytest.raises(
            ConnectError, match="after 2 attempts: no answer within the connect timeout"
        ):
            await asyncio.wait_for(client.open(), TIMEOUT)
        assert 0.2 <= time.monotonic() - started < 2
    finally:
        listener.close()


async def test_client_retries_until_the_server_appears() -> None:
    port = free_port()
    client = Client(host="127.0.0.1", port=port, number_of_retries=50, time_between_retries=20)
    rec = Recorder(client, ["connecting", "open"])
    client.send({"n": 1})
    opening = client.open()
    await rec.count("connecting", 2)
    server = Server(host_interface="127.0.0.1", port=port)
    seen: list[object] = []
    server.on("connection", lambda socket: socket.on("message", seen.append))
    await server.start()
    await asyncio.wait_for(opening, TIMEOUT)
    await wait_until(lambda: seen == [{"n": 1}])
    assert rec.names()[-1] == "open"
    await client.close()
    await server.stop()


async def test_close_while_retrying_stops_attempts_and_reports_queued_messages() -> None:
    client = Client(
        host="127.0.0.1", port=free_port(), number_of_retries=100, time_between_retries=50
    )
    rec = Recorder(client, ["connecting", "error", "close"])
    sends = [client.send(i) for i in range(3)]
    opening = client.open()
    await rec.count("connecting", 1)
    await client.close()
    attempts = len(rec.args("connecting"))
    errors = rec.values("error")
    assert len(errors) == 1 and isinstance(errors[0], UnsentMessagesError) and errors[0].count == 3
    assert (
        str(errors[0]) == "3 messages were never sent: close() was called before the socket opened"
    )
    for send in sends:
        with pytest.raises(NotOpenError):
            await send
    with pytest.raises(NotOpenError):
        await opening
    await asyncio.sleep(0.15)  # longer than two retry intervals: no further attempt may start
    assert len(rec.args("connecting")) == attempts and rec.args("close") == []
    with pytest.raises(NotOpenError):
        client.send("after close")
    assert client.close() is not None  # idempotent


async def test_discard_messages_before_open(caplog: pytest.LogCaptureFixture) -> None:
    server = await loopback_server(receive_type="text/plain")
    seen: list[str] = []
    server.on("connection", lambda s: s.on("message", seen.append))
    client = client_for(server, send_type="text/plain", discard_messages_before_open=True)
    await client.send("dropped")
    assert "message discarded because the socket is not open" in caplog.text
    await client.open()
    await client.send("kept")
    await wait_until(lambda: seen == ["kept"])
    await client.close()
    await server.stop()


async def test_throttle_stalls_a_queued_send_per_waiting_message() -> None:
    server = await loopback_server()
    client = client_for(server, throttle_factor=40)
    client.send(0)
    client.send(1)
    started = time.monotonic()
    third = client.send(2)  # two already queued: 80 ms stall
    client.open()
    await asyncio.wait_for(third, TIMEOUT)
    assert time.monotonic() - started >= 0.08
    await client.close()
    await server.stop()


async def test_send_refuses_unconvertible_values_and_queues_nothing() -> None:
    server = await loopback_server()
    seen: list[object] = []
    server.on("connection", lambda s: s.on("message", seen.append))
    client = client_for(server)
    with pytest.raises(TypeError, match="cannot send object as application/json") as info:
        client.send(object())
    assert isinstance(info.value, EncodeError)
    client.send("only this")
    await client.open()
    await wait_until(lambda: seen == ["only this"])
    await client.close()
    await server.stop()


async def test_undecodable_message_is_delivered_raw_then_reported() -> None:
    server = await loopback_server(send_type="text/plain")
    server.on("connection", lambda s: s.send("not { json"))
    client = client_for(server)
    rec = Recorder(client, ["message", "error"])
    await client.open()
    await rec.count("error", 1)
    assert rec.names() == ["message", "error"]
    assert rec.values("message") == ["not { json"]
    error = rec.values("error")[0]
    assert isinstance(error, DecodeError) and error.raw == "not { json"
    assert client.is_open()  # a bad message does not break the connection
    await client.close()
    await server.stop()


async def test_handler_that_raises_never_breaks_the_connection() -> None:
    server = await echo_server()
    client = client_for(server)
    errors: list[BaseException] = []
    got: list[object] = []
    client.on("error", errors.append)
    client.on("message", lambda m: 1 / 0 if m == "boom" else got.append(m))
    await client.open()
    client.send("boom")
    client.send("after")
    await wait_until(lambda: got == ["after"])
    assert len(errors) == 1 and isinstance(errors[0], HandlerError) and errors[0].event == "message"
    assert client.is_open()
    await client.close()
    await server.stop()


async def test_message_above_max_size_closes_with_1009_and_reports_it() -> None:
    server = await loopback_server(receive_type="application/octet-stream", max_message_size=1000)
    server_side = Recorder(server, ["connection"])
    client = client_for(server, send_type="application/octet-stream")
    rec = Recorder(client, ["close", "error"])
    await client.open()
    await server_side.count("connection", 1)
    socket_rec = Recorder(server_side.values("connection")[0], ["message", "close", "error"])
    client.send(b"x" * 1001)
    await rec.count("close", 1)
    await socket_rec.count("close", 1)
    assert rec.args("close")[0][0] == 1009
    assert socket_rec.values("message") == []
    assert socket_rec.args("close")[0][0] == 1009
    assert isinstance(socket_rec.values("error")[0], ConnectionLostError)
    assert "message too big" in str(socket_rec.values("error")[0])
    await server.stop()


async def test_origin_allow_list_refuses_other_origins_with_403() -> None:
    server = await loopback_server(allowed_origins=["http://good.test"])
    good = client_for(server, origin="http://good.test")
    await good.open()
    bad = client_for(server, origin="http://evil.test")
    with pytest.raises(ConnectError, match=r"HTTP 403 .*refused this Origin"):
        await bad.open()
    no_origin = client_for(server)  # not a browser: no Origin header, not a CSWSH risk
    await no_origin.open()
    await good.close()
    await no_origin.close()
    await server.stop()


async def test_port_in_use_fails_start_with_error_event() -> None:
    first = await loopback_server()
    second = Server(host_interface="127.0.0.1", port=first.port)
    rec = Recorder(second, ["error", "listening"])
    with pytest.raises(ServerStartError) as info:
        await second.start()
    assert rec.names() == ["error"] and rec.values("error")[0] is info.value
    assert f"could not listen on 127.0.0.1:{first.port}: address already in use" in str(info.value)
    await first.stop()


async def test_peer_vanishing_gives_1006_close_and_error() -> None:
    server = await loopback_server()
    server_side = Recorder(server, ["connection"])
    client = client_for(server)
    await client.open()
    await server_side.count("connection", 1)
    socket_rec = Recorder(server_side.values("connection")[0], ["close", "error"])
    client._channel.ws.transport.abort()  # the TCP connection dies without a close frame
    await socket_rec.count("close", 1)
    assert socket_rec.names() == ["error", "close"]
    assert socket_rec.args("close") == [(1006, "")]
    assert "connection lost without a closing handshake" in str(socket_rec.values("error")[0])
    await server.stop()


async def test_close_code_must_be_sendable() -> None:
    server = await loopback_server()
    client = client_for(server)
    await client.open()
    with pytest.raises(ValueError, match="close code 1006 cannot be sent"):
        client.close(1006)
    with pytest.raises(ValueError, match="at most 123 bytes"):
        client.close(1000, "x" * 124)
    await client.close()
    await server.stop()
