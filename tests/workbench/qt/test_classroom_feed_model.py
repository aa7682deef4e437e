"""The classroom feed's Qt model without a view: entries arrive batched (one insert per
flush), bounded like the feed, with the socket id behind each row. Real sockets on 127.0.0.1."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.workbench.shown_text import shown
from workbench.engine.classroom.feed import ClassroomFeed
from workbench.qt.classroom_feed_model import (
    COL_KIND,
    COL_TEXT,
    COL_WHO,
    FEED_COLUMNS,
    ClassroomFeedModel,
)
from workbench.qt.roles import SOCKET_ID_ROLE

WAIT = 10.0


def test_entries_arrive_in_one_batch_and_the_oldest_go(service, run, wait_for) -> None:
    server_id = service.engine.add_server({"host_interface": "127.0.0.1", "port": 0})
    assert server_id is not None and run(service.engine.start_server(server_id), WAIT)
    feed = ClassroomFeed(
        service.engine, server_id, service.engine.classroom.is_shared, capacity=3, always=True
    )  # unshared
    model = ClassroomFeedModel(feed, flush_ms=60_000)  # flushed by hand below
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    port = service.engine.server(server_id).port
    client_id = service.engine.add_client({"host": "127.0.0.1", "port": port, "path": "/?name=Bo"})
    assert client_id is not None and run(service.engine.open_client(client_id), WAIT)
    for n in range(5):
        assert service.engine.send(client_id, n)
    wait_for(lambda: feed.total == 6, WAIT, "the join and five messages")
    assert model.rowCount() == 0  # nothing shown until the flush
    model.flush()
    assert inserts == [(0, 2)] and model.rowCount() == 3
    assert [model.index(r, COL_TEXT).data() for r in range(3)] == ["2", "3", "4"]
    assert model.index(0, COL_WHO).data() == "Bo" and model.index(0, COL_KIND).data() == "→"
    assert shown(model.index(0, COL_KIND).data(Qt.ItemDataRole.ToolTipRole)) == "from the peer"
    assert model.index(0, 0).data(SOCKET_ID_ROLE) == next(iter(feed.names))
    assert model.columnCount() == len(FEED_COLUMNS)
    assert service.engine.send(client_id, 5)
    wait_for(lambda: feed.total == 7, WAIT, "one more message")
    model.flush()  # full: the oldest row goes before the new one comes
    assert [model.index(r, COL_TEXT).data() for r in range(3)] == ["3", "4", "5"]
    model.stop()
    assert service.engine.send(client_id, 6)
    wait_for(lambda: feed.total == 8, WAIT, "a message after stop")
    model.flush()
    assert [model.index(r, COL_TEXT).data() for r in range(3)] == ["3", "4", "5"]
