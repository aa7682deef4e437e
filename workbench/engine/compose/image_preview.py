"""A bounded preview of an encoded image for the detail pane: a thumbnail, never a full decode
of a huge picture (Qt-free; meant to run on a worker thread).

A PNG of 62 KB can hold 8000×8000 pixels: decoding it whole costs ~0.2 s and 64 MB or more,
per message shown. ``image_preview`` reads the header first (cheap: Pillow opens lazily),
refuses to decode more than ``PIXEL_CAP`` pixels (JPEG is first scaled down while decoding,
by Pillow's ``draft``, so big photos still preview), and returns an RGBA thumbnail no larger
than ``THUMBNAIL_SIDE`` on either side. Pillow releases the GIL while decoding, so a worker
thread does not hold up the UI thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

from PIL import Image

__all__ = ["PIXEL_CAP", "THUMBNAIL_SIDE", "ImagePreview", "image_preview"]

#: Longest side of a thumbnail, in pixels.
THUMBNAIL_SIDE: Final = 1024
#: Most pixels decoded for one preview (16 MP: a 4000×4000 image, 64 MB as RGBA).
PIXEL_CAP: Final = 16_000_000


@dataclass(frozen=True)
class ImagePreview:
    """What ``image_preview`` found: the image's own ``width``/``height``/``format``, and
    ``pixels`` — RGBA bytes of a ``thumb_width`` × ``thumb_height`` thumbnail — or None when
    the image was not decoded (``note`` says why)."""

    width: int
    height: int
    format: str
    thumb_width: int = 0
    thumb_height: int = 0
    pixels: bytes | None = None
    note: str = ""


def image_preview(
    data: bytes, side: int = THUMBNAIL_SIDE, pixel_cap: int = PIXEL_CAP
) -> ImagePreview | None:
    """A thumbnail of the encoded image ``data``, or None if it is not an image Pillow reads.

    A picture of more than ``pixel_cap`` pixels (after JPEG's scaled decoding) is not
    decoded: the result has its size and format, ``pixels`` None and a ``note``."""
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        kind = image.format or "image"
        if image.format == "JPEG":
            image.draft("RGB", (side, side))  # decodes at 1/2, 1/4 or 1/8 scale: cheap
        decoded = image.size[0] * image.size[1]
        if decoded > pixel_cap:
            return ImagePreview(
                width,
                height,
                kind,
                note=(
                    f"{width:,}×{height:,} px ({width * height / 1e6:.0f} MP) is over the preview "
                    f"cap of {pixel_cap / 1e6:.0f} MP: not decoded"
                ),
            )
        image.thumbnail((side, side))
        thumbnail = image.convert("RGBA")
    except Exception:  # untrusted bytes: whatever a decoder raises means "no preview"
        return None
    return ImagePreview(width, height, kind, thumbnail.width, thumbnail.height, thumbnail.tobytes())
