"""Every step kind passes and fails for the right reason, against real loopback servers."""

from __future__ import annotations

import asyncio

import pytest

from core import Server
from tests.core.raw_server import RawServer
from tests.helpers import TIMEOUT, wait_until
from tests.workbench.engine.scenarios.helpers import failed, run, scenario_of, statuses
from tests.workbench.engine.scenarios.servers import chat_server, echo_server
from workbench.engine.scenarios.runner import ScenarioRunner

pytestmark = pytest.mark.asyncio

CHAT = """
name: chat says welcome
vars: {user: alice}
clients:
  alice: {url: "ws://127.0.0.1:{{port}}/chat?room=1", options: {subprotocols: [chat.v1],
          headers: {Authorization: "Bearer {{TOKEN}}"}, receive_type: application/json}}
  bob:   {url: "ws://127.0.0.1:{{port}}/chat?room=1"}
steps:
  - open: bob
  - open: alice
  - send: {as: alice, message: {type: hello, user: "{{user}}"}}
  - expect: {as: alice, match: {type: welcome}, within: 2s, save: {session: $.session}}
  - send: {as: alice, message: {type: say, session: "{{session}}", text: hi}}
  - expect: {as: bob, match: {type: said, text: hi}}
  - expect: {as: alice, text: "/^ack \\\\d+$/", within: 500ms}
  - expect_none: {as: bob, within: 300ms}
  - ping: {as: alice, within: 1s}
  - sleep: 100ms
  - close: {as: alice, code: 1000, reason: bye}
  - expect_close: {as: bob, code: 4001, reason: "/room/"}
"""


async def test_the_issue_example_passes_on_a_chat_server() -> None:
    async with chat_server() as (server, chat):
        result, events = await run(CHAT, port=server.port, TOKEN="t0k")
    assert result.status == "passed", [(r.label, r.message) for r in result.steps]
    assert [e.kind for e in events] == ["started", "passed"] * len(result.steps)
    assert chat.connections == 2
    welcome = result.steps[3]
    assert welcome.skipped == ['{"type":"heartbeat"}'] and welcome.skipped_count == 1
    assert welcome.saved == {"session": "s-1"}
    assert result.steps[8].message.startswith("round trip ")
    assert result.steps[9].elapsed >= 0.1
    assert result.steps[10].message == "closed: 1000 bye"
    assert result.steps[11].received == "close 4001 room closed"


async def test_one_clients_send_not_arriving_at_another_fails_with_its_diff() -> None:
    async with chat_server(broken=True) as (server, _chat):
        result, events = await run(
            CHAT.replace("text: hi}}\n", "text: hi}, within: 300ms}\n"), port=server.port, TOKEN="t"
        )
    step = failed(result)
    assert (step.step.number, step.status) == (6, "failed")
    assert step.message == "no matching message within 300 ms; 1 other message arrived"
    assert step.received == '{"type":"sad","user":"alice","text":"hi"}'
    assert step.mismatches == ['match at $.type: expected "said", received "sad"']
    assert '-  "type": "said"' in step.diff and '+  "type": "sad"' in step.diff
    assert step.skipped == ['{"type":"sad","user":"alice","text":"hi"}']
    assert statuses(result)[6:] == [(k, "skipped") for k, _ in statuses(result)[6:]]
    assert [e.kind for e in events][-7:] == ["failed", *["skipped"] * 6]


ECHO = """
url: "ws://127.0.0.1:{{port}}/"
options: {receive_type: "*/*"}
steps:
"""


