"""The fault lab (``workbench.engine.faults.lab``) on a real engine server, on plain asyncio: for
each fault, what the peer receives (close code, 1006, 1009, missing pong, refused status,
fragments as frames, dropped and delayed messages) and the fault rows on the server's log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from core import Client, Frame
from tests.helpers import TIMEOUT, Recorder
from workbench.engine.faults.catalog import FAULTS, FRAGMENTED_TEXT
from workbench.engine.log.store import FAULT
from workbench.engine.workbench import Workbench

PLAIN = {"receive_type": "text/plain", "send_type": "text/plain", "ping_interval": None}


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[Workbench]:
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


async def listening(engine: Workbench) -> str:
    server_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0, **PLAIN})
    assert server_id is not None
    assert await engine.start_server(server_id)
    return server_id


class Peer:
    """A core Client connected to the engine's server, recording events and frames."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.frames: list[Frame] = []
        client.on("frame", self.frames.append)
        self.record = Recorder(client, ["open", "message", "close"])

    @classmethod
    async def join(cls, engine: Workbench, server_id: str, **options: Any) -> tuple[Peer, str]:
        """A peer and the id of its socket on the server."""
        before = len(engine.sockets_of(server_id))
        port = engine.server(server_id).port
        peer = cls(Client(host="127.0.0.1", port=port, number_of_retries=0, **PLAIN, **options))
        await asyncio.wait_for(peer.client.open(), TIMEOUT)
        await Recorder(engine, []).until(lambda: len(engine.sockets_of(server_id)) > before)
        return peer, engine.sockets_of(server_id)[-1].id

    async def closed(self) -> tuple[Any, ...]:
        await self.record.count("close", 1)
        return self.record.args("close")[0]


def fault_rows(engine: Workbench, log_id: str) -> list[str]:
    return [e.detail for e in engine.log(log_id) if e.kind == FAULT]


@pytest.mark.asyncio
async def test_close_now_sends_that_code_and_reason_and_is_logged_as_a_fault(engine) -> None:
    server_id = await listening(engine)
    peer, socket_id = await Peer.join(engine, server_id)
    other, _other_id = await Peer.join(engine, server_id)
    applied = engine.faults.apply(server_id, "close", socket_id, code=4001, reason="bye")
    assert applied == 1
    assert await peer.closed() == (4001, "bye")
    assert other.client.is_open()  # only the selected socket
    said = "fault: Close now (code 4001, reason 'bye')"
    assert fault_rows(engine, server_id) == [f"{said} on 1 socket"]
    assert fault_rows(engine, socket_id) == [said]


@pytest.mark.asyncio
async def test_cut_tcp_on_all_sockets_gives_each_peer_1006(engine) -> None:
    server_id = await listening(engine)
    peers = [(await Peer.join(engine, server_id))[0] for _ in range(2)]
    assert engine.faults.apply(server_id, "cut") == 2
    assert [await peer.closed() for peer in peers] == [(1006, "")] * 2
    assert all(f.opcode != "close" for peer in peers for f in peer.frames)
    assert fault_rows(engine, server_id) == ["fault: Cut TCP on 2 sockets"]


@pytest.mark.asyncio
async def test_an_oversize_message_makes_the_peer_close_with_1009(engine) -> None:
    server_id = await listening(engine)
    peer, socket_id = await Peer.join(engine, server_id, max_message_size=1000)
    assert engine.faults.apply(server_id, "oversize", socket_id, bytes=2000) == 1
    assert (await peer.closed())[0] == 1009
    assert peer.record.args("message") == []


@pytest.mark.asyncio
async def test_muted_pings_fail_the_peers_keepalive(engine) -> None:
    server_id = await listening(engine)
    url = f"ws://127.0.0.1:{engine.server(server_id).port}/"
    async with connect(url, ping_interval=None) as ws:
        await Recorder(engine, []).until(lambda: engine.server(server_id).open_sockets)
        assert engine.faults.apply(server_id, "mute_pings") == 1
        pong = await ws.ping()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pong, 0.5)  # no pong comes back
    async with connect(url, ping_interval=0.1, ping_timeout=0.3) as ws:
        await Recorder(engine, []).until(lambda: len(engine.server(server_id).open_sockets) == 1)
        engine.faults.apply(server_id, "mute_pings")
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    sent = ws.protocol.close_sent
    assert sent is not None and (sent.code, sent.reason) == (1011, "keepalive ping timeout")


