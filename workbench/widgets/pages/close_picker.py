"""The close-code picker of a client page and of a server's sockets box: the registered codes
a close frame may carry, each with its meaning, and any code typed in (3000–4999 are the
application's own). Its tooltip says what the chosen code means and where RFC 6455 says so."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from workbench.engine.protocol.glossary import (
    CLOSE_PICKER_CODES,
    VALID_CLOSE_CODES,
    close_code_label,
    close_code_term,
    close_refusal,
)
from workbench.widgets.common.wheel_guard import GuardedComboBox

__all__ = ["CloseCodePicker"]

_LEADING_CODE = re.compile(r"^\s*(\d{1,5})")


class CloseCodePicker(GuardedComboBox):
    """An editable choice of close code; ``value()`` is the code, or None when the text
    does not start with a number. ``setValue`` picks a listed code or types any other."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edit = QLineEdit(placeholderText="code")
        self.setLineEdit(self._edit)  # editable, with a line edit of known type
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for code in (*CLOSE_PICKER_CODES, 3000, 4000):
            self.addItem(close_code_label(code), code)
            self.setItemData(
                self.count() - 1, close_code_term(code).line(), Qt.ItemDataRole.ToolTipRole
            )
        # Narrow in its row (the popup still shows each meaning in full).
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(7)
        self.view().setMinimumWidth(self.view().sizeHintForColumn(0) + 24)
        self.currentTextChanged.connect(self._explain)
        # A picked item shows from its start: the code, not the end of its meaning.
        self.currentIndexChanged.connect(lambda _index: self._edit.home(False))
        self.setValue(1000)

    def value(self) -> int | None:
        match = _LEADING_CODE.match(self.currentText())
        return int(match.group(1)) if match else None

    def refusal(self, reason: str) -> str | None:
        """None if a close frame may carry the chosen code and ``reason`` (core's check),
        else why not, in words for the status bar."""
        code = self.value()
        if code is None:
            return f"type or pick a close code: {VALID_CLOSE_CODES}"
        return close_refusal(code, reason)

    def setValue(self, code: int) -> None:  # the name QSpinBox uses
        index = self.findData(code)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(str(code))
        self._edit.home(False)
        self._explain()

    def _explain(self, *_: object) -> None:
        code = self.value()
        self.setToolTip(
            close_code_term(code).line()
            if code is not None
            else f"Type or pick a close code: {VALID_CLOSE_CODES}"
        )
