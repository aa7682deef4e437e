"""The detail of one log row: a JSON tree, the text, an image preview or a hex dump.

Works on anything shaped like ``workbench.log_store.LogEntry`` (``time``, ``direction``,
``kind``, ``mime``, ``size``, ``raw``, ``detail``, ``value``, ``raw_bytes``).
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QImage, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..engine.drafts import check_json
from .hex_dump import HexDumpView

#: Most tree nodes built for one JSON value; deeper/larger parts are summarised.
TREE_NODE_LIMIT = 5000
TEXT_LIMIT = 1_000_000


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


def fill_json_tree(tree: QTreeWidget, value: Any) -> int:
    """Show ``value`` (parsed JSON) as a tree of key / value / type rows; returns nodes made."""
    tree.clear()
    budget = [TREE_NODE_LIMIT]

    def add(parent: QTreeWidgetItem | QTreeWidget, key: str, item: Any) -> None:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        if isinstance(item, dict):
            node = QTreeWidgetItem(
                [key, f"{{{len(item)} key{'' if len(item) == 1 else 's'}}}", "object"]
            )
            children: list[tuple[str, Any]] = [(str(k), v) for k, v in item.items()]
        elif isinstance(item, list):
            node = QTreeWidgetItem(
                [key, f"[{len(item)} item{'' if len(item) == 1 else 's'}]", "array"]
            )
            children = [(f"[{i}]", v) for i, v in enumerate(item)]
        else:
            kind = {str: "string", bool: "boolean", type(None): "null"}.get(type(item), "number")
            node = QTreeWidgetItem([key, _scalar(item), kind])
            children = []
        if isinstance(parent, QTreeWidget):
            parent.addTopLevelItem(node)
        else:
            parent.addChild(node)
        for child_key, child in children:
            if budget[0] <= 0:
                node.addChild(QTreeWidgetItem(["…", "more not shown", ""]))
                break
            add(node, child_key, child)

    add(tree, "(root)", value)
    tree.expandToDepth(1)
    tree.resizeColumnToContents(0)
    return TREE_NODE_LIMIT - budget[0]


def _json_of(mime: str, value: Any, text: str, decodes: bool) -> tuple[Any, bool]:
    """``(parsed, True)`` when the message is JSON: declared so (and valid), or sent as
    ``*/*`` / text and happening to parse as an object or array."""
    if mime == "application/json":
        return (value, True) if decodes else (None, False)
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        parsed, problem = check_json(text)  # core's codec: what core would have decoded
        return (parsed, True) if problem is None else (None, False)
    return None, False


def _time_text(seconds: float) -> str:
    return _dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class DetailPane(QWidget):
    """Shows the selected log entry; pick the most useful tab for it automatically."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel("Select a row of the log to see it here.")
        self.header.setObjectName("hint")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(False)
        self.tabs.tabBar().setExpanding(False)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Key", "Value", "Type"])
        self.tree.setUniformRowHeights(True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image_scroll = QScrollArea()
        image_scroll.setWidgetResizable(True)
        image_scroll.setWidget(self.image)
        self.hex = HexDumpView()
        self.tree_index = self.tabs.addTab(self.tree, "Tree")
        self.text_index = self.tabs.addTab(self.text, "Text")
        self.image_index = self.tabs.addTab(image_scroll, "Image")
        self.hex_index = self.tabs.addTab(self.hex, "Hex")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        self.entry: Any = None
        self.show_entry(None)

    def show_entry(self, entry: Any) -> None:
        """Show ``entry`` (a LogEntry) or, with None, the empty state."""
        self.entry = entry
        for index in range(self.tabs.count()):
            self.tabs.setTabEnabled(index, False)
        self.tree.clear()
        self.text.clear()
        self.image.clear()
        self.hex.clear()
        if entry is None:
            self.header.setText("Select a row of the log to see it here.")
            self.tabs.setTabEnabled(self.text_index, True)
            self.tabs.setCurrentIndex(self.text_index)
            return
        arrow = {"in": "⬇ received", "out": "⬆ sent", "event": "● event"}.get(
            entry.direction, entry.direction
        )
        parts = [arrow, entry.kind]
        if entry.mime:
            parts.append(entry.mime)
        if entry.raw is not None:
            parts.append(f"{entry.size:,} bytes")
        parts.append(_time_text(entry.time))
        self.header.setText(" · ".join(parts))
        best = self.text_index
        if entry.raw is None:
            self.text.setPlainText(self._event_text(entry))
            self.tabs.setTabEnabled(self.text_index, True)
            self.tabs.setCurrentIndex(self.text_index)
            return
        value = entry.value
        raw = entry.raw
        mime = entry.mime
        self.hex.show_bytes(entry.raw_bytes)
        self.tabs.setTabEnabled(self.hex_index, True)
        best = self.hex_index
        textual = isinstance(raw, str) or mime == "application/json" or mime.startswith("text/")
        if textual:
            text = raw if isinstance(raw, str) else entry.raw_bytes.decode("utf-8", "replace")
            parsed, is_json = _json_of(mime, value, text, entry.decodes)
            if is_json:
                fill_json_tree(self.tree, parsed)
                self.tabs.setTabEnabled(self.tree_index, True)
                text = json.dumps(parsed, indent=2, ensure_ascii=False)
                best = self.tree_index
            else:
                best = self.text_index
            self.text.setPlainText(text[:TEXT_LIMIT])
            self.tabs.setTabEnabled(self.text_index, True)
        elif mime.startswith("image/") or mime in ("*/*", "application/octet-stream"):
            image = QImage.fromData(entry.raw_bytes)
            if not image.isNull():
                self.image.setPixmap(QPixmap.fromImage(image))
                self.tabs.setTabEnabled(self.image_index, True)
                best = self.image_index
        if entry.detail:
            existing = self.text.toPlainText()
            self.text.setPlainText(f"{entry.detail}\n\n{existing}" if existing else entry.detail)
            self.tabs.setTabEnabled(self.text_index, True)
        self.tabs.setCurrentIndex(best)

    @staticmethod
    def _event_text(entry: Any) -> str:
        detail = entry.detail or "(no detail)"
        value = entry.value
        if value is not None and not isinstance(value, (str, bytes)):
            try:
                detail += "\n\n" + json.dumps(value, indent=2, ensure_ascii=False, default=str)
            except (TypeError, ValueError):
                detail += "\n\n" + repr(value)
        return detail
