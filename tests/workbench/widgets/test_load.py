"""The "Load & rates" tab driven like a person: open N clients from the dialog, watch the
table and the rates plot update, replay an exported log with progress and Cancel; all
against a real loopback server on 127.0.0.1 port 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from workbench.engine.log.jsonl import export_jsonl
from workbench.engine.log.store import MESSAGE, OUT, LogEntry, LogStore
from workbench.qt.clients_table_model import CLIENT_COLUMNS
from workbench.widgets.load.load_panel import LoadPanel
from workbench.widgets.load.rates_plot import FIT

WAIT = 10.0


@pytest.fixture
def server_id(service, run):
    sid = service.engine.add_server({"hostInterface": "127.0.0.1", "port": 0}, name="class")
    assert sid is not None
    assert run(service.engine.start_server(sid)) is True
    assert service.engine.set_auto_reply(sid, "echo")
    return sid


@pytest.fixture
def panel(qtbot, service):
    from workbench.qt.rates_timer import RatesTimer

    widget = LoadPanel(service, rates=RatesTimer(service, interval_ms=100))
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def cell(panel: LoadPanel, row: int, column: str) -> str:
    model = panel.model
    return model.data(model.index(row, CLIENT_COLUMNS.index(column)))


def test_the_empty_tab_says_what_to_do_and_the_dialog_needs_a_server(qtbot, panel):
    assert panel.empty.isVisible() and "Open many clients" in panel.empty.text()
    qtbot.mouseClick(panel.many_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None and not dialog.open_button.isEnabled()
    assert "Add a server first" in dialog.hint.text()
    dialog.reject()
    assert panel.plot.meter_id is None and panel.plot.figures.text() == ""


def test_the_dialog_opens_n_numbered_clients_shown_in_the_table_with_rates(
    qtbot, service, server_id, panel, wait_for
):
    qtbot.mouseClick(panel.many_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog.open_button.isEnabled() and "“bot 1”" not in dialog.hint.text()
    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, "bot")
    dialog.count.setValue(4)
    assert "“bot 1” to “bot 4” to class" in dialog.hint.text()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: dialog.task is not None and dialog.task.done(), WAIT, "the clients open")
    assert dialog.task.result() == len(dialog.client_ids) == 4
    assert [cell(panel, r, "Name") for r in range(4)] == [f"bot {n}" for n in range(1, 5)]
    assert {cell(panel, r, "State") for r in range(4)} == {"open"}
    assert len(service.engine.sockets_of(server_id)) == 4 and not panel.empty.isVisible()

    first = dialog.client_ids[0]
    panel.select_client(first)
    assert panel.plot.meter_id == first and "bot 1" in panel.plot.title.text()
    for n in range(50):
        assert service.engine.send(first, f"m{n}")
    wait_for(lambda: cell(panel, 0, "In") == "50", WAIT, "the echoes are counted")
    in_curve, out_curve = panel.plot.curves
    # The burst may straddle a second boundary: the per-second buckets add up to it.
    wait_for(lambda: sum(out_curve.getData()[1]) == 50, WAIT, "the plot shows the burst")
    wait_for(lambda: sum(in_curve.getData()[1]) == 50, WAIT, "and its echoes")
    plot = panel.plot  # by default the span fits the traffic: a burst just now, 10 s
    assert plot.span_chooser.currentText() == FIT and plot.span == 10
    assert plot.plot.viewRange()[0] == pytest.approx([-10, 0])
    assert len(out_curve.getData()[1]) == 10
    plot.span_chooser.setCurrentIndex(plot.span_chooser.findData(600))  # the person's choice
    assert plot.span_chooser.currentText() == "last 10 minutes" and plot.span == 600
    assert len(out_curve.getData()[1]) == 600 and sum(out_curve.getData()[1]) == 50
    assert plot.plot.viewRange()[0] == pytest.approx([-600, 0])
    plot.span_chooser.setCurrentIndex(0)
    meter = panel.rates.meter(first)
    assert cell(panel, 0, "Out msg/s") == str(meter.rate("messages_out"))
    assert f"out {meter.rate('messages_out')} msg/s" in panel.plot.figures.text()
    assert cell(panel, 1, "Out msg/s") == "0" and cell(panel, 0, "Backlog") == "0"

    panel.source.setCurrentIndex(panel.source.findData(server_id))  # the whole server
    assert panel.plot.meter_id == server_id and "server class" in panel.plot.title.text()
    wait_for(lambda: sum(panel.plot.curves[0].getData()[1]) == 50, WAIT, "the server plot")


def recorded(path: Path, count: int, gap: float) -> Path:
    store = LogStore(10_000, "recorded")
    for n in range(count):
        raw = json.dumps({"n": n})
        store.append_row(
            LogEntry(OUT, MESSAGE, mime="application/json", raw=raw, time=n * gap).as_row()
        )
    export_jsonl(store, path)
    return path


def test_the_replay_dialog_replays_with_progress_and_cancels(
    qtbot, service, server_id, panel, wait_for, tmp_path
):
    client_id = service.engine.add_client_for(server_id, {"numberOfRetries": 0}, "replayer")
    task = service.run(service.engine.open_client(client_id))
    wait_for(task.done, WAIT, "the client opens")
    # The server may see its socket a moment after the client saw the handshake's answer.
    wait_for(lambda: len(service.engine.sockets_of(server_id)) == 1, WAIT, "the server's socket")
    qtbot.mouseClick(panel.replay_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog.target.currentData() == client_id
    assert dialog.target.count() == 2  # the client, and the server's socket of it
    dialog.path.setText(str(recorded(tmp_path / "fast.jsonl", 20, 0.01)))
    dialog.speed.setCurrentIndex(dialog.speed.findText("as fast as possible"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: dialog.task.done(), WAIT, "the replay ends")
    assert (dialog.progress.value(), dialog.progress.maximum()) == (20, 20)
    assert dialog.status.text() == "Done: 20 messages sent."
    wait_for(lambda: service.engine.client(client_id).log.messages_in == 20, WAIT, "the echoes")

    dialog.path.setText(str(recorded(tmp_path / "slow.jsonl", 3, 10.0)))  # 10 s apart
    dialog.speed.setCurrentIndex(dialog.speed.findText("original timing"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: dialog.progress.value() == 1, WAIT, "the first message")
    assert dialog.cancel_button.text() == "&Cancel replay" and not dialog.start_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: dialog.task.done(), WAIT, "the cancel")
    assert dialog.status.text() == "Cancelled after 1 messages."
    assert dialog.cancel_button.text() == "&Close"

    dialog.path.setText(str(tmp_path / "missing.jsonl"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: dialog.task.done(), WAIT, "the failure")
    assert "could not read" in dialog.status.text()
    dialog.reject()
