"""Images to and from bytes through Pillow, which is imported only when an image is involved.

The image MIME types come from Pillow's own registry: a type can be received when Pillow has a
decoder for it and sent when it has an encoder. Building the full registry imports every
Pillow plugin (about 60 modules, a third of ``import core``'s time before they were deferred),
so ``decodable()`` / ``encodable()`` build it on first call, and ``format_for`` tries Pillow's
five common plugins (BMP, GIF, JPEG, PPM, PNG) before all of them. Decoding refuses an image
of more than ``max_pixels`` (the ``max_image_pixels`` option) from its header, before any
pixel is expanded in memory, and keeps Pillow's own decompression-bomb limit
(``Image.MAX_IMAGE_PIXELS``) as well. ``pixels()`` reads only the header, so a caller can
send the decoding of a large image to a worker thread.
"""

from __future__ import annotations

import functools
import io
import sys
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage


def is_image(value: object) -> TypeGuard[PILImage]:
    """True if ``value`` is a ``PIL.Image.Image``; never imports Pillow to find out."""
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(value, module.Image)


def _formats_by_mime(registry: Mapping[str, object]) -> dict[str, str]:
    """MIME type -> Pillow format name, for formats in ``registry`` (OPEN or SAVE)."""
    from PIL import Image

    formats: dict[str, str] = {}
    for fmt, mime in Image.MIME.items():
        if mime.startswith("image/") and fmt in registry:
            formats.setdefault(mime, fmt)
    return formats


@functools.cache
def decodable() -> dict[str, str]:
    """MIME type -> Pillow format, for every format Pillow can read (imports all plugins)."""
    from PIL import Image

    Image.init()
    return _formats_by_mime(Image.OPEN)


@functools.cache
def encodable() -> dict[str, str]:
    """MIME type -> Pillow format, for every format Pillow can write (imports all plugins)."""
    from PIL import Image

    Image.init()
    return _formats_by_mime(Image.SAVE)


def format_for(mime: str, *, write: bool) -> str | None:
    """The Pillow format that reads (or writes) ``mime``, or None; common formats load least."""
    from PIL import Image

    Image.preinit()
    fmt = _formats_by_mime(Image.SAVE if write else Image.OPEN).get(mime)
    if fmt is None:
        fmt = (encodable() if write else decodable()).get(mime)
    return fmt


# Modes each encoder cannot write, and what to convert them to first.
_MODE_FALLBACK = {"JPEG": "RGB", "BMP": "RGB", "PPM": "RGB", "PCX": "RGB", "JPEG2000": "RGB"}
_WRITABLE_MODES = {
    "JPEG": {"L", "RGB", "CMYK"},
    "BMP": {"1", "L", "P", "RGB"},
    "PPM": {"1", "L", "RGB"},
    "PCX": {"1", "L", "P", "RGB"},
    "JPEG2000": {"L", "LA", "RGB", "RGBA"},
}


def encode(image: PILImage, fmt: str) -> bytes:
    """Encode ``image`` in Pillow format ``fmt``, converting its mode if the format needs it."""
    if fmt in _WRITABLE_MODES and image.mode not in _WRITABLE_MODES[fmt]:
        image = image.convert(_MODE_FALLBACK[fmt])
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


class TooManyPixels(ValueError):
    """The image's header says it is larger than the cap; it was not decoded."""


def pixels(data: bytes) -> int | None:
    """Width x height from the image's header (nothing decoded); None if it has none."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a bomb warning: decode() refuses it anyway
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Exception:  # not an image Pillow reads: decode() says why
        return None
    return width * height


def decode(data: bytes, max_pixels: int | None = None) -> PILImage:
    """Decode and fully load an image of at most ``max_pixels`` (None: Pillow's own limit).

    Raises ``TooManyPixels`` for a larger one, ``ValueError``/``OSError`` (and others from
    Pillow's plugins) if it is not an image."""
    from PIL import Image

    with warnings.catch_warnings():
        # Above MAX_IMAGE_PIXELS Pillow only warns; treat it as the error it is here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if max_pixels and width * height > max_pixels:
            image.close()
            raise TooManyPixels(
                f"the image is {width} x {height} = {width * height:,} pixels, more than"
                f" max_image_pixels ({max_pixels:,}); it was not decoded"
            )
        image.load()
    return image
