"""The Qt adapters over the engine: the service's signals and its ``run``, the surface it is
kept to, and the item models over the stores, with a real core Server on 127.0.0.1 port 0 and
real Clients."""

from __future__ import annotations

import asyncio
from typing import Any, get_args

import pytest
from PySide6.QtCore import QObject, Signal, SignalInstance

from workbench.engine.log.jsonl import export_jsonl, import_jsonl
from workbench.engine.workbench import WorkbenchEvent
from workbench.engine.workspace.workspace import ServerConfig, Workspace
from workbench.qt.classroom import QtClassroom
from workbench.qt.log_model import LogModel
from workbench.qt.message_library import QtMessageLibrary
from workbench.qt.scenarios.library import QtScenarioLibrary
from workbench.qt.service import WorkbenchService
from workbench.qt.socket_model import COL_IN, COL_OUT, COL_STATE, SocketListModel

LOCAL = "127.0.0.1"


def start_server(service, run, **options: Any) -> str:
    server_id = service.engine.add_server(
        {"hostInterface": LOCAL, "port": 0, **options}, name="test server"
    )
    assert server_id is not None
    assert run(service.engine.start_server(server_id)) is True
    return server_id


def add_client(service, port: int, **options: Any) -> str:
    client_id = service.engine.add_client(
        {"host": LOCAL, "port": port, "numberOfRetries": 0, **options}
    )
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
    port = service.engine.server(server_id).port
    client_id = add_client(service, port)
    assert run(service.engine.open_client(client_id)) is True
    wait_for(lambda: service.engine.sockets_of(server_id), what="the server socket")
    (sock,) = service.engine.sockets_of(server_id)
    assert run(service.engine.close_client(client_id)) is True
    wait_for(lambda: not sock.is_open, what="the server side to close")
    service.engine.report("a context", "a problem")
    service.engine.inform("some news")
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


def public_names(adapter: type[QObject]) -> set[str]:
    """What an adapter class adds to QObject: its own public attributes."""
    return {name for name in vars(adapter) if not name.startswith("_")} - {"staticMetaObject"}


def test_the_service_adds_only_signals_run_and_the_qt_sub_adapters(service) -> None:
    # The engine's API is not restated: no forwarding method may creep back in.
    assert public_names(WorkbenchService) == {*get_args(WorkbenchEvent), "run"}
    assert all(
        isinstance(vars(WorkbenchService)[name], Signal) for name in get_args(WorkbenchEvent)
    )
    attributes = {
        name
        for name, value in vars(service).items()
        if not name.startswith("_") and not isinstance(value, SignalInstance)
    }
    assert attributes == {
        "engine",
        "messages",
        "classroom",
        "scenarios",
        "relays",
    }
    assert isinstance(service.messages, QtMessageLibrary)
    assert isinstance(service.classroom, QtClassroom)
    assert service.messages.engine is service.engine.messages
    assert service.classroom.engine is service.engine.classroom
    assert public_names(QtMessageLibrary) == {"changed"}
    assert public_names(QtClassroom) == {"shared_changed", "any_origin_changed", "feed_model"}
    assert isinstance(service.scenarios, QtScenarioLibrary)
    assert service.scenarios.engine is service.engine.scenarios
    assert public_names(QtScenarioLibrary) == {"added", "changed", "removed", "reset", "recorded"}


def test_run_returns_the_task_of_an_action_that_reports_instead_of_raising(service, run) -> None:
    task = service.run(service.engine.close_socket("server-99/socket-1", 4000, "x"))
    assert isinstance(task, asyncio.Task)
    assert run(task) is False
    assert "no socket called" in service.engine.errors[-1][1]


def test_run_puts_an_exception_on_the_one_error_path_and_cancelling_is_quiet(
    service, run, wait_for
) -> None:
    reported: list[tuple[str, str]] = []
    service.error_reported.connect(lambda context, message: reported.append((context, message)))

    async def broken() -> None:
        raise ZeroDivisionError("the action broke")

    task = service.run(broken())
    wait_for(task.done, what="the broken action")
    assert reported == [("unexpected error", service.engine.errors[-1][1])]
    assert "the action broke" in reported[0][1]

    stalled = service.run(asyncio.sleep(60))
    stalled.cancel()
    wait_for(stalled.done, what="the cancelled action")
    assert stalled.cancelled() and len(reported) == 1


