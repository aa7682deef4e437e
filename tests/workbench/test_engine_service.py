"""WorkbenchService against a real core Server on 127.0.0.1 port 0 with real Clients.

Each test records the exact sequence of entries that reach each log and the Qt signals.
"""

from __future__ import annotations

import asyncio
import socket as pysocket
from typing import Any

import pytest
from PIL import Image

from workbench.engine.jsonl import export_jsonl, import_jsonl
from workbench.engine.log_store import (
    CLOSE,
    CONNECTING,
    ERROR,
    EVENT,
    HANDSHAKE,
    IN,
    INFO,
    MESSAGE,
    OPEN,
    OUT,
)
from workbench.qt.log_model import LogModel
from workbench.qt.service import WorkbenchService
from workbench.qt.socket_model import COL_IN, COL_OUT, COL_STATE, SocketListModel

LOCAL = "127.0.0.1"


class Signals:
    """Records every signal of a service as (name, *args)."""

    NAMES = ["server_state_changed", "server_listening", "server_stopped", "server_error", "socket_connected", "socket_closed", "client_state_changed", "client_connecting", "client_opened", "client_closed", "client_failed", "error_reported"]

    def __init__(self, service: WorkbenchService) -> None:
        self.calls: list[tuple[Any, ...]] = []
        for name in self.NAMES:
            getattr(service, name).connect(lambda *args, _n=name: self.calls.append((_n, *args)))

    def of(self, name: str) -> list[tuple[Any, ...]]:
        return [call[1:] for call in self.calls if call[0] == name]


def kinds(store) -> list[tuple[str, str]]:
    return [(e.direction, e.kind) for e in store]


def start_server(service, run, **options: Any) -> str:
    server_id = service.add_server(
        {"hostInterface": LOCAL, "port": 0, **options}, name="test server"
    )
    assert server_id is not None
    assert run(service.start_server(server_id)) is True
    assert service.server(server_id).state == "listening"
    return server_id


def add_client(service, port: int, **options: Any) -> str:
    client_id = service.add_client({"host": LOCAL, "port": port, "numberOfRetries": 0, **options})
    assert client_id is not None
    return client_id


def free_port() -> int:
    with pysocket.socket() as probe:
        probe.bind((LOCAL, 0))
        return probe.getsockname()[1]


def test_echo_session_logs_exact_sequences(service, run, wait_for) -> None:
    signals = Signals(service)
    server_id = start_server(service, run)
    assert service.set_auto_reply(server_id, "echo")
    port = service.server(server_id).port
    client_id = add_client(service, port)
    assert run(service.open_client(client_id)) is True
    wait_for(lambda: service.sockets_of(server_id), what="the server socket")
    (sock,) = service.sockets_of(server_id)

    assert service.send(client_id, {"hello": "wörld", "n": [1, 2]})
    client_log = service.log(client_id)
    wait_for(lambda: client_log.messages_in == 1, what="the echo")
    assert run(service.close_client(client_id)) is True
    wait_for(lambda: not sock.is_open, what="the server side to close")

    assert kinds(client_log) == [
        (EVENT, CONNECTING),
        (EVENT, HANDSHAKE),
        (EVENT, OPEN),
        (OUT, MESSAGE),
        (IN, MESSAGE),
        (EVENT, CLOSE),
    ]
    sent, echoed = client_log[3], client_log[4]
    assert sent.raw == '{"hello":"wörld","n":[1,2]}' and sent.size == len(sent.raw.encode())
    assert echoed.raw == sent.raw and echoed.value == {"hello": "wörld", "n": [1, 2]}
    assert client_log[0].detail == f"attempt 1 of 1 to ws://{LOCAL}:{port}/"
    assert (
        "Sec-WebSocket-Key" in client_log[1].detail
        and "Sec-WebSocket-Accept" in client_log[1].detail
    )
    assert client_log[5].detail == "closed with code 1000 (normal closure)"

    assert kinds(sock.log) == [
        (EVENT, HANDSHAKE),
        (EVENT, OPEN),
        (IN, MESSAGE),
        (OUT, MESSAGE),
        (EVENT, CLOSE),
    ]
    assert sock.log[2].raw == sent.raw and sock.log[3].raw == sent.raw
    assert "GET / (request headers)" in sock.log[0].detail and "HTTP 101" in sock.log[0].detail
    assert (sock.messages_in, sock.messages_out, sock.close_code) == (1, 1, 1000)

    assert [e.detail for e in service.log(server_id)] == [
        f"starting on {LOCAL}:0",
        f"listening on {LOCAL}:{port}",
        "auto-reply: echo every message",
        f"connection from {sock.remote_address} ({sock.id})",
        f"{sock.remote_address} closed with code 1000 (normal closure)",
    ]
    assert signals.of("client_state_changed") == [
        (client_id, "connecting", "connecting (attempt 1 of 1)"),
        (client_id, "open", "open"),
        (client_id, "closing", "closing"),
        (client_id, "closed", "closed: code 1000 (normal closure)"),
    ]
    assert signals.of("client_connecting") == [(client_id, 1, 1)]
    assert signals.of("socket_connected") == [(server_id, sock.id)]
    assert signals.of("socket_closed") == [(server_id, sock.id, 1000, "")]
    assert signals.of("server_listening") == [(server_id, port)]
    assert signals.of("error_reported") == []


