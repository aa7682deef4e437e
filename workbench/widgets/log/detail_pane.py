"""The detail of one log row: a JSON tree, the text, an image preview, a hex dump, base64.

Works on anything shaped like ``workbench.engine.log.store.LogEntry`` (``time``,
``direction``, ``kind``, ``mime``, ``size``, ``raw``, ``detail``, ``decoded()``,
``raw_bytes``). The payload is converted once per row shown. An image is decoded on a
worker thread, as a bounded thumbnail (``workbench.engine.compose.image_preview``); the pane shows
"decoding…" until it arrives and drops a result for a row no longer shown.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as _dt
import itertools
import json
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
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
from shiboken6 import isValid

from workbench.engine.compose.drafts import check_json
from workbench.engine.compose.image_preview import ImagePreview, image_preview
from workbench.engine.log.store import sniff_label
from workbench.engine.protocol.glossary import explain_event
from workbench.widgets.common.fonts import fixed_width_font
from workbench.widgets.common.hex_dump import HexDumpView
from workbench.widgets.common.plain_text import plain, set_plain_tooltip

#: Most tree nodes built for one JSON value; deeper/larger parts are summarised.
TREE_NODE_LIMIT = 5000
TEXT_LIMIT = 1_000_000
#: Payload bytes shown as base64 at most (the tab says when more were left out).
BASE64_LIMIT = 256 * 1024

#: One worker decodes previews, one at a time; a stale request is skipped before decoding.
_DECODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="image-preview")


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


def _json_of(mime: str, entry: Any, text: str) -> tuple[Any, bool]:
    """``(parsed, True)`` when the message is JSON: declared so (and valid), or sent as
    ``*/*`` / text and happening to parse as an object or array."""
    if mime == "application/json":
        value, decodes = entry.decoded()
        return (value, True) if decodes else (None, False)
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        parsed, problem = check_json(text)  # core's codec: what core would have decoded
        return (parsed, True) if problem is None else (None, False)
    return None, False


def base64_text(data: bytes, limit: int = BASE64_LIMIT) -> str:
    """``data`` in base64 (lines of 76 characters, as MIME writes it), at most ``limit`` bytes."""
    text = base64.encodebytes(bytes(data[:limit])).decode("ascii").rstrip("\n")
    if len(data) > limit:
        text += f"\n… {len(data) - limit:,} more bytes not shown"
    return text


def _looks_like_image(mime: str, raw: Any) -> bool:
    if mime.startswith("image/"):
        return True
    return mime in ("*/*", "application/octet-stream") and sniff_label(raw).endswith("image")


