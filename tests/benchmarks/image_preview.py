"""What showing a huge image in the detail pane costs the UI thread, before and after the
bounded, off-thread preview (issue 9).

Builds an 8000×8000 greyscale PNG (62 KB: one colour compresses well), logs it as a received
``image/png`` message and shows it in a ``DetailPane`` on the offscreen platform. Each mode
runs in a fresh process so the peak RSS growth (``ru_maxrss``) is its own:

- ``--mode before``: what the pane did before: ``entry.value`` (a full Pillow decode), then
  ``entry.decodes`` (a second one) and ``QImage.fromData`` (a third, on the UI thread);
- ``--mode after``: ``DetailPane.show_entry`` on a running qasync loop, timed on the UI
  thread, then the wait for the worker's thumbnail (or note).

Run: ``python tests/benchmarks/image_preview.py`` (both modes, a line each).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _png(side: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (side, side), 0).save(buffer, format="PNG")  # greyscale: 8000² is 62 KB
    return buffer.getvalue()


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_mode(mode: str, side: int) -> None:
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from workbench.engine.log.store import IN, LogStore
    from workbench.widgets.log.detail_pane import DetailPane

    app = QApplication.instance() or QApplication([])
    data = _png(side)
    store = LogStore()
    store.add_message(IN, "image/png", data)
    entry = store[0]
    pane = DetailPane()
    pane.show_entry(None)
    base = _rss_mib()
    if mode == "before":
        start = time.perf_counter()
        _value = entry.value
        _ok = entry.decodes
        image = QImage.fromData(entry.raw_bytes)
        ui_ms = (time.perf_counter() - start) * 1000
        worker_ms = 0.0
        shown = f"{image.width()}×{image.height()} QImage"
    else:
        import qasync

        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)

        async def show() -> tuple[float, float]:
            start = time.perf_counter()
            pane.show_entry(entry)
            ui = (time.perf_counter() - start) * 1000
            deadline = time.monotonic() + 30
            while pane.image_preview is None and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            return ui, (time.perf_counter() - start) * 1000

        with loop:
            ui_ms, worker_ms = loop.run_until_complete(show())
        preview = pane.image_preview
        shown = (
            "no preview"
            if preview is None
            else (preview.note or f"{preview.thumb_width}×{preview.thumb_height} thumbnail")
        )
    print(
        f"{mode:6}: {len(data) / 1024:.0f} KiB PNG {side}×{side}: UI thread {ui_ms:7.1f} ms, "
        f"until shown {max(ui_ms, worker_ms):7.1f} ms, peak RSS +{_rss_mib() - base:6.1f} MiB "
        f"({shown})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("before", "after"))
    parser.add_argument("--side", type=int, default=8000, help="image width and height")
    args = parser.parse_args()
    if args.mode:
        run_mode(args.mode, args.side)
        return
    for mode in ("before", "after"):
        subprocess.run(
            [sys.executable, __file__, "--mode", mode, "--side", str(args.side)],
            check=True,
            timeout=300,
        )


if __name__ == "__main__":
    main()