def test_server_closes_a_socket_with_4000_and_the_client_sees_it(service, run, wait_for) -> None:
    signals = Signals(service)
    server_id = start_server(service, run)
    client_id = add_client(service, service.server(server_id).port)
    run(service.open_client(client_id))
    wait_for(lambda: service.sockets_of(server_id))
    (sock,) = service.sockets_of(server_id)
    assert run(service.close_socket(sock.id, 4000, "bye")) is True
    wait_for(
        lambda: service.client(client_id).state == "closed", what="the client to see the close"
    )
    assert signals.of("client_closed") == [(client_id, 4000, "bye")]
    assert service.client(client_id).status_text == "closed: code 4000 (application code): bye"
    assert service.log(client_id)[-1].detail == "closed with code 4000 (application code): bye"
    assert sock.log[-1].detail == "closed with code 4000 (application code): bye"
    assert sock.state_text == "closed, code 4000 (application code): bye"
    # A closed socket cannot be sent to; the failure is reported, not raised.
    assert service.send(sock.id, {"late": True}) is False
    assert "closed" in signals.of("error_reported")[-1][1]


def test_broadcast_reaches_every_open_socket(service, run, wait_for) -> None:
    server_id = start_server(service, run, sendType="text/plain")
    port = service.server(server_id).port
    first = add_client(service, port, receiveType="text/plain")
    second = add_client(service, port, receiveType="text/plain")
    run(service.open_client(first))
    run(service.open_client(second))
    wait_for(lambda: len(service.server(server_id).open_sockets) == 2)
    assert service.broadcast(server_id, "to all") == 2
    wait_for(lambda: service.log(first).messages_in == 1 and service.log(second).messages_in == 1)
    assert [e.raw for e in service.log(first) if e.kind == MESSAGE] == ["to all"]
    assert [s.messages_out for s in service.sockets_of(server_id)] == [1, 1]
    assert service.log(server_id)[-1].detail == "broadcast to 2 of 2 sockets"


def test_fixed_auto_reply_and_an_image_each_way(service, run, wait_for) -> None:
    server_id = start_server(service, run, receiveType="image/png", sendType="application/json")
    assert service.set_auto_reply(server_id, "fixed", '{"got": "it"}')
    client_id = add_client(
        service,
        service.server(server_id).port,
        sendType="image/png",
        receiveType="application/json",
    )
    run(service.open_client(client_id))
    picture = Image.new("RGB", (4, 3), (0, 128, 255))
    assert service.send(client_id, picture)
    wait_for(lambda: service.log(client_id).messages_in == 1, what="the fixed reply")
    sent = [e for e in service.log(client_id) if e.kind == MESSAGE]
    assert [e.direction for e in sent] == [OUT, IN]
    assert isinstance(sent[0].raw, bytes) and sent[0].raw.startswith(b"\x89PNG")
    assert sent[0].size == len(sent[0].raw) and sent[0].mime == "image/png"
    assert sent[1].value == {"got": "it"}
    (sock,) = service.sockets_of(server_id)
    received = sock.log[2]
    assert received.raw == sent[0].raw and received.value.size == (4, 3)
    assert service.set_auto_reply(server_id, "fixed", "{not json") is False
    assert "not valid JSON" in service.errors[-1][1]


def test_port_in_use_is_reported_plainly(service, run) -> None:
    signals = Signals(service)
    first = start_server(service, run)
    port = service.server(first).port
    second = service.add_server({"hostInterface": LOCAL, "port": port}, name="second")
    assert run(service.start_server(second)) is False
    handle = service.server(second)
    assert handle.state == "failed"
    assert "in use" in handle.status_text and f"{LOCAL}:{port}" in handle.status_text
    assert [e.kind for e in handle.log] == [INFO, ERROR]
    assert signals.of("error_reported")[-1] == ("second", handle.status_text)
    assert signals.of("server_error")[-1] == (second, handle.status_text)


