"""LogModel without views: batching per tick, eviction at the cap, filtering; and the
void-call reference-count regression of PySide6 6.12.0 on Python 3.11."""

from __future__ import annotations

import gc
import sys

import pytest
from PySide6.QtCore import QModelIndex, QObject, Qt

from workbench.engine.log.store import CLOSE, ERROR, IN, MESSAGE, OUT, LogStore
from workbench.qt.log_model import COL_PREVIEW, COL_SIZE, COL_TYPE, LogModel
from workbench.qt.roles import ENTRY_ROLE


class Recorder:
    """Records the model's row signals as (name, first, last)."""

    def __init__(self, model: LogModel) -> None:
        self.calls: list[tuple[str, int, int]] = []
        self.appended: list[int] = []
        model.rowsInserted.connect(
            lambda _p, first, last: self.calls.append(("insert", first, last))
        )
        model.rowsRemoved.connect(
            lambda _p, first, last: self.calls.append(("remove", first, last))
        )
        model.modelReset.connect(lambda: self.calls.append(("reset", -1, -1)))
        model.rows_appended.connect(self.appended.append)


def _messages(store: LogStore, count: int, start: int = 0, text: str = "m") -> None:
    for n in range(start, start + count):
        store.add_message(IN, "text/plain", f"{text}{n}")


def _previews(model: LogModel) -> list[str]:
    return [model.data(model.index(row, COL_PREVIEW)) for row in range(model.rowCount())]


def test_a_burst_becomes_one_insert_per_sync(qapp) -> None:
    store = LogStore()
    model = LogModel(store, autostart=False)
    record = Recorder(model)
    _messages(store, 1000)
    assert model.rowCount() == 0 and model.pending == 1000  # nothing until the tick
    assert model.sync() == 1000
    assert record.calls == [("insert", 0, 999)]
    assert record.appended == [1000]
    _messages(store, 5, start=1000)
    model.sync()
    assert record.calls[-1] == ("insert", 1000, 1004)
    assert model.sync() == 0 and len(record.calls) == 2  # idle tick: no signal
    assert model.rowCount() == 1005 and model.insert_batches == 2


def test_timer_coalesces_a_burst_into_one_insert(qapp, qtbot) -> None:
    store = LogStore()
    model = LogModel(store, tick_ms=30)
    record = Recorder(model)
    _messages(store, 5000)  # one synchronous burst: the timer cannot fire in between
    qtbot.waitUntil(lambda: model.rowCount() == 5000, timeout=2000)
    assert record.calls == [("insert", 0, 4999)]
    model.stop()


def test_eviction_at_the_cap_removes_from_the_top_in_one_batch(qapp) -> None:
    store = LogStore(capacity=10)
    model = LogModel(store, autostart=False)
    record = Recorder(model)
    _messages(store, 5)
    model.sync()
    _messages(store, 8, start=5)  # 13 appended: 3 oldest evicted
    assert store.dropped == 3
    # Between ticks the views still see row 0, whose entry is gone: data() says None.
    assert model.data(model.index(0, COL_PREVIEW)) is None
    model.sync()
    assert record.calls == [("insert", 0, 4), ("remove", 0, 2), ("insert", 2, 9)]
    assert model.rowCount() == 10
    assert _previews(model) == [f"m{n}" for n in range(3, 13)]


def test_a_burst_larger_than_the_cap_shows_only_the_newest(qapp) -> None:
    store = LogStore(capacity=10)
    model = LogModel(store, autostart=False)
    record = Recorder(model)
    _messages(store, 4)
    model.sync()
    _messages(store, 100, start=4)
    model.sync()
    assert record.calls == [("insert", 0, 3), ("remove", 0, 3), ("insert", 0, 9)]
    assert _previews(model) == [f"m{n}" for n in range(94, 104)]
    assert store.dropped == 94 and store.messages_in == 104


def test_clear_empties_the_views_and_keeps_totals(qapp) -> None:
    store = LogStore()
    model = LogModel(store, autostart=False)
    _messages(store, 7)
    model.sync()
    model.clear()
    assert model.rowCount() == 0 and store.messages_in == 7 and store.cleared == 7
    _messages(store, 2, start=7)
    model.sync()
    assert _previews(model) == ["m7", "m8"]


