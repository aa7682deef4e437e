"""``FrameWatch``: feeds one socket's frames into a ``FrameStore`` while a frames view exists.

core makes frames free while nobody listens to ``'frame'``, so the listener is added only by
``start()`` and removed by ``stop()``. A client's core object is rebuilt at each open:
``follow()`` moves the listener to the current one (call it when the client's state
changes; the frames of the earlier connections stay in the store).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .frame_store import FrameStore

__all__ = ["FrameWatch"]


class FrameWatch:
    """``FrameWatch(store, source)``: ``source()`` gives the core ``Client`` or ``Socket``
    to watch now (None while there is none)."""

    def __init__(self, store: FrameStore, source: Callable[[], Any]) -> None:
        self.store = store
        self._source = source
        self._watched: Any = None
        self.running = False

    def start(self) -> None:
        """Listen to the current core object (and, via ``follow()``, its successors)."""
        self.running = True
        self.follow()

    def follow(self) -> None:
        """Move the listener to ``source()`` if it changed (no-op unless running)."""
        if not self.running:
            return
        current = self._source()
        if current is self._watched:
            return
        self._detach()
        if current is not None:
            current.on("frame", self.store.add)
        self._watched = current

    def stop(self) -> None:
        """Remove the listener: the core object stops tapping frames at its next one."""
        self.running = False
        self._detach()

    @property
    def watched(self) -> Any:
        """The core object listened to now, or None."""
        return self._watched

    def _detach(self) -> None:
        if self._watched is not None:
            self._watched.off("frame", self.store.add)
            self._watched = None
