"""Secrets stay out of files (issue 17, D9): a client's secret headers, tokens in its path
or subprotocols and its key's password go to the keyring, not into workspace.json (which a
reload fills from the keyring, or the person types again); a redacted export leaves every
one out; every file the workbench writes is readable by its owner only (0600).

The keyring is a real backend object that keeps passwords in memory (as in
``test_workspace``), or keyring's "fail" backend for a machine without one."""

from __future__ import annotations

import json
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from core import Server
from workbench.engine.log.jsonl import export_jsonl, export_jsonl_async, import_jsonl
from workbench.engine.log.store import CONNECTING, HANDSHAKE, OPEN, LogStore
from workbench.engine.private_files import make_private, open_private, write_private
from workbench.engine.secret_names import carries_token, is_secret_query_param, redact_text
from workbench.engine.workbench import Workbench
from workbench.engine.workspace.client_secrets import (
    secret_values,
    with_secrets,
    without_secrets,
)
from workbench.engine.workspace.workspace import ClientConfig, Workspace

from .test_workspace import _MemoryKeyring

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="file modes are POSIX")

#: Every secret below contains this, so one grep finds any of them.
MARK = "s3cr3t"
OPTIONS: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 9,
    "path": f"/chat?room=1&token={MARK}-query&api_key={MARK}-key",
    "subprotocols": ["chat", f"bearer.{MARK}-proto"],
    "headers": [
        ("Authorization", f"Bearer {MARK}-auth"),
        ("Cookie", f"session={MARK}-cookie"),
        ("X-Api-Key", f"{MARK}-apikey"),
        ("X-Custom", f"{MARK}-custom"),  # marked secret by the person
        ("X-Trace", "not-secret"),
    ],
    "secret_headers": ["Authorization", "Cookie", "X-Api-Key", "X-Custom"],
    "client_key_password": f"{MARK}-pem",
}


@pytest.fixture
def memory_keyring() -> Iterator[_MemoryKeyring]:
    before = keyring.get_keyring()
    memory = _MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- what is a secret, and its redaction (pure) -----------------------------------------------


def test_token_and_key_like_names_and_subprotocols_are_secrets() -> None:
    assert all(map(is_secret_query_param, ["token", "api_key", "X-Amz-Signature", "sig"]))
    assert all(map(is_secret_query_param, ["access_token", "password", "auth", "sessionid"]))
    assert not any(map(is_secret_query_param, ["room", "name", "page", "v"]))
    assert all(map(carries_token, ["bearer.abc", "token=x", "eyJhbGciOiJIUzI1NiJ9.e30.sig123"]))
    assert all(map(carries_token, ["base64url.bearer.authorization.k8s.io.ZXlK"]))
    assert not any(map(carries_token, ["chat", "access_token", "graphql-transport-ws", "v2.json"]))


def test_redact_text_covers_headers_queries_and_subprotocols() -> None:
    text = (
        f"GET /chat?room=1&token={MARK}1 (request headers)\n"
        f"Authorization: Bearer {MARK}2\ncookie: a={MARK}3\nX-Api-Key: {MARK}4\n"
        f"X-Auth-Token: {MARK}5\nX-Custom: {MARK}6\nSec-WebSocket-Key: dGhlIHNhbXBsZQ==\n"
        f"Sec-WebSocket-Protocol: chat, bearer.{MARK}7\n\n"
        f"HTTP 101 (response headers)\nSet-Cookie: id={MARK}8\nSec-WebSocket-Protocol: chat"
    )
    redacted = redact_text(text, frozenset({"x-custom"}))
    assert MARK not in redacted, redacted
    assert "GET /chat?room=1&token=[redacted] (request headers)" in redacted
    assert "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==" in redacted  # a nonce, not a secret
    assert "Sec-WebSocket-Protocol: chat, [redacted]" in redacted
    assert redact_text(f"attempt 1 of 3 to ws://h:1/?api_key={MARK}") == (
        "attempt 1 of 3 to ws://h:1/?api_key=[redacted]"
    )
    assert redact_text(f"open: connected, subprotocol bearer.{MARK}") == (
        "open: connected, subprotocol [redacted]"
    )
    assert redact_text(f"X-Custom: {MARK}") == f"X-Custom: {MARK}"  # not marked: kept


