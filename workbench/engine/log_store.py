"""The per-socket message log: a bounded, Qt-free store of ``LogEntry`` rows.

One ``LogStore`` per socket (each client, each server-side socket, and one per server for its
own lifecycle). The service appends to it from core events; ``workbench.log_model.LogModel``
adapts it to Qt. Nothing here imports Qt, so the store is tested and benchmarked as plain
Python.

Rows are addressed two ways:

- by **index** ``0 .. len(store) - 1`` (oldest visible first), and
- by **sequence number** ``seq``: the n-th entry ever appended has ``seq == n`` (from 0).
  ``first_seq`` is the seq of the oldest visible row and ``end_seq`` one past the newest, so
  ``len(store) == end_seq - first_seq`` and ``dropped == first_seq - cleared``. A model keeps
  the seq range it has shown to its views and catches up on a timer (see ``LogModel``).

When ``len(store)`` reaches ``capacity``, each append evicts the oldest row and increments
``dropped``; ``clear()`` empties the view without counting as dropped. The totals
(``messages_in``, ``messages_out``, ``bytes_in``, ``bytes_out``, ``events``) count every entry
ever appended, evicted or cleared ones included: they "stay right".

Memory and pauses: the store keeps each entry as a plain tuple (``Row``) that shares its
direction/kind/MIME strings, holds the payload once (the raw frame, ``str`` or ``bytes``) and
decodes the value lazily; previews of messages are computed on demand. Rows are grouped in
tuples of ``CHUNK`` rows; such tuples of plain values are not tracked by the garbage
collector, so a million rows add no GC pauses. ``LogEntry`` objects (slotted) are made on
access. Cost: ~145 bytes per row plus the payload; the flood benchmark measures ~250 bytes
of RSS per small JSON message.
"""

from __future__ import annotations

import base64
import time as _time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "CLOSE",
    "CONNECTING",
    "DEFAULT_CAPACITY",
    "DIRECTIONS",
    "ERROR",
    "EVENT",
    "HANDSHAKE",
    "IN",
    "INFO",
    "KINDS",
    "MESSAGE",
    "OPEN",
    "OUT",
    "PREVIEW_CHARS",
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

# Directions (interned module constants: entries share them).
IN: Final = "in"
OUT: Final = "out"
EVENT: Final = "event"
DIRECTIONS: Final = (IN, OUT, EVENT)

# Kinds.
MESSAGE: Final = "message"
OPEN: Final = "open"
CLOSE: Final = "close"
ERROR: Final = "error"
HANDSHAKE: Final = "handshake"
CONNECTING: Final = "connecting"
INFO: Final = "info"  # anything else worth a line: listening, stopped, auto-reply set...
KINDS: Final = (MESSAGE, OPEN, CLOSE, ERROR, HANDSHAKE, CONNECTING, INFO)

DEFAULT_CAPACITY: Final = 100_000
#: Rows per storage chunk of a LogStore (see ``LogStore._chunks``).
CHUNK: Final = 1024
#: Longest preview kept or computed, in characters.
PREVIEW_CHARS: Final = 120

_UNSET: Any = object()
_now = _time.time


