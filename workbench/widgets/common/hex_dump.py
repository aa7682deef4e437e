"""A classic hex dump (offset, 16 bytes in hex, ASCII) as text, and a read-only view of it."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from .fonts import fixed_width_font

#: Bytes shown at most; a dump of a 1 MB image would only slow the view down.
DEFAULT_LIMIT = 64 * 1024


def hex_dump(data: bytes, limit: int = DEFAULT_LIMIT) -> str:
    """``data`` as lines of ``offset  hex bytes  |ascii|``; says how much was left out."""
    shown = bytes(data[:limit])
    lines = []
    for offset in range(0, len(shown), 16):
        chunk = shown[offset : offset + 16]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk[:8])
        if len(chunk) > 8:
            hex_part += "  " + " ".join(f"{byte:02x}" for byte in chunk[8:])
        ascii_part = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
        lines.append(f"{offset:08x}  {hex_part:<49}  |{ascii_part}|")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes not shown")
    if not data:
        lines.append("(no bytes)")
    return "\n".join(lines)


class HexDumpView(QPlainTextEdit):
    """Read-only, fixed-width view of ``hex_dump``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(fixed_width_font())  # follows the zoom

    def show_bytes(self, data: bytes) -> None:
        self.setPlainText(hex_dump(data))
