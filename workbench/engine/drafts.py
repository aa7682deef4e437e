"""Composing drafts into values per MIME type, with core's JSON codec (Qt-free)."""

from __future__ import annotations

from typing import Any

from core import json_codec
from core import mime as core_mime

__all__ = ["text_value"]


def text_value(mime: str, text: str) -> Any:
    """The value a text typed for ``mime`` sends: parsed JSON (core's codec) for
    application/json, the text for text/* and */* (a text frame), UTF-8 bytes for
    octet-stream. ValueError in plain words for other types or text that is not JSON."""
    if mime == core_mime.JSON:
        try:
            return json_codec.decode(text)
        except ValueError as exc:
            raise ValueError(f"not valid JSON ({exc})") from exc
    if mime.startswith("text/") or mime == "*/*":
        return text
    if mime == core_mime.OCTET_STREAM:
        return text.encode("utf-8")
    raise ValueError(f"a fixed reply cannot be typed as text for {mime}; use echo")
