"""The edges of a connection's life: cancelled opens, bounded closes, failures, handler order.

Misbehaving peers are raw TCP (``RawServer``, ``RawClient``) or plain ``websockets``.
"""

from __future__ import annotations

import asyncio
import logging
import socket as stdlib_socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import trustme
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed as WsConnectionClosed
from websockets.http11 import Request, Response

from core import (
    Client,
    ConnectError,
    DecodeError,
    NotOpenError,
    Server,
    UnsentMessagesError,
)
from tests.core.raw_server import RawServer, close_payload, server_frame
from tests.faults.rawws import RawClient
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server, loopback_server, wait_until

pytestmark = pytest.mark.asyncio

CLOSE = 0x8


def free_port() -> int:
    with stdlib_socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def other_tasks() -> set[asyncio.Task[Any]]:
    return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]


# -- A1: cancelling open() --------------------------------------------------------------------


async def test_cancelled_open_abandons_the_attempt_and_open_works_again() -> None:
    peer = await RawServer().start()  # accepts TCP, answers the handshake only when told
    before = other_tasks()
    client = Client(host="127.0.0.1", port=peer.port, connect_timeout=0, number_of_retries=3)
    rec = Recorder(client, ["connecting", "open", "error", "close"])
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.open(), 0.2)
    assert client.state == "closed"
    await peer.eof(0)  # the abandoned attempt's TCP connection was closed by the client
    peer.gate.set()  # a late 101 for it finds nobody: no 'open'
    for _ in range(500):  # no task of ours is left (bounded: 5 s)
        if other_tasks() <= before:
            break
        await asyncio.sleep(0.01)
    assert other_tasks() <= before, other_tasks() - before
    assert rec.names() == ["connecting"]
    await asyncio.wait_for(client.open(), TIMEOUT)  # a new attempt, answered at once
    assert client.state == "open" and rec.names() == ["connecting", "connecting", "open"]
    client.options["close_timeout"] = 100  # the raw peer never answers the close frame
    await peer.aclose()
    await asyncio.wait_for(client.close(), TIMEOUT)


# -- A2: the pre-open queue never outlives a failed connect ---------------------------------


async def test_queue_of_a_failed_connect_is_reported_once_and_never_sent_later() -> None:
    port = free_port()
    client = Client(host="127.0.0.1", port=port, number_of_retries=0, send_type="text/plain")
    rec = Recorder(client, ["error"])
    sends = [client.send(f"early {i}") for i in range(3)]
    with pytest.raises(ConnectError):
        await client.open()
    for send in sends:
        with pytest.raises(NotOpenError, match=f"could not connect to ws://127.0.0.1:{port}/"):
            await asyncio.wait_for(send, TIMEOUT)
    unsent = [e for e in rec.values("error") if isinstance(e, UnsentMessagesError)]
    assert [e.count for e in unsent] == [3]
    server = Server(host_interface="127.0.0.1", port=port, receive_type="text/plain")
    seen: list[str] = []
    server.on("connection", lambda s: s.on("message", seen.append))
    await server.start()
    await client.open()
    client.send("after")
    await wait_until(lambda: seen == ["after"])
    await client.close()
    await server.stop()
    assert seen == ["after"]


# -- A3: bounded, cancellation-safe close -------------------------------------------------------


async def open_against_a_silent_peer(**options: Any) -> tuple[RawServer, Client, Recorder]:
    """A Client open on a raw server that will never answer a close frame."""
    peer = await RawServer().start()
    peer.gate.set()
    client = Client(host="127.0.0.1", port=peer.port, number_of_retries=0, **options)
    rec = Recorder(client, ["close", "error"])
    await asyncio.wait_for(client.open(), TIMEOUT)
    return peer, client, rec


