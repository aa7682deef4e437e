"""Switches thrown while a stream flows through the relay: the fast path (no rule, no
intercept) must notice at the next message. Intercept switched on mid-stream holds the very
next message and everything after it, in order; a rule set mid-stream changes the next
message and logs a row for each it changed; nothing is lost, repeated or reordered."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import TIMEOUT, Recorder
from workbench.engine.log.store import RULE
from workbench.engine.relay.rules import Rule, RuleSet

from .peers import client_of, relay_to, upstream_server

pytestmark = pytest.mark.asyncio

UP = "to_upstream"
#: Messages in the stream, and after how many the switch is thrown (a bounded stream, far
#: below the lane's queue limit, so the client is never slowed by a full queue).
COUNT, SWITCH_AT = 400, 40


def stream() -> list[str]:
    return [f"m{i:04d}" for i in range(COUNT)]


async def test_intercept_switched_on_mid_stream_holds_the_next_message_in_order() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:
        held = Recorder(relay.intercept, ["held"])
        client = client_of(relay)
        await client.open()
        socket, record = await upstream.socket()
        switched = asyncio.get_running_loop().create_future()

        def count(_message: object) -> None:
            if len(record.values("message")) == SWITCH_AT and not switched.done():
                relay.intercept.set_holding(UP, True)  # the stream is still flowing
                switched.set_result(None)

        socket.on("message", count)
        for message in stream():
            client.send(message)
        await asyncio.wait_for(switched, TIMEOUT)
        passed = list(record.values("message"))
        await held.count("held", COUNT - len(passed))
        assert SWITCH_AT <= len(passed) < COUNT  # some messages were held
        assert passed == stream()[: len(passed)]
        queue = relay.intercept.held()
        assert [h.payload for h in queue] == stream()[len(passed) :]  # the very next, in order
        assert len(record.values("message")) == len(passed)  # held: none went on meanwhile
        relay.intercept.set_holding(UP, False)  # off: forwards what it holds
        await record.count("message", COUNT)
        assert record.values("message") == stream()
        await client.close()


async def test_a_rule_set_mid_stream_changes_the_next_message_and_logs_each_hit() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:
        client = client_of(relay)
        await client.open()
        socket, record = await upstream.socket()
        switched = asyncio.get_running_loop().create_future()

        def count(_message: object) -> None:
            if len(record.values("message")) == SWITCH_AT and not switched.done():
                relay.rules = RuleSet([Rule("tag", replace=(r"^m", "r"))])
                switched.set_result(None)

        socket.on("message", count)
        for message in stream():
            client.send(message)
        await record.count("message", COUNT)
        got = record.values("message")
        changed = [i for i, message in enumerate(got) if message.startswith("r")]
        assert changed and changed == list(range(changed[0], COUNT))  # from one message on
        assert changed[0] >= SWITCH_AT
        assert [message[1:] for message in got] == [message[1:] for message in stream()]
        [connection] = relay.connections.values()
        hits = [row[5] for row in connection.log.rows() if row[2] == RULE]
        assert hits == [stream()[i] for i in changed]  # each row keeps the message before
        await client.close()
