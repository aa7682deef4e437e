"""Sizes and rates as the window shows them, one convention everywhere (pure functions).

Bytes are counted in binary units, as the log's caps and the payload limits are
(``"1.5 KiB"``, ``"2.0 MiB"``); counts of things (messages per second) take SI prefixes
(``"1.2 k"``). Exact byte counts that a reader may compare (a tooltip's "1,234 bytes
compressed to 567") are written out in full instead.
"""

from __future__ import annotations

from typing import Final

__all__ = ["format_count", "format_size"]

_BINARY: Final = ((1024**3, "GiB"), (1024**2, "MiB"), (1024, "KiB"))
_SI: Final = ((1e9, "G"), (1e6, "M"), (1e3, "k"))


def format_size(size: float) -> str:
    """A size in bytes: ``"512 B"``, ``"1.5 KiB"``, ``"2.0 MiB"``, ``"1.0 GiB"``; a
    fraction of a byte (a rate) is kept below 1 KiB (``"0.5 B"``)."""
    for scale, unit in _BINARY:
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size:g} B"


def format_count(value: float, unit: str = "") -> str:
    """A count short enough for a narrow column: ``1234567`` -> ``"1.2 M"`` (then ``unit``,
    e.g. ``"1.2 Mmsg/s"``); below 1,000 as it is (``"12.5"``)."""
    for scale, prefix in _SI:
        if value >= scale:
            return f"{value / scale:.1f} {prefix}{unit}"
    return f"{value:g} {unit}".rstrip()
