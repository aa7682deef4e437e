"""On-wire sizes of compressed messages: what permessage-deflate made of each one.

A log row holds a message's payload size. When the connection negotiated permessage-deflate,
``WireSizes`` listens to core's ``'frame'`` event (only then: an uncompressed connection's
wire size is its payload size, and nobody pays for the tap) and records, by log seq, the
payload bytes the message's frames took on the wire, in ``LogStore.wire_sizes``.

Rows and frames are paired in order per direction, checked by the uncompressed length: a
row whose frames came before the tap was installed is skipped (when its length differs from
the next message's). websockets parses frames
well ahead of the messages core delivers (thousands under a flood); if more than
``PENDING_LIMIT`` wait unpaired, the tracker stops (and takes its listener off) rather than
give a row another message's size.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final

from core import Frame

from .log_store import LogStore

__all__ = ["WireSizes", "is_compressed"]

#: Unpaired rows or messages per direction beyond which the tracker stops.
PENDING_LIMIT: Final = 65_536

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
        self._endpoint: Any = None
        self._rows = {d: deque[tuple[int, int]]() for d in ("in", "out")}
        self._messages = {d: deque[tuple[int, int, bool]]() for d in ("in", "out")}
        self._partial = {"in": [0, 0, False], "out": [0, 0, False]}

    def attach(self, endpoint: Any) -> None:
        """Follow the frames of an open Client or Socket if its connection is compressed."""
        if not self.active and is_compressed(endpoint):
            self.active = True
            self._endpoint = endpoint
            endpoint.on("frame", self.on_frame)

    def note(self, direction: str, raw: str | bytes) -> None:
        """Call right after a message row was added to the store."""
        if not self.active:
            return
        if isinstance(raw, str):
            size = len(raw) if raw.isascii() else len(raw.encode("utf-8", "surrogatepass"))
        else:
            size = len(raw)
        self._rows[direction].append((self.store.end_seq - 1, size))
        self._pair(direction)

    def on_frame(self, frame: Frame) -> None:
        opcode, direction = frame.opcode, frame.direction
        if opcode == "text" or opcode == "binary":
            if frame.fin:  # a whole message in one frame: the common case, kept short
                self._messages[direction].append((len(frame.data), frame.length, frame.rsv1))
                self._pair(direction)
                return
            self._partial[direction] = [len(frame.data), frame.length, frame.rsv1]
        elif opcode == "continuation":
            partial = self._partial[direction]
            partial[0] += len(frame.data)
            partial[1] += frame.length
            if frame.fin:
                self._messages[direction].append((partial[0], partial[1], bool(partial[2])))
                self._partial[direction] = [0, 0, False]
                self._pair(direction)

    def _pair(self, direction: str) -> None:
        if not self.active:
            return
        rows, messages = self._rows[direction], self._messages[direction]
        sizes = self.store.wire_sizes
        while rows and messages:
            seq, size = rows.popleft()
            if size != messages[0][0]:  # a row whose frames came before the tap
                continue
            _plain, wire, compressed = messages.popleft()
            if compressed:
                sizes[seq] = wire
        while len(sizes) > self.store.capacity:
            del sizes[next(iter(sizes))]
        if len(rows) > PENDING_LIMIT or len(messages) > PENDING_LIMIT:
            self._stop()

    def _stop(self) -> None:
        self.active = False
        for rows in self._rows.values():
            rows.clear()
        for messages in self._messages.values():
            messages.clear()
        if self._endpoint is not None:
            self._endpoint.off("frame", self.on_frame)
            self._endpoint = None
