"""Open many clients to one workbench server at once (Qt-free): "name 1" .. "name N".

Each is an ordinary workbench client (its own log, its own row in the clients list) that
follows the server's port. They connect concurrently, at most ``PARALLEL_OPENS`` handshakes
at a time so a few hundred do not all hit the server's backlog in the same instant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Final

from workbench.engine.workbench import Workbench

__all__ = ["MAX_CLIENTS", "PARALLEL_OPENS", "add_many_clients", "numbered_names", "open_many"]

#: The most clients one dialog opens (each costs a connection and a log).
MAX_CLIENTS: Final = 1000
#: Handshakes in flight at once.
PARALLEL_OPENS: Final = 32


def numbered_names(base: str, count: int) -> list[str]:
    """``["base 1", ..., "base N"]``; ``ValueError`` for a count outside 1..MAX_CLIENTS."""
    if not 1 <= count <= MAX_CLIENTS:
        raise ValueError(f"the number of clients must be 1 to {MAX_CLIENTS}, not {count}")
    base = base.strip() or "client"
    return [f"{base} {n}" for n in range(1, count + 1)]


def add_many_clients(
    workbench: Workbench, server_id: str, base: Mapping[str, Any], name: str, count: int
) -> list[str]:
    """Add ``count`` closed clients aimed at ``server_id`` with options ``base``; their ids
    (fewer if the workbench refused some: it reported why)."""
    ids = []
    for client_name in numbered_names(name, count):
        client_id = workbench.add_client_for(server_id, base, client_name)
        if client_id is None:
            break  # the same options would be refused again
        ids.append(client_id)
    return ids


async def open_many(workbench: Workbench, client_ids: list[str]) -> int:
    """Open the clients concurrently (``PARALLEL_OPENS`` at a time); how many opened.
    Failures are in each client's log and on the workbench's error path."""
    gate = asyncio.Semaphore(PARALLEL_OPENS)

    async def open_one(client_id: str) -> bool:
        async with gate:
            return await workbench.open_client(client_id)

    results = await asyncio.gather(*(open_one(client_id) for client_id in client_ids))
    return sum(results)
