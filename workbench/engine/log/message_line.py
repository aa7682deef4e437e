"""The JSON line of a message row made straight from its payload (the headless relay's
``--log``, ``growing_file.LogFileWriter.message_writer``).

A log file's message rows of one connection and direction differ only in their time, size,
preview and payload, so ``MessageLine`` keeps the rest as a bytes template and fills it in:
orjson encodes the time and the payload, and a text payload that is its own preview (at most
``entry.PREVIEW_CHARS`` characters, no newline or tab) is encoded once for both fields. The
bytes are those ``entry.row_to_record`` encoded by orjson gives for the same row (same keys
in the same order), so the window's viewer reads them as it reads an export. A payload orjson
refuses (a lone surrogate) gets None: the caller writes that row the generic way.
"""

from __future__ import annotations

import base64
import time

import orjson

from .entry import MESSAGE, PREVIEW_CHARS, make_preview

__all__ = ["MessageLine"]

_now = time.time
_dumps = orjson.dumps
_b64encode = base64.b64encode


def _literal(data: bytes) -> bytes:
    """``data`` as a constant part of a %-template."""
    return data.replace(b"%", b"%%")


class MessageLine:
    """Encodes message rows of ``direction`` with ``mime`` and ``detail`` (already redacted,
    if it must be) as JSON lines (``line(payload, size)``)."""

    __slots__ = ("_binary", "_mime", "_text")

    def __init__(self, direction: str, mime: str, detail: str) -> None:
        head = (
            b'{"time":%b,"direction":'
            + _literal(_dumps(direction) + b',"kind":' + _dumps(MESSAGE) + b',"mime":')
            + _literal(_dumps(mime))
            + b',"size":%d,"preview":%b'
            + (_literal(b',"detail":' + _dumps(detail)) if detail else b"")
        )
        self._text = head + b',"text":%b}\n'
        self._binary = head + b',"base64":"%b"}\n'
        self._mime = mime

    def line(self, payload: str | bytes, size: int) -> bytes | None:
        """The row's line (newline included) as it is now; None if orjson refuses ``payload``."""
        if isinstance(payload, str):
            try:
                text = _dumps(payload)
            except TypeError:  # a lone surrogate
                return None
            if (
                len(payload) <= PREVIEW_CHARS
                and "\n" not in payload
                and "\r" not in payload
                and "\t" not in payload
            ):  # its own preview (entry._one_line)
                preview = text
            else:
                preview = _dumps(make_preview(self._mime, payload))
            return self._text % (_dumps(_now()), size, preview, text)
        preview = _dumps(make_preview(self._mime, payload))
        return self._binary % (_dumps(_now()), size, preview, _b64encode(payload))
