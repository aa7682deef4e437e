"""The scenarios of a window (Qt-free): each one's YAML text, the file it belongs to and the
workbench server it targets, kept in the workspace; and making one from rows of a log.

A ``ScenarioDocument`` holds ``text`` (the truth: the step list and the forms are views of
it), ``path`` (the file it was opened from or saved to, "" if none), ``server_id`` (the
workbench server whose host and port it connects to, following its port, or None for the
URLs in the text) and ``saved_text`` (what the file holds, to tell unsaved changes).

Events (``on(name, handler)``): ``added(doc_id)``, ``changed(doc_id)``, ``removed(doc_id)``,
``reset()`` (the workspace was loaded: every document was replaced), ``recorded(doc_id)``
(after ``added``: the document was made from rows of a log, to be shown).

The workspace keeps a document as a ``ScenarioConfig``: the target server by its name, as
servers get new ids in each session; a server of that name that no longer exists is
dropped (the URLs in the text are used).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core import EventEmitter
from workbench.engine.log.store import OPEN, LogEntry
from workbench.engine.workspace.workspace import ScenarioConfig

from .host import ScenarioHost
from .recording import RecordingSource, record_scenario
from .yaml_writer import dump_scenario

__all__ = [
    "LibraryEvent",
    "ScenarioDocument",
    "ScenarioLibrary",
    "read_scenario_file",
    "write_scenario_file",
]

LibraryEvent = Literal["added", "changed", "removed", "reset", "recorded"]
#: Options of a recorded client that a scenario keeps (the handshake's own).
RECORDED_OPTIONS = ("subprotocols", "headers", "origin")
_MAX_FILE = 16 * 1024 * 1024
_ANY_ADDRESS = ("0.0.0.0", "::", "")


@dataclass
class ScenarioDocument:
    """One scenario of the window (see the module docstring)."""

    id: str
    name: str
    text: str
    path: str = ""
    server_id: str | None = None
    saved_text: str | None = None

    @property
    def modified(self) -> bool:
        return self.text != self.saved_text


class ScenarioLibrary(EventEmitter[LibraryEvent]):
    """``ScenarioLibrary(host)``: the documents by id, in the order they were added."""

    def __init__(self, host: ScenarioHost) -> None:
        super().__init__()
        self.host = host
        self.documents: dict[str, ScenarioDocument] = {}
        self._numbers: Iterator[int] = itertools.count(1)

    def add(
        self,
        text: str,
        name: str,
        path: str = "",
        server_id: str | None = None,
        saved: bool = False,
    ) -> str:
        """Add a document; its id. ``saved``: ``text`` is what ``path`` holds."""
        doc_id = f"scenario-{next(self._numbers)}"
        self.documents[doc_id] = ScenarioDocument(
            doc_id, name, text, path, server_id, text if saved else None
        )
        self.emit("added", doc_id)
        return doc_id

    def update(self, doc_id: str, **changes: Any) -> None:
        """Change a document's ``text``, ``name``, ``path``, ``server_id`` or ``saved_text``."""
        document = self.documents[doc_id]
        for key, value in changes.items():
            if not hasattr(document, key) or key == "id":
                raise TypeError(f"a scenario document has no {key!r}")
            setattr(document, key, value)
        self.emit("changed", doc_id)

    def remove(self, doc_id: str) -> None:
        if self.documents.pop(doc_id, None) is not None:
            self.emit("removed", doc_id)

    # -- the workspace ----------------------------------------------------------------------

    def configs(self) -> list[ScenarioConfig]:
        servers = self.host.servers
        return [
            ScenarioConfig(
                d.name,
                d.text,
                d.path,
                servers[d.server_id].name if d.server_id in servers else "",
            )
            for d in self.documents.values()
        ]

    def load_configs(self, configs: Sequence[ScenarioConfig], replace: bool = True) -> None:
        """Take the workspace's scenarios (``replace``: instead of the ones held)."""
        if replace:
            self.documents.clear()
        by_name = {h.name: h.id for h in self.host.servers.values()}
        for config in configs:
            doc_id = f"scenario-{next(self._numbers)}"
            self.documents[doc_id] = ScenarioDocument(
                doc_id, config.name, config.text, config.path, by_name.get(config.server)
            )
        self.emit("reset")

    # -- recording --------------------------------------------------------------------------

    def record(self, log_id: str, entries: Sequence[LogEntry]) -> str:
        """A new document from rows of the log of a client or a server-side socket
        (``recording``): it targets the workbench server of that conversation when there
        is one. ``RecordingError`` if the rows make no scenario; ``KeyError`` for an
        unknown log."""
        source, name, server_id = self._source(log_id)
        data = record_scenario(entries, source, f"recorded from {name}")
        doc_id = self.add(dump_scenario(data), str(data["name"]), server_id=server_id)
        self.emit("recorded", doc_id)
        return doc_id

    def _source(self, log_id: str) -> tuple[RecordingSource, str, str | None]:
        host = self.host
        store = host.log(log_id)
        open_times = [entry.time for entry in store if entry.kind == OPEN]
        if log_id in host.clients:
            handle = host.client(log_id)
            options = {
                key: _plain(handle.options[key])
                for key in RECORDED_OPTIONS
                if handle.options.get(key)
            }
            url = handle.core.url if handle.core is not None else handle.url
            source = RecordingSource(
                "client", url, options, tuple(handle.close_requests), open_times
            )
            server_id = handle.server_id if handle.server_id in host.servers else None
            return source, handle.name, server_id
        socket = host.socket(log_id)
        server = host.server(socket.server_id)
        address = "127.0.0.1" if server.host in _ANY_ADDRESS else server.host
        address = f"[{address}]" if ":" in address else address
        port = server.port or server.options.get("port", 80)
        scheme = "wss" if server.uses_tls else "ws"
        offered: dict[str, Any] = {}
        if socket.core.subprotocol:
            offered["subprotocols"] = [socket.core.subprotocol]
        url = f"{scheme}://{address}:{port}{socket.core.path}"
        source = RecordingSource("server", url, offered, tuple(socket.close_requests), open_times)
        return source, f"{server.name} ← {socket.remote_address}", server.id


def _plain(value: Any) -> Any:
    """An option value as YAML can write it (tuples become lists)."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def read_scenario_file(path: str | os.PathLike[str]) -> str:
    """A scenario file's text (slow: for a worker thread); ``OSError``/``ValueError`` saying
    why it cannot be read."""
    file = Path(path)
    if file.stat().st_size > _MAX_FILE:
        raise ValueError(f"{file} is over 16 MiB: it is not a scenario file")
    return file.read_text(encoding="utf-8")


def write_scenario_file(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (slow: for a worker thread); ``OSError``."""
    target = Path(path)
    fd, temp = tempfile.mkstemp(prefix=".scenario-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
