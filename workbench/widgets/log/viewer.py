"""A window showing a log read back from a JSON Lines file, not tied to any socket.

On the running qasync loop the file is streamed on a worker thread, a slice at a time
(``engine.log.jsonl.import_jsonl_async``): the rows appear as they are read, a progress bar
shows how far it got and **Cancel** stops it (keeping what was read). Without a loop (a bare
test) it reads the file at once.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from workbench.engine.log.jsonl import (
    IMPORT_CAPACITY,
    SLICE_BYTES,
    ImportedLog,
    LogFileError,
    import_jsonl,
    import_jsonl_async,
)
from workbench.engine.log.store import LogStore
from workbench.qt.log_model import LogModel
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.plain_text import plain

from .view import LogView

__all__ = ["LogViewerDialog", "ask_and_open_log", "open_log_viewer"]


def _about(path: Path, imported: ImportedLog) -> str:
    header = imported.header
    when = header.get("exported_at")
    stamp = (
        time.strftime("%Y-%m-%d %H:%M", time.localtime(when))
        if isinstance(when, (int, float))
        else "?"
    )
    totals = imported.exported_totals
    return (
        f"{path.name} — “{header.get('name', '')}”, exported {stamp}: "
        f"{totals.get('messages_in', 0):,} received, {totals.get('messages_out', 0):,} sent, "
        f"{totals.get('dropped', 0):,} dropped before export. Read-only: this log is not tied to a socket."
    )


def _report(path: Path, imported: ImportedLog, what: str = "Opened") -> None:
    rows = len(imported.store)
    skipped = imported.skipped
    if skipped:
        line, why = skipped[0]
        notifier().error(
            f"{what} {rows:,} rows from {path.name}; skipped {len(skipped)} unreadable "
            f"line{'s' if len(skipped) != 1 else ''} (line {line}: {why})"
        )
    else:
        notifier().info(f"{what} {rows:,} rows from {path.name}")


class LogViewerDialog(QDialog):
    """A window showing an imported log. ``about`` is a line saying where it came from.

    ``import_file(path)`` streams a file into the (empty) store with a progress bar and a
    Cancel button and returns the task; closing the window cancels it."""

    def __init__(self, store: LogStore, parent: QWidget | None = None, about: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Log viewer — {store.name}")
        self.resize(1000, 600)
        self.model = LogModel(store)
        self.about = plain(QLabel(about or store.name))  # the file's name and its header's
        self.about.setObjectName("hint")
        self.about.setWordWrap(True)
        self.view = LogView(self.model, self, title=store.name)
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress.setRange(0, 1000)
        self.progress.setFormat("Reading… %p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.setToolTip("Stop reading the file; the rows read so far stay")
        self.import_bar = QWidget()
        bar = QHBoxLayout(self.import_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.cancel_button)
        self.import_bar.hide()
        self.import_task: asyncio.Task[ImportedLog] | None = None
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        self.cancel_button.clicked.connect(self.cancel_import)
        self.finished.connect(self.cancel_import)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.import_bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(close)

    def import_file(
        self, path: str | Path, slice_bytes: int = SLICE_BYTES
    ) -> asyncio.Task[ImportedLog]:
        """Stream ``path`` into this viewer's store (needs the running loop)."""
        source = Path(path)
        self.about.setText(f"Reading {source.name}…")
        self.progress.setValue(0)
        self.import_bar.show()

        def progress(done: int, total: int) -> None:
            if isValid(self):
                self.progress.setValue(done * 1000 // max(total, 1))

        async def read() -> ImportedLog:
            try:
                imported = await import_jsonl_async(
                    source, progress=progress, store=self.model.store, slice_bytes=slice_bytes
                )
            except LogFileError as exc:
                notifier().error(f"Could not open the log: {exc}")
                if isValid(self):
                    self.close()
                raise
            except asyncio.CancelledError:
                if isValid(self):
                    self.import_bar.hide()
                    self.about.setText(
                        f"{source.name}: import cancelled after "
                        f"{len(self.model.store):,} rows. Read-only: this log is not tied to a socket."
                    )
                notifier().info(f"Stopped reading {source.name}")
                raise
            if isValid(self):
                self.import_bar.hide()
                self.about.setText(_about(source, imported))
            _report(source, imported)
            return imported

        self.import_task = asyncio.ensure_future(read())
        self.import_task.add_done_callback(_retrieve)
        return self.import_task

    def cancel_import(self, *_: Any) -> None:
        if self.import_task is not None and not self.import_task.done():
            self.import_task.cancel()


def _retrieve(task: asyncio.Task[ImportedLog]) -> None:
    """Mark a failed or cancelled import's outcome as seen (it was reported already)."""
    if not task.cancelled():
        task.exception()


def open_log_viewer(path: str | Path, parent: QWidget | None = None) -> LogViewerDialog | None:
    """Show ``path`` in a viewer window; errors go to the status bar.

    On the running loop the window opens at once and fills in as the file is streamed
    (``dialog.import_task``); a file that is not a log closes it again. Without a loop it
    reads the file first and returns None if that fails."""
    source = Path(path)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        try:
            imported = import_jsonl(source)
        except LogFileError as exc:
            notifier().error(f"Could not open the log: {exc}")
            return None
        dialog = LogViewerDialog(imported.store, parent, _about(source, imported))
        _report(source, imported)
    else:
        dialog = LogViewerDialog(LogStore(IMPORT_CAPACITY, f"{source.name} (imported)"), parent)
        dialog.import_file(source)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def ask_and_open_log(parent: QWidget | None = None) -> LogViewerDialog | None:
    """Ask for a JSON Lines file and show it in a viewer window (File → Open log file and a
    log's Import button); None when the person cancels or the file cannot be read."""
    path, _ = QFileDialog.getOpenFileName(
        parent,
        "Open a log exported as JSON Lines",
        "",
        "JSON Lines (*.jsonl *.json);;All files (*)",
    )
    return open_log_viewer(path, parent) if path else None
