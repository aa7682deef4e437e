"""What the Conversation view costs with one connection of many frames (issue 10, item 3).

A workbench server and a workbench client on 127.0.0.1 (offscreen, a real qasync loop): the
client sends ``--messages`` text messages (one frame each) and the server receives them all,
so the conversation has messages + the handshake's 2 rows. Then, on the UI thread:

- open: build the ``ConversationView`` (the engine pairs both ends and turns every frame
  into a row) and paint it once;
- end: press End and paint (the view paints only the rows in view);
- scroll: 200 scroll positions spread over the whole diagram, one paint each.

With ``--live`` the view is open (following the end) while the messages go, and the slowest
of its refreshes (every 250 ms: take in the new frames, repaint) is printed too.

Run: ``python tests/benchmarks/conversation_view.py [--messages 10000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--live", action="store_true", help="view open while sending")
    args = parser.parse_args()

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from workbench.qt.app_loop import install_loop
    from workbench.qt.service import WorkbenchService
    from workbench.widgets.protocol.conversation_view import ConversationView

    app = QApplication(sys.argv)
    loop = install_loop(app)
    service = WorkbenchService()
    engine = service.engine
    text = {"sendType": "text/plain", "receiveType": "text/plain"}

    refreshes: list[float] = []

    def live_view(client_id: str) -> None:
        view = ConversationView(service, client_id)
        view.resize(960, 640)
        view.show()
        refresh = view.refresh

        def timed_refresh() -> None:
            started = time.perf_counter()
            refresh()
            view.diagram.viewport().grab()
            refreshes.append(time.perf_counter() - started)

        view.timer.timeout.disconnect()
        view.timer.timeout.connect(timed_refresh)

    async def converse() -> tuple[str, float]:
        server_id = engine.add_server({"hostInterface": "127.0.0.1", "port": 0, **text})
        assert server_id is not None and await engine.start_server(server_id)
        client_id = engine.add_client_for(server_id, {**text, "ping_interval": None})
        assert client_id is not None and await engine.open_client(client_id)
        if args.live:
            live_view(client_id)
        started = time.perf_counter()
        for n in range(args.messages):
            assert engine.send(client_id, f"message {n}")
            if n % 500 == 499:
                await asyncio.sleep(0)
        deadline = time.monotonic() + 120
        (socket,) = engine.sockets_of(server_id)
        while socket.log.messages_in < args.messages and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert socket.log.messages_in == args.messages, "not every message arrived"
        return client_id, time.perf_counter() - started

    client_id, sending = loop.run_until_complete(converse())

    started = time.perf_counter()
    view = ConversationView(service, client_id)
    view.resize(960, 640)
    view.show()
    view.diagram.viewport().grab()
    opened = time.perf_counter() - started
    rows = len(view.conversation.rows) if view.conversation is not None else 0

    diagram = view.diagram
    diagram.setFocus()
    started = time.perf_counter()
    QTest.keyClick(diagram, Qt.Key.Key_End)
    diagram.viewport().grab()
    to_end = time.perf_counter() - started
    at_end = diagram.visible_rows().stop == rows

    bar = diagram.verticalScrollBar()
    paints: list[float] = []
    for step in range(200):
        bar.setValue(bar.maximum() * step // 199)
        started = time.perf_counter()
        diagram.viewport().grab()  # renders the viewport now, whatever the platform
        paints.append(time.perf_counter() - started)
    paints.sort()

    print(
        f"conversation view: {args.messages:,} messages ({sending:.2f} s to send over loopback)"
        f" -> {rows:,} rows; open + first paint {opened * 1000:.1f} ms; End + paint "
        f"{to_end * 1000:.1f} ms (at the end: {at_end}); 200 scroll paints: median "
        f"{paints[100] * 1000:.1f} ms, slowest {paints[-1] * 1000:.1f} ms"
    )
    if refreshes:
        print(
            f"live: {len(refreshes)} refreshes while sending, slowest "
            f"{max(refreshes) * 1000:.1f} ms, median {sorted(refreshes)[len(refreshes) // 2] * 1000:.1f} ms"
        )
    loop.run_until_complete(service.engine.shutdown())
    return 0 if rows == args.messages + 2 and at_end else 1


if __name__ == "__main__":
    sys.exit(main())
