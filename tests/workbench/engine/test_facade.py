"""The engine (``workbench.engine.workbench.Workbench``) against a real core Server on
127.0.0.1 port 0 with real Clients, on plain asyncio (no Qt).

Each test records the exact sequence of entries that reach each log and the engine's events.
"""

from __future__ import annotations

import asyncio
import socket as pysocket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from PIL import Image

from workbench.engine.log.store import (
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
from workbench.engine.workbench import Workbench

pytestmark = pytest.mark.asyncio

LOCAL = "127.0.0.1"
TIMEOUT = 5.0


class Events:
    """Records every event of an engine as (name, *args)."""

    NAMES = (
        "server_state_changed",
        "socket_connected",
        "socket_closed",
        "client_state_changed",
        "client_changed",
        "error_reported",
    )

    def __init__(self, engine: Workbench) -> None:
        self.calls: list[tuple[Any, ...]] = []
        for name in self.NAMES:
            engine.on(name, lambda *args, _n=name: self.calls.append((_n, *args)))

    def of(self, name: str) -> list[tuple[Any, ...]]:
        return [call[1:] for call in self.calls if call[0] == name]

    def states(self, name: str, item_id: str, state: str) -> list[str]:
        """The texts of ``item_id``'s ``name`` events into ``state``."""
        return [text for i, s, text in self.of(name) if i == item_id and s == state]


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[Workbench]:
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


async def until(condition: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> None:
    """Let the loop run until ``condition()`` holds; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition!r}")
        await asyncio.sleep(0.005)


def kinds(store) -> list[tuple[str, str]]:
    return [(e.direction, e.kind) for e in store]


async def start_server(engine: Workbench, **options: Any) -> str:
    server_id = engine.add_server(
        {"hostInterface": LOCAL, "port": 0, **options}, name="test server"
    )
    assert server_id is not None
    assert await engine.start_server(server_id) is True
    assert engine.server(server_id).state == "listening"
    return server_id


def add_client(engine: Workbench, port: int, **options: Any) -> str:
    client_id = engine.add_client({"host": LOCAL, "port": port, "numberOfRetries": 0, **options})
    assert client_id is not None
    return client_id


def free_port() -> int:
    with pysocket.socket() as probe:
        probe.bind((LOCAL, 0))
        return probe.getsockname()[1]


async def test_echo_session_logs_exact_sequences(engine) -> None:
    events = Events(engine)
    server_id = await start_server(engine)
    assert engine.set_auto_reply(server_id, "echo")
    port = engine.server(server_id).port
    client_id = add_client(engine, port)
    assert await engine.open_client(client_id) is True
    await until(lambda: engine.sockets_of(server_id), what="the server socket")
    (sock,) = engine.sockets_of(server_id)

    assert engine.send(client_id, {"hello": "wörld", "n": [1, 2]})
    client_log = engine.log(client_id)
    await until(lambda: client_log.messages_in == 1, what="the echo")
    assert await engine.close_client(client_id) is True
    await until(lambda: not sock.is_open, what="the server side to close")

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

    assert [e.detail for e in engine.log(server_id)] == [
        f"starting on {LOCAL}:0",
        f"listening on {LOCAL}:{port}",
        "auto-reply: echo every message",
        f"connection from {sock.remote_address} ({sock.id})",
        f"{sock.remote_address} closed with code 1000 (normal closure)",
    ]
    assert events.of("client_state_changed") == [
        (client_id, "connecting", "connecting (attempt 1 of 1)"),
        (client_id, "open", "open"),
        (client_id, "closing", "closing"),
        (client_id, "closed", "closed: code 1000 (normal closure)"),
    ]
    assert events.of("socket_connected") == [(server_id, sock.id)]
    assert events.of("socket_closed") == [(server_id, sock.id, 1000, "")]
    assert events.states("server_state_changed", server_id, "listening") == [
        f"listening on {LOCAL}:{port}"
    ]
    assert events.of("error_reported") == []


async def test_server_closes_a_socket_with_4000_and_the_client_sees_it(engine) -> None:
    events = Events(engine)
    server_id = await start_server(engine)
    client_id = add_client(engine, engine.server(server_id).port)
    await engine.open_client(client_id)
    await until(lambda: engine.sockets_of(server_id))
    (sock,) = engine.sockets_of(server_id)
    assert await engine.close_socket(sock.id, 4000, "bye") is True
    await until(
        lambda: engine.client(client_id).state == "closed", what="the client to see the close"
    )
    assert events.states("client_state_changed", client_id, "closed") == [
        "closed: code 4000 (application code): bye"
    ]
    assert engine.client(client_id).status_text == "closed: code 4000 (application code): bye"
    assert engine.log(client_id)[-1].detail == "closed with code 4000 (application code): bye"
    assert sock.log[-1].detail == "closed with code 4000 (application code): bye"
    assert sock.state_text == "closed, code 4000 (application code): bye"
    # A closed socket cannot be sent to; the failure is reported, not raised.
    assert engine.send(sock.id, {"late": True}) is False
    assert "closed" in events.of("error_reported")[-1][1]


async def test_broadcast_reaches_every_open_socket(engine) -> None:
    server_id = await start_server(engine, sendType="text/plain")
    port = engine.server(server_id).port
    first = add_client(engine, port, receiveType="text/plain")
    second = add_client(engine, port, receiveType="text/plain")
    await engine.open_client(first)
    await engine.open_client(second)
    await until(lambda: len(engine.server(server_id).open_sockets) == 2)
    assert engine.broadcast(server_id, "to all") == 2
    await until(lambda: engine.log(first).messages_in == 1 and engine.log(second).messages_in == 1)
    assert [e.raw for e in engine.log(first) if e.kind == MESSAGE] == ["to all"]
    assert [s.messages_out for s in engine.sockets_of(server_id)] == [1, 1]
    assert engine.log(server_id)[-1].detail == "broadcast to 2 of 2 sockets"


async def test_fixed_auto_reply_and_an_image_each_way(engine) -> None:
    server_id = await start_server(engine, receiveType="image/png", sendType="application/json")
    assert engine.set_auto_reply(server_id, "fixed", '{"got": "it"}')
    client_id = add_client(
        engine,
        engine.server(server_id).port,
        sendType="image/png",
        receiveType="application/json",
    )
    await engine.open_client(client_id)
    picture = Image.new("RGB", (4, 3), (0, 128, 255))
    assert engine.send(client_id, picture)
    await until(lambda: engine.log(client_id).messages_in == 1, what="the fixed reply")
    sent = [e for e in engine.log(client_id) if e.kind == MESSAGE]
    assert [e.direction for e in sent] == [OUT, IN]
    assert isinstance(sent[0].raw, bytes) and sent[0].raw.startswith(b"\x89PNG")
    assert sent[0].size == len(sent[0].raw) and sent[0].mime == "image/png"
    assert sent[1].value == {"got": "it"}
    (sock,) = engine.sockets_of(server_id)
    received = sock.log[2]
    assert received.raw == sent[0].raw and received.value.size == (4, 3)
    assert engine.set_auto_reply(server_id, "fixed", "{not json") is False
    assert "not valid JSON" in engine.errors[-1][1]


async def test_port_in_use_is_reported_plainly(engine) -> None:
    events = Events(engine)
    first = await start_server(engine)
    port = engine.server(first).port
    second = engine.add_server({"hostInterface": LOCAL, "port": port}, name="second")
    assert await engine.start_server(second) is False
    handle = engine.server(second)
    assert handle.state == "failed"
    assert "in use" in handle.status_text and f"{LOCAL}:{port}" in handle.status_text
    assert [e.kind for e in handle.log] == [INFO, ERROR]
    assert events.of("error_reported")[-1] == ("second", handle.status_text)
    assert events.of("server_state_changed")[-1] == (second, "failed", handle.status_text)


async def test_refused_connection_retries_then_fails_with_the_reason(engine) -> None:
    events = Events(engine)
    client_id = add_client(engine, free_port(), numberOfRetries=1, timeBetweenRetries=10)
    assert await engine.open_client(client_id) is False
    handle = engine.client(client_id)
    assert handle.state == "failed"
    assert kinds(handle.log) == [  # each attempt's failure is a row
        (EVENT, CONNECTING),
        (EVENT, ERROR),
        (EVENT, CONNECTING),
        (EVENT, ERROR),
    ]
    assert handle.log[1].detail.startswith("attempt 1 of 2 failed: connection refused")
    final = handle.log[3].detail
    assert "after 2 attempts" in final and "refused" in final
    assert events.states("client_state_changed", client_id, "connecting") == [
        "connecting (attempt 1 of 2)",
        "connecting (attempt 2 of 2)",
    ]
    assert events.states("client_state_changed", client_id, "failed") == [f"failed: {final}"]
    assert handle.status_text == f"failed: {final}"
    assert events.of("error_reported") == [(handle.name, final)]  # reported once, at the end


async def test_undecodable_message_is_logged_raw_with_an_error(engine, monkeypatch) -> None:
    monkeypatch.setattr(
        "workbench.engine.error_path.ReportThrottle.PERIOD", 60.0
    )  # no timing dependence
    server_id = await start_server(engine)  # receives application/json
    client_id = add_client(engine, engine.server(server_id).port, sendType="text/plain")
    await engine.open_client(client_id)
    await until(lambda: engine.sockets_of(server_id))
    engine.send(client_id, "this is not JSON")
    (sock,) = engine.sockets_of(server_id)
    await until(lambda: any(e.kind == ERROR for e in sock.log), what="the decode error")
    assert kinds(sock.log)[2:] == [(IN, MESSAGE), (EVENT, ERROR)]
    assert sock.log[2].raw == "this is not JSON" and not sock.log[2].decodes
    assert "not valid application/json" in sock.log[3].detail
    assert "not valid application/json" in engine.errors[-1][1]
    # A flood of them reaches the status bar once per second, but every one is logged.
    reported = len(engine.errors)
    for _ in range(20):
        engine.send(client_id, "still not JSON")
    await until(
        lambda: sum(e.kind == ERROR for e in sock.log) == 21, what="every decode error logged"
    )
    assert len(engine.errors) == reported


async def test_bad_values_and_options_are_reported_not_raised(engine) -> None:
    events = Events(engine)
    assert engine.add_client({"host": LOCAL, "prot": 1}) is None
    assert "did you mean 'port'" in events.of("error_reported")[-1][1]
    assert engine.validate_server_options({"port": 70000}) is not None
    assert engine.validate_client_options({"host": LOCAL, "port": 1}) is None
    server_id = await start_server(engine)
    client_id = add_client(engine, engine.server(server_id).port)
    assert engine.send(client_id, {"x": 1}) is False  # not open yet
    assert events.of("error_reported")[-1][1] == "the client is not connected; open it first"
    await engine.open_client(client_id)
    assert engine.send(client_id, object()) is False  # not JSON
    assert "cannot send object as application/json" in events.of("error_reported")[-1][1]
    assert engine.log(client_id)[-1].kind == ERROR
    assert await engine.close_socket("server-99/socket-1", 4000, "x") is False
    assert "no socket called" in events.of("error_reported")[-1][1]
    assert await engine.close_client(client_id, 999, "bad code") is False
    assert "close code 999 cannot be sent" in events.of("error_reported")[-1][1]


async def test_shutdown_closes_every_client_and_server(engine) -> None:
    events = Events(engine)
    server_id = await start_server(engine)
    port = engine.server(server_id).port
    clients = [add_client(engine, port) for _ in range(3)]
    for client_id in clients:
        await engine.open_client(client_id)
    await until(lambda: len(engine.server(server_id).open_sockets) == 3)
    assert await engine.shutdown() is True
    assert [engine.client(c).state for c in clients] == ["closed"] * 3
    assert engine.server(server_id).state == "stopped" and engine.server(server_id).port is None
    assert all(not s.is_open for s in engine.sockets_of(server_id))
    assert sorted(code for _s, _k, code, _r in events.of("socket_closed")) == [1001, 1001, 1001]
    closes = [text for c in clients for text in events.states("client_state_changed", c, "closed")]
    assert [text.split(":")[1] for text in closes] == [" code 1001 (going away)"] * 3
    assert engine.log(server_id)[-1].detail == "stopped"
    assert events.states("server_state_changed", server_id, "stopped") == ["stopped"]
    pending = [t for t in asyncio.all_tasks() if not t.done() and t is not asyncio.current_task()]
    assert pending == []


async def test_server_can_restart_after_stop(engine) -> None:
    server_id = await start_server(engine)
    assert await engine.stop_server(server_id) is True
    assert engine.server(server_id).state == "stopped"
    assert await engine.start_server(server_id) is True
    assert engine.server(server_id).state == "listening" and engine.server(server_id).port


@pytest.mark.parametrize("mime", ["application/octet-stream", "text/plain"])
async def test_binary_and_text_payloads_keep_their_frames(engine, mime: str) -> None:
    server_id = await start_server(engine, receiveType=mime)
    client_id = add_client(engine, engine.server(server_id).port, sendType=mime)
    await engine.open_client(client_id)
    value: Any = bytes([0, 255, 10]) if mime.endswith("octet-stream") else "héllo\nthere"
    engine.send(client_id, value)
    await until(
        lambda: engine.sockets_of(server_id) and engine.sockets_of(server_id)[0].messages_in == 1
    )
    got = engine.sockets_of(server_id)[0].log[2]
    assert (
        got.raw == value
        and got.value == value
        and got.size == len(value if isinstance(value, bytes) else value.encode())
    )


async def test_closing_a_client_while_it_retries_stops_the_attempts(engine) -> None:
    events = Events(engine)
    client_id = add_client(engine, free_port(), numberOfRetries=50, timeBetweenRetries=100)
    opening = asyncio.ensure_future(engine.open_client(client_id))
    await until(lambda: engine.client(client_id).state == "connecting", what="the first attempt")
    assert await engine.close_client(client_id) is True
    assert await asyncio.wait_for(opening, TIMEOUT) is False  # never opened; not an error
    handle = engine.client(client_id)
    assert (handle.state, handle.status_text) == ("closed", "closed before it opened")
    assert handle.log[-1].detail == "connection attempts stopped"
    attempts = sum(e.kind == CONNECTING for e in handle.log)
    # The headline: no attempt after the close. Five retry periods would see several.
    await asyncio.sleep(0.5)
    assert sum(e.kind == CONNECTING for e in handle.log) == attempts
    assert handle.core is not None and handle.core.state == "closed"
    assert events.states("client_state_changed", client_id, "failed") == []
    assert events.of("error_reported") == []


async def test_removing_a_server_and_a_client_closes_and_forgets_them(engine) -> None:
    removed: list[str] = []
    engine.on("server_removed", removed.append)
    engine.on("client_removed", removed.append)
    server_id = await start_server(engine)
    client_id = add_client(engine, engine.server(server_id).port)
    await engine.open_client(client_id)
    await until(lambda: engine.sockets_of(server_id))
    (sock,) = engine.sockets_of(server_id)
    core_client = engine.client(client_id).core
    assert await engine.remove_server(server_id) is True
    assert removed == [server_id] and server_id not in engine.servers
    with pytest.raises(KeyError):
        engine.log(sock.id)
    await until(lambda: not core_client.is_open(), what="the client to see the server go")
    assert await engine.remove_client(client_id) is True
    assert removed == [server_id, client_id] and not engine.clients


async def test_edited_options_apply_at_the_next_start_and_logs_keep_the_running_types(
    engine,
) -> None:
    server_id = await start_server(engine, sendType="text/plain")
    client_id = add_client(engine, engine.server(server_id).port, receiveType="text/plain")
    await engine.open_client(client_id)
    await until(lambda: engine.sockets_of(server_id))
    (sock,) = engine.sockets_of(server_id)
    options = dict(engine.server(server_id).options, send_type="application/json")
    assert engine.update_server(server_id, options, name="renamed")
    assert engine.send_type(server_id) == "text/plain" == engine.send_type(sock.id)
    assert engine.send(sock.id, "still text")
    assert sock.log[-1].mime == "text/plain" and sock.log[-1].raw == "still text"
    await engine.stop_server(server_id)
    await engine.start_server(server_id)
    assert engine.send_type(server_id) == "application/json"
    assert engine.server(server_id).name == "renamed"
    # The edit applies: a socket accepted after the restart sends JSON.
    json_client = add_client(engine, engine.server(server_id).port)
    assert await engine.open_client(json_client)
    await until(lambda: len(engine.server(server_id).open_sockets) == 1, what="the new socket")
    (new_sock,) = engine.server(server_id).open_sockets
    assert engine.send(new_sock.id, {"now": "json"})
    await until(lambda: engine.log(json_client).messages_in == 1, what="the JSON message")
    assert [e.value for e in engine.log(json_client) if e.direction == IN] == [{"now": "json"}]
    assert new_sock.log[-1].mime == "application/json" and new_sock.log[-1].raw == '{"now":"json"}'


async def test_pass_through_type_keeps_frames_and_allows_a_fixed_text_reply(engine) -> None:
    server_id = await start_server(engine, receiveType="*/*", sendType="*/*")
    client_id = add_client(engine, engine.server(server_id).port, receiveType="*/*", sendType="*/*")
    await engine.open_client(client_id)
    assert engine.set_auto_reply(server_id, "echo")
    engine.send(client_id, b"\x89PNG\r\n\x1a\n1234")
    engine.send(client_id, '{"a":1}')
    await until(lambda: engine.log(client_id).messages_in == 2, what="both echoes")
    echoed = [e for e in engine.log(client_id) if e.direction == IN]
    assert [e.raw for e in echoed] == [b"\x89PNG\r\n\x1a\n1234", '{"a":1}']
    assert [e.type_label for e in echoed] == ["*/* · PNG image", "*/* · JSON text"]
    assert engine.set_auto_reply(server_id, "fixed", "pong")
    engine.send(client_id, "ping")
    await until(lambda: engine.log(client_id).messages_in == 3, what="the fixed reply")
    assert engine.log(client_id)[-1].raw == "pong"


async def test_logs_hold_the_exact_frames_from_cores_frame_event(engine) -> None:
    """JSON goes out as UTF-8 bytes in a text frame: the log shows that frame as text."""
    server_id = await start_server(engine)
    engine.set_auto_reply(server_id, "echo")
    client_id = add_client(engine, engine.server(server_id).port)
    await engine.open_client(client_id)
    engine.send(client_id, {"a": [1, "é"]})
    await until(lambda: engine.log(client_id).messages_in == 1)
    out, back = [e for e in engine.log(client_id) if e.kind == MESSAGE]
    assert out.raw == back.raw == '{"a":[1,"é"]}' and back.value == {"a": [1, "é"]}
    assert out.size == len('{"a":[1,"é"]}'.encode())
