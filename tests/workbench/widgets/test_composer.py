"""The composer: editors that follow the send type, validation as you type, Ctrl+Enter,
recent and saved messages. Driven through the real widgets with pytest-qt."""

from __future__ import annotations

import base64

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from workbench.engine.compose.drafts import ComposeError, editor_kind, parse_bytes
from workbench.engine.workspace.workspace import SavedMessage
from workbench.qt.message_library import QtMessageLibrary
from workbench.widgets.common.resources import resource_path
from workbench.widgets.compose.composer import Composer


@pytest.fixture
def composer(qtbot, qloop, run):
    widget = Composer()
    run(widget.image_editor.load_sample())  # what it starts reading at once
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    sent: list = []
    widget.send_requested.connect(sent.append)
    widget.sent = sent
    return widget


def test_editor_follows_send_type(composer):
    for mime, kind in [
        ("application/json", "json"),
        ("text/plain", "text"),
        ("text/csv", "text"),
        ("image/png", "image"),
        ("application/octet-stream", "bytes"),
    ]:
        composer.set_send_type(mime)
        assert editor_kind(mime) == kind
        assert composer.stack.currentWidget() is composer.editors[kind]
        assert mime in composer.type_label.text()


def test_json_is_checked_as_you_type(qtbot, composer):
    edit = composer.json_editor.edit
    assert composer.send_button.isEnabled()  # the sample message is valid JSON
    edit.clear()
    assert not composer.send_button.isEnabled()
    assert composer.json_editor.status.property("state") == ""  # empty is not an error
    edit.setFocus()
    qtbot.keyClicks(edit, '{"a": 1,')
    assert "line 1" in composer.json_editor.status.text()
    assert composer.json_editor.status.property("state") == "error"
    assert not composer.send_button.isEnabled()
    qtbot.keyClicks(edit, ' "b": [1, 2]}')
    assert composer.json_editor.status.text() == "Valid JSON: an object with 2 keys"
    assert composer.send_button.isEnabled()
    qtbot.mouseClick(composer.json_editor.pretty_button, Qt.MouseButton.LeftButton)
    assert edit.toPlainText() == '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}'
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    assert composer.sent == [{"a": 1, "b": [1, 2]}]


def test_invalid_json_is_not_sent_even_with_ctrl_enter(qtbot, composer):
    composer.json_editor.edit.clear()
    qtbot.keyClicks(composer.json_editor.edit, "{oops")
    qtbot.keyClick(
        composer.json_editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    assert composer.sent == []
    with pytest.raises(ComposeError, match="line 1, column 2"):
        composer.value()


def test_ctrl_enter_sends_text(qtbot, composer):
    composer.set_send_type("text/plain")
    edit = composer.text_editor.edit
    edit.clear()
    edit.setFocus()
    qtbot.keyClicks(edit, "hello there")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert composer.sent == ["hello there"]
    assert edit.toPlainText() == "hello there"  # no newline was typed


def test_bytes_as_hex_and_base64(qtbot, composer):
    composer.set_send_type("application/octet-stream")
    editor = composer.bytes_editor
    qtbot.keyClicks(editor.edit, "de ad b")
    assert not composer.send_button.isEnabled()
    assert "two digits" in editor.status.text()
    qtbot.keyClicks(editor.edit, "e ef")
    assert editor.status.text() == "4 B"
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    editor.set_mode("base64")
    editor.edit.setPlainText(base64.b64encode(b"\x00\x01hi").decode())
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    assert composer.sent == [b"\xde\xad\xbe\xef", b"\x00\x01hi"]
    assert parse_bytes("0x01, 0x02", "hex") == b"\x01\x02"
    with pytest.raises(ComposeError, match="'g' is not a hex digit"):
        parse_bytes("gg", "hex")


def test_bytes_from_file(qtbot, composer, tmp_path, run):
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(40)))
    composer.set_send_type("application/octet-stream")
    assert run(composer.bytes_editor.load(str(path))) is True
    assert composer.bytes_editor.current_mode() == "file"
    assert composer.bytes_editor.status.text() == "40 B from blob.bin"
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    assert composer.sent == [bytes(range(40))]


def test_image_with_preview(qtbot, composer, tmp_path, run):
    composer.set_send_type("image/png")
    assert composer.image_editor.path.endswith("sample.png")  # the sample is there at first
    qtbot.mouseClick(composer.image_editor.sample_button, Qt.MouseButton.LeftButton)
    assert not composer.send_button.isEnabled()  # until the file is read, off the UI thread
    qtbot.waitUntil(composer.send_button.isEnabled, timeout=5000)
    assert not composer.image_editor.preview.pixmap().isNull()
    assert composer.image_editor.status.text() == "sample.png · 96×64 PNG · 561 B"
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    assert isinstance(composer.sent[0], Image.Image) and composer.sent[0].size == (96, 64)
    bad = tmp_path / "not-an-image.png"
    bad.write_text("hello")
    assert run(composer.image_editor.load(str(bad))) is False
    assert not composer.send_button.isEnabled()
    assert "Cannot open not-an-image.png" in composer.image_editor.status.text()