def test_shared_changed_follows_a_share_and_a_loaded_shared_server(service, run) -> None:
    changes: list[tuple[str, bool]] = []
    service.classroom.shared_changed.connect(lambda sid, on: changes.append((sid, on)))
    server_id = start_server(service, run)
    assert run(service.engine.classroom.share(server_id, True), timeout=10) is True
    assert changes == [(server_id, True)]

    config = ServerConfig("shared", {"host_interface": LOCAL, "port": 0}, shared=True)
    assert run(service.engine.load_workspace(Workspace(servers=[config])), timeout=10) is True
    (loaded_id,) = service.engine.servers
    assert changes[-1] == (loaded_id, True) and service.engine.classroom.is_shared(loaded_id)


def test_socket_list_model_is_live(service, run, wait_for, qtbot) -> None:
    server_id = start_server(service, run)
    model = SocketListModel(service, server_id, refresh_ms=20)
    client_id = add_client(service, service.engine.server(server_id).port)
    run(service.engine.open_client(client_id))
    wait_for(lambda: model.rowCount() == 1, what="the socket row")
    for n in range(3):
        service.engine.send(client_id, {"n": n})
    wait_for(lambda: model.data(model.index(0, COL_IN)) == 3, what="the live count")
    assert (
        model.data(model.index(0, COL_OUT)) == 0 and model.data(model.index(0, COL_STATE)) == "open"
    )
    socket_id = model.socket_id(0)
    run(service.engine.close_socket(socket_id, 4001, "done"))
    wait_for(lambda: model.data(model.index(0, COL_STATE)).startswith("closed"))
    assert model.data(model.index(0, COL_STATE)) == "closed, code 4001 (application code): done"


def test_log_model_follows_a_live_socket_and_export_round_trips(
    service, run, wait_for, tmp_path
) -> None:
    server_id = start_server(service, run)
    client_id = add_client(service, service.engine.server(server_id).port)
    model = LogModel(service.engine.log(client_id), tick_ms=20)
    run(service.engine.open_client(client_id))
    for n in range(50):
        service.engine.send(client_id, {"n": n})
    wait_for(lambda: model.rowCount() == 53, what="the rows")  # connecting, handshake, open, 50 out
    path = tmp_path / "client.jsonl"
    assert export_jsonl(service.engine.log(client_id), path) == 53
    copy = import_jsonl(path).store
    assert [e.to_dict() for e in copy] == [e.to_dict() for e in service.engine.log(client_id)]
    assert copy[-1].value == {"n": 49}


def test_socket_list_model_can_hide_closed_sockets(service, run, wait_for) -> None:
    server_id = start_server(service, run)
    model = SocketListModel(service, server_id, show_closed=False)
    port = service.engine.server(server_id).port
    first, second = add_client(service, port), add_client(service, port)
    run(service.engine.open_client(first))
    run(service.engine.open_client(second))
    wait_for(lambda: model.rowCount() == 2)
    run(service.engine.close_client(first))
    wait_for(lambda: model.rowCount() == 1, what="the closed socket to leave")
    assert model.handle(0).is_open
    assert model.socket_id(5) is None and model.handle(-1) is None


def test_forgetting_closed_sockets_drops_them_and_their_rows(service, run, wait_for) -> None:
    server_id = start_server(service, run)
    model = SocketListModel(service, server_id)
    port = service.engine.server(server_id).port
    first, second = add_client(service, port), add_client(service, port)
    run(service.engine.open_client(first))
    run(service.engine.open_client(second))
    wait_for(lambda: model.rowCount() == 2)
    run(service.engine.close_client(first))
    wait_for(lambda: len(service.engine.server(server_id).open_sockets) == 1)
    closed_id = next(s.id for s in service.engine.sockets_of(server_id) if not s.is_open)
    assert service.engine.forget_closed_sockets(server_id) == 1
    assert model.rowCount() == 1 and model.handle(0).is_open
    with pytest.raises(KeyError):
        service.engine.log(closed_id)
    assert service.engine.forget_closed_sockets(server_id) == 0
