"""core._close_reaper: a peer that keeps TCP open after the closing handshake is cut off at
close_timeout (rounded up to a tick), by one timer per tick shared by every connection."""

from __future__ import annotations

import asyncio
import time

import pytest

from core import Client
from core._close_reaper import TICK, reaper_of
from tests.core.raw_server import RawServer, close_payload, server_frame
from tests.helpers import TIMEOUT, Recorder

pytestmark = pytest.mark.asyncio


async def test_a_client_cuts_off_a_server_that_never_ends_tcp_at_close_timeout() -> None:
    raw = await RawServer().start()
    raw.gate.set()
    close_timeout = 0.4  # seconds; the option is in milliseconds
    client = Client(
        host="127.0.0.1",
        port=raw.port,
        number_of_retries=0,
        ping_interval=None,
        close_timeout=close_timeout * 1000,
    )
    events = Recorder(client, ["close"])
    await asyncio.wait_for(client.open(), TIMEOUT)
    started = time.monotonic()
    raw.write(server_frame(0x8, close_payload(4000, b"bye")))  # and TCP stays open
    echoed = await raw.eof(timeout=TIMEOUT)  # the client's close frame, then its abort
    elapsed = time.monotonic() - started
    assert echoed[:1] == b"\x88"  # the client answered the close
    await events.count("close", 1)
    assert events.args("close") == [(4000, "bye")]
    # Not before the deadline; at most a tick after it (plus a slow machine's margin).
    assert close_timeout - 0.05 <= elapsed < close_timeout + TICK + 2.0
    await raw.aclose()


async def _tcp_pair(
    server: asyncio.Server,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    port = server.sockets[0].getsockname()[1]
    return await asyncio.open_connection("127.0.0.1", port)


async def test_the_reaper_aborts_what_is_due_and_spares_what_left_its_set() -> None:
    accepted: list[asyncio.StreamReader] = []

    async def keep(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        accepted.append(reader)

    server = await asyncio.start_server(keep, "127.0.0.1", 0)
    loop = asyncio.get_running_loop()
    reaper = reaper_of(loop)
    assert reaper_of(loop) is reaper  # one per loop
    (_, due), (_, spared) = await _tcp_pair(server), await _tcp_pair(server)
    deadline = loop.time() + 0.05
    watched = reaper.watch(due.transport, deadline)  # type: ignore[arg-type]
    same_tick = reaper.watch(spared.transport, deadline)  # type: ignore[arg-type]
    assert watched is same_tick  # one set, one timer, per tick
    same_tick.discard(spared.transport)  # the peer ended first
    for _ in range(100):
        if len(accepted) == 2:
            break
        await asyncio.sleep(0.01)
    first, second = accepted
    assert await asyncio.wait_for(first.read(), TIMEOUT) == b""  # aborted: EOF at the peer
    assert due.transport.is_closing() and not spared.transport.is_closing()
    spared.write(b"still open")
    assert await asyncio.wait_for(second.readexactly(10), TIMEOUT) == b"still open"
    spared.close()
    server.close()
    await server.wait_closed()
