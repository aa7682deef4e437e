"""Export a ``LogStore`` as JSON Lines and import it back for viewing (Qt-free).

Format: UTF-8, one JSON object per line. The first line is a header::

    {"format": "websocket-workbench-log", "version": 1, "name": "...",
     "exported_at": 1764000000.0, "redacted": true,
     "totals": {"messages_in": ..., "dropped": ..., ...}}

then one line per visible entry, oldest first::

    {"time": 1764000000.123, "direction": "in", "kind": "message",
     "mime": "application/json", "size": 13, "preview": "{\\"a\\":1}", "text": "{\\"a\\":1}"}

A text frame's payload is in ``"text"``; a binary frame's (bytes, encoded images) is in
``"base64"``; events have neither and carry ``"detail"`` (close code and reason, handshake
headers, the error). Importing rebuilds a ``LogStore`` whose entries decode their value per
their MIME type exactly as live ones do; its totals are recomputed from the lines (the
header's totals, which include rows dropped before export, are returned separately).

Secrets: unless the caller passes ``redact=False``, every secret value in the rows' text is
written as ``[redacted]`` (``workbench.engine.secret_names.redact_text``): the values of the
secret headers (``Authorization``, ``Cookie``, ``*-Key``, ``*-Token``..., and those marked
secret on the log, ``LogStore.secret_headers``), token- and key-like query parameters, and
subprotocols that carry a token; the header says ``"redacted": true``.

Import never lets another exception out: a file that is not such a log, or whose header
line is malformed (not JSON, nested too deep, ``totals`` that is not an object...), raises
``LogFileError`` naming line 1; an entry line that is not an entry, whatever is wrong with
it, is skipped and listed with its line number and why (``ImportedLog.skipped``).

``growing_file.LogFileWriter`` writes a log that is still growing, a row at a time.
Exports are created readable by their owner only (mode 0600, ``private_files``) and stream
line by line; import reads the file in slices of about ``SLICE_BYTES``
(``LogFileReader``), never the whole file at once. The ``_async`` variants do the file work
on a worker thread, so the UI loop only appends the parsed rows, and can be cancelled.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, Final, TextIO

from workbench.engine.private_files import open_private
from workbench.engine.secret_names import DEFAULT_SECRET_HEADERS, redact_text

from .store import (
    DEFAULT_CAPACITY,
    DETAIL,
    VALUE,
    LogEntry,
    LogStore,
    Row,
    row_from_record,
    row_to_record,
)

try:  # orjson (a core dependency on CPython) is ~5x faster; the stdlib gives the same text
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None  # type: ignore[assignment]

__all__ = [
    "SECRET_HEADERS",
    "ImportedLog",
    "LogFileError",
    "LogFileReader",
    "export_jsonl",
    "export_jsonl_async",
    "export_record",
    "header_line",
    "import_jsonl",
    "import_jsonl_async",
    "redact_headers",
    "write_jsonl",
]

FORMAT = "websocket-workbench-log"
VERSION = 1
#: Lines encoded between two progress reports (and cancel checks) of an async export.
BATCH: Final = 2000
#: Bytes of lines one ``LogFileReader.read_slice`` reads (about 10 ms of parsing).
SLICE_BYTES: Final = 1024 * 1024
#: Rows an imported log keeps (and the byte cap of any log); more go, and are counted.
IMPORT_CAPACITY: Final = 1_000_000
#: Handshake headers whose values an export leaves out unless asked otherwise (``*``: any).
SECRET_HEADERS: Final = DEFAULT_SECRET_HEADERS


class LogFileError(Exception):
    """A log file could not be written or read; the message says why in plain words."""


class ImportedLog:
    """What ``import_jsonl`` returns: ``store`` (a new ``LogStore``), ``header`` (the
    header line as a dict), ``exported_totals`` (the totals at export time) and
    ``skipped`` (lines that were not valid entries, with their line numbers)."""

    def __init__(
        self, store: LogStore, header: dict[str, Any], skipped: list[tuple[int, str]]
    ) -> None:
        self.store = store
        self.header = header
        totals = header.get("totals") or {}  # an object: _check_header made sure
        self.exported_totals: dict[str, int] = {
            str(key): value
            for key, value in totals.items()
            if isinstance(value, int) and not isinstance(value, bool)
        }
        self.skipped = skipped


def redact_headers(text: str, marked: frozenset[str] = frozenset()) -> str:
    """``text`` (a row's detail) with its secret values replaced by ``[redacted]`` (see
    the module docstring; ``marked``: more secret header names, lower-case)."""
    return redact_text(text, marked)


def _dump_line(record: dict[str, Any]) -> str:
    if _orjson is not None:
        try:
            return _orjson.dumps(record).decode("utf-8") + "\n"
        except TypeError:  # e.g. a lone surrogate: the stdlib escapes it (\\udXXX)
            return json.dumps(record) + "\n"
    return json.dumps(record, ensure_ascii=False) + "\n"


def _load_line(line: str | bytes) -> Any:
    if _orjson is not None:
        try:
            return _orjson.loads(line)
        except _orjson.JSONDecodeError:
            pass  # the stdlib accepts a few texts orjson refuses; it raises ValueError otherwise
    return json.loads(line)


def export_record(row: Row, redact: frozenset[str] | None) -> dict[str, Any]:
    """The row's JSON Lines record; ``redact``: None for everything, else the log's marked
    secret headers (its secret values, and the default secrets', are left out)."""
    if redact is not None and row[DETAIL]:  # and the preview made of it
        row = (*row[:DETAIL], redact_text(row[DETAIL], redact), None, row[VALUE])
    return row_to_record(row)


def _redaction(store: LogStore, redact: bool) -> frozenset[str] | None:
    return store.secret_headers if redact else None


def _header(store: LogStore, redact: bool) -> str:
    return header_line(store.name, redact, store.totals)


def header_line(name: str, redact: bool, totals: dict[str, int]) -> str:
    """The header line of a log file named ``name``."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "name": redact_text(name) if redact else name,  # a client's URL
        "exported_at": time.time(),
        "redacted": redact,
        "totals": totals,
    }
    return json.dumps(header, ensure_ascii=False) + "\n"


def _check_header(header: Any, source: str) -> dict[str, Any]:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise LogFileError(
            f"{source} is not a WebSocket Workbench log (JSON Lines with a header line;"
            " line 1 is not one)"
        )
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise LogFileError(
            f"{source} was written by a newer version (format {str(version)[:40]!r} on line 1)"
        )
    if not isinstance(header.get("totals") or {}, dict):
        raise LogFileError(f"{source}: line 1, the header's totals are not an object")
    return header


def _parse_line(line: str | bytes) -> Row:
    record = _load_line(line)
    if not isinstance(record, dict):
        raise ValueError("not an object")
    return row_from_record(record)


# -- export -----------------------------------------------------------------------------------


def write_jsonl(
    store: LogStore,
    stream: TextIO,
    entries: Iterable[LogEntry] | None = None,
    *,
    redact: bool = True,
) -> int:
    """Write the header and every visible entry (or ``entries``) to ``stream``; returns the
    number of entries written. ``redact``: see the module docstring."""
    stream.write(_header(store, redact))
    rows: Iterable[Row] = store.rows() if entries is None else (e.as_row() for e in entries)
    return _write_rows(rows, stream, _redaction(store, redact))


def _write_rows(
    rows: Iterable[Row],
    stream: TextIO,
    redact: frozenset[str] | None,
    batch: int = BATCH,
    after_batch: Callable[[int], None] | None = None,
) -> int:
    count = 0
    lines: list[str] = []
    for row in rows:
        lines.append(_dump_line(export_record(row, redact)))
        if len(lines) == batch:
            stream.write("".join(lines))
            count += len(lines)
            lines = []
            if after_batch is not None:
                after_batch(count)
    stream.write("".join(lines))
    count += len(lines)
    if after_batch is not None and lines:
        after_batch(count)
    return count


def export_jsonl(store: LogStore, path: str | os.PathLike[str], *, redact: bool = True) -> int:
    """Write ``store`` to ``path`` as JSON Lines; returns the number of entries.

    ``LogFileError`` if the file cannot be written."""
    target = Path(path)
    try:
        with open_private(target, "w", encoding="utf-8", newline="\n") as stream:
            return write_jsonl(store, stream, redact=redact)
    except OSError as exc:
        raise LogFileError(f"could not write {target}: {exc.strerror or exc}") from exc


async def export_jsonl_async(
    store: LogStore,
    path: str | os.PathLike[str],
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
    *,
    redact: bool = True,
) -> int:
    """``export_jsonl`` with the encoding and writing on a worker thread: for the log panel.

    Takes a snapshot of the visible rows first (appends during the export are not
    included; the rows are immutable, so the snapshot is cheap). ``progress(done, total)``
    is called on the loop after each ``batch`` lines. Returns the number of entries;
    ``LogFileError`` if it cannot write. Cancelling it stops the writer after its current
    batch and leaves a partial file."""
    loop = asyncio.get_running_loop()
    rows: list[Row] = list(store.rows())
    header = _header(store, redact)
    redaction = _redaction(store, redact)
    target = Path(path)
    cancelled = threading.Event()

    def after_batch(done: int) -> None:
        if cancelled.is_set():
            raise asyncio.CancelledError
        if progress is not None:
            loop.call_soon_threadsafe(progress, done, len(rows))

    def write() -> int:
        with open_private(target, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(header)
            return _write_rows(rows, stream, redaction, batch, after_batch)

    try:
        return await asyncio.to_thread(write)
    except OSError as exc:
        raise LogFileError(f"could not write {target}: {exc.strerror or exc}") from exc
    finally:
        cancelled.set()


# -- import -----------------------------------------------------------------------------------


def _store_of(rows: list[Row], capacity: int | None, header: dict[str, Any]) -> LogStore:
    size = capacity if capacity is not None else max(DEFAULT_CAPACITY, len(rows))
    store = LogStore(max(1, size), imported_name(header))
    append = store.append_row
    for row in rows:
        append(row)
    return store


def imported_name(header: dict[str, Any]) -> str:
    """The name an imported log gets: the exported one, marked as imported."""
    return str(header.get("name", "")) + " (imported)"


class LogFileReader:
    """Reads an exported log slice by slice, for a worker thread (one call at a time).

    ``LogFileReader(path)`` opens the file and checks its header line (``header``);
    ``read_slice()`` parses the next lines of about ``SLICE_BYTES`` and returns
    ``(rows, skipped)``; ``at_end`` says when the file is done, ``done_bytes`` / ``size``
    how far it got. ``close()`` may come from another thread: it waits for a slice being
    read. Errors are ``LogFileError`` with a sentence saying why; a line that is not UTF-8
    or not an entry is skipped (with its number and why), not fatal."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self._stream: IO[bytes] | None = self.path.open("rb")
            self.size = os.fstat(self._stream.fileno()).st_size
            first = self._stream.readline()
        except OSError as exc:
            raise LogFileError(f"could not read {self.path}: {exc.strerror or exc}") from exc
        try:
            header = _load_line(first) if first.strip() else None
        except Exception:  # not JSON, bad UTF-8, nested too deep (RecursionError)...
            header = None
        try:
            self.header = _check_header(header, str(self.path))
        except LogFileError:
            self.close()
            raise
        self.done_bytes = len(first)
        self.at_end = False
        self._line = 1

    def __enter__(self) -> LogFileReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def read_slice(self, max_bytes: int = SLICE_BYTES) -> tuple[list[Row], list[tuple[int, str]]]:
        rows: list[Row] = []
        skipped: list[tuple[int, str]] = []
        with self._lock:
            if self._stream is None:
                self.at_end = True
                return rows, skipped
            try:
                lines = self._stream.readlines(max_bytes)
            except OSError as exc:
                raise LogFileError(f"could not read {self.path}: {exc.strerror or exc}") from exc
            for line in lines:
                self._line += 1
                self.done_bytes += len(line)
                if not line.strip():
                    continue
                try:
                    rows.append(_parse_line(line.decode("utf-8")))
                except UnicodeDecodeError as exc:
                    skipped.append((self._line, f"not UTF-8 text ({exc.reason})"))
                except ValueError as exc:
                    skipped.append((self._line, str(exc)))
                except Exception as exc:  # e.g. RecursionError: a line nested too deep
                    skipped.append((self._line, f"not a log entry ({type(exc).__name__})"))
            if not lines:
                self.at_end = True
        return rows, skipped

    def close(self) -> None:
        with self._lock:
            if self._stream is not None:
                self._stream.close()
                self._stream = None


def import_jsonl(path: str | os.PathLike[str], capacity: int | None = None) -> ImportedLog:
    """Read a log exported by ``export_jsonl`` into a new ``LogStore`` (for viewing).

    ``capacity`` defaults to enough rows for the whole file. Lines that are not entries are
    skipped and listed in ``ImportedLog.skipped``; a file that is not such a log raises
    ``LogFileError``."""
    rows: list[Row] = []
    skipped: list[tuple[int, str]] = []
    with LogFileReader(path) as reader:
        while not reader.at_end:
            more, bad = reader.read_slice()
            rows.extend(more)
            skipped.extend(bad)
    return ImportedLog(_store_of(rows, capacity, reader.header), reader.header, skipped)


async def import_jsonl_async(
    path: str | os.PathLike[str],
    capacity: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    store: LogStore | None = None,
    slice_bytes: int = SLICE_BYTES,
) -> ImportedLog:
    """``import_jsonl`` streaming the file on a worker thread, a slice at a time.

    The rows go into ``store`` as they are read (default: a new one of ``capacity`` rows,
    default ``IMPORT_CAPACITY``), so a view over it fills in while the import runs.
    ``progress(done_bytes, total_bytes)`` is called after each slice. Cancelling it stops
    at the next slice; the store keeps the rows read so far."""
    reader = await asyncio.to_thread(LogFileReader, path)
    if store is None:
        store = LogStore(capacity or IMPORT_CAPACITY, imported_name(reader.header))
    skipped: list[tuple[int, str]] = []
    try:
        while not reader.at_end:
            rows, bad = await asyncio.to_thread(reader.read_slice, slice_bytes)
            append = store.append_row
            for row in rows:
                append(row)
            skipped.extend(bad)
            if progress is not None:
                progress(reader.done_bytes, reader.size)
    finally:
        # Not awaited: a cancelled import must not wait here; close() waits for the slice.
        asyncio.get_running_loop().run_in_executor(None, reader.close)
    return ImportedLog(store, reader.header, skipped)
