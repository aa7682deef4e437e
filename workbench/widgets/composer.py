"""The message composer: an editor that follows the send type, a Send button, Ctrl+Enter,
and recent / saved messages to reuse.

========================  ==============================================================
send type                 editor                       value handed to ``send_requested``
========================  ==============================================================
application/json          JSON text, checked as typed  the parsed value (dict, list, ...)
text/*                    plain text                   ``str``
image/*                   file picker with preview     ``PIL.Image.Image`` (core encodes it)
application/octet-stream  hex / base64 / file          ``bytes``
``*/*`` (anything)        any of the four, chosen in   JSON and text as ``str`` (text frame),
                          "Compose as"                 image file and bytes as ``bytes``
========================  ==============================================================

A draft is a ``workspace.SavedMessage`` (mime, body, body_format) so the workspace stores
saved and recent messages as they are.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from pathlib import Path
from typing import Any

from PIL import Image
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..engine.workspace import SavedMessage
from .notify import notifier
from .resources import resource_path

RECENT_LIMIT = 20
_NOTHING: Any = object()
#: What the editors hold at first, so a first message is one click away.
SAMPLE_JSON = '{"type": "hello", "text": "Hi there"}'
SAMPLE_TEXT = "Hello, WebSocket!"


class ComposeError(ValueError):
    """What is in the editor cannot be sent as the current type; the message says why."""


ANY = "*/*"
#: "Compose as" choices for ``*/*``: (label, editor kind, the MIME a saved draft records)
ANY_KINDS = (
    ("JSON", "json", "application/json"),
    ("Text", "text", "text/plain"),
    ("Image", "image", "image/*"),
    ("Bytes", "bytes", "application/octet-stream"),
)
ANY_KIND_TIPS = {
    "json": "JSON, checked as you type, sent as compact JSON text in a text frame",
    "text": "plain text in a text frame",
    "image": "an image file, sent as it is on disk in a binary frame",
    "bytes": "bytes typed as hex or base64, or a file, in a binary frame",
}


def editor_kind(mime: str) -> str:
    """Which editor serves ``mime``: 'json', 'image', 'bytes' or 'text' ('any' for */*)."""
    mime = mime.split(";", 1)[0].strip().lower()
    if mime == ANY:
        return "any"
    if mime == "application/json":
        return "json"
    if mime.startswith("image/"):
        return "image"
    if mime == "application/octet-stream":
        return "bytes"
    return "text"


def check_json(text: str) -> tuple[Any, str | None]:
    """``(value, None)`` when ``text`` is JSON, else ``(None, a sentence saying where it breaks)``."""
    if not text.strip():
        return None, 'Type a JSON value, for example {"hello": "world"}'
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"Not valid JSON — line {exc.lineno}, column {exc.colno}: {exc.msg}"


def describe_json(value: Any) -> str:
    if isinstance(value, dict):
        return f"Valid JSON: an object with {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, list):
        return f"Valid JSON: an array of {len(value)} item{'s' if len(value) != 1 else ''}"
    return (
        f"Valid JSON: {type(value).__name__.replace('str', 'a string').replace('NoneType', 'null')}"
    )


def parse_bytes(text: str, mode: str) -> bytes:
    """Hex (spaces, newlines and ``0x`` allowed) or base64 text into bytes; ComposeError if not."""
    if mode == "hex":
        cleaned = "".join(text.replace("0x", " ").replace(",", " ").split())
        if len(cleaned) % 2:
            raise ComposeError(f"Hex needs two digits per byte; there are {len(cleaned)} digits")
        try:
            return bytes.fromhex(cleaned)
        except ValueError:
            bad = next((c for c in cleaned if c not in "0123456789abcdefABCDEF"), "?")
            raise ComposeError(f"{bad!r} is not a hex digit (use 0-9 and a-f)") from None
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ComposeError(f"Not valid base64 ({exc})") from None


def _status_label() -> QLabel:
    """A status line under an editor that wraps rather than widening the window."""
    label = QLabel()
    label.setObjectName("composerStatus")
    label.setWordWrap(True)
    label.setMinimumWidth(40)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def dropped_file(event: Any) -> str | None:
    """The local file path a drag carries (the first one), or None."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            return url.toLocalFile()
    return None


def _mono(widget: QWidget) -> None:
    widget.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size / 1024 / 1024:.1f} MB"


class JsonEditor(QWidget):
    """JSON text checked on every keystroke, with Pretty-print."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("jsonEdit")
        _mono(self.edit)
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText('{"type": "hello", "text": "Hi there"}')
        self.edit.setPlainText(SAMPLE_JSON)
        self.status = _status_label()
        self.pretty_button = QPushButton("Pretty-print")
        self.pretty_button.setAutoDefault(False)
        self.pretty_button.setToolTip("Re-indent the JSON")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.pretty_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addLayout(row)
        self.valid = False
        self.edit.textChanged.connect(self.check)
        self.pretty_button.clicked.connect(self.pretty_print)
        self.check()

    def check(self) -> None:
        value, problem = check_json(self.edit.toPlainText())
        valid = problem is None
        empty = not self.edit.toPlainText().strip()
        self.status.setText(describe_json(value) if valid else problem)
        self.status.setProperty("state", "ok" if valid else ("" if empty else "error"))
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.pretty_button.setEnabled(valid)
        if valid != self.valid:
            self.valid = valid
            self.validity_changed.emit(valid)

    def pretty_print(self) -> None:
        value, problem = check_json(self.edit.toPlainText())
        if problem is None:
            self.edit.setPlainText(json.dumps(value, indent=2, ensure_ascii=False))

    def value(self) -> Any:
        value, problem = check_json(self.edit.toPlainText())
        if problem is not None:
            raise ComposeError(problem)
        return value


class TextEditor(QWidget):
    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("textEdit")
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText("Type the text to send")
        self.edit.setPlainText(SAMPLE_TEXT)
        self.status = _status_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.status)
        self.valid = True
        self.edit.textChanged.connect(self._count)
        self._count()

    def _count(self) -> None:
        text = self.edit.toPlainText()
        self.status.setText(
            f"{len(text)} characters, {_human_size(len(text.encode('utf-8')))} as UTF-8"
        )

    def value(self) -> str:
        return self.edit.toPlainText()


class ImageEditor(QWidget):
    """An image file with a preview; the value is the decoded image, so core re-encodes it to
    exactly the chosen ``image/*`` type."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = ""
        self.data = b""
        self._image: Image.Image | None = None
        self.preview = QLabel("No image chosen yet.\nChoose a PNG, JPEG, GIF… file.")
        self.preview.setObjectName("imagePreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(90)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.choose_button = QPushButton("Choose image…")
        self.choose_button.setAutoDefault(False)
        self.sample_button = QPushButton("Use sample")
        self.sample_button.setAutoDefault(False)
        self.sample_button.setToolTip("Load the small sample picture shipped with the workbench")
        self.status = _status_label()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.choose_button)
        row.addWidget(self.sample_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self.valid = False
        self.setAcceptDrops(True)
        self.preview.setToolTip("Drop an image file here, or use Choose image…")
        self.choose_button.clicked.connect(self._choose)
        self.sample_button.clicked.connect(self.load_sample)
        if resource_path("samples", "sample.png").is_file():
            self.load_sample()  # one click from a first image message; "Choose image…" for others

    def dragEnterEvent(self, event: Any) -> None:  # Qt override
        if dropped_file(event):
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:  # Qt override
        path = dropped_file(event)
        if path:
            self.load(path)
            event.acceptProposedAction()

    def load_sample(self) -> bool:
        return self.load(str(resource_path("samples", "sample.png")))

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Choose an image to send",
            self.path,
            "Images (*.png *.jpg *.jpeg *.gif *.bmp *.webp *.tif *.tiff);;All files (*)",
        )
        if path:
            self.load(path)

    def load(self, path: str) -> bool:
        """Load and preview ``path``; on failure say why and keep no image."""
        self.path = path
        self.data = b""
        try:
            data = Path(path).read_bytes()
            image = Image.open(io.BytesIO(data))
            image.load()
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            self._image = None
            self.preview.setPixmap(QPixmap())
            self.preview.setText("This file is not an image the workbench can read.")
            self.status.setText(f"Cannot open {Path(path).name}: {exc}")
            self._set_valid(False)
            return False
        self._image = image
        self.data = data
        pixmap = QPixmap()
        pixmap.loadFromData(data)
        if not pixmap.isNull():
            self.preview.setPixmap(
                pixmap.scaled(
                    240,
                    140,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
                if pixmap.width() > 240 or pixmap.height() > 140
                else pixmap
            )
        self.status.setText(
            f"{Path(path).name} · {image.width}×{image.height} {image.format or ''} · {_human_size(len(data))}"
        )
        self._set_valid(True)
        return True

    def _set_valid(self, valid: bool) -> None:
        if valid != self.valid:
            self.valid = valid
            self.validity_changed.emit(valid)

    def value(self) -> Image.Image:
        if self._image is None:
            raise ComposeError("Choose an image file first")
        return self._image

    def file_bytes(self) -> bytes:
        """The chosen file exactly as it is on disk (for ``*/*``: sent unconverted)."""
        if self._image is None:
            raise ComposeError("Choose an image file first")
        return self.data


class BytesEditor(QWidget):
    """Bytes typed as hex or base64, or read from a file."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItem("Hex", "hex")
        self.mode.addItem("Base64", "base64")
        self.mode.addItem("From file", "file")
        self.mode.setToolTip("How the bytes are given")
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("bytesEdit")
        _mono(self.edit)
        self.edit.setTabChangesFocus(True)
        self.file_button = QPushButton("Choose file…")
        self.file_button.setAutoDefault(False)
        self.path = ""
        self._file_data: bytes | None = None
        self.status = _status_label()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.mode)
        row.addWidget(self.file_button)
        row.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addLayout(row)
        self.valid = False
        self.setAcceptDrops(True)
        self.edit.setAcceptDrops(False)  # a dropped file is sent as bytes, not pasted as text
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.edit.textChanged.connect(self.check)
        self.file_button.clicked.connect(self._choose)
        self._mode_changed()

    def current_mode(self) -> str:
        return self.mode.currentData()

    def set_mode(self, mode: str) -> None:
        index = self.mode.findData(mode)
        if index >= 0:
            self.mode.setCurrentIndex(index)

    def _mode_changed(self) -> None:
        mode = self.current_mode()
        self.file_button.setVisible(mode == "file")
        self.edit.setReadOnly(mode == "file")
        self.edit.setPlaceholderText(
            {
                "hex": "de ad be ef 00 01",
                "base64": "3q2+7w==",
                "file": "Choose a file; its bytes are sent as they are",
            }[mode]
        )
        if mode == "file":
            self.edit.setPlainText(self._file_summary())
        self.check()

    def _file_summary(self) -> str:
        if self._file_data is None:
            return ""
        from .hex_dump import hex_dump

        return hex_dump(self._file_data, limit=256)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a file to send as bytes", self.path)
        if path:
            self.load_file(path)

    def dragEnterEvent(self, event: Any) -> None:  # Qt override
        if dropped_file(event):
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:  # Qt override
        path = dropped_file(event)
        if path:
            self.load_file(path)
            event.acceptProposedAction()

    def load_file(self, path: str) -> None:
        self.path = path
        try:
            self._file_data = Path(path).read_bytes()
        except OSError as exc:
            self._file_data = None
            self.status.setText(f"Cannot read {Path(path).name}: {exc.strerror or exc}")
        self.set_mode("file")
        self.edit.setPlainText(self._file_summary())
        self.check()

    def check(self) -> None:
        try:
            data = self.value()
        except ComposeError as exc:
            self.status.setText(str(exc))
            empty = self.current_mode() != "file" and not self.edit.toPlainText().strip()
            self.status.setProperty("state", "" if empty else "error")
            valid = False
        else:
            source = f" from {Path(self.path).name}" if self.current_mode() == "file" else ""
            self.status.setText(f"{_human_size(len(data))}{source}")
            self.status.setProperty("state", "ok")
            valid = True
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        if valid != self.valid:
            self.valid = valid
            self.validity_changed.emit(valid)

    def value(self) -> bytes:
        mode = self.current_mode()
        if mode == "file":
            if self._file_data is None:
                raise ComposeError("Choose a file first")
            return self._file_data
        text = self.edit.toPlainText()
        if not text.strip():
            raise ComposeError(f"Type the bytes as {'hex' if mode == 'hex' else 'base64'}")
        return parse_bytes(text, mode)