def test_refused_connection_retries_then_fails_with_the_reason(service, run) -> None:
    signals = Signals(service)
    client_id = add_client(service, free_port(), numberOfRetries=1, timeBetweenRetries=10)
    assert run(service.open_client(client_id)) is False
    handle = service.client(client_id)
    assert handle.state == "failed"
    assert kinds(handle.log) == [(EVENT, CONNECTING), (EVENT, CONNECTING), (EVENT, ERROR)]
    assert "after 2 attempts" in handle.log[2].detail and "refused" in handle.log[2].detail
    assert signals.of("client_connecting") == [(client_id, 1, 2), (client_id, 2, 2)]
    assert signals.of("client_failed") == [(client_id, handle.log[2].detail)]
    assert handle.status_text == f"failed: {handle.log[2].detail}"
    assert signals.of("error_reported") == [(handle.name, handle.log[2].detail)]


def test_undecodable_message_is_logged_raw_with_an_error(
    service, run, wait_for, monkeypatch
) -> None:
    monkeypatch.setattr("workbench.qt.service._Throttle.PERIOD", 60.0)  # no timing dependence
    server_id = start_server(service, run)  # receives application/json
    client_id = add_client(service, service.server(server_id).port, sendType="text/plain")
    run(service.open_client(client_id))
    wait_for(lambda: service.sockets_of(server_id))
    service.send(client_id, "this is not JSON")
    (sock,) = service.sockets_of(server_id)
    wait_for(lambda: any(e.kind == ERROR for e in sock.log), what="the decode error")
    assert kinds(sock.log)[2:] == [(IN, MESSAGE), (EVENT, ERROR)]
    assert sock.log[2].raw == "this is not JSON" and not sock.log[2].decodes
    assert "not valid application/json" in sock.log[3].detail
    assert "not valid application/json" in service.errors[-1][1]
    # A flood of them reaches the status bar once per second, but every one is logged.
    reported = len(service.errors)
    for _ in range(20):
        service.send(client_id, "still not JSON")
    wait_for(lambda: sum(e.kind == ERROR for e in sock.log) == 21, what="every decode error logged")
    assert len(service.errors) == reported


def test_bad_values_and_options_are_reported_not_raised(service, run) -> None:
    signals = Signals(service)
    assert service.add_client({"host": LOCAL, "prot": 1}) is None
    assert "did you mean 'port'" in signals.of("error_reported")[-1][1]
    assert service.validate_server_options({"port": 70000}) is not None
    assert service.validate_client_options({"host": LOCAL, "port": 1}) is None
    server_id = start_server(service, run)
    client_id = add_client(service, service.server(server_id).port)
    assert service.send(client_id, {"x": 1}) is False  # not open yet
    assert signals.of("error_reported")[-1][1] == "the client is not connected; open it first"
    run(service.open_client(client_id))
    assert service.send(client_id, object()) is False  # not JSON
    assert "cannot send object as application/json" in signals.of("error_reported")[-1][1]
    assert service.log(client_id)[-1].kind == ERROR
    assert run(service.close_socket("server-99/socket-1", 4000, "x")) is False
    assert "no socket called" in signals.of("error_reported")[-1][1]
    assert run(service.close_client(client_id, 999, "bad code")) is False
    assert "close code 999 cannot be sent" in signals.of("error_reported")[-1][1]


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


def test_shutdown_closes_every_client_and_server(service, run, wait_for) -> None:
    signals = Signals(service)
    server_id = start_server(service, run)
    port = service.server(server_id).port
    clients = [add_client(service, port) for _ in range(3)]
    for client_id in clients:
        run(service.open_client(client_id))
    wait_for(lambda: len(service.server(server_id).open_sockets) == 3)
    assert run(service.shutdown()) is True
    assert [service.client(c).state for c in clients] == ["closed"] * 3
    assert service.server(server_id).state == "stopped" and service.server(server_id).port is None
    assert all(not s.is_open for s in service.sockets_of(server_id))
    assert sorted(code for _s, _k, code, _r in signals.of("socket_closed")) == [1001, 1001, 1001]
    assert [code for _c, code, _r in signals.of("client_closed")] == [1001, 1001, 1001]
    assert service.log(server_id)[-1].detail == "stopped"
    assert signals.of("server_stopped") == [(server_id,)]
    pending = [t for t in asyncio.all_tasks() if not t.done() and t is not asyncio.current_task()]
    assert pending == []


def test_server_can_restart_after_stop(service, run) -> None:
    server_id = start_server(service, run)
    assert run(service.stop_server(server_id)) is True
    assert service.server(server_id).state == "stopped"
    assert run(service.start_server(server_id)) is True
    assert service.server(server_id).state == "listening" and service.server(server_id).port


@pytest.mark.parametrize("mime", ["application/octet-stream", "text/plain"])
def test_binary_and_text_payloads_keep_their_frames(service, run, wait_for, mime: str) -> None:
    server_id = start_server(service, run, receiveType=mime)
    client_id = add_client(service, service.server(server_id).port, sendType=mime)
    run(service.open_client(client_id))
    value: Any = bytes([0, 255, 10]) if mime.endswith("octet-stream") else "héllo\nthere"
    service.send(client_id, value)
    wait_for(
        lambda: service.sockets_of(server_id) and service.sockets_of(server_id)[0].messages_in == 1
    )
    got = service.sockets_of(server_id)[0].log[2]
    assert (
        got.raw == value
        and got.value == value
        and got.size == len(value if isinstance(value, bytes) else value.encode())
    )


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


