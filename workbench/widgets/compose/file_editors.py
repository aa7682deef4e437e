"""The composer's file editors: an image file with a preview, and bytes typed as hex or
base64 or read from a file. Files are read (and images decoded) in a worker thread: ``load``
returns the ``asyncio.Task`` doing it, whose result says whether the file could be used."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.compose.drafts import (
    ComposeError,
    ImageFile,
    parse_bytes,
    read_bytes,
    read_image,
)
from workbench.engine.units import format_size
from workbench.widgets.common.fonts import fixed_width
from workbench.widgets.common.hex_dump import hex_dump
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.resources import resource_path
from workbench.widgets.common.wheel_guard import GuardedComboBox

from .text_editors import set_state, status_label

T = TypeVar("T")

__all__ = ["BytesEditor", "ImageEditor", "dropped_file"]

#: The worker threads that read files. Plain Python threads rather than the qasync loop's
#: default executor of QThreads: a QThread reading an image while the window was torn down
#: crashed the interpreter (seen once in about four test runs).
_READERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="file-reader")


async def _in_reader(function: Callable[[str], T], path: str) -> T:
    return await asyncio.get_running_loop().run_in_executor(_READERS, function, path)


def dropped_file(event: Any) -> str | None:
    """The local file path a drag carries (the first one), or None."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            return str(url.toLocalFile())
    return None


class _FileLoader(QWidget):
    """One file read at a time, in a worker thread; a newer load or the widget's end
    cancels the one before (its result is dropped)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        loading: list[asyncio.Task[bool]] = []  # the current load; a list the lambda can hold
        self._loading = loading
        self.setAcceptDrops(True)
        self.destroyed.connect(lambda *_: [task.cancel() for task in loading])

    def _start(self, load: Coroutine[Any, Any, bool]) -> asyncio.Task[bool]:
        for task in self._loading:
            task.cancel()
        self._loading[:] = [asyncio.ensure_future(load)]
        return self._loading[0]

    def dragEnterEvent(self, event: Any) -> None:  # Qt override
        if dropped_file(event):
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:  # Qt override
        path = dropped_file(event)
        if path:
            self.load(path)
            event.acceptProposedAction()

    def load(self, path: str) -> asyncio.Task[bool]:
        raise NotImplementedError


class ImageEditor(_FileLoader):
    """An image file with a preview; the value is the decoded image, so core re-encodes it to
    exactly the chosen ``image/*`` type."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = ""
        self._file: ImageFile | None = None
        self.preview = plain(QLabel("No image chosen yet.\nChoose a PNG, JPEG, GIF… file."))
        self.preview.setObjectName("imagePreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(90)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.choose_button = QPushButton("Choose image…")
        self.choose_button.setAutoDefault(False)
        self.sample_button = QPushButton("Use sample")
        self.sample_button.setAutoDefault(False)
        self.sample_button.setToolTip("Load the small sample picture shipped with the workbench")
        self.status = status_label()
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
        self.preview.setToolTip("Drop an image file here, or use Choose image…")
        self.choose_button.clicked.connect(self._choose)
        self.sample_button.clicked.connect(self.load_sample)
        if resource_path("samples", "sample.png").is_file():
            self.load_sample()  # one click from a first image message; "Choose image…" for others

    def load_sample(self) -> asyncio.Task[bool]:
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

    def load(self, path: str) -> asyncio.Task[bool]:
        """Read, decode and preview ``path`` off the UI thread; on failure say why and keep
        no image. Until it is done, the editor holds no image."""
        self.path = path
        self._file = None
        self._set_valid(False)
        self.status.setText(f"Reading {Path(path).name}…")
        return self._start(self._load(path))

    async def _load(self, path: str) -> bool:
        try:
            file = await _in_reader(read_image, path)
        except ComposeError as exc:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("This file is not an image the workbench can read.")
            self.status.setText(str(exc))
            return False
        self._file = file
        data, width, height = file.preview
        picture = QImage(data, width, height, width * 4, QImage.Format.Format_RGBA8888)
        self.preview.setPixmap(QPixmap.fromImage(picture))
        self.status.setText(file.description)
        self._set_valid(True)
        return True

    def _set_valid(self, valid: bool) -> None:
        if valid != self.valid:
            self.valid = valid
            self.validity_changed.emit(valid)

    def value(self) -> Image.Image:
        if self._file is None:
            raise ComposeError("Choose an image file first")
        return self._file.image

    def file_bytes(self) -> bytes:
        """The chosen file exactly as it is on disk (for ``*/*``: sent unconverted)."""
        if self._file is None:
            raise ComposeError("Choose an image file first")
        return self._file.data


class BytesEditor(_FileLoader):
    """Bytes typed as hex or base64, or read from a file."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = GuardedComboBox()
        self.mode.addItem("Hex", "hex")
        self.mode.addItem("Base64", "base64")
        self.mode.addItem("From file", "file")
        self.mode.setToolTip("How the bytes are given")
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("bytesEdit")
        fixed_width(self.edit)
        self.edit.setTabChangesFocus(True)
        self.file_button = QPushButton("Choose file…")
        self.file_button.setAutoDefault(False)
        self.path = ""
        self._file_data: bytes | None = None
        self._file_problem = ""
        self.status = status_label()
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
        self.edit.setAcceptDrops(False)  # a dropped file is sent as bytes, not pasted as text
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.edit.textChanged.connect(self.check)
        self.file_button.clicked.connect(self._choose)
        self._mode_changed()

    def current_mode(self) -> str:
        return str(self.mode.currentData())

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
        return "" if self._file_data is None else hex_dump(self._file_data, limit=256)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a file to send as bytes", self.path)
        if path:
            self.load(path)

    def load(self, path: str) -> asyncio.Task[bool]:
        """Read ``path`` off the UI thread and send its bytes as they are ("From file")."""
        self.path = path
        self._file_data = None
        self._file_problem = f"Reading {Path(path).name}…"
        self.set_mode("file")
        self.edit.setPlainText("")
        self.check()
        return self._start(self._load(path))

    async def _load(self, path: str) -> bool:
        try:
            self._file_data = await _in_reader(read_bytes, path)
            self._file_problem = ""
        except ComposeError as exc:
            self._file_problem = str(exc)
        self.edit.setPlainText(self._file_summary())
        self.check()
        return self._file_data is not None

    def check(self) -> None:
        try:
            data = self.value()
        except ComposeError as exc:
            self.status.setText(str(exc))
            empty = self.current_mode() != "file" and not self.edit.toPlainText().strip()
            set_state(self.status, "" if empty else "error")
            valid = False
        else:
            source = f" from {Path(self.path).name}" if self.current_mode() == "file" else ""
            self.status.setText(f"{format_size(len(data))}{source}")
            set_state(self.status, "ok")
            valid = True
        if valid != self.valid:
            self.valid = valid
            self.validity_changed.emit(valid)

    def value(self) -> bytes:
        mode = self.current_mode()
        if mode == "file":
            if self._file_data is None:
                raise ComposeError(self._file_problem or "Choose a file first")
            return self._file_data
        text = self.edit.toPlainText()
        if not text.strip():
            raise ComposeError(f"Type the bytes as {'hex' if mode == 'hex' else 'base64'}")
        return parse_bytes(text, mode)
