"""The one error path coalesces repeated reports (issue 17, A2): one report per kind per
second with a count, whatever the rate, so a burst of accept errors cannot flood the window."""

from __future__ import annotations

import asyncio

import pytest

from workbench.engine.error_path import OVERFLOW, Coalescer, ErrorPath


def test_the_first_report_of_a_kind_goes_through_and_the_rest_are_counted_once() -> None:
    coalescer = Coalescer(period=1.0)
    assert coalescer.offer("emfile", 10.0, "first") is True
    assert [coalescer.offer("emfile", 10.0 + n / 100_000, n) for n in range(49_999)] == [
        False
    ] * 49_999
    assert coalescer.next_due() == 11.0
    assert coalescer.due(10.99) == []  # the window is still open
    assert coalescer.due(11.0) == [("emfile", 49_999, 49_998)]
    assert coalescer.due(11.0) == []  # given once


def test_a_steady_flood_gives_one_report_per_kind_per_period() -> None:
    coalescer = Coalescer(period=1.0)
    passed, counts = 0, []
    for step in range(5_000):  # 5 s at 1,000 reports a second
        now = step / 1_000
        counts += [held for _kind, held, _item in coalescer.due(now)]
        passed += coalescer.offer("same", now)
    counts += [held for _kind, held, _item in coalescer.due(5.0)]
    assert passed == 1  # only the very first goes through at once ...
    assert counts == [999, 1_000, 1_000, 1_000, 1_000]  # ... then one count per second
    assert coalescer.due(6.0) == [] and coalescer.next_due() is None  # quiet: the kind ends
    assert coalescer.offer("same", 6.5) is True  # and a new report goes through at once


def test_kinds_beyond_the_limit_per_period_are_held_together() -> None:
    coalescer = Coalescer(period=1.0, kinds_per_period=10)
    through = [coalescer.offer(f"socket {n}", 0.0, n) for n in range(1_000)]
    assert through == [True] * 10 + [False] * 990
    assert coalescer.due(1.0) == [(OVERFLOW, 990, 999)]
    assert coalescer.offer("socket 5000", 1.5) is True  # a new period: room again


def test_a_coalescer_refuses_a_period_it_cannot_keep() -> None:
    with pytest.raises(ValueError, match="period"):
        Coalescer(period=0)


@pytest.mark.asyncio
async def test_a_burst_of_50000_reports_reaches_the_sink_twice() -> None:
    shown: list[tuple[str, str]] = []
    counted = asyncio.Event()

    def sink(context: str, message: str) -> None:
        shown.append((context, message))
        if len(shown) == 2:
            counted.set()

    path = ErrorPath(sink)
    for _ in range(50_000):
        path.report("background task", OSError(24, "Too many open files"))
    assert len(shown) == 1
    await asyncio.wait_for(counted.wait(), 3.0)  # the count follows when its second ends
    first, count = shown
    assert count == (first[0], f"{first[1]} (and 49,999 more like it in the last second)")
    assert path.errors == shown
    # A different message of the same context is another kind: it is not held back.
    path.report("background task", "something else")
    assert shown[-1] == ("background task", "something else")
