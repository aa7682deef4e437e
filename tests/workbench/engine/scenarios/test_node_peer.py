"""Scenarios against Node's ``ws`` (tests/interop/node/ws_server.js, an echo server that
closes with the code it is told): the runner works with a peer that is not core.

Skipped without Node and ``ws`` (``bash resources/install-peers.sh``); failed under CI.
"""

from __future__ import annotations

import pytest

from tests.interop.test_node_ws import NodeServer
from tests.workbench.engine.scenarios.helpers import failed, run

pytestmark = pytest.mark.asyncio

SCENARIO = """
url: "ws://127.0.0.1:{{port}}/"
steps:
  - send: {message: {hello: node, n: [1, 2]}}
  - expect: {match: {hello: /^no/, n: [1, 2]}, type: application/json}
  - send: {bytes: 00 01 ff}
  - expect: {bytes: 00 01 ff, type: application/octet-stream}
  - ping: {within: 2s}
  - expect_none: {within: 100ms}
  - send: {text: close 4001 bye}
  - expect_close: {code: %s, reason: bye}
"""


async def test_a_scenario_passes_against_node_ws() -> None:
    peer = await NodeServer.start()
    result, _events = await run(SCENARIO % 4001, port=peer.port)
    events = await peer.finish()
    assert result.status == "passed", [(r.label, r.message, r.mismatches) for r in result.steps]
    assert events[-1] == {"close": 4001, "reason": "bye"}
    assert [e.get("message") for e in events[1:-1]] == ["text", "binary", "text"]


async def test_a_wrong_close_code_from_node_ws_fails_the_step() -> None:
    peer = await NodeServer.start()
    result, _events = await run(SCENARIO % 4002, port=peer.port)
    await peer.finish()
    step = failed(result)
    assert step.step.kind == "expect_close"
    assert (step.message, step.received) == ("closed with 4001 instead of 4002", "close 4001 bye")


async def test_a_mismatch_against_node_ws_names_the_key() -> None:
    peer = await NodeServer.start()
    result, _events = await run(SCENARIO.replace("/^no/", "/^yes/") % 4001, port=peer.port)
    await peer.finish()
    assert failed(result).mismatches[0] == 'match at $.hello: expected /^yes/, received "node"'
