"""One row of a message log: ``LogEntry``, the ``Row`` tuple the store keeps, and the
functions that turn a row into what the log shows (preview, Type column) and into the JSON
Lines record of an export (Qt-free).

Memory: the store keeps each entry as a plain tuple (``Row``) that shares its
direction/kind/MIME strings, holds the payload once (the raw frame, ``str`` or ``bytes``) and
decodes the value lazily; previews of messages are computed on demand. ``LogEntry`` objects
(slotted) are made on access. A row's fields are read by name: ``row[KIND]``, ``row[SIZE]``.
"""

from __future__ import annotations

import base64
import sys
import time as _time
from typing import Any, Final

__all__ = [
    "CLOSE",
    "CONNECTING",
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
    "LogEntry",
    "Row",
    "make_preview",
    "payload_size",
    "row_cost",
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
FAULT: Final = "fault"  # a fault the fault lab put on purpose (workbench.engine.faults)
RULE: Final = "rule"  # a relay rule changed, dropped or delayed a message (engine.relay)
INTERCEPT: Final = "intercept"  # a relayed message held, then forwarded, edited or dropped
KINDS: Final = (MESSAGE, OPEN, CLOSE, ERROR, HANDSHAKE, CONNECTING, INFO, FAULT, RULE, INTERCEPT)

#: Longest preview kept or computed, in characters.
PREVIEW_CHARS: Final = 120

_UNSET: Any = object()
_sizeof = sys.getsizeof


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
#: detail, preview or None, value or None)``, read by the field names below
#: (``row[KIND]``). Tuples whose items are all atomic (str, bytes, float, int, None) are
#: untracked by Python's cyclic garbage collector, so a log of a million rows adds nothing to
#: the cost of a full collection. Slotted objects would, and so would a ``NamedTuple``: the
#: collector untracks exact tuples only (measured on CPython 3.11 at 1,000,000 rows: a full
#: collection takes 226 ms with NamedTuple rows, 1 ms with tuples; both take 112 bytes a row).
#: ``LogEntry`` objects are made on access.
Row = tuple[float, str, str, str, int, str | bytes | None, str, str | None, Any]

# The fields of a Row, by position (``Final``: mypy knows ``row[SIZE]`` is an ``int``).
TIME: Final = 0
DIRECTION: Final = 1
KIND: Final = 2
MIME: Final = 3
SIZE: Final = 4
RAW: Final = 5
DETAIL: Final = 6
PREVIEW: Final = 7
VALUE: Final = 8


class LogEntry:
    """One row of a log: a message (in/out) or a lifecycle event.

    Attributes:
        time: seconds since the epoch (``time.time()``) when it was logged.
        direction: ``"in"``, ``"out"`` or ``"event"``.
        kind: ``"message"``, ``"open"``, ``"close"``, ``"error"``, ``"handshake"``,
            ``"connecting"``, ``"info"``, ``"fault"``, ``"rule"`` or ``"intercept"``
            (``KINDS``).
        mime: the MIME type the payload was sent/received as ("" for events).
        size: payload size in bytes (UTF-8 length for a text frame; 0 for events).
        raw: the payload as it travelled (``str`` for a text frame, ``bytes`` for binary),
            or None for events (a relay's rule and intercept rows carry the message as it
            arrived, before they changed or dropped it).
        detail: free text for events: close code and reason, handshake headers, the error in
            plain words; empty for messages unless the message did not decode.
        preview: (property) a short one-line text for the table.
        value: (property) the payload converted per ``mime`` (JSON -> Python objects, text ->
            str, image -> ``PIL.Image``, bytes -> bytes), decoded on each access (not cached,
            to keep the log lean); falls back to ``raw`` when it does not convert. Entries
            that were given an explicit value (events carrying data) return it.
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
        return self.decoded()[0]

    @property
    def decodes(self) -> bool:
        """True if ``raw`` converts to ``mime`` (or there is nothing to convert)."""
        return self.decoded()[1]

    def decoded(self) -> tuple[Any, bool]:
        """``(value, decodes)`` from one conversion: for a reader that needs both (the
        detail pane) without decoding the payload twice."""
        if self._value is not _UNSET:
            return self._value, True
        if self.raw is None:
            return None, True
        if not self.mime:
            return self.raw, True
        from core import mime as core_mime  # local: keeps this module importable alone

        try:
            return core_mime.decode(self.mime, self.raw), True
        except (ValueError, TypeError):
            return self.raw, False

    @property
    def type_label(self) -> str:
        """What the log's Type column shows (see ``row_type_label``)."""
        return row_type_label(self.as_row())

    @property
    def raw_bytes(self) -> bytes:
        """The payload as bytes (text frames in UTF-8), for hex dumps; b"" for events."""
        if self.raw is None:
            return b""
        if isinstance(self.raw, str):
            return self.raw.encode("utf-8", "surrogatepass")
        return bytes(self.raw)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (see ``workbench.engine.log.jsonl`` for the format)."""
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
    preview = row[PREVIEW]
    if preview is not None:
        return preview
    raw = row[RAW]
    if raw is None:
        return _one_line(row[DETAIL], PREVIEW_CHARS)
    return make_preview(row[MIME], raw)


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
        start = raw[:64].lstrip()
        return "JSON text" if start[:1] in ("{", "[") else "text"
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
    kind = row[KIND]
    mime = row[MIME]
    if kind != MESSAGE:
        return kind
    if mime == "*/*":
        return f"*/* · {sniff_label(row[RAW])}"
    return mime


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


#: Bytes one stored row costs besides the objects it holds: the row tuple (its garbage
#: collector header included, ``sys.getsizeof``), the float of its time and its slot in the
#: store's chunk (144 bytes on 64-bit CPython 3.11, what tracemalloc measures per row).
ROW_OVERHEAD: Final = _sizeof(tuple(range(9))) + _sizeof(0.5) + 8


def row_cost(row: Row) -> int:
    """The memory a stored ``Row`` holds, in bytes: what a log's byte cap and the
    workspace's log budget count. The objects' real sizes (``sys.getsizeof``): a text
    payload with one emoji is kept at 4 bytes per character, and costs that. The shared
    objects (the interned direction, kind and MIME strings, the empty detail) cost nothing;
    a payload logged twice (an echo) is counted twice."""
    raw, detail, preview, value = row[RAW], row[DETAIL], row[PREVIEW], row[VALUE]
    cost = ROW_OVERHEAD + (_sizeof(raw) if raw is not None else 0)
    if detail:
        cost += _sizeof(detail)
    if preview is not None:
        cost += _sizeof(preview)
    if value is not None:
        cost += _sizeof(value)  # shallow: only events carry a value, and none today
    return cost
