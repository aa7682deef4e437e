"""The per-socket frame log: a Qt-free store of the ``core.Frame``s one connection saw.

Fed by core's ``'frame'`` event (see ``FrameWatch``), read by ``workbench.qt.frame_model``.
Rows are plain tuples (``FrameRow`` names their fields) addressed like the message log's:
by index ``0 .. len - 1`` (oldest visible first) or by sequence number ``seq`` (the n-th
frame ever added has ``seq == n``; ``first_seq`` .. ``end_seq - 1`` are visible).

Two caps bound it: ``capacity`` rows and ``byte_capacity`` bytes (``ROW_OVERHEAD`` plus the
kept payload per row); each add evicts the oldest rows until both hold (the newest stays)
and counts them in ``dropped``. Only the first ``keep_bytes`` of each payload are kept (the
header and a preview need no more); ``length`` and ``data_length`` stay exact.

Fragments are grouped under their message: in each direction a data frame without FIN opens
a group, the continuations up to the one with FIN join it. A row's ``group`` is the seq of
its message's first frame (its own seq for an unfragmented message; -1 for a control frame,
which may come between fragments) and ``part`` its place (1, 2, ... in a fragmented
message; 0 otherwise).
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

__all__ = [
    "CONTROL",
    "DEFAULT_FRAME_BYTES",
    "DEFAULT_FRAME_CAPACITY",
    "KEEP_BYTES",
    "ROW_OVERHEAD",
    "FrameRow",
    "FrameStore",
]

DEFAULT_FRAME_CAPACITY: Final = 100_000
DEFAULT_FRAME_BYTES: Final = 32 * 1024 * 1024
#: Payload bytes kept per frame.
KEEP_BYTES: Final = 1024
#: Estimated memory of one row besides its kept payload (tuple, floats, strings).
ROW_OVERHEAD: Final = 200
CONTROL: Final = frozenset({"ping", "pong", "close"})
_COMPACT: Final = 4096


class FrameRow(NamedTuple):
    """A stored frame (``FrameRow(*store.row(i))``). ``length``: payload bytes on the wire
    (compressed size when RSV1); ``data_length``: payload bytes after decompression;
    ``data``: the first ``keep_bytes`` of that payload."""

    time: float  # time.monotonic() when websockets parsed or serialized it
    direction: str
    opcode: str
    fin: bool
    rsv1: bool
    masked: bool
    length: int
    data_length: int
    data: bytes
    close_code: int | None
    close_reason: str | None
    group: int
    part: int


class FrameStore:
    """``FrameStore(capacity, byte_capacity, name="", keep_bytes=KEEP_BYTES)``; ``add(frame)``
    takes a ``core.Frame``. Totals (``frames_in``, ``frames_out``, ``wire_bytes_in``,
    ``wire_bytes_out``) count every frame ever added, evicted or cleared ones included."""

    def __init__(
        self,
        capacity: int = DEFAULT_FRAME_CAPACITY,
        byte_capacity: int = DEFAULT_FRAME_BYTES,
        name: str = "",
        keep_bytes: int = KEEP_BYTES,
    ) -> None:
        if capacity < 1 or byte_capacity < 1 or keep_bytes < 0:
            raise ValueError("a frame log keeps at least 1 row and 1 byte")
        self.name = name
        self.capacity = capacity
        self.byte_capacity = byte_capacity
        self.keep_bytes = keep_bytes
        self._rows: list[tuple[Any, ...]] = []
        self._head = 0  # index in _rows of the row with first_seq
        self.first_seq = 0
        self.end_seq = 0
        self.stored_bytes = 0
        self.dropped = 0
        self.cleared = 0
        self.frames_in = 0
        self.frames_out = 0
        self.wire_bytes_in = 0
        self.wire_bytes_out = 0
        # Per direction: (group seq, parts so far) of the fragmented message still open.
        self._open: dict[str, tuple[int, int]] = {}

    def __repr__(self) -> str:
        return (
            f"<FrameStore {self.name!r} {len(self)}/{self.capacity} rows, "
            f"{self.stored_bytes:,}/{self.byte_capacity:,} bytes, {self.dropped} dropped>"
        )

    def __len__(self) -> int:
        return self.end_seq - self.first_seq

    def add(self, frame: Any) -> None:
        """Append a ``core.Frame`` as the newest row; evict the oldest at the caps."""
        seq = self.end_seq
        direction, opcode = frame.direction, frame.opcode
        if opcode in CONTROL:
            group, part = -1, 0
        elif opcode == "continuation":
            group, parts = self._open.get(direction, (seq, 0))
            part = parts + 1
            if frame.fin:
                self._open.pop(direction, None)
            else:
                self._open[direction] = (group, part)
        elif frame.fin:
            group, part = seq, 0
        else:
            group, part = seq, 1
            self._open[direction] = (seq, 1)
        data = frame.data
        data_length = len(data)
        if data_length > self.keep_bytes:
            data = data[: self.keep_bytes]
        if direction == "in":
            self.frames_in += 1
            self.wire_bytes_in += frame.length
        else:
            self.frames_out += 1
            self.wire_bytes_out += frame.length
        self._rows.append(
            (
                frame.time,
                direction,
                opcode,
                frame.fin,
                frame.rsv1,
                frame.masked,
                frame.length,
                data_length,
                data,
                frame.close_code,
                frame.close_reason,
                group,
                part,
            )
        )
        self.end_seq = seq + 1
        self.stored_bytes += ROW_OVERHEAD + len(data)
        if self.end_seq - self.first_seq > self.capacity or self.stored_bytes > self.byte_capacity:
            self._evict()

    def _evict(self) -> None:
        rows = self._rows
        while self.end_seq - self.first_seq > 1 and (
            self.end_seq - self.first_seq > self.capacity or self.stored_bytes > self.byte_capacity
        ):
            self.stored_bytes -= ROW_OVERHEAD + len(rows[self._head][8])
            self._head += 1
            self.first_seq += 1
            self.dropped += 1
        if self._head > _COMPACT and self._head * 2 > len(rows):
            del rows[: self._head]
            self._head = 0

    def clear(self) -> None:
        """Remove every visible row (counted in ``cleared``); totals stay."""
        self.cleared += len(self)
        self.first_seq = self.end_seq
        self._rows = []
        self._head = 0
        self.stored_bytes = 0

    def row(self, index: int) -> tuple[Any, ...]:
        """The stored row at ``index`` (negative counts from the newest); see ``FrameRow``."""
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("frame row out of range")
        return self._rows[self._head + index]

    def get_seq(self, seq: int) -> FrameRow | None:
        """The row with sequence number ``seq``, or None if evicted, cleared or not yet made."""
        if not self.first_seq <= seq < self.end_seq:
            return None
        return FrameRow(*self._rows[self._head + seq - self.first_seq])

    def fragments(self, group: int) -> list[int]:
        """Seqs of the visible frames of the message whose first frame has seq ``group``."""
        if group < 0:
            return []
        start = max(group, self.first_seq)
        return [
            seq
            for seq in range(start, self.end_seq)
            if self._rows[self._head + seq - self.first_seq][11] == group
        ]
