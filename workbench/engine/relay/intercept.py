"""Intercept: hold relayed messages until a person forwards, edits or drops them.

One ``Intercept`` per relay, with a switch per direction (``set_holding``). While a direction
is held, every message going that way (after the rules) waits in its connection's queue as a
``HeldMessage``; ``held()`` lists them in the order they arrived. A person decides on any of
them — ``forward``, ``edit`` (another payload: ``str`` goes as a text frame, ``bytes`` as
binary), ``drop`` — or ``forward_all``; a connection's messages still leave in their order, so
a decided message waits behind an undecided one that came first. Turning a direction's switch
off forwards what it holds. Pings, pongs and closes are never held (each leg answers pings
itself, and a close passes at once: what is still held then is dropped, and logged).

The decisions go to the connection's lane (``lane.Lane``) through the ``Decider`` protocol,
so this module knows nothing of sockets.

Events:
    ``'held'`` (held: HeldMessage): a message was held.
    ``'released'`` (held: HeldMessage, outcome: str): it left the queue: ``'forwarded'``,
        ``'edited'`` or ``'dropped'`` (by a person, or because its connection closed).
    ``'holding'`` (direction: str, on: bool): a switch changed.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

from core import EventEmitter

from .directions import DIRECTIONS

__all__ = ["DROPPED", "EDITED", "FORWARDED", "Decider", "HeldMessage", "Intercept"]

FORWARDED: Final = "forwarded"
EDITED: Final = "edited"
DROPPED: Final = "dropped"
InterceptEvent = Literal["held", "released", "holding"]


@dataclass(eq=False)
class HeldMessage:
    """A message waiting for a person: ``id`` (unique in its relay), its ``connection``
    number, ``direction``, ``payload`` (``str``: a text frame, ``bytes``: binary) and when it
    was held (``held_at``, ``time.time()``)."""

    id: int
    connection: int
    direction: str
    payload: str | bytes
    held_at: float = field(default_factory=time.time)


class Decider(Protocol):
    """What decides a held message's fate: its connection's lane."""

    def decide(self, held: HeldMessage, outcome: str, payload: str | bytes | None) -> None: ...


class Intercept(EventEmitter[InterceptEvent]):
    """The relay's intercept switches and its queue of held messages (module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._holding = dict.fromkeys(DIRECTIONS, False)
        self._held: dict[int, tuple[HeldMessage, Decider]] = {}
        self._ids = itertools.count(1)

    def holding(self, direction: str) -> bool:
        """Whether messages going ``direction`` are held."""
        return self._holding[direction]

    def set_holding(self, direction: str, on: bool) -> None:
        """Hold (``on``) or stop holding messages going ``direction``; off forwards what that
        direction holds. ``ValueError`` for an unknown direction."""
        if direction not in self._holding:
            raise ValueError(f"a direction is {' or '.join(DIRECTIONS)}, not {direction!r}")
        if self._holding[direction] == on:
            return
        self._holding[direction] = on
        if not on:
            self.forward_all(direction)
        self.emit("holding", direction, on)

    def held(self, direction: str | None = None) -> list[HeldMessage]:
        """The messages held now (of one direction, or both), oldest first."""
        return [
            held
            for held, _decider in self._held.values()
            if direction is None or held.direction == direction
        ]

    def forward(self, message_id: int) -> bool:
        """Send a held message on as it is; False if it is no longer held."""
        return self._decide(message_id, FORWARDED, None)

    def edit(self, message_id: int, payload: str | bytes) -> bool:
        """Send ``payload`` instead of a held message; False if it is no longer held.

        ``TypeError`` unless ``payload`` is ``str`` or bytes-like; ``ValueError`` for text
        that cannot be UTF-8 (a lone surrogate)."""
        if isinstance(payload, bytearray | memoryview):
            payload = bytes(payload)
        if not isinstance(payload, str | bytes):
            raise TypeError(
                f"an edited message is str (a text frame) or bytes (binary), not "
                f"{type(payload).__name__}"
            )
        if isinstance(payload, str):
            try:
                payload.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError(f"the edited text cannot be sent as UTF-8: {exc.reason}") from None
        return self._decide(message_id, EDITED, payload)

    def drop(self, message_id: int) -> bool:
        """Never send a held message; False if it is no longer held."""
        return self._decide(message_id, DROPPED, None)

    def forward_all(self, direction: str | None = None) -> int:
        """Forward every held message (of one direction, or both); how many."""
        chosen = [held.id for held in self.held(direction)]
        for message_id in chosen:
            self._decide(message_id, FORWARDED, None)
        return len(chosen)

    # -- for the lanes -----------------------------------------------------------------------

    def hold(
        self, decider: Decider, connection: int, direction: str, payload: str | bytes
    ) -> HeldMessage:
        """Register a message its lane holds; emits ``'held'``."""
        held = HeldMessage(next(self._ids), connection, direction, payload)
        self._held[held.id] = (held, decider)
        self.emit("held", held)
        return held

    def released(self, held: HeldMessage, outcome: str) -> None:
        """A lane let ``held`` go (or dropped it as its connection closed)."""
        if self._held.pop(held.id, None) is not None:
            self.emit("released", held, outcome)

    def _decide(self, message_id: int, outcome: str, payload: str | bytes | None) -> bool:
        found = self._held.get(message_id)
        if found is None:
            return False
        held, decider = found
        self.released(held, outcome)
        decider.decide(held, outcome, payload)
        return True
