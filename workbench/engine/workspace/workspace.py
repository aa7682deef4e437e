"""The workspace: servers, clients, relays, saved/recent messages and scenarios, as a JSON file
(Qt-free).

A ``Workspace`` is plain data. ``Workbench.to_workspace()`` fills its servers, clients and
messages from the engine; ``Workbench.load_workspace()`` recreates them (stopped and closed:
nothing connects by itself). While the workbench runs, saved and recent messages belong to
``message_library.MessageLibrary``; the main window keeps its layout in ``window``.

File format (``version`` 1), UTF-8 JSON::

    {"format": "websocket-workbench-workspace", "version": 1,
     "servers": [{"name": ..., "options": {...}, "auto_reply": "off", "auto_reply_text": "",
                  "shared": false, "any_origin": false}],
     "clients": [{"name": ..., "options": {...}, "secrets": ["header:0:Authorization"]}],
     "saved_messages": [{"name": ..., "mime": ..., "body": ..., "body_format": "text"}],
     "recent_messages": [...same...],
     "scenarios": [{"name": ..., "text": "<the YAML>", "path": "", "server": ""}],
     "relays": [{"name": ..., "upstream_url": "ws://...", "listen": {...}, "upstream": {...},
                 "fixed_path": false, "rewrite_origin": false, "set_headers": [[name, value]],
                 "add_headers": [...], "strip_headers": [name], "rules": [{...}]}],
     "window": {...}}

``relays``: the relays (``workbench.engine.relays``) with their listen and upstream options,
header edits and rules (each in the rules file's form, ``engine.relay.rules_file``); a PFX
or client key password is never written (it is typed again). A file without the key has none.

``shared``: the server is shared with a classroom (``classroom.Classroom``): loading shares it
again, so it binds to every interface at its start; its options keep the host it had before.
A file without the key (written before it existed) shares nothing. ``any_origin``: while
shared, any web page may connect, not only the student page (``Classroom.set_any_origin``).

``scenarios``: the Scenarios tab's scenarios, each with its text (unsaved edits included),
the file it belongs to ("" if none) and the workbench server it targets by name ("" for the
URLs in its text). A file without the key (written before scenarios) has none.

Option dicts are kept in snake_case (``workbench.engine.options``) and must be
JSON-serialisable; a config made with core's camelCase spec names, or read from a file
written with them, is turned into snake_case when it is made. Unknown keys in a file are ignored; a file that
is not a workspace raises ``WorkspaceError`` with a sentence saying why.

``default_path()`` is ``$WEBSOCKET_WORKBENCH_CONFIG_DIR/workspace.json`` if that variable is
set (tests use it), else ``websocket-workbench`` in the platform's config directory as
``platformdirs`` finds it (``%APPDATA%`` on Windows, ``~/Library/Application Support`` on
macOS, ``$XDG_CONFIG_HOME`` or ``~/.config`` elsewhere). The window's layout is kept there too.

Secrets never go into the file: ``save`` keeps them in the system keyring (``secrets``) and
``load`` takes them back from it. A server's PFX password: without a keyring the loaded
workspace lists the servers whose password must be typed again in ``missing_secrets``. A
client's secret headers, tokens in its path or subprotocols and key password
(``client_secrets``): the file holds their places, empty, and lists them in the client's
``"secrets"``; without a keyring a loaded ``ClientConfig`` lists those still empty in its
``missing_secrets``. Saving over a file deletes from the keyring the client secrets it listed
that the new file does not (a client removed or renamed, a header no longer secret). The
file is written readable by its owner only (mode 0600).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from workbench.engine.options import snake_case_client_options, snake_case_server_options

from . import client_secrets, secrets

__all__ = [
    "AUTO_REPLY_MODES",
    "RECENT_LIMIT",
    "ClientConfig",
    "RelayConfig",
    "SavedMessage",
    "ScenarioConfig",
    "ServerConfig",
    "Workspace",
    "WorkspaceError",
    "config_dir",
    "default_path",
]

FORMAT = "websocket-workbench-workspace"
VERSION = 1
RECENT_LIMIT = 20
#: The settings folder's name under the platform's config directory.
APP_DIR = "websocket-workbench"
AUTO_REPLY_MODES = ("off", "echo", "fixed")


class WorkspaceError(Exception):
    """A workspace file could not be read or written; the message says why in plain words."""


@dataclass
class ServerConfig:
    """A server as the user configured it. ``auto_reply`` is "off", "echo" or "fixed";
    ``shared``: on the network for a classroom; ``any_origin``: open to any web page then."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    auto_reply: str = "off"
    auto_reply_text: str = ""
    shared: bool = False
    any_origin: bool = False

    def __post_init__(self) -> None:
        self.options = snake_case_server_options(self.options)


