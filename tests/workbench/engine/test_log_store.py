"""LogStore, LogEntry, LogFilter and the JSON Lines export: pure Python, no Qt, no loop."""

from __future__ import annotations

import io
import json
import sys

import pytest
from PIL import Image

from workbench.engine.log.jsonl import (
    LogFileError,
    export_jsonl,
    import_jsonl,
    write_jsonl,
)
from workbench.engine.log.store import (
    CLOSE,
    DETAIL,
    DIRECTION,
    ERROR,
    EVENT,
    IN,
    KIND,
    MESSAGE,
    MIME,
    OPEN,
    OUT,
    PREVIEW,
    PREVIEW_CHARS,
    RAW,
    SIZE,
    TIME,
    VALUE,
    LogEntry,
    LogFilter,
    LogStore,
    make_preview,
)


def _fill(store: LogStore, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        store.add_message(IN if n % 2 == 0 else OUT, "application/json", json.dumps({"n": n}))


def test_append_index_and_totals() -> None:
    store = LogStore(capacity=10, name="s")
    _fill(store, 4)
    store.log_event(OPEN, "open")
    assert len(store) == 5
    assert [e.value for e in store][:4] == [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}]
    assert store[-1].kind == OPEN and store[-1].direction == EVENT
    assert (store.messages_in, store.messages_out, store.events) == (2, 2, 1)
    assert store.bytes_in == len('{"n": 0}') + len('{"n": 2}')
    assert (store.first_seq, store.end_seq, store.dropped) == (0, 5, 0)
    with pytest.raises(IndexError):
        store[5]


def test_cap_evicts_oldest_and_counts_dropped_while_totals_stay_right() -> None:
    store = LogStore(capacity=10)
    _fill(store, 25)
    assert len(store) == 10
    assert store.dropped == 15
    assert (store.first_seq, store.end_seq) == (15, 25)
    assert [e.value["n"] for e in store] == list(range(15, 25))
    assert store[0].value == {"n": 15} and store[9].value == {"n": 24}
    assert store.get_seq(14) is None and store.get_seq(15).value == {"n": 15}
    assert store.messages_in + store.messages_out == 25
    assert store.bytes_in + store.bytes_out == sum(len(json.dumps({"n": n})) for n in range(25))
    assert [e.value["n"] for e in store.entries(20, 23)] == [20, 21, 22]


def test_clear_is_not_dropped_and_appending_after_clear_works() -> None:
    store = LogStore(capacity=4)
    _fill(store, 6)
    store.clear()
    assert len(store) == 0 and store.cleared == 4 and store.dropped == 2
    _fill(store, 5, start=100)
    assert [e.value["n"] for e in store] == [101, 102, 103, 104]
    assert store.dropped == 3
    assert store.messages_in + store.messages_out == 11


def test_sizes_are_utf8_bytes_and_previews_are_short_single_lines() -> None:
    store = LogStore()
    store.add_message(IN, "text/plain", "é" * 10 + "\nline two\t" + "x" * 500)
    entry = store[-1]
    assert entry.size == 20 + len("\nline two\t") + 500
    assert "\n" not in entry.preview and len(entry.preview) <= PREVIEW_CHARS
    assert entry.preview.startswith("éééééééééé line two ")
    store.add_message(OUT, "application/octet-stream", bytes(range(200)))
    binary = store[-1]
    assert binary.size == 200 and binary.preview.startswith("<200 bytes> 00 01 02")
    assert binary.value == bytes(range(200)) and binary.raw_bytes == bytes(range(200))


def test_value_decodes_lazily_and_falls_back_to_raw() -> None:
    good = LogEntry(IN, MESSAGE, mime="application/json", raw='{"a": [1, 2]}')
    bad = LogEntry(IN, MESSAGE, mime="application/json", raw="not json")
    assert good.value == {"a": [1, 2]} and good.decodes
    assert bad.value == "not json" and not bad.decodes


def test_entries_are_slotted_and_small() -> None:
    entry = LogEntry(IN, MESSAGE, mime="application/json", raw='{"n":1}')
    assert not hasattr(entry, "__dict__")
    assert sys.getsizeof(entry) <= 120


