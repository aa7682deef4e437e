"""FrameModel on the batching it shares with LogModel (``qt.batched_model``): a burst past
the store's cap is one remove batch and one insert batch per tick, clear() shows at once."""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex

from core import Frame
from workbench.engine.protocol.frame_store import FrameStore
from workbench.qt.batched_model import BUSY_ROWS, BUSY_TICK_MS
from workbench.qt.frame_model import FrameModel

PREVIEW = 7


def _frames(store: FrameStore, start: int, count: int) -> None:
    for n in range(start, start + count):
        data = f"f{n}".encode()
        store.add(Frame("in", "text", True, False, False, len(data), data, time.monotonic()))


def test_frame_eviction_and_new_frames_are_one_batch_each_per_tick(qapp) -> None:
    store = FrameStore(capacity=10)
    model = FrameModel(store, autostart=False)
    calls: list[tuple[str, int, int]] = []
    appended: list[int] = []
    model.rowsInserted.connect(lambda _p, first, last: calls.append(("insert", first, last)))
    model.rowsRemoved.connect(lambda _p, first, last: calls.append(("remove", first, last)))
    model.rows_appended.connect(appended.append)
    _frames(store, 0, 6)
    assert model.pending == 6 and model.sync() == 6
    _frames(store, 6, 7)  # 13 in all: the 3 oldest evicted at the cap
    assert model.sync() == 7 and model.sync() == 0  # an idle tick says nothing
    assert calls == [("insert", 0, 5), ("remove", 0, 2), ("insert", 3, 9)]
    assert appended == [6, 7]
    assert (model.insert_batches, model.remove_batches) == (2, 1)
    shown = [model.index(row, PREVIEW).data() for row in range(model.rowCount())]
    assert shown == [f"f{n}" for n in range(3, 13)]
    assert model.shown_end_seq == store.end_seq == 13

    model.clear()
    assert model.rowCount(QModelIndex()) == 0 and calls[-1] == ("remove", 0, 9)
    _frames(store, 13, 2)
    assert model.sync() == 2 and [model.frame(r).data for r in range(2)] == [b"f13", b"f14"]


def test_a_flood_slows_the_ticks_and_the_first_calm_tick_restores_them(qapp) -> None:
    store = FrameStore(capacity=100_000)
    model = FrameModel(store, tick_ms=40, autostart=False)
    assert model.tick_interval == 40
    _frames(store, 0, BUSY_ROWS - 1)
    model.sync()
    assert model.tick_interval == 40  # a busy interactive tick is not a flood
    _frames(store, BUSY_ROWS, BUSY_ROWS)
    model.sync()
    assert model.tick_interval == BUSY_TICK_MS
    _frames(store, 2 * BUSY_ROWS, 3)
    model.sync()
    assert model.tick_interval == 40
    _frames(store, 2 * BUSY_ROWS + 3, 2 * BUSY_ROWS)
    model.sync()
    assert model.tick_interval == BUSY_TICK_MS
    model.sync()  # nothing came: calm again
    assert model.tick_interval == 40
