"""The MIME-type table: how a Python value becomes a frame and a frame becomes a value.

Pure functions, no loop, no socket. ``encoder_for(mime)`` gives ``value -> (payload, is_text)``
and ``decoder_for(mime)`` gives ``payload -> value``; the payload is what the ``websockets``
package sends or receives (``str``/``bytes``; ``is_text`` says which frame to use).

=========================  ===============================  ==================================
type                       send(value)                      receive
=========================  ===============================  ==================================
application/json           compact JSON, text frame         parsed JSON
text/* (any subtype)       str(value), text frame           str (binary frames read as UTF-8)
image/<fmt>                Pillow image encoded, binary     PIL.Image.Image
application/octet-stream   bytes-like, binary frame         bytes (text frames as UTF-8)
*/* (frames unconverted)   str: text frame, bytes: binary   str for text, bytes for binary
=========================  ===============================  ==================================

Encoders raise ``EncodeError`` (a ``TypeError``); decoders raise ``DecodeError`` carrying the
raw payload, which the connection then delivers unconverted; neither raises anything else:
a failure of any kind in a converter (a ``RecursionError`` from deeply nested JSON, an
exception from one of Pillow's plugins) is a ``DecodeError``.

An image decoder refuses an image larger than its ``max_image_pixels`` from the header,
before decoding, and says whether a payload is worth a worker thread (``offload``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _image_codec as image_codec
from . import json_codec
from ._errors import DecodeError, EncodeError

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

__all__ = [
    "ANY",
    "JSON",
    "LISTED_TEXT_TYPES",
    "MAX_IMAGE_PIXELS",
    "OCTET_STREAM",
    "Decoder",
    "Encoder",
    "Payload",
    "SendPayload",
    "decode",
    "decoder_for",
    "encode",
    "encoder_for",
    "supported_receive_types",
    "supported_send_types",
]

#: A received message as websockets gives it: str for a text frame, bytes for a binary one.
Payload = str | bytes
#: What an encoder gives to send: bytes-like values are sent as they are, without a copy.
SendPayload = str | bytes | bytearray | memoryview
#: ``value -> (payload, is_text)``: converts what ``send()`` is given; raises ``EncodeError``.
Encoder = Callable[[object], tuple[SendPayload, bool]]
#: ``payload -> value``: converts a received message; raises ``DecodeError``.
Decoder = Callable[[Payload], Any]

JSON = "application/json"
OCTET_STREAM = "application/octet-stream"
# Frames as they are: the only type that keeps text vs binary (an echo, a proxy, Autobahn).
ANY = "*/*"
# Listed text subtypes; any other ``text/<subtype>`` is accepted as well.
LISTED_TEXT_TYPES = ("text/plain", "text/html", "text/csv", "text/xml", "text/markdown")
_BYTES_LIKE = (bytes, bytearray, memoryview)
#: The default cap of an image decoder, in pixels (4096 x 4096; 64 MiB as RGBA).
MAX_IMAGE_PIXELS = 4096 * 4096
#: Images of at least this many pixels are decoded off the event loop (about 5 ms of work).
OFFLOAD_PIXELS = 1_000_000


def _encode_json(value: object) -> tuple[SendPayload, bool]:
    try:
        return json_codec.encode(value), True
    except TypeError as exc:
        raise EncodeError(JSON, value, str(exc)) from exc
    except Exception as exc:  # e.g. RecursionError: a value nested deeper than JSON can go
        raise EncodeError(JSON, value, f"{type(exc).__name__}: {exc}") from exc


def _decode_json(payload: Payload) -> Any:
    try:
        return json_codec.decode(payload)
    except ValueError as exc:  # includes JSONDecodeError and bad UTF-8 in binary frames
        raise DecodeError(JSON, payload, str(exc)) from exc
    except Exception as exc:  # e.g. RecursionError: 1,100 nested arrays are 2.2 KB
        raise DecodeError(JSON, payload, f"{type(exc).__name__}: {exc}") from exc


def _utf8_text(mime: str, text: str) -> str:
    """``text`` if UTF-8 can carry it (a text frame must be UTF-8); EncodeError for lone surrogates."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            why = f"it holds a lone surrogate at index {exc.start}, which UTF-8 cannot carry"
            raise EncodeError(mime, text, why) from exc
    return text


def _text_encoder(mime: str) -> Encoder:
    def encode(value: object) -> tuple[SendPayload, bool]:
        if isinstance(value, str):
            return _utf8_text(mime, value), True
        if isinstance(value, _BYTES_LIKE):
            try:
                return bytes(value).decode("utf-8"), True
            except UnicodeDecodeError as exc:
                raise EncodeError(mime, value, f"the bytes are not UTF-8 ({exc.reason})") from exc
        try:
            text = str(value)
        except Exception as exc:  # the value's own __str__ failed
            raise EncodeError(mime, value, f"str() raised {type(exc).__name__}: {exc}") from exc
        return _utf8_text(mime, text), True

    return encode


