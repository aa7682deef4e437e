"""The per-socket message log: a Qt-free store of ``LogEntry`` rows bounded by rows and bytes.

One ``LogStore`` per socket (each client, each server-side socket, and one per server for its
own lifecycle). The service appends to it from core events; ``workbench.qt.log_model.LogModel``
adapts it to Qt. Nothing here imports Qt, so the store is tested and benchmarked as plain
Python. This module is the log's public face: it re-exports the row vocabulary of
``entry`` (``LogEntry``, ``IN``, ``MESSAGE``, ...) and ``LogFilter``.

Rows are addressed two ways:

- by **index** ``0 .. len(store) - 1`` (oldest visible first), and
- by **sequence number** ``seq``: the n-th entry ever appended has ``seq == n`` (from 0).
  ``first_seq`` is the seq of the oldest visible row and ``end_seq`` one past the newest, so
  ``len(store) == end_seq - first_seq`` and ``dropped == first_seq - cleared``. A model keeps
  the seq range it has shown to its views and catches up on a timer (see ``LogModel``).

Two caps bound a log: ``capacity`` rows and ``byte_capacity`` bytes (``stored_bytes``: the
memory the visible rows hold, the objects' real sizes, see ``row_cost``). Each append evicts
the oldest rows until both hold again (the newest row always stays, even when it alone
exceeds the byte cap) and counts them in ``dropped``; ``clear()`` empties the view without
counting as dropped. A log may also count against a workspace-wide ``budget``
(``workbench.engine.log.budget``): every byte it keeps or frees is added to or taken from
``budget.used``, and an append that takes the budget past its limit asks it to
``reclaim()``, which may ``shed`` the oldest rows of this or another log. The totals (``messages_in``, ``messages_out``,
``bytes_in``, ``bytes_out``, ``events``) count every entry ever appended, evicted or cleared
ones included: they "stay right".

Storage: rows are grouped in tuples (chunks) of at most ``CHUNK`` rows and about
``byte_capacity // SEAL_PARTS`` bytes. Such tuples of plain values are not tracked by the
garbage collector, so a million rows add no GC pauses. An evicted row is freed with its
chunk, so memory stays within the caps plus one chunk: for the default caps at most
``DEFAULT_BYTE_CAPACITY * (1 + 1 / SEAL_PARTS)`` plus one message, whatever the message size.
"""

from __future__ import annotations

import bisect
import sys
import time as _time
from collections.abc import Iterator
from typing import Any, Final, Protocol

from .entry import (
    CLOSE,
    CONNECTING,
    DETAIL,
    DIRECTION,
    DIRECTIONS,
    ERROR,
    EVENT,
    FAULT,
    HANDSHAKE,
    IN,
    INFO,
    INTERCEPT,
    KIND,
    KINDS,
    MESSAGE,
    MIME,
    OPEN,
    OUT,
    PREVIEW,
    PREVIEW_CHARS,
    RAW,
    ROW_OVERHEAD,
    RULE,
    SIZE,
    TIME,
    VALUE,
    LogEntry,
    Row,
    make_preview,
    row_cost,
    row_from_record,
    row_preview,
    row_to_record,
    row_type_label,
    sniff_label,
)
from .filter import LogFilter

__all__ = [
    "CLOSE",
    "CONNECTING",
    "DEFAULT_BYTE_CAPACITY",
    "DEFAULT_CAPACITY",
    "DETAIL",
    "DIRECTION",
    "DIRECTIONS",
    "ERROR",
    "EVENT",
    "FAULT",
    "HANDSHAKE",
    "IN",
    "INFO",
    "INTERCEPT",
    "KIND",
    "KINDS",
    "MESSAGE",
    "MIME",
    "OPEN",
    "OUT",
    "PREVIEW",
    "PREVIEW_CHARS",
    "RAW",
    "RULE",
    "SIZE",
    "TIME",
    "VALUE",
    "LogBudgetLike",
    "LogEntry",
    "LogFilter",
    "LogStore",
    "Row",
    "make_preview",
    "row_from_record",
    "row_preview",
    "row_to_record",
    "row_type_label",
    "sniff_label",
]

DEFAULT_CAPACITY: Final = 100_000
#: 128 MiB per log: a laptop with 8 GB holds a few dozen full logs next to everything else.
#: 100,000 small messages (~25 MB) stay within it; of 1 MiB messages it keeps the newest ~127.
DEFAULT_BYTE_CAPACITY: Final = 128 * 1024 * 1024
#: Most rows per storage chunk.
CHUNK: Final = 1024
#: A chunk is closed once it holds ``byte_capacity // SEAL_PARTS`` bytes: what eviction can
#: keep in memory beyond the byte cap (rows of a chunk are freed together).
SEAL_PARTS: Final = 16

_now = _time.time
_sizeof = sys.getsizeof
#: ``row_cost`` of a message row whose payload is an ASCII str or bytes, less its length.
_ASCII_ROW: Final = ROW_OVERHEAD + _sizeof("")
_BYTES_ROW: Final = ROW_OVERHEAD + _sizeof(b"")


