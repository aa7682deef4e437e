"""``python -m workbench --tour DIR`` run as a person would (a subprocess, offscreen): it
exits 0 and leaves one real picture per view, of the tour window's size; the rates picture
has a curve that rises. In the test process, what the views held when their pictures were
taken, as the README's captions promise: the Accept computation and the negotiation whole
in the handshake picture, every frame and every decoded field in the frames picture, the
fault's rows, the burst's rates on an axis that fits them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from PySide6.QtWidgets import QScrollArea

from workbench.widgets.window.tour import BURST, DROPPED, STEPS, TOUR_SIZE, TourStep

#: The rates plot's pen for messages out (``widgets.load.rates_plot``), drawn without antialiasing.
OUT_PEN = (0xEA, 0x58, 0x0C)

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = [
    "log.png",
    "frames.png",
    "handshake.png",
    "conversation.png",
    "classroom.png",
    "faults.png",
    "rates.png",
    "scenario.png",
    "relay.png",
    "load.png",
]


def run_tour(directory: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        "WEBSOCKET_WORKBENCH_CONFIG_DIR": str(config),
    }
    return subprocess.run(
        [sys.executable, "-m", "workbench", "--tour", str(directory)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_tour_saves_a_picture_of_each_view(tmp_path: Path) -> None:
    assert [step.file_name for step in STEPS] == EXPECTED
    out = tmp_path / "pictures"
    result = run_tour(out, tmp_path / "config")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED)
    assert result.stdout.split() == [str(out / name) for name in EXPECTED]
    for name in EXPECTED:
        with Image.open(out / name) as image:
            assert image.size == TOUR_SIZE, name
            stat = ImageStat.Stat(image.convert("L"))
            assert stat.stddev[0] > 20, f"{name} looks blank (stddev {stat.stddev[0]:.1f})"
    with Image.open(out / "rates.png") as image:
        rows = pen_rows(image.convert("RGB"), OUT_PEN)
    # The legend's line and a flat line at 0 take a few rows; the burst's curve rises.
    assert rows > 60, f"the rates plot has no curve (out pen on {rows} rows)"
    # Its own scratch settings: nothing of the tour is left in the person's config folder.
    assert not (tmp_path / "config" / "workspace.json").exists()
    assert not (tmp_path / "config" / "window.ini").exists()


def test_a_tour_that_cannot_write_its_pictures_exits_1_with_the_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_tour(blocker, tmp_path / "config")
    assert result.returncode == 1
    assert "the tour failed" in result.stderr and "a file" in result.stderr


def pen_rows(image: Image.Image, colour: tuple[int, int, int]) -> int:
    """On how many pixel rows of ``image`` the exact ``colour`` appears."""
    width, height = image.size
    pixels = image.load()
    return sum(any(pixels[x, y] == colour for x in range(0, width, 1)) for y in range(height))


def test_the_faults_and_rates_pictures_show_the_fault_and_the_burst(
    qtbot, service, run, tmp_path: Path
) -> None:
    """Runs the tour in this process and looks at the views as each picture is taken."""
    from PySide6.QtCore import QSettings

    from workbench.engine.log.store import FAULT
    from workbench.qt.classroom_feed_model import COL_TEXT
    from workbench.qt.scenarios.step_model import COL_STATE
    from workbench.widgets.window.main_window import MainWindow
    from workbench.widgets.window.tour import run_tour as tour_in

    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        service, settings=settings, workspace_path=tmp_path / "w.json", load_workspace=False
    )
    qtbot.addWidget(window)
    window.show()
    seen: dict[str, dict[str, object]] = {}

    def faults_seen() -> dict[str, object]:
        page = window.servers.pages[window.servers.current_id()]
        view = page.logs.currentWidget()
        rows = [view.model.entry(r) for r in range(view.model.rowCount())]
        socket_log = service.engine.log(page.selected_socket())
        return {
            "lab shown": page.actions_tabs.currentWidget() is page.fault_lab,
            "server log shown": view is page.log_views[page.server_id],
            "fault rows": [e.detail for e in rows if e.kind == FAULT],
            "selected": view.model.entry(view.table.selectionModel().selectedRows()[0].row()),
            "dropped": [e.detail for e in socket_log if e.kind == FAULT and "dropped" in e.detail],
        }

    def rates_seen() -> dict[str, object]:
        plot = window.load.plot
        assert plot is not None and plot.isVisible()
        out_values, in_values = plot.curves[1].getData()[1], plot.curves[0].getData()[1]
        return {
            "meter": plot.meter_id,
            "out": sum(out_values),
            "in": sum(in_values),
            "span": plot.span,
            "x range": plot.plot.viewRange()[0],
        }

    def client_page():  # type: ignore[no-untyped-def]
        return window.clients.pages[window.clients.current_id()]

    def handshake_seen() -> dict[str, object]:
        view = client_page().handshake_view
        scroller = view.findChild(QScrollArea, "handshakeScroller")
        return {
            "shown": view.isVisible() and view.record is not None,
            "whole": [in_view(w, scroller.viewport()) for w in (view.accept, view.negotiation)],
            "accept": view.accept.text(),
        }

    def frames_seen() -> dict[str, object]:
        view = client_page().frames_view
        return {
            "shown": view.isVisible(),
            "frames": [view.model.index(r, 2).data() for r in range(view.model.rowCount())],
            "all rows": rows_in_view(view.table),
            "fields": [name for name, _bits, _value in view.detail.field_texts()],
            "all fields": rows_in_view(view.detail.fields),
        }

    def classroom_seen() -> dict[str, object]:
        page = window.servers.pages[window.servers.current_id()]
        panel = page.classroom
        feed = [panel.model.index(r, COL_TEXT).data() for r in range(panel.model.rowCount())]
        return {
            "shown": page.logs.currentWidget() is panel,
            "feed": feed,
            "urls": panel.urls.count(),
        }

    def scenario_seen() -> dict[str, object]:
        tab = window.scenarios
        model = tab.editor.model
        return {
            "shown": window.tabs.currentWidget() is tab,
            "states": [model.index(r, COL_STATE).data() for r in range(model.rowCount())],
            "selected": tab.editor.table.currentIndex().row(),
            "result": tab.editor.result.toPlainText(),
        }

    def relay_seen() -> dict[str, object]:
        page = window.relays.pages[window.relays.current_id()]
        record = next(iter(page.handle.connections.values()))
        return {
            "shown": window.tabs.currentWidget() is window.relays and page.isVisible(),
            "queue": [
                page.intercept.queue.item(r).text() for r in range(page.intercept.queue.count())
            ],
            "diagram": page.conversation.isVisible()
            and page.conversation.conversation is record.conversation,
            "marks": [a.mark for a in record.conversation.rows if a.mark],
        }

    probes = {
        "relay.png": relay_seen,
        "handshake.png": handshake_seen,
        "frames.png": frames_seen,
        "classroom.png": classroom_seen,
        "faults.png": faults_seen,
        "rates.png": rates_seen,
        "scenario.png": scenario_seen,
    }

    def probed(step: TourStep) -> TourStep:
        probe = probes.get(step.file_name)
        if probe is None:
            return step

        def show(tour):  # type: ignore[no-untyped-def]
            shown = step.show(tour)
            seen[step.file_name] = probe()
            return shown

        return TourStep(step.file_name, show, step.prepare, step.before)

    saved = run(tour_in(window, tmp_path / "pictures", [probed(s) for s in STEPS]), 50)
    assert [p.name for p in saved] == EXPECTED

    handshake = seen["handshake.png"]
    assert handshake["shown"] and handshake["whole"] == [True, True]
    assert "✓ matches" in str(handshake["accept"])
    frames = seen["frames.png"]
    assert frames["shown"] and frames["all rows"] and frames["all fields"]
    assert [str(f).strip() for f in frames["frames"]][-4:] == ["ping", "pong", "close", "close"]
    assert len(frames["frames"]) == 9  # the JSON, the four fragments, ping, pong, 2 closes
    assert frames["fields"] == [
        "FIN", "RSV1", "RSV2", "RSV3", "Opcode", "MASK", "Payload length"
    ]  # fmt: skip
    classroom = seen["classroom.png"]
    assert classroom["shown"] and classroom["urls"] >= 1  # shared: the page's addresses
    assert classroom["feed"][1:] == [
        '{"greeting":"hello","from":"the tour","numbers":[1,2,3]}',
        "This text message travels in four fragments.",
        "left, code 1001 (going away): the tour is over",
    ]
    faults = seen["faults.png"]
    assert faults["lab shown"] and faults["server log shown"]
    assert faults["fault rows"] == [f"fault: Drop next (messages {DROPPED}) on 1 socket"]
    assert faults["selected"].kind == FAULT  # its whole text in the detail pane
    assert len(faults["dropped"]) == DROPPED
    rates = seen["rates.png"]
    load_client = next(h for h in service.engine.clients.values() if h.name == "Load client")
    assert rates["meter"] == load_client.id
    assert rates["out"] == sum(BURST) and rates["in"] == sum(BURST) - DROPPED
    # A three-second burst on a 10 s axis (it was a spike at the edge of 120 empty seconds).
    assert rates["span"] == 10 and rates["x range"] == pytest.approx([-10, 0])
    scenario = seen["scenario.png"]
    assert scenario["shown"]
    passed, failed, skipped = "✓ passed", "✗ failed", "– skipped"
    assert scenario["states"] == [passed, passed, passed, passed, passed, failed, skipped]
    assert scenario["selected"] == 5  # the failed step, its diff in view
    assert '  -  "type": "said"' in scenario["result"]
    assert '  +  "type": "sad"' in scenario["result"]
    relay = seen["relay.png"]
    assert relay["shown"] and relay["diagram"]
    assert len(relay["queue"]) == 1 and "4111" in relay["queue"][0]  # the payment, held
    assert relay["marks"] == ["held", "edited", "edited", "held"]  # held #1, edited, sent; #2


def in_view(widget, viewport) -> bool:  # type: ignore[no-untyped-def]
    """``widget`` is shown whole inside ``viewport`` (not scrolled or cut off)."""
    from PySide6.QtCore import QPoint, QRect

    corner = widget.mapTo(viewport, QPoint(0, 0))
    return widget.isVisible() and viewport.rect().contains(QRect(corner, widget.size()))


def rows_in_view(table) -> bool:  # type: ignore[no-untyped-def]
    """Every row of ``table`` shows whole in its viewport, none scrolled away or cut off."""
    rows, height = table.model().rowCount(), table.viewport().height()
    tops = [table.rowViewportPosition(r) for r in range(rows)]
    return rows > 0 and all(
        top >= 0 and top + table.rowHeight(r) <= height for r, top in enumerate(tops)
    )
