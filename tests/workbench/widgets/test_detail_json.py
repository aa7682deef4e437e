"""The detail pane reads JSON with core's codec: a pass-through text frame that core would not
decode as JSON (NaN) is shown as text, not as a tree."""

from __future__ import annotations

from workbench.engine.log.store import IN, LogStore
from workbench.widgets.log.detail_pane import DetailPane


def test_pass_through_text_is_a_json_tree_only_when_core_reads_it(qtbot) -> None:
    store = LogStore()
    store.add_message(IN, "*/*", '{"x": 1, "y": [true]}')
    store.add_message(IN, "*/*", '{"x": NaN}')
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_entry(store[0])
    assert pane.tabs.currentIndex() == pane.tree_index
    assert pane.tree.topLevelItem(0).text(1) == "{2 keys}"
    pane.show_entry(store[1])
    assert pane.tabs.currentIndex() == pane.text_index
    assert not pane.tabs.isTabEnabled(pane.tree_index)
    assert pane.text.toPlainText() == '{"x": NaN}'
