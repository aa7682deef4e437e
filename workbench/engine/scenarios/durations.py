"""Durations as a scenario file writes them (``500ms``, ``2s``, ``1.5 s``) and as a report
prints them (``12 ms``, ``2.00 s``).

A bare number is refused: ``300`` could mean either unit, and a wrong guess makes a step
wait a thousand times too long or too short.
"""

from __future__ import annotations

import math
import re

__all__ = ["DurationError", "format_duration", "parse_duration"]

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)\s*", re.IGNORECASE)
#: The longest wait a file may ask for: a day (a typo such as ``5000s`` stays possible).
LONGEST = 86_400.0


class DurationError(ValueError):
    """The text is not a duration; the message says what to write instead."""


def parse_duration(text: object) -> float:
    """Seconds from ``'500ms'``, ``'2s'`` or ``'1.5 s'``; ``DurationError`` otherwise."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise DurationError(f"{text!r} is not a duration; write it as 500ms or 2s")
    if not isinstance(text, str):
        raise DurationError(
            f"{text!r} has no unit; write {text}ms or {text}s (a bare number could mean either)"
        )
    match = _DURATION.fullmatch(text)
    if match is None:
        raise DurationError(f"{text!r} is not a duration; write it as 500ms or 2s")
    amount = float(match.group(1))
    seconds = amount / 1000 if match.group(2).lower() == "ms" else amount
    if not math.isfinite(seconds) or seconds > LONGEST:
        raise DurationError(f"{text!r} is longer than a day; give a shorter duration")
    return seconds


def format_duration(seconds: float) -> str:
    """``'0.4 ms'``, ``'12 ms'``, ``'2.00 s'``: milliseconds below a second, else seconds."""
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"
