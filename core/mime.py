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
raw payload, which the connection then delivers unconverted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _image_codec as image_codec
from . import json_codec
from ._errors import DecodeError, EncodeError

__all__ = [
    "ANY",
    "JSON",
    "LISTED_TEXT_TYPES",
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
Encoder = Callable[[Any], tuple[SendPayload, bool]]
Decoder = Callable[[Payload], Any]

JSON = "application/json"
OCTET_STREAM = "application/octet-stream"
# Frames as they are: the only type that keeps text vs binary (an echo, a proxy, Autobahn).
ANY = "*/*"
# Listed text subtypes; any other ``text/<subtype>`` is accepted as well.
LISTED_TEXT_TYPES = ("text/plain", "text/html", "text/csv", "text/xml", "text/markdown")
_BYTES_LIKE = (bytes, bytearray, memoryview)


def _encode_json(value: Any) -> tuple[SendPayload, bool]:
    try:
        return json_codec.encode(value), True
    except TypeError as exc:
        raise EncodeError(JSON, value, str(exc)) from exc


def _decode_json(payload: Payload) -> Any:
    try:
        return json_codec.decode(payload)
    except ValueError as exc:  # includes JSONDecodeError and bad UTF-8 in binary frames
        raise DecodeError(JSON, payload, str(exc)) from exc


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
    def encode(value: Any) -> tuple[SendPayload, bool]:
        if isinstance(value, str):
            return _utf8_text(mime, value), True
        if isinstance(value, _BYTES_LIKE):
            try:
                return bytes(value).decode("utf-8"), True
            except UnicodeDecodeError as exc:
                raise EncodeError(mime, value, f"the bytes are not UTF-8 ({exc.reason})") from exc
        return _utf8_text(mime, str(value)), True

    return encode


def _text_decoder(mime: str) -> Decoder:
    def decode(payload: Payload) -> Any:
        if isinstance(payload, str):
            return payload
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(mime, payload, f"not UTF-8: {exc.reason}") from exc

    return decode


def _encode_octets(value: Any) -> tuple[SendPayload, bool]:
    if isinstance(value, _BYTES_LIKE):
        return value, False
    raise EncodeError(OCTET_STREAM, value, "give bytes, bytearray or memoryview")


def _decode_octets(payload: Payload) -> Any:
    return payload.encode("utf-8") if isinstance(payload, str) else payload


def _encode_any(value: Any) -> tuple[SendPayload, bool]:
    if isinstance(value, str):
        return _utf8_text(ANY, value), True
    if isinstance(value, _BYTES_LIKE):
        return value, False
    raise EncodeError(ANY, value, "give str (sent as a text frame) or bytes-like (a binary frame)")


def _decode_any(payload: Payload) -> Any:
    return payload


def _image_encoder(mime: str, fmt: str) -> Encoder:
    def encode(value: Any) -> tuple[SendPayload, bool]:
        if isinstance(value, _BYTES_LIKE):
            return value, False
        if not image_codec.is_image(value):
            raise EncodeError(mime, value, "give a PIL.Image.Image or already-encoded bytes")
        try:
            return image_codec.encode(value, fmt), False
        except (OSError, ValueError, KeyError) as exc:
            raise EncodeError(mime, value, f"Pillow could not write it: {exc}") from exc

    return encode


def _image_decoder(mime: str) -> Decoder:
    def decode(payload: Payload) -> Any:
        if isinstance(payload, str):
            raise DecodeError(mime, payload, "an image must arrive as a binary frame")
        try:
            return image_codec.decode(payload)
        except Exception as exc:  # Pillow's plugins raise many kinds on malformed input
            raise DecodeError(mime, payload, f"{type(exc).__name__}: {exc}") from exc

    return decode


_ENCODERS: dict[str, Encoder] = {JSON: _encode_json, OCTET_STREAM: _encode_octets, ANY: _encode_any}
_DECODERS: dict[str, Decoder] = {JSON: _decode_json, OCTET_STREAM: _decode_octets, ANY: _decode_any}
for _mime in LISTED_TEXT_TYPES:
    _ENCODERS[_mime] = _text_encoder(_mime)
    _DECODERS[_mime] = _text_decoder(_mime)


def supported_send_types() -> list[str]:
    """MIME types accepted as ``sendType``; ``text/<any subtype>`` is accepted too.

    The first call imports Pillow's plugins to list the image types.
    """
    return [*_ENCODERS, *sorted(image_codec.encodable())]


def supported_receive_types() -> list[str]:
    """MIME types accepted as ``receiveType``; ``text/<any subtype>`` is accepted too.

    The first call imports Pillow's plugins to list the image types.
    """
    return [*_DECODERS, *sorted(image_codec.decodable())]


def _normalise(mime: str) -> str:
    return mime.split(";", 1)[0].strip().lower()


def _is_text_type(mime: str) -> bool:
    return mime.startswith("text/") and len(mime) > len("text/") and "/" not in mime[5:]


def _image_codec(mime: str, write: bool) -> Encoder | Decoder | None:
    """The codec of an ``image/*`` type Pillow handles, made (and kept) on first lookup."""
    table: dict[str, Any] = _IMAGE_ENCODERS if write else _IMAGE_DECODERS
    codec = table.get(mime)
    if codec is None:
        fmt = image_codec.format_for(mime, write=write)
        if fmt is None:
            return None
        codec = table[mime] = _image_encoder(mime, fmt) if write else _image_decoder(mime)
    return codec


_IMAGE_ENCODERS: dict[str, Encoder] = {}
_IMAGE_DECODERS: dict[str, Decoder] = {}


def _lookup(mime: str, write: bool) -> Any:
    role = "sendType" if write else "receiveType"
    if not isinstance(mime, str):
        raise TypeError(f"{role} must be a MIME type string such as 'application/json'")
    key = _normalise(mime)
    table: dict[str, Any] = _ENCODERS if write else _DECODERS
    if key in table:
        return table[key]
    if _is_text_type(key):
        return _text_encoder(key) if write else _text_decoder(key)
    if key.startswith("image/") and (codec := _image_codec(key, write)) is not None:
        return codec
    supported = supported_send_types() if write else supported_receive_types()
    raise ValueError(
        f"unsupported {role} {mime!r}; supported: {', '.join(supported)} (or any text/<subtype>)"
    )


def encoder_for(mime: str) -> Encoder:
    """The encoder for a ``sendType``; ``ValueError`` listing the supported ones if unknown."""
    encoder: Encoder = _lookup(mime, write=True)
    return encoder


def decoder_for(mime: str) -> Decoder:
    """The decoder for a ``receiveType``; ``ValueError`` listing the supported ones if unknown."""
    decoder: Decoder = _lookup(mime, write=False)
    return decoder


def encode(mime: str, value: Any) -> tuple[SendPayload, bool]:
    """Convenience: encode one value for ``mime``."""
    return encoder_for(mime)(value)


def decode(mime: str, payload: Payload) -> Any:
    """Convenience: decode one payload received as ``mime``."""
    return decoder_for(mime)(payload)