def test_client_secrets_come_out_in_place_and_go_back() -> None:
    found = secret_values(OPTIONS)
    assert set(found) == {
        "header:0:Authorization",
        "header:1:Cookie",
        "header:2:X-Api-Key",
        "header:3:X-Custom",
        "query:1:token",
        "query:2:api_key",
        "subprotocol:1",
        "client_key_password",
    }
    assert all(MARK in value for value in found.values())
    public = without_secrets(OPTIONS, found)
    assert MARK not in json.dumps(public)
    assert public["path"] == "/chat?room=1&token=&api_key="
    assert public["headers"][4] == ("X-Trace", "not-secret")
    assert with_secrets(public, found) == OPTIONS
    # Without the person's marks, the default ones apply (not X-Custom).
    defaults = {k: v for k, v in OPTIONS.items() if k != "secret_headers"}
    assert "header:3:X-Custom" not in secret_values(defaults)
    assert "header:2:X-Api-Key" in secret_values(defaults)


# -- the workspace file -----------------------------------------------------------------------


def test_the_workspace_file_holds_no_secret_and_the_keyring_gives_them_back(
    tmp_path: Path, memory_keyring: _MemoryKeyring
) -> None:
    path = Workspace(clients=[ClientConfig("api", OPTIONS)]).save(tmp_path / "workspace.json")
    data = path.read_bytes()
    assert MARK.encode() not in data
    assert mode(path) == 0o600
    [client] = json.loads(data)["clients"]
    assert "header:0:Authorization" in client["secrets"]
    assert len(memory_keyring.passwords) == 8
    assert all(user.startswith("client:") for _service, user in memory_keyring.passwords)
    [loaded] = Workspace.load(path).clients
    assert loaded.options == {**OPTIONS, "headers": [list(p) for p in OPTIONS["headers"]]}
    assert loaded.missing_secrets == []
    # Another workspace file with a client of the same name keeps its own secrets.
    other = Workspace(clients=[ClientConfig("api", {**OPTIONS, "client_key_password": "x"})])
    other.save(tmp_path / "other.json")
    assert Workspace.load(path).clients[0].options["client_key_password"] == f"{MARK}-pem"


def test_saving_over_a_file_deletes_the_secrets_it_no_longer_holds(
    tmp_path: Path, memory_keyring: _MemoryKeyring
) -> None:
    path = tmp_path / "workspace.json"
    Workspace(clients=[ClientConfig("api", OPTIONS), ClientConfig("old", OPTIONS)]).save(path)
    assert len(memory_keyring.passwords) == 16
    fewer = {**OPTIONS, "headers": OPTIONS["headers"][1:], "client_key_password": None}
    Workspace(clients=[ClientConfig("api", fewer)]).save(path)
    users = {tuple(user.rsplit("#", 2)[1:]) for _service, user in memory_keyring.passwords}
    assert "old" not in {client for client, _field in users}
    fields = {field for _client, field in users}
    assert not any("Authorization" in f or f == "client_key_password" for f in fields)
    assert len(memory_keyring.passwords) == 6  # the 8 less the header and the key password
    assert Workspace.load(path).clients[0].options["headers"][0] == [
        "Cookie",
        f"session={MARK}-cookie",
    ]


@pytest.mark.asyncio
async def test_without_a_keyring_a_client_asks_again_and_does_not_open_until_then(
    tmp_path: Path, no_keyring: None
) -> None:
    seen: list[str] = []

    def check(request: Any) -> Any:
        seen.append(request.headers.get("Authorization", ""))
        return None

    server = Server(host_interface="127.0.0.1", port=0, process_request=check)
    await server.start()
    engine = Workbench()
    news: list[str] = []
    engine.on("info_reported", news.append)
    try:
        options = {**OPTIONS, "port": server.port, "subprotocols": None, "path": "/"}
        options["client_key_password"] = ""
        path = Workspace(clients=[ClientConfig("api", options)]).save(tmp_path / "w.json")
        assert MARK.encode() not in path.read_bytes()
        loaded = Workspace.load(path)
        assert loaded.clients[0].missing_secrets == [
            "header:0:Authorization",
            "header:1:Cookie",
            "header:2:X-Api-Key",
            "header:3:X-Custom",
        ]
        assert await engine.load_workspace(loaded)
        [client_id] = engine.clients
        assert "api: type the Authorization header, the Cookie header" in news[-1]
        assert await engine.open_client(client_id) is False  # not with empty secrets
        assert "type the Authorization header" in engine.errors[-1][1] and seen == []
        assert engine.provide_client_secrets(
            client_id,
            {
                "header:0:Authorization": "Bearer typed-again",
                "header:1:Cookie": "c=1",
                "header:2:X-Api-Key": "k",
                "header:3:X-Custom": "x",
            },
        )
        assert engine.client(client_id).secret_missing == []
        assert await engine.open_client(client_id)
        assert seen == ["Bearer typed-again"]
        # Saved again, the fields are listed and their values are still not in the file.
        again = engine.to_workspace().save(tmp_path / "again.json")
        assert b"typed-again" not in again.read_bytes()
    finally:
        await engine.shutdown()
        await server.stop()


