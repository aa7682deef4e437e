"""``LogFilter``: what a log view shows — a text search plus direction and kind sets."""

from __future__ import annotations

from dataclasses import dataclass, field

from .entry import LogEntry, Row, make_preview

__all__ = ["LogFilter"]


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
