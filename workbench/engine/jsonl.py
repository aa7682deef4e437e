"""Export a ``LogStore`` as JSON Lines and import it back for viewing (Qt-free).

Format: UTF-8, one JSON object per line. The first line is a header::

    {"format": "websocket-workbench-log", "version": 1, "name": "...",
     "exported_at": 1764000000.0, "totals": {"messages_in": ..., "dropped": ..., ...}}

then one line per visible entry, oldest first::

    {"time": 1764000000.123, "direction": "in", "kind": "message",
     "mime": "application/json", "size": 13, "preview": "{\\"a\\":1}", "text": "{\\"a\\":1}"}

A text frame's payload is in ``"text"``; a binary frame's (bytes, encoded images) is in
``"base64"``; events have neither and carry ``"detail"`` (close code and reason, handshake
headers, the error). Importing rebuilds a ``LogStore`` whose entries decode their value per
their MIME type exactly as live ones do; its totals are recomputed from the lines (the
header's totals, which include rows dropped before export, are returned separately).

Export streams line by line (a million entries need no extra memory beyond one line).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from .log_store import DEFAULT_CAPACITY, LogEntry, LogStore, Row, row_from_record, row_to_record

try:  # orjson (a core dependency on CPython) is ~5x faster; the stdlib gives the same text
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None  # type: ignore[assignment]


def _dump_line(record: dict[str, Any]) -> str:
    if _orjson is not None:
        try:
            return _orjson.dumps(record).decode("utf-8") + "\n"
        except TypeError:  # e.g. a lone surrogate: the stdlib escapes it (\\udXXX)
            return json.dumps(record) + "\n"
    return json.dumps(record, ensure_ascii=False) + "\n"


def _load_line(line: str) -> Any:
    if _orjson is not None:
        try:
            return _orjson.loads(line)
        except _orjson.JSONDecodeError:
            pass  # the stdlib accepts a few texts orjson refuses; it raises ValueError otherwise
    return json.loads(line)


__all__ = [
    "ImportedLog",
    "LogFileError",
    "export_jsonl",
    "export_jsonl_async",
    "import_jsonl",
    "import_jsonl_async",
    "read_jsonl",
    "write_jsonl",
]

FORMAT = "websocket-workbench-log"
VERSION = 1


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
        self.exported_totals: dict[str, Any] = dict(header.get("totals") or {})
        self.skipped = skipped


def write_jsonl(store: LogStore, stream: TextIO, entries: Iterable[LogEntry] | None = None) -> int:
    """Write the header and every visible entry (or ``entries``) to ``stream``; returns the
    number of entries written."""
    stream.write(_header(store))
    rows: Iterable[Row] = store.rows() if entries is None else (e.as_row() for e in entries)
    count = 0
    batch: list[str] = []
    for row in rows:
        batch.append(_dump_line(row_to_record(row)))
        if len(batch) == BATCH:
            stream.write("".join(batch))
            count += len(batch)
            batch = []
    stream.write("".join(batch))
    return count + len(batch)


def export_jsonl(store: LogStore, path: str | os.PathLike[str]) -> int:
    """Write ``store`` to ``path`` as JSON Lines; returns the number of entries.

    ``LogFileError`` if the file cannot be written."""
    target = Path(path)
    try:
        with target.open("w", encoding="utf-8", newline="\n") as stream:
            return write_jsonl(store, stream)
    except OSError as exc:
        raise LogFileError(f"could not write {target}: {exc.strerror or exc}") from exc


def read_jsonl(
    stream: Iterable[str], capacity: int | None = None, source: str = "the log"
) -> ImportedLog:
    """Read a JSON Lines log from an iterable of lines (see ``import_jsonl``)."""
    lines = iter(stream)
    first = next(lines, "")
    try:
        header = json.loads(first) if first.strip() else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise LogFileError(
            f"{source} is not a WebSocket Workbench log (JSON Lines with a header line)"
        )
    if not isinstance(header.get("version"), int) or header["version"] > VERSION:
        raise LogFileError(
            f"{source} was written by a newer version (format {header.get('version')!r})"
        )
    rows: list[Row] = []
    skipped: list[tuple[int, str]] = []
    _parse_lines(lines, 2, rows, skipped)
    return ImportedLog(_store_of(rows, capacity, header), header, skipped)


def _parse_lines(
    lines: Iterable[str], first_number: int, rows: list[Row], skipped: list[tuple[int, str]]
) -> None:
    for number, line in enumerate(lines, start=first_number):
        if not line.strip():
            continue
        try:
            record = _load_line(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
            rows.append(row_from_record(record))
        except ValueError as exc:
            skipped.append((number, str(exc)))


def _store_of(rows: list[Row], capacity: int | None, header: dict[str, Any]) -> LogStore:
    size = capacity if capacity is not None else max(DEFAULT_CAPACITY, len(rows))
    store = LogStore(max(1, size), str(header.get("name", "")) + " (imported)")
    append = store.append_row
    for row in rows:
        append(row)
    return store


def import_jsonl(path: str | os.PathLike[str], capacity: int | None = None) -> ImportedLog:
    """Read a log exported by ``export_jsonl`` into a new ``LogStore`` (for viewing).

    ``capacity`` defaults to enough rows for the whole file. Lines that are not entries are
    skipped and listed in ``ImportedLog.skipped``; a file that is not such a log raises
    ``LogFileError``."""
    source = Path(path)
    try:
        with source.open("r", encoding="utf-8") as stream:
            return read_jsonl(stream, capacity, str(source))
    except OSError as exc:
        raise LogFileError(f"could not read {source}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise LogFileError(f"{source} is not UTF-8 text ({exc.reason})") from exc


#: Lines written or read between two yields to the loop by the async variants (~10 ms).
BATCH = 2000


def _header(store: LogStore) -> str:
    header = {
        "format": FORMAT,
        "version": VERSION,
        "name": store.name,
        "exported_at": time.time(),
        "totals": store.totals,
    }
    return json.dumps(header, ensure_ascii=False) + "\n"


async def export_jsonl_async(
    store: LogStore,
    path: str | os.PathLike[str],
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
) -> int:
    """``export_jsonl`` that never blocks the UI loop for long: for the log panel.

    Takes a snapshot of the visible rows first (appends during the export are not
    included; the rows are immutable, so the snapshot is cheap), then writes ``batch``
    lines at a time and yields to the loop in between. ``progress(done, total)`` is called
    after each batch. Returns the number of entries; ``LogFileError`` if it cannot write.
    Cancelling it leaves a partial file."""
    rows: list[Row] = list(store.rows())
    header = _header(store)
    target = Path(path)
    try:
        with target.open("w", encoding="utf-8", newline="\n") as stream:
            stream.write(header)
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                stream.write("".join(_dump_line(row_to_record(row)) for row in chunk))
                if progress is not None:
                    progress(start + len(chunk), len(rows))
                await asyncio.sleep(0)
    except OSError as exc:
        raise LogFileError(f"could not write {target}: {exc.strerror or exc}") from exc
    return len(rows)


async def import_jsonl_async(
    path: str | os.PathLike[str],
    capacity: int | None = None,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> ImportedLog:
    """``import_jsonl`` that yields to the loop every ``batch`` lines (``progress(lines)``
    after each batch)."""
    source = Path(path)

    async def lines_of(stream: Iterable[str]) -> list[str]:
        lines: list[str] = []
        for line in stream:
            lines.append(line)
            if len(lines) % batch == 0:
                if progress is not None:
                    progress(len(lines))
                await asyncio.sleep(0)
        return lines

    try:
        with source.open("r", encoding="utf-8") as stream:
            lines = await lines_of(stream)
    except OSError as exc:
        raise LogFileError(f"could not read {source}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise LogFileError(f"{source} is not UTF-8 text ({exc.reason})") from exc
    # Parse in slices so a big file does not hold the loop for seconds.
    if not lines:
        return read_jsonl(lines, capacity, str(source))
    head = read_jsonl(lines[:1], capacity, str(source))  # validates the header
    rows: list[Row] = []
    skipped: list[tuple[int, str]] = []
    for start in range(1, len(lines), batch):
        _parse_lines(lines[start : start + batch], start + 1, rows, skipped)
        await asyncio.sleep(0)
    return ImportedLog(_store_of(rows, capacity, head.header), head.header, skipped)
