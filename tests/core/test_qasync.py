"""The same core objects run unchanged on the workbench's qasync loop (Qt offscreen)."""

from __future__ import annotations

import asyncio

import pytest

qasync = pytest.importorskip("qasync", reason="qasync is part of the gui extra")
from PySide6.QtWidgets import QApplication  # noqa: E402

from core import Client, Server  # noqa: E402


def test_server_and_client_on_a_qasync_loop() -> None:
    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    events: list[object] = []

    async def scenario() -> None:
        server = Server(
            host_interface="127.0.0.1", port=0, receive_type="text/plain", send_type="text/plain"
        )
        server.on("listening", lambda port: events.append("listening"))
        server.on("connection", lambda s: s.on("message", lambda m: s.send(m + "!")))
        await server.start()
        client = Client(
            host="127.0.0.1",
            port=server.port,
            number_of_retries=0,
            send_type="text/plain",
            receive_type="text/plain",
        )
        client.on("open", lambda: events.append("open"))
        replied = asyncio.Event()
        client.on("message", lambda m: (events.append(m), replied.set()))
        client.on("close", lambda code, reason: events.append(code))
        client.send("queued")
        await client.open()
        await asyncio.wait_for(replied.wait(), 5)
        await client.close()
        await server.stop()

    try:
        with loop:
            loop.run_until_complete(asyncio.wait_for(scenario(), 20))
    finally:
        asyncio.set_event_loop(None)
    assert events == ["listening", "open", "queued!", 1000]
