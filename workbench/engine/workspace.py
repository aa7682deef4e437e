"""The workspace: servers, clients and saved/recent messages, as a JSON file (Qt-free).

A ``Workspace`` is plain data. ``Workbench.to_workspace()`` fills its servers, clients and
messages from the engine; ``Workbench.load_workspace()`` recreates them (stopped and closed:
nothing connects by itself). While the workbench runs, saved and recent messages belong to
``messages.MessageLibrary``; the main window keeps its layout in ``window``.

File format (``version`` 1), UTF-8 JSON::

    {"format": "websocket-workbench-workspace", "version": 1,
     "servers": [{"name": ..., "options": {...}, "auto_reply": "off", "auto_reply_text": ""}],
     "clients": [{"name": ..., "options": {...}}],
     "saved_messages": [{"name": ..., "mime": ..., "body": ..., "body_format": "text"}],
     "recent_messages": [...same...],
     "window": {...}}

Option dicts are kept as the forms gave them (camelCase spec names or snake_case; core
accepts both) and must be JSON-serialisable. Unknown keys in a file are ignored; a file that
is not a workspace raises ``WorkspaceError`` with a sentence saying why.

``default_path()`` is ``$WEBSOCKET_WORKBENCH_CONFIG_DIR/workspace.json`` if that variable is
set (tests use it), else the platform's config dir: ``%APPDATA%\\WebSocket Workbench`` on
Windows, ``~/Library/Application Support/WebSocket Workbench`` on macOS,
``$XDG_CONFIG_HOME/websocket-workbench`` (default ``~/.config``) elsewhere.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "AUTO_REPLY_MODES",
    "RECENT_LIMIT",
    "ClientConfig",
    "SavedMessage",
    "ServerConfig",
    "Workspace",
    "WorkspaceError",
    "config_dir",
    "default_path",
]

FORMAT = "websocket-workbench-workspace"
VERSION = 1
RECENT_LIMIT = 20
AUTO_REPLY_MODES = ("off", "echo", "fixed")


class WorkspaceError(Exception):
    """A workspace file could not be read or written; the message says why in plain words."""


@dataclass
class ServerConfig:
    """A server as the user configured it. ``auto_reply`` is "off", "echo" or "fixed"."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    auto_reply: str = "off"
    auto_reply_text: str = ""


@dataclass
class ClientConfig:
    """A client as the user configured it."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class SavedMessage:
    """A message the composer can reuse.

    ``body`` is what the composer's editor holds, as text; ``body_format`` says how to read
    it: "text" (JSON or plain text as typed), "hex", "base64" (bytes), or "file" (``body``
    is a file path, e.g. an image).
    """

    name: str
    mime: str
    body: str
    body_format: str = "text"


@dataclass
class Workspace:
    servers: list[ServerConfig] = field(default_factory=list)
    clients: list[ClientConfig] = field(default_factory=list)
    saved_messages: list[SavedMessage] = field(default_factory=list)
    recent_messages: list[SavedMessage] = field(default_factory=list)
    window: dict[str, Any] = field(default_factory=dict)

    # -- (de)serialisation -----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "servers": [asdict(s) for s in self.servers],
            "clients": [asdict(c) for c in self.clients],
            "saved_messages": [asdict(m) for m in self.saved_messages],
            "recent_messages": [asdict(m) for m in self.recent_messages],
            "window": dict(self.window),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Workspace:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise WorkspaceError("this file is not a WebSocket Workbench workspace")
        if not isinstance(data.get("version"), int) or data["version"] > VERSION:
            raise WorkspaceError(
                f"this workspace was written by a newer version (format {data.get('version')!r})"
            )
        try:
            return cls(
                servers=[_server(item) for item in data.get("servers", [])],
                clients=[_client(item) for item in data.get("clients", [])],
                saved_messages=[_message(item) for item in data.get("saved_messages", [])],
                recent_messages=[_message(item) for item in data.get("recent_messages", [])],
                window=dict(data.get("window") or {}),
            )
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise WorkspaceError(
                f"the workspace file is damaged ({type(exc).__name__}: {exc})"
            ) from exc

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write to ``path`` (default ``default_path()``) atomically; returns the path.

        Creates the folder if needed. ``WorkspaceError`` if it cannot be written (no
        permission, disk full, an option value that is not JSON).
        """
        target = Path(path) if path is not None else default_path()
        try:
            text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise WorkspaceError(
                f"the workspace holds a value that cannot be saved as JSON: {exc}"
            ) from exc
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".workspace-", suffix=".tmp", dir=target.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(temp, target)
            except BaseException:
                with _suppress_os_error():
                    os.unlink(temp)
                raise
        except OSError as exc:
            raise WorkspaceError(
                f"could not save the workspace to {target}: {exc.strerror or exc}"
            ) from exc
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Workspace:
        """Read ``path`` (default ``default_path()``).

        A missing default file gives an empty workspace (first run); a missing explicit path,
        unreadable file or bad JSON raises ``WorkspaceError``.
        """
        target = Path(path) if path is not None else default_path()
        try:
            text = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            if path is None:
                return cls()
            raise WorkspaceError(f"there is no workspace file at {target}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(
                f"could not read {target}: {getattr(exc, 'strerror', None) or exc}"
            ) from exc
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise WorkspaceError(f"{target} is not valid JSON ({exc})") from exc
        return cls.from_dict(data)


def _server(item: dict[str, Any]) -> ServerConfig:
    mode = str(item.get("auto_reply", "off"))
    return ServerConfig(
        name=str(item["name"]),
        options=dict(item.get("options") or {}),
        auto_reply=mode if mode in AUTO_REPLY_MODES else "off",
        auto_reply_text=str(item.get("auto_reply_text", "")),
    )


def _client(item: dict[str, Any]) -> ClientConfig:
    return ClientConfig(name=str(item["name"]), options=dict(item.get("options") or {}))


def _message(item: dict[str, Any]) -> SavedMessage:
    return SavedMessage(
        name=str(item.get("name", "")),
        mime=str(item["mime"]),
        body=str(item["body"]),
        body_format=str(item.get("body_format", "text")),
    )


class _suppress_os_error:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        return kind is not None and issubclass(kind, OSError)


def config_dir() -> Path:
    """The folder for the workbench's settings (see the module docstring)."""
    override = os.environ.get("WEBSOCKET_WORKBENCH_CONFIG_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / "WebSocket Workbench"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "WebSocket Workbench"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "websocket-workbench"


def default_path() -> Path:
    """Where the workspace is saved between runs."""
    return config_dir() / "workspace.json"
