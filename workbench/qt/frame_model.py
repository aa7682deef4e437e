"""``FrameModel``: the Qt table model over one ``FrameStore``, updated once per UI tick.

Like ``LogModel``, a ``BatchedStoreModel``: each tick tells the views about every change
with at most one remove batch (frames evicted at the store's caps, from the top) and one
insert batch (new frames, at the bottom), so a flood costs the views one layout pass per
tick. Fragments are grouped by indenting the continuations under their message's first
frame in the Opcode column ("↳").

Roles: ``Qt.DisplayRole`` (column text), ``Qt.ToolTipRole`` (what the opcode means),
``Qt.TextAlignmentRole``, ``FRAME_ROW_ROLE`` (the ``FrameRow``), ``SEQ_ROLE`` (its seq).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from workbench.engine.protocol.frame_header import OPCODES
from workbench.engine.protocol.frame_store import CONTROL, FrameRow, FrameStore
from workbench.engine.units import format_size

from .batched_model import TICK_MS, BatchedStoreModel
from .log_model import format_time
from .roles import FRAME_ROW_ROLE, SEQ_ROLE

__all__ = ["COLUMNS", "FrameModel", "frame_preview", "frame_size_text"]

COLUMNS = ("Time", "Dir", "Opcode", "FIN", "RSV1", "MASK", "Length", "Preview")
COL_TIME, COL_DIR, COL_OPCODE, COL_FIN, COL_RSV1, COL_MASK, COL_LENGTH, COL_PREVIEW = range(8)
_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        FRAME_ROW_ROLE,
        SEQ_ROLE,
    )
)
PREVIEW_CHARS = 80
_WHITESPACE = {9: None, 10: None, 13: None}  # tab, newline, return: text, not binary
_DIRECTION_TEXT = {"in": "← in", "out": "→ out"}
_CONTROL_BRUSH = QBrush(QColor(90, 90, 140))
_CLOSE_BRUSH = QBrush(QColor(150, 90, 0))
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

_Index = QModelIndex | QPersistentModelIndex


def frame_preview(row: FrameRow) -> str:
    """One line for the Preview column: the close code and reason, or the payload's start."""
    if row.opcode == "close":
        if row.close_code is None:
            return "(malformed close payload)"
        reason = f" “{row.close_reason}”" if row.close_reason else ""
        return f"code {row.close_code}{reason}"
    if not row.data_length:
        return "(empty)"
    text = _text_of(row.data) if row.opcode != "binary" else None
    if text is None:  # binary, or a ping's random bytes: show them as hex
        return row.data[:24].hex(" ") + (" …" if row.data_length > 24 else "")
    cut = len(text) > PREVIEW_CHARS or row.data_length > len(row.data)
    return text[:PREVIEW_CHARS].replace("\n", "⏎") + ("…" if cut else "")


def _text_of(data: bytes) -> str | None:
    """``data`` as text if it is printable UTF-8 (a fragment may end mid-character)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 3:
            return None
        text = data[: exc.start].decode("utf-8")
    return text if text.translate(_WHITESPACE).isprintable() else None


def frame_size_text(row: FrameRow) -> str:
    """The payload length on the wire, and the decompressed size when it differs."""
    if row.rsv1 or row.data_length != row.length:
        return f"{format_size(row.length)} wire / {format_size(row.data_length)}"
    return format_size(row.length)


def _opcode_text(row: FrameRow) -> str:
    if row.opcode == "continuation":
        return f"   ↳ continuation #{row.part}"
    if row.part:
        return f"{row.opcode} #1 (fragmented)"
    return row.opcode


class FrameModel(BatchedStoreModel[FrameStore]):
    """``FrameModel(store, parent=None, tick_ms=TICK_MS, autostart=True)`` (see
    ``BatchedStoreModel``)."""

    columns = COLUMNS

    def __init__(
        self,
        store: FrameStore,
        parent: QObject | None = None,
        tick_ms: int = TICK_MS,
        autostart: bool = True,
    ) -> None:
        super().__init__(store, parent, tick_ms, autostart)
        self._wall_offset = time.time() - time.monotonic()  # frames carry monotonic times
        self.sync()

    @property
    def store(self) -> FrameStore:
        return self._store

    def frame(self, row: int) -> FrameRow | None:
        """The frame shown at ``row`` (None if out of range or already evicted)."""
        seq = self.seq(row)
        return None if seq is None else self._store.get_seq(seq)

    def wall_time(self, row: FrameRow) -> float:
        return row.time + self._wall_offset

    # -- Qt model interface ----------------------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A view asks each cell for about ten roles per paint; the others are answered first.
        if role not in _ROLES or not index.isValid():
            return None
        row = self.frame(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == FRAME_ROW_ROLE:
            return row
        if role == SEQ_ROLE:
            return self.seq(index.row())
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.opcode}: {OPCODES[row.opcode][1]}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (COL_FIN, COL_RSV1, COL_MASK):
                return _CENTER
            return _RIGHT if column == COL_LENGTH else None
        if role == Qt.ItemDataRole.ForegroundRole and row.opcode in CONTROL:
            return _CLOSE_BRUSH if row.opcode == "close" else _CONTROL_BRUSH
        return None

    def _text(self, row: FrameRow, column: int) -> str | None:
        if column == COL_TIME:
            return format_time(self.wall_time(row))
        if column == COL_DIR:
            return _DIRECTION_TEXT.get(row.direction, row.direction)
        if column == COL_OPCODE:
            return _opcode_text(row)
        if column == COL_FIN:
            return "1" if row.fin else "0"
        if column == COL_RSV1:
            return "1" if row.rsv1 else "0"
        if column == COL_MASK:
            return "1" if row.masked else "0"
        if column == COL_LENGTH:
            return frame_size_text(row)
        if column == COL_PREVIEW:
            return frame_preview(row)
        return None
