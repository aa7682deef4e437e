"""RateMeter / RateSampler (Qt-free): per-second buckets from cumulative log totals, and
the rates of a real loopback pair sampled from the engine."""

from __future__ import annotations

import asyncio

import pytest

from workbench.engine.load.many_clients import add_many_clients, numbered_names, open_many
from workbench.engine.load.rates import (
    HISTORY_SECONDS,
    PLOT_SPANS,
    RateMeter,
    RateSampler,
    span_to_fit,
)
from workbench.engine.log.store import IN, OUT, LogStore
from workbench.engine.workbench import Workbench

LOCAL = "127.0.0.1"
TIMEOUT = 10.0


def test_a_meter_reports_the_newest_complete_second_and_zeros_for_quiet_ones() -> None:
    meter = RateMeter(seconds=5)
    assert meter.rate("messages_in") == 0 and meter.history("bytes_in") == [0, 0, 0, 0]
    meter.add(100, (3, 1, 30, 10))
    meter.add(100, (2, 0, 20, 0))
    assert meter.rate("messages_in") == 0  # second 100 is not complete yet
    meter.add(101, (7, 0, 70, 0))
    assert (meter.rate("messages_in"), meter.rate("bytes_in"), meter.rate("messages_out")) == (
        5,
        50,
        1,
    )
    meter.add(104, (0, 0, 0, 0))  # 102 and 103 were quiet
    assert meter.history("messages_in") == [5, 7, 0, 0]
    meter.add(50, (9, 9, 9, 9))  # older than the history: ignored
    meter.add(1000, (1, 0, 0, 0))  # a long gap clears every bucket
    assert meter.history("messages_in") == [0, 0, 0, 0]
    with pytest.raises(ValueError):
        RateMeter(seconds=1)


def test_a_sampler_turns_totals_into_rates_and_sums_a_group() -> None:
    a, b = LogStore(100, "a"), LogStore(100, "b")
    sampler = RateSampler(seconds=10)
    sampler.sample([("a", a, 0, "srv"), ("b", b, 0, "srv")], now=10.0)
    for _ in range(4):
        a.add_message(IN, "text/plain", "abcd")
    b.add_message(OUT, "text/plain", "xy")
    sampler.sample([("a", a, 2, "srv"), ("b", b, 1, "srv")], now=10.5)
    sampler.sample([("a", a, 2, "srv"), ("b", b, 0, "srv")], now=11.2, groups=["idle"])
    assert sampler.meter("a").rate("messages_in") == 4
    assert sampler.meter("a").rate("bytes_in") == 16
    assert sampler.meter("srv").rate("messages_in") == 4
    assert sampler.meter("srv").rate("bytes_out") == 2
    assert sampler.meter("srv").backlog == 2 and sampler.meter("b").backlog == 0
    assert sampler.meter("idle").rate("messages_in") == 0
    a.clear()  # totals stay; a new store would restart them: never a negative rate
    sampler.sample([("a", LogStore(100, "a"), 0, None)], now=12.0)
    assert sampler.meter("a").history("messages_in", 2) == [4, 0]
    sampler.forget("a")
    assert "a" not in sampler.meters


@pytest.mark.asyncio
async def test_many_clients_open_to_one_server_and_their_rates_are_sampled() -> None:
    engine = Workbench()
    try:
        server_id = engine.add_server({"hostInterface": LOCAL, "port": 0}, name="srv")
        assert server_id is not None and await engine.start_server(server_id)
        assert engine.set_auto_reply(server_id, "echo")
        ids = add_many_clients(engine, server_id, {"numberOfRetries": 0}, "bot", 5)
        assert [engine.client(i).name for i in ids] == [f"bot {n}" for n in range(1, 6)]
        assert await asyncio.wait_for(open_many(engine, ids), TIMEOUT) == 5
        assert len(engine.sockets_of(server_id)) == 5
        assert len({id(engine.client(i).log) for i in ids}) == 5  # a log each
        sampler = RateSampler(seconds=10)
        sampler.sample_workbench(engine, now=0.0)
        for client_id in ids:
            for n in range(3):
                assert engine.send(client_id, {"n": n})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while sum(engine.client(i).log.messages_in for i in ids) < 15:
            assert loop.time() < deadline, "the echoes did not all come back"
            await asyncio.sleep(0.01)
        sampler.sample_workbench(engine, now=0.5)
        sampler.sample_workbench(engine, now=1.0)
        assert [sampler.meter(i).rate("messages_out") for i in ids] == [3] * 5
        assert [sampler.meter(i).rate("messages_in") for i in ids] == [3] * 5
        server_meter = sampler.meter(server_id)
        assert (server_meter.rate("messages_in"), server_meter.rate("messages_out")) == (15, 15)
        assert server_meter.rate("bytes_in") == 15 * len('{"n":0}')
    finally:
        assert await asyncio.wait_for(engine.shutdown(TIMEOUT), TIMEOUT + 1)


def test_numbered_names_refuse_a_count_out_of_range() -> None:
    assert numbered_names("  ", 2) == ["client 1", "client 2"]
    with pytest.raises(ValueError, match="1 to"):
        numbered_names("x", 0)


def test_a_plot_span_fits_the_traffic() -> None:
    quiet = [0] * 600
    assert span_to_fit(quiet, quiet) == 60  # nothing to fit: a minute
    burst = [*quiet[:-5], 20, 50, 120, 80, 30]  # the last five seconds
    assert span_to_fit(burst, quiet) == 10
    older = [*quiet[:-30], 5, *quiet[:29]]  # half a minute ago
    assert span_to_fit(quiet, older) == 60
    assert span_to_fit([*quiet[:-200], 1, *quiet[:199]]) == 600  # minutes ago
    assert span_to_fit([1] + [0] * 700) == 600  # older than every span: the longest
    assert span_to_fit([0, 0, 3], spans=(2, 5)) == 2


def test_a_meter_keeps_ten_minutes() -> None:
    meter = RateMeter()
    assert meter.seconds == HISTORY_SECONDS >= max(PLOT_SPANS) == 600
    meter.add(0, (7, 0, 0, 0))
    meter.add(599, (1, 0, 0, 0))
    assert meter.history("messages_in", 600)[0] == 7  # still there 10 minutes on
