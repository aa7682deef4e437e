"""A QR code of a URL as PNG bytes (segno), so a phone's camera can open the student page."""

from __future__ import annotations

import io

import segno

__all__ = ["qr_png"]


def qr_png(text: str, scale: int = 8) -> bytes:
    """The PNG of ``text`` as a QR code, ``scale`` pixels a module, with the standard
    4-module quiet zone; error correction is raised as far as the size allows (projectors
    and phone cameras at a distance read it more easily)."""
    if not text:
        raise ValueError("a QR code needs some text")
    buffer = io.BytesIO()
    segno.make(text, error="m", boost_error=True).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