def test_recent_and_saved_messages_are_shared_and_reused(qtbot, qloop, wait_for):
    library = QtMessageLibrary()
    first, second = Composer(library), Composer(library)
    qtbot.addWidget(first)
    qtbot.addWidget(second)
    first.json_editor.edit.setPlainText('{"n": 1}')
    first.request_send()
    first.save_current("greeting")
    assert [m.body for m in library.engine.recent] == ['{"n": 1}']
    assert library.engine.saved == [
        SavedMessage("greeting", "application/json", '{"n": 1}', "text")
    ]
    assert second.reuse.itemText(1) == "★ greeting"
    assert second.reuse.itemText(2).startswith("↺ ")
    second.reuse.setCurrentIndex(1)
    second.reuse.activated.emit(1)
    assert second.json_editor.edit.toPlainText() == '{"n": 1}'
    assert second.reuse.currentIndex() == 0
    # A saved image does not fit a JSON editor: refused, editor unchanged.
    image = SavedMessage("pic", "image/png", str(resource_path("samples", "sample.png")), "file")
    assert second.load_draft(image) is False
    second.set_send_type("image/png")
    assert second.load_draft(image) is True
    wait_for(second.send_button.isEnabled, what="the image to be read")


def test_set_can_send_blocks_sending(qtbot, composer):
    composer.json_editor.edit.setPlainText("[1]")
    composer.set_can_send(False, "Open the client first")
    assert not composer.send_button.isEnabled()
    assert composer.hint.text() == "Open the client first"
    composer.request_send()
    assert composer.sent == []
    composer.set_can_send(True)
    composer.request_send()
    assert composer.sent == [[1]]


def test_tab_walks_the_composer_top_to_bottom(qtbot, qloop):
    composer = Composer()
    qtbot.addWidget(composer)
    composer.set_send_type("*/*")
    composer.show()
    qtbot.waitExposed(composer)
    composer.any_kind.setFocus()
    order = []
    for _ in range(8):  # bounded
        focused = composer.focusWidget()
        order.append(focused)
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert not composer.reuse.isEnabled()  # nothing to reuse yet: skipped
    assert order[:5] == [
        composer.any_kind,
        composer.save_button,
        composer.json_editor.edit,
        composer.json_editor.pretty_button,
        composer.send_button,
    ]


def test_dropping_a_file_loads_it(qtbot, composer, tmp_path, wait_for):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    def drop(widget, path):
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(
            QPointF(5, 5),
            Qt.DropAction.CopyAction,
            data,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        widget.dropEvent(event)

    picture = tmp_path / "red.png"
    Image.new("RGB", (7, 5), (255, 0, 0)).save(picture)
    composer.set_send_type("image/png")
    drop(composer.image_editor, picture)
    assert composer.image_editor.path == str(picture)
    wait_for(lambda: composer.image_editor.valid, what="the dropped image")
    assert composer.value().size == (7, 5)
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x01\x02\x03")
    composer.set_send_type("application/octet-stream")
    drop(composer.bytes_editor, blob)
    wait_for(lambda: composer.bytes_editor.valid, what="the dropped file")
    assert composer.value() == b"\x01\x02\x03"


def test_saved_messages_can_be_deleted_from_the_save_menu(qtbot, composer):
    composer.save_current("first")
    composer.save_current("second")
    composer.saved_menu.aboutToShow.emit()
    actions = composer.saved_menu.actions()
    assert [a.text() for a in actions] == ["Delete “first”", "Delete “second”"]
    actions[0].trigger()
    assert [m.name for m in composer.library.engine.saved] == ["second"]
    assert [composer.reuse.itemText(i) for i in range(composer.reuse.count())][:2] == [
        "Reuse…",
        "★ second",
    ]


def test_json_that_core_would_not_send_as_typed_is_refused_with_cores_words(composer):
    composer.json_editor.edit.setPlainText('{"x": NaN}')
    assert not composer.send_button.isEnabled()
    assert composer.json_editor.status.text() == "Not valid JSON: NaN is not valid JSON"
    with pytest.raises(ComposeError, match="NaN is not valid JSON"):
        composer.value()
    composer.request_send()
    assert composer.sent == []


def test_any_type_sends_json_as_cores_compact_text(composer):
    composer.set_send_type("*/*")
    composer.set_compose_as("json")
    composer.json_editor.edit.setPlainText('{"é": [1, 2.5], "big": 123456789012345678901}')
    assert composer.value() == '{"é":[1,2.5],"big":123456789012345678901}'


def test_a_file_is_read_off_the_ui_thread(qtbot, composer, tmp_path, run, monkeypatch):
    import threading

    from workbench.engine.compose import drafts

    threads: list[str] = []
    real = drafts.read_bytes

    def spy(path: str) -> bytes:
        threads.append(threading.current_thread().name)
        return real(path)

    monkeypatch.setattr("workbench.widgets.compose.file_editors.read_bytes", spy)
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00" * 10)
    composer.set_send_type("application/octet-stream")
    task = composer.bytes_editor.load(str(blob))
    assert composer.bytes_editor.status.text() == "Reading blob.bin…"
    assert run(task) is True
    assert threads and threads != [threading.main_thread().name]
    missing = run(composer.bytes_editor.load(str(tmp_path / "gone.bin")))
    assert missing is False and "Cannot read gone.bin" in composer.bytes_editor.status.text()
