"""Benchmark (a script, not a test): CPU seconds for 20,000 messages on a deflate connection
on 127.0.0.1, with and without the workbench's ``WireSizes`` (and so core's frame tap) on the
receiving socket. ``process_time`` is less sensitive than wall time to other load::

    PYTHONPATH=. .venv/bin/python tests/benchmarks/wire_sizes_cost.py
"""

import asyncio
import time

from core import Client, Server
from workbench.engine.log_store import IN, LogStore
from workbench.engine.wire_sizes import WireSizes

N = 20_000


async def run(with_wire: bool) -> float:
    server = Server(
        host_interface="127.0.0.1",
        port=0,
        receive_type="text/plain",
        send_type="text/plain",
        ping_interval=None,
    )
    done = asyncio.Event()
    count = [0]
    store = LogStore(N * 2)

    def on_conn(sock):
        wire = WireSizes(store)
        if with_wire:
            wire.attach(sock)

        def on_msg(m):
            store.add_message(IN, "text/plain", m)
            if wire.active:
                wire.note(IN, m)
            count[0] += 1
            if count[0] == N:
                done.set()

        sock.on("message", on_msg)

    server.on("connection", on_conn)
    await server.start()
    client = Client(
        host="127.0.0.1",
        port=server.port,
        send_type="text/plain",
        ping_interval=None,
        number_of_retries=0,
    )
    await client.open()
    t0 = time.process_time()
    for i in range(N):
        d = client.send(f'{{"n": {i}, "text": "hello"}}')
        if i % 1000 == 999:
            await d
    await asyncio.wait_for(done.wait(), 120)
    cpu = time.process_time() - t0
    assert (len(store.wire_sizes) == N) is with_wire, len(store.wire_sizes)
    await client.close()
    await server.stop()
    return cpu


async def main():
    for _round in range(2):
        for w in (False, True):
            print(
                f"wire_sizes={w!s:5}: {await run(w):.2f} CPU s for {N:,} messages (sender and receiver in one process)"
            )


asyncio.run(main())
