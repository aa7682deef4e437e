"""Shared test helpers: a recorder of events and loopback servers. Plain module, no fixtures."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from core import Client, EventEmitter, Server

TIMEOUT = 5.0


async def wait_until(
    condition: Callable[[], bool], timeout: float = TIMEOUT, changed: asyncio.Event | None = None
) -> None:
    """Wait until ``condition()`` holds, re-checking on ``changed`` or every 10 ms; bounded."""

    async def poll() -> None:
        while not condition():
            if changed is None:
                await asyncio.sleep(0.01)
                continue
            changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), 0.01)

    await asyncio.wait_for(poll(), timeout)


async def wait_while_progressing(
    condition: Callable[[], bool],
    progress: Callable[[], object],
    stall: float = TIMEOUT,
    limit: float = 6 * TIMEOUT,
) -> None:
    """Wait until ``condition()`` holds for work whose length follows the machine's speed
    (thousands of messages on a loaded machine): ``TimeoutError`` once ``progress()`` has
    not changed for ``stall`` seconds (a hang), or after ``limit`` seconds in all."""
    loop = asyncio.get_running_loop()
    start = changed_at = loop.time()
    seen = progress()
    while not condition():
        await asyncio.sleep(0.01)
        now, current = loop.time(), progress()
        if current != seen:
            seen, changed_at = current, now
        elif now - changed_at > stall:
            raise TimeoutError(f"no progress for {stall:g} s, stuck at {current!r}")
        if now - start > limit:
            raise TimeoutError(f"still not done after {limit:g} s, at {current!r}")


class Recorder:
    """Records ``(event, args)`` from an emitter, and waits for conditions on the record."""

    def __init__(self, emitter: EventEmitter[Any], events: Iterable[str]) -> None:
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self._changed = asyncio.Event()
        for name in events:
            emitter.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[..., None]:
        def record(*args: Any) -> None:
            self.events.append((name, args))
            self._changed.set()

        return record

    def names(self) -> list[str]:
        return [name for name, _args in self.events]

    def args(self, name: str) -> list[tuple[Any, ...]]:
        return [args for event, args in self.events if event == name]

    def values(self, name: str) -> list[Any]:
        """The first argument of each ``name`` event."""
        return [args[0] for args in self.args(name)]

    async def until(self, condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        """Wait until ``condition()`` holds; TimeoutError (with the record) otherwise."""

        try:
            await wait_until(condition, timeout, self._changed)
        except TimeoutError:
            raise TimeoutError(
                f"condition not met within {timeout}s; events: {self.events!r}"
            ) from None

    async def count(self, name: str, n: int, timeout: float = TIMEOUT) -> None:
        await self.until(lambda: len(self.args(name)) >= n, timeout)


async def loopback_server(**options: Any) -> Server:
    """A started Server on 127.0.0.1 with a free port."""
    server = Server(host_interface="127.0.0.1", port=0, **options)
    await asyncio.wait_for(server.start(), TIMEOUT)
    return server


def client_for(server: Server, **options: Any) -> Client:
    """A Client aimed at ``server`` that gives up quickly."""
    options.setdefault("number_of_retries", 0)
    return Client(host="127.0.0.1", port=server.port, **options)


async def echo_server(**options: Any) -> Server:
    """A loopback Server whose sockets send back every message they receive."""
    server = await loopback_server(**options)
    server.on("connection", lambda socket: socket.on("message", socket.send))
    return server
