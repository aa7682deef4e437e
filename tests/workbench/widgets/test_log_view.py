"""The log view: filters, counters, detail pane, autoscroll, clear, export/import round trip."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from shiboken6 import isValid

from workbench.engine.log.jsonl import export_jsonl, import_jsonl
from workbench.engine.log.store import IN, OUT, LogStore
from workbench.qt.log_model import LogModel
from workbench.widgets.common.notify import notifier
from workbench.widgets.log.view import LogView
from workbench.widgets.log.viewer import LogViewerDialog, open_log_viewer


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (255, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def _filled_store(capacity: int = 1000) -> LogStore:
    store = LogStore(capacity=capacity, name="client-1 ws://127.0.0.1:1/")
    store.log_event("open", "connected to ws://127.0.0.1:1/")
    store.add_message(OUT, "application/json", '{"hello": "world", "n": [1, 2]}')
    store.add_message(IN, "text/plain", "pong from the server")
    store.add_message(IN, "image/png", _png())
    store.add_message(OUT, "application/octet-stream", b"\x00\x01\xfe")
    store.log_event("close", "closed with code 4000 (go away)")
    return store


@pytest.fixture
def view(qtbot):
    store = _filled_store()
    model = LogModel(store)
    widget = LogView(model)
    qtbot.addWidget(widget)
    widget.resize(1000, 500)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: model.rowCount() == 6, timeout=2000)
    return widget


def test_the_footer_wraps_the_counters_onto_their_own_line_when_narrow(qtbot, view):
    footer, counters = view.footer, view.counters
    assert footer.lines() == [[0, 1, 2]]  # wide: counters, (hidden) dropped, buttons
    height = footer.height()
    view.search.setText("pong")  # "1 of 6 rows match · ...": longer than the room left
    view.resize(view.minimumSizeHint().width(), 500)
    qtbot.waitUntil(lambda: footer.lines() == [[0, 1], [2]], timeout=2000)
    qtbot.waitUntil(lambda: counters.width() >= counters.sizeHint().width(), timeout=2000)
    assert footer.height() > height  # one line more
    view.search.clear()
    view.resize(1000, 500)
    qtbot.waitUntil(lambda: footer.lines() == [[0, 1, 2]], timeout=2000)


@pytest.fixture
def said(service):
    """What the widgets told the person, as (text, is_error), through the service."""
    messages: list[tuple[str, bool]] = []
    service.info_reported.connect(lambda text: messages.append((text, False)))
    service.error_reported.connect(lambda _context, text: messages.append((text, True)))
    notifier().attach(service)
    yield messages
    notifier().attach(None)


def test_rows_and_counters(view):
    model = view.model
    assert [model.index(r, 4).data() for r in range(6)][1] == '{"hello": "world", "n": [1, 2]}'
    assert model.index(2, 2).data() == "text/plain"
    assert view.counters.text() == "2 received · 2 sent · 2 events"
    assert view.dropped_label.isHidden()
    assert view.empty_hint.isHidden()


def test_text_direction_and_kind_filters(qtbot, view):
    qtbot.keyClicks(view.search, "pong")
    assert view.model.rowCount() == 1
    assert view.model.entry(0).raw == "pong from the server"
    assert view.counters.text().startswith("1 of 6 rows match")
    view.search.clear()
    view.direction.setCurrentIndex(2)  # Sent (out)
    assert [view.model.entry(r).direction for r in range(view.model.rowCount())] == [OUT, OUT]
    view.direction.setCurrentIndex(0)
    view.kind.setCurrentIndex(2)  # Lifecycle
    assert [view.model.entry(r).kind for r in range(view.model.rowCount())] == ["open", "close"]
    qtbot.keyClicks(view.search, "4000")
    assert view.model.rowCount() == 1
    view.kind.setCurrentIndex(1)  # Messages: no message mentions 4000
    assert view.model.rowCount() == 0


def test_detail_pane_picks_the_right_tab(view):
    detail = view.detail
    view.select_row(1)
    assert detail.tabs.currentIndex() == detail.tree_index
    assert detail.tree.topLevelItem(0).text(1) == "{2 keys}"
    assert detail.tree.topLevelItem(0).child(0).text(0) == "hello"
    view.select_row(2)
    assert detail.tabs.currentIndex() == detail.text_index
    assert detail.text.toPlainText() == "pong from the server"
    view.select_row(3)
    assert detail.tabs.currentIndex() == detail.image_index
    assert detail.image.pixmap().size().width() == 4
    view.select_row(4)
    assert detail.tabs.currentIndex() == detail.hex_index
    assert detail.hex.toPlainText().startswith("00000000  00 01 fe")
    view.select_row(5)
    assert "code 4000" in detail.text.toPlainText()
    assert "close" in detail.header.text()


def test_autoscroll_follows_new_rows_and_can_be_paused(qtbot, view):
    store = view.model.store
    for index in range(200):
        store.add_message(IN, "text/plain", f"line {index}")
    qtbot.waitUntil(lambda: view.model.rowCount() == 206, timeout=2000)
    bar = view.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum() > 0, timeout=2000)
    view.autoscroll.setChecked(False)
    bar.setValue(0)
    for index in range(50):
        store.add_message(IN, "text/plain", f"more {index}")
    qtbot.waitUntil(lambda: view.model.rowCount() == 256, timeout=2000)
    assert bar.value() == 0


def test_dropped_counter_at_the_cap(qtbot):
    store = LogStore(capacity=10, name="small")
    model = LogModel(store)
    view = LogView(model)
    qtbot.addWidget(view)
    for index in range(25):
        store.add_message(IN, "text/plain", str(index))
    qtbot.waitUntil(lambda: not view.dropped_label.isHidden(), timeout=2000)
    assert model.rowCount() == 10
    assert view.dropped_label.text() == "15 dropped"
    assert "newest 10 rows and at most 128.0 MiB" in view.dropped_label.toolTip()
    # However long the count, the label never asks for more width (it widened the window).
    assert view.dropped_label.sizePolicy().horizontalPolicy().name == "Ignored"
    assert view.counters.text() == "25 received · 0 sent · 0 events"


def test_clear_keeps_totals(qtbot, view):
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert view.model.rowCount() == 0
    assert not view.empty_hint.isHidden()
    assert view.counters.text() == "2 received · 2 sent · 2 events"


def test_export_import_round_trip(qtbot, view, tmp_path, said, run):
    path = tmp_path / "log.jsonl"
    messages = said
    assert run(view.export_to(path)) == 6
    assert messages[-1] == (f"Exported 6 log rows to {path}", False)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 7  # a header line, then one line per row
    assert json.loads(lines[0])["totals"]["messages_in"] == 2
    assert json.loads(lines[2])["text"] == '{"hello": "world", "n": [1, 2]}'
    imported = import_jsonl(path)
    assert imported.skipped == []
    store = imported.store
    original = view.model.store
    assert [(e.direction, e.kind, e.mime, e.raw, e.detail) for e in store] == [
        (e.direction, e.kind, e.mime, e.raw, e.detail) for e in original
    ]
    dialog = open_log_viewer(path)
    assert isinstance(dialog, LogViewerDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 6, timeout=2000)
    dialog.view.select_row(3)
    assert dialog.view.detail.tabs.currentIndex() == dialog.view.detail.image_index


def test_import_reports_bad_lines(qtbot, tmp_path, said, wait_for):
    path = tmp_path / "mixed.jsonl"
    good = _filled_store()
    export_jsonl(good, path)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("not json\n")
    messages = said
    dialog = open_log_viewer(path)  # on the running loop: streamed
    qtbot.addWidget(dialog)
    wait_for(dialog.import_task.done, what="the import")
    assert len(dialog.model.store) == 6
    assert messages[-1] == (
        "Opened 6 rows from mixed.jsonl; skipped 1 unreadable line "
        "(line 8: Expecting value: line 1 column 1 (char 0))",
        True,
    )
    junk = tmp_path / "junk.jsonl"
    junk.write_text("hello\n")
    refused = open_log_viewer(junk)
    task = refused.import_task
    wait_for(task.done, what="the refusal")
    assert messages[-1][1] is True and "is not a WebSocket Workbench log" in messages[-1][0]
    wait_for(lambda: not isValid(refused), what="the window to close and go")


def test_ctrl_c_copies_the_selected_payload(qtbot, view):
    from PySide6.QtGui import QGuiApplication

    view.select_row(2)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "pong from the server"
    view.select_row(4)
    assert view.copy_selected() == "00 01 fe"


def _big_log(tmp_path, rows: int = 20_000):
    store = LogStore(capacity=rows, name="big")
    for n in range(rows):
        store.add_message(IN, "application/json", f'{{"n": {n}, "pad": "{"x" * 40}"}}')
    path = tmp_path / "big.jsonl"
    export_jsonl(store, path)
    return path


def test_import_streams_into_the_viewer_with_a_progress_bar(qloop, qtbot, wait_for, tmp_path):
    path = _big_log(tmp_path)
    dialog = open_log_viewer(path)
    qtbot.addWidget(dialog)
    assert dialog.import_bar.isVisible() and dialog.cancel_button.isVisible()
    values: list[int] = []
    dialog.progress.valueChanged.connect(values.append)
    task = dialog.import_task
    wait_for(task.done, what="the import")
    assert len(dialog.model.store) == 20_000 and task.result().skipped == []
    assert values == sorted(values) and values[-1] == 1000 and len(values) >= 2  # 2 MB: slices
    assert not dialog.import_bar.isVisible()
    assert "big.jsonl" in dialog.about.text() and "exported" in dialog.about.text()
    wait_for(lambda: dialog.model.rowCount() == 20_000, what="the rows in the view")


def test_cancel_stops_the_import_and_keeps_what_was_read(qloop, qtbot, wait_for, tmp_path):
    path = _big_log(tmp_path)
    dialog = LogViewerDialog(LogStore(name="big (imported)"))
    qtbot.addWidget(dialog)
    dialog.show()
    task = dialog.import_file(path, slice_bytes=8 * 1024)  # ~300 slices
    wait_for(lambda: dialog.progress.value() > 0, what="the first slice")
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    wait_for(task.done, what="the import to stop")
    assert task.cancelled()
    assert 0 < len(dialog.model.store) < 20_000
    assert not dialog.import_bar.isVisible()
    assert "import cancelled after" in dialog.about.text()


def test_closing_the_viewer_frees_its_model_and_store(qloop, qtbot, wait_for, tmp_path):
    import gc
    import weakref

    path = _big_log(tmp_path, rows=50)
    dialog = open_log_viewer(path)
    wait_for(dialog.import_task.done, what="the import")
    refs = [weakref.ref(dialog.model), weakref.ref(dialog.model.store), weakref.ref(dialog)]
    dialog.close()  # WA_DeleteOnClose
    del dialog
    for _ in range(100):
        qtbot.wait(20)
        gc.collect()
        if all(ref() is None for ref in refs):
            break
    assert [ref() is None for ref in refs] == [True, True, True]


def test_export_leaves_out_secret_headers_unless_asked(qtbot, tmp_path):
    store = LogStore(name="c")
    store.log_event(
        "handshake",
        "GET / (request headers)\nHost: 127.0.0.1\nAuthorization: Bearer s3cret\n"
        "cookie: session=abc\n\nHTTP 101 (response headers)\nSet-Cookie: id=42",
    )
    view = LogView(LogModel(store))
    qtbot.addWidget(view)
    redacted, full = tmp_path / "redacted.jsonl", tmp_path / "full.jsonl"
    assert view.export_to(redacted) == 1  # the default: redacted
    assert view.export_to(full, redact=False) == 1
    text = redacted.read_text(encoding="utf-8")
    assert "s3cret" not in text and "session=abc" not in text and "id=42" not in text
    detail = import_jsonl(redacted).store[0].detail
    assert "Authorization: [redacted]" in detail and "cookie: [redacted]" in detail
    assert "Set-Cookie: [redacted]" in detail and "Host: 127.0.0.1" in detail
    assert json.loads(text.splitlines()[0])["redacted"] is True
    assert import_jsonl(full).store[0].detail == store[0].detail
    assert "with secrets" in view.export_secrets_action.text()


def test_import_is_offered_only_where_someone_answers_it(qtbot, view):
    """The view knows no viewer: an importable view's Import button asks whoever made it
    (``import_requested``); a plain view, such as the viewer's own, shows no Import button."""
    assert view.import_button.isHidden()
    importable = LogView(LogModel(_filled_store()), importable=True)
    qtbot.addWidget(importable)
    importable.show()
    qtbot.waitExposed(importable)
    assert importable.import_button.isVisible()
    assert importable.import_button.window() is importable  # not a window of its own
    with qtbot.waitSignal(importable.import_requested, timeout=2000):
        qtbot.mouseClick(importable.import_button, Qt.MouseButton.LeftButton)
