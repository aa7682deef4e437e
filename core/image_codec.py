"""Images to and from bytes through Pillow.

The image MIME types come from Pillow's own registry: a type can be received when Pillow has a
decoder for it and sent when it has an encoder. Decoding keeps Pillow's decompression-bomb
limit (``Image.MAX_IMAGE_PIXELS``): a larger image is refused, never expanded in memory.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from PIL import Image

Image.init()


def _formats_by_mime(registry: dict[str, Any]) -> dict[str, str]:
    """MIME type -> Pillow format name, for formats in ``registry`` (OPEN or SAVE)."""
    formats: dict[str, str] = {}
    for fmt, mime in Image.MIME.items():
        if mime.startswith("image/") and fmt in registry:
            formats.setdefault(mime, fmt)
    return formats


DECODABLE = _formats_by_mime(Image.OPEN)
ENCODABLE = _formats_by_mime(Image.SAVE)

# Modes each encoder cannot write, and what to convert them to first.
_MODE_FALLBACK = {"JPEG": "RGB", "BMP": "RGB", "PPM": "RGB", "PCX": "RGB", "JPEG2000": "RGB"}
_WRITABLE_MODES = {
    "JPEG": {"L", "RGB", "CMYK"},
    "BMP": {"1", "L", "P", "RGB"},
    "PPM": {"1", "L", "RGB"},
    "PCX": {"1", "L", "P", "RGB"},
    "JPEG2000": {"L", "LA", "RGB", "RGBA"},
}


def encode(image: Image.Image, fmt: str) -> bytes:
    """Encode ``image`` in Pillow format ``fmt``, converting its mode if the format needs it."""
    if fmt in _WRITABLE_MODES and image.mode not in _WRITABLE_MODES[fmt]:
        image = image.convert(_MODE_FALLBACK[fmt])
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    """Decode and fully load an image; raises ``ValueError``/``OSError`` if it is not one."""
    with warnings.catch_warnings():
        # Above MAX_IMAGE_PIXELS Pillow only warns; treat it as the error it is here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        image.load()
    return image
