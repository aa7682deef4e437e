"""A fixed-width font that follows the window's zoom.

``QFontDatabase.systemFont(FixedFont)`` is a whole font, size included: a widget given it
kept that size when the zoom (``widgets.window.zoom_and_contrast``) changed the application's
font, so the composer's text, the hex dump and the handshake's headers never zoomed. This one
sets only the family and the fixed pitch; the size is inherited from the application.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QWidget

__all__ = ["fixed_width", "fixed_width_font"]


def fixed_width_font() -> QFont:
    """The system's fixed-width family, at whatever size the widget inherits."""
    system = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font = QFont()
    font.setFamilies(system.families())
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setFixedPitch(True)
    return font


def fixed_width(widget: QWidget) -> QWidget:
    """Show ``widget``'s text in ``fixed_width_font()``; returns it."""
    widget.setFont(fixed_width_font())
    return widget
