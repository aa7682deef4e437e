"""What a failed expectation shows: previews of messages, and a readable JSON diff.

Everything here is bounded (previews cut at ``PREVIEW`` characters, a diff at
``DIFF_LINES`` lines), because a message is untrusted and may be megabytes long.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

__all__ = ["DIFF_LINES", "PREVIEW", "json_diff", "preview", "project", "shown"]

PREVIEW = 200
DIFF_LINES = 60
_MISSING = object()


def shown(value: Any) -> Any:
    """``value`` made JSON-writable for a report: bytes as ``<N bytes: hex…>``, a regex as
    ``/pattern/``, anything else unknown as its type name (an image never reaches a repr)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, re.Pattern):
        return f"/{value.pattern}/"
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return f"<{len(data)} bytes: {data[:32].hex(' ')}{' …' if len(data) > 32 else ''}>"
    if isinstance(value, dict):
        return {str(k): shown(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shown(v) for v in value]
    size = getattr(value, "size", None)  # a PIL image: its size, never its pixels
    return f"<{type(value).__name__}{f' {size[0]}x{size[1]}' if isinstance(size, tuple) else ''}>"


def preview(value: Any, limit: int = PREVIEW) -> str:
    """One line for a value: compact JSON (bytes and images described), cut at ``limit``."""
    data = shown(value)
    text = data if isinstance(value, bytes | bytearray) else _compact(data)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def project(expected: Any, actual: Any, exact: bool) -> tuple[Any, Any]:
    """(expected, actual) trimmed to what the comparison looked at, for a diff that shows
    only real differences: keys ``match`` did not ask for are left out of ``actual`` (kept
    when ``exact``), and a regex that matched shows the text it matched on both sides."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        left: dict[str, Any] = {}
        right: dict[str, Any] = {}
        for key, want in expected.items():
            if key in actual:
                left[key], right[key] = project(want, actual[key], exact)
            else:
                left[key] = shown(want)
        if exact:
            for key, got in actual.items():
                if key not in expected:
                    right[key] = shown(got)
        return left, right
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        pairs = [project(want, got, exact) for want, got in zip(expected, actual, strict=True)]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if isinstance(expected, re.Pattern) and isinstance(actual, str):
        return (actual if expected.search(actual) else shown(expected)), actual
    return shown(expected), shown(actual)


def json_diff(expected: Any, actual: Any, exact: bool) -> list[str]:
    """A unified diff of the two as indented JSON (keys sorted), at most ``DIFF_LINES``."""
    left, right = project(expected, actual, exact)
    lines = list(
        difflib.unified_diff(
            _indented(left).splitlines(),
            _indented(right).splitlines(),
            "expected",
            "received",
            lineterm="",
            n=2,
        )
    )
    if len(lines) > DIFF_LINES:
        lines = [*lines[:DIFF_LINES], f"… {len(lines) - DIFF_LINES} more diff lines"]
    return lines


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def _indented(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str)
