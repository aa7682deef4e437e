"""Workspace persistence: the file format, the default path, and the engine round trip."""

from __future__ import annotations

import json

import pytest

from workbench.engine.messages import MessageLibrary
from workbench.engine.workbench import Workbench
from workbench.engine.workspace import (
    ClientConfig,
    SavedMessage,
    ServerConfig,
    Workspace,
    WorkspaceError,
    default_path,
)


def _sample() -> Workspace:
    return Workspace(
        servers=[
            ServerConfig("echo", {"hostInterface": "127.0.0.1", "port": 0}, "fixed", '{"ok":true}')
        ],
        clients=[
            ClientConfig("c1", {"host": "127.0.0.1", "port": 8080, "headers": {"X-Test": "1"}})
        ],
        saved_messages=[SavedMessage("hello", "application/json", '{"hello": 1}')],
        recent_messages=[SavedMessage("", "text/plain", "hi")],
        window={"geometry": "AAAA"},
    )


def test_save_and_load_round_trip(tmp_path) -> None:
    path = tmp_path / "sub" / "my.workspace.json"
    workspace = _sample()
    assert workspace.save(path) == path
    loaded = Workspace.load(path)
    assert loaded == workspace
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "websocket-workbench-workspace"
    assert not [
        p for p in path.parent.iterdir() if p.name.startswith(".workspace-")
    ]  # no temp left


def test_default_path_first_run_is_empty(config_dir) -> None:
    assert default_path() == config_dir / "workspace.json"
    assert Workspace.load() == Workspace()
    _sample().save()
    assert Workspace.load().servers[0].name == "echo"


def test_bad_files_raise_plain_errors(tmp_path) -> None:
    with pytest.raises(WorkspaceError, match="no workspace file"):
        Workspace.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="not valid JSON"):
        Workspace.load(bad)
    bad.write_text('{"servers": []}', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="not a WebSocket Workbench workspace"):
        Workspace.load(bad)
    bad.write_text(
        '{"format": "websocket-workbench-workspace", "version": 1, "servers": [{}]}',
        encoding="utf-8",
    )
    with pytest.raises(WorkspaceError, match="damaged"):
        Workspace.load(bad)
    with pytest.raises(WorkspaceError, match="cannot be saved as JSON"):
        Workspace(servers=[ServerConfig("x", {"port": object()})]).save(tmp_path / "x.json")


def test_recent_messages_are_unique_newest_first_and_bounded() -> None:
    library = MessageLibrary()
    changes: list[None] = []
    library.on("changed", lambda: changes.append(None))
    for n in range(25):
        library.remember(SavedMessage("", "text/plain", f"m{n}"))
    library.remember(SavedMessage("", "text/plain", "m20"))
    assert [m.body for m in library.recent[:3]] == ["m20", "m24", "m23"]
    assert len(library.recent) == 20
    library.save(SavedMessage("a", "text/plain", "1"))
    library.save(SavedMessage("b", "text/plain", "1"))
    library.save(SavedMessage("a", "text/plain", "2"))
    assert [(m.name, m.body) for m in library.saved] == [("a", "2"), ("b", "1")]
    assert library.delete("a") and not library.delete("a")
    assert len(changes) == 26 + 3 + 1


@pytest.mark.asyncio
async def test_engine_round_trip_through_a_file(tmp_path) -> None:
    base = _sample()
    engine, other = Workbench(), Workbench()
    try:
        assert await engine.load_workspace(base)
        assert [h.name for h in engine.servers.values()] == ["echo"]
        assert engine.server("server-1").auto_reply.mode == "fixed"
        assert engine.server("server-1").auto_reply.value == {"ok": True}
        assert [h.url for h in engine.clients.values()] == ["ws://127.0.0.1:8080/"]
        assert engine.messages.saved == base.saved_messages
        path = engine.to_workspace(base).save(tmp_path / "w.json")

        assert await other.load_workspace(Workspace.load(path))
        assert other.to_workspace(base) == engine.to_workspace(base) == Workspace.load(path)
        assert engine.to_workspace(base) == base
        # Replacing removes what was there: loading an empty workspace empties the engine.
        assert await other.load_workspace(Workspace())
        assert not other.servers and not other.clients and not other.messages.recent
    finally:
        await engine.shutdown()
        await other.shutdown()
