"""Load: one core Server holding 1,000 concurrent core Clients on loopback, every message counted.

A benchmark, not a timed test. One process holds the Server and every Client (so the peak RSS
printed covers both ends). Phases, each bounded by a timeout:

1. connect: the clients open together (at most ``--batch`` handshakes in flight), and all stay
   open; the time from the first ``open()`` to the last ``'open'`` is the connect time;
2. exchange: every client sends ``--messages`` numbered JSON messages ``{"c": client, "n": k}``
   at once; the server records each per socket and echoes it; the time until every client
   got every echo back gives messages/s;
3. close: every client closes with 1000, and both ends must report ``'close'`` with 1000.

Every message is accounted for: per client, the server's record and the client's echoes must
equal exactly what the client sent, in order; any ``'error'`` event on either end is counted
and fails the run. Exit status 0 only if all of that holds.

Usage, from the repository root::

    .venv/bin/python tests/benchmarks/load_1000_clients.py                 # 1000 clients x 20
    .venv/bin/python tests/benchmarks/load_1000_clients.py --clients 200 --messages 100
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from collections import Counter
from typing import Any

from core import Client, Server, Socket

HOST = "127.0.0.1"


def raise_open_file_limit(needed: int) -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE towards ``needed`` (within the hard limit); return (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


class Tally:
    """What each end saw, and an event set whenever a count that someone waits for changes."""

    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.opened = 0
        self.echoed = 0
        self.client_closes: Counter[int] = Counter()
        self.socket_closes: Counter[int] = Counter()
        self.errors: list[str] = []
        self.server_got: dict[int, list[Any]] = {}  # client number -> messages, in arrival order
        self.client_got: dict[int, list[Any]] = {}

    def bump(self) -> None:
        self.changed.set()

    async def until(self, condition: Any, timeout: float, what: str) -> None:
        async def wait() -> None:
            while not condition():  # ends: each pass waits for a change, all under wait_for
                self.changed.clear()
                if condition():
                    return
                await self.changed.wait()

        try:
            await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise SystemExit(f"FAILED: {what} did not happen within {timeout} s") from None


def start_server(tally: Tally) -> Server:
    server = Server(host_interface=HOST, port=0, handshake_timeout=60_000)

    def on_connection(socket: Socket) -> None:
        number = int(socket.path.rsplit("/", 1)[1])
        record = tally.server_got.setdefault(number, [])

        def on_message(message: Any) -> None:
            record.append(message)
            socket.send(message)

        def on_close(code: int, reason: str) -> None:
            tally.socket_closes[code] += 1
            tally.bump()

        socket.on("message", on_message)
        socket.on("close", on_close)
        socket.on("error", lambda error: tally.errors.append(f"socket {number}: {error!r}"))

    server.on("connection", on_connection)
    server.on("error", lambda error: tally.errors.append(f"server: {error!r}"))
    return server


def make_client(port: int, number: int, messages: int, tally: Tally) -> Client:
    client = Client(
        host=HOST, port=port, path=f"/load/{number}", connect_timeout=60_000, number_of_retries=0
    )
    record = tally.client_got.setdefault(number, [])

    def on_message(message: Any) -> None:
        record.append(message)
        if len(record) == messages:
            tally.echoed += 1
            tally.bump()

    def on_open() -> None:
        tally.opened += 1
        tally.bump()

    def on_close(code: int, reason: str) -> None:
        tally.client_closes[code] += 1
        tally.bump()

    client.on("open", on_open)
    client.on("message", on_message)
    client.on("close", on_close)
    client.on("error", lambda error: tally.errors.append(f"client {number}: {error!r}"))
    return client


async def run(clients: int, messages: int, batch: int, timeout: float) -> int:
    soft, hard = raise_open_file_limit(2 * clients + 256)
    if soft != resource.RLIM_INFINITY and soft < 2 * clients + 64:
        print(
            f"open-file limit {soft} (hard {hard}) is too low for {clients} clients",
            file=sys.stderr,
        )
        return 2
    tally = Tally()
    server = start_server(tally)
    await asyncio.wait_for(server.start(), 10)
    assert server.port is not None
    fleet = [make_client(server.port, number, messages, tally) for number in range(clients)]
    rss_before = peak_rss_mib()

    # 1. connect: at most `batch` opening handshakes in flight at a time.
    gate = asyncio.Semaphore(batch)

    async def open_one(client: Client) -> None:
        async with gate:
            await client.open()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(open_one(client) for client in fleet)), timeout)
    await tally.until(
        lambda: tally.opened == clients and len(server.sockets) == clients, timeout, "every open"
    )
    connect_s = time.perf_counter() - started
    rss_open = peak_rss_mib()

    # 2. exchange: every client sends its numbered messages at once; the server echoes each.
    sent = {number: [{"c": number, "n": k} for k in range(messages)] for number in range(clients)}
    started = time.perf_counter()
    for number, client in enumerate(fleet):
        for message in sent[number]:
            client.send(message)
    await tally.until(lambda: tally.echoed == clients, timeout, "every echo")
    exchange_s = time.perf_counter() - started
    rss_exchange = peak_rss_mib()

    # 3. close from the clients' side; both ends must report 1000.
    await asyncio.wait_for(asyncio.gather(*(client.close() for client in fleet)), timeout)
    await tally.until(
        lambda: (
            sum(tally.socket_closes.values()) == clients
            and sum(tally.client_closes.values()) == clients
        ),
        timeout,
        "every close",
    )
    await asyncio.wait_for(server.stop(), timeout)

    # Accounting: exactly what each client sent reached the server and came back, in order.
    total = clients * messages
    server_ok = sum(tally.server_got.get(n) == sent[n] for n in range(clients))
    client_ok = sum(tally.client_got.get(n) == sent[n] for n in range(clients))
    server_total = sum(len(got) for got in tally.server_got.values())
    client_total = sum(len(got) for got in tally.client_got.values())
    rate = total / exchange_s
    print(
        f"clients {clients}, messages per client {messages} (JSON, pipelined), open-file limit {soft}"
    )
    print(
        f"connect: {clients} clients open in {connect_s:.2f} s ({clients / connect_s:.0f} handshakes/s, {batch} in flight)"
    )
    print(
        f"exchange: {total} messages echoed in {exchange_s:.2f} s = {rate:,.0f} messages/s round trip"
        f" ({2 * rate:,.0f} messages/s counting both directions)"
    )
    print(
        f"accounted: sent {total}, server received {server_total}, clients got back {client_total},"
        f" exact per-client sequences {server_ok}/{clients} at the server, {client_ok}/{clients} back"
    )
    print(
        f"closes: clients {dict(tally.client_closes)}, server sockets {dict(tally.socket_closes)}; errors {len(tally.errors)}"
    )
    print(
        f"peak RSS (server + all clients, one process): {rss_before:.0f} MiB before connecting,"
        f" {rss_open:.0f} MiB with all open, {rss_exchange:.0f} MiB after the exchange, {peak_rss_mib():.0f} MiB at the end"
    )
    for line in tally.errors[:10]:
        print(f"  error: {line}")
    ok = (
        server_ok == clients
        and client_ok == clients
        and server_total == client_total == total
        and tally.client_closes == Counter({1000: clients})
        and tally.socket_closes == Counter({1000: clients})
        and not tally.errors
    )
    print("OK: every message accounted for" if ok else "FAILED: see the counts above")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20, help="messages each client sends")
    parser.add_argument(
        "--batch", type=int, default=100, help="opening handshakes in flight at once"
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds allowed for each phase"
    )
    args = parser.parse_args(argv)
    return asyncio.run(run(args.clients, args.messages, args.batch, args.timeout))


if __name__ == "__main__":
    sys.exit(main())
