"""Benchmark: a local core Client floods a server held by the workbench service.

Not a test: a script that prints figures. Run it offscreen from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/workbench_flood.py

What it does (all traffic on 127.0.0.1):

1. Starts the Qt application and the qasync loop, a ``WorkbenchService`` and one of its
   servers on port 0 (``--capacity`` rows per log; default 1,000,000 so the whole flood is
   *kept*, the worst case for memory).
2. When the flooding socket connects, opens a ``LogModel`` on its log with a ``QTableView``
   showing it (offscreen) that scrolls to the bottom on every ``rows_appended``, as the log
   panel does. With ``--window``, the real ``MainWindow`` is shown instead and the socket's
   log is opened in it (its ``LogView``), as a person would.
3. Starts a separate Python process whose core ``Client`` sends ``--count`` small JSON
   messages as fast as its writer allows (a separate process, so the figures are those of
   the workbench's receiving side, as with a real external client).
4. While flooding, a 10 ms ``QTimer`` records the interval between its ticks: the worst
   interval is the longest the UI loop was stalled.

Printed: messages/s ingested into the log (first to last logged message), the worst and the
99th-percentile tick interval, the model's insert batches, and the process RSS after the
last message was logged (and its peak). Targets: >= 50,000 msg/s, no stall > 100 ms,
< 500 MB RSS for 1,000,000 logged messages. Every wait is bounded (``--timeout``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process in MB (Linux /proc; falls back to ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the flooding client (a separate process) ------------------------------------------------


async def flood(port: int, count: int, window: int) -> None:
    from core import Client

    client = Client(host="127.0.0.1", port=port, number_of_retries=0, ping_interval=None)
    await asyncio.wait_for(client.open(), 10)
    last = None
    for n in range(count):
        last = client.send({"seq": n, "kind": "tick", "value": n * 0.5})
        if n % window == window - 1:
            await asyncio.wait_for(last, 60)  # bounded backlog in the client's outbox
    if last is not None:
        await asyncio.wait_for(last, 60)
    # The server closes the connection once it has logged everything (or times out).
    await asyncio.wait_for(client.wait_for("close"), 600)


# -- the workbench side -----------------------------------------------------------------------


def run_benchmark(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QTableView

    from workbench.qt.app_loop import destroy_qt, install_loop
    from workbench.qt.log_model import LogModel
    from workbench.qt.service import WorkbenchService

    app = QApplication.instance() or QApplication([])
    loop = install_loop(app)
    service = WorkbenchService(log_capacity=args.capacity)
    server_id = service.add_server({"hostInterface": "127.0.0.1", "port": 0, "ping_interval": None})
    assert server_id is not None
    state: dict[str, object] = {}
    views: list[object] = []

    window = None
    if args.window:
        import tempfile

        from PySide6.QtCore import QSettings

        from workbench.widgets.main_window import MainWindow

        scratch = tempfile.mkdtemp(prefix="wb-bench-")
        settings = QSettings(os.path.join(scratch, "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(
            service,
            settings=settings,
            workspace_path=os.path.join(scratch, "w.json"),
            load_workspace=False,
        )
        window.show()

    def on_connected(_server_id: str, socket_id: str) -> None:
        store = service.log(socket_id)
        state["store"] = store
        if window is not None:
            page = window.servers.pages[server_id]
            page.select_socket(socket_id)
            page.open_selected_log()
            state["model"] = page.log_views[socket_id].model
            return
        model = LogModel(store)
        state["model"] = model
        if not args.no_view:
            view = QTableView()
            view.setModel(model)
            view.resize(1000, 600)
            view.show()
            model.rows_appended.connect(lambda _n: view.scrollToBottom())
            views.append(view)

    service.socket_connected.connect(on_connected)

    intervals: list[float] = []
    ticker = QTimer()
    ticker.setInterval(10)
    last_tick = [0.0]

    def tick() -> None:
        now = time.perf_counter()
        if last_tick[0]:
            intervals.append(now - last_tick[0])
        last_tick[0] = now

    ticker.timeout.connect(tick)

    if not args.no_freeze:  # as run_until_quit does in the application
        from workbench.qt.app_loop import freeze_startup_objects

        freeze_startup_objects()

    async def bench() -> int:
        if not await service.start_server(server_id):
            print("could not start the server:", service.errors, file=sys.stderr)
            return 2
        port = service.server(server_id).port
        baseline = rss_mb()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--flood-client",
            str(port),
            "--count",
            str(args.count),
            "--ack-every",
            str(args.ack_every),
            cwd=str(ROOT),
        )
        deadline = time.monotonic() + args.timeout
        while "store" not in state and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if "store" not in state:
            print("the flooding client never connected", file=sys.stderr)
            process.kill()
            return 2
        store = state["store"]
        ticker.start()
        first_logged = None
        while store.messages_in < args.count and time.monotonic() < deadline:  # type: ignore[attr-defined]
            if first_logged is None and store.messages_in:  # type: ignore[attr-defined]
                first_logged = time.perf_counter()
            await asyncio.sleep(0.005)
        done = time.perf_counter()
        ticker.stop()
        received = store.messages_in  # type: ignore[attr-defined]
        model = state["model"]
        model.sync()  # type: ignore[attr-defined]
        app.processEvents()
        rss_after = rss_mb()
        peak = rss_mb("VmHWM")
        for socket in service.server(server_id).open_sockets:
            await socket.core.close(1000, "benchmark done")
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
        await service.shutdown()
        if window is not None:
            window.hide()

        elapsed = done - (first_logged or done)
        rate = (received - 1) / elapsed if elapsed > 0 else float("nan")
        ordered = sorted(intervals)
        worst = ordered[-1] * 1000 if ordered else float("nan")
        p99 = ordered[int(len(ordered) * 0.99)] * 1000 if ordered else float("nan")
        print(
            f"messages logged      : {received:,} of {args.count:,} (capacity {args.capacity:,} rows, "
            f"{len(store):,} kept, {store.dropped:,} dropped)"
        )  # type: ignore[attr-defined]
        print(f"ingest rate          : {rate:,.0f} msg/s over {elapsed:.2f} s")
        print(
            f"UI loop (10 ms timer): worst interval {worst:.1f} ms, p99 {p99:.1f} ms, "
            f"{len(intervals)} ticks"
        )
        print(
            f"model batches        : {model.insert_batches} inserts, {model.remove_batches} removes "  # type: ignore[attr-defined]
            f"({'in the MainWindow' if window is not None else 'with a QTableView' if not args.no_view else 'no view'})"
        )
        print(
            f"RSS                  : {rss_after:,.0f} MB after the flood "
            f"(baseline {baseline:,.0f} MB, peak {peak:,.0f} MB)"
        )
        ok = rate >= 50_000 and worst <= 100 and rss_after < 500 and received == args.count
        print("targets (>= 50,000 msg/s, stall <= 100 ms, < 500 MB):", "met" if ok else "NOT met")
        return 0 if ok else 1

    with loop:
        code = loop.run_until_complete(bench())
    views.clear()
    window = None
    destroy_qt(app)
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="messages to send")
    parser.add_argument("--capacity", type=int, default=1_000_000, help="rows kept per log")
    parser.add_argument("--ack-every", type=int, default=2000, help="client: await every n-th send")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before giving up")
    parser.add_argument("--no-view", action="store_true", help="no QTableView on the model")
    parser.add_argument(
        "--window", action="store_true", help="show the real MainWindow and its log view"
    )
    parser.add_argument(
        "--no-freeze", action="store_true", help="skip gc.freeze() of startup objects"
    )
    parser.add_argument("--flood-client", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood_client:
        asyncio.run(flood(args.flood_client, args.count, args.ack_every))
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return run_benchmark(args)


if __name__ == "__main__":
    sys.exit(main())
