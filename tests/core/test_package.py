"""The package surface: what `import core` exposes and what it must never load."""

from __future__ import annotations

import subprocess
import sys
import types

import core


def test_public_surface_is_pinned() -> None:
    assert sorted(core.__all__) == sorted(
        [
            "Client",
            "Server",
            "Socket",
            "ClientOptions",
            "ServerOptions",
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


def test_all_lists_exactly_what_core_defines_publicly() -> None:
    """Every name in ``__all__`` is bound in ``core``, and every public name ``core`` binds
    (its public submodules aside) is in ``__all__``: nothing is exported by accident."""
    missing = [name for name in core.__all__ if name not in vars(core)]
    assert missing == []
    public = {
        name
        for name, value in vars(core).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(core.__all__)


def test_import_core_loads_no_qt() -> None:
    code = (
        "import sys, core; core.Client(port=1); core.Server(port=0);"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('PySide6','qasync','shiboken6','workbench')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_import_core_defers_cryptography_and_pillow_plugins() -> None:
    """``import core`` stays light; the image types still list, loading Pillow only then."""
    code = (
        "import sys, core\n"
        "heavy = lambda: sorted(m for m in sys.modules if m.startswith(('cryptography', 'PIL')))\n"
        "print(heavy())\n"
        "core.Client(port=1); core.Server(port=0)\n"
        "print(heavy())\n"
        "types = core.supported_receive_types()\n"
        "print('image/png' in types, 'image/webp' in types, 'image/png' in core.supported_send_types())\n"
        "print(any(m.endswith('ImagePlugin') for m in heavy()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.splitlines() == ["[]", "[]", "True True True", "True"]


def test_an_image_type_option_loads_only_the_common_pillow_plugins() -> None:
    code = (
        "import sys, core\n"
        "core.Client(port=1, receive_type='image/png', send_type='image/jpeg')\n"
        "print(sorted(m[4:] for m in sys.modules if m.endswith('ImagePlugin')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    plugins = result.stdout.strip()
    assert "PngImagePlugin" in plugins and "JpegImagePlugin" in plugins
    assert "WebPImagePlugin" not in plugins and "TiffImagePlugin" not in plugins


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
