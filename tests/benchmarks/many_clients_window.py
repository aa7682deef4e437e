"""Benchmark: the main window with many clients — opening them, and starting with them.

Not a test: a script that prints figures. Run it from the repository root (offscreen by
default; ``QT_QPA_PLATFORM=xcb xvfb-run -a ...`` for a real X server)::

    .venv/bin/python tests/benchmarks/many_clients_window.py open --clients 50
    .venv/bin/python tests/benchmarks/many_clients_window.py start --clients 200

``open``: the real ``MainWindow`` is shown with one of its servers listening on 127.0.0.1
port 0 and the Clients tab in front; then the "Open many clients…" dialog is accepted for
``--clients`` clients, as a person would. While they are added and connect:

* a 10 ms ``QTimer`` records the interval between its ticks: the worst one is the longest
  the UI loop was stalled (the window neither repaints nor answers);
* every ``--click-every`` ms a click is posted to the Clients list (a press and a release,
  queued like a person's, alternating between two rows), and the time until the list
  repaints after it was delivered is recorded (the flood benchmark's click check,
  ``workbench_flood.py``). Target: every click answered within 100 ms.

Printed: the time until every client is open, the worst and 99th-percentile tick interval,
the click latencies, and how many client pages were built (pages are built when first
shown, so opening many builds only the one shown).

``start``: a workspace file with one server and ``--clients`` clients is written to a
scratch folder, then the window is made with it, as at a start: printed are the time from
making the window to its first paint with every client listed (target: under 2 s), the worst
tick interval on the way, and the pages built. Every wait is bounded (``--timeout``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class Ticker:
    """A 10 ms QTimer's tick intervals: the UI loop's stalls. With ``stacks``, a thread
    samples the UI thread's stack whenever it is stalled over 60 ms (``stall_stacks``)."""

    def __init__(self, stacks: bool = False) -> None:
        import collections
        import threading

        from PySide6.QtCore import QTimer

        self.intervals: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        self.stall_stacks: collections.Counter[str] = collections.Counter()
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True) if stacks else None

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()
        if self._sampler is not None:
            self._sampler.start()

    def stop(self) -> None:
        self._timer.stop()
        self._tick()
        self._stop.set()

    def _sample(self) -> None:
        import threading
        import traceback

        main = threading.main_thread().ident
        while not self._stop.wait(0.02):
            if time.perf_counter() - self._last > 0.06:
                frame = sys._current_frames().get(main or 0)
                if frame is not None:
                    lines = traceback.format_stack(frame, limit=14)
                    self.stall_stacks["".join(lines[-8:])] += 1

    def _tick(self) -> None:
        now = time.perf_counter()
        self.intervals.append(now - self._last)
        self._last = now

    def text(self) -> str:
        ordered = sorted(self.intervals)
        if not ordered:
            return "no ticks"
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"worst interval {ordered[-1] * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"{len(ordered)} ticks"
        )


def make_list_probe(list_widget: Any, every_ms: int) -> Any:
    """Clicks row 0 or 1 of ``list_widget`` every ``every_ms`` (once the last click was
    answered) and records the time until its viewport paints after the click was delivered.

    The clicks are posted from a thread of their own, as a person's clicks come from the
    window system whatever the UI thread is doing: one posted during a stall waits in the
    queue, and its latency counts the stall (``QApplication.postEvent`` is thread-safe)."""
    import threading

    from PySide6.QtCore import QEvent, QObject, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    viewport = list_widget.viewport()
    points = [QPointF(list_widget.visualItemRect(list_widget.item(row)).center()) for row in (0, 1)]
    globals_ = [viewport.mapToGlobal(point) for point in points]

    class ListProbe(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.latencies: list[float] = []
            self.waiting = False
            self.delivered = False
            self.posted_at = 0.0
            self.clicks = 0
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, daemon=True)
            viewport.installEventFilter(self)

        def start(self) -> None:
            self._thread.start()

        def stop(self) -> None:
            self._stop.set()
            self._thread.join(5)

        def _run(self) -> None:
            while not self._stop.wait(every_ms / 1000):
                if not self.waiting:
                    self.click()

        def click(self) -> None:
            which = self.clicks % 2
            self.clicks += 1
            self.posted_at = time.perf_counter()
            self.waiting, self.delivered = True, False
            for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
                buttons = (
                    Qt.MouseButton.LeftButton
                    if kind == QEvent.Type.MouseButtonPress
                    else Qt.MouseButton.NoButton
                )
                event = QMouseEvent(
                    kind,
                    points[which],
                    globals_[which],
                    Qt.MouseButton.LeftButton,
                    buttons,
                    Qt.KeyboardModifier.NoModifier,
                )
                QApplication.postEvent(viewport, event)

        def eventFilter(self, watched: Any, event: Any) -> bool:  # Qt override
            if not self.waiting:
                return False
            if event.type() == QEvent.Type.MouseButtonRelease:
                self.delivered = True
            elif event.type() == QEvent.Type.Paint and self.delivered:
                self.latencies.append(time.perf_counter() - self.posted_at)
                self.waiting = False
            return False

    return ListProbe()


