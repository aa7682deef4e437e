"""A combo box of MIME types, filled from core's registry; any ``text/<subtype>`` may be typed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from workbench.engine.options import supported_receive_types, supported_send_types
from workbench.widgets.common.wheel_guard import GuardedComboBox

DESCRIPTIONS = {
    "*/*": "anything: text frames as text, binary frames as bytes, nothing converted",
    "application/json": "JSON text, parsed and checked",
    "application/octet-stream": "raw bytes in binary frames",
    "text/plain": "plain text in text frames",
}


def _ordered(types: list[str]) -> list[str]:
    """JSON, text, octet-stream first (what people pick most), then the image types."""
    first = [t for t in types if not t.startswith("image/")]
    images = sorted(t for t in types if t.startswith("image/"))
    return first + images


class MimeChooser(GuardedComboBox):
    """Choose a send or a receive MIME type.

    ``role`` is ``"send"`` or ``"receive"`` and selects which of core's lists fills it. The box
    is editable so that any ``text/<subtype>`` can be typed; core validates the final choice.
    """

    mime_changed = Signal(str)

    def __init__(self, role: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if role not in ("send", "receive"):
            raise ValueError(f"role must be 'send' or 'receive', not {role!r}")
        self.role = role
        types = supported_send_types() if role == "send" else supported_receive_types()
        self.addItems(_ordered(types))
        for index in range(self.count()):
            self.setItemData(
                index, DESCRIPTIONS.get(self.itemText(index), ""), Qt.ItemDataRole.ToolTipRole
            )
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(14)
        self.setToolTip(
            f"MIME type of {'outgoing' if role == 'send' else 'incoming'} messages; "
            "pick one or type any text/<subtype>"
        )
        self.currentTextChanged.connect(self._changed)

    def _changed(self, text: str) -> None:
        self.mime_changed.emit(text.strip())

    def mime_type(self) -> str:
        return self.currentText().strip()

    def set_mime_type(self, mime: str) -> None:
        index = self.findText(mime)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(mime)
