"""The Scenarios tab driven as a person would, against real loopback servers: a scenario
built by clicking runs and passes; the server changes and the run fails with the diff in
view; rows of a client's log (and of a server-side socket's) become a scenario that runs;
the workspace keeps the scenarios; the YAML and the list follow each other; the keys work.

Every wait is ``qtbot.waitUntil`` with a timeout (``wait_for``); nothing sleeps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt
from PySide6.QtWidgets import QApplication

from tests.workbench.widgets.test_panels import click, open_client_to, start_server
from workbench.qt.scenarios.step_model import COL_STATE, COL_STEP, STEP_RESULT_ROLE
from workbench.widgets.scenarios.tab import ScenariosTab
from workbench.widgets.window.main_window import SERVERS_TAB, MainWindow

WAIT = 10.0


@pytest.fixture
def window(qtbot, service, tmp_path):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def states(tab: ScenariosTab) -> list[str]:
    model = tab.editor.model
    return [str(model.index(row, COL_STATE).data()) for row in range(model.rowCount())]


def steps(tab: ScenariosTab) -> list[str]:
    model = tab.editor.model
    return [str(model.index(row, COL_STEP).data()) for row in range(model.rowCount())]


def run_to_the_end(qtbot, tab: ScenariosTab, wait_for) -> None:
    click(qtbot, tab.run_button)
    assert tab.stop_button.isEnabled() and not tab.run_button.isEnabled()
    wait_for(lambda: tab.run_button.isEnabled(), WAIT, "the run to end")


def echo_server(service, wait_for) -> str:
    """A workbench server on 127.0.0.1 port 0 that echoes (a person's Servers tab)."""
    server_id = service.engine.add_server(
        {"host_interface": "127.0.0.1", "port": 0, "send_type": "*/*", "receive_type": "*/*"},
        "Echo",
    )
    service.engine.set_auto_reply(server_id, "echo")
    service.run(service.engine.start_server(server_id))
    wait_for(lambda: service.engine.server(server_id).state == "listening", WAIT, "listening")
    return server_id


def test_the_empty_tab_says_what_to_do(qtbot, window) -> None:
    tab = window.scenarios
    window.tabs.setCurrentWidget(tab)
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "Scenarios"
    assert tab.stack.currentWidget() is tab.empty
    assert tab.empty.title.text() == "No scenario yet"
    words = tab.empty.text.text().replace("\n", " ")
    assert "New scenario" in words and "Make scenario" in words and ".yaml" in words
    assert not tab.run_button.isEnabled() and not tab.stop_button.isEnabled()
    click(qtbot, tab.empty_new)
    assert tab.stack.currentWidget() is tab.editor
    assert tab.chooser.currentText() == "new scenario *"


def test_built_by_clicking_it_passes_then_the_server_changes_and_the_diff_shows(
    qtbot, window, service, wait_for
) -> None:
    server_id = echo_server(service, wait_for)
    tab = window.scenarios
    window.tabs.setCurrentWidget(tab)
    click(qtbot, tab.empty_new)
    assert tab.target.currentData() == server_id  # aimed at the listening server
    editor, form = tab.editor, tab.editor.form
    assert steps(tab) == ["send: {message: {hello: world}}", "expect: {within: 2s}"]

    # The send: JSON typed into the composer.
    editor.select_step(0)
    form.composer.json_editor.edit.setPlainText('{"type": "hello", "user": "alice"}')
    # The expect: equals that message.
    editor.select_step(1)
    form.expect.matcher.setCurrentIndex(form.expect.matcher.findData("equals"))
    form.expect.matcher_json.edit.setPlainText('{"type": "hello", "user": "alice"}')
    # Add a ping and a close after it, from the Add step menu.
    editor.add_actions["ping"].trigger()
    editor.add_actions["close"].trigger()
    form.close_reason.setText("bye")
    form.close_reason.textEdited.emit("bye")
    assert steps(tab) == [
        "send: {message: {type: hello, user: alice}}",
        "expect: {within: 2s, equals: {type: hello, user: alice}}",
        "ping",
        "close: {code: 1000, reason: bye}",
    ]
    assert editor.yaml.status.text() == "Ready to run: 4 steps"

    run_to_the_end(qtbot, tab, wait_for)
    assert states(tab) == ["✓ passed"] * 5  # the opening at the start, then the four
    assert tab.status.text().startswith("✓ new scenario: passed in ")
    # The run's client is a workbench client, its log holds the conversation.
    (client,) = service.engine.clients.values()
    assert client.name == "new scenario · client" and client.server_id == server_id
    assert [e.raw for e in client.log if e.kind == "message"] == [
        '{"type":"hello","user":"alice"}',
        '{"type":"hello","user":"alice"}',
    ]

    service.engine.set_auto_reply(server_id, "fixed", '{"type": "hello", "user": "bob"}')
    run_to_the_end(qtbot, tab, wait_for)
    assert states(tab) == ["✓ passed", "✓ passed", "✗ failed", "– skipped", "– skipped"]
    assert editor.table.currentIndex().row() == 2  # the failed step is shown
    shown = editor.result.toPlainText()
    assert 'equals {"type":"hello","user":"alice"}' in shown  # expected
    assert '{"type":"hello","user":"bob"}' in shown  # what arrived
    assert '  -  "user": "alice"' in shown and '  +  "user": "bob"' in shown  # the diff
    assert 'equals at $.user: expected "alice", received "bob"' in shown
    assert tab.status.text().startswith("✗ new scenario: failed at step 2 after")


def test_what_the_network_sent_is_shown_as_plain_text(qtbot, window, service, wait_for) -> None:
    server_id = echo_server(service, wait_for)
    service.engine.set_auto_reply(server_id, "fixed", "<b>bold</b><img src=x>")
    tab = window.scenarios
    window.tabs.setCurrentWidget(tab)
    click(qtbot, tab.empty_new)
    tab.editor.yaml.edit.setPlainText(
        "name: plain\nurl: 'ws://127.0.0.1:1/'\nsteps:\n  - send: {text: hi}\n"
        "  - expect_none: {within: 2s}\n"
    )
    tab.editor.yaml.apply_now()
    run_to_the_end(qtbot, tab, wait_for)
    failed = tab.editor.model.index(2, COL_STATE)
    assert failed.data(STEP_RESULT_ROLE).status == "failed"
    assert '"<b>bold</b><img src=x>"' in tab.editor.result.toPlainText()  # as it came
    tooltip = failed.data(Qt.ItemDataRole.ToolTipRole)
    assert "<b>bold" not in tooltip and "&lt;b&gt;bold&lt;/b&gt;&lt;img src=x&gt;" in tooltip
    assert "<img" not in tab.status.toolTip()


def test_rows_of_a_clients_log_become_a_scenario_that_runs(qtbot, window, service, wait_for):
    server_id, server_page = start_server(qtbot, window, wait_for)
    service.engine.set_auto_reply(server_id, "echo")
    client_id, page = open_client_to(qtbot, window, server_page, wait_for)
    composer = page.composer
    store = service.engine.log(client_id)
    composer.json_editor.edit.setPlainText('{"type": "hello", "n": 1}')
    click(qtbot, composer.send_button)
    wait_for(lambda: store.messages_in == 1, WAIT, "the first echo")
    composer.set_compose_as("text")
    composer.text_editor.edit.setPlainText("plain words")
    click(qtbot, composer.send_button)
    wait_for(lambda: store.messages_in == 2, WAIT, "the second echo")
    page.close_code.setValue(4000)
    page.close_reason.setText("bye")
    click(qtbot, page.close_button)
    wait_for(lambda: service.engine.client(client_id).state == "closed", WAIT, "closed")
    view = page.log_view
    wait_for(lambda: view.model.rowCount() == len(store), WAIT, "the log view")
    # Select the rows from the first message to the close, as Shift+click would.
    first = next(r for r in range(view.model.rowCount()) if view.model.entry(r).kind == "message")
    view.table.selectRow(first)
    last = view.model.index(view.model.rowCount() - 1, 0)
    view.table.selectionModel().select(
        QItemSelection(view.model.index(first, 0), last),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert len(view.selected_entries()) == view.model.rowCount() - first
    assert view.scenario_action in view.table.actions()  # on the context menu
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)

    tab = window.scenarios
    assert window.tabs.currentWidget() is tab  # the recording is shown
    assert tab.chooser.currentText() == "recorded from Client 1 *"
    assert tab.target.currentData() == server_id
    assert [step.split(", within: ")[0] for step in steps(tab)] == [
        "send: {message: {type: hello, n: 1}}",
        "expect: {equals: {type: hello, n: 1}",
        "send: {text: plain words}",
        "expect: {text: plain words",
        "close: {code: 4000, reason: bye}",
    ]
    run_to_the_end(qtbot, tab, wait_for)
    assert set(states(tab)) == {"✓ passed"}, tab.editor.result.toPlainText()

    # And from the server-side socket's log: the scenario plays its client.
    window.tabs.setCurrentIndex(SERVERS_TAB)
    socket_id = server_page.sockets.socket_id(0)
    server_page.select_socket(socket_id)
    click(qtbot, server_page.log_button)
    socket_view = server_page.log_views[socket_id]
    wait_for(lambda: socket_view.model.rowCount() > 0, WAIT, "the socket's log")
    socket_view.table.clearSelection()
    socket_view.scenario_action.trigger()  # nothing selected: the whole log
    assert window.tabs.currentWidget() is tab
    assert tab.chooser.currentText().startswith("recorded from Server 1 ← 127.0.0.1:")
    run_to_the_end(qtbot, tab, wait_for)
    assert set(states(tab)) == {"✓ passed"}, tab.editor.result.toPlainText()
    # The server's own log (its lifecycle) makes no scenario.
    assert server_page.log_views[server_page.server_id].table.actions() == []


def test_scenarios_are_kept_in_the_workspace(qtbot, service, tmp_path, wait_for) -> None:
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    path = tmp_path / "workspace.json"
    first = MainWindow(service, settings=settings, workspace_path=path)
    qtbot.addWidget(first)
    server_id = echo_server(service, wait_for)
    click(qtbot, first.scenarios.empty_new)
    first.scenarios.editor.name_edit.setText("kept")
    first.scenarios.editor.name_edit.textEdited.emit("kept")
    first.scenarios.editor.add_actions["ping"].trigger()
    text = first.scenarios.editor.text()
    assert "name: kept" in text and "  - ping" in text
    saved = first.workspace_files.save()
    wait_for(lambda: saved.done(), WAIT, "the save")  # type: ignore[union-attr]
    assert saved.result()  # type: ignore[union-attr]

    second = MainWindow(service, settings=settings, workspace_path=path)
    qtbot.addWidget(second)
    wait_for(
        lambda: server_id not in service.engine.servers and second.scenarios.doc_id,
        WAIT,
        "the workspace to load",
    )
    tab = second.scenarios
    assert tab.editor.text() == text
    assert tab.chooser.currentText() == "kept *"
    new_server = next(h.id for h in service.engine.servers.values() if h.name == "Echo")
    assert new_server != server_id and tab.target.currentData() == new_server


def test_the_yaml_and_the_list_follow_each_other(qtbot, window) -> None:
    tab = window.scenarios
    click(qtbot, tab.empty_new)
    editor = tab.editor
    editor.select_step(1)
    editor.add_actions["sleep"].trigger()
    assert "  - sleep: 100ms" in editor.yaml.text()
    assert editor.table.currentIndex().row() == 2  # the new step is selected
    click(qtbot, editor.up_button)
    assert editor.yaml.text().splitlines()[3:6] == [
        "  - send: {message: {hello: world}}",
        "  - sleep: 100ms",
        "  - expect: {within: 2s}",
    ]
    before = steps(tab)
    # Typed YAML that is broken: its line and column are said, the list stays.
    editor.yaml.edit.setPlainText(editor.yaml.text().replace("{within: 2s}", "{within: 2s"))
    qtbot.waitUntil(lambda: editor.yaml.status.property("state") == "error", timeout=3000)
    assert editor.yaml.status.text().startswith("line 7, column 1: not valid YAML")
    assert "the list keeps the last steps" in editor.yaml.status.text()
    assert steps(tab) == before
    click(qtbot, editor.yaml.go_button)
    assert editor.yaml.edit.textCursor().blockNumber() == 6
    # Typed YAML that reads but cannot run: the list follows, the problem has its place.
    editor.yaml.edit.setPlainText(
        "name: typed\nurl: 'ws://127.0.0.1:1/'\nsteps:\n  - ping\n  - sleep: 300\n"
    )
    editor.yaml.apply_now()  # as Ctrl+Enter does
    assert steps(tab) == ["ping", "sleep: 300"]
    assert editor.yaml.status.text().startswith("line 5, column 12: sleep: 300 has no unit")
    assert tab.chooser.currentText() == "typed *"
    assert editor.name_edit.text() == "typed"
    # The form writes the YAML back.
    editor.select_step(1)
    editor.form.duration.setText("300ms")
    editor.form.duration.textEdited.emit("300ms")
    assert "  - sleep: 300ms" in editor.yaml.text()
    assert editor.yaml.status.text() == "Ready to run: 2 steps"


def test_a_step_of_no_known_kind_is_said_in_the_form(qtbot, window) -> None:
    tab = window.scenarios
    click(qtbot, tab.empty_new)
    editor = tab.editor
    editor.yaml.edit.setPlainText(
        "name: typo\nurl: 'ws://127.0.0.1:1/'\nsteps:\n"
        "  - sned: {message: 1}\n  - {ping: null, close: null}\n  - ping\n"
    )
    editor.yaml.apply_now()
    assert editor.yaml.status.property("state") == "error"
    editor.select_step(0)
    assert editor.form.title.text().startswith("Step 1: 'sned' is not a step kind (one of open,")
    assert editor.form.title.text().endswith("correct it in the YAML.")
    assert editor.form.pages.isHidden()
    editor.select_step(1)
    assert editor.form.title.text().startswith("Step 2: it is not one step kind (one of ")
    editor.select_step(2)
    assert editor.form.title.text() == "Step 3 · ping" and not editor.form.pages.isHidden()


def test_an_equals_becomes_a_match_on_the_ticked_keys(qtbot, window) -> None:
    tab = window.scenarios
    click(qtbot, tab.empty_new)
    editor, form = tab.editor, tab.editor.form
    editor.yaml.edit.setPlainText(
        "url: 'ws://127.0.0.1:1/'\nsteps:\n"
        "  - expect: {equals: {type: said, text: hi, at: 1712}, within: 600ms}\n"
    )
    editor.yaml.apply_now()
    editor.select_step(0)
    assert [form.expect.keys.item(i).text() for i in range(form.expect.keys.count())] == [
        "type",
        "text",
        "at",
    ]
    form.expect.keys.item(2).setCheckState(Qt.CheckState.Unchecked)
    click(qtbot, form.expect.match_button)
    assert "  - expect: {match: {type: said, text: hi}, within: 600ms}" in editor.yaml.text()
    assert form.expect.matcher.currentData() == "match"


def test_the_keyboard_path(qtbot, window, service, wait_for) -> None:
    echo_server(service, wait_for)
    tab = window.scenarios
    window.tabs.setCurrentWidget(tab)
    click(qtbot, tab.empty_new)
    editor = tab.editor
    # Tab goes name → URL → the step list → its buttons → the YAML.
    order = [editor.name_edit]
    widget = editor.name_edit
    for _ in range(8):
        widget = widget.nextInFocusChain()
        while not widget.isVisible() or widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            widget = widget.nextInFocusChain()
        order.append(widget)
    assert order[:3] == [editor.name_edit, editor.url_edit, editor.table]
    assert editor.add_button in order and editor.yaml.edit in order
    assert order.index(editor.add_button) < order.index(editor.yaml.edit)

    editor.table.setFocus()
    editor.select_step(0)
    qtbot.keyClick(editor.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(editor.draft.steps) == 3
    qtbot.keyClick(editor.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert editor.selected_index() == 2
    qtbot.keyClick(editor.table, Qt.Key.Key_Delete)
    assert [editor.draft.kind(i) for i in range(2)] == ["send", "expect"]
    editor.select_step(0)
    qtbot.keyClick(editor.table, Qt.Key.Key_Return)  # Enter edits the step: its message
    assert QApplication.focusWidget() is editor.form.composer.json_editor.edit
    # Ctrl+Enter in the YAML reads it at once (no pause).
    editor.yaml.edit.setPlainText(editor.yaml.text().replace("hello: world", "hi: there"))
    editor.yaml.edit.setFocus()
    qtbot.keyClick(editor.yaml.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert steps(tab)[0] == "send: {message: {hi: there}}"
    # F5 runs the scenario shown, Shift+F5 stops it.
    # An expect that nothing matches (the echo must not end it), to stop while it waits.
    editor.yaml.edit.setPlainText(
        editor.yaml.text().replace("{within: 2s}", "{text: never sent, within: 20s}")
    )
    editor.yaml.apply_now()
    window.start_action.trigger()
    assert tab.stop_button.isEnabled()
    wait_for(lambda: "running…" in states(tab)[2:], WAIT, "the expect to wait")
    window.stop_action.trigger()
    wait_for(lambda: tab.run_button.isEnabled(), WAIT, "the run to stop")
    assert states(tab) == ["✓ passed", "✓ passed", "■ stopped"]


def test_saved_to_a_file_and_opened_again(qtbot, window, tmp_path: Path, wait_for) -> None:
    tab = window.scenarios
    click(qtbot, tab.empty_new)
    target = tmp_path / "check.yaml"
    saving = tab.save_to(target)
    wait_for(saving.done, WAIT, "the save")
    assert target.read_text(encoding="utf-8") == tab.editor.text()
    assert tab.chooser.currentText() == "new scenario"  # saved: no star
    click(qtbot, tab.remove_button)
    assert tab.stack.currentWidget() is tab.empty
    opening = tab.open_file(target)
    wait_for(opening.done, WAIT, "the file to open")
    assert tab.chooser.currentText() == "new scenario" and tab.editor.text() == target.read_text()


def test_the_tab_fits_1024_by_768_and_1280_by_800(qtbot, window, wait_for) -> None:
    tab = window.scenarios
    window.tabs.setCurrentWidget(tab)
    click(qtbot, tab.empty_new)
    tab.editor.select_step(1)  # the expect form, its tallest
    tab.editor.form.expect.matcher.setCurrentIndex(
        tab.editor.form.expect.matcher.findData("equals")
    )
    tab.show_status("✗ " + "a long failure message " * 20)
    for width, height in ((1024, 768), (1280, 800)):
        hint = window.minimumSizeHint()
        assert hint.width() <= width and hint.height() <= height, hint
        window.resize(width, height)
        wait_for(lambda w=width: window.width() == w, WAIT, "the resize")
        for button in (tab.run_button, tab.stop_button, tab.editor.remove_button):
            corner = button.mapTo(window, button.rect().bottomRight())
            assert button.isVisible() and corner.x() <= width and corner.y() <= height


def test_the_type_an_expect_wants_comes_from_the_mime_chooser(qtbot, window) -> None:
    tab = window.scenarios
    click(qtbot, tab.empty_new)
    tab.editor.select_step(1)
    chooser = tab.editor.form.expect.mime
    assert chooser.mime_type() == "" and chooser.findText("application/json") >= 0
    chooser.setCurrentIndex(chooser.findText("text/plain"))
    chooser.activated.emit(chooser.currentIndex())
    assert "  - expect: {within: 2s, type: text/plain}" in tab.editor.yaml.text()
    tab.editor.select_step(0)
    tab.editor.select_step(1)  # read back from the step
    assert chooser.mime_type() == "text/plain"
