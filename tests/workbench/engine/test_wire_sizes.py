"""On-wire sizes of compressed messages in the logs, from core's ``last_wire_length``
(engine, no Qt)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.workbench.engine.test_facade import TIMEOUT, add_client, start_server, until
from workbench.engine.log.store import DIRECTION, IN, KIND, MESSAGE, OUT, SIZE, LogStore
from workbench.engine.workbench import Workbench

BIG = {"text": "compress me " * 200}


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[Workbench]:
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


@pytest.mark.asyncio
@pytest.mark.parametrize("compression", ["deflate", None])
async def test_both_logs_give_the_wire_size_of_a_compressed_message(
    engine: Workbench, compression: str | None
) -> None:
    server_id = await start_server(engine, compression=compression)
    client_id = add_client(engine, engine.server(server_id).port)
    assert await engine.open_client(client_id) is True
    await until(lambda: engine.sockets_of(server_id), what="the server socket")
    socket_log = engine.sockets_of(server_id)[0].log
    assert engine.send(client_id, BIG) is True
    await until(lambda: socket_log.messages_in == 1, what="the message to arrive")
    for log in (engine.log(client_id), socket_log):
        await until(lambda log=log: len(log.wire_sizes) == (compression is not None))
    for store in (engine.log(client_id), socket_log):
        (seq,) = [e for e in range(store.first_seq, store.end_seq) if _is_message(store, e)]
        size = store.row(seq - store.first_seq)[SIZE]
        if compression is None:
            assert store.wire_sizes == {}
        else:
            assert 0 < store.wire_sizes[seq] < size / 10  # 2,400 repetitive bytes deflate well


def _is_message(store: LogStore, seq: int) -> bool:
    return store.row(seq - store.first_seq)[KIND] == MESSAGE


@pytest.mark.asyncio
async def test_a_burst_gives_every_row_its_own_size_at_both_ends(engine: Workbench) -> None:
    """The client's sent rows and the socket's received rows carry the same wire sizes, row
    by row, for a burst of messages that compress differently; so do the echoes."""
    server_id = await start_server(engine)
    assert engine.set_auto_reply(server_id, "echo")
    client_id = add_client(engine, engine.server(server_id).port)
    assert await engine.open_client(client_id) is True
    await until(lambda: engine.sockets_of(server_id), what="the server socket")
    socket_log, client_log = engine.sockets_of(server_id)[0].log, engine.log(client_id)
    rng = random.Random(6455)
    values = [{"n": n, "hex": rng.randbytes(n * 37 % 300).hex()} for n in range(120)]
    for value in values:
        assert engine.send(client_id, value) is True
    await until(lambda: client_log.messages_in == len(values), what="every echo")

    def sizes(store: LogStore, direction: str) -> list[int | None]:
        seqs = [seq for seq in range(store.first_seq, store.end_seq) if _is_message(store, seq)]
        rows = [(seq, store.row(seq - store.first_seq)) for seq in seqs]
        return [store.wire_sizes.get(seq) for seq, row in rows if row[DIRECTION] == direction]

    sent = sizes(client_log, OUT)
    assert len(sent) == len(values) and None not in sent
    assert len(set(sent)) > 20  # the sizes differ, so a shift by one row would show
    assert sizes(socket_log, IN) == sent
    assert sizes(socket_log, OUT) == sizes(client_log, IN)