def make_preview(mime: str, raw: str | bytes | None, limit: int = PREVIEW_CHARS) -> str:
    """A one-line preview of a payload: text as text, binary as a hex prefix.

    Text frames (``str``) are shown as their text; binary frames of a text or JSON type are
    decoded as UTF-8 when they are valid; other binary frames show ``"<n bytes> 89 50 4e ..."``
    (images name their type). Newlines and tabs become spaces; at most ``limit`` characters.
    """
    if raw is None:
        return ""
    if isinstance(raw, bytes | bytearray | memoryview):
        raw = bytes(raw)
        if mime == "application/json" or mime.startswith("text/"):
            try:
                text = raw[: limit * 4].decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is not None:
                return _one_line(text, limit)
        head = raw[: max(1, limit // 3 - 4)].hex(" ")
        label = f"{mime} " if mime.startswith("image/") else ""
        return _one_line(f"<{label}{len(raw)} bytes> {head}", limit)
    return _one_line(raw, limit)


def _one_line(text: str, limit: int) -> str:
    text = text[: limit + 1]
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


#: How the store keeps an entry: an exact tuple ``(time, direction, kind, mime, size, raw,
#: detail, preview or None, value or None)``. Tuples whose items are all atomic (str, bytes,
#: float, int, None) are untracked by Python's cyclic garbage collector, so a log of a million
#: rows adds nothing to the cost of a full collection (slotted objects would: measured 150 ms
#: pauses of the UI loop at 1,000,000 rows). ``LogEntry`` objects are made on access.
Row = tuple[Any, ...]


class LogEntry:
    """One row of a log: a message (in/out) or a lifecycle event.

    Attributes:
        time: seconds since the epoch (``time.time()``) when it was logged.
        direction: ``"in"``, ``"out"`` or ``"event"``.
        kind: ``"message"``, ``"open"``, ``"close"``, ``"error"``, ``"handshake"``,
            ``"connecting"`` or ``"info"``.
        mime: the MIME type the payload was sent/received as ("" for events).
        size: payload size in bytes (UTF-8 length for a text frame; 0 for events).
        raw: the payload as it travelled (``str`` for a text frame, ``bytes`` for binary),
            or None for events.
        detail: free text for events: close code and reason, handshake headers, the error in
            plain words; empty for messages unless the message did not decode.
        preview: (property) a short one-line text for the table.
        value: (property) the payload converted per ``mime`` (JSON -> Python objects, text ->
            str, image -> ``PIL.Image``, bytes -> bytes), decoded on each access (not cached,
            to keep the log lean); falls back to ``raw`` when it does not convert. Entries
            that were given an explicit value (events carrying data) return it.
        is_text: (property) True when ``raw`` is a ``str`` (a text frame).
    """

    __slots__ = ("_preview", "_value", "detail", "direction", "kind", "mime", "raw", "size", "time")

    def __init__(
        self,
        direction: str,
        kind: str,
        *,
        mime: str = "",
        raw: str | bytes | None = None,
        size: int | None = None,
        detail: str = "",
        preview: str | None = None,
        value: Any = _UNSET,
        time: float | None = None,
    ) -> None:
        self.time = _time.time() if time is None else time
        self.direction = direction
        self.kind = kind
        self.mime = mime
        self.raw = raw
        if size is None:
            size = payload_size(raw)
        self.size = size
        self.detail = detail
        self._preview = preview
        self._value = value

    def __repr__(self) -> str:
        return f"<LogEntry {self.direction} {self.kind} {self.mime} {self.size}B {self.preview!r}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogEntry):
            return NotImplemented
        return self.as_row() == other.as_row()

    __hash__ = None  # type: ignore[assignment]

    def as_row(self) -> Row:
        """The entry as the plain tuple the store keeps (see ``Row``)."""
        return (
            self.time,
            self.direction,
            self.kind,
            self.mime,
            self.size,
            self.raw,
            self.detail,
            self._preview,
            None if self._value is _UNSET else self._value,
        )

    @classmethod
    def from_row(cls, row: Row) -> LogEntry:
        """An entry viewing a stored row (a new object each time; equal rows compare equal)."""
        entry = cls.__new__(cls)
        (
            entry.time,
            entry.direction,
            entry.kind,
            entry.mime,
            entry.size,
            entry.raw,
            entry.detail,
            entry._preview,
            value,
        ) = row
        entry._value = _UNSET if value is None else value
        return entry

    @property
    def preview(self) -> str:
        if self._preview is not None:
            return self._preview
        if self.raw is None:
            return _one_line(self.detail, PREVIEW_CHARS)
        return make_preview(self.mime, self.raw)

    @property
    def value(self) -> Any:
        if self._value is not _UNSET:
            return self._value
        if self.raw is None:
            return None
        from core import mime as core_mime  # local: keeps this module importable alone

        try:
            return core_mime.decode(self.mime, self.raw) if self.mime else self.raw
        except (ValueError, TypeError):
            return self.raw

    @property
    def decodes(self) -> bool:
        """True if ``raw`` converts to ``mime`` (or there is nothing to convert)."""
        if self._value is not _UNSET or self.raw is None or not self.mime:
            return True
        from core import mime as core_mime

        try:
            core_mime.decode(self.mime, self.raw)
        except (ValueError, TypeError):
            return False
        return True

    @property
    def type_label(self) -> str:
        """What the log's Type column shows (see ``row_type_label``)."""
        return row_type_label(self.as_row())

    @property
    def is_text(self) -> bool:
        return isinstance(self.raw, str)

    @property
    def raw_bytes(self) -> bytes:
        """The payload as bytes (text frames in UTF-8), for hex dumps; b"" for events."""
        if self.raw is None:
            return b""
        if isinstance(self.raw, str):
            return self.raw.encode("utf-8", "surrogatepass")
        return bytes(self.raw)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (see ``workbench.jsonl`` for the format)."""
        return row_to_record(self.as_row())

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> LogEntry:
        """Rebuild an entry from ``to_dict`` output; ``ValueError`` if a field is wrong."""
        return cls.from_row(row_from_record(record))


def row_to_record(row: Row) -> dict[str, Any]:
    """A stored ``Row`` as the JSON-ready dict of the JSON Lines format."""
    when, direction, kind, mime, size, raw, detail, _preview, _value = row
    record: dict[str, Any] = {
        "time": when,
        "direction": direction,
        "kind": kind,
        "mime": mime,
        "size": size,
        "preview": row_preview(row),
    }
    if detail:
        record["detail"] = detail
    if isinstance(raw, str):
        record["text"] = raw
    elif raw is not None:
        record["base64"] = base64.b64encode(raw).decode("ascii")
    return record


def row_from_record(record: dict[str, Any]) -> Row:
    """``row_to_record`` reversed; ``ValueError`` if a field is missing or wrong."""
    try:
        direction = _intern(str(record["direction"]))
        kind = _intern(str(record["kind"]))
        raw: str | bytes | None
        if "text" in record:
            raw = str(record["text"])
        elif "base64" in record:
            raw = base64.b64decode(record["base64"], validate=True)
        else:
            raw = None
        when = float(record["time"])
        size = int(record["size"]) if "size" in record else payload_size(raw)
        mime = _intern(str(record.get("mime", "")))
        detail = str(record.get("detail", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a log entry ({type(exc).__name__}: {exc})") from exc
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}")
    return (when, direction, kind, mime, size, raw, detail, None, None)


def row_preview(row: Row) -> str:
    """``LogEntry.preview`` for a stored ``Row``."""
    if row[7] is not None:
        return row[7]
    if row[5] is None:
        return _one_line(row[6], PREVIEW_CHARS)
    return make_preview(row[3], row[5])


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"BM", "BMP image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
)


def sniff_label(raw: str | bytes | None) -> str:
    """What a pass-through (``*/*``) payload looks like, cheaply, for the Type column:
    "JSON text" (a text frame starting with ``{`` or ``[``), "text", "PNG image" (and
    JPEG/GIF/BMP/TIFF/WebP by their magic bytes) or "binary"."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        head = raw[:64].lstrip()
        return "JSON text" if head[:1] in ("{", "[") else "text"
    head = bytes(raw[:12])
    for magic, label in _MAGIC:
        if head.startswith(magic):
            return label
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP image"
    return "binary"


def row_type_label(row: Row) -> str:
    """The Type column of a stored ``Row``: the MIME type of a message (for ``*/*``, what
    the payload looks like, e.g. "*/* · PNG image"), the kind of an event."""
    if row[2] != MESSAGE:
        return row[2]
    if row[3] == "*/*":
        return f"*/* · {sniff_label(row[5])}"
    return row[3]


_INTERNED: dict[str, str] = {s: s for s in (*DIRECTIONS, *KINDS)}


def _intern(text: str) -> str:
    """Share equal labels (directions, kinds, MIME types) between rows; bounded."""
    shared = _INTERNED.get(text)
    if shared is not None:
        return shared
    if len(_INTERNED) < 512:
        _INTERNED[text] = text
    return text


def payload_size(raw: str | bytes | None) -> int:
    """Bytes on the wire for a payload: UTF-8 length of text, length of bytes, 0 for None."""
    if raw is None:
        return 0
    if isinstance(raw, str):
        return len(raw) if raw.isascii() else len(raw.encode("utf-8", "surrogatepass"))
    return len(raw)


@dataclass
class LogFilter:
    """What a log view shows: a text search plus direction and kind sets (Qt-free).

    ``text``: case-insensitive substring searched in the preview, the detail, the MIME type
    and (for text payloads) the whole payload. ``directions`` / ``kinds``: allowed values;
    an empty set means "all". ``LogFilter()`` accepts everything (``is_empty`` is True).
    """

    text: str = ""
    directions: frozenset[str] = field(default_factory=frozenset)
    kinds: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        self.directions = frozenset(self.directions)
        self.kinds = frozenset(self.kinds)

    @property
    def is_empty(self) -> bool:
        return not self.text and not self.directions and not self.kinds

    def matches(self, entry: LogEntry) -> bool:
        return self.matches_row(entry.as_row())

    def matches_row(self, row: Row) -> bool:
        """``matches`` for a stored ``Row`` (what the model filters with)."""
        _time, direction, kind, mime, _size, raw, detail, preview, _value = row
        if self.directions and direction not in self.directions:
            return False
        if self.kinds and kind not in self.kinds:
            return False
        if not self.text:
            return True
        needle = self.text.casefold()
        if isinstance(raw, bytes):
            if mime == "application/json" or mime.startswith("text/"):
                raw = raw.decode("utf-8", "replace")
            else:
                raw = preview if preview is not None else make_preview(mime, raw)
        elif raw is None:
            raw = preview
        return any(needle in hay.casefold() for hay in (raw, detail, mime, kind) if hay)


class LogStore:
    """A bounded log of ``LogEntry`` rows with totals that count everything ever appended.

    ``LogStore(capacity=100_000, name="")``. Not thread-safe (it lives on the loop thread).
    Appending is O(1) (amortised: rows go into chunks of ``CHUNK``; a chunk is freed when
    all its rows were evicted), and so is indexing, so a model can ask for any row cheaply.

    Attributes (read-only for users):
        name: a label for views and exports (e.g. "client-1 ws://127.0.0.1:8080/").
        capacity: the most rows kept.
        first_seq / end_seq: seq range of the visible rows (see the module docstring).
        dropped: rows evicted at the cap since creation (clear() does not count).
        cleared: rows removed by clear().
        messages_in / messages_out / bytes_in / bytes_out: message totals (payload bytes).
        events: lifecycle entries ever appended.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY, name: str = "") -> None:
        if capacity < 1:
            raise ValueError("a log keeps at least 1 row")
        self.name = name
        self.capacity = capacity
        # Rows live in full chunks (exact tuples of CHUNK rows: untracked by the GC once their
        # rows are, so a full collection never walks a big log) and a mutable tail list.
        self._chunks: list[tuple[Row, ...]] = []
        self._tail: list[Row] = []
        self._base_seq = 0  # seq of the first row of _chunks[0] (or of _tail if no chunk)
        self.first_seq = 0
        self.end_seq = 0
        self.dropped = 0
        self.cleared = 0
        self.messages_in = 0
        self.messages_out = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self.events = 0

    def __repr__(self) -> str:
        return f"<LogStore {self.name!r} {len(self)}/{self.capacity} rows, {self.dropped} dropped>"

    # -- appending -------------------------------------------------------------------------

    def append(self, entry: LogEntry) -> None:
        """Add ``entry`` as the newest row, evicting the oldest at the cap; update totals.

        The store keeps a copy of the entry's fields (a ``Row``), not the object."""
        self.append_row(entry.as_row())

    def append_row(self, row: Row) -> None:
        """``append`` for a ready ``Row`` tuple (the fast path; see ``add_message``)."""
        if row[2] == MESSAGE:
            if row[1] == IN:
                self.messages_in += 1
                self.bytes_in += row[4]
            else:
                self.messages_out += 1
                self.bytes_out += row[4]
        else:
            self.events += 1
        self._push(row)

    def _push(self, row: Row) -> None:
        """Store ``row`` at the end, evicting the oldest at the cap (totals are the caller's)."""
        tail = self._tail
        tail.append(row)
        if len(tail) == CHUNK:
            self._chunks.append(tuple(tail))
            self._tail = []
        if self.end_seq - self.first_seq >= self.capacity:
            self.first_seq += 1
            self.dropped += 1
            # Free a chunk once every row in it was evicted (memory: capacity + 2 chunks).
            if self.first_seq - self._base_seq >= CHUNK and self._chunks:
                del self._chunks[0]
                self._base_seq += CHUNK
        self.end_seq += 1

    def add_message(self, direction: str, mime: str, raw: str | bytes) -> None:
        """Append a message (``direction`` IN or OUT) without making a ``LogEntry``: the
        path taken for every message the service logs."""
        if isinstance(raw, str):
            size = len(raw) if raw.isascii() else len(raw.encode("utf-8", "surrogatepass"))
        else:
            size = len(raw)
        if direction == IN:
            self.messages_in += 1
            self.bytes_in += size
        else:
            self.messages_out += 1
            self.bytes_out += size
        self._push((_now(), direction, MESSAGE, mime, size, raw, "", None, None))

    def extend(self, entries: Iterable[LogEntry]) -> None:
        for entry in entries:
            self.append_row(entry.as_row())

    def log_message(
        self, direction: str, mime: str, raw: str | bytes, *, detail: str = ""
    ) -> LogEntry:
        """Append a message entry (``direction`` IN or OUT) for ``raw``; returns it."""
        entry = LogEntry(direction, MESSAGE, mime=mime, raw=raw, detail=detail)
        self.append_row(entry.as_row())
        return entry

    def log_event(
        self, kind: str, detail: str = "", *, direction: str = EVENT, value: Any = _UNSET
    ) -> LogEntry:
        """Append a lifecycle entry (open, close, error, handshake, connecting, info)."""
        entry = LogEntry(direction, kind, detail=detail, value=value)
        self.append_row(entry.as_row())
        return entry

    def clear(self) -> None:
        """Remove every visible row (counted in ``cleared``, not ``dropped``); totals stay."""
        self.cleared += self.end_seq - self.first_seq
        self.first_seq = self._base_seq = self.end_seq
        self._chunks = []
        self._tail = []

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.end_seq - self.first_seq

    def row(self, index: int) -> Row:
        """The stored ``Row`` tuple at ``index`` (negative counts from the newest)."""
        count = self.end_seq - self.first_seq
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("log row out of range")
        chunk, offset = divmod(self.first_seq + index - self._base_seq, CHUNK)
        chunks = self._chunks
        if chunk < len(chunks):
            return chunks[chunk][offset]
        return self._tail[offset]

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
        }