@pytest.mark.asyncio
async def test_a_message_in_n_fragments_reaches_the_peer_as_n_frames(engine) -> None:
    """ "Send in fragments 4" sent 5 frames (4 parts and websockets' empty final frame)."""
    server_id = await listening(engine)
    peer, socket_id = await Peer.join(engine, server_id)
    assert engine.faults.apply(server_id, "fragments", socket_id, count=4) == 1
    await peer.record.count("message", 1)
    assert peer.record.values("message") == [FRAGMENTED_TEXT]
    message = [f for f in peer.frames if f.direction == "in" and f.opcode != "ping"]
    assert [(f.opcode, f.fin) for f in message] == [
        ("text", False),
        ("continuation", False),
        ("continuation", False),
        ("continuation", True),
    ]
    assert b"".join(f.data for f in message) == FRAGMENTED_TEXT.encode()


@pytest.mark.asyncio
async def test_the_next_n_messages_are_dropped_then_sending_goes_on(engine) -> None:
    server_id = await listening(engine)
    peer, socket_id = await Peer.join(engine, server_id)
    assert engine.faults.apply(server_id, "drop", socket_id, count=2) == 1
    for n in range(1, 5):
        assert engine.send(socket_id, f"m{n}")
    await peer.record.count("message", 2)
    await asyncio.sleep(0.05)  # nothing more comes (m1, m2 were never sent)
    assert peer.record.values("message") == ["m3", "m4"]
    assert fault_rows(engine, socket_id) == [
        "fault: Drop next (messages 2)",
        "dropped an outgoing message (fault lab, 1 more to drop)",
        "dropped an outgoing message (fault lab)",
    ]


@pytest.mark.asyncio
async def test_delayed_auto_replies_arrive_at_least_n_ms_later_in_order(engine) -> None:
    server_id = await listening(engine)
    assert engine.set_auto_reply(server_id, "echo")
    peer, socket_id = await Peer.join(engine, server_id)
    assert engine.faults.apply(server_id, "delay", socket_id, ms=300) == 1
    arrived: list[float] = []
    peer.client.on("message", lambda _m: arrived.append(time.monotonic()))
    started = time.monotonic()
    for word in ("a", "b", "c"):
        peer.client.send(word)
    await peer.record.count("message", 3)
    assert peer.record.values("message") == ["a", "b", "c"]
    assert min(arrived) - started >= 0.3
    engine.faults.apply(server_id, "delay", socket_id, ms=0)  # 0 ends the delay
    assert not engine.socket(socket_id).outgoing.active


@pytest.mark.asyncio
async def test_the_next_handshakes_are_refused_with_the_chosen_status(engine) -> None:
    server_id = await listening(engine)
    assert engine.faults.apply(server_id, "refuse", count=2, status=429) == 1
    url = f"ws://127.0.0.1:{engine.server(server_id).port}/"
    for _ in range(2):
        with pytest.raises(InvalidStatus) as refused:
            await asyncio.wait_for(connect(url), TIMEOUT)
        assert refused.value.response.status_code == 429
    async with connect(url) as ws:  # the third one is accepted
        await ws.ping()
    rows = fault_rows(engine, server_id)
    assert rows[0] == "fault: Refuse handshakes (next 2, HTTP status 429)"
    assert [row.split(" with ")[1] for row in rows[1:]] == [
        "HTTP 429 (1 more)",
        "HTTP 429 (0 more)",
    ]