class MessageLibrary(QObject):
    """Recent and saved messages, shared by every composer of the window.

    Holds ``workspace.SavedMessage`` rows; the main window copies them to and from the
    ``Workspace`` when it loads and saves. Signal ``changed()`` after any change.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.saved: list[SavedMessage] = []
        self.recent: list[SavedMessage] = []

    def set_messages(self, saved: list[SavedMessage], recent: list[SavedMessage]) -> None:
        self.saved = list(saved)
        self.recent = list(recent)[:RECENT_LIMIT]
        self.changed.emit()

    def remember(self, message: SavedMessage) -> None:
        key = (message.mime, message.body, message.body_format)
        self.recent = [m for m in self.recent if (m.mime, m.body, m.body_format) != key]
        self.recent.insert(0, message)
        del self.recent[RECENT_LIMIT:]
        self.changed.emit()

    def save(self, message: SavedMessage) -> None:
        self.saved = [m for m in self.saved if m.name != message.name] + [message]
        self.changed.emit()

    def delete(self, name: str) -> bool:
        before = len(self.saved)
        self.saved = [m for m in self.saved if m.name != name]
        if len(self.saved) != before:
            self.changed.emit()
            return True
        return False


class Composer(QWidget):
    """Compose a message for the current send type and ask for it to be sent.

    ``Composer(library)``: ``library`` (a ``MessageLibrary``) is shared between composers so
    that a message saved in one can be reused in another; one is made if none is given.

    Signals:
        ``send_requested(object)``: the value to send (see the module table); emitted by
        the Send button and by Ctrl+Enter, only when the editor holds a valid value.
    """

    send_requested = Signal(object)
    #: (button, value): one of the buttons made by ``add_send_button`` was pressed
    extra_send_requested = Signal(object, object)

    def __init__(
        self, library: MessageLibrary | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.send_type = "application/json"
        self.library = library if library is not None else MessageLibrary(self)
        self.json_editor = JsonEditor()
        self.text_editor = TextEditor()
        self.image_editor = ImageEditor()
        self.bytes_editor = BytesEditor()
        self.editors: dict[str, QWidget] = {
            "json": self.json_editor,
            "text": self.text_editor,
            "image": self.image_editor,
            "bytes": self.bytes_editor,
        }
        self.stack = QStackedWidget()
        for editor in self.editors.values():
            self.stack.addWidget(editor)
            editor.validity_changed.connect(self._update_send)  # type: ignore[attr-defined]

        self.any_kind = QComboBox()
        self.any_kind.setObjectName("composeAs")
        self.any_kind.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.any_kind.setToolTip(
            "The send type */* sends frames as they are: choose what to compose"
        )
        for label, kind, _mime in ANY_KINDS:
            self.any_kind.addItem(label, kind)
            self.any_kind.setItemData(
                self.any_kind.count() - 1, ANY_KIND_TIPS[kind], Qt.ItemDataRole.ToolTipRole
            )
        self.any_kind.currentIndexChanged.connect(lambda _index: self.set_send_type(self.send_type))
        self.type_label = QLabel()
        self.type_label.setObjectName("sendTypeLabel")
        self.type_label.setMinimumWidth(60)
        self.type_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.reuse = QComboBox()
        self.reuse.setObjectName("reuseCombo")
        self.reuse.setToolTip("Load a recent (↺) or saved (★) message into the editor")
        self.reuse.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.reuse.setMinimumContentsLength(6)
        self.reuse.setMaximumWidth(260)
        self.save_button = QToolButton()
        self.save_button.setText("Save…")
        self.save_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.saved_menu = QMenu(self.save_button)
        self.saved_menu.aboutToShow.connect(self._fill_saved_menu)
        self.save_button.setMenu(self.saved_menu)
        self.save_button.setToolTip("Keep this message in the saved list (kept in the workspace)")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        self.any_label = QLabel("Compose as")
        self.any_label.setBuddy(self.any_kind)
        self.any_label.setToolTip(self.any_kind.toolTip())
        self.any_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        top.addWidget(self.any_label)
        top.addWidget(self.any_kind)
        top.addWidget(self.type_label, 1)
        top.addStretch(0)
        top.addWidget(self.reuse)
        top.addWidget(self.save_button)

        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip("Send this message (Ctrl+Enter)")
        self.send_button.setAutoDefault(False)
        self.hint = QLabel("Ctrl+Enter sends")
        self.hint.setObjectName("hint")
        self.hint.setMinimumWidth(40)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._extra: dict[QPushButton, bool] = {}
        self.button_row = QHBoxLayout()
        self.button_row.setContentsMargins(0, 0, 0, 0)
        self.button_row.addWidget(self.hint, 1)
        self.button_row.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addLayout(self.button_row)

        self.send_button.clicked.connect(self.request_send)
        self.save_button.clicked.connect(self._save_dialog)
        self.reuse.activated.connect(self._reuse_chosen)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.request_send)
        self.library.changed.connect(self._fill_reuse)
        self._chain_focus()
        self.set_send_type(self.send_type)
        self._fill_reuse()

    def _chain_focus(self) -> None:
        """Tab goes top to bottom: compose-as, reuse, save, the editor's fields, then the
        send buttons (hidden editors are skipped by Qt)."""
        chain: list[QWidget] = [
            self.any_kind,
            self.reuse,
            self.save_button,
            self.json_editor.edit,
            self.json_editor.pretty_button,
            self.text_editor.edit,
            self.image_editor.choose_button,
            self.image_editor.sample_button,
            self.bytes_editor.edit,
            self.bytes_editor.mode,
            self.bytes_editor.file_button,
            *self._extra,
            self.send_button,
        ]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    # -- type --------------------------------------------------------------------------------

    def set_send_type(self, mime: str) -> None:
        """Show the editor for ``mime`` (the socket's ``send_type``)."""
        self.send_type = mime
        anything = editor_kind(mime) == "any"
        self.any_kind.setVisible(anything)
        self.any_label.setVisible(anything)
        kind = self.editor_kind()
        self.stack.setCurrentWidget(self.editors[kind])
        self.type_label.setVisible(not anything)
        if not anything:
            self.type_label.setText(f"as <b>{mime}</b>")
            self.type_label.setToolTip(f"The send type: messages are converted to {mime}")
        self._update_send()

    def editor_kind(self) -> str:
        """The editor in use: the send type's, or the "Compose as" choice for ``*/*``."""
        kind = editor_kind(self.send_type)
        return self.any_kind.currentData() if kind == "any" else kind

    def set_compose_as(self, kind: str) -> None:
        """For ``*/*``: pick the editor ('json', 'text', 'image' or 'bytes')."""
        index = self.any_kind.findData(kind)
        if index >= 0:
            self.any_kind.setCurrentIndex(index)

    def current_editor(self) -> QWidget:
        return self.editors[self.editor_kind()]

    _targets_ok = True

    def _update_send(self, *_: Any) -> None:
        valid = bool(self.current_editor().valid)  # type: ignore[attr-defined]
        self.send_button.setEnabled(valid and self._targets_ok)
        for button, can in self._extra.items():
            button.setEnabled(valid and can)

    def add_send_button(self, text: str, tooltip: str) -> QPushButton:
        """Another way to send (e.g. Broadcast), placed before Send; pressing it emits
        ``extra_send_requested(button, value)``. Enable it with ``set_button_can_send``."""
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.setToolTip(tooltip)
        self.button_row.insertWidget(self.button_row.indexOf(self.send_button), button)
        self._extra[button] = True
        button.clicked.connect(lambda: self._extra_clicked(button))
        self._chain_focus()
        self._update_send()
        return button

    def set_button_can_send(self, button: QPushButton, can: bool) -> None:
        self._extra[button] = can
        self._update_send()

    def _extra_clicked(self, button: QPushButton) -> None:
        value = self.take_value()
        if value is not _NOTHING:
            self.extra_send_requested.emit(button, value)

    def set_can_send(self, can: bool, why: str = "") -> None:
        """Enable/disable sending from outside (e.g. no open socket); ``why`` becomes the tooltip."""
        self._targets_ok = can
        self.send_button.setToolTip("Send this message (Ctrl+Enter)" if can else why)
        self.hint.setText("Ctrl+Enter sends" if can else why)
        self._update_send()

    # -- value and sending ------------------------------------------------------------------

    def value(self) -> Any:
        """The value for the current send type; ``ComposeError`` saying what is wrong."""
        value = self.current_editor().value()  # type: ignore[attr-defined]
        if editor_kind(self.send_type) != "any":
            return value
        kind = self.editor_kind()
        if kind == "json":  # the frame is the JSON text, compact as core would send it
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if kind == "image":
            return self.image_editor.file_bytes()
        return value

    def take_value(self) -> Any:
        """The value to send, remembered as recent; ``_NOTHING`` if the editor is not valid."""
        try:
            value = self.value()
        except ComposeError as exc:
            notifier().error(str(exc))
            return _NOTHING
        self.library.remember(self.draft())
        return value

    def request_send(self) -> None:
        if not self.send_button.isEnabled():
            return
        value = self.take_value()
        if value is not _NOTHING:
            self.send_requested.emit(value)

    # -- drafts, recent and saved -------------------------------------------------------------

    def draft(self, name: str = "") -> SavedMessage:
        """What is in the current editor, as a ``SavedMessage`` (for ``*/*``, its MIME is
        the kind composed: application/json, text/plain, image/*, application/octet-stream)."""
        kind = self.editor_kind()
        mime = self.send_type
        if editor_kind(mime) == "any":
            mime = next(m for _label, k, m in ANY_KINDS if k == kind)
        if kind == "json":
            return SavedMessage(name, mime, self.json_editor.edit.toPlainText(), "text")
        if kind == "text":
            return SavedMessage(name, mime, self.text_editor.edit.toPlainText(), "text")
        if kind == "image":
            return SavedMessage(name, mime, self.image_editor.path, "file")
        mode = self.bytes_editor.current_mode()
        if mode == "file":
            return SavedMessage(name, mime, self.bytes_editor.path, "file")
        return SavedMessage(name, mime, self.bytes_editor.edit.toPlainText(), mode)

    def load_draft(self, message: SavedMessage) -> bool:
        """Put a saved/recent message into the current editor if it fits there; else say why.

        With ``*/*`` every message fits: the editor of the message's own kind is chosen."""
        if editor_kind(self.send_type) == "any":
            wanted = editor_kind(message.mime)
            if message.body_format in ("hex", "base64") or (
                message.body_format == "file" and wanted != "image"
            ):
                wanted = "bytes"
            self.set_compose_as(wanted if wanted in ("json", "text", "image", "bytes") else "text")
        kind = self.editor_kind()
        fmt = message.body_format
        if kind in ("json", "text") and fmt == "text":
            editor = self.json_editor if kind == "json" else self.text_editor
            editor.edit.setPlainText(message.body)
        elif kind == "image" and fmt == "file":
            self.image_editor.load(message.body)
        elif kind == "bytes" and fmt == "file":
            self.bytes_editor.load_file(message.body)
        elif kind == "bytes" and fmt in ("hex", "base64"):
            self.bytes_editor.set_mode(fmt)
            self.bytes_editor.edit.setPlainText(message.body)
        else:
            notifier().error(
                f"That message was made for {message.mime}; this composer sends {self.send_type}"
            )
            return False
        self.current_editor().setFocus()
        return True

    def save_current(self, name: str) -> SavedMessage:
        message = self.draft(name)
        self.library.save(message)
        return message

    def _save_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, "Save message", "Name for this message:")
        if ok and name.strip():
            self.save_current(name.strip())
            notifier().info(f"Saved the message as “{name.strip()}”")

    def delete_saved(self, name: str) -> bool:
        deleted = self.library.delete(name)
        if deleted:
            notifier().info(f"Deleted the saved message “{name}”")
        return deleted

    def _fill_saved_menu(self) -> None:
        self.saved_menu.clear()
        if not self.library.saved:
            self.saved_menu.addAction("No saved messages yet").setEnabled(False)
        for message in self.library.saved:
            action = self.saved_menu.addAction(f"Delete “{message.name}”")
            action.triggered.connect(
                lambda _checked=False, name=message.name: self.delete_saved(name)
            )

    def _fill_reuse(self) -> None:
        self.reuse.clear()
        self.reuse.addItem("Reuse…", None)
        for message in self.library.saved:
            self.reuse.addItem(f"★ {message.name}", message)
        for message in self.library.recent:
            self.reuse.addItem(f"↺ {_summary(message)}", message)
        self.reuse.setEnabled(self.reuse.count() > 1)

    def _reuse_chosen(self, index: int) -> None:
        message = self.reuse.itemData(index)
        if message:
            self.load_draft(message)
        self.reuse.setCurrentIndex(0)


def _summary(message: SavedMessage) -> str:
    if message.body_format == "file":
        return Path(message.body).name or "(no file)"
    text = " ".join(message.body.split())
    return (text[:40] + "…") if len(text) > 40 else (text or "(empty)")
