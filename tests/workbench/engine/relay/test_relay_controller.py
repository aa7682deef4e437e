"""The engine's relay control (``workbench.engine.relays``) with real sockets: a relay added to
the workbench relays a core client to a core echo server; its intercept, rules, the fault lab
on a leg, the three-lifeline conversation, a recorded scenario and the workspace."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helpers import Recorder, wait_until
from workbench.engine.log.store import FAULT, INTERCEPT, MESSAGE, RULE
from workbench.engine.relay.conversation import CLIENT, RELAY, UPSTREAM
from workbench.engine.relay.rule_specs import RuleSpecError, rule_spec, spec_words
from workbench.engine.workbench import Workbench
from workbench.engine.workspace.workspace import RelayConfig, Workspace

from .peers import RAW, upstream_server

pytestmark = pytest.mark.asyncio

UP, DOWN = "to_upstream", "to_client"


def config(url: str, **extra: Any) -> RelayConfig:
    return RelayConfig("Relay 1", url, {"host_interface": "127.0.0.1", "port": 0}, **extra)


async def started(engine: Workbench, url: str, **extra: Any) -> tuple[str, Any]:
    relay_id = engine.relays.add(config(url, **extra))
    assert await engine.relays.start(relay_id)
    handle = engine.relays.relay(relay_id)
    assert handle.state == "listening" and handle.port
    return relay_id, handle


def client_to(handle: Any, path: str = "/") -> Any:
    from core import Client

    return Client(f"ws://127.0.0.1:{handle.port}{path}", **RAW, number_of_retries=0)


async def test_a_relay_relays_both_ways_and_logs_each_leg() -> None:
    engine = Workbench()
    async with upstream_server() as upstream:
        relay_id, handle = await started(engine, upstream.url("/api"))
        events = Recorder(engine.relays, ["connection_opened", "connection_closed"])
        client = client_to(handle, "/chat")
        got = Recorder(client, ["message"])
        await client.open()
        client.send('{"hello": 1}')
        client.send(b"\x00\x01")
        await got.count("message", 2)
        assert got.values("message") == ['{"hello": 1}', b"\x00\x01"]
        await events.count("connection_opened", 1)
        (record,) = handle.connections.values()
        messages = [e for e in record.log if e.kind == MESSAGE]
        sent = [(e.raw, e.detail) for e in messages if e.direction == "out"]
        answered = [(e.raw, e.detail) for e in messages if e.direction == "in"]
        assert sent == [
            ('{"hello": 1}', "#1 client → upstream"),
            (b"\x00\x01", "#1 client → upstream"),
        ]
        assert answered == [
            ('{"hello": 1}', "#1 upstream → client"),
            (b"\x00\x01", "#1 upstream → client"),
        ]
        assert upstream.sockets[0][0].path == "/api/chat"
        rows = [(a.source, a.target, a.kind) for a in record.conversation.rows]
        assert rows[:4] == [
            (CLIENT, RELAY, "request"),
            (RELAY, UPSTREAM, "request"),
            (UPSTREAM, RELAY, "response"),
            (RELAY, CLIENT, "response"),
        ]
        assert (CLIENT, RELAY, "text") in rows and (RELAY, UPSTREAM, "binary") in rows
        assert (UPSTREAM, RELAY, "text") in rows and (RELAY, CLIENT, "binary") in rows
        await client.close()
        await events.count("connection_closed", 1)
        assert any(a.kind == "close" and a.source == CLIENT for a in record.conversation.rows)
        assert any("listening on" in e.detail for e in handle.log)
        assert await engine.relays.stop(relay_id)
        assert handle.state == "stopped"


async def test_intercept_marks_held_and_edited_messages_in_the_conversation() -> None:
    engine = Workbench()
    async with upstream_server(reply=None) as upstream:
        relay_id, handle = await started(engine, upstream.url())
        engine.relays.set_holding(relay_id, UP, True)
        client = client_to(handle)
        await client.open()
        _socket, record = await upstream.socket()
        for text in ("one", "two", "three"):
            client.send(text)
        await wait_until(lambda: len(handle.held()) == 3)
        one, two, _three = handle.held()
        assert engine.relays.decide(relay_id, "edit", one.id, "ONE!")
        assert engine.relays.decide(relay_id, "drop", two.id)
        assert engine.relays.forward_all(relay_id) == 1
        await record.count("message", 2)
        assert record.values("message") == ["ONE!", "three"]
        (relayed,) = handle.connections.values()
        sent = [a for a in relayed.conversation.rows if (a.source, a.target) == (RELAY, UPSTREAM)]
        assert [(a.kind, a.mark) for a in sent if a.kind == "text"] == [
            ("text", "edited"),
            ("text", "held"),
        ]
        assert "ONE!" in sent[-2].text
        kinds = [e.kind for e in relayed.log]
        assert kinds.count(INTERCEPT) >= 6
        engine.relays.set_holding(relay_id, UP, False)
        assert not handle.holding[UP]
        await client.close()
        await engine.relays.stop(relay_id)


async def test_rules_apply_and_are_rows_of_the_log() -> None:
    engine = Workbench()
    async with upstream_server() as upstream:
        relay_id, handle = await started(engine, upstream.url())
        spec = rule_spec("hide", UP, "text", "/token=\\w+/", "replace", "token=\\w+", "token=***")
        assert spec_words(spec)[3] == "replace /token=\\w+/ → 'token=***'"
        with pytest.raises(RuleSpecError, match="JSON"):
            rule_spec("", "both", "json", "{not json", "drop")
        assert not engine.relays.set_rules(relay_id, [{"replace": {"regex": "("}}])
        assert engine.relays.set_rules(relay_id, [spec])
        client = client_to(handle)
        got = Recorder(client, ["message"])
        await client.open()
        client.send("token=abc and more")
        await got.count("message", 1)
        assert got.values("message") == ["token=*** and more"]
        (relayed,) = handle.connections.values()
        rules = [e for e in relayed.log if e.kind == RULE]
        assert len(rules) == 1 and "hide" in rules[0].detail
        await client.close()
        await engine.relays.stop(relay_id)


async def test_faults_go_on_the_leg_asked_for() -> None:
    engine = Workbench()
    async with upstream_server() as upstream:
        relay_id, handle = await started(engine, upstream.url())
        client = client_to(handle)
        got = Recorder(client, ["message", "close"])
        await client.open()
        socket, record = await upstream.socket()
        (record_id,) = handle.connections
        assert engine.relays.apply_fault(record_id, "client", "drop", count=1)
        client.send("first")  # reaches the upstream; its echo is dropped toward the client
        await record.count("message", 1)
        client.send("second")
        await got.count("message", 1)
        assert got.values("message") == ["second"]
        assert not engine.relays.apply_fault(record_id, "upstream", "refuse")  # a server's
        assert engine.relays.apply_fault(record_id, "upstream", "close", code=4000, reason="bye")
        await record.count("close", 1)
        assert record.args("close")[0][:2] == (4000, "bye")
        await got.count("close", 1)
        assert got.args("close")[0][0] == 4000
        faults = [e.detail for e in handle.connections[record_id].log if e.kind == FAULT]
        assert any("client ↔ relay" in d and "Drop next" in d for d in faults)
        assert "#1 upstream → client: dropped (fault lab)" in faults
        assert any("relay ↔ upstream" in d and "Close now" in d for d in faults)
        assert any("is for a server" in message for _context, message in engine.errors)
        del socket
        await engine.relays.stop(relay_id)


async def test_a_recorded_scenario_sends_what_the_client_sent_and_expects_the_answers() -> None:
    engine = Workbench()
    async with upstream_server() as upstream:
        relay_id, handle = await started(engine, upstream.url("/echo"))
        client = client_to(handle)
        got = Recorder(client, ["message"])
        await client.open()
        client.send('{"type": "hello"}')
        await got.count("message", 1)
        client.send("plain")
        await got.count("message", 2)
        await client.close(1000, "done")
        (record_id,) = handle.connections
        await wait_until(lambda: not handle.connections[record_id].is_open)
        doc_id = engine.relays.record_scenario(record_id)
        data = yaml.safe_load(engine.scenarios.documents[doc_id].text)
        assert data["url"] == upstream.url("/echo")
        steps = data["steps"]
        assert steps[0] == {"send": {"message": {"type": "hello"}}}
        assert steps[1]["expect"]["equals"] == {"type": "hello"}
        assert steps[2] == {"send": {"text": "plain"}}
        assert steps[3]["expect"]["text"] == "plain"
        assert steps[4] == {"close": {"code": 1000, "reason": "done"}}
        await engine.relays.stop(relay_id)


async def test_relays_round_trip_through_the_workspace(tmp_path: Any) -> None:
    engine = Workbench()
    spec = rule_spec("slow", DOWN, "json", '{"type": "price"}', "delay", "200")
    relay_id = engine.relays.add(
        config(
            "ws://127.0.0.1:9/api",
            fixed_path=True,
            rewrite_origin=True,
            set_headers=[["X-Api-Key", "abc"]],
            strip_headers=["Cookie"],
        )
    )
    assert engine.relays.set_rules(relay_id, [spec])
    path = tmp_path / "workspace.json"
    engine.to_workspace().save(path)
    other = Workbench()
    assert await other.load_workspace(Workspace.load(path))
    (loaded,) = other.relays.relays.values()
    original = engine.relays.relay(relay_id).config
    assert loaded.config == original
    assert loaded.config.rules == [spec] and loaded.name == "Relay 1"
    assert loaded.config.upstream_url == "ws://127.0.0.1:9/api"
    assert loaded.config.set_headers == [["X-Api-Key", "abc"]]


async def test_the_intercept_switches_are_saved_with_the_relay_and_hold_after_a_load(
    tmp_path: Any,
) -> None:
    engine = Workbench()
    relay_id = engine.relays.add(config("ws://127.0.0.1:9/"))
    engine.relays.set_holding(relay_id, DOWN, True)
    engine.relays.set_holding(relay_id, UP, True)
    engine.relays.set_holding(relay_id, UP, False)
    with pytest.raises(ValueError, match="to_upstream or to_client, not 'sideways'"):
        engine.relays.set_holding(relay_id, "sideways", True)
    # new settings from the form keep the switches, as they keep the rules
    assert engine.relays.update(relay_id, config("ws://127.0.0.1:9/other"))
    path = tmp_path / "workspace.json"
    engine.to_workspace().save(path)
    other = Workbench()
    assert await other.load_workspace(Workspace.load(path))
    (loaded,) = other.relays.relays.values()
    assert loaded.config.intercept == [DOWN]
    assert loaded.holding == {UP: False, DOWN: True}
    async with upstream_server() as upstream:
        assert other.relays.update(loaded.id, config(upstream.url()))
        assert await other.relays.start(loaded.id)
        assert loaded.relay is not None
        assert not loaded.relay.intercept.holding(UP) and loaded.relay.intercept.holding(DOWN)
        client = client_to(loaded)
        got = Recorder(client, ["message"])
        await client.open()
        client.send("ping me")
        await wait_until(lambda: len(loaded.held()) == 1)
        (held,) = loaded.held()
        assert (held.direction, got.values("message")) == (DOWN, [])
        assert other.relays.decide(loaded.id, "forward", held.id)
        await got.count("message", 1)
        assert got.values("message") == ["ping me"]
        await client.close()
        await other.relays.stop(loaded.id)


async def test_closed_connections_are_forgotten_first_when_the_logs_are_over_budget() -> None:
    engine = Workbench()
    async with upstream_server() as upstream:
        relay_id, handle = await started(engine, upstream.url())
        removed = Recorder(engine.relays, ["connection_removed", "connection_closed"])
        first, second = client_to(handle), client_to(handle)
        await first.open()
        await second.open()
        await wait_until(lambda: len(handle.connections) == 2)
        old, young = handle.connections
        log = handle.connections[old].log
        assert log.budget is engine.log_budget and handle.log.budget is engine.log_budget
        await first.close()
        await removed.count("connection_closed", 1)
        engine.log_budget.charge(engine.log_budget.limit)  # as if the logs had filled it
        assert removed.args("connection_removed") == [(relay_id, old)]
        assert list(handle.connections) == [young] and old not in engine.relays.records
        assert log.budget is None and len(log) == 0 and engine.log_budget.evicted_logs == 1
        await second.close()
        await engine.relays.stop(relay_id)


async def test_cut_tcp_toward_the_client_closes_the_upstream_with_client_gone() -> None:
    engine = Workbench()
    async with upstream_server() as upstream:
        relay_id, handle = await started(engine, upstream.url())
        client = client_to(handle)
        closed = Recorder(client, ["close"])
        await client.open()
        _socket, record = await upstream.socket()
        (record_id,) = handle.connections
        assert engine.relays.apply_fault(record_id, "client", "cut")
        await closed.count("close", 1)
        await record.count("close", 1)
        assert closed.args("close")[0][0] == 1006
        assert record.args("close")[0][:2] == (1001, "client gone")
        await engine.relays.stop(relay_id)


async def test_a_port_taken_is_reported_and_the_relay_can_start_again_elsewhere() -> None:
    engine = Workbench()
    async with upstream_server() as upstream:
        _first_id, first = await started(engine, upstream.url())
        taken = {"host_interface": "127.0.0.1", "port": first.port}
        second_id = engine.relays.add(RelayConfig("Relay 2", upstream.url(), taken))
        assert not await engine.relays.start(second_id)
        second = engine.relays.relay(second_id)
        assert second.state == "failed" and second.relay is None
        assert engine.errors and engine.errors[-1][0] == "Relay 2"
        config = RelayConfig("Relay 2", upstream.url(), {"host_interface": "127.0.0.1", "port": 0})
        assert engine.relays.update(second_id, config)
        assert await engine.relays.start(second_id)
        assert second.state == "listening" and second.port not in (None, first.port)
        await engine.shutdown()
        assert first.state == second.state == "stopped"
