"""On-wire sizes of compressed messages: what permessage-deflate made of each one.

A log row holds a message's payload size. When the connection negotiated permessage-deflate,
``WireSizes`` listens to core's ``'frame'`` event (only then: an uncompressed connection's
wire size is its payload size, and nobody pays for the tap) and records, by log seq, the
payload bytes the message's frames took on the wire, in ``LogStore.wire_sizes``.

Rows and frames are paired in order per direction, checked by the uncompressed length: a
message whose frames came before the tap was installed is skipped, never given another's size.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final

from core import Frame

from .log_store import LogStore

__all__ = ["WireSizes", "is_compressed"]

#: Unpaired rows or messages kept per direction before the oldest is forgotten.
PENDING_LIMIT: Final = 4096

_DATA_OPCODES: Final = frozenset({"text", "binary", "continuation"})


def is_compressed(endpoint: Any) -> bool:
    """True if the open connection of a core Client or Socket negotiated permessage-deflate."""
    headers = endpoint.response_headers
    return headers is not None and "permessage-deflate" in headers.get(
        "Sec-WebSocket-Extensions", ""
    )


class WireSizes:
    """Pairs the message rows of ``store`` with their frames; ``attach`` starts it."""

    def __init__(self, store: LogStore) -> None:
        self.store = store
        self.active = False
        self._rows = {d: deque[tuple[int, int]](maxlen=PENDING_LIMIT) for d in ("in", "out")}
        self._messages = {
            d: deque[tuple[int, int, bool]](maxlen=PENDING_LIMIT) for d in ("in", "out")
        }
        self._partial = {"in": [0, 0, False], "out": [0, 0, False]}

    def attach(self, endpoint: Any) -> None:
        """Follow the frames of an open Client or Socket if its connection is compressed."""
        if not self.active and is_compressed(endpoint):
            self.active = True
            endpoint.on("frame", self.on_frame)

    def note(self, direction: str, raw: str | bytes) -> None:
        """Call right after a message row was added to the store."""
        if not self.active:
            return
        size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
        self._rows[direction].append((self.store.end_seq - 1, size))
        self._pair(direction)

    def on_frame(self, frame: Frame) -> None:
        if frame.opcode not in _DATA_OPCODES:
            return
        partial = self._partial[frame.direction]
        if frame.opcode != "continuation":
            partial[:] = [0, 0, frame.rsv1]
        partial[0] += len(frame.data)
        partial[1] += frame.length
        if frame.fin:
            self._messages[frame.direction].append((partial[0], partial[1], bool(partial[2])))
            partial[:] = [0, 0, False]
            self._pair(frame.direction)

    def _pair(self, direction: str) -> None:
        rows, messages = self._rows[direction], self._messages[direction]
        sizes = self.store.wire_sizes
        while rows and messages:
            seq, size = rows[0]
            plain, wire, compressed = messages[0]
            if size != plain:
                # Frames seen without their row, or (usually) a row whose frames came
                # before the tap: drop the one that has no partner ahead.
                if any(later[0] == size for later in messages):
                    messages.popleft()
                else:
                    rows.popleft()
                continue
            rows.popleft()
            messages.popleft()
            if compressed:
                sizes[seq] = wire
                if len(sizes) > self.store.capacity:
                    del sizes[next(iter(sizes))]
