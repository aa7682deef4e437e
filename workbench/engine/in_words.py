"""Events and failures in the words the logs and the status bar use (pure functions)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from core import CLOSE_CODE_MEANINGS, WebSocketError, explain

__all__ = ["address_text", "close_text", "describe_error", "handshake_text", "header_pairs"]


def describe_error(exc: BaseException) -> str:
    """An exception in words a student understands (core errors already are)."""
    if isinstance(exc, WebSocketError):
        return str(exc)
    if isinstance(exc, (ValueError, TypeError)) and str(exc):
        return str(exc)
    if isinstance(exc, asyncio.TimeoutError):
        return "it took too long and was abandoned"
    if isinstance(exc, OSError):
        return explain(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def close_text(code: int, reason: str) -> str:
    """``"code 4000 (application code): bye"`` style description of a close."""
    meaning = CLOSE_CODE_MEANINGS.get(code)
    if meaning is None:
        meaning = "application code" if 3000 <= code <= 4999 else "unknown code"
    text = f"code {code} ({meaning})"
    return f"{text}: {reason}" if reason else text


def header_pairs(headers: Any) -> Iterable[tuple[str, str]]:
    """The ``(name, value)`` pairs of websockets' ``Headers`` (in wire order, repeated names
    included), of a mapping, or ``headers`` itself (already pairs); none for None."""
    if headers is None:
        return ()
    if hasattr(headers, "raw_items"):
        headers = headers.raw_items()
    elif isinstance(headers, Mapping):
        headers = headers.items()
    pairs: Iterable[tuple[str, str]] = headers
    return pairs


def _headers_text(title: str, headers: Any) -> str:
    if headers is None:
        return ""
    try:
        lines = [f"{name}: {value}" for name, value in header_pairs(headers)]
    except (TypeError, ValueError):
        lines = [str(headers)]
    return title + "\n" + "\n".join(lines)


def handshake_text(
    request_line: str, request_headers: Any, response_headers: Any, status: int = 101
) -> str:
    """The opening handshake as one text: request headers, a blank line, response headers
    (of a 101, or of a refusal with that ``status``)."""
    request = _headers_text(f"{request_line} (request headers)", request_headers)
    response = _headers_text(f"HTTP {status} (response headers)", response_headers)
    return "\n\n".join(part for part in (request, response) if part)


def address_text(address: Iterable[Any]) -> str:
    """``"127.0.0.1:54321"`` or ``"[::1]:54321"`` from a socket address tuple."""
    parts = list(address)[:2]
    if not parts:
        return "?"
    host = str(parts[0])
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts[1]}" if len(parts) > 1 else host