# -- exports ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_redacted_export_of_a_real_connection_leaves_every_secret_out(
    tmp_path: Path,
) -> None:
    engine = Workbench()
    try:
        server_id = engine.add_server(
            {"host_interface": "127.0.0.1", "port": 0, "subprotocols": [f"bearer.{MARK}-proto"]}
        )
        assert server_id is not None and await engine.start_server(server_id)
        port = engine.server(server_id).port
        options = {**OPTIONS, "port": port, "client_key_password": ""}
        client_id = engine.add_client(options, "api")
        assert client_id is not None and await engine.open_client(client_id)
        store = engine.log(client_id)
        assert [e.kind for e in store][:3] == [CONNECTING, HANDSHAKE, OPEN]
        assert MARK in "".join(e.detail for e in store)  # the log itself shows them
        (socket,) = engine.sockets_of(server_id)
        for log, name in ((store, "client"), (socket.log, "socket")):
            redacted, full = tmp_path / f"{name}.jsonl", tmp_path / f"{name}-full.jsonl"
            assert export_jsonl(log, redacted) == len(log)
            assert await export_jsonl_async(log, full, redact=False) == len(log)
            text = redacted.read_text(encoding="utf-8")
            if log is socket.log:  # the person marked X-Custom on the client, not here
                text = text.replace(f"X-Custom: {MARK}-custom", "")
            assert MARK not in text, [line for line in text.splitlines() if MARK in line]
            assert "[redacted]" in text and "not-secret" in text
            assert MARK in full.read_text(encoding="utf-8")
            assert mode(redacted) == mode(full) == 0o600
            handshake = next(e for e in import_jsonl(redacted).store if e.kind == HANDSHAKE)
            assert handshake.detail.count("[redacted]") >= 5
        assert "x-custom" in store.secret_headers  # the person's own mark reached the log
    finally:
        await engine.shutdown()


def test_an_existing_export_file_becomes_private_too(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text("anything")
    path.chmod(0o644)
    store = LogStore(name="c")
    store.log_event(HANDSHAKE, "GET / (request headers)\nHost: h")
    export_jsonl(store, path)
    assert mode(path) == 0o600 and json.loads(path.read_text().splitlines()[0])["redacted"]


# -- every file the workbench writes ------------------------------------------------------------


def test_the_private_file_helpers_create_0600(tmp_path: Path) -> None:
    with open_private(tmp_path / "a.txt", encoding="utf-8") as stream:
        stream.write("a")
    assert write_private(tmp_path / "b.bin", b"b").read_bytes() == b"b"
    made = make_private(tmp_path / "c.png")
    assert [mode(tmp_path / n) for n in ("a.txt", "b.bin", "c.png")] == [0o600] * 3
    assert made.read_bytes() == b""
    with pytest.raises(ValueError, match="mode 'w' or 'wb'"):
        open_private(tmp_path / "d", "a")  # type: ignore[call-overload]


ECHO = """name: echo
url: "ws://127.0.0.1:9/"
steps:
  - send: {text: hi}
  - expect: {text: hi}
"""


def test_scenario_reports_and_exports_are_private(tmp_path: Path) -> None:
    from workbench.engine.scenarios.cli import main

    (tmp_path / "good.yaml").write_text(ECHO)
    (tmp_path / "bad.yaml").write_text("name: [unfinished\n")
    junit, report, exported = tmp_path / "r.xml", tmp_path / "r.json", tmp_path / "test_e.py"
    code = main(["run", str(tmp_path / "bad.yaml"), "--junit", str(junit), "--json", str(report)])
    assert code != 0 and junit.read_bytes() and report.read_bytes()
    assert main(["export", str(tmp_path / "good.yaml"), "-o", str(exported)]) == 0
    assert "def test_" in exported.read_text(encoding="utf-8")
    assert [mode(p) for p in (junit, report, exported)] == [0o600] * 3


@pytest.mark.asyncio
async def test_a_trusted_server_certificate_is_written_private(tmp_path: Path) -> None:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_path))
    cert.private_key_pem.write_to_path(str(key_path))
    engine = Workbench()
    server_id = engine.add_server(
        {"port": 0, "ssl_tls": True, "cert_path": str(cert_path), "key_path": str(key_path)}
    )
    assert server_id is not None
    client_id = engine.add_client_for(server_id, {})
    assert client_id is not None
    trusted = Path(engine.client(client_id).options["trusted_ca_cert_path"])
    assert trusted.is_file() and mode(trusted) == 0o600
    await engine.shutdown()