def test_closing_a_client_while_it_retries_stops_the_attempts(service, run, wait_for) -> None:
    signals = Signals(service)
    client_id = add_client(service, free_port(), numberOfRetries=50, timeBetweenRetries=200)
    opening = service.open_client(client_id)
    wait_for(lambda: signals.of("client_connecting"), what="the first attempt")
    assert run(service.close_client(client_id)) is True
    assert run(opening) is False  # it never opened, and that is not an error to report
    handle = service.client(client_id)
    assert (handle.state, handle.status_text) == ("closed", "closed before it opened")
    assert handle.log[-1].detail == "connection attempts stopped"
    attempts = len(signals.of("client_connecting"))
    assert attempts < 5 and signals.of("client_failed") == [] and signals.of("error_reported") == []


def test_removing_a_server_and_a_client_closes_and_forgets_them(service, run, wait_for) -> None:
    removed: list[str] = []
    service.server_removed.connect(removed.append)
    service.client_removed.connect(removed.append)
    server_id = start_server(service, run)
    client_id = add_client(service, service.server(server_id).port)
    run(service.open_client(client_id))
    wait_for(lambda: service.sockets_of(server_id))
    (sock,) = service.sockets_of(server_id)
    core_client = service.client(client_id).core
    assert run(service.remove_server(server_id)) is True
    assert removed == [server_id] and server_id not in service.servers
    with pytest.raises(KeyError):
        service.log(sock.id)
    wait_for(lambda: not core_client.is_open(), what="the client to see the server go")
    assert run(service.remove_client(client_id)) is True
    assert removed == [server_id, client_id] and not service.clients


def test_edited_options_apply_at_the_next_start_and_logs_keep_the_running_types(
    service, run, wait_for
) -> None:
    server_id = start_server(service, run, sendType="text/plain")
    client_id = add_client(service, service.server(server_id).port, receiveType="text/plain")
    run(service.open_client(client_id))
    wait_for(lambda: service.sockets_of(server_id))
    (sock,) = service.sockets_of(server_id)
    options = dict(service.server(server_id).options, sendType="application/json")
    assert service.update_server(server_id, options, name="renamed")
    assert service.send_type(server_id) == "text/plain" == service.send_type(sock.id)
    assert service.send(sock.id, "still text")
    assert sock.log[-1].mime == "text/plain" and sock.log[-1].raw == "still text"
    run(service.stop_server(server_id))
    run(service.start_server(server_id))
    assert service.send_type(server_id) == "application/json"
    assert service.server(server_id).name == "renamed"


def test_pass_through_type_keeps_frames_and_allows_a_fixed_text_reply(
    service, run, wait_for
) -> None:
    server_id = start_server(service, run, receiveType="*/*", sendType="*/*")
    client_id = add_client(
        service, service.server(server_id).port, receiveType="*/*", sendType="*/*"
    )
    run(service.open_client(client_id))
    assert service.set_auto_reply(server_id, "echo")
    service.send(client_id, b"\x89PNG\r\n\x1a\n1234")
    service.send(client_id, '{"a":1}')
    wait_for(lambda: service.log(client_id).messages_in == 2, what="both echoes")
    echoed = [e for e in service.log(client_id) if e.direction == IN]
    assert [e.raw for e in echoed] == [b"\x89PNG\r\n\x1a\n1234", '{"a":1}']
    assert [e.type_label for e in echoed] == ["*/* · PNG image", "*/* · JSON text"]
    assert service.set_auto_reply(server_id, "fixed", "pong")
    service.send(client_id, "ping")
    wait_for(lambda: service.log(client_id).messages_in == 3, what="the fixed reply")
    assert service.log(client_id)[-1].raw == "pong"


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


def test_logs_hold_the_exact_frames_from_cores_frame_event(service, run, wait_for) -> None:
    """JSON goes out as UTF-8 bytes in a text frame: the log shows that frame as text."""
    server_id = start_server(service, run)
    service.set_auto_reply(server_id, "echo")
    client_id = add_client(service, service.server(server_id).port)
    run(service.open_client(client_id))
    service.send(client_id, {"a": [1, "é"]})
    wait_for(lambda: service.log(client_id).messages_in == 1)
    out, back = [e for e in service.log(client_id) if e.kind == MESSAGE]
    assert out.raw == back.raw == '{"a":[1,"é"]}' and back.value == {"a": [1, "é"]}
    assert out.size == len('{"a":[1,"é"]}'.encode())
