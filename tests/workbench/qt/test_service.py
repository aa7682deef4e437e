"""The Qt adapters over the engine: the service's signals and async slots, and the item
models over its stores, with a real core Server on 127.0.0.1 port 0 and real Clients."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.engine.log.jsonl import export_jsonl, import_jsonl
from workbench.qt.log_model import LogModel
from workbench.qt.socket_model import COL_IN, COL_OUT, COL_STATE, SocketListModel

LOCAL = "127.0.0.1"


def start_server(service, run, **options: Any) -> str:
    server_id = service.add_server(
        {"hostInterface": LOCAL, "port": 0, **options}, name="test server"
    )
    assert server_id is not None
    assert run(service.start_server(server_id)) is True
    return server_id


def add_client(service, port: int, **options: Any) -> str:
    client_id = service.add_client({"host": LOCAL, "port": port, "numberOfRetries": 0, **options})
    assert client_id is not None
    return client_id


def test_signals_re_emit_the_engine_events_in_order(service, run, wait_for) -> None:
    calls: list[tuple[Any, ...]] = []
    for name in (
        "server_added",
        "server_state_changed",
        "socket_connected",
        "socket_closed",
        "client_added",
        "client_state_changed",
        "error_reported",
        "info_reported",
    ):
        getattr(service, name).connect(lambda *args, _n=name: calls.append((_n, *args)))
    server_id = start_server(service, run)
    port = service.server(server_id).port
    client_id = add_client(service, port)
    assert run(service.open_client(client_id)) is True
    wait_for(lambda: service.sockets_of(server_id), what="the server socket")
    (sock,) = service.sockets_of(server_id)
    assert run(service.close_client(client_id)) is True
    wait_for(lambda: not sock.is_open, what="the server side to close")
    service.report("a context", "a problem")
    service.inform("some news")
    # The server's accept and the client's open race each other: socket_connected is checked apart.
    assert [c for c in calls if c[0] != "socket_connected"] == [
        ("server_added", server_id),
        ("server_state_changed", server_id, "starting", f"starting on {LOCAL}:0"),
        ("server_state_changed", server_id, "listening", f"listening on {LOCAL}:{port}"),
        ("client_added", client_id),
        ("client_state_changed", client_id, "connecting", "connecting (attempt 1 of 1)"),
        ("client_state_changed", client_id, "open", "open"),
        ("client_state_changed", client_id, "closing", "closing"),
        ("client_state_changed", client_id, "closed", "closed: code 1000 (normal closure)"),
        ("socket_closed", server_id, sock.id, 1000, ""),
        ("error_reported", "a context", "a problem"),
        ("info_reported", "some news"),
    ]
    assert [c for c in calls if c[0] == "socket_connected"] == [
        ("socket_connected", server_id, sock.id)
    ]


def test_async_slots_return_tasks_that_report_instead_of_raising(service, run) -> None:
    task = service.close_socket("server-99/socket-1", 4000, "x")
    assert run(task) is False
    assert "no socket called" in service.errors[-1][1]


def test_socket_list_model_is_live(service, run, wait_for, qtbot) -> None:
    server_id = start_server(service, run)
    model = SocketListModel(service, server_id, refresh_ms=20)
    client_id = add_client(service, service.server(server_id).port)
    run(service.open_client(client_id))
    wait_for(lambda: model.rowCount() == 1, what="the socket row")
    for n in range(3):
        service.send(client_id, {"n": n})
    wait_for(lambda: model.data(model.index(0, COL_IN)) == 3, what="the live count")
    assert (
        model.data(model.index(0, COL_OUT)) == 0 and model.data(model.index(0, COL_STATE)) == "open"
    )
    socket_id = model.socket_id(0)
    run(service.close_socket(socket_id, 4001, "done"))
    wait_for(lambda: model.data(model.index(0, COL_STATE)).startswith("closed"))
    assert model.data(model.index(0, COL_STATE)) == "closed, code 4001 (application code): done"


def test_log_model_follows_a_live_socket_and_export_round_trips(
    service, run, wait_for, tmp_path
) -> None:
    server_id = start_server(service, run)
    client_id = add_client(service, service.server(server_id).port)
    model = LogModel(service.log(client_id), tick_ms=20)
    run(service.open_client(client_id))
    for n in range(50):
        service.send(client_id, {"n": n})
    wait_for(lambda: model.rowCount() == 53, what="the rows")  # connecting, handshake, open, 50 out
    path = tmp_path / "client.jsonl"
    assert export_jsonl(service.log(client_id), path) == 53
    copy = import_jsonl(path).store
    assert [e.to_dict() for e in copy] == [e.to_dict() for e in service.log(client_id)]
    assert copy[-1].value == {"n": 49}


def test_socket_list_model_can_hide_closed_sockets(service, run, wait_for) -> None:
    server_id = start_server(service, run)
    model = SocketListModel(service, server_id, show_closed=False)
    port = service.server(server_id).port
    first, second = add_client(service, port), add_client(service, port)
    run(service.open_client(first))
    run(service.open_client(second))
    wait_for(lambda: model.rowCount() == 2)
    run(service.close_client(first))
    wait_for(lambda: model.rowCount() == 1, what="the closed socket to leave")
    assert model.handle(0).is_open
    assert model.socket_id(5) is None and model.handle(-1) is None


def test_forgetting_closed_sockets_drops_them_and_their_rows(service, run, wait_for) -> None:
    server_id = start_server(service, run)
    model = SocketListModel(service, server_id)
    port = service.server(server_id).port
    first, second = add_client(service, port), add_client(service, port)
    run(service.open_client(first))
    run(service.open_client(second))
    wait_for(lambda: model.rowCount() == 2)
    run(service.close_client(first))
    wait_for(lambda: len(service.server(server_id).open_sockets) == 1)
    closed_id = next(s.id for s in service.sockets_of(server_id) if not s.is_open)
    assert service.forget_closed_sockets(server_id) == 1
    assert model.rowCount() == 1 and model.handle(0).is_open
    with pytest.raises(KeyError):
        service.log(closed_id)
    assert service.forget_closed_sockets(server_id) == 0
