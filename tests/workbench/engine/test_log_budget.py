"""The workspace-wide log budget (issue 17, A3): logs count real memory, the logs of closed
sockets go first (oldest closed first) when the budget is reached, then the oldest rows of
the biggest open logs; connect/close churn is freed beyond it. Pure tests of the store and
the budget, then a real server on 127.0.0.1 with real clients."""

from __future__ import annotations

import asyncio
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect

from workbench.engine.log.budget import MIN_LOG_BUDGET, SOCKET_COST, LogBudget
from workbench.engine.log.entry import ROW_OVERHEAD, row_cost
from workbench.engine.log.store import IN, OUT, LogStore
from workbench.engine.workbench import Workbench

MIB = 2**20
TIMEOUT = 10.0


def test_a_log_of_text_with_an_emoji_stays_within_its_byte_cap_in_real_memory() -> None:
    """Python keeps a string with one emoji at 4 bytes per character: counting UTF-8 bytes
    (100 KB a message here) let an 8 MiB log hold 33 MB."""
    cap = 8 * MIB
    store = LogStore(byte_capacity=cap)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(200):  # made here and kept by the log alone, as the wire gives them
            store.add_message(IN, "text/plain", "😀" + f"{n:05d}" * 20_000)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    message = sys.getsizeof("😀" + "x" * 100_000)
    assert store.stored_bytes <= cap
    assert held <= cap * (1 + 1 / 16) + message, f"{held / MIB:.1f} MiB held"
    assert store.stored_bytes == sum(row_cost(row) for row in store.rows())
    assert row_cost(store.row(0)) == ROW_OVERHEAD + sys.getsizeof(store.row(0)[5])


def test_the_budget_counts_what_its_logs_hold_and_sheds_the_biggest_open_log() -> None:
    budget = LogBudget(MIN_LOG_BUDGET)
    evicted: list[int] = []
    budget.listeners.append(lambda: evicted.append(budget.evicted_rows))
    small, big = budget.track(LogStore()), budget.track(LogStore())
    small.add_message(IN, "text/plain", "hello")
    for _ in range(10):
        big.add_message(OUT, "application/octet-stream", b"\0" * MIB)
    assert budget.used == small.stored_bytes + big.stored_bytes
    assert budget.logs == 2 and not evicted
    for _ in range(10):  # past 16 MiB: the oldest rows of the biggest log go
        big.add_message(OUT, "application/octet-stream", b"\1" * MIB)
    assert budget.used <= budget.limit
    assert budget.used == small.stored_bytes + big.stored_bytes
    assert [e.raw for e in small] == ["hello"]  # the small log was left alone
    assert big.dropped == budget.evicted_rows > 0 and evicted
    assert big[len(big) - 1].raw == b"\1" * MIB  # the newest row stays
    budget.release(big)
    assert budget.used == small.stored_bytes and len(big) == 0  # released and freed


def test_evictors_free_memory_before_open_logs_are_shed() -> None:
    budget = LogBudget(MIN_LOG_BUDGET)
    closed = [budget.track(LogStore(name=f"closed {n}")) for n in range(3)]
    open_log = budget.track(LogStore(name="open"))
    for store in closed:
        for _ in range(5):
            store.add_message(IN, "application/octet-stream", b"\0" * MIB)
    forgotten: list[str] = []

    def forget_oldest(target: int) -> None:
        while budget.used > target and closed:
            store = closed.pop(0)
            forgotten.append(store.name)
            budget.forgotten(store)

    budget.evictors.append(forget_oldest)
    for _ in range(3):
        open_log.add_message(IN, "application/octet-stream", b"\1" * MIB)
    assert forgotten == ["closed 0"] and budget.evicted_logs == 1
    assert budget.evicted_rows == 5 and open_log.dropped == 0
    assert budget.used <= budget.limit


def test_a_budget_smaller_than_the_minimum_is_refused_in_words() -> None:
    with pytest.raises(ValueError, match=r"at least 16\.0 MiB"):
        LogBudget(MIN_LOG_BUDGET - 1)


async def until(condition: Callable[[], Any], what: str) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(poll(), TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def big_server(engine: Workbench) -> tuple[str, int]:
    options = {"host_interface": "127.0.0.1", "port": 0, "receive_type": "*/*"}
    server_id = engine.add_server({**options, "send_type": "*/*", "max_message_size": None})
    assert server_id is not None and await engine.start_server(server_id)
    return server_id, engine.server(server_id).port or 0


@pytest.mark.asyncio
async def test_closed_sockets_logs_are_evicted_oldest_first_when_the_budget_is_reached() -> None:
    engine = Workbench()
    assert engine.set_log_budget(MIN_LOG_BUDGET)
    removed: list[str] = []
    changed: list[int] = []
    closed: list[str] = []
    engine.on("socket_closed", lambda _server, socket_id, _code, _reason: closed.append(socket_id))
    engine.on("socket_removed", lambda _server, socket_id: removed.append(socket_id))
    engine.on("log_budget_changed", lambda: changed.append(engine.log_budget.evicted_logs))
    try:
        server_id, port = await big_server(engine)
        for n in range(5):  # 5 sockets × 5 MB, one after the other, each closed
            async with connect(f"ws://127.0.0.1:{port}/", max_size=None, proxy=None) as ws:
                for _ in range(5):
                    await ws.send(bytes([n]) * MIB)
            await until(lambda n=n: len(closed) == n + 1, "the close")
        async with connect(f"ws://127.0.0.1:{port}/", max_size=None, proxy=None) as ws:
            for _ in range(3):
                await ws.send(b"\xff" * MIB)
            await until(lambda: engine.sockets_of(server_id)[-1].log.messages_in == 3, "3 in")
            live = engine.sockets_of(server_id)[-1]
            assert live.is_open and len(live.log) == 5  # handshake, open, 3 messages
            assert live.log.dropped == 0
        budget = engine.log_budget
        assert budget.used <= budget.limit
        ids = [f"{server_id}/socket-{n}" for n in range(1, 7)]
        assert removed == ids[: len(removed)] and len(removed) >= 2  # oldest closed first
        assert [s.id for s in engine.sockets_of(server_id)] == ids[len(removed) :]
        assert budget.evicted_logs == len(removed) and changed and changed[-1] == len(removed)
        assert budget.evicted_rows >= 7 * len(removed)  # each had 5 messages and 2+ events
    finally:
        await engine.shutdown()


@pytest.mark.asyncio
async def test_connect_close_churn_is_forgotten_beyond_the_budget(monkeypatch) -> None:
    """Every closed socket's handle counts ``SOCKET_COST``: with a 1 MiB budget (a test-only
    limit) 120 connections keep only the newest that fit."""
    monkeypatch.setattr("workbench.engine.log.budget.MIN_LOG_BUDGET", 1)
    engine = Workbench()
    assert engine.set_log_budget(MIB)
    try:
        server_id, port = await big_server(engine)
        for _ in range(120):
            async with connect(f"ws://127.0.0.1:{port}/", proxy=None):
                pass
        handle = engine.server(server_id)
        await until(lambda: not handle.open_sockets and len(handle.log) >= 240, "120 closes")
        kept = [int(s.id.rsplit("-", 1)[1]) for s in engine.sockets_of(server_id)]
        assert 0 < len(kept) <= MIB // SOCKET_COST
        assert kept == list(range(121 - len(kept), 121))  # the newest ones
        assert engine.log_budget.used <= MIB
        assert engine.log_budget.evicted_logs == 120 - len(kept)
    finally:
        await engine.shutdown()
