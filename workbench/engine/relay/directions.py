"""The two directions a relayed message takes, as the API names them and as people read them.

A relayed connection has two legs, client ↔ relay and relay ↔ upstream; a message goes one of
two ways across the relay. In a connection's log a message the client sent is an ``out`` row
and one the upstream sent an ``in`` row, as in the log of a client talking to that upstream
(``LOG_DIRECTIONS``).
"""

from __future__ import annotations

from typing import Final

from workbench.engine.log.store import IN, OUT

__all__ = [
    "BOTH",
    "CLIENT_LEG",
    "DIRECTIONS",
    "LOG_DIRECTIONS",
    "RELAY",
    "TO_CLIENT",
    "TO_UPSTREAM",
    "UPSTREAM_LEG",
    "WORDS",
]

TO_UPSTREAM: Final = "to_upstream"
TO_CLIENT: Final = "to_client"
DIRECTIONS: Final[tuple[str, str]] = (TO_UPSTREAM, TO_CLIENT)
BOTH: Final = frozenset(DIRECTIONS)
#: The arrow each direction is shown with.
WORDS: Final[dict[str, str]] = {TO_UPSTREAM: "client → upstream", TO_CLIENT: "upstream → client"}
#: The log row direction of a message going that way.
LOG_DIRECTIONS: Final[dict[str, str]] = {TO_UPSTREAM: OUT, TO_CLIENT: IN}
#: The legs, and the relay itself, as their events name them.
CLIENT_LEG: Final = "client ↔ relay"
UPSTREAM_LEG: Final = "relay ↔ upstream"
RELAY: Final = "relay"