def test_filter_by_text_direction_and_kind() -> None:
    store = LogStore()
    store.add_message(IN, "application/json", '{"say": "Hello"}')
    store.add_message(OUT, "application/json", '{"say": "bye"}')
    store.log_event(CLOSE, "closed with code 4000 (application code): hello again")
    store.log_event(ERROR, "boom")
    assert [e.kind for e in store if LogFilter(text="HELLO").matches(e)] == [MESSAGE, CLOSE]
    assert [e.direction for e in store if LogFilter(directions={OUT}).matches(e)] == [OUT]
    assert [e.kind for e in store if LogFilter(kinds={CLOSE, ERROR}).matches(e)] == [CLOSE, ERROR]
    assert [e.kind for e in store if LogFilter(text="hello", kinds={MESSAGE}).matches(e)] == [
        MESSAGE
    ]
    assert LogFilter().is_empty and not LogFilter(text="x").is_empty


def test_make_preview_of_images_names_the_type() -> None:
    assert make_preview("image/png", b"\x89PNG\r\n\x1a\n" + bytes(50)).startswith(
        "<image/png 58 bytes> 89 50 4e 47"
    )


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_jsonl_round_trip_keeps_every_field_and_binary_payloads(tmp_path) -> None:
    store = LogStore(capacity=100, name="client-1 → ws://127.0.0.1:1/")
    store.log_event(OPEN, "open: connected")
    store.add_message(OUT, "application/json", '{"text":"héllo","n":[1,2]}')
    store.add_message(IN, "text/plain", "line one\nline two")
    store.add_message(IN, "application/octet-stream", bytes(range(256)))
    png = _png_bytes()
    store.add_message(IN, "image/png", png)
    store.log_event(CLOSE, "closed with code 4000 (application code): bye")
    path = tmp_path / "log.jsonl"
    assert export_jsonl(store, path) == 6

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 7
    header = json.loads(lines[0])
    assert header["format"] == "websocket-workbench-log" and header["totals"]["messages_in"] == 3
    assert json.loads(lines[4])["base64"]  # bytes travel as base64

    imported = import_jsonl(path)
    copy = imported.store
    assert imported.skipped == []
    assert [e.to_dict() for e in copy] == [e.to_dict() for e in store]
    assert copy[1].value == {"text": "héllo", "n": [1, 2]}
    assert copy[3].raw == bytes(range(256))
    image = copy[4].value
    assert isinstance(image, Image.Image) and image.size == (3, 2)
    assert copy[4].raw == png and copy[4].size == len(png)
    assert (copy.messages_in, copy.messages_out, copy.events) == (3, 1, 2)
    assert imported.exported_totals["bytes_in"] == store.bytes_in