def test_filter_text_direction_and_kind(qapp) -> None:
    store = LogStore(capacity=50)
    model = LogModel(store, autostart=False)
    record = Recorder(model)
    for n in range(10):
        store.add_message(
            IN if n % 2 else OUT, "text/plain", f"{'ping' if n % 3 == 0 else 'pong'} {n}"
        )
    store.log_event(CLOSE, "closed with code 4000: ping over")
    store.log_event(ERROR, "something failed")
    model.sync()
    model.set_filter(text="PING")
    assert record.calls[-1] == ("reset", -1, -1)
    assert _previews(model) == [
        "ping 0",
        "ping 3",
        "ping 6",
        "ping 9",
        "closed with code 4000: ping over",
    ]
    model.set_filter(text="ping", directions={OUT}, kinds={MESSAGE})
    assert _previews(model) == ["ping 0", "ping 6"]
    # New entries are filtered at the tick: one insert of only the matching ones.
    store.add_message(OUT, "text/plain", "ping 10")
    store.add_message(IN, "text/plain", "ping 11")
    store.add_message(OUT, "text/plain", "pong 12")
    model.sync()
    assert record.calls[-1] == ("insert", 2, 2)
    assert _previews(model) == ["ping 0", "ping 6", "ping 10"]
    assert model.row_of_seq(store.end_seq - 3) == 2
    model.set_filter(kinds={ERROR})
    assert [model.entry(r).kind for r in range(model.rowCount())] == [ERROR]
    model.set_filter()
    assert model.rowCount() == len(store) == 15


def test_filtered_rows_leave_when_evicted(qapp) -> None:
    store = LogStore(capacity=6)
    model = LogModel(store, autostart=False)
    model.set_filter(text="keep")
    record = Recorder(model)
    for n in range(6):
        store.add_message(IN, "text/plain", f"{'keep' if n % 2 == 0 else 'drop'} {n}")
    model.sync()
    assert _previews(model) == ["keep 0", "keep 2", "keep 4"]
    for n in range(6, 9):  # evicts seqs 0, 1, 2
        store.add_message(IN, "text/plain", f"{'keep' if n % 2 == 0 else 'drop'} {n}")
    model.sync()
    assert record.calls[-2:] == [("remove", 0, 1), ("insert", 1, 2)]
    assert _previews(model) == ["keep 4", "keep 6", "keep 8"]


def test_columns_and_roles(qapp) -> None:
    store = LogStore()
    model = LogModel(store, autostart=False)
    store.add_message(OUT, "application/json", '{"a":1}')
    store.log_event(ERROR, "could not connect")
    model.sync()
    assert model.columnCount() == 5 and model.rowCount(model.index(0, 0)) == 0
    assert model.headerData(COL_SIZE, Qt.Orientation.Horizontal) == "Size"
    assert model.data(model.index(0, COL_TYPE)) == "application/json"
    assert model.data(model.index(0, COL_SIZE)) == "7 B"
    assert model.data(model.index(1, COL_TYPE)) == "error"
    assert model.data(model.index(1, COL_PREVIEW)) == "could not connect"
    assert model.data(model.index(1, 0), ENTRY_ROLE) == store[1]
    assert model.data(QModelIndex()) is None


def test_void_qt_calls_do_not_leak_references_to_none(qapp) -> None:
    """PySide6 6.12.0 on Python 3.11 drops a reference to None on each void call and
    aborts after ~10,000 (Fatal Python error: none_dealloc). 20,000 calls must be neutral."""
    obj = QObject()
    gc.collect()
    before = sys.getrefcount(None)
    for n in range(20_000):
        obj.setObjectName("a" if n % 2 else "b")  # returns void
    after = sys.getrefcount(None)
    # On 3.12+ None is immortal (a huge constant); on 3.11 a leak shows as a drop of ~20,000.
    assert before - after < 1_000, f"refcount of None fell by {before - after}"


@pytest.mark.parametrize("capacity", [1, 3])
def test_tiny_capacities(qapp, capacity: int) -> None:
    store = LogStore(capacity=capacity)
    model = LogModel(store, autostart=False)
    for round_ in range(3):
        _messages(store, 5, start=round_ * 5)
        model.sync()
        assert model.rowCount() == capacity
        assert _previews(model)[-1] == f"m{round_ * 5 + 4}"


def test_a_filter_on_a_big_log_scans_over_several_ticks(qapp) -> None:
    store = LogStore(capacity=1000)
    model = LogModel(store, autostart=False)
    model.filter_scan_now, model.filter_scan_per_tick = 300, 250
    for n in range(1000):
        store.add_message(IN, "text/plain", f"{'hit' if n % 10 == 0 else 'miss'} {n}")
    model.sync()
    record = Recorder(model)
    model.set_filter(text="hit")
    assert model.filtering and model.rowCount() == 30  # rows 0..299 scanned at once
    inserted = [model.sync() for _ in range(4)]
    assert inserted == [25, 25, 20, 0] and not model.filtering
    assert record.calls == [
        ("reset", -1, -1),
        ("insert", 30, 54),
        ("insert", 55, 79),
        ("insert", 80, 99),
    ]
    assert _previews(model) == [f"hit {n}" for n in range(0, 1000, 10)]
