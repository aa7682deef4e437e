"""The load generators of tests/benchmarks/core_vs_websockets.py: the same workloads driven
by ``picows`` on uvloop (fast: the server is the bottleneck) or by plain ``websockets`` on
asyncio (the only one that speaks permessage-deflate).

Each workload is a coroutine ``(port, json_port, sizes, mark) -> {row: value}``; ``mark(name)``
is called where a measured phase starts and ends, so that the caller can read the server's
CPU time there. Every wait is bounded by ``TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

HOST = "127.0.0.1"
TIMEOUT = 120.0
END = "END"
RECORD = {
    "id": 12345,
    "name": "sensor-7",
    "values": [1.5, 2.25, 3.0],
    "ok": True,
    "tag": "abcdefghij" * 2,
    "n": 12,
}
#: The stream's text message: exactly the 100 bytes that the JSON stream puts on the wire.
TEXT = json.dumps(RECORD, separators=(",", ":"))
SMALL = "y" * 32
BIG = b"\x01" * (1024 * 1024)

Mark = Callable[[str], None]
Workload = Callable[[int, int, dict[str, int], Mark], Awaitable[dict[str, float]]]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def trips_rows(times: list[float]) -> dict[str, float]:
    return {"p50": percentile(times, 50), "p99": percentile(times, 99)}


# --- picows --------------------------------------------------------------------------------


def _picows() -> Any:
    import picows

    # It warns at every pause of a transport that the stream fills faster than it drains.
    logging.getLogger("picows").setLevel(logging.ERROR)

    return picows


_PEER_CLASS: list[Any] = []


def _peer_class() -> Any:
    """A picows listener class that calls ``on_message()`` once a whole message arrived."""
    if not _PEER_CLASS:
        picows = _picows()

        class Peer(picows.WSListener):  # type: ignore[misc]
            def __init__(self) -> None:
                self.on_message: Callable[[], None] = lambda: None

            def on_ws_frame(self, transport: Any, frame: Any) -> None:
                if frame.msg_type is picows.WSMsgType.CLOSE:
                    transport.disconnect()
                elif frame.fin:
                    self.on_message()

        _PEER_CLASS.append(Peer)
    return _PEER_CLASS[0]


async def _picows_connect(port: int, path: str) -> tuple[Any, Any]:
    picows = _picows()
    return await picows.ws_connect(
        _peer_class(), f"ws://{HOST}:{port}{path}", max_frame_size=64 * 1024 * 1024
    )


async def _picows_close(transport: Any) -> None:
    transport.send_close(_picows().WSCloseCode.OK)
    try:
        async with asyncio.timeout(5):
            await transport.wait_disconnected()
    except TimeoutError:
        transport.disconnect(graceful=False)


async def _picows_trips(port: int, payload: str | bytes, n: int, mark: Mark) -> list[float]:
    picows = _picows()
    transport, peer = await _picows_connect(port, "/echo")
    kind = picows.WSMsgType.TEXT if isinstance(payload, str) else picows.WSMsgType.BINARY
    data = payload.encode() if isinstance(payload, str) else payload
    times: list[float] = []
    done = asyncio.get_running_loop().create_future()
    started = 0.0

    def on_message() -> None:
        nonlocal started
        times.append(time.perf_counter() - started)
        if len(times) == n:
            done.set_result(None)
            return
        started = time.perf_counter()
        transport.send(kind, data)

    peer.on_message = on_message
    mark("start")
    started = time.perf_counter()
    transport.send(kind, data)
    async with asyncio.timeout(TIMEOUT):
        await done
    mark("end")
    await _picows_close(transport)
    return times


async def _picows_stream(port: int, path: str, n: int, mark: Mark) -> float:
    picows = _picows()
    transport, peer = await _picows_connect(port, path)
    done = asyncio.get_running_loop().create_future()
    peer.on_message = lambda: done.done() or done.set_result(None)
    data = TEXT.encode()
    end = (json.dumps(END) if path == "/json" else END).encode()
    mark("start")
    started = time.perf_counter()
    for _ in range(n):
        transport.send(picows.WSMsgType.TEXT, data)
    transport.send(picows.WSMsgType.TEXT, end)
    async with asyncio.timeout(TIMEOUT):
        await done
    elapsed = time.perf_counter() - started
    mark("end")
    await _picows_close(transport)
    return n / elapsed


async def _picows_many(port: int, clients: int, each: int, mark: Mark) -> tuple[float, float]:
    picows = _picows()
    mark("connect")
    started = time.perf_counter()
    async with asyncio.timeout(TIMEOUT):
        pool = await asyncio.gather(*(_picows_connect(port, "/echo") for _ in range(clients)))
    connected = time.perf_counter() - started
    mark("connected")
    loop = asyncio.get_running_loop()

    def echo_each(transport: Any, future: asyncio.Future[None]) -> Callable[[], None]:
        count = 0

        def on_message() -> None:
            nonlocal count
            count += 1
            if count == each:
                future.set_result(None)
            else:
                transport.send(picows.WSMsgType.TEXT, b"message")

        return on_message

    finished: list[asyncio.Future[None]] = []
    for transport, peer in pool:
        finished.append(loop.create_future())
        peer.on_message = echo_each(transport, finished[-1])
    started = time.perf_counter()
    for transport, _peer in pool:
        transport.send(picows.WSMsgType.TEXT, b"message")
    async with asyncio.timeout(TIMEOUT):
        await asyncio.gather(*finished)
    rate = clients * each / (time.perf_counter() - started)
    mark("echoed")
    await asyncio.gather(*(_picows_close(transport) for transport, _peer in pool))
    return connected, rate


# --- plain websockets -----------------------------------------------------------------------


def _ws_connect(port: int, path: str, deflate: bool) -> Any:
    from websockets.asyncio.client import connect

    return connect(
        f"ws://{HOST}:{port}{path}",
        proxy=None,
        max_size=None,
        compression="deflate" if deflate else None,
        open_timeout=TIMEOUT,
    )


async def _ws_trips(
    port: int, payload: str | bytes, n: int, mark: Mark, deflate: bool
) -> list[float]:
    async with _ws_connect(port, "/echo", deflate) as ws:
        times = []
        mark("start")
        async with asyncio.timeout(TIMEOUT):
            for _ in range(n):
                started = time.perf_counter()
                await ws.send(payload)
                await ws.recv()
                times.append(time.perf_counter() - started)
        mark("end")
        return times


async def _ws_stream(port: int, path: str, n: int, mark: Mark, deflate: bool) -> float:
    async with _ws_connect(port, path, deflate) as ws:
        mark("start")
        started = time.perf_counter()
        async with asyncio.timeout(TIMEOUT):
            for _ in range(n):
                await ws.send(TEXT)
            await ws.send(json.dumps(END) if path == "/json" else END)
            await ws.recv()
        elapsed = time.perf_counter() - started
        mark("end")
        return n / elapsed


async def _ws_many(
    port: int, clients: int, each: int, mark: Mark, deflate: bool
) -> tuple[float, float]:
    mark("connect")
    started = time.perf_counter()
    async with asyncio.timeout(TIMEOUT):
        pool = await asyncio.gather(*(_ws_connect(port, "/echo", deflate) for _ in range(clients)))
    connected = time.perf_counter() - started
    mark("connected")

    async def exchange(ws: Any) -> None:
        for i in range(each):
            await ws.send(f"message {i}")
            await ws.recv()

    started = time.perf_counter()
    async with asyncio.timeout(TIMEOUT):
        await asyncio.gather(*(exchange(ws) for ws in pool))
    rate = clients * each / (time.perf_counter() - started)
    mark("echoed")
    async with asyncio.timeout(TIMEOUT):
        await asyncio.gather(*(ws.close() for ws in pool))
    return connected, rate


# --- the workloads, by generator -------------------------------------------------------------


class Generator:
    """One load generator: ``picows`` (on uvloop) or ``websockets`` (on asyncio)."""

    def __init__(self, name: str, deflate: bool) -> None:
        if name == "picows" and deflate:
            raise ValueError("picows has no permessage-deflate: use the websockets generator")
        self.name = name
        self.deflate = deflate

    def loop_factory(self) -> Callable[[], asyncio.AbstractEventLoop] | None:
        if self.name == "picows":
            import uvloop

            return uvloop.new_event_loop
        return None

    async def trips(self, port: int, payload: str | bytes, n: int, mark: Mark) -> list[float]:
        if self.name == "picows":
            return await _picows_trips(port, payload, n, mark)
        return await _ws_trips(port, payload, n, mark, self.deflate)

    async def stream(self, port: int, path: str, n: int, mark: Mark) -> float:
        if self.name == "picows":
            return await _picows_stream(port, path, n, mark)
        return await _ws_stream(port, path, n, mark, self.deflate)

    async def many(self, port: int, clients: int, each: int, mark: Mark) -> tuple[float, float]:
        if self.name == "picows":
            return await _picows_many(port, clients, each, mark)
        return await _ws_many(port, clients, each, mark, self.deflate)
