"""A scenario run on workbench clients: the runner's connections are ordinary clients of the
engine (named after the scenario, their logs holding the run), reused on the next run,
aimed at a workbench server whose port they follow; a refused connection fails the open
step with core's reason; stopping a run closes its clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.helpers import TIMEOUT, wait_until
from tests.workbench.engine.scenarios.helpers import scenario_of
from tests.workbench.engine.scenarios.servers import chat_server
from workbench.engine.log.store import CLOSE, IN, MESSAGE, OPEN, OUT
from workbench.engine.scenarios.runner import ScenarioRunner
from workbench.engine.scenarios.workbench_clients import WorkbenchClients, client_name
from workbench.engine.workbench import Workbench

pytestmark = pytest.mark.asyncio

CHAT = """
name: chat
clients:
  alice: {url: "ws://127.0.0.1:{{port}}/chat?room=1"}
  bob:   {url: "ws://127.0.0.1:{{port}}/chat?room=1"}
steps:
  - open: bob
  - open: alice
  - send: {as: alice, message: {type: hello, user: alice}}
  - expect: {as: alice, match: {type: welcome}, save: {session: $.session}}
  - send: {as: alice, message: {type: say, session: "{{session}}", text: hi}}
  - expect: {as: bob, match: {type: said, text: hi}}
  - ping: alice
  - close: {as: alice, code: 1000, reason: bye}
  - expect_close: {as: bob, code: 4001}
"""

ECHO = """
name: echo
url: "ws://127.0.0.1:{{port}}/echo?x=1"
steps:
  - send: {message: {n: 1}}
  - expect: {equals: {n: 1}, within: 2s}
"""


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[Workbench]:
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


async def run(engine: Workbench, text: str, server_id: str | None = None, **variables: object):  # type: ignore[no-untyped-def]
    scenario = scenario_of(text, **variables)
    runner = ScenarioRunner(
        scenario, None, WorkbenchClients(engine, scenario.name, server_id), timeout=6 * TIMEOUT
    )
    return await runner.run()


def messages(engine: Workbench, client_id: str) -> list[tuple[str, object]]:
    return [(e.direction, e.raw) for e in engine.log(client_id) if e.kind == MESSAGE]


async def test_the_runs_clients_are_workbench_clients_with_their_logs_and_are_reused(
    engine: Workbench,
) -> None:
    async with chat_server() as (server, chat):
        result = await run(engine, CHAT, port=server.port)
        assert result.status == "passed", [(r.label, r.message) for r in result.steps]
        assert [h.name for h in engine.clients.values()] == ["chat · bob", "chat · alice"]
        bob, alice = engine.clients  # in the order the steps open them
        assert engine.client(alice).url == f"ws://127.0.0.1:{server.port}/chat?room=1"
        assert messages(engine, alice) == [
            (OUT, '{"type":"hello","user":"alice"}'),
            (IN, '{"type":"heartbeat"}'),
            (IN, '{"type":"welcome","user":"alice","session":"s-1"}'),
            (OUT, '{"type":"say","session":"s-1","text":"hi"}'),
            (IN, "ack 1"),
        ]
        assert messages(engine, bob) == [(IN, '{"type":"said","user":"alice","text":"hi"}')]
        assert any("ping: pong after" in e.detail for e in engine.log(alice))
        assert [e.detail for e in engine.log(bob) if e.kind == CLOSE] == [
            "closed with code 4001 (application code): room closed"
        ]
        assert engine.client(alice).handshake is not None  # the Handshake view has it
        assert engine.client(alice).state == engine.client(bob).state == "closed"

        again = await run(engine, CHAT, port=server.port)
        assert again.status == "passed"
        assert list(engine.clients) == [bob, alice]  # the same clients, a second connection
        assert sum(e.kind == OPEN for e in engine.log(alice)) == 2
        assert chat.connections == 4


async def test_a_run_aimed_at_a_workbench_server_follows_its_port(engine: Workbench) -> None:
    server_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0})
    assert server_id is not None
    engine.set_auto_reply(server_id, "echo")
    assert await engine.start_server(server_id)
    first_port = engine.server(server_id).port
    # The file's URL names another port: aimed at the server, its host and port are used,
    # the path is the file's.
    assert (await run(engine, ECHO, server_id, port=9)).status == "passed"
    client_id = next(iter(engine.clients))
    assert engine.client(client_id).server_id == server_id
    assert engine.client(client_id).url == f"ws://127.0.0.1:{first_port}/echo?x=1"
    assert await engine.stop_server(server_id) and await engine.start_server(server_id)
    new_port = engine.server(server_id).port
    assert new_port != first_port
    assert engine.client(client_id).options["port"] == new_port  # followed, as New client to it
    assert (await run(engine, ECHO, server_id, port=9)).status == "passed"
    assert list(engine.clients) == [client_id]
    assert engine.socket(engine.sockets_of(server_id)[-1].id).core.path == "/echo?x=1"


async def test_a_refused_connection_fails_the_open_with_cores_reason(engine: Workbench) -> None:
    server_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0})
    assert server_id is not None and await engine.start_server(server_id)
    port = engine.server(server_id).port
    assert await engine.stop_server(server_id)  # nothing listens there now
    result = await run(engine, ECHO, port=port)
    failure = result.failure
    assert failure is not None and failure.step.kind == "open"
    assert failure.message.startswith(f"could not connect to ws://127.0.0.1:{port}/echo?x=1")
    assert [r.status for r in result.steps] == ["failed", "skipped", "skipped"]
    client = engine.client(next(iter(engine.clients)))
    assert client.state == "failed"  # and the client's page says so, as for a click on Open


async def test_stopping_a_run_closes_its_clients(engine: Workbench) -> None:
    async with chat_server() as (server, _chat):
        scenario = scenario_of(
            "url: 'ws://127.0.0.1:{{port}}/'\nsteps:\n  - expect: {within: 20s}\n", port=server.port
        )
        runner = ScenarioRunner(scenario, None, WorkbenchClients(engine, "wait"))
        task = asyncio.ensure_future(runner.run())
        client_id = client_name("wait", "client")
        await wait_until(
            lambda: any(h.name == client_id and h.state == "open" for h in engine.clients.values())
        )
        runner.stop()
        result = await asyncio.wait_for(task, TIMEOUT)
        assert result.status == "stopped"
        assert [r.status for r in result.steps] == ["passed", "stopped"]
        handle = next(iter(engine.clients.values()))
        assert handle.state == "closed" and handle.core is not None
        assert handle.core.close_code == 1000