class LogBudgetLike(Protocol):
    """What a log needs of the workspace's budget (``log.budget.LogBudget`` is one)."""

    used: int
    limit: int

    def reclaim(self) -> None: ...


class LogStore:
    """A log of ``LogEntry`` rows bounded by rows and bytes, with totals that count
    everything ever appended.

    ``LogStore(capacity=100_000, name="", byte_capacity=DEFAULT_BYTE_CAPACITY)``. Not
    thread-safe (it lives on the loop thread). Appending is O(1) amortised, indexing
    O(log chunks), so a model can ask for any row cheaply.

    Attributes (read-only for users):
        name: a label for views and exports (e.g. "client-1 ws://127.0.0.1:8080/").
        capacity: the most rows kept.
        byte_capacity: the most bytes kept (see ``row_cost``).
        stored_bytes: the memory the visible rows hold (see ``row_cost``).
        budget: the workspace's ``LogBudget`` this log counts against, or None (set by
            ``LogBudget.track``).
        secret_headers: lower-case names of headers marked secret for this log's
            connection, whose values a redacted export leaves out besides the usual ones
            (``workbench.engine.secret_names``).
        first_seq / end_seq: seq range of the visible rows (see the module docstring).
        dropped: rows evicted at either cap since creation (clear() does not count).
        cleared: rows removed by clear().
        messages_in / messages_out / bytes_in / bytes_out: message totals (payload bytes).
        events: lifecycle entries ever appended.
    """

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        name: str = "",
        byte_capacity: int = DEFAULT_BYTE_CAPACITY,
    ) -> None:
        if capacity < 1:
            raise ValueError("a log keeps at least 1 row")
        if byte_capacity < 1:
            raise ValueError("a log keeps at least 1 byte")
        self.name = name
        self.capacity = capacity
        self.byte_capacity = byte_capacity
        self._seal_bytes = max(1, byte_capacity // SEAL_PARTS)
        # Closed chunks (exact tuples: untracked by the GC once their rows are) with the seq
        # of each one's first row, then a mutable tail list starting at _tail_seq.
        self._chunks: list[tuple[Row, ...]] = []
        self._starts: list[int] = []
        self._tail: list[Row] = []
        self._tail_seq = 0
        self._tail_bytes = 0
        self.stored_bytes = 0
        self.first_seq = 0
        self.end_seq = 0
        self.dropped = 0
        self.cleared = 0
        self.messages_in = 0
        self.messages_out = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self.events = 0
        #: On-wire payload bytes of compressed messages, by seq (``note_wire_size``).
        self.wire_sizes: dict[int, int] = {}
        self.budget: LogBudgetLike | None = None
        self.secret_headers: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        return (
            f"<LogStore {self.name!r} {len(self)}/{self.capacity} rows, "
            f"{self.stored_bytes:,}/{self.byte_capacity:,} bytes, {self.dropped} dropped>"
        )

    # -- appending -------------------------------------------------------------------------

    def append_row(self, row: Row) -> None:
        """Add ``row`` as the newest row, evicting the oldest at the caps; update totals.

        ``LogEntry.as_row()`` makes one from an entry; ``add_message`` and ``log_event`` are
        the paths core's events take."""
        if row[KIND] == MESSAGE:
            if row[DIRECTION] == IN:
                self.messages_in += 1
                self.bytes_in += row[SIZE]
            else:
                self.messages_out += 1
                self.bytes_out += row[SIZE]
        else:
            self.events += 1
        self._push(row)

    def _push(self, row: Row, cost: int = -1) -> None:
        """Store ``row`` at the end, evicting the oldest at the caps (totals are the
        caller's); ``cost``: its ``row_cost`` if the caller knows it."""
        if cost < 0:
            cost = row_cost(row)
        tail = self._tail
        tail.append(row)
        self.end_seq += 1
        self.stored_bytes += cost
        self._tail_bytes += cost
        if len(tail) >= CHUNK or self._tail_bytes >= self._seal_bytes:
            self._chunks.append(tuple(tail))
            self._starts.append(self._tail_seq)
            self._tail = []
            self._tail_seq = self.end_seq
            self._tail_bytes = 0
        budget = self.budget
        if budget is not None:
            budget.used += cost
        if self.end_seq - self.first_seq > self.capacity or self.stored_bytes > self.byte_capacity:
            self._evict(self.byte_capacity)
        if budget is not None and budget.used > budget.limit:
            budget.reclaim()

    def _evict(self, byte_cap: int) -> int:
        """Drop the oldest rows until the row cap and ``byte_cap`` hold (keeping the newest
        row); free chunks whose rows are all gone. How many rows went."""
        freed = 0
        first = self.first_seq
        while self.end_seq - first > 1 and (
            self.end_seq - first > self.capacity or self.stored_bytes - freed > byte_cap
        ):
            chunks = self._chunks
            if chunks:
                gone = chunks[0][first - self._starts[0]]
            else:
                gone = self._tail[first - self._tail_seq]
            freed += row_cost(gone)
            first += 1
            if chunks and self._starts[0] + len(chunks[0]) <= first:
                del chunks[0]
                del self._starts[0]
        count = first - self.first_seq
        self.first_seq = first
        self.dropped += count
        self.stored_bytes -= freed
        if self.budget is not None:
            self.budget.used -= freed
        return count

    def shed(self, nbytes: int) -> int:
        """Evict the oldest rows until about ``nbytes`` are freed (the newest row stays);
        counted in ``dropped``. How many rows went. The log budget calls it."""
        return self._evict(max(0, self.stored_bytes - nbytes))

    def add_message(self, direction: str, mime: str, raw: str | bytes, detail: str = "") -> None:
        """Append a message (``direction`` IN or OUT) without making a ``LogEntry``: the
        path taken for every message the service logs. ``detail``: a short note kept with
        it (a relay's ``"#1 client → upstream"``); share one string across rows (its cost is
        not counted: it is shared)."""
        # The size on the wire, and the row's cost (``row_cost``) without sys.getsizeof
        # where the object's layout gives it: an ASCII str or bytes is a header plus a byte
        # per character.
        if isinstance(raw, str):
            if raw.isascii():
                size = len(raw)
                cost = _ASCII_ROW + size
            else:
                size = len(raw.encode("utf-8", "surrogatepass"))
                cost = ROW_OVERHEAD + _sizeof(raw)
        else:
            size = len(raw)
            cost = _BYTES_ROW + size if type(raw) is bytes else ROW_OVERHEAD + _sizeof(raw)
        if direction == IN:
            self.messages_in += 1
            self.bytes_in += size
        else:
            self.messages_out += 1
            self.bytes_out += size
        self._push((_now(), direction, MESSAGE, mime, size, raw, detail, None, None), cost)

    def note_wire_size(self, wire: int) -> None:
        """The newest row, a compressed message, took ``wire`` payload bytes on the wire;
        sizes are kept for at most ``capacity`` rows, the oldest forgotten first."""
        sizes = self.wire_sizes
        sizes[self.end_seq - 1] = wire
        if len(sizes) > self.capacity:
            del sizes[next(iter(sizes))]

    def log_event(
        self, kind: str, detail: str = "", *, direction: str = EVENT, value: Any = None
    ) -> LogEntry:
        """Append a lifecycle entry (open, close, error, handshake, connecting, info, fault);
        ``value`` is data the event carries (None: none)."""
        if value is None:
            entry = LogEntry(direction, kind, detail=detail)
        else:
            entry = LogEntry(direction, kind, detail=detail, value=value)
        self.append_row(entry.as_row())
        return entry

    def clear(self) -> None:
        """Remove every visible row (counted in ``cleared``, not ``dropped``); totals stay."""
        if self.budget is not None:
            self.budget.used -= self.stored_bytes
        self.cleared += self.end_seq - self.first_seq
        self.first_seq = self._tail_seq = self.end_seq
        self._chunks = []
        self._starts = []
        self._tail = []
        self._tail_bytes = 0
        self.stored_bytes = 0

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.end_seq - self.first_seq

    @property
    def held_rows(self) -> int:
        """Rows in memory: the visible ones plus evicted ones waiting for their chunk to go
        (at most one chunk's worth)."""
        return sum(len(chunk) for chunk in self._chunks) + len(self._tail)

    def row(self, index: int) -> Row:
        """The stored ``Row`` tuple at ``index`` (negative counts from the newest)."""
        count = self.end_seq - self.first_seq
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("log row out of range")
        seq = self.first_seq + index
        if seq >= self._tail_seq:
            return self._tail[seq - self._tail_seq]
        starts = self._starts
        chunk = bisect.bisect_right(starts, seq) - 1
        return self._chunks[chunk][seq - starts[chunk]]

    def __getitem__(self, index: int) -> LogEntry:
        """A ``LogEntry`` for the row at ``index`` (a new object each call; compare with ==)."""
        return LogEntry.from_row(self.row(index))

    def __iter__(self) -> Iterator[LogEntry]:
        from_row = LogEntry.from_row
        for index in range(len(self)):
            yield from_row(self.row(index))

    def rows(self) -> Iterator[Row]:
        """The stored rows, oldest first (cheaper than iterating entries)."""
        for index in range(len(self)):
            yield self.row(index)

    def get_seq(self, seq: int) -> LogEntry | None:
        """The entry with sequence number ``seq``, or None if evicted/cleared/not yet made."""
        if not self.first_seq <= seq < self.end_seq:
            return None
        return self[seq - self.first_seq]

    def entries(self, start_seq: int | None = None, end_seq: int | None = None) -> list[LogEntry]:
        """Visible entries with ``start_seq <= seq < end_seq`` (defaults: all), oldest first."""
        start = self.first_seq if start_seq is None else max(start_seq, self.first_seq)
        end = self.end_seq if end_seq is None else min(end_seq, self.end_seq)
        return [self[seq - self.first_seq] for seq in range(start, end)]

    @property
    def totals(self) -> dict[str, int]:
        """Every counter in one dict (for status lines and exports)."""
        return {
            "messages_in": self.messages_in,
            "messages_out": self.messages_out,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "events": self.events,
            "dropped": self.dropped,
            "cleared": self.cleared,
            "rows": len(self),
            "stored_bytes": self.stored_bytes,
        }
