"""Ping from the workbench: the round trip goes into the pinged end's log as a row."""

from __future__ import annotations

import asyncio
from typing import Final, Protocol

from workbench.engine.log.entry import ERROR, INFO
from workbench.engine.log.store import LogStore

from .in_words import describe_error

__all__ = ["NO_PONG", "PING_WAIT", "Pingable", "ping_and_log", "round_trip_text"]

#: Seconds a ping from the workbench waits for its pong before it counts as failed.
PING_WAIT: Final = 10.0
#: What a ping that got no pong within ``PING_WAIT`` says (its log row and the status bar).
NO_PONG: Final = "ping failed: no pong in time"


class Pingable(Protocol):
    """A core ``Client`` or ``Socket``."""

    async def ping(self) -> float: ...


def round_trip_text(seconds: float) -> str:
    """``"ping: pong after 0.42 ms"``: the detail of a ping row (the glossary keys on "ping")."""
    return f"ping: pong after {seconds * 1000:.2f} ms (round trip)"


async def ping_and_log(end: Pingable, store: LogStore) -> float:
    """Ping ``end``, log the round trip (or why it failed) in ``store``; the round trip in
    seconds. Raises what core raised (NotOpenError) or TimeoutError after ``PING_WAIT``."""
    try:
        seconds = await asyncio.wait_for(end.ping(), PING_WAIT)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        store.log_event(
            ERROR,
            NO_PONG if isinstance(exc, TimeoutError) else f"ping failed: {describe_error(exc)}",
        )
        raise
    store.log_event(INFO, round_trip_text(seconds))
    return seconds
