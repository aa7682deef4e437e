"""Intercept and rules through a running relay: held messages keep their order, an edit
changes exactly the bytes sent, a drop sends nothing, pings and closes pass while messages are
held, rules apply per direction; and back-pressure keeps the relay's memory bounded."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from tests.helpers import TIMEOUT, Recorder, wait_until
from workbench.engine.log.store import INTERCEPT, MESSAGE, OUT, RULE
from workbench.engine.relay import lane
from workbench.engine.relay.rules import Rule, RuleSet

from .peers import client_of, relay_to, upstream_server

pytestmark = pytest.mark.asyncio

UP, DOWN = "to_upstream", "to_client"


async def round_trip_down(socket: Any, client: Any, received: Recorder, text: str) -> None:
    """The upstream sends ``text`` and the client gets it: the relay is past what came before."""
    count = len(received.args("message"))
    socket.send(text)
    await received.count("message", count + 1)
    assert received.values("message")[-1] == text


async def test_held_messages_leave_in_order_whatever_order_they_are_decided_in() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:
        held = Recorder(relay.intercept, ["held", "released"])
        relay.intercept.set_holding(UP, True)
        client = client_of(relay)
        received = Recorder(client, ["message"])
        await client.open()
        socket, record = await upstream.socket()
        for payload in ("m1", "m2", "m3", b"m4", "m5"):
            client.send(payload)
        await held.count("held", 5)
        queue = relay.intercept.held()
        assert [h.payload for h in queue] == ["m1", "m2", "m3", b"m4", "m5"]
        assert [h.direction for h in queue] == [UP] * 5 and {h.connection for h in queue} == {1}
        await round_trip_down(socket, client, received, "the other way is not held")
        assert record.values("message") == []
        first, second, third, *_ = queue
        assert relay.intercept.forward(third.id)  # decided, but waits behind m1 and m2
        await round_trip_down(socket, client, received, "still nothing up")
        assert record.values("message") == []
        assert relay.intercept.edit(first.id, b"\x00edited \xff")
        await record.count("message", 1)
        assert relay.intercept.drop(second.id)
        await record.count("message", 2)
        assert relay.intercept.forward_all() == 2
        await record.count("message", 4)
        assert record.values("message") == [b"\x00edited \xff", "m3", b"m4", "m5"]
        assert relay.intercept.held() == [] and not relay.intercept.forward(first.id)
        assert [args[1] for args in held.args("released")] == [
            "forwarded",
            "edited",
            "dropped",
            "forwarded",
            "forwarded",
        ]
        await client.close()


async def test_an_edit_sends_exactly_the_new_bytes_and_the_log_keeps_both() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:
        held = Recorder(relay.intercept, ["held"])
        relay.intercept.set_holding(UP, True)
        client = client_of(relay)
        await client.open()
        _socket, record = await upstream.socket()
        client.send('{"amount": 10}')
        client.send(bytes([1, 2, 3]))
        await held.count("held", 2)
        text, data = relay.intercept.held()
        edited_text = '{"amount":1000,"note":"édité ✓"}'
        relay.intercept.edit(text.id, edited_text)
        relay.intercept.edit(data.id, bytes([3, 2, 1, 0]))
        await record.count("message", 2)
        assert record.values("message") == [edited_text, bytes([3, 2, 1, 0])]
        [connection] = relay.connections.values()
        rows = [r for r in connection.log.rows() if r[2] in (INTERCEPT, MESSAGE)]
        assert [(r[2], r[5]) for r in rows] == [
            (INTERCEPT, '{"amount": 10}'),
            (INTERCEPT, bytes([1, 2, 3])),
            (INTERCEPT, None),
            (INTERCEPT, None),
            (MESSAGE, edited_text),
            (MESSAGE, bytes([3, 2, 1, 0])),
        ]
        assert [r[6] for r in rows if r[2] == INTERCEPT] == [
            f"#1 client → upstream: held #{text.id} (1 queued)",
            f"#1 client → upstream: held #{data.id} (2 queued)",
            f"#1 client → upstream: edited #{text.id}",
            f"#1 client → upstream: edited #{data.id}",
        ]
        with pytest.raises(TypeError, match=r"str \(a text frame\) or bytes"):
            relay.intercept.edit(text.id, 42)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="cannot be sent as UTF-8"):
            relay.intercept.edit(text.id, "\ud800")
        await client.close()


async def test_a_dropped_message_is_never_sent_and_switching_off_forwards_the_rest() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:
        held = Recorder(relay.intercept, ["held"])
        relay.intercept.set_holding(DOWN, True)
        client = client_of(relay)
        received = Recorder(client, ["message"])
        await client.open()
        socket, record = await upstream.socket()
        socket.send("drop me")
        socket.send("keep me")
        await held.count("held", 2)
        relay.intercept.drop(relay.intercept.held()[0].id)
        relay.intercept.set_holding(DOWN, False)
        await received.count("message", 1)
        socket.send("not held")
        await received.count("message", 2)
        assert received.values("message") == ["keep me", "not held"]
        await client.send("up")
        await record.count("message", 1)
        assert relay.intercept.held() == []
        await client.close()


async def test_pings_and_closes_pass_while_messages_are_held() -> None:
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/")) as relay:
        events = Recorder(relay.intercept, ["held", "released"])
        relay.intercept.set_holding(UP, True)
        relay.intercept.set_holding(DOWN, True)
        client = client_of(relay)
        closed = Recorder(client, ["message", "close"])
        await client.open()
        socket, record = await upstream.socket()
        client.send("held up")
        socket.send("held down")
        await events.count("held", 2)
        assert await asyncio.wait_for(client.ping(), TIMEOUT) >= 0  # the client leg answers
        assert await asyncio.wait_for(socket.ping(), TIMEOUT) >= 0  # the upstream leg answers
        await client.close(4000, "closing while held")
        await record.count("close", 1)
        assert record.args("close") == [(4000, "closing while held")]
        assert record.values("message") == [] and closed.values("message") == []
        await events.count("released", 2)
        assert sorted(args[1] for args in events.args("released")) == ["dropped", "dropped"]
        [connection] = relay.connections.values()
        await asyncio.wait_for(connection.wait_closed(), TIMEOUT)
        dropped = [r[6] for r in connection.log.rows() if "closed while it waited" in r[6]]
        assert len(dropped) == 2 and relay.intercept.held() == []


async def test_rules_apply_per_direction_and_each_is_a_log_row() -> None:
    rules = RuleSet(
        [
            Rule("mask", directions=[UP], replace=("secret", "***")),
            Rule("no binary down", directions=[DOWN], frame="binary", drop=True),
            Rule("slow", text="/^slow/", delay=0.2),
        ]
    )
    async with upstream_server(reply=None) as upstream, relay_to(upstream.url("/"), rules) as relay:
        seen: list[Recorder] = []
        relay.on("connection", lambda c: seen.append(Recorder(c, ["rule"])))
        client = client_of(relay)
        received = Recorder(client, ["message"])
        await client.open()
        socket, record = await upstream.socket()
        client.send("my secret")
        client.send(b"secret bytes stay")
        loop = asyncio.get_running_loop()
        started = loop.time()
        client.send("slow secret")
        client.send("fast")
        await record.count("message", 4)
        assert record.values("message") == ["my ***", b"secret bytes stay", "slow ***", "fast"]
        assert loop.time() - started >= 0.2
        socket.send("secret down")
        socket.send(b"\x00")
        socket.send("after")
        await received.count("message", 2)
        await round_trip_down(socket, client, received, "last")
        assert received.values("message") == ["secret down", "after", "last"]
        [connection] = relay.connections.values()
        rule_rows = [(r[6], r[5]) for r in connection.log.rows() if r[2] == RULE]
        assert rule_rows == [
            ("#1 client → upstream: rule 'mask': replaced 1 match of /secret/", "my secret"),
            (
                "#1 client → upstream: rule 'mask': replaced 1 match of /secret/",
                "slow secret",
            ),
            ("#1 client → upstream: rule 'slow': delayed 200 ms", None),
            ("#1 upstream → client: rule 'no binary down': dropped", b"\x00"),
        ]
        assert [(way, a.rule, a.what) for way, a in seen[0].args("rule")] == [
            (UP, "mask", "replaced 1 match of /secret/"),
            (UP, "mask", "replaced 1 match of /secret/"),
            (UP, "slow", "delayed 200 ms"),
            (DOWN, "no binary down", "dropped"),
        ]
        sent_up = [r[5] for r in connection.log.rows() if r[2] == MESSAGE and r[1] == OUT]
        assert sent_up == record.values("message")
        relay.rules = RuleSet()  # replaced while running: the next message sees no rule
        client.send("secret again")
        await record.count("message", 5)
        assert record.values("message")[-1] == "secret again"
        await client.close()


async def test_a_reader_that_stops_slows_the_writer_and_the_relay_keeps_little(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lane, "QUEUE_LIMIT", 5)
    chunk = 64 * 1024
    async with (
        upstream_server(reply=None, max_queue=4) as upstream,
        relay_to(upstream.url("/"), listen={"max_queue": 4}, upstream={"max_queue": 4}) as relay,
    ):
        client = client_of(relay, max_queue=4)
        await client.open()
        socket, _ = await upstream.socket()
        socket.start_pulling()  # and never recv() yet: it stops reading at max_queue
        count = 400  # 25 MiB that do not compress: far more than every buffer on the way
        noise = random.Random(7).randbytes(chunk + count)
        for i in range(count):
            client.send(i.to_bytes(4, "big") + noise[i : i + chunk - 4])
        await wait_until(lambda: client.pending_messages < count)
        [connection] = relay.connections.values()
        leg = connection.client  # it reads for the pump itself: its messages wait parsed
        await wait_until(lambda: leg.unread_messages == 4, timeout=3 * TIMEOUT)
        # The relay's pump waits on the upstream leg, its client leg stopped reading: the
        # writer is held back, with most of its messages still unsent.
        assert client.pending_messages > count // 2
        assert connection.lanes[UP].queued == 0
        relay.intercept.set_holding(UP, True)  # held messages are bounded too
        got: list[bytes] = []

        async def read_all() -> None:
            while len(got) < count:
                got.append(await socket.recv())

        reader = asyncio.create_task(read_all())
        await wait_until(lambda: connection.lanes[UP].queued == 5, 3 * TIMEOUT)
        # The client leg stopped reading again: it holds at most max_queue (it reads again
        # once down to a quarter of that, so it may rest below it).
        assert 0 < leg.unread_messages <= 4
        assert len(relay.intercept.held()) == 5 and client.pending_messages > 0
        relay.intercept.set_holding(UP, False)
        await asyncio.wait_for(reader, 6 * TIMEOUT)
        assert [int.from_bytes(g[:4], "big") for g in got] == list(range(count))
        assert all(len(g) == chunk for g in got)
        assert client.pending_messages == 0
        await client.close()