@pytest.mark.parametrize(
    ("steps", "passes", "reason"),
    [
        ("- send: {text: hi}\n- expect: {equals: hi}", True, ""),
        (
            "- send: {text: hi}\n- expect: {equals: ho, within: 200ms}",
            False,
            'equals at $: expected "ho", received "hi"',
        ),
        (
            "- send: {message: {a: {b: [1, 2]}, c: x}}\n- expect: {text: '/\"b\":\\[1,2\\]/'}",
            True,
            "",
        ),
        ("- send: {text: ack 12}\n- expect: {text: '/^ack \\d+$/'}", True, ""),
        (
            "- send: {text: ack x}\n- expect: {text: '/^ack \\d+$/', within: 200ms}",
            False,
            'text: expected /^ack \\d+$/, received "ack x"',
        ),
        ("- send: {text: Hi}\n- expect: {text: /hi/i}", True, ""),
        (
            "- send: {bytes: 00 01 ff}\n- expect: {bytes: 'base64:AAH/', type: application/octet-stream}",
            True,
            "",
        ),
        (
            "- send: {bytes: 00 01 ff}\n- expect: {bytes: 00 01 fe, within: 200ms}",
            False,
            "bytes: expected <3 bytes: 00 01 fe>, received <3 bytes: 00 01 ff>",
        ),
        (
            "- send: {text: hi}\n- expect: {bytes: '00', within: 200ms}",
            False,
            'bytes: expected a binary message, received a text message "hi"',
        ),
        ("- send: {text: hi}\n- expect: {type: text/*}", True, ""),
        (
            "- send: {text: hi}\n- expect: {type: application/octet-stream, within: 200ms}",
            False,
            "type: expected application/octet-stream, received text/plain",
        ),
    ],
)
async def test_matchers_on_an_echo_server(steps: str, passes: bool, reason: str) -> None:
    async with echo_server() as server:
        result, _events = await run(ECHO + "  " + steps.replace("\n", "\n  "), port=server.port)
    if passes:
        assert result.status == "passed", [(r.label, r.message, r.mismatches) for r in result.steps]
    else:
        assert failed(result).mismatches == [reason]


JSON_CLIENT = """
url: "ws://127.0.0.1:{{port}}/"
steps:
"""


@pytest.mark.parametrize(
    ("steps", "passes", "reason"),
    [
        (
            "- send: {message: {a: 1, b: [true, null]}}\n- expect: {equals: {a: 1, b: [true, null]}}",
            True,
            "",
        ),
        (
            "- send: {message: {a: 1, b: 2}}\n- expect: {equals: {a: 1}, within: 200ms}",
            False,
            "equals at $.b: expected nothing, received 2",
        ),
        ("- send: {message: {a: 1, b: {c: x7}}}\n- expect: {match: {b: {c: /^x\\d$/}}}", True, ""),
        (
            "- send: {message: {a: true}}\n- expect: {match: {a: 1}, within: 200ms}",
            False,
            "match at $.a: expected 1, received true",
        ),
        (
            "- send: {message: {a: 1}}\n- expect: {match: {z: 1}, within: 200ms}",
            False,
            "match at $.z: expected 1, received nothing",
        ),
        (
            "- send: {message: {n: 3}}\n- expect: {schema: {type: object, required: [n], properties: {n: {type: integer}}}}",
            True,
            "",
        ),
        (
            "- send: {message: {n: x}}\n- expect: {schema: {properties: {n: {type: integer}}}, within: 200ms}",
            False,
            "schema at $.n: expected valid, received 'x' is not of type 'integer'",
        ),
        ("- send: {text: not json}\n- expect: {text: not json, type: text/plain}", True, ""),
        ("- send: {message: {a: 1}}\n- expect: {type: application/json}", True, ""),
    ],
)
async def test_json_matchers_on_an_echo_server(steps: str, passes: bool, reason: str) -> None:
    async with echo_server() as server:
        result, _events = await run(
            JSON_CLIENT + "  " + steps.replace("\n", "\n  "), port=server.port
        )
    if passes:
        assert result.status == "passed", [(r.label, r.message, r.mismatches) for r in result.steps]
    else:
        assert failed(result).mismatches == [reason]


