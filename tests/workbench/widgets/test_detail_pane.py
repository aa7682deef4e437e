"""The detail pane: one conversion per row, images decoded on a worker as bounded
thumbnails, huge images not decoded at all, base64 of binary payloads."""

from __future__ import annotations

import base64
import io

from PIL import Image

from workbench.engine.compose.image_preview import PIXEL_CAP, THUMBNAIL_SIDE, image_preview
from workbench.engine.log.store import IN, LogEntry, LogStore
from workbench.widgets.log.detail_pane import DetailPane


def _png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 0).save(buffer, format="PNG")
    return buffer.getvalue()


class CountingEntry(LogEntry):
    """A LogEntry that counts how often its payload is converted."""

    __slots__ = ("conversions",)

    def decoded(self):  # type: ignore[override]
        self.conversions += 1
        return super().decoded()


def _entry(mime: str, raw: str | bytes) -> CountingEntry:
    store = LogStore()
    store.add_message(IN, mime, raw)
    entry = CountingEntry.from_row(store.row(0))
    entry.conversions = 0
    return entry


def test_json_is_converted_once(qtbot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    entry = _entry("application/json", '{"a": [1, 2]}')
    pane.show_entry(entry)
    assert entry.conversions == 1
    assert pane.tabs.currentIndex() == pane.tree_index
    assert pane.tree.topLevelItem(0).text(1) == "{1 key}"


def test_an_image_is_decoded_on_the_worker_as_a_thumbnail(qloop, qtbot, wait_for) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    entry = _entry("image/png", _png((3000, 1500)))
    pane.show_entry(entry)
    assert entry.conversions == 0  # no Pillow decode of the value on the UI thread
    assert pane.decodes_started == 1
    assert pane.tabs.currentIndex() == pane.image_index
    assert pane.image_preview is None and "Decoding" in pane.image.text()  # not yet: a worker
    wait_for(lambda: pane.image_preview is not None, what="the thumbnail")
    preview = pane.image_preview
    assert (preview.width, preview.height) == (3000, 1500)
    assert (preview.thumb_width, preview.thumb_height) == (THUMBNAIL_SIDE, THUMBNAIL_SIDE // 2)
    pixmap = pane.image.pixmap()
    assert (pixmap.width(), pixmap.height()) == (THUMBNAIL_SIDE, THUMBNAIL_SIDE // 2)
    assert "3,000×1,500 px" in pane.image.toolTip()


def test_a_result_for_a_row_no_longer_shown_is_dropped(qloop, qtbot, wait_for) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_entry(_entry("image/png", _png((2000, 2000))))
    pane.show_entry(_entry("image/png", _png((40, 20))))
    wait_for(lambda: pane.image_preview is not None, what="the second thumbnail")
    qtbot.wait(50)  # the first result, if it was decoded at all, must not replace it
    assert (pane.image_preview.width, pane.image_preview.height) == (40, 20)


def test_a_huge_image_is_not_decoded() -> None:
    data = _png((8000, 8000), "L")  # 62 KB on the wire, 64 MP
    preview = image_preview(data)
    assert preview is not None and preview.pixels is None
    assert (preview.width, preview.height, preview.format) == (8000, 8000, "PNG")
    assert "8,000×8,000 px (64 MP) is over the preview cap" in preview.note
    assert PIXEL_CAP < 8000 * 8000
    assert image_preview(b"not an image at all") is None


def test_a_huge_image_says_why_in_the_pane(qtbot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_entry(_entry("image/png", _png((8000, 8000), "L")))  # no loop: decodes at once
    assert pane.image.pixmap().isNull()
    assert "over the preview cap of 16 MP: not decoded" in pane.image.text()


def test_binary_has_a_base64_view(qtbot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    payload = bytes(range(256)) * 3
    pane.show_entry(_entry("application/octet-stream", payload))
    assert pane.tabs.isTabEnabled(pane.base64_index)
    assert pane.tabs.tabText(pane.base64_index) == "Base64"
    pane.tabs.setCurrentIndex(pane.base64_index)  # filled when first shown
    shown = pane.base64.toPlainText()
    assert base64.b64decode(shown.replace("\n", "")) == payload
    assert max(len(line) for line in shown.splitlines()) == 76
    pane.show_entry(_entry("text/plain", "just text"))
    assert not pane.tabs.isTabEnabled(pane.base64_index)