@dataclass
class ClientConfig:
    """A client as the user configured it. ``missing_secrets``: the fields of its secrets
    (``client_secrets``) whose values are not known: not in the keyring when loaded, or
    not typed again since."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    missing_secrets: list[str] = field(default_factory=list, compare=False)

    def __post_init__(self) -> None:
        self.options = snake_case_client_options(self.options)


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
class ScenarioConfig:
    """A scenario of the Scenarios tab: ``text`` (YAML), ``path`` (its file, or ""),
    ``server`` (the name of the workbench server it targets, or "")."""

    name: str
    text: str
    path: str = ""
    server: str = ""


@dataclass
class RelayConfig:
    """A relay as the user configured it: where it listens (``listen``: a server's options),
    where it relays to (``upstream_url``, ``upstream``: a client's options), its header
    edits, Host/Origin and path settings, its ``rules`` (rules file specs) and ``intercept``:
    the directions whose intercept switch is on (``"to_upstream"``, ``"to_client"``), held
    from the next start."""

    name: str
    upstream_url: str = ""
    listen: dict[str, Any] = field(default_factory=dict)
    upstream: dict[str, Any] = field(default_factory=dict)
    fixed_path: bool = False
    rewrite_origin: bool = False
    set_headers: list[list[str]] = field(default_factory=list)
    add_headers: list[list[str]] = field(default_factory=list)
    strip_headers: list[str] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    intercept: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.listen = snake_case_server_options(self.listen)
        self.upstream = snake_case_client_options(self.upstream)


@dataclass
class Workspace:
    servers: list[ServerConfig] = field(default_factory=list)
    clients: list[ClientConfig] = field(default_factory=list)
    saved_messages: list[SavedMessage] = field(default_factory=list)
    recent_messages: list[SavedMessage] = field(default_factory=list)
    scenarios: list[ScenarioConfig] = field(default_factory=list)
    relays: list[RelayConfig] = field(default_factory=list)
    window: dict[str, Any] = field(default_factory=dict)
    #: Names of servers whose PFX password was not in the keyring when this was loaded: the
    #: person has to type it again (it is never written to the file).
    missing_secrets: list[str] = field(default_factory=list, compare=False)

    # -- (de)serialisation -----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "servers": [_without_secrets(asdict(s)) for s in self.servers],
            "clients": [_client_without_secrets(c) for c in self.clients],
            "saved_messages": [asdict(m) for m in self.saved_messages],
            "recent_messages": [asdict(m) for m in self.recent_messages],
            "scenarios": [asdict(s) for s in self.scenarios],
            "relays": [_relay_without_secrets(r) for r in self.relays],
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
                scenarios=[_scenario(item) for item in data.get("scenarios", [])],
                relays=[_relay(item) for item in data.get("relays", [])],
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
        for server in self.servers:
            pfx, password = _pfx(server.options)
            if pfx and password:
                secrets.keep(pfx, password)
        kept_before = _secret_users(target)
        for client in self.clients:
            for name, value in client_secrets.secret_values(client.options).items():
                secrets.keep_value(secrets.client_user(_key(target), client.name, name), value)
        try:
            text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise WorkspaceError(
                f"the workspace holds a value that cannot be saved as JSON: {exc}"
            ) from exc
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # mkstemp creates the file with mode 0600, and os.replace keeps it.
            fd, temp = tempfile.mkstemp(prefix=".workspace-", suffix=".tmp", dir=target.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(temp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except OSError as exc:
            raise WorkspaceError(
                f"could not save the workspace to {target}: {exc.strerror or exc}"
            ) from exc
        for user in kept_before - _secret_users(target):  # a client or secret gone from the file
            secrets.forget_value(user)
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
        workspace = cls.from_dict(data)
        for client in workspace.clients:
            users = {
                f: secrets.client_user(_key(target), client.name, f) for f in client.missing_secrets
            }
            recalled = {f: v for f, user in users.items() if (v := secrets.recall_value(user))}
            client.options = client_secrets.with_secrets(client.options, recalled)
            client.missing_secrets = [f for f in client.missing_secrets if f not in recalled]
        for server in workspace.servers:
            pfx, password = _pfx(server.options)
            if pfx and not password:
                kept = secrets.recall(pfx)
                if kept:
                    server.options["pfx_key_cert_password"] = kept
                else:
                    workspace.missing_secrets.append(server.name)
        return workspace


def _pfx(options: dict[str, Any]) -> tuple[str, str]:
    """The PFX path and password in a server's options (either may be "")."""
    path = options.get("pfx_key_cert_path") or ""
    password = options.get("pfx_key_cert_password") or ""
    return str(path), str(password)


def _without_secrets(server: dict[str, Any]) -> dict[str, Any]:
    options = {k: v for k, v in server["options"].items() if k not in secrets.SECRET_OPTIONS}
    return {**server, "options": options}


def _server(item: dict[str, Any]) -> ServerConfig:
    mode = str(item.get("auto_reply", "off"))
    return ServerConfig(
        name=str(item["name"]),
        options=dict(item.get("options") or {}),
        auto_reply=mode if mode in AUTO_REPLY_MODES else "off",
        auto_reply_text=str(item.get("auto_reply_text", "")),
        shared=item.get("shared", False) is True,
        any_origin=item.get("any_origin", False) is True,
    )


def _client(item: dict[str, Any]) -> ClientConfig:
    """A client of the file; its ``missing_secrets`` are the fields the file left out
    (``load`` takes what it can from the keyring)."""
    return ClientConfig(
        name=str(item["name"]),
        options=dict(item.get("options") or {}),
        missing_secrets=[str(f) for f in item.get("secrets") or []],
    )


def _client_without_secrets(client: ClientConfig) -> dict[str, Any]:
    """A client as the file keeps it: its secrets' places empty and listed."""
    held = client_secrets.secret_values(client.options)
    return {
        "name": client.name,
        "options": client_secrets.without_secrets(client.options, held),
        "secrets": sorted({*held, *client.missing_secrets}),
    }


def _secret_users(target: Path) -> set[str]:
    """The keyring users of the client secrets the file at ``target`` lists (none when it
    cannot be read: then nothing is deleted)."""
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        return {
            secrets.client_user(_key(target), str(item["name"]), str(field))
            for item in data.get("clients", [])
            for field in item.get("secrets") or []
        }
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
        return set()


def _key(target: Path) -> str:
    """The workspace file as the keyring names its clients' secrets."""
    return str(target.resolve())


def _message(item: dict[str, Any]) -> SavedMessage:
    return SavedMessage(
        name=str(item.get("name", "")),
        mime=str(item["mime"]),
        body=str(item["body"]),
        body_format=str(item.get("body_format", "text")),
    )


def _scenario(item: dict[str, Any]) -> ScenarioConfig:
    return ScenarioConfig(
        name=str(item.get("name", "")),
        text=str(item["text"]),
        path=str(item.get("path", "")),
        server=str(item.get("server", "")),
    )


def _relay(item: dict[str, Any]) -> RelayConfig:
    return RelayConfig(
        name=str(item["name"]),
        upstream_url=str(item.get("upstream_url", "")),
        listen=dict(item.get("listen") or {}),
        upstream=dict(item.get("upstream") or {}),
        fixed_path=item.get("fixed_path", False) is True,
        rewrite_origin=item.get("rewrite_origin", False) is True,
        set_headers=[[str(n), str(v)] for n, v in item.get("set_headers") or []],
        add_headers=[[str(n), str(v)] for n, v in item.get("add_headers") or []],
        strip_headers=[str(n) for n in item.get("strip_headers") or []],
        rules=[dict(rule) for rule in item.get("rules") or []],
        intercept=[str(direction) for direction in item.get("intercept") or []],
    )


#: Passwords a relay's options may hold: never written (typed again after a load).
_RELAY_SECRETS = (*secrets.SECRET_OPTIONS, "client_key_password")


def _relay_without_secrets(relay: RelayConfig) -> dict[str, Any]:
    data = asdict(relay)
    for side in ("listen", "upstream"):
        data[side] = {k: v for k, v in data[side].items() if k not in _RELAY_SECRETS}
    return data


def config_dir() -> Path:
    """The folder for the workbench's settings (see the module docstring)."""
    override = os.environ.get("WEBSOCKET_WORKBENCH_CONFIG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_DIR, appauthor=False, roaming=True))


def default_path() -> Path:
    """Where the workspace is saved between runs."""
    return config_dir() / "workspace.json"
