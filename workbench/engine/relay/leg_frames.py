"""The frames of both legs of a relayed connection in one ``FrameStore``, each row marked with
its leg (Qt-free), for a Frames view with a leg column.

``LegFrameStore.add_from(leg, frame)`` adds a ``core.Frame`` seen on leg ``"client"``
(client ↔ relay) or ``"upstream"`` (relay ↔ upstream); ``leg_of(seq)`` reads the leg back.
A row's direction is the relay's: ``in`` came to the relay on that leg, ``out`` left it.
Fragments are grouped per leg. ``LegsFrameWatch`` listens to both legs' ``'frame'`` events
while a view exists, as ``FrameWatch`` does for one socket.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Final

from workbench.engine.protocol.frame_store import FrameStore
from workbench.engine.protocol.frame_watch import FrameWatch

__all__ = ["LEG_NAMES", "LegFrameStore", "LegsFrameWatch"]

#: The legs, and how a Frames view names them.
LEG_NAMES: Final = {"client": "client ↔ relay", "upstream": "relay ↔ upstream"}


class LegFrameStore(FrameStore):
    """A ``FrameStore`` whose rows each know their leg (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._legs: deque[str] = deque()
        self._open_by_leg: dict[str, dict[str, tuple[int, int]]] = {leg: {} for leg in LEG_NAMES}

    def add_from(self, leg: str, frame: Any) -> None:
        """Append ``frame`` seen on ``leg``; evict the oldest at the caps."""
        self._open = self._open_by_leg[leg]  # fragments are grouped within their leg
        self.add(frame)
        legs = self._legs
        legs.append(leg)
        while len(legs) > len(self):
            legs.popleft()

    def leg_of(self, seq: int) -> str | None:
        """The leg of the row with sequence number ``seq`` (None if it is not kept)."""
        if not self.first_seq <= seq < self.end_seq:
            return None
        return self._legs[seq - self.first_seq]

    def clear(self) -> None:
        super().clear()
        self._legs.clear()


class LegsFrameWatch(FrameWatch):
    """``LegsFrameWatch(store, sources)``: ``sources`` maps each leg to a function giving its
    ``core.Socket`` / ``core.Client`` (None once gone)."""

    def __init__(self, store: LegFrameStore, sources: dict[str, Callable[[], Any]]) -> None:
        super().__init__(store, lambda: None)
        self._store = store
        self._sources = sources
        self._listeners: dict[str, tuple[Any, Callable[[Any], None]]] = {}

    def follow(self) -> None:
        if not self.running:
            return
        for leg, source in self._sources.items():
            current = source()
            if current is None or leg in self._listeners:
                continue
            listener = self._listener(leg)
            current.on("frame", listener)
            self._listeners[leg] = (current, listener)

    def _listener(self, leg: str) -> Callable[[Any], None]:
        add = self._store.add_from

        def on_frame(frame: Any) -> None:
            add(leg, frame)

        return on_frame

    @property
    def watched(self) -> Any:
        return [core for core, _listener in self._listeners.values()]

    def _detach(self) -> None:
        for core, listener in self._listeners.values():
            core.off("frame", listener)
        self._listeners.clear()