def latency_text(values: list[float], unanswered: int) -> str:
    if not values:
        return "no clicks answered" + (f" ({unanswered} still waiting)" if unanswered else "")
    ordered = sorted(values)
    median = ordered[len(ordered) // 2] * 1000
    return f"{len(values)} clicks: median {median:.0f} ms, worst {ordered[-1] * 1000:.0f} ms" + (
        f" ({unanswered} still waiting at the end)" if unanswered else ""
    )


def built_pages(window: Any) -> int:
    return len(window.clients.pages)


def make_window(service: Any, scratch: str, load_workspace: bool) -> Any:
    from PySide6.QtCore import QSettings

    from workbench.widgets.window.main_window import MainWindow

    settings = QSettings(os.path.join(scratch, "settings.ini"), QSettings.Format.IniFormat)
    return MainWindow(
        service,
        settings=settings,
        workspace_path=os.path.join(scratch, "workspace.json"),
        load_workspace=load_workspace,
    )


async def wait_until(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def bench_open(args: argparse.Namespace, service: Any, scratch: str) -> int:
    from workbench.widgets.load.many_clients_dialog import ManyClientsDialog

    window = make_window(service, scratch, load_workspace=False)
    window.resize(1280, 800)
    window.show()
    server_id = window.new_server()
    assert server_id is not None
    if not await service.engine.start_server(server_id):
        print("the server did not start", file=sys.stderr)
        return 2
    window.tabs.setCurrentIndex(1)
    window.clients.new_client(server_id)  # two rows to click on from the start
    window.clients.new_client(server_id)
    await asyncio.sleep(0.3)
    probe = make_list_probe(window.clients.list, args.click_every)
    ticker = Ticker(args.stall_stacks)
    dialog = ManyClientsDialog(service, window, server_id)
    dialog.count.setValue(args.clients)
    ticker.start()
    probe.start()
    # A few clicks before: the idle figure. The first two show each page for the first time
    # (their first layout and paint); they are left out.
    await wait_until(lambda: len(probe.latencies) >= 5, 10)
    del probe.latencies[:2]
    idle = len(probe.latencies)
    started = time.perf_counter()
    dialog.accept()  # adds them all, then opens them on the loop
    added_after = time.perf_counter() - started
    task = dialog.task
    assert task is not None
    await wait_until(task.done, args.timeout)
    opened_after = time.perf_counter() - started
    await asyncio.sleep(0.5)  # and a few once they are all open
    probe.stop()
    await wait_until(lambda: not probe.waiting, 2)
    ticker.stop()
    opened = task.result() if task.done() else 0
    print(f"clients added        : {args.clients} in {added_after * 1000:.0f} ms (one UI turn)")
    print(f"clients opened       : {opened} of {args.clients} in {opened_after:.2f} s")
    print(f"UI loop (10 ms timer): {ticker.text()}")
    print(f"clicks, before       : {latency_text(probe.latencies[:idle], 0)}")
    print(f"clicks, opening      : {latency_text(probe.latencies[idle:], int(probe.waiting))}")
    if args.verbose:
        print("  each (ms):", " ".join(f"{v * 1000:.0f}" for v in probe.latencies))
    print(f"client pages built   : {built_pages(window)} of {len(service.engine.clients)}")
    for text, count in ticker.stall_stacks.most_common(5):
        print(f"--- UI thread stalled, {count} samples:\n{text}")
    worst_click = max(probe.latencies, default=float("inf"))
    ok = opened == args.clients and worst_click <= 0.1 and not probe.waiting
    print("target (every click answered within 100 ms):", "met" if ok else "NOT met")
    await service.engine.shutdown()
    window.hide()
    return 0 if ok else 1


async def bench_start(args: argparse.Namespace, service: Any, scratch: str) -> int:
    from PySide6.QtCore import QEvent, QObject

    from workbench.engine.workspace.workspace import ClientConfig, ServerConfig, Workspace

    options = {"host": "127.0.0.1", "port": 8080, "receive_type": "*/*", "send_type": "*/*"}
    workspace = Workspace(
        servers=[ServerConfig("Server 1", {"host_interface": "127.0.0.1", "port": 0})],
        clients=[ClientConfig(f"client {n}", dict(options)) for n in range(1, args.clients + 1)],
    )
    workspace.save(Path(scratch) / "workspace.json")

    class PaintWatch(QObject):
        """When the list first painted with every client, and when a client's page did."""

        painted_at = 0.0
        page_painted_at = 0.0

        def eventFilter(self, watched: Any, event: Any) -> bool:  # Qt override
            if event.type() != QEvent.Type.Paint:
                return False
            if watched is window.clients.list.viewport():
                if len(service.engine.clients) == args.clients:
                    self.painted_at = self.painted_at or time.perf_counter()
            elif self.painted_at:
                self.page_painted_at = self.page_painted_at or time.perf_counter()
            return False

        def watch_pages(self) -> None:  # the pages built so far
            for page in window.clients.pages.values():
                if not page.property("watched"):
                    page.setProperty("watched", True)
                    page.installEventFilter(self)

    ticker = Ticker()
    ticker.start()
    started = time.perf_counter()
    window = make_window(service, scratch, load_workspace=True)
    watch = PaintWatch()
    window.tabs.setCurrentIndex(1)
    window.show()
    window.clients.list.viewport().installEventFilter(watch)
    made = time.perf_counter() - started
    done = await wait_until(lambda: watch.painted_at > 0, args.timeout)

    def page_painted() -> bool:
        watch.watch_pages()
        return watch.page_painted_at > 0

    done = done and await wait_until(page_painted, args.timeout)
    ticker.stop()
    if not done:
        print("the clients or the selected one's page never showed", file=sys.stderr)
        return 2
    shown = watch.painted_at - started
    page_shown = watch.page_painted_at - started
    print(f"window made          : {made:.2f} s (the file is read on a worker thread after)")
    print(
        f"all {args.clients} clients listed  : {shown:.2f} s after making the window (first paint)"
    )
    print(f"the first one's page : {page_shown:.2f} s (painted)")
    print(f"UI loop (10 ms timer): {ticker.text()}")
    print(f"client pages built   : {built_pages(window)} of {len(service.engine.clients)}")
    print("target (under 2 s to the page):", "met" if page_shown < 2 else "NOT met")
    window.hide()
    return 0 if page_shown < 2 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("open", "start"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--click-every", type=int, default=100, help="ms between clicks")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the UI thread")
    parser.add_argument(
        "--stall-stacks", action="store_true", help="sample the UI thread's stack in stalls"
    )
    parser.add_argument("--verbose", action="store_true", help="print every click's latency")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before giving up")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = tempfile.mkdtemp(prefix="wb-many-")
    os.environ["WEBSOCKET_WORKBENCH_CONFIG_DIR"] = scratch  # never the real settings

    from PySide6.QtWidgets import QApplication

    from workbench.qt.app_loop import destroy_qt, install_loop
    from workbench.qt.service import WorkbenchService
    from workbench.widgets.common.resources import style_sheet

    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())
    loop = install_loop(app)
    service = WorkbenchService()
    bench = bench_open if args.what == "open" else bench_start
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with loop:
        code = loop.run_until_complete(bench(args, service, scratch))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"profile              : {args.profile} (python -m pstats {args.profile})")
    destroy_qt(app)
    return code


if __name__ == "__main__":
    sys.exit(main())
