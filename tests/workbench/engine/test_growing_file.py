"""A log written to its file as it grows: what the viewer's import reads back, flushed when
asked, secrets redacted, and a file that cannot be written said in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine.log.growing_file import BATCH_BYTES, LogFileWriter
from workbench.engine.log.jsonl import BATCH, LogFileError, import_jsonl
from workbench.engine.log.store import EVENT, HANDSHAKE, IN, OUT, LogEntry


def test_rows_written_as_they_come_are_read_back_by_the_viewers_import(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    writer = LogFileWriter(path, "live log")
    rows = [
        LogEntry(EVENT, HANDSHAKE, detail="GET / (request headers)\nCookie: a=1\nX-A: b").as_row(),
        LogEntry(OUT, "message", mime="*/*", raw="héllo", detail="#1 client → upstream").as_row(),
        LogEntry(IN, "message", mime="*/*", raw=b"\x00\xff").as_row(),
        LogEntry(IN, "message", mime="*/*", raw="lone \ud800 surrogate").as_row(),
    ]
    for row in rows:
        writer.write(row)
    assert path.read_text().count("\n") == 1  # the header only: rows wait for a flush
    writer.flush()
    imported = import_jsonl(path)
    assert imported.header["name"] == "live log" and imported.header["redacted"] is True
    assert imported.skipped == []
    back = list(imported.store.rows())
    assert [(r[1], r[2], r[5]) for r in back[1:]] == [(r[1], r[2], r[5]) for r in rows[1:]]
    assert back[1][6] == "#1 client → upstream"
    assert back[0][6] == "GET / (request headers)\nCookie: [redacted]\nX-A: b"
    writer.close()
    writer.close()
    writer.write(rows[1])  # nothing once closed
    assert writer.rows == 4 and len(import_jsonl(path).store) == 4


def test_a_full_batch_is_written_without_a_flush(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    writer = LogFileWriter(path, "batch", redact=False)
    row = LogEntry(OUT, "message", mime="*/*", raw="x").as_row()
    for _ in range(BATCH):
        writer.write(row)
    assert path.read_text().count("\n") == 1 + BATCH
    writer.close()


def test_large_rows_are_written_once_a_batch_holds_batch_bytes(tmp_path: Path) -> None:
    path = tmp_path / "large.jsonl"
    writer = LogFileWriter(path, "large", redact=False)
    row = LogEntry(OUT, "message", mime="*/*", raw="x" * 65536).as_row()
    header = path.stat().st_size
    for _ in range(BATCH):  # bounded: without the byte cap, nothing is written before BATCH
        writer.write(row)
        if path.stat().st_size > header:
            break
    count = writer.rows
    lines = path.read_bytes().splitlines(keepends=True)[1:]
    assert len(lines) == count < 20  # written long before BATCH rows
    written = sum(map(len, lines))
    assert written - len(lines[-1]) < BATCH_BYTES <= written  # the row that crossed the cap
    writer.close()
    assert len(import_jsonl(path).store) == count


def test_message_rows_details_are_redacted_every_time(tmp_path: Path) -> None:
    path = tmp_path / "details.jsonl"
    writer = LogFileWriter(path, "details")
    detail = "#1 ws://host/chat?token=s3cret&room=1"
    rows = [
        LogEntry(OUT, "message", mime="*/*", raw=f"m{i}", detail=detail).as_row() for i in range(3)
    ]
    for row in rows:  # the same detail: redacted once, written redacted each time
        writer.write(row)
    writer.close()
    back = [row[6] for row in import_jsonl(path).store.rows()]
    assert back == ["#1 ws://host/chat?token=[redacted]&room=1"] * 3


def test_a_file_that_cannot_be_written_says_why(tmp_path: Path) -> None:
    with pytest.raises(LogFileError, match=r"could not write .*nowhere.*No such file"):
        LogFileWriter(tmp_path / "nowhere" / "x.jsonl", "x")