async def test_close_is_bounded_when_the_peer_never_answers_the_close_frame() -> None:
    peer, client, rec = await open_against_a_silent_peer(close_timeout=300, ping_interval=None)
    started = time.monotonic()
    await asyncio.wait_for(client.close(), TIMEOUT)
    assert 0.25 <= time.monotonic() - started < 3  # not websockets' default of 10 s
    assert rec.args("close") == [(1006, "")]
    assert client.close_code == 1006
    await peer.aclose()


async def test_cancelling_an_await_of_close_does_not_cancel_the_close() -> None:
    peer, client, rec = await open_against_a_silent_peer(close_timeout=300, ping_interval=None)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.close(), 0.05)
    await asyncio.wait_for(client.close(), TIMEOUT)  # neither CancelledError nor a hang
    assert rec.args("close") == [(1006, "")] and client.state == "closed"
    await peer.aclose()


async def test_stop_is_bounded_when_a_peer_never_reads_and_is_cancellation_safe() -> None:
    server = await loopback_server(
        send_type="application/octet-stream", close_timeout=300, ping_interval=None
    )
    server_rec = Recorder(server, ["connection", "close", "error"])
    peer = await RawClient.connect(server.port)  # upgrades, then reads nothing at all
    await peer.upgrade()
    await server_rec.count("connection", 1)
    socket = server_rec.values("connection")[0]
    socket_rec = Recorder(socket, ["close", "error"])
    for _ in range(200):  # 12.8 MB: far more than the socket buffers hold
        socket.send(bytes(64 * 1024))
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(server.stop(), 0.05)
    await asyncio.wait_for(server.stop(), TIMEOUT)
    assert time.monotonic() - started < 3
    assert socket_rec.args("close") == [(1006, "")]
    assert server_rec.names()[-1] == "close"
    assert any(isinstance(e, UnsentMessagesError) for e in socket_rec.values("error"))
    peer.writer.transport.abort()


# -- A4: send while closing, from a plain callback -------------------------------------------


async def test_send_from_a_plain_callback_while_closing_raises_not_open() -> None:
    peer = await RawServer().start()
    peer.gate.set()
    client = client_for(peer, ping_interval=None)  # type: ignore[arg-type]
    await asyncio.wait_for(client.open(), TIMEOUT)
    reader, _writer = peer.connections[0]
    peer.write(server_frame(CLOSE, close_payload(1000)))  # then keep the TCP connection open
    await asyncio.wait_for(reader.readexactly(2 + 4 + 2), TIMEOUT)  # the client's masked reply
    outcome: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()

    def plain_callback() -> None:  # no task: as a Qt slot or call_soon runs it
        try:
            delivery = client.send({"late": True})
        except Exception as exc:
            outcome.set_result(exc)
            return
        outcome.set_result(None)
        assert delivery is not None

    asyncio.get_running_loop().call_soon(plain_callback)
    error = await asyncio.wait_for(outcome, TIMEOUT)
    assert isinstance(error, NotOpenError), repr(error)
    await peer.aclose()
    await asyncio.wait_for(client.close(), TIMEOUT)


# -- A5: every legal close code ----------------------------------------------------------------

LEGAL = [1000, 1001, 1002, 1003, 1007, 1008, 1011, 1014, 3000, 4999]
ILLEGAL = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]


async def test_client_close_sends_every_legal_code_and_refuses_the_rest() -> None:
    seen: list[int | None] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()
        seen.append(ws.close_code)

    async with ws_serve(handler, "127.0.0.1", 0) as raw:
        port = raw.sockets[0].getsockname()[1]
        for code in LEGAL:
            client = Client(host="127.0.0.1", port=port, number_of_retries=0)
            await client.open()
            for bad in ILLEGAL:
                with pytest.raises(ValueError, match="use 1000-1003, 1007-1014, or 3000-4999"):
                    client.close(bad)
            await asyncio.wait_for(client.close(code, "bye"), TIMEOUT)
            assert client.close_code == code
        await wait_until(lambda: len(seen) == len(LEGAL))
    assert seen == LEGAL


