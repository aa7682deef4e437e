"""Switches thrown while a stream flows through the relay: the fast path (no rule, no
intercept) must notice at the next message. Intercept switched on mid-stream holds that
message and everything after it, in order; a rule set mid-stream changes that message and
every later one and logs a row for each; nothing is lost, repeated or reordered.

The switch is thrown from the connection's ``'arrived'`` event (a message reached the relay,
before its rules and intercept), so where the stream is cut does not depend on timing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import TIMEOUT, Recorder
from workbench.engine.log.store import RULE
from workbench.engine.relay.relay import Relay
from workbench.engine.relay.rules import Rule, RuleSet

from .peers import client_of, relay_to, upstream_server

pytestmark = pytest.mark.asyncio

UP = "to_upstream"
#: Messages in the stream (far below the lane's queue limit), and the one the switch is
#: thrown at.
COUNT, SWITCH_AT = 400, 40
STREAM = [f"m{i:04d}" for i in range(COUNT)]


def switch_at(relay: Relay, throw: Callable[[], None]) -> asyncio.Future[None]:
    """Call ``throw`` when message ``SWITCH_AT`` (counting from 0) reaches the relay."""
    thrown = asyncio.get_running_loop().create_future()

    def watch(connection: Any) -> None:
        def arrived(direction: str, payload: Any) -> None:
            if direction == UP and payload == STREAM[SWITCH_AT] and not thrown.done():
                throw()
                thrown.set_result(None)

        connection.on("arrived", arrived)

    relay.on("connection", watch)
    return thrown


async def test_intercept_switched_on_mid_stream_holds_the_next_message_in_order() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:
        held = Recorder(relay.intercept, ["held"])
        thrown = switch_at(relay, lambda: relay.intercept.set_holding(UP, True))
        client = client_of(relay)
        await client.open()
        _socket, record = await upstream.socket()
        for message in STREAM:
            client.send(message)
        await asyncio.wait_for(thrown, TIMEOUT)
        await held.count("held", COUNT - SWITCH_AT)
        await record.count("message", SWITCH_AT)
        assert record.values("message") == STREAM[:SWITCH_AT]  # held: none went on after
        assert [h.payload for h in relay.intercept.held()] == STREAM[SWITCH_AT:]
        relay.intercept.set_holding(UP, False)  # off: forwards what it holds
        await record.count("message", COUNT)
        assert record.values("message") == STREAM
        await client.close()


async def test_a_rule_set_mid_stream_changes_the_next_message_and_logs_each_hit() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:

        def set_rule() -> None:
            relay.rules = RuleSet([Rule("tag", replace=(r"^m", "r"))])

        thrown = switch_at(relay, set_rule)
        client = client_of(relay)
        await client.open()
        _socket, record = await upstream.socket()
        for message in STREAM:
            client.send(message)
        await asyncio.wait_for(thrown, TIMEOUT)
        await record.count("message", COUNT)
        tagged = ["r" + message[1:] for message in STREAM[SWITCH_AT:]]
        assert record.values("message") == STREAM[:SWITCH_AT] + tagged
        [connection] = relay.connections.values()
        hits = [row[5] for row in connection.log.rows() if row[2] == RULE]
        assert hits == STREAM[SWITCH_AT:]  # a row each, keeping the message before
        await client.close()
