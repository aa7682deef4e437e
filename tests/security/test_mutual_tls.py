"""Mutual TLS: a Client presents a certificate, a Server verifies it against a CA file, and the
Socket reads the client's subject; wrong files are refused at construction, saying what to do.
Certificates are made per test with trustme.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_pem_private_key,
)

from core import Client, ConnectError, Server, Socket
from tests.helpers import TIMEOUT, Recorder, echo_server


@dataclass
class Pki:
    """PEM files of a CA, a server certificate for 127.0.0.1, and a client 'alice'."""

    ca: str
    server: str  # key and certificate chain in one file
    client_cert: str
    client_key: str
    folder: Path


def make_pki(folder: Path, ca: trustme.CA | None = None) -> Pki:
    ca = ca or trustme.CA()
    (folder / "ca.pem").write_bytes(ca.cert_pem.bytes())
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(folder / "server.pem")
    alice = ca.issue_cert("alice@example.test", common_name="alice")
    (folder / "alice.pem").write_bytes(b"".join(blob.bytes() for blob in alice.cert_chain_pems))
    alice.private_key_pem.write_to_path(folder / "alice.key")
    return Pki(
        str(folder / "ca.pem"),
        str(folder / "server.pem"),
        str(folder / "alice.pem"),
        str(folder / "alice.key"),
        folder,
    )


async def mtls_server(pki: Pki, **options: Any) -> Server:
    server = Server(
        host_interface="127.0.0.1",
        port=0,
        ssl_tls=True,
        cert_path=pki.server,
        key_path=pki.server,
        ping_interval=None,
        **options,
    )
    server.on("connection", lambda socket: socket.on("message", socket.send))
    await asyncio.wait_for(server.start(), TIMEOUT)
    return server


def tls_client(server: Server, pki: Pki, **options: Any) -> Client:
    return Client(
        host="127.0.0.1",
        port=server.port,
        ssl_tls=True,
        trusted_ca_cert_path=pki.ca,
        number_of_retries=0,
        ping_interval=None,
        **options,
    )


async def echo_once(client: Client) -> Any:
    await asyncio.wait_for(client.open(), TIMEOUT)
    client.send({"hello": "mtls"})
    reply = await client.wait_for("message", timeout=TIMEOUT)
    await client.close()
    return reply


@pytest.mark.asyncio
async def test_a_client_with_a_certificate_the_ca_signed_connects_and_its_subject_is_seen(
    tmp_path: Path,
) -> None:
    pki = make_pki(tmp_path)
    server = await mtls_server(pki, client_ca_path=pki.ca, require_client_cert=True)
    connections = Recorder(server, ["connection"])
    try:
        client = tls_client(
            server, pki, client_cert_path=pki.client_cert, client_key_path=pki.client_key
        )
        assert await echo_once(client) == {"hello": "mtls"}
        trusting_all = Client(
            host="127.0.0.1",
            port=server.port,
            ssl_tls=True,
            trust_all=True,
            client_cert_path=pki.client_cert,
            client_key_path=pki.client_key,
            number_of_retries=0,
        )
        await echo_once(trusting_all)
    finally:
        await server.stop()
    # The client reads the server certificate's subject the same way, once it verified it.
    assert client.peer_certificate_subject is not None
    assert client.peer_certificate_subject["organizationName"].startswith("trustme")
    assert trusting_all.peer_certificate_subject is None
    socket, _other = connections.values("connection")
    assert isinstance(socket, Socket)
    subject = socket.peer_certificate_subject
    assert subject is not None and subject["commonName"] == "alice"
    assert subject["organizationName"].startswith("trustme")


@pytest.mark.asyncio
@pytest.mark.parametrize("case", ["no certificate", "certificate of another CA"])
async def test_a_client_without_a_trusted_certificate_is_refused(tmp_path: Path, case: str) -> None:
    pki = make_pki(tmp_path)
    server = await mtls_server(pki, client_ca_path=pki.ca, require_client_cert=True)
    connections = Recorder(server, ["connection"])
    options: dict[str, Any] = {}
    if case == "certificate of another CA":
        (tmp_path / "other").mkdir()
        other = make_pki(tmp_path / "other")
        options = {"client_cert_path": other.client_cert, "client_key_path": other.client_key}
    client = tls_client(server, pki, **options)
    errors = Recorder(client, ["open", "error"])
    try:
        with pytest.raises(ConnectError) as caught:
            await asyncio.wait_for(client.open(), TIMEOUT)
    finally:
        await server.stop()
    assert caught.value.attempts == 1
    if case == "no certificate":
        assert "set client_cert_path and client_key_path" in str(caught.value)
    assert errors.names() == ["error"] and client.state == "failed"
    assert connections.events == []


@pytest.mark.asyncio
async def test_an_optional_client_certificate_is_verified_when_sent(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    server = await mtls_server(pki, client_ca_path=pki.ca)
    connections = Recorder(server, ["connection"])
    try:
        await echo_once(tls_client(server, pki))
        await echo_once(
            tls_client(
                server, pki, client_cert_path=pki.client_cert, client_key_path=pki.client_key
            )
        )
    finally:
        await server.stop()
    anonymous, alice = connections.values("connection")
    assert anonymous.peer_certificate_subject is None
    assert alice.peer_certificate_subject["commonName"] == "alice"


@pytest.mark.asyncio
async def test_no_subject_without_tls_or_when_the_server_does_not_verify(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    server = await mtls_server(pki)  # TLS, but no client_ca_path: certificates not asked for
    plain = await echo_server(ping_interval=None)
    seen = Recorder(server, ["connection"])
    seen_plain = Recorder(plain, ["connection"])
    try:
        await echo_once(
            tls_client(
                server, pki, client_cert_path=pki.client_cert, client_key_path=pki.client_key
            )
        )
        await echo_once(Client(host="127.0.0.1", port=plain.port, number_of_retries=0))
    finally:
        await server.stop()
        await plain.stop()
    assert seen.values("connection")[0].peer_certificate_subject is None
    assert seen_plain.values("connection")[0].peer_certificate_subject is None


def encrypted_key(pki: Pki, password: bytes) -> str:
    key = load_pem_private_key(Path(pki.client_key).read_bytes(), None)
    path = pki.folder / "alice-encrypted.key"
    path.write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(password))
    )
    return str(path)


def test_wrong_client_files_raise_at_construction_saying_what_to_do(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    other = trustme.CA().issue_cert("bob")
    (tmp_path / "bob.key").write_bytes(other.private_key_pem.bytes())
    base = {"ssl_tls": True, "trusted_ca_cert_path": pki.ca}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"client_cert_path": str(tmp_path / "missing.pem")}, "is not a file; give a PEM file"),
        (
            {"client_cert_path": pki.client_key, "client_key_path": pki.client_key},
            "is not a PEM certificate",
        ),
        ({"client_cert_path": pki.client_cert}, "holds no PEM private key; set client_key_path"),
        (
            {"client_cert_path": pki.client_cert, "client_key_path": str(tmp_path / "bob.key")},
            "is not the key of the certificate",
        ),
        (
            {"client_cert_path": pki.client_cert, "client_key_path": encrypted_key(pki, b"pw")},
            "is an encrypted key: set client_key_password",
        ),
        (
            {
                "client_cert_path": pki.client_cert,
                "client_key_path": encrypted_key(pki, b"pw"),
                "client_key_password": "nope",
            },
            "client_key_password is wrong",
        ),
        ({"client_key_path": pki.client_key}, "goes with client_cert_path"),
    ]
    for options, message in cases:
        with pytest.raises(ValueError, match=message):
            Client(**base, **options)
    with pytest.raises(ValueError, match=r"client_cert_path needs sslTls=True"):
        Client(client_cert_path=pki.client_cert, client_key_path=pki.client_key)
    client = Client(
        **base,
        client_cert_path=pki.client_cert,
        client_key_path=encrypted_key(pki, b"pw"),
        client_key_password="pw",
    )
    assert client.url.startswith("wss://")


def test_wrong_server_client_ca_options_raise_at_construction(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    tls = {"ssl_tls": True, "cert_path": pki.server, "key_path": pki.server}
    with pytest.raises(ValueError, match="require_client_cert needs client_ca_path"):
        Server(**tls, require_client_cert=True)
    with pytest.raises(ValueError, match=r"client_ca_path .* is not a file"):
        Server(**tls, client_ca_path=str(tmp_path / "missing.pem"))
    with pytest.raises(ValueError, match="holds no usable CA certificate"):
        Server(**tls, client_ca_path=pki.client_key)
    with pytest.raises(ValueError, match=r"client_ca_path needs sslTls=True"):
        Server(client_ca_path=pki.ca)
    assert Server(**tls, client_ca_path=pki.ca, require_client_cert=True).options[
        "require_client_cert"
    ]
