"""A log written to its file as it grows: what the viewer's import reads back, flushed when
asked, secrets redacted, and a file that cannot be written said in words. Message rows
written straight from their payloads are the bytes the generic path writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.engine.log.entry import payload_size
from workbench.engine.log.growing_file import BATCH_BYTES, LogFileWriter
from workbench.engine.log.jsonl import BATCH, LogFileError, import_jsonl
from workbench.engine.log.store import EVENT, HANDSHAKE, IN, MESSAGE, OUT, PREVIEW_CHARS, LogEntry


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


PAYLOADS: list[str | bytes] = [
    "",
    "hello",
    "héllo ✓ 😀",
    "a\nb\r\nc",
    "tab\there",
    "x" * (PREVIEW_CHARS - 1),
    "x" * PREVIEW_CHARS,
    "x" * (PREVIEW_CHARS + 1),
    "ü" * 500,
    "%d %b %% %s",
    '"quoted" \\ back \u2028 \x00\x1f',
    "lone \ud800 surrogate",
    b"",
    b"\x00\xff%d",
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "Ünïcode ✓".encode(),
]


@pytest.mark.parametrize(("mime", "redact"), [("*/*", True), ("text/plain", False)])
def test_message_rows_written_from_their_payloads_are_the_bytes_write_gives(
    tmp_path: Path, mime: str, redact: bool
) -> None:
    detail = "#1 ws://h/chat?token=s3cret → upstream"
    straight = LogFileWriter(tmp_path / "straight.jsonl", "x", redact=redact)
    messages = {way: straight.message_writer(way, mime, detail) for way in (IN, OUT)}
    for i, payload in enumerate(PAYLOADS):
        messages[(IN, OUT)[i % 2]](payload, payload_size(payload))
    straight.close()
    lines = (tmp_path / "straight.jsonl").read_bytes().splitlines(keepends=True)[1:]
    assert len(lines) == len(PAYLOADS) == straight.rows
    generic = LogFileWriter(tmp_path / "generic.jsonl", "x", redact=redact)
    for i, (payload, line) in enumerate(zip(PAYLOADS, lines, strict=True)):
        when = json.loads(line)["time"]
        way = (IN, OUT)[i % 2]
        generic.write(
            (when, way, MESSAGE, mime, payload_size(payload), payload, detail, None, None)
        )
    generic.close()
    assert lines == (tmp_path / "generic.jsonl").read_bytes().splitlines(keepends=True)[1:]
    back = list(import_jsonl(tmp_path / "straight.jsonl").store.rows())
    assert [row[5] for row in back] == PAYLOADS
    assert {row[6] for row in back} == {
        detail.replace("s3cret", "[redacted]") if redact else detail
    }
