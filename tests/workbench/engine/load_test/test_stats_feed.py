"""The master's figures as the window reads them: Locust's ``/stats/requests`` JSON becomes
``LoadStats``; an answer that is not that (wrong shape, not JSON, an HTTP error, a silent
or absent server) is a ``StatsError`` in words, never a crash. Served by a small asyncio
server on 127.0.0.1 port 0."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from workbench.engine.load_test.stats_feed import StatsError, fetch_stats, parse_stats

ROW = {
    "method": "WS",
    "name": 'send: {"n":1}',
    "num_requests": 10,
    "num_failures": 1,
    "current_rps": 2.5,
    "median_response_time": 3,
    "response_time_percentile_0.95": 9,
}
TOTAL = {**ROW, "name": "Aggregated", "num_requests": 12}
ANSWER = {
    "stats": [ROW, {**ROW, "name": "never ran", "num_requests": 0}, TOTAL],
    "state": "running",
    "user_count": 4,
    "current_rps": 2.5,
    "current_fail_per_sec": 0.1,
    "workers": [{"id": "w1", "state": "running"}],
}


def test_the_answer_becomes_figures_per_step() -> None:
    stats = parse_stats(ANSWER)
    assert (stats.state, stats.users, stats.running, stats.workers) == (
        "running",
        4,
        True,
        ("running",),
    )
    [sent, never] = stats.steps
    assert (sent.name, sent.requests, sent.failures, sent.median_ms, sent.p95_ms) == (
        'send: {"n":1}',
        10,
        1,
        3.0,
        9.0,
    )
    assert never.median_ms is None and never.p95_ms is None  # no request: no time
    assert stats.total.requests == 12


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ([], "the answer has no list of stats"),
        ({"stats": [ROW]}, "the answer has no Aggregated row"),
        ({"stats": [{**TOTAL, "num_requests": "many"}]}, "'many' is not a count"),
        ({"stats": [TOTAL], "state": 5}, "5 is not text"),
    ],
)
def test_an_answer_of_another_shape_is_said(data: Any, said: str) -> None:
    with pytest.raises(StatsError, match=said):
        parse_stats(data)


def test_names_are_plain_and_bounded() -> None:
    stats = parse_stats({"stats": [{**ROW, "name": "a\x1b[2J" + "x" * 1000}, TOTAL]})
    name = stats.steps[0].name
    assert name.startswith("a\\x1b[2J") and len(name) == 300 and name.endswith("…")


def serve(answer: bytes) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if answer:
            writer.write(answer)
            await writer.drain()
            writer.close()
        else:
            await asyncio.sleep(5)  # never answers

    return asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (b"HTTP/1.0 200 OK\r\n\r\n" + json.dumps(ANSWER).encode(), None),
        (b"HTTP/1.0 500 Oops\r\n\r\n", "answered HTTP 500"),
        (b"HTTP/1.0 200 OK\r\n\r\n<html>", "did not answer with JSON"),
        (b"SSH-2.0-OpenSSH\r\n\r\n", "the answer is not HTTP"),
        (b"", "did not answer within 0.3 s"),
    ],
)
def test_fetching_from_a_server_on_loopback(answer: bytes, said: str | None) -> None:
    async def fetch() -> Any:
        server = await serve(answer)
        port = server.sockets[0].getsockname()[1]
        try:
            return await fetch_stats("127.0.0.1", port, timeout=0.3)
        finally:
            server.close()

    if said is None:
        assert asyncio.run(fetch()).users == 4
    else:
        with pytest.raises(StatsError, match=said):
            asyncio.run(fetch())
