"""Rows of a log into a scenario: the conversion on made-up rows (which step each row
becomes, ``within`` from the time between rows, who closed), then for real — a client talks
to a workbench server, its log (and the server-side socket's) is recorded, and the recording
run against the same server passes; against a changed server it fails at the right step."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.helpers import TIMEOUT, wait_until
from workbench.engine.log.store import CLOSE, EVENT, IN, MESSAGE, OPEN, OUT, LogEntry
from workbench.engine.scenarios.loading import load_text
from workbench.engine.scenarios.recording import (
    RecordingError,
    RecordingSource,
    record_scenario,
    within_for,
)
from workbench.engine.scenarios.runner import ScenarioRunner
from workbench.engine.scenarios.variables import Sources
from workbench.engine.scenarios.workbench_clients import WorkbenchClients
from workbench.engine.workbench import Workbench

URL = "ws://127.0.0.1:9/"


def message(direction: str, raw: str | bytes, at: float) -> LogEntry:
    return LogEntry(direction, MESSAGE, mime="*/*", raw=raw, time=at)


def event(kind: str, at: float, detail: str = "") -> LogEntry:
    return LogEntry(EVENT, kind, detail=detail, time=at)


def test_within_is_the_gap_twice_plus_half_a_second_rounded_up() -> None:
    assert [within_for(g) for g in (0.0, 0.001, 0.05, 0.26, 1.0, 3.333)] == [
        "500ms",
        "600ms",
        "600ms",
        "1.1s",
        "2.5s",
        "7.2s",
    ]


def test_a_clients_rows_become_sends_expects_and_its_close() -> None:
    rows = [
        event(OPEN, 10.0),
        message(OUT, '{"type": "hello"}', 10.1),
        message(IN, '{"type":"welcome","session":"s-1"}', 10.2),
        event("info", 10.25, "ping: pong after 0.1 ms"),  # not a step
        message(OUT, "plain words", 10.3),
        message(IN, "/not a regex/", 11.3),
        message(OUT, bytes(range(3)), 11.4),
        message(IN, bytes(range(100)), 11.5),
        message(IN, "42", 11.6),
        event(CLOSE, 12.0, "closed with code 4000 (application code): bye: now"),
    ]
    source = RecordingSource("client", URL, {"subprotocols": ["v1"]}, close_requests=[11.9])
    data = record_scenario(rows, source, "mine")
    assert data == {
        "name": "mine",
        "url": URL,
        "options": {"subprotocols": ["v1"]},
        "steps": [
            {"send": {"message": {"type": "hello"}}},
            {"expect": {"equals": {"type": "welcome", "session": "s-1"}, "within": "700ms"}},
            {"send": {"text": "plain words"}},
            {"expect": {"text": "/^/not\\ a\\ regex/$/", "within": "2.5s"}},
            {"send": {"bytes": "00 01 02"}},
            {
                "expect": {
                    "bytes": "base64:" + base64.b64encode(bytes(range(100))).decode(),
                    "within": "700ms",
                }
            },
            {"expect": {"equals": 42, "within": "700ms"}},
            {"close": {"code": 4000, "reason": "bye: now"}},
        ],
    }
    load_text_checks(data)


def test_a_close_the_other_end_made_is_expected_and_a_second_open_opens_again() -> None:
    rows = [
        event(OPEN, 1.0),
        event(CLOSE, 2.0, "closed with code 1001 (going away)"),
        event(OPEN, 3.0),
        event(CLOSE, 3.2, "closed with code 1000 (normal closure)"),
    ]
    # The client was asked to close before its first connection opened: not this close.
    source = RecordingSource("client", URL, close_requests=[0.5], open_times=[1.0, 3.0])
    steps = record_scenario(rows, source, "x")["steps"]
    assert steps == [
        {"expect_close": {"code": 1001, "within": "2.5s"}},
        {"open": None},
        {"expect_close": {"code": 1000, "within": "900ms"}},
    ]
    # From a server-side socket's log the scenario plays the client: what the socket
    # received it sends, and a close the server did not ask for is the client's own.
    socket = RecordingSource("server", URL, close_requests=[3.1], open_times=[1.0, 3.0])
    rows = [event(OPEN, 1.0), message(IN, '{"a":1}', 1.1), message(OUT, '{"b":2}', 1.2), *rows[1:]]
    assert record_scenario(rows, socket, "x")["steps"] == [
        {"send": {"message": {"a": 1}}},
        {"expect": {"equals": {"b": 2}, "within": "700ms"}},
        {"close": {"code": 1001}},
        {"open": None},
        {"expect_close": {"code": 1000, "within": "900ms"}},
    ]


def test_rows_that_make_no_scenario_say_what_to_select() -> None:
    with pytest.raises(RecordingError, match="select messages"):
        record_scenario(
            [event(OPEN, 1.0), event("info", 2.0, "x")], RecordingSource("client", URL), "x"
        )
    huge = LogEntry(IN, MESSAGE, mime="*/*", raw=b"x" * (1024 * 1024 + 1), time=1.0)
    with pytest.raises(RecordingError, match="1,048,577 bytes"):
        record_scenario([huge], RecordingSource("client", URL), "x")


def load_text_checks(data: dict) -> None:  # type: ignore[type-arg]
    from workbench.engine.scenarios.yaml_writer import dump_scenario

    load_text(dump_scenario(data), sources=Sources(environ={}))


# -- for real -----------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[Workbench]:
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


async def talk(engine: Workbench) -> tuple[str, str]:
    """A workbench server that answers JSON with a welcome and echoes the rest, and a client
    that says hello, sends text and bytes, and closes with 4000: (server id, client id)."""
    server_id = engine.add_server(
        {"host_interface": "127.0.0.1", "port": 0, "send_type": "*/*", "receive_type": "*/*"}
    )
    assert server_id is not None
    engine.set_auto_reply(server_id, "echo")
    assert await engine.start_server(server_id)
    client_id = engine.add_client_for(server_id, {"send_type": "*/*", "receive_type": "*/*"}, "me")
    assert client_id is not None and await engine.open_client(client_id)
    for value in ('{"type": "hello", "n": 1}', "plain words", bytes([0, 1, 2])):
        assert engine.send(client_id, value)
    log = engine.log(client_id)
    await wait_until(lambda: log.messages_in == 3)
    assert await engine.close_client(client_id, 4000, "bye")
    socket = engine.sockets_of(server_id)[0]
    await wait_until(lambda: not socket.is_open)
    return server_id, client_id


async def run_document(engine: Workbench, doc_id: str):  # type: ignore[no-untyped-def]
    document = engine.scenarios.documents[doc_id]
    scenario = load_text(document.text, sources=Sources(environ={}))[0]
    runner = ScenarioRunner(
        scenario,
        None,
        WorkbenchClients(engine, scenario.name, document.server_id),
        timeout=6 * TIMEOUT,
    )
    return await runner.run()


@pytest.mark.asyncio
async def test_recorded_from_a_client_and_from_its_socket_then_run_against_the_same_server(
    engine: Workbench,
) -> None:
    server_id, client_id = await talk(engine)
    socket = engine.sockets_of(server_id)[0]
    expected_steps = [
        "  - send: {message: {type: hello, n: 1}}",
        "  - send: {text: plain words}",
        "  - send: {bytes: 00 01 02}",
    ]
    for log_id in (client_id, socket.id):
        doc_id = engine.scenarios.record(log_id, list(engine.log(log_id)))
        document = engine.scenarios.documents[doc_id]
        assert document.server_id == server_id  # it targets that server, following its port
        lines = document.text.splitlines()
        # The sends in order; where the echoes fall between them depends on timing.
        assert [line for line in lines if line.startswith("  - send:")] == expected_steps, (
            document.text
        )
        assert lines[-1] == "  - close: {code: 4000, reason: bye}"
        assert "  - expect: {equals: {type: hello, n: 1}, within:" in document.text
        result = await run_document(engine, doc_id)
        assert result.status == "passed", [(r.label, r.status, r.message) for r in result.steps]
    # The runs' connections are workbench clients: their logs hold what the runs did.
    names = [h.name for h in engine.clients.values()]
    assert names == [
        "me",
        "recorded from me · client",
        f"recorded from {engine.server(server_id).name} ← {socket.remote_address} · client",
    ]
    run_log = engine.log(list(engine.clients)[1])
    assert [(e.direction, e.kind) for e in run_log if e.kind in (MESSAGE, CLOSE)] == [
        (OUT, MESSAGE),
        (OUT, MESSAGE),
        (OUT, MESSAGE),
        (IN, MESSAGE),
        (IN, MESSAGE),
        (IN, MESSAGE),
        (EVENT, CLOSE),
    ]


@pytest.mark.asyncio
async def test_a_recording_run_against_a_changed_server_fails_at_the_answer(
    engine: Workbench,
) -> None:
    server_id, client_id = await talk(engine)
    doc_id = engine.scenarios.record(client_id, list(engine.log(client_id)))
    engine.set_auto_reply(server_id, "fixed", '{"type": "bye"}')
    result = await run_document(engine, doc_id)
    failure = result.failure
    assert result.status == "failed" and failure is not None
    assert failure.step.kind == "expect" and failure.step.number == 4
    assert failure.received == '{"type":"bye"}'
    assert '-  "type": "hello"' in failure.diff and '+  "type": "bye"' in failure.diff