def test_jsonl_import_refuses_other_files_and_skips_bad_lines(tmp_path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text('{"hello": 1}\n', encoding="utf-8")
    with pytest.raises(LogFileError, match="not a WebSocket Workbench log"):
        import_jsonl(other)
    with pytest.raises(LogFileError, match="could not read"):
        import_jsonl(tmp_path / "missing.jsonl")
    buffer = io.StringIO()
    store = LogStore()
    store.add_message(IN, "text/plain", "ok")
    write_jsonl(store, buffer)
    text = buffer.getvalue() + '{"direction": "sideways", "kind": "message", "time": 1}\nnot json\n'
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(text, encoding="utf-8")
    imported = import_jsonl(mixed)
    assert [e.raw for e in imported.store] == ["ok"]
    assert [number for number, _why in imported.skipped] == [3, 4]


def test_jsonl_import_of_malformed_files_ends_in_log_file_error_or_named_lines(tmp_path) -> None:
    """Before: a nested line raised RecursionError, a header whose totals is not an object
    TypeError or ValueError, and the viewer stayed on "Reading…"."""
    header = '{"format": "websocket-workbench-log", "version": 1, "name": "x"}'
    bad_totals = tmp_path / "totals.jsonl"
    for totals in ("[1, 2]", '"many"', "3"):
        bad_totals.write_text(header[:-1] + f', "totals": {totals}}}\n', encoding="utf-8")
        with pytest.raises(LogFileError, match="line 1, the header's totals are not an object"):
            import_jsonl(bad_totals)
    nested_header = tmp_path / "nested_header.jsonl"
    nested_header.write_text("[" * 1100 + "]" * 1100 + "\n", encoding="utf-8")
    with pytest.raises(LogFileError, match="line 1 is not one"):
        import_jsonl(nested_header)
    lines = tmp_path / "lines.jsonl"
    lines.write_text(
        header
        + "\n"
        + "[" * 1100
        + "]" * 1100
        + "\n"
        + '{"time": 1, "direction": "in", "kind": "message", "size": 1e999, "text": "a"}\n'
        + '{"time": 2, "direction": "in", "kind": "message", "text": "ok"}\n',
        encoding="utf-8",
    )
    imported = import_jsonl(lines)
    assert [entry.raw for entry in imported.store] == ["ok"]
    assert [number for number, _why in imported.skipped] == [2, 3]
    assert all(why.startswith("not ") for _number, why in imported.skipped)


def test_eviction_across_storage_chunks_keeps_order_and_bounded_memory() -> None:
    from workbench.engine.log.store import CHUNK

    store = LogStore(capacity=CHUNK * 2 + 100)
    for n in range(CHUNK * 10 + 7):
        store.add_message(IN, "text/plain", str(n))
        if n % 997 == 0:  # spot-check the newest and oldest rows all along the way
            assert store[-1].raw == str(n)
            assert store[0].raw == str(max(0, n + 1 - store.capacity))
    assert len(store) == store.capacity
    assert [e.raw for e in store] == [
        str(n) for n in range(CHUNK * 10 + 7 - store.capacity, CHUNK * 10 + 7)
    ]
    assert store.dropped == CHUNK * 10 + 7 - store.capacity
    assert store.capacity <= store.held_rows <= store.capacity + CHUNK


def test_a_rows_fields_are_read_by_name() -> None:
    entry = LogEntry(
        OUT, ERROR, mime="text/plain", raw="héllo", detail="why", preview="p", value=[1], time=5.0
    )
    row = entry.as_row()
    fields = (TIME, DIRECTION, KIND, MIME, SIZE, RAW, DETAIL, PREVIEW, VALUE)
    assert [row[field] for field in fields] == [
        5.0,
        OUT,
        ERROR,
        "text/plain",
        6,
        "héllo",
        "why",
        "p",
        [1],
    ]
    assert sorted(fields) == list(range(len(row)))
    store = LogStore()
    store.add_message(IN, "application/json", "[2]")
    stored = store.row(0)
    assert type(stored) is tuple  # exact: a tuple subclass (NamedTuple) stays tracked by the GC
    assert (stored[DIRECTION], stored[KIND], stored[SIZE], stored[RAW]) == (IN, MESSAGE, 3, "[2]")


def test_stored_rows_are_not_tracked_by_the_garbage_collector() -> None:
    import gc

    from workbench.engine.log.store import CHUNK

    store = LogStore()
    gc.collect()
    before = len(gc.get_objects())
    for n in range(CHUNK * 3):
        store.add_message(IN, "application/json", f'{{"n":{n}}}')
    gc.collect()
    gc.collect()  # a chunk is untracked at the collection after its rows were
    assert not gc.is_tracked(store.row(0))
    # 3,072 rows in 3 chunks: only the store's few lists stay tracked, not a row or chunk.
    assert len(gc.get_objects()) - before < 50


def test_async_export_and_import_match_the_sync_ones(qloop, run, tmp_path) -> None:
    from workbench.engine.log.jsonl import export_jsonl_async, import_jsonl_async

    store = LogStore(name="big")
    for n in range(5000):
        store.add_message(IN if n % 3 else OUT, "application/json", f'{{"n":{n}}}')
    store.add_message(IN, "application/octet-stream", b"\x00\xff")
    seen: list[tuple[int, int]] = []
    path = tmp_path / "big.jsonl"
    assert (
        run(export_jsonl_async(store, path, progress=lambda d, t: seen.append((d, t)), batch=1000))
        == 5001
    )
    assert seen[0] == (1000, 5001) and seen[-1] == (5001, 5001) and len(seen) == 6
    imported = run(import_jsonl_async(path, slice_bytes=7000))
    assert [e.to_dict() for e in imported.store] == [e.to_dict() for e in store]
    assert imported.store.name == "big (imported)" and imported.skipped == []
    assert import_jsonl(path).store.messages_in == imported.store.messages_in


def test_pass_through_payloads_are_labelled_by_what_they_look_like() -> None:
    store = LogStore()
    store.add_message(IN, "*/*", ' {"a": 1}')
    store.add_message(IN, "*/*", "plain words")
    store.add_message(IN, "*/*", _png_bytes())
    store.add_message(IN, "*/*", b"\x00\x01")
    store.add_message(IN, "application/json", "{}")
    store.log_event(CLOSE, "closed")
    assert [e.type_label for e in store] == [
        "*/* · JSON text",
        "*/* · text",
        "*/* · PNG image",
        "*/* · binary",
        "application/json",
        "close",
    ]


def test_export_escapes_text_that_is_not_valid_unicode(tmp_path) -> None:
    store = LogStore()
    store.log_event(ERROR, "bad \udc80 surrogate")
    path = tmp_path / "odd.jsonl"
    assert export_jsonl(store, path) == 1
    assert "\\udc80" in path.read_text(encoding="utf-8")
    assert import_jsonl(path).store[0].detail == "bad \udc80 surrogate"


def test_a_small_json_message_costs_the_log_less_than_250_bytes() -> None:
    """The 1,000,000-message log must fit in 500 MB with the rest of the app (~100 MB)."""
    import tracemalloc

    payloads = [f'{{"seq":{n},"kind":"tick","value":{n * 0.5}}}' for n in range(20_000)]
    store = LogStore(capacity=1_000_000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for payload in payloads:
            store.add_message(IN, "application/json", payload)
        per_row = (tracemalloc.get_traced_memory()[0] - before) / len(payloads)
    finally:
        tracemalloc.stop()
    # The payload strings come from the network (made before); this is the log's own cost:
    # the row tuple, its timestamp and the chunk slot (~145 bytes on CPython 3.11).
    assert per_row < 250, per_row


def test_every_engine_module_imports_without_qt() -> None:
    """Every module of ``workbench.engine``, sub-packages included, loads no PySide6 and no
    qasync (``walk_packages``: ``iter_modules`` would not see the feature folders)."""
    import subprocess

    code = (
        "import importlib, pkgutil, sys, workbench.engine as e;"
        "names = [m.name for m in pkgutil.walk_packages(e.__path__, 'workbench.engine.')];"
        "[importlib.import_module(n) for n in names];"
        "assert {'workbench.engine.workbench', 'workbench.engine.log.store',"
        " 'workbench.engine.classroom.feed'} <= set(names);"
        "s = e.log.store.LogStore(); s.add_message('in', 'application/json', '[1]');"
        "assert s[0].value == [1];"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken', 'qasync'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_byte_cap_evicts_the_oldest_and_counts_them() -> None:
    from workbench.engine.log.entry import ROW_OVERHEAD

    big = b"x" * 10_000
    cost = ROW_OVERHEAD + sys.getsizeof(big)  # the memory the row holds
    store = LogStore(capacity=1_000, byte_capacity=cost * 5 + 10)
    for n in range(12):
        store.add_message(IN, "application/octet-stream", bytes([n]) + big[1:])
        assert store.stored_bytes <= store.byte_capacity
    assert len(store) == 5  # the row cap (1,000) never bit: the byte cap did
    assert store.dropped == 7
    assert [e.raw[0] for e in store] == [7, 8, 9, 10, 11]
    assert store.stored_bytes == 5 * cost
    assert store.bytes_in == 12 * len(big) and store.messages_in == 12  # totals stay right
    # Evicted payloads are freed, not only hidden: at most one chunk beyond the cap stays.
    assert store.held_rows * cost <= store.byte_capacity * (1 + 1 / 16) + 2 * cost


def test_a_row_larger_than_the_byte_cap_is_kept_alone() -> None:
    store = LogStore(byte_capacity=1_000)
    store.add_message(IN, "text/plain", "small")
    store.add_message(IN, "text/plain", "y" * 5_000)
    assert [e.raw[:1] for e in store] == ["y"] and store.dropped == 1
    store.add_message(IN, "text/plain", "next")
    assert [e.raw for e in store] == ["next"] and store.dropped == 2


def test_many_megabyte_messages_stay_within_the_byte_cap() -> None:
    mib = b"\0" * (1024 * 1024)
    store = LogStore(byte_capacity=16 * 1024 * 1024)
    for _ in range(200):
        store.add_message(OUT, "application/octet-stream", mib)
    assert len(store) == 15 and store.dropped == 185
    assert store.held_rows <= 17  # 15 visible plus at most one one-MiB-chunk not yet freed
    assert store.bytes_out == 200 * len(mib)


def test_clear_resets_the_stored_bytes() -> None:
    store = LogStore(byte_capacity=100_000)
    store.add_message(IN, "text/plain", "z" * 1000)
    store.clear()
    assert store.stored_bytes == 0 and len(store) == 0 and store.held_rows == 0
    store.add_message(IN, "text/plain", "after")
    assert [e.raw for e in store] == ["after"]
