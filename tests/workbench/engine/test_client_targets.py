"""Clients made for a workbench server (plain asyncio, real loopback servers): they follow a
port-0 server to its new port, and a TLS server gives a wss:// client that trusts it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    load_pem_private_key,
    pkcs12,
)

from workbench.engine.workbench import Workbench

pytestmark = pytest.mark.asyncio

LOCAL = "127.0.0.1"
TIMEOUT = 5.0
BASE = {"host": "127.0.0.1", "port": 8080, "number_of_retries": 0}


@pytest_asyncio.fixture
async def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Workbench]:
    monkeypatch.setenv("WEBSOCKET_WORKBENCH_CONFIG_DIR", str(tmp_path / "config"))
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


async def test_a_client_made_for_a_port_0_server_follows_it_to_its_new_port(engine) -> None:
    server_id = engine.add_server({"hostInterface": LOCAL, "port": 0}, name="s")
    assert await engine.start_server(server_id)
    first_port = engine.server(server_id).port
    client_id = engine.add_client_for(server_id, BASE, name="c")
    assert engine.client(client_id).url == f"ws://{LOCAL}:{first_port}/"
    changed: list[str] = []
    engine.on("client_changed", changed.append)
    assert await engine.stop_server(server_id)
    assert await engine.start_server(server_id)
    second_port = engine.server(server_id).port
    assert second_port != first_port
    assert engine.client(client_id).url == f"ws://{LOCAL}:{second_port}/"
    assert engine.client(client_id).options["port"] == second_port
    assert changed == [client_id]
    assert await engine.open_client(client_id) is True
    # A client added by hand (no server_id) keeps its options.
    other = engine.add_client({**BASE, "port": second_port})
    assert await engine.stop_server(server_id) and await engine.start_server(server_id)
    assert engine.client(other).options["port"] == second_port


def _pfx(tmp_path: Path, password: bytes) -> str:
    leaf = trustme.CA().issue_cert(LOCAL, "localhost")
    key = load_pem_private_key(leaf.private_key_pem.bytes(), None)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    data = pkcs12.serialize_key_and_certificates(
        b"server",
        key,  # type: ignore[arg-type]
        cert,
        None,
        BestAvailableEncryption(password),
    )
    path = tmp_path / "server.pfx"
    path.write_bytes(data)
    return str(path)


async def test_a_client_made_for_a_tls_server_is_wss_and_trusts_its_certificate(
    engine, tmp_path
) -> None:
    pfx = _pfx(tmp_path, b"pw")
    server_id = engine.add_server(
        {
            "hostInterface": LOCAL,
            "port": 0,
            "sslTls": True,
            "pfxKeyCertPath": pfx,
            "pfxKeyCertPassword": "pw",
        }
    )
    assert await engine.start_server(server_id)
    assert engine.set_auto_reply(server_id, "echo")
    client_id = engine.add_client_for(server_id, BASE)
    handle = engine.client(client_id)
    assert handle.url == f"wss://{LOCAL}:{engine.server(server_id).port}/"
    trusted = Path(handle.options["trusted_ca_cert_path"])
    assert trusted.parent == tmp_path / "config" / "trusted"
    assert trusted.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert await engine.open_client(client_id) is True, engine.errors
    assert engine.send(client_id, {"over": "tls"})
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while handle.log.messages_in < 1 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.005)
    assert [e.value for e in handle.log if e.direction == "in"] == [{"over": "tls"}]


async def test_a_tls_server_whose_certificate_cannot_be_read_is_reported(engine) -> None:
    server_id = engine.add_server(
        {"hostInterface": LOCAL, "port": 0, "sslTls": True, "cert_path": "/nonexistent.pem"}
    )
    assert engine.add_client_for(server_id, BASE) is None
    assert engine.errors[-1][1].startswith("cannot make a client that trusts this server:")
    assert not engine.clients
