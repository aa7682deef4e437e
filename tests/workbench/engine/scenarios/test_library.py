"""The window's scenarios in the workspace: saved with their text, file and target server
(by name), restored by the facade aimed at the server of that name in the new session;
a workspace file written before scenarios still loads; files read and written whole."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from workbench.engine.scenarios.library import read_scenario_file, write_scenario_file
from workbench.engine.workbench import Workbench
from workbench.engine.workspace.workspace import ScenarioConfig, Workspace

TEXT = "name: one\nurl: 'ws://127.0.0.1:1/'\nsteps:\n  - ping\n"


def test_scenarios_round_trip_through_the_workspace_file(tmp_path: Path) -> None:
    async def main() -> None:
        first = Workbench()
        server_id = first.add_server({"port": 0}, "Chat server")
        assert server_id is not None
        events: list[tuple[str, tuple[object, ...]]] = []
        for name in ("added", "changed", "removed", "reset"):
            first.scenarios.on(name, lambda *a, _n=name: events.append((_n, a)))
        kept = first.scenarios.add(TEXT, "one", str(tmp_path / "one.yaml"), server_id, saved=True)
        gone = first.scenarios.add("steps: []\n", "two")
        first.scenarios.update(kept, text=TEXT + "  - ping\n")
        first.scenarios.remove(gone)
        assert events == [
            ("added", (kept,)),
            ("added", (gone,)),
            ("changed", (kept,)),
            ("removed", (gone,)),
        ]
        assert first.scenarios.documents[kept].modified  # unsaved edits, kept in the workspace
        path = first.to_workspace().save(tmp_path / "workspace.json")
        saved = json.loads(path.read_text(encoding="utf-8"))
        assert saved["scenarios"] == [
            {
                "name": "one",
                "text": TEXT + "  - ping\n",
                "path": str(tmp_path / "one.yaml"),
                "server": "Chat server",
            }
        ]

        second = Workbench()
        second.add_server({"port": 0}, "Another")
        assert await second.load_workspace(Workspace.load(path))
        (document,) = second.scenarios.documents.values()
        assert (document.name, document.text) == ("one", TEXT + "  - ping\n")
        assert second.server(document.server_id or "").name == "Chat server"  # a new id
        await first.shutdown()
        await second.shutdown()

    asyncio.run(main())


def test_a_workspace_written_before_scenarios_loads_with_none(tmp_path: Path) -> None:
    old = {"format": "websocket-workbench-workspace", "version": 1, "servers": [], "clients": []}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert Workspace.load(path).scenarios == []
    # A target server that is gone: the scenario stays and uses its own URLs.
    workspace = Workspace(scenarios=[ScenarioConfig("x", TEXT, "", "Gone server")])
    engine = Workbench()
    engine.scenarios.load_configs(Workspace.from_dict(workspace.to_dict()).scenarios)
    assert [d.server_id for d in engine.scenarios.documents.values()] == [None]


def test_files_are_read_and_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "s.yaml"
    write_scenario_file(target, TEXT)
    assert read_scenario_file(target) == TEXT
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]  # no temporary file left
    with pytest.raises(OSError):
        read_scenario_file(tmp_path / "missing.yaml")
    with pytest.raises(OSError):
        write_scenario_file(tmp_path / "no folder" / "s.yaml", TEXT)