def _time_text(seconds: float) -> str:
    return _dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class DetailPane(QWidget):
    """Shows the selected log entry; pick the most useful tab for it automatically."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = plain(QLabel("Select a row of the log to see it here."))  # a peer's type
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
        self.text.setFont(fixed_width_font())
        self.image = plain(QLabel())
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image_scroll = QScrollArea()
        image_scroll.setWidgetResizable(True)
        image_scroll.setWidget(self.image)
        self.hex = HexDumpView()
        self.base64 = QPlainTextEdit()
        self.base64.setObjectName("base64View")
        self.base64.setReadOnly(True)
        self.base64.setFont(fixed_width_font())
        self.tree_index = self.tabs.addTab(self.tree, "Tree")
        self.text_index = self.tabs.addTab(self.text, "Text")
        self.image_index = self.tabs.addTab(image_scroll, "Image")
        self.hex_index = self.tabs.addTab(self.hex, "Hex")
        self.base64_index = self.tabs.addTab(self.base64, "Base64")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        self.entry: Any = None
        self.image_preview: ImagePreview | None = None
        self.decodes_started = 0  # image decodes handed to the worker (tests, benchmarks)
        self._tokens = itertools.count(1)
        self._token = 0
        self._pending_fills: dict[int, Any] = {}
        self.tabs.currentChanged.connect(self._fill_current)
        self.show_entry(None)

    def show_entry(self, entry: Any) -> None:
        """Show ``entry`` (a LogEntry) or, with None, the empty state."""
        self.entry = entry
        self._token = next(self._tokens)  # a preview still decoding is for another row now
        self._pending_fills.clear()
        self.image_preview = None
        for index in range(self.tabs.count()):
            self.tabs.setTabEnabled(index, False)
        self.tree.clear()
        self.text.clear()
        self.image.clear()
        self.hex.clear()
        self.base64.clear()
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
        if entry.raw is None:
            self.text.setPlainText(self._event_text(entry))
            self.tabs.setTabEnabled(self.text_index, True)
            self.tabs.setCurrentIndex(self.text_index)
            return
        raw = entry.raw
        mime = entry.mime
        data = entry.raw_bytes
        self._fill_later(self.hex_index, lambda: self.hex.show_bytes(data))
        best = self.hex_index
        textual = isinstance(raw, str) or mime == "application/json" or mime.startswith("text/")
        if textual:
            text = raw if isinstance(raw, str) else data.decode("utf-8", "replace")
            parsed, is_json = _json_of(mime, entry, text)
            if is_json:
                fill_json_tree(self.tree, parsed)
                self.tabs.setTabEnabled(self.tree_index, True)
                text = json.dumps(parsed, indent=2, ensure_ascii=False)
                best = self.tree_index
            else:
                best = self.text_index
            self.text.setPlainText(text[:TEXT_LIMIT])
            self.tabs.setTabEnabled(self.text_index, True)
        else:
            self._fill_later(self.base64_index, lambda: self.base64.setPlainText(base64_text(data)))
            if _looks_like_image(mime, raw):
                self._decode_image(data)
                best = self.image_index
        if entry.detail:
            existing = self.text.toPlainText()
            self.text.setPlainText(f"{entry.detail}\n\n{existing}" if existing else entry.detail)
            self.tabs.setTabEnabled(self.text_index, True)
        self.tabs.setCurrentIndex(best)
        self._fill_current()

    def _fill_later(self, index: int, fill: Any) -> None:
        """Enable tab ``index`` and fill it when it is first shown: a hex dump or base64 of
        a big payload costs tens of milliseconds of text layout nobody may look at."""
        self._pending_fills[index] = fill
        self.tabs.setTabEnabled(index, True)

    def _fill_current(self, *_: Any) -> None:
        fill = self._pending_fills.pop(self.tabs.currentIndex(), None)
        if fill is not None:
            fill()

    # -- the image preview ----------------------------------------------------------------

    def _decode_image(self, data: bytes) -> None:
        """Decode ``data`` as a thumbnail on the worker; ``_show_preview`` gets the result.

        Without a running asyncio loop (a bare widget in a test) it decodes at once."""
        self.image.setText("Decoding the image…")
        self.tabs.setTabEnabled(self.image_index, True)
        token = self._token
        self.decodes_started += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._show_preview(token, image_preview(data))
            return

        def decode() -> ImagePreview | None:
            return image_preview(data) if token == self._token else None

        future: Future[ImagePreview | None] = _DECODER.submit(decode)
        asyncio.wrap_future(future, loop=loop).add_done_callback(
            lambda done: self._preview_done(token, done)
        )

    def _preview_done(self, token: int, done: asyncio.Future[ImagePreview | None]) -> None:
        if done.cancelled() or not isValid(self) or token != self._token:
            return
        self._show_preview(token, done.result())

    def _show_preview(self, token: int, preview: ImagePreview | None) -> None:
        if token != self._token:
            return
        self.image_preview = preview
        if preview is None:
            self.image.setText("Not an image this build of Pillow can read: see Hex or Base64.")
            return
        if preview.pixels is None:
            self.image.setText(f"{preview.format} image, {preview.note}.")
            return
        image = QImage(
            preview.pixels,
            preview.thumb_width,
            preview.thumb_height,
            preview.thumb_width * 4,
            QImage.Format.Format_RGBA8888,
        )
        self.image.setPixmap(QPixmap.fromImage(image))
        scaled = (preview.thumb_width, preview.thumb_height) != (preview.width, preview.height)
        set_plain_tooltip(
            self.image,
            f"{preview.format} image, {preview.width:,}×{preview.height:,} px"
            + (f" (shown at {preview.thumb_width:,}×{preview.thumb_height:,})" if scaled else ""),
        )

    @staticmethod
    def _event_text(entry: Any) -> str:
        detail = entry.detail or "(no detail)"
        if words := explain_event(entry.kind, entry.detail):
            detail += "\n\nIn plain words:\n" + words
        value = entry.value
        if value is not None and not isinstance(value, (str, bytes)):
            try:
                detail += "\n\n" + json.dumps(value, indent=2, ensure_ascii=False, default=str)
            except (TypeError, ValueError):
                detail += "\n\n" + repr(value)
        return detail