async def test_a_schema_file_is_read_beside_the_scenario(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from workbench.engine.scenarios.loading import load_file
    from workbench.engine.scenarios.variables import Sources

    (tmp_path / "welcome.schema.json").write_text('{"required": ["type"]}')
    file = tmp_path / "s.yaml"
    file.write_text(
        JSON_CLIENT
        + "  - send: {message: {type: x}}\n  - expect: {schema_file: welcome.schema.json}\n  - send: {message: {kind: x}}\n  - expect: {schema_file: welcome.schema.json, strict: true}\n"
    )
    async with echo_server() as server:
        scenario = load_file(file, Sources(cli={"port": server.port}, environ={}))[0]
        result = await ScenarioRunner(scenario).run()
    assert failed(result).step.number == 4
    assert result.failure.mismatches == [
        "schema at $: expected valid, received 'type' is a required property"
    ]


async def test_strict_fails_on_the_next_message_and_the_default_skips_it() -> None:
    steps = """
  - send: {message: {type: hello, user: al}}
  - expect: {match: {type: welcome}, strict: {strict}}
"""
    text = "url: ws://127.0.0.1:{{port}}/\nsteps:" + steps
    async with chat_server() as (server, _chat):
        lenient, _ = await run(text.replace("{strict}", "false"), port=server.port)
        strict, _ = await run(text.replace("{strict}", "true"), port=server.port)
    assert lenient.status == "passed" and lenient.steps[-1].skipped == ['{"type":"heartbeat"}']
    step = failed(strict)
    assert step.message == "the next message does not match"
    assert step.received == '{"type":"heartbeat"}'


async def test_expect_none_fails_when_a_message_arrives_and_skips_the_ones_that_do_not_match() -> (
    None
):
    async with echo_server() as server:
        quiet, _ = await run(ECHO + "  - expect_none: {within: 200ms}", port=server.port)
        noisy, _ = await run(
            ECHO + "  - send: {text: hi}\n  - expect_none: {within: 1s}", port=server.port
        )
        filtered, _ = await run(
            ECHO + "  - send: {text: hi}\n  - expect_none: {text: ho, within: 200ms}",
            port=server.port,
        )
    assert quiet.status == "passed" and quiet.steps[-1].message == "nothing arrived in 200 ms"
    assert failed(noisy).message == 'a message arrived: "hi"'
    assert filtered.status == "passed" and filtered.steps[-1].skipped == ['"hi"']


async def test_ping_close_and_open_fail_on_a_peer_that_never_answers() -> None:
    raw = await RawServer().start()
    try:
        text = f"url: ws://127.0.0.1:{raw.port}/\noptions: {{close_timeout: 300}}\nsteps:\n"
        stuck, _ = await run(text + "  - open: {within: 200ms}")
        raw.gate.set()
        pinged, _ = await run(text + "  - ping: {within: 200ms}")
        closed, _ = await run(text + "  - close: {within: 100ms}")
    finally:
        await raw.aclose()
    assert failed(stuck).message == "client did not open within 200 ms"
    assert failed(pinged).message == "no pong within 200 ms"
    assert failed(closed).message == "the close did not complete within 100 ms"


async def test_open_fails_with_cores_reason_when_nothing_listens() -> None:
    async with echo_server() as server:
        port = server.port
    result, _ = await run(ECHO + "  - send: {text: hi}", port=port)
    step = failed(result)
    assert step.step.kind == "open" and "connection refused" in step.message


async def test_expect_close_checks_code_reason_strictness_and_time() -> None:
    async with chat_server() as (server, _chat):
        base = CHAT.split("  - send:")[0] + (
            "  - send: {as: alice, message: {type: hello, user: x}}\n  - close: {as: alice}\n"
        )
        wrong_code, _ = await run(
            base + "  - expect_close: {as: bob, code: 4002}", port=server.port, TOKEN="t"
        )
        wrong_reason, _ = await run(
            base + "  - expect_close: {as: bob, reason: gone}", port=server.port, TOKEN="t"
        )
        never, _ = await run(
            base.replace("  - close: {as: alice}\n", "")
            + "  - expect_close: {as: bob, within: 200ms}",
            port=server.port,
            TOKEN="t",
        )
    assert failed(wrong_code).message == "closed with 4001 instead of 4002"
    assert failed(wrong_reason).message == "closed with the reason 'room closed', not 'gone'"
    assert failed(never).message == "the connection did not close within 200 ms"
    async with echo_server() as server:
        strict, _ = await run(
            ECHO + "  - send: {text: hi}\n  - expect_close: {strict: true, within: 1s}",
            port=server.port,
        )
    assert failed(strict).message == 'a message arrived before the close: "hi"'


async def test_save_that_finds_nothing_fails_and_saved_values_fill_later_steps() -> None:
    async with echo_server() as server:
        saved, _ = await run(
            JSON_CLIENT
            + "  - send: {message: {id: 7, tags: [a, b]}}\n  - expect: {save: {id: $.id, tag: '$.tags[1]'}}\n  - send: {message: {again: '{{id}}', text: 'tag {{tag}}'}}\n  - expect: {equals: {again: 7, text: tag b}}",
            port=server.port,
        )
        missing, _ = await run(
            JSON_CLIENT + "  - send: {message: {id: 7}}\n  - expect: {save: {x: $.nope}}",
            port=server.port,
        )
    assert saved.status == "passed", [(r.label, r.message) for r in saved.steps]
    assert saved.steps[2].saved == {"id": 7, "tag": "b"}
    assert failed(missing).message == 'save x: $.nope finds nothing in {"id":7}'


async def test_stop_ends_the_running_step_and_closes_the_connections() -> None:
    async with echo_server() as server:
        closes: list[int] = []
        server.on(
            "connection",
            lambda socket: socket.on("close", lambda code, reason: closes.append(code)),
        )
        runner = ScenarioRunner(
            scenario_of(ECHO + "  - expect: {within: 30s}\n  - ping", port=server.port)
        )
        task = asyncio.ensure_future(runner.run())
        await wait_until(lambda: runner.result.steps[1].status == "running")
        runner.stop()
        result = await asyncio.wait_for(task, TIMEOUT)
        await wait_until(lambda: closes == [1000])
    assert result.status == "stopped"
    assert statuses(result) == [("open", "passed"), ("expect", "stopped"), ("ping", "skipped")]


async def test_cancelling_the_run_closes_its_connections_first() -> None:
    async with echo_server() as server:
        closes: list[int] = []
        server.on(
            "connection",
            lambda socket: socket.on("close", lambda code, reason: closes.append(code)),
        )
        runner = ScenarioRunner(scenario_of(ECHO + "  - expect: {within: 30s}", port=server.port))
        task = asyncio.ensure_future(runner.run())
        await wait_until(lambda: runner.result.steps[1].status == "running")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, TIMEOUT)
        assert closes == [1000]


async def test_the_scenario_timeout_fails_the_running_step() -> None:
    async with echo_server() as server:
        runner = ScenarioRunner(
            scenario_of(ECHO + "  - expect: {within: 30s}", port=server.port), timeout=0.3
        )
        result = await asyncio.wait_for(runner.run(), TIMEOUT)
    assert failed(result).message == "the scenario ran out of its time (0.3 s)"


async def test_a_message_sent_after_the_close_fails_with_cores_reason() -> None:
    async with echo_server() as server:
        result, _ = await run(ECHO + "  - close\n  - send: {text: late}", port=server.port)
    step = failed(result)
    assert step.step.kind == "send" and "closed" in step.message


async def test_an_undecodable_message_is_matched_as_text_and_its_type_says_so() -> None:
    async with Server(host_interface="127.0.0.1", port=0, send_type="*/*") as server:
        server.on("connection", lambda socket: socket.send("{broken"))
        result, _ = await run(
            JSON_CLIENT + "  - expect: {text: '{broken', type: text/plain}", port=server.port
        )
    assert result.status == "passed", [(r.label, r.message, r.mismatches) for r in result.steps]