def _text_decoder(mime: str) -> Decoder:
    def decode(payload: Payload) -> str:
        if isinstance(payload, str):
            return payload
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(mime, payload, f"not UTF-8: {exc.reason}") from exc

    return decode


def _encode_octets(value: object) -> tuple[SendPayload, bool]:
    if isinstance(value, _BYTES_LIKE):
        return value, False
    raise EncodeError(OCTET_STREAM, value, "give bytes, bytearray or memoryview")


def _decode_octets(payload: Payload) -> bytes:
    return payload.encode("utf-8") if isinstance(payload, str) else payload


def _encode_any(value: object) -> tuple[SendPayload, bool]:
    if isinstance(value, str):  # ASCII needs no check (this runs for every message)
        return (value if value.isascii() else _utf8_text(ANY, value)), True
    if isinstance(value, _BYTES_LIKE):
        return value, False
    raise EncodeError(ANY, value, "give str (sent as a text frame) or bytes-like (a binary frame)")


def _decode_any(payload: Payload) -> Payload:
    return payload


def _image_encoder(mime: str, fmt: str) -> Encoder:
    def encode(value: object) -> tuple[SendPayload, bool]:
        if isinstance(value, _BYTES_LIKE):
            return value, False
        if not image_codec.is_image(value):
            raise EncodeError(mime, value, "give a PIL.Image.Image or already-encoded bytes")
        try:
            return image_codec.encode(value, fmt), False
        except Exception as exc:  # Pillow's writers raise OSError, ValueError, KeyError...
            raise EncodeError(mime, value, f"Pillow could not write it: {exc}") from exc

    return encode


class _ImageDecoder:
    """The decoder of one ``image/*`` type under a pixel cap (None or 0: Pillow's own)."""

    __slots__ = ("max_pixels", "mime")

    def __init__(self, mime: str, max_pixels: int | None) -> None:
        self.mime = mime
        self.max_pixels = max_pixels

    def __call__(self, payload: Payload) -> PILImage:
        if isinstance(payload, str):
            raise DecodeError(self.mime, payload, "an image must arrive as a binary frame")
        try:
            return image_codec.decode(payload, self.max_pixels)
        except image_codec.TooManyPixels as exc:
            raise DecodeError(self.mime, payload, str(exc)) from exc
        except Exception as exc:  # Pillow's plugins raise many kinds on malformed input
            raise DecodeError(self.mime, payload, f"{type(exc).__name__}: {exc}") from exc

    def offload(self, payload: Payload) -> bool:
        """Whether decoding ``payload`` is worth a worker thread (a large image within the
        cap); reads only its header."""
        if isinstance(payload, str) or len(payload) < 64:
            return False
        count = image_codec.pixels(payload)
        return (
            count is not None
            and count >= OFFLOAD_PIXELS
            and not (self.max_pixels and count > self.max_pixels)
        )


_ENCODERS: dict[str, Encoder] = {JSON: _encode_json, OCTET_STREAM: _encode_octets, ANY: _encode_any}
_DECODERS: dict[str, Decoder] = {JSON: _decode_json, OCTET_STREAM: _decode_octets, ANY: _decode_any}
for _mime in LISTED_TEXT_TYPES:
    _ENCODERS[_mime] = _text_encoder(_mime)
    _DECODERS[_mime] = _text_decoder(_mime)


def supported_send_types() -> list[str]:
    """The MIME types accepted as ``sendType`` (the spec's ``supportedSendTypes``).

    The first call imports Pillow's plugins to list the image types.

    Returns:
        The listed types; any ``text/<subtype>`` is accepted too.
    """
    return [*_ENCODERS, *sorted(image_codec.encodable())]


def supported_receive_types() -> list[str]:
    """The MIME types accepted as ``receiveType`` (the spec's ``supportedReceiveTypes``).

    The first call imports Pillow's plugins to list the image types.

    Returns:
        The listed types; any ``text/<subtype>`` is accepted too.
    """
    return [*_DECODERS, *sorted(image_codec.decodable())]


def _normalise(mime: str) -> str:
    return mime.split(";", 1)[0].strip().lower()


def _is_text_type(mime: str) -> bool:
    return mime.startswith("text/") and len(mime) > len("text/") and "/" not in mime[5:]


