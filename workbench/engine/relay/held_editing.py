"""A held message in the composer and back (pure): "Edit and forward" opens the composer with
the message's MIME type and text, and what the composer gives is sent as a text or binary
frame, as the message came.

``held_draft(payload)``: a JSON object or list in a text frame is ``application/json``, other
text ``text/plain``, a binary frame ``application/octet-stream`` (shown as hex).
``edited_payload(mime, value)``: the composer's value for that MIME type as the frame to
send: JSON written compact (``str``), text as it is, bytes as they are.
"""

from __future__ import annotations

from typing import Any

from core import json_codec
from core import mime as core_mime
from workbench.engine.compose.drafts import editor_kind
from workbench.engine.workspace.workspace import SavedMessage

__all__ = ["edited_payload", "held_draft"]


def held_draft(payload: str | bytes) -> SavedMessage:
    """The composer's draft of a held message (see the module docstring)."""
    if isinstance(payload, bytes):
        return SavedMessage("", core_mime.OCTET_STREAM, payload.hex(" "), "hex")
    try:
        value = json_codec.decode(payload)
    except ValueError:
        value = None
    mime = core_mime.JSON if isinstance(value, dict | list) else "text/plain"
    return SavedMessage("", mime, payload, "text")


def edited_payload(mime: str, value: Any) -> str | bytes:
    """The frame to send for the composer's ``value`` under ``mime``; ``TypeError`` if the
    value is not one that MIME type's editor gives."""
    kind = editor_kind(mime)
    if kind == "json":
        return json_codec.encode(value)
    if isinstance(value, str) and kind == "text":
        return value
    if isinstance(value, bytes | bytearray | memoryview) and kind in ("bytes", "image"):
        return bytes(value)
    raise TypeError(f"the composer gave {type(value).__name__} for {mime}")
