"""A log written to its JSON Lines file while it grows (the headless relay's ``--log``).

The same format as ``jsonl``'s exports, so the window's viewer opens it: a header line, then
one line per row. The header is written first, so its totals are empty (``import_jsonl``
counts the rows itself). Rows are encoded as they come and written in batches of
``jsonl.BATCH`` lines or ``BATCH_BYTES`` bytes, whichever comes first, as bytes: the cost of a
row is about what encoding it costs, and what waits to be written stays under about
``BATCH_BYTES`` plus one row (2,000 rows of 64 KiB messages were 256 MiB with their join).

``message_writer(direction, mime, detail)`` writes the message rows of one connection and
direction straight from their payloads (``message_line.MessageLine``: the same bytes, without
a row or a record dict made for each), the detail redacted once.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

from workbench.engine.private_files import open_private
from workbench.engine.secret_names import redact_text

from .jsonl import BATCH, LogFileError, export_record, header_line
from .store import DETAIL, KIND, MESSAGE, VALUE, Row, row_to_record

try:  # as in jsonl: orjson when it is there
    import orjson as _orjson

    from .message_line import MessageLine
except ImportError:  # pragma: no cover
    _orjson = None  # type: ignore[assignment]
    MessageLine = None  # type: ignore[assignment,misc]

__all__ = ["BATCH_BYTES", "LogFileWriter", "MessageWriter"]

#: Writes one message row of a connection and direction: ``(payload, size)``.
MessageWriter = Callable[[str | bytes, int], None]

#: Encoded bytes that wait for a write at most (plus the row that crossed the line).
BATCH_BYTES: Final = 1024 * 1024
#: Message rows' details kept redacted (a relay's are a marker per connection and direction).
_KEPT_DETAILS: Final = 256


def _dump_bytes(record: dict[str, Any]) -> bytes:
    if _orjson is not None:
        try:
            return _orjson.dumps(record) + b"\n"
        except TypeError:  # e.g. a lone surrogate: the stdlib escapes it
            pass
    return (json.dumps(record) + "\n").encode("ascii")


class LogFileWriter:
    """The file at ``path``, the header written at once, then ``write(row)`` per row.

    ``redact``: as for ``jsonl.export_jsonl`` (Authorization, Cookie... values left out).
    Call ``flush`` where a reader should see what was written; ``close`` flushes and is
    idempotent. ``LogFileError`` says in words why the file cannot be written. Not
    thread-safe: one writer on the loop thread.
    """

    def __init__(self, path: str | os.PathLike[str], name: str, *, redact: bool = True) -> None:
        self.path = Path(path)
        self._redact = redact
        self._lines: list[bytes] = []
        self._pending = 0
        self._details: dict[str, str] = {}  # a message row's detail -> redacted
        self.rows = 0
        try:
            self._stream: IO[bytes] | None = open_private(self.path, "wb")
            self._stream.write(header_line(name, redact, {}).encode("utf-8"))
            self._stream.flush()  # a valid (empty) log from the start
        except OSError as exc:
            raise LogFileError(f"could not write {self.path}: {exc.strerror or exc}") from exc

    def write(self, row: Row) -> None:
        """Append ``row`` (nothing once closed)."""
        if self._stream is None:
            return
        detail = row[DETAIL]
        if self._redact and detail and row[KIND] == MESSAGE:  # export_record's, redacted once
            redacted = self._details.get(detail)
            if redacted is None:
                redacted = redact_text(detail)
                if len(self._details) < _KEPT_DETAILS:
                    self._details[detail] = redacted
            record = row_to_record((*row[:DETAIL], redacted, None, row[VALUE]))
        else:
            record = export_record(row, frozenset() if self._redact else None)
        self._add(_dump_bytes(record))

    def message_writer(self, direction: str, mime: str, detail: str) -> MessageWriter:
        """Appends a message row going ``direction`` (``IN`` / ``OUT``) with ``mime`` and
        ``detail``, timed now, from its ``(payload, size)``: as ``write`` would (nothing
        once closed)."""

        def generic(payload: str | bytes, size: int) -> None:
            self.write((time.time(), direction, MESSAGE, mime, size, payload, detail, None, None))

        if MessageLine is None:  # pragma: no cover - without orjson
            return generic
        shown = redact_text(detail) if self._redact and detail else detail
        encode = MessageLine(direction, mime, shown).line
        add = self._add

        def message(payload: str | bytes, size: int) -> None:
            if self._stream is None:
                return
            line = encode(payload, size)
            if line is None:  # orjson refused it: the stdlib's escapes
                generic(payload, size)
            else:
                add(line)

        return message

    def _add(self, line: bytes) -> None:
        self._lines.append(line)
        self._pending += len(line)
        self.rows += 1
        if len(self._lines) >= BATCH or self._pending >= BATCH_BYTES:
            self._write_lines()

    def flush(self) -> None:
        """Write what is pending and flush the file."""
        if self._stream is None:
            return
        self._write_lines()
        try:
            self._stream.flush()
        except OSError as exc:
            raise LogFileError(f"could not write {self.path}: {exc.strerror or exc}") from exc

    def close(self) -> None:
        if self._stream is None:
            return
        try:
            self.flush()
        finally:
            stream, self._stream = self._stream, None
            stream.close()

    def _write_lines(self) -> None:
        lines, self._lines, self._pending = self._lines, [], 0
        if lines and self._stream is not None:
            try:
                self._stream.write(b"".join(lines))
            except OSError as exc:
                raise LogFileError(f"could not write {self.path}: {exc.strerror or exc}") from exc
