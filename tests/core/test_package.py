"""The package surface: what `import core` exposes and what it must never load."""

from __future__ import annotations

import subprocess
import sys

import core


def test_public_surface_is_pinned() -> None:
    assert sorted(core.__all__) == sorted(
        [
            "Client",
            "Server",
            "Socket",
            "EventEmitter",
            "Frame",
            "supported_receive_types",
            "supported_send_types",
            "supportedReceiveTypes",
            "supportedSendTypes",
            "WebSocketError",
            "EncodeError",
            "DecodeError",
            "ConnectError",
            "ServerStartError",
            "NotOpenError",
            "ConnectionLostError",
            "UnsentMessagesError",
            "HandlerError",
            "ConnectionClosed",
        ]
    )
    assert core.supportedSendTypes() == core.supported_send_types()
    for name in core.__all__:
        assert getattr(core, name) is not None


def test_import_core_loads_no_qt() -> None:
    code = (
        "import sys, core; core.Client(port=1); core.Server(port=0);"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('PySide6','qasync','shiboken6','workbench')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_errors_share_one_root() -> None:
    for name in (
        "EncodeError",
        "DecodeError",
        "ConnectError",
        "ServerStartError",
        "NotOpenError",
        "ConnectionLostError",
        "UnsentMessagesError",
        "HandlerError",
        "ConnectionClosed",
    ):
        assert issubclass(getattr(core, name), core.WebSocketError)
    assert issubclass(core.ConnectionLostError, core.ConnectionClosed)
    assert issubclass(core.EncodeError, TypeError) and issubclass(core.DecodeError, ValueError)


def test_headless_demo_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "core"], capture_output=True, text=True, timeout=60, check=True
    )
    assert "server received: {'foo': 'bar'}" in result.stdout
    assert "Received from web socket: Reply message" in result.stdout
    assert "client closed: 1000" in result.stdout