@pytest.mark.asyncio
async def test_a_refused_attempt_that_a_retry_passes_is_a_row_of_the_clients_log(engine) -> None:
    """Refuse next 1 with 503, then Open with retries: the log showed only the attempts and
    "open"; the refusal the retry got past is a row of its own."""
    server_id = await listening(engine)
    assert engine.faults.apply(server_id, "refuse", count=1, status=503) == 1
    client_id = engine.add_client_for(
        server_id, {"number_of_retries": 2, "time_between_retries": 10}, "retrier"
    )
    assert client_id is not None and await engine.open_client(client_id)
    rows = [(e.kind, e.detail) for e in engine.log(client_id) if e.kind in ("connecting", "error")]
    url = engine.client(client_id).url
    assert [kind for kind, _detail in rows] == ["connecting", "error", "connecting"]
    assert rows[0][1] == f"attempt 1 of 3 to {url}" and rows[2][1] == f"attempt 2 of 3 to {url}"
    failed = rows[1][1]
    assert failed.startswith("attempt 1 of 3 failed: ") and "503" in failed
    assert "refused by the workbench's fault lab" in failed
    assert engine.client(client_id).state == "open" and not engine.errors  # not a failure


@pytest.mark.asyncio
async def test_bad_parameters_and_no_socket_are_reported_and_change_nothing(engine) -> None:
    server_id = await listening(engine)
    assert engine.faults.apply(server_id, "delay", ms=10) == 0  # no socket yet
    peer, socket_id = await Peer.join(engine, server_id)
    assert engine.faults.apply(server_id, "delay", socket_id, ms=-1) == 0
    assert engine.faults.apply(server_id, "delay", socket_id, ms="9") == 0
    assert engine.faults.apply(server_id, "no-such-fault", socket_id) == 0
    assert engine.faults.apply(server_id, "close", socket_id, code=1005) == 0  # not sendable
    messages = [message for _context, message in engine.errors]
    assert messages[0] == "fault not applied: no open socket for 'Delay replies'"
    assert messages[1] == "fault not applied: ms must be from 0 to 600000"
    assert "whole number" in messages[2] and "no fault called" in messages[3]
    assert "1005" in messages[4]
    assert peer.client.is_open() and not engine.socket(socket_id).outgoing.active


@pytest.mark.asyncio
async def test_clear_ends_delays_drops_muted_pings_and_refusals(engine) -> None:
    server_id = await listening(engine)
    url = f"ws://127.0.0.1:{engine.server(server_id).port}/"
    async with connect(url, ping_interval=None) as ws:
        await Recorder(engine, []).until(lambda: engine.server(server_id).open_sockets)
        for name, given in (("mute_pings", {}), ("delay", {"ms": 9000}), ("drop", {"count": 5})):
            engine.faults.apply(server_id, name, **given)
        engine.faults.apply(server_id, "refuse", count=3, status=503)
        engine.faults.clear(server_id)
        await asyncio.wait_for(await ws.ping(), TIMEOUT)  # answered again
        socket_id = engine.sockets_of(server_id)[0].id
        assert engine.send(socket_id, "now")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "now"
    async with connect(url):
        pass
    assert fault_rows(engine, server_id)[-1] == "faults cleared"


@pytest.mark.asyncio
async def test_every_fault_has_a_label_help_and_defaults_in_range() -> None:
    assert [spec.name for spec in FAULTS] == [
        "close", "delay", "drop", "mute_pings", "oversize", "fragments", "refuse", "cut"
    ]  # fmt: skip
    for spec in FAULTS:
        assert spec.label and spec.help
        for p in spec.parameters:
            assert p.text or p.minimum <= p.default <= p.maximum  # type: ignore[operator]


def test_the_first_request_hook_that_answers_wins() -> None:
    from workbench.engine.request_hooks import first_answer

    async def page(_request):
        return 200, "<html>", [("Content-Type", "text/html")]

    asked: list[str] = []

    def refuse_once(_request):
        asked.append("refuse")
        return (403, "no\n") if len(asked) == 1 else None

    assert first_answer(None, None) is None
    assert first_answer(None, refuse_once) is refuse_once
    hook = first_answer(refuse_once, page)
    assert asyncio.run(hook(object())) == (403, "no\n")
    assert asyncio.run(hook(object()))[0] == 200
    assert asked == ["refuse", "refuse"]
