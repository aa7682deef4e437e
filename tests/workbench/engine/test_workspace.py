"""Workspace persistence: the file format, the default path, and the engine round trip."""

from __future__ import annotations

import json

import keyring
import keyring.backend
import pytest

from workbench.engine.compose.message_library import MessageLibrary
from workbench.engine.workbench import Workbench
from workbench.engine.workspace.workspace import (
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


def test_a_file_with_camel_case_options_loads_in_snake_case_and_is_saved_so(tmp_path) -> None:
    # As a workbench that kept the forms' spellings wrote it: core's camelCase spec names.
    old = {
        "format": "websocket-workbench-workspace",
        "version": 1,
        "servers": [
            {
                "name": "echo",
                "options": {"hostInterface": "127.0.0.1", "port": 0, "sendType": "text/plain"},
            }
        ],
        "clients": [
            {
                "name": "c1",
                "options": {"host": "127.0.0.1", "port": 9, "numberOfRetries": 0, "sslTls": False},
            }
        ],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    loaded = Workspace.load(path)
    assert loaded.servers[0].options == {
        "host_interface": "127.0.0.1",
        "port": 0,
        "send_type": "text/plain",
    }
    assert loaded.clients[0].options == {
        "host": "127.0.0.1",
        "port": 9,
        "number_of_retries": 0,
        "ssl_tls": False,
    }
    saved = json.loads(loaded.save(tmp_path / "new.json").read_text(encoding="utf-8"))
    assert saved["servers"][0]["options"] == loaded.servers[0].options
    assert saved["clients"][0]["options"] == loaded.clients[0].options


@pytest.mark.asyncio
async def test_the_engine_keeps_options_in_snake_case_whatever_spelling_comes_in() -> None:
    engine = Workbench()
    try:
        config = ServerConfig("old", {"hostInterface": "127.0.0.1", "port": 0, "sslTls": False})
        assert await engine.load_workspace(Workspace(servers=[config]))
        (server,) = engine.servers.values()
        assert server.options == {"host_interface": "127.0.0.1", "port": 0, "ssl_tls": False}
        assert server.host == "127.0.0.1" and not server.uses_tls
        assert engine.update_server(server.id, {"hostInterface": "127.0.0.2", "sendType": "*/*"})
        assert server.options == {"host_interface": "127.0.0.2", "send_type": "*/*"}
        assert server.send_type == "*/*"
        client_id = engine.add_client({"host": "127.0.0.1", "numberOfRetries": 0})
        assert client_id is not None
        assert engine.client(client_id).options == {"host": "127.0.0.1", "number_of_retries": 0}
        aimed = engine.add_client_for(server.id, {"receiveType": "text/plain"})
        assert aimed is not None
        assert "receiveType" not in engine.client(aimed).options
        assert engine.client(aimed).receive_type == "text/plain"
        # Both spellings of one option are still core's "given twice", not a silent pick.
        assert engine.add_server({"port": 0, "hostInterface": "a", "host_interface": "b"}) is None
        assert "given twice" in engine.errors[-1][1]
    finally:
        await engine.shutdown()


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


class _MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend that keeps passwords in a dict (a real backend object, in memory)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


def _tls_workspace() -> Workspace:
    options = {"port": 0, "sslTls": True, "pfxKeyCertPath": "/certs/server.pfx"}
    return Workspace(servers=[ServerConfig("tls", {**options, "pfxKeyCertPassword": "s3cret!"})])


@pytest.fixture
def no_keyring():
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_without_a_keyring_the_pfx_password_is_not_written_and_must_be_typed_again(
    tmp_path, no_keyring
) -> None:
    path = _tls_workspace().save(tmp_path / "w.json")
    assert "s3cret!" not in path.read_text(encoding="utf-8")
    loaded = Workspace.load(path)
    assert loaded.servers[0].options == {
        "port": 0,
        "ssl_tls": True,
        "pfx_key_cert_path": "/certs/server.pfx",
    }
    assert loaded.missing_secrets == ["tls"]


@pytest.mark.asyncio
async def test_the_engine_asks_for_a_password_the_keyring_did_not_keep(
    tmp_path, no_keyring
) -> None:
    engine = Workbench()
    news: list[str] = []
    engine.on("info_reported", news.append)
    try:
        loaded = Workspace.load(_tls_workspace().save(tmp_path / "w.json"))
        assert await engine.load_workspace(loaded)
    finally:
        await engine.shutdown()
    assert news == [
        "tls: type the PFX password again; without a system keyring it is not kept between runs"
    ]


def test_with_a_keyring_the_pfx_password_round_trips_without_touching_the_file(
    tmp_path,
) -> None:
    before = keyring.get_keyring()
    memory = _MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        path = _tls_workspace().save(tmp_path / "w.json")
        assert "s3cret!" not in path.read_text(encoding="utf-8")
        assert memory.passwords == {("websocket-workbench", "pfx:/certs/server.pfx"): "s3cret!"}
        loaded = Workspace.load(path)
    finally:
        keyring.set_keyring(before)
    assert loaded.servers[0].options["pfx_key_cert_password"] == "s3cret!"
    assert loaded.missing_secrets == []


def test_the_config_dir_is_the_platforms_unless_overridden(monkeypatch) -> None:
    import platformdirs

    from workbench.engine.workspace.workspace import config_dir

    monkeypatch.delenv("WEBSOCKET_WORKBENCH_CONFIG_DIR", raising=False)
    expected = platformdirs.user_config_dir("websocket-workbench", appauthor=False, roaming=True)
    assert str(config_dir()) == expected
    monkeypatch.setenv("WEBSOCKET_WORKBENCH_CONFIG_DIR", "/somewhere/else")
    assert str(config_dir()) == "/somewhere/else"