def _image_encoder_for(mime: str) -> Encoder | None:
    """The encoder of an ``image/*`` type Pillow writes, made (and kept) on first lookup."""
    encoder = _IMAGE_ENCODERS.get(mime)
    if encoder is None and (fmt := image_codec.format_for(mime, write=True)) is not None:
        encoder = _IMAGE_ENCODERS[mime] = _image_encoder(mime, fmt)
    return encoder


def _image_decoder_for(mime: str, max_pixels: int | None) -> Decoder | None:
    """The decoder of an ``image/*`` type Pillow reads, made (and kept) on first lookup."""
    decoder = _IMAGE_DECODERS.get((mime, max_pixels))
    if decoder is None and image_codec.format_for(mime, write=False) is not None:
        decoder = _IMAGE_DECODERS[mime, max_pixels] = _ImageDecoder(mime, max_pixels)
    return decoder


_IMAGE_ENCODERS: dict[str, Encoder] = {}
_IMAGE_DECODERS: dict[tuple[str, int | None], Decoder] = {}


def _unsupported(mime: object, write: bool) -> Exception:
    role = "sendType" if write else "receiveType"
    if not isinstance(mime, str):
        return TypeError(f"{role} must be a MIME type string such as 'application/json'")
    supported = supported_send_types() if write else supported_receive_types()
    return ValueError(
        f"unsupported {role} {mime!r}; supported: {', '.join(supported)} (or any text/<subtype>)"
    )


def encoder_for(mime: str) -> Encoder:
    """The encoder for a ``sendType``: ``value -> (payload, is_text)``.

    Args:
        mime: A MIME type; parameters (``; charset=utf-8``) and case are ignored.

    Returns:
        A function that converts a value for ``send()``; it raises ``EncodeError``.

    Raises:
        ValueError: The type is not supported (the message lists those that are).
        TypeError: ``mime`` is not a string.
    """
    key = _normalise(mime) if isinstance(mime, str) else None
    if key is None:
        raise _unsupported(mime, write=True)
    if (encoder := _ENCODERS.get(key)) is not None:
        return encoder
    if _is_text_type(key):
        return _text_encoder(key)
    if key.startswith("image/") and (encoder := _image_encoder_for(key)) is not None:
        return encoder
    raise _unsupported(mime, write=True)


def decoder_for(mime: str, *, max_image_pixels: int | None = MAX_IMAGE_PIXELS) -> Decoder:
    """The decoder for a ``receiveType``: ``payload -> value``.

    Args:
        mime: A MIME type; parameters (``; charset=utf-8``) and case are ignored.
        max_image_pixels: For an ``image/*`` type: the largest image it decodes, in pixels;
            a larger one raises ``DecodeError`` before it is decoded (None or 0: Pillow's
            own decompression-bomb limit only).

    Returns:
        A function that converts a received payload; it raises ``DecodeError``.

    Raises:
        ValueError: The type is not supported (the message lists those that are).
        TypeError: ``mime`` is not a string.
    """
    key = _normalise(mime) if isinstance(mime, str) else None
    if key is None:
        raise _unsupported(mime, write=False)
    if (decoder := _DECODERS.get(key)) is not None:
        return decoder
    if _is_text_type(key):
        return _text_decoder(key)
    if key.startswith("image/"):
        decoder = _image_decoder_for(key, max_image_pixels or None)
        if decoder is not None:
            return decoder
    raise _unsupported(mime, write=False)


def encode(mime: str, value: object) -> tuple[SendPayload, bool]:
    """Convert one value as ``send()`` would for a ``sendType`` of ``mime``.

    Args:
        mime: The MIME type to convert for.
        value: What would be given to ``send()``.

    Returns:
        ``(payload, is_text)``: the payload (``str`` or bytes-like) and whether it goes
        in a text frame (else a binary one).

    Raises:
        EncodeError: ``value`` does not convert (a ``TypeError``).
        ValueError: ``mime`` is not supported.
    """
    return encoder_for(mime)(value)


def decode(mime: str, payload: Payload, *, max_image_pixels: int | None = MAX_IMAGE_PIXELS) -> Any:
    """Convert one received payload as a ``receiveType`` of ``mime`` would.

    Args:
        mime: The MIME type to convert for.
        payload: ``str`` (a text frame) or ``bytes`` (a binary frame).
        max_image_pixels: As for ``decoder_for``.

    Returns:
        The converted message: parsed JSON, ``str``, ``bytes`` or a ``PIL.Image.Image``.

    Raises:
        DecodeError: ``payload`` does not convert (a ``ValueError``; ``.raw`` holds it).
        ValueError: ``mime`` is not supported.
    """
    return decoder_for(mime, max_image_pixels=max_image_pixels)(payload)
