"""The package surface: what `import core` exposes and what it must never load."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
from pathlib import Path

import core


def test_public_surface_is_pinned() -> None:
    assert sorted(core.__all__) == sorted(
        [
            # the endpoints, their options, states and event names
            "Client",
            "Server",
            "Socket",
            "ClientOptions",
            "ServerOptions",
            "ClientSettings",
            "ServerSettings",
            "ClientState",
            "ServerState",
            "ClientEvent",
            "ServerEvent",
            "SocketEvent",
            "EventEmitter",
            # what handlers receive
            "Frame",
            "Direction",
            "Opcode",
            "HandshakeRequest",
            "HandshakeRefusal",
            "RequestFunction",
            "RequestAnswer",
            # close codes
            "CloseCode",
            "CLOSE_CODE_MEANINGS",
            "VALID_CLOSE_CODES",
            "check_close_code",
            # the module functions
            "supported_receive_types",
            "supported_send_types",
            "supportedReceiveTypes",
            "supportedSendTypes",
            # errors
            "explain",
            "WebSocketError",
            "EncodeError",
            "DecodeError",
            "ConnectError",
            "ServerStartError",
            "AcceptError",
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


def _core_names_used_by_the_workbench() -> list[tuple[str, str, str]]:
    """``(file, module, name)`` for every name the workbench takes from core: ``from core...
    import name`` and ``alias.name`` on a core module imported under an alias."""
    used: list[tuple[str, str, str]] = []
    for path in sorted(WORKBENCH.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(WORKBENCH.parent))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "core":
                for alias in node.names:
                    used.append((where, node.module or "", alias.name))
                    if _submodule(node.module or "", alias.name):
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "core":
                        used.append((where, alias.name, ""))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                used.append((where, aliases[node.value.id], node.attr))
    return used


WORKBENCH = Path(__file__).resolve().parents[2] / "workbench"


def _submodule(module: str, name: str) -> bool:
    return isinstance(getattr(importlib.import_module(module), name, None), types.ModuleType)


def test_the_workbench_uses_only_public_names_of_core() -> None:
    """import-linter keeps the workbench out of ``core._*`` modules; this also keeps it to
    the names a public module lists in ``__all__`` (no ``core.mime._lookup``)."""
    used = _core_names_used_by_the_workbench()
    assert any(module == "core.mime" for _file, module, _name in used)  # the walk sees them
    private = []
    for where, module, name in used:
        exported = getattr(importlib.import_module(module), "__all__", [])
        public_module = bool(name) and not name.startswith("_") and _submodule(module, name)
        if any(part.startswith("_") for part in module.split(".")) or not (
            name == "" or name in exported or public_module
        ):
            private.append(f"{where}: {module} {name}")
    assert private == []
