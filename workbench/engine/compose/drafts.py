"""Composing drafts into values per MIME type (Qt-free), with core's JSON codec.

========================  ===========================  ====================================
send type                 editor kind                  value sent
========================  ===========================  ====================================
application/json          "json": JSON text            the parsed value (core encodes it)
text/*                    "text": plain text           ``str``
image/*                   "image": an image file       ``PIL.Image.Image`` (core encodes it)
application/octet-stream  "bytes": hex, base64, file   ``bytes``
``*/*`` (anything)        any of the four ("Compose    JSON and text as ``str`` (a text
                          as")                         frame), image file and bytes as bytes
========================  ===========================  ====================================

JSON is parsed and written by ``core.json_codec``, the codec core sends with, so what the
composer accepts is what core sends: ``NaN`` is refused with core's words, not sent as
``null``. A draft is a ``workspace.SavedMessage`` (mime, body, body_format). Reading files
(``read_image``, ``read_bytes``) is slow and meant for a worker thread.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

from core import json_codec
from core import mime as core_mime
from workbench.engine.units import format_size
from workbench.engine.workspace.workspace import SavedMessage

__all__ = [
    "ANY",
    "ANY_KINDS",
    "EDITOR_KINDS",
    "PREVIEW_SIZE",
    "ComposeError",
    "ImageFile",
    "check_json",
    "describe_json",
    "draft_kind",
    "editor_kind",
    "frame_value",
    "kind_mime",
    "parse_bytes",
    "pretty_json",
    "read_bytes",
    "read_image",
    "summary",
    "text_value",
]

ANY = "*/*"
EDITOR_KINDS = ("json", "text", "image", "bytes")
#: "Compose as" choices for ``*/*``: (label, editor kind, the MIME a saved draft records)
ANY_KINDS = (
    ("JSON", "json", "application/json"),
    ("Text", "text", "text/plain"),
    ("Image", "image", "image/*"),
    ("Bytes", "bytes", "application/octet-stream"),
)


class ComposeError(ValueError):
    """What is in the editor cannot be sent as the current type; the message says why."""


def editor_kind(mime: str) -> str:
    """Which editor serves ``mime``: 'json', 'image', 'bytes' or 'text' ('any' for */*)."""
    mime = mime.split(";", 1)[0].strip().lower()
    if mime == ANY:
        return "any"
    if mime == core_mime.JSON:
        return "json"
    if mime.startswith("image/"):
        return "image"
    if mime == core_mime.OCTET_STREAM:
        return "bytes"
    return "text"


def kind_mime(send_type: str, kind: str) -> str:
    """The MIME a draft records: the send type, or for ``*/*`` the kind composed."""
    if editor_kind(send_type) != "any":
        return send_type
    return next(mime for _label, k, mime in ANY_KINDS if k == kind)


def check_json(text: str) -> tuple[Any, str | None]:
    """``(value, None)`` when core's codec reads ``text``, else ``(None, why not)``."""
    if not text.strip():
        return None, 'Type a JSON value, for example {"hello": "world"}'
    try:
        return json_codec.decode(text), None
    except json.JSONDecodeError as exc:  # the stdlib's, which core falls back to
        return None, f"Not valid JSON — line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except ValueError as exc:  # core's own refusals: NaN and Infinity are not JSON
        return None, f"Not valid JSON: {exc}"


def describe_json(value: Any) -> str:
    """``"Valid JSON: an object with 2 keys"`` and the like."""
    if isinstance(value, dict):
        return f"Valid JSON: an object with {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, list):
        return f"Valid JSON: an array of {len(value)} item{'s' if len(value) != 1 else ''}"
    names = {"str": "a string", "NoneType": "null"}
    return f"Valid JSON: {names.get(type(value).__name__, type(value).__name__)}"


def pretty_json(value: Any) -> str:
    """A value core's codec read, indented for people (two spaces, UTF-8 kept)."""
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


def parse_bytes(text: str, mode: str) -> bytes:
    """Hex (spaces, newlines and ``0x`` allowed) or base64 text into bytes; ComposeError if not."""
    if mode == "hex":
        cleaned = "".join(text.replace("0x", " ").replace(",", " ").split())
        if len(cleaned) % 2:
            raise ComposeError(f"Hex needs two digits per byte; there are {len(cleaned)} digits")
        try:
            return bytes.fromhex(cleaned)
        except ValueError:
            bad = next((c for c in cleaned if c not in "0123456789abcdefABCDEF"), "?")
            raise ComposeError(f"{bad!r} is not a hex digit (use 0-9 and a-f)") from None
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ComposeError(f"Not valid base64 ({exc})") from None


def frame_value(send_type: str, kind: str, value: Any, file_data: bytes = b"") -> Any:
    """What is sent for an editor's ``value``: as it is, except for ``*/*``, where JSON
    goes as core's compact JSON text and an image as its file's bytes."""
    if editor_kind(send_type) != "any":
        return value
    if kind == "json":
        return json_codec.encode(value)
    if kind == "image":
        return file_data
    return value


def draft_kind(send_type: str, message: SavedMessage) -> str | None:
    """The editor kind ``message`` loads into under ``send_type``, or None if it does not
    fit (a saved image in a JSON composer). With ``*/*`` every message fits."""
    fmt = message.body_format
    if editor_kind(send_type) == "any":
        kind = editor_kind(message.mime)
        if fmt in ("hex", "base64") or (fmt == "file" and kind != "image"):
            kind = "bytes"
        kind = kind if kind in EDITOR_KINDS else "text"
    else:
        kind = editor_kind(send_type)
    fits = {
        "json": fmt == "text",
        "text": fmt == "text",
        "image": fmt == "file",
        "bytes": fmt in ("file", "hex", "base64"),
    }
    return kind if fits[kind] else None


def summary(message: SavedMessage) -> str:
    """One short line for a menu: the file name, or the body's first 40 characters."""
    if message.body_format == "file":
        return Path(message.body).name or "(no file)"
    text = " ".join(message.body.split())
    return (text[:40] + "…") if len(text) > 40 else (text or "(empty)")


#: The largest preview ``read_image`` makes (width, height).
PREVIEW_SIZE = (240, 140)


class ImageFile:
    """An image file read and decoded: ``path``, ``data`` (the bytes on disk), ``image``,
    and ``preview``: RGBA bytes, width and height of a copy at most ``PREVIEW_SIZE``."""

    __slots__ = ("data", "image", "path", "preview")

    def __init__(self, path: str, data: bytes, image: Image.Image) -> None:
        self.path = path
        self.data = data
        self.image = image
        thumbnail = image.copy()
        thumbnail.thumbnail(PREVIEW_SIZE)
        rgba = thumbnail.convert("RGBA")
        self.preview = (rgba.tobytes(), rgba.width, rgba.height)

    @property
    def description(self) -> str:
        """``"sample.png · 96×64 PNG · 561 B"``."""
        image = self.image
        return (
            f"{Path(self.path).name} · {image.width}×{image.height} {image.format or ''} · "
            f"{format_size(len(self.data))}"
        )


def read_image(path: str) -> ImageFile:
    """Read and decode an image file (slow: run it in a worker thread). ComposeError saying
    why if it cannot be read or is not an image Pillow knows."""
    try:
        data = Path(path).read_bytes()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ComposeError(f"Cannot open {Path(path).name}: {exc}") from exc
    return ImageFile(path, data, image)


def read_bytes(path: str) -> bytes:
    """A file's bytes (slow: run it in a worker thread); ComposeError saying why not."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ComposeError(f"Cannot read {Path(path).name}: {exc.strerror or exc}") from exc


def text_value(mime: str, text: str) -> Any:
    """The value a text typed for ``mime`` sends (a server's fixed auto-reply): parsed JSON
    (core's codec) for application/json, the text for text/* and */* (a text frame), UTF-8
    bytes for octet-stream. ValueError in plain words for other types or text that is not
    JSON."""
    if mime == core_mime.JSON:
        try:
            return json_codec.decode(text)
        except ValueError as exc:
            raise ValueError(f"not valid JSON ({exc})") from exc
    if mime.startswith("text/") or mime == ANY:
        return text
    if mime == core_mime.OCTET_STREAM:
        return text.encode("utf-8")
    raise ValueError(f"a fixed reply cannot be typed as text for {mime}; use echo")
