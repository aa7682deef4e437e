"""Connection caps and failed accepts (issue 17, A2), with real sockets.

One student could open 1,015 sockets at a desktop's 1,024-file limit: new students timed out
and asyncio logged a traceback for every failed ``accept()`` (10,183 of them in 3 s in the
test below, before). Now a Server takes ``max_connections`` in total and ``max_per_address``
from one address: the next is answered HTTP 503 with the reason and reported on
``'refused'``; and a failed accept is an ``AcceptError`` on ``'error'``, at most one a second
of each kind, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket as socket_module
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core import AcceptError, ConnectError, HandshakeRefusal, Server
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server, wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.asyncio
async def test_over_max_per_address_a_client_is_refused_with_503_and_the_reason() -> None:
    server = await loopback_server(ping_interval=None, max_per_address=3)
    refused = Recorder(server, ["refused"])
    clients = [client_for(server) for _ in range(3)]
    await asyncio.wait_for(asyncio.gather(*(c.open() for c in clients)), TIMEOUT)
    extra = client_for(server)
    with pytest.raises(ConnectError) as info:
        await asyncio.wait_for(extra.open(), TIMEOUT)
    assert info.value.status == 503
    assert "too many connections from 127.0.0.1: at most 3" in info.value.reason
    assert "max_per_address" in info.value.reason
    assert info.value.response_headers is not None
    assert info.value.response_headers["Retry-After"] == "5"
    await refused.count("refused", 1)
    refusal: HandshakeRefusal = refused.values("refused")[0]
    assert refusal.status == 503 and refusal.reason == info.value.reason
    assert refusal.remote_address[0] == "127.0.0.1"
    # One leaves: there is room again.
    await asyncio.wait_for(clients[0].close(), TIMEOUT)
    await wait_until(lambda: len(server.sockets) == 2)
    again = client_for(server)
    await asyncio.wait_for(again.open(), TIMEOUT)
    await asyncio.gather(*(c.close() for c in [*clients[1:], again]))
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.asyncio
async def test_over_max_connections_the_server_is_full() -> None:
    server = await loopback_server(ping_interval=None, max_connections=2)
    refused = Recorder(server, ["refused"])
    clients = [client_for(server) for _ in range(2)]
    await asyncio.wait_for(asyncio.gather(*(c.open() for c in clients)), TIMEOUT)
    with pytest.raises(ConnectError) as info:
        await asyncio.wait_for(client_for(server).open(), TIMEOUT)
    assert info.value.status == 503 and "the server is full" in info.value.reason
    await refused.count("refused", 1)
    await asyncio.gather(*(c.close() for c in clients))
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.asyncio
async def test_connections_still_in_their_handshake_count_too() -> None:
    """Each holds a file descriptor until handshake_timeout: idle TCP connections count."""
    server = await loopback_server(ping_interval=None, max_per_address=2)
    loop = asyncio.get_running_loop()
    idle = []
    for _ in range(2):
        sock = socket_module.socket()
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", server.port))
        idle.append(sock)
    await asyncio.sleep(0.05)  # accepted by now
    with pytest.raises(ConnectError) as info:
        await asyncio.wait_for(client_for(server).open(), TIMEOUT)
    assert info.value.status == 503
    for sock in idle:
        sock.close()
    await asyncio.sleep(0.05)
    client = client_for(server)
    await asyncio.wait_for(client.open(), TIMEOUT)  # room again once they left
    await client.close()
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.asyncio
async def test_a_refused_connection_is_closed_once_its_answer_is_written() -> None:
    """Before: websockets waited close_timeout (10 s) for a refused client to end TCP, so a
    client refused for a cap (or any other reason) still held the server's descriptor."""
    from tests.faults.rawws import RawClient

    server = await loopback_server(ping_interval=None, allowed_origins=["http://school"])
    refused = await RawClient.connect(server.port)
    refused.send(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Origin: http://elsewhere\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    assert (await refused.response_head()).startswith(b"HTTP/1.1 403")
    await asyncio.wait_for(refused.reader.read(), 2.0)  # the server's half-close: EOF
    # Whether the server let the connection go (not only its sending half): once it has,
    # what the client still writes is answered with a reset.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2.0  # close_timeout is 10 s
    while not refused.writer.transport.is_closing() and loop.time() < deadline:
        refused.writer.write(b"anyone there?")
        await asyncio.sleep(0.05)
    assert refused.writer.transport.is_closing()
    await refused.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


def test_the_caps_are_whole_numbers() -> None:
    with pytest.raises(TypeError, match="'max_per_address' is a whole number"):
        Server(max_per_address="10")
    with pytest.raises(ValueError, match="'max_connections' must be 0 or more"):
        Server(max_connections=-1)


CHILD = textwrap.dedent(
    """
    import asyncio, resource, sys
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    from core import Server

    async def main():
        server = Server(host_interface="127.0.0.1", port=0, ping_interval=None)
        errors = []
        server.on("error", errors.append)
        await server.start()
        print(server.port, flush=True)
        await asyncio.sleep(float(sys.argv[1]))
        await server.stop()
        kinds = sorted({type(e).__name__ for e in errors})
        causes = sorted({getattr(e.cause, "errno", None) for e in errors})
        print(len(errors), sum(e.left_out for e in errors), kinds, causes, flush=True)

    asyncio.run(main())
    """
)


def test_accept_errors_are_reported_once_a_second_and_never_flood_stderr() -> None:
    """A server process at a 64-file limit, 200 connections at once: before, asyncio logged
    a traceback for each failed accept (thousands); now one AcceptError a second."""
    seconds = 2.0
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    port = int(child.stdout.readline())
    peers = []
    try:
        for _ in range(200):
            sock = socket_module.socket()
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
            peers.append(sock)
        out, err = child.communicate(timeout=30)
    finally:
        for sock in peers:
            sock.close()
        if child.poll() is None:
            child.kill()
    count, left_out, kinds, causes = out.strip().rsplit("\n", 1)[-1].split(" ", 3)
    assert kinds == "['AcceptError']" and causes == "[24]", out  # EMFILE
    assert 1 <= int(count) <= seconds + 1, out
    assert int(left_out) > 0, out  # the ones not reported are counted
    assert "Traceback" not in err
    assert len(err.splitlines()) <= seconds + 1, err  # one warning line per report
    assert "too many open files" in err and "max_connections" in err


def test_an_accept_error_says_what_to_do() -> None:
    error = AcceptError("127.0.0.1", 8080, OSError(24, "Too many open files"), left_out=7)
    assert str(error) == (
        "could not accept a connection on 127.0.0.1:8080: too many open files (this process"
        " is at its limit of file descriptors: cap the connections with max_connections /"
        " max_per_address, or raise the limit, e.g. ulimit -n) (7 more since the last report)"
    )