async def test_socket_close_sends_every_legal_code() -> None:
    server = await loopback_server()
    sockets = Recorder(server, ["connection"])
    got: list[int] = []
    for index, code in enumerate(LEGAL):
        async with ws_connect(f"ws://127.0.0.1:{server.port}/") as ws:
            await sockets.count("connection", index + 1)
            socket = sockets.values("connection")[index]
            with pytest.raises(ValueError, match="1000-1003, 1007-1014"):
                socket.close(1005)
            closing = socket.close(code)
            with pytest.raises(WsConnectionClosed) as info:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            assert info.value.rcvd is not None
            got.append(info.value.rcvd.code)
            await asyncio.wait_for(closing, TIMEOUT)
    assert got == LEGAL
    await server.stop()


# -- A6: fatal handshake failures are not retried -----------------------------------------------


async def refusing_server(status: int, body: str) -> Any:
    def refuse(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(status, body)

    async def handler(ws: ServerConnection) -> None:  # never reached
        await ws.close()

    return await ws_serve(handler, "127.0.0.1", 0, process_request=refuse)


@pytest.mark.parametrize(("status", "phrase"), [(401, "Unauthorized"), (404, "Not Found")])
async def test_http_4xx_ends_open_after_one_attempt_naming_status_and_reason(
    status: int, phrase: str
) -> None:
    raw = await refusing_server(status, "token missing\n")
    port = raw.sockets[0].getsockname()[1]
    client = Client(host="127.0.0.1", port=port, number_of_retries=5, time_between_retries=10)
    rec = Recorder(client, ["connecting"])
    with pytest.raises(ConnectError) as info:
        await asyncio.wait_for(client.open(), TIMEOUT)
    raw.close()
    assert info.value.attempts == 1 and len(rec.args("connecting")) == 1
    assert f"HTTP {status} {phrase}" in str(info.value)
    assert "token missing" in str(info.value)


@pytest.mark.parametrize("status", [408, 429, 503])
async def test_try_again_answers_keep_retrying(status: int) -> None:
    raw = await refusing_server(status, "later")
    port = raw.sockets[0].getsockname()[1]
    client = Client(host="127.0.0.1", port=port, number_of_retries=2, time_between_retries=10)
    with pytest.raises(ConnectError) as info:
        await asyncio.wait_for(client.open(), TIMEOUT)
    raw.close()
    assert info.value.attempts == 3


async def test_a_refused_certificate_is_not_retried(tmp_path: Path) -> None:
    leaf = trustme.CA().issue_cert("127.0.0.1")  # signed by a CA the client does not trust
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())
    server = await loopback_server(ssl_tls=True, cert_path=str(cert), key_path=str(key))
    client = client_for(server, ssl_tls=True, number_of_retries=4, time_between_retries=10)
    rec = Recorder(client, ["connecting"])
    with pytest.raises(ConnectError) as info:
        await asyncio.wait_for(client.open(), TIMEOUT)
    assert isinstance(info.value.cause, ssl.SSLCertVerificationError)
    assert info.value.attempts == 1 and len(rec.args("connecting")) == 1
    await server.stop()


# -- A7: async handlers run one at a time, in order, with backpressure ------------------------


async def test_async_message_handlers_run_one_at_a_time_in_arrival_order() -> None:
    server = await loopback_server(receive_type="text/plain", send_type="text/plain")
    replies: list[str] = []
    server.on("connection", lambda s: s.on("message", replies.append))
    client = client_for(server, receive_type="text/plain", send_type="text/plain")
    running: list[str] = []
    overlaps: list[tuple[str, ...]] = []

    @client.on("message")
    async def reply(message: str) -> None:
        running.append(message)
        if len(running) > 1:
            overlaps.append(tuple(running))
        await asyncio.sleep(0.02 if message == "m0" else 0)  # the first is the slowest
        client.send(f"re {message}")
        running.remove(message)

    await client.open()
    for i in range(10):
        server.sockets[0].send(f"m{i}")
    await wait_until(lambda: len(replies) == 10)
    assert replies == [f"re m{i}" for i in range(10)] and overlaps == []
    await client.close()
    await server.stop()


