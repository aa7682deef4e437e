"""The fault lab toward the upstream (the relay's ``core.Client`` leg): stop answering pings,
send fragments and cut TCP each do to a real upstream server what they say, through the
engine's relay control, and are ``fault`` rows of the connection's log."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core import Frame
from tests.helpers import TIMEOUT, Recorder
from workbench.engine.faults.catalog import FRAGMENTED_TEXT
from workbench.engine.log.store import FAULT
from workbench.engine.workbench import Workbench

from .peers import upstream_server
from .test_relay_controller import client_to, started

pytestmark = pytest.mark.asyncio


async def relayed(engine: Workbench, upstream: Any) -> tuple[Any, ...]:
    """An open client through a started relay to ``upstream``: its close Recorder, the
    upstream's socket and Recorder, the connection's record id and the relay handle."""
    relay_id, handle = await started(engine, upstream.url())
    client = client_to(handle)
    closed = Recorder(client, ["message", "close", "error"])
    await client.open()
    socket, record = await upstream.socket()
    (record_id,) = handle.connections
    return relay_id, handle, record_id, client, closed, socket, record


def faults_logged(handle: Any, record_id: str) -> list[str]:
    return [e.detail for e in handle.connections[record_id].log if e.kind == FAULT]


async def test_muted_pings_toward_the_upstream_fail_its_keepalive() -> None:
    engine = Workbench()
    # the upstream pings every 100 ms and gives up after 300 ms without a pong
    async with upstream_server(ping_interval=100, ping_timeout=300) as upstream:
        relay_id, handle, record_id, _client, closed, socket, record = await relayed(
            engine, upstream
        )
        seen: list[Frame] = []
        socket.on("frame", seen.append)
        assert engine.relays.apply_fault(record_id, "upstream", "mute_pings")
        await record.count("close", 1)
        assert record.args("close")[0] == (1011, "keepalive ping timeout")
        await closed.count("close", 1)  # the relay passes the upstream's close on
        assert closed.args("close")[0] == (1011, "keepalive ping timeout")
        pings = {(f.direction, f.opcode) for f in seen if f.opcode in ("ping", "pong")}
        assert ("out", "ping") in pings and ("in", "pong") not in pings
        assert faults_logged(handle, record_id)[-1].startswith(
            "#1 relay ↔ upstream: fault: Stop answering pings"
        )
        await engine.relays.stop(relay_id)


async def test_clear_answers_the_upstreams_pings_again() -> None:
    engine = Workbench()
    async with upstream_server(ping_interval=None) as upstream:
        relay_id, _handle, record_id, _client, _closed, socket, _record = await relayed(
            engine, upstream
        )
        assert engine.relays.apply_fault(record_id, "upstream", "mute_pings")
        engine.relays.clear_faults(record_id)
        assert await asyncio.wait_for(socket.ping(), TIMEOUT) >= 0  # muted: TimeoutError
        await engine.relays.stop(relay_id)


async def test_fragments_toward_the_upstream_arrive_as_one_message_in_that_many_frames() -> None:
    engine = Workbench()
    async with upstream_server(reply=None) as upstream:
        relay_id, handle, record_id, _client, _closed, socket, record = await relayed(
            engine, upstream
        )
        seen: list[Frame] = []
        socket.on("frame", seen.append)
        assert engine.relays.apply_fault(record_id, "upstream", "fragments", count=3)
        await record.count("message", 1)
        assert record.values("message") == [FRAGMENTED_TEXT]
        data = [(f.opcode, f.fin) for f in seen if f.direction == "in"]
        assert data == [("text", False), ("continuation", False), ("continuation", True)]
        assert b"".join(f.data for f in seen if f.direction == "in") == FRAGMENTED_TEXT.encode()
        assert faults_logged(handle, record_id)[-1] == (
            "#1 relay ↔ upstream: fault: Send in fragments (fragments 3)"
        )
        await engine.relays.stop(relay_id)


async def test_cut_tcp_toward_the_upstream_drops_it_without_a_close_frame() -> None:
    engine = Workbench()
    async with upstream_server() as upstream:
        relay_id, handle, record_id, _client, closed, socket, record = await relayed(
            engine, upstream
        )
        seen: list[Frame] = []
        socket.on("frame", seen.append)
        assert engine.relays.apply_fault(record_id, "upstream", "cut")
        await record.count("close", 1)
        assert record.args("close")[0] == (1006, "")
        assert [type(e).__name__ for e in record.values("error")] == ["ConnectionLostError"]
        assert not [f for f in seen if f.opcode == "close"]
        await closed.count("close", 1)  # the client hears the upstream is gone
        assert closed.args("close")[0] == (1014, "upstream gone")
        assert "Cut TCP" in faults_logged(handle, record_id)[-1]
        await engine.relays.stop(relay_id)
