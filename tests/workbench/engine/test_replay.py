"""Replay (Qt-free): an exported log sent again from a client and from a server-side socket
of a real loopback pair, in order, with its timing scaled; cancel; a closed target."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from workbench.engine.load.replay import Replay, load_replay, replay_log
from workbench.engine.log.jsonl import LogFileError, export_jsonl
from workbench.engine.log.store import IN, MESSAGE, OUT, LogEntry, LogStore
from workbench.engine.workbench import Workbench

pytestmark = pytest.mark.asyncio

LOCAL = "127.0.0.1"
TIMEOUT = 10.0
GAP = 0.25  # seconds between the recorded messages


def recorded_log(path: Path, count: int = 5) -> Path:
    """A log whose side sent ``count`` JSON messages GAP apart (and received one, not replayed)."""
    store = LogStore(10_000, "recorded")
    t0 = 1_700_000_000.0
    for n in range(count):
        raw = json.dumps({"n": n})
        store.append_row(
            LogEntry(OUT, MESSAGE, mime="application/json", raw=raw, time=t0 + n * GAP).as_row()
        )
    reply = LogEntry(IN, MESSAGE, mime="application/json", raw='"reply"', time=t0 + 0.1)
    store.append_row(reply.as_row())
    export_jsonl(store, path)
    return path


@pytest_asyncio.fixture
async def pair() -> AsyncIterator[tuple[Workbench, str, str]]:
    """An engine with a started server and one open client to it: (engine, server, client)."""
    engine = Workbench()
    server_id = engine.add_server({"hostInterface": LOCAL, "port": 0}, name="srv")
    assert server_id is not None and await engine.start_server(server_id)
    client_id = engine.add_client_for(server_id, {"numberOfRetries": 0}, "c")
    assert client_id is not None and await engine.open_client(client_id)
    await until(lambda: len(engine.sockets_of(server_id)) == 1)
    yield engine, server_id, client_id
    assert await asyncio.wait_for(engine.shutdown(TIMEOUT), TIMEOUT + 1)


async def until(condition, timeout: float = TIMEOUT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {condition!r}"
        await asyncio.sleep(0.005)


def received(store: LogStore) -> list[tuple[float, object]]:
    return [(e.time, e.value) for e in store if e.kind == MESSAGE and e.direction == IN]


@pytest.mark.parametrize(("speed", "low", "high"), [(1.0, 0.9, 3.0), (2.0, 0.45, 1.6)])
async def test_a_client_replays_a_log_in_order_with_its_timing_scaled(
    pair, tmp_path: Path, speed: float, low: float, high: float
) -> None:
    engine, server_id, client_id = pair
    entries = await load_replay(recorded_log(tmp_path / "log.jsonl"))
    assert [e.value for e in entries] == [{"n": n} for n in range(5)]  # the "in" one is left out
    progress: list[tuple[int, int]] = []
    replay = Replay(
        entries, lambda v: engine.send(client_id, v), speed, lambda d, t: progress.append((d, t))
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await asyncio.wait_for(replay.run(), TIMEOUT) == 5
    took = loop.time() - started
    assert progress == [(n, 5) for n in range(1, 6)]
    socket_log = engine.sockets_of(server_id)[0].log
    await until(lambda: len(received(socket_log)) == 5)
    got = received(socket_log)
    assert [value for _t, value in got] == [{"n": n} for n in range(5)]
    # The spacing is the recorded one scaled: generous bounds on a shared machine.
    assert low * 4 * GAP / speed <= took <= high * 4 * GAP / speed
    assert got[-1][0] - got[0][0] >= low * 4 * GAP / speed


async def test_a_server_socket_replays_as_fast_as_possible_and_can_be_cancelled(
    pair, tmp_path: Path
) -> None:
    engine, server_id, client_id = pair
    socket_id = engine.sockets_of(server_id)[0].id
    entries = await load_replay(recorded_log(tmp_path / "log.jsonl", count=500))
    fast = Replay(entries, lambda v: engine.send(socket_id, v), None)
    assert await asyncio.wait_for(fast.run(), TIMEOUT) == 500
    client_log = engine.client(client_id).log
    await until(lambda: client_log.messages_in == 500)
    assert [v for _t, v in received(client_log)] == [{"n": n} for n in range(500)]

    slow = Replay(entries[:3], lambda v: engine.send(socket_id, v), 0.05)  # 5 s apart
    task = asyncio.ensure_future(slow.run())
    await until(lambda: slow.done == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.2)
    assert slow.done == 1 and client_log.messages_in == 501


async def test_a_replay_stops_when_its_target_closes_and_bad_input_is_refused(
    pair, tmp_path: Path
) -> None:
    engine, _server_id, client_id = pair
    entries = await load_replay(recorded_log(tmp_path / "log.jsonl"))
    assert await engine.close_client(client_id)
    replay = Replay(entries, lambda v: engine.send(client_id, v), None)
    assert await replay.run() == 0 and replay.stopped
    with pytest.raises(ValueError, match="positive"):
        Replay(entries, lambda v: True, 0)
    (tmp_path / "not.jsonl").write_text('{"hello": 1}\n')
    with pytest.raises(LogFileError, match="not a WebSocket Workbench log"):
        await load_replay(tmp_path / "not.jsonl")


async def test_replay_log_reports_a_bad_file_and_replays_a_good_one(pair, tmp_path: Path) -> None:
    engine, server_id, client_id = pair
    (tmp_path / "bad.jsonl").write_text("nonsense\n")
    assert await replay_log(engine, tmp_path / "bad.jsonl", client_id, None) is False
    assert engine.errors[-1][0] == "Replay from c"
    assert "not a WebSocket Workbench log" in engine.errors[-1][1]
    progress: list[tuple[int, int]] = []
    path = recorded_log(tmp_path / "log.jsonl")
    assert await replay_log(engine, path, client_id, None, progress=lambda *p: progress.append(p))
    assert progress[0] == (0, 5) and progress[-1] == (5, 5)
    socket_log = engine.sockets_of(server_id)[0].log
    await until(lambda: socket_log.messages_in == 5)
    assert await replay_log(engine, path, client_id, None, directions=("event",)) is False
    assert "no messages of that direction" in engine.errors[-1][1]


async def test_a_pass_through_client_replays_the_payloads_as_they_travelled(
    pair, tmp_path: Path
) -> None:
    engine, server_id, _client_id = pair
    raw_client = engine.add_client_for(server_id, {"numberOfRetries": 0, "send_type": "*/*"}, "raw")
    assert raw_client is not None and await engine.open_client(raw_client)
    await until(lambda: len(engine.sockets_of(server_id)) == 2)
    path = recorded_log(tmp_path / "log.jsonl", count=3)
    assert await replay_log(engine, path, raw_client, None)  # a dict would not convert to */*
    socket_log = engine.sockets_of(server_id)[1].log
    await until(lambda: socket_log.messages_in == 3)
    assert [e.raw for e in socket_log if e.kind == MESSAGE] == [
        json.dumps({"n": n}) for n in range(3)
    ]