async def test_a_slow_async_handler_slows_reading_not_memory() -> None:
    server = await loopback_server(send_type="text/plain", ping_interval=None)
    client = client_for(server, receive_type="text/plain", max_queue=4, ping_interval=None)
    emitted: list[str] = []
    client.on("message", emitted.append)  # a plain listener sees what the reader took in
    release = asyncio.Event()

    @client.on("message")
    async def slow(message: str) -> None:
        await release.wait()

    await client.open()
    socket = server.sockets[0]
    n = 2_000
    for i in range(n):
        socket.send(f"{i:08}")
    await asyncio.sleep(0.3)  # time for an unbounded reader to take in everything
    assert len(emitted) <= 4 + 1, len(emitted)
    release.set()
    await wait_until(lambda: len(emitted) == n)
    assert emitted == [f"{i:08}" for i in range(n)]
    await client.close()
    await server.stop()


# -- A8: no lost errors, no noise ---------------------------------------------------------------


async def test_socket_errors_without_a_listener_reach_the_server() -> None:
    server = await loopback_server()
    rec = Recorder(server, ["connection", "error"])
    client = client_for(server, send_type="text/plain")
    await client.open()
    client.send("not { json")
    await rec.count("error", 1)
    error = rec.values("error")[0]
    assert isinstance(error, DecodeError) and error.socket is rec.values("connection")[0]
    await client.close()
    await server.stop()


async def test_an_awaited_failed_open_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(host="127.0.0.1", port=free_port(), number_of_retries=0)
    client.send("queued")
    with caplog.at_level(logging.DEBUG), pytest.raises(ConnectError):
        await client.open()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("attempt 1 failed" in r.getMessage() for r in caplog.records)  # at DEBUG


async def test_a_failed_open_nobody_awaits_is_still_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client(host="127.0.0.1", port=free_port(), number_of_retries=0)
    rec = Recorder(client, ["connecting"])
    with caplog.at_level(logging.ERROR, logger="core"):
        client.open()
        await rec.count("connecting", 1)
        await wait_until(lambda: client.state == "failed")
    assert any("could not connect" in r.getMessage() for r in caplog.records)


async def test_python_m_core_exits_cleanly_with_nothing_on_stderr() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "core", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0 and stderr.decode() == ""
    assert "Received from web socket: Reply message" in stdout.decode()


# -- A9: on / once as decorators ----------------------------------------------------------------


async def test_on_and_once_decorate_and_return_the_function() -> None:
    server = await echo_server()
    seen: list[str] = []

    @server.on("connection")
    def connected(socket: Any) -> None:
        seen.append("connection")

    client = client_for(server)

    @client.once("open")
    def opened() -> None:
        seen.append("open")

    @client.on("message")
    def message(value: Any) -> None:
        seen.append(f"message {value}")

    assert callable(connected) and callable(opened) and callable(message)
    assert client.listeners("message") == [message]
    await client.open()
    client.send("x")
    await wait_until(lambda: "message x" in seen)
    assert seen[0] in ("open", "connection") and client.listener_count("open") == 0
    await client.close()
    await server.stop()


# -- keepalive timeout ----------------------------------------------------------------------------


async def test_ping_timeout_drops_a_peer_that_never_answers_the_keepalive_ping() -> None:
    peer, client, rec = await open_against_a_silent_peer(
        ping_interval=50, ping_timeout=200, close_timeout=200
    )
    started = time.monotonic()
    await rec.count("close", 1)
    assert time.monotonic() - started < TIMEOUT  # not websockets' default of 20 s
    assert rec.args("close")[0][0] == 1011 and client.state == "closed"
    assert Client(ping_timeout=None).options["ping_timeout"] is None
    with pytest.raises(TypeError, match="ping_timeout"):
        Client(ping_timeout="soon")
    await peer.aclose()
