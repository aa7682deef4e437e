"""Security settings: TLS server from PFX (with password) and from PEM, client trust (CA file,
trust_all, refusal of an untrusted certificate with a clear error), the Origin allow-list,
and the default bind address. Certificates are made per test with trustme + cryptography.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    load_pem_private_key,
    pkcs12,
)

from core import Client, ConnectError, Server, ServerStartError
from tests.faults.rawws import RawClient
from tests.helpers import TIMEOUT, Recorder, loopback_server

pytestmark = pytest.mark.asyncio


def pem_files(tmp_path: Path, ca: trustme.CA, *names: str) -> tuple[str, str, str]:
    """(cert chain PEM, key PEM, CA PEM) files for a server certificate valid for ``names``."""
    leaf = ca.issue_cert(*names)
    cert, key, ca_file = tmp_path / "server.pem", tmp_path / "server.key", tmp_path / "ca.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())
    ca_file.write_bytes(ca.cert_pem.bytes())
    return str(cert), str(key), str(ca_file)


def pfx_file(tmp_path: Path, ca: trustme.CA, password: bytes, *names: str) -> str:
    leaf = ca.issue_cert(*names)
    key = load_pem_private_key(leaf.private_key_pem.bytes(), None)
    chain = [x509.load_pem_x509_certificate(blob.bytes()) for blob in leaf.cert_chain_pems]
    data = pkcs12.serialize_key_and_certificates(
        b"server",
        key,
        chain[0],
        chain[1:] or None,
        BestAvailableEncryption(password),  # type: ignore[arg-type]
    )
    path = tmp_path / "server.pfx"
    path.write_bytes(data)
    return str(path)


async def tls_server(**options: Any) -> Server:
    server = Server(host_interface="127.0.0.1", port=0, ssl_tls=True, ping_interval=None, **options)
    server.on("connection", lambda socket: socket.on("message", lambda m: socket.send({"echo": m})))
    await asyncio.wait_for(server.start(), TIMEOUT)
    return server


async def round_trip(server: Server, **options: Any) -> Recorder:
    client = Client(
        host="127.0.0.1",
        port=server.port,
        ssl_tls=True,
        number_of_retries=0,
        ping_interval=None,
        **options,
    )
    assert client.url.startswith("wss://127.0.0.1:")
    rec = Recorder(client, ["open", "message", "close", "error"])
    await client.open()
    client.send({"secret": "\u2713"})
    await rec.count("message", 1)
    await client.close()
    assert rec.events == [
        ("open", ()),
        ("message", ({"echo": {"secret": "\u2713"}},)),
        ("close", (1000, "")),
    ]
    return rec


async def test_pem_server_and_client_trusting_the_ca_file(tmp_path: Path) -> None:
    cert, key, ca_file = pem_files(tmp_path, trustme.CA(), "127.0.0.1", "localhost")
    server = await tls_server(cert_path=cert, key_path=key)
    try:
        await round_trip(server, trusted_ca_cert_path=ca_file)
    finally:
        await server.stop()


async def test_client_trusting_the_servers_own_certificate_not_its_ca(tmp_path: Path) -> None:
    """A trusted file holding only the server's leaf certificate is enough (partial chain)."""
    cert, key, _ca_file = pem_files(tmp_path, trustme.CA(), "127.0.0.1")
    leaf_only = tmp_path / "leaf.pem"
    leaf_only.write_bytes(
        Path(cert).read_bytes().split(b"-----END CERTIFICATE-----")[0]
        + (b"-----END CERTIFICATE-----\n")
    )
    server = await tls_server(cert_path=cert, key_path=key)
    try:
        await round_trip(server, trusted_ca_cert_path=str(leaf_only))
    finally:
        await server.stop()


async def test_pfx_server_with_password_and_client_trusting_the_ca_file(tmp_path: Path) -> None:
    ca = trustme.CA()
    pfx = pfx_file(tmp_path, ca, "s3cret \u00e9".encode(), "127.0.0.1")  # UTF-8, as core reads it
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.cert_pem.bytes())
    server = await tls_server(pfxKeyCertPath=pfx, pfxKeyCertPassword="s3cret \u00e9")
    try:
        await round_trip(server, trustedCACertPath=str(ca_file))
    finally:
        await server.stop()


async def test_pfx_with_a_wrong_password_fails_start_clearly(tmp_path: Path) -> None:
    pfx = pfx_file(tmp_path, trustme.CA(), b"right", "127.0.0.1")
    server = Server(
        host_interface="127.0.0.1",
        port=0,
        ssl_tls=True,
        pfx_key_cert_path=pfx,
        pfx_key_cert_password="wrong",
    )
    rec = Recorder(server, ["listening", "error"])
    with pytest.raises(ServerStartError, match="wrong password or not a PKCS#12 file"):
        await asyncio.wait_for(server.start(), TIMEOUT)
    assert rec.names() == ["error"] and isinstance(rec.values("error")[0], ServerStartError)
    assert not server.is_listening()


async def test_trust_all_accepts_a_certificate_from_an_unknown_ca(tmp_path: Path) -> None:
    cert, key, _ca = pem_files(tmp_path, trustme.CA(), "some-other-name.test")
    server = await tls_server(cert_path=cert, key_path=key)
    try:
        await round_trip(server, trustAll=True)
    finally:
        await server.stop()


@pytest.mark.parametrize(
    "case, verify_message",
    [
        ("unknown CA", "unable to get local issuer certificate"),
        ("other CA file", "unable to get local issuer certificate"),
        ("wrong host name", "IP address mismatch"),
    ],
)
async def test_client_refuses_an_untrusted_certificate_with_a_clear_error(
    tmp_path: Path, case: str, verify_message: str
) -> None:
    ca = trustme.CA()
    names = ("other.test",) if case == "wrong host name" else ("127.0.0.1",)
    cert, key, ca_file = pem_files(tmp_path, ca, *names)
    options: dict[str, Any] = {}
    if case == "other CA file":
        other = tmp_path / "other-ca.pem"
        other.write_bytes(trustme.CA().cert_pem.bytes())
        options["trusted_ca_cert_path"] = str(other)
    elif case == "wrong host name":
        options["trusted_ca_cert_path"] = ca_file
    server = await tls_server(cert_path=cert, key_path=key)
    connections = Recorder(server, ["connection"])
    client = Client(
        host="127.0.0.1", port=server.port, ssl_tls=True, number_of_retries=0, **options
    )
    rec = Recorder(client, ["open", "error", "close"])
    client.send("never sent")
    try:
        with pytest.raises(ConnectError) as caught:
            await asyncio.wait_for(client.open(), TIMEOUT)
    finally:
        await server.stop()
    error = caught.value
    assert isinstance(error.cause, ssl.SSLCertVerificationError)
    assert verify_message in error.cause.verify_message
    assert "certificate is not trusted" in str(error)
    assert "set trusted_ca_cert_path to the CA that signed it, or trust_all for testing" in str(
        error
    )
    assert rec.names() == ["error"] and rec.values("error")[0] is error
    assert client.state == "failed" and connections.events == []


async def test_plain_ws_client_against_a_tls_server_fails_without_a_connection(
    tmp_path: Path,
) -> None:
    cert, key, _ca = pem_files(tmp_path, trustme.CA(), "127.0.0.1")
    server = await tls_server(cert_path=cert, key_path=key)
    connections = Recorder(server, ["connection"])
    client = Client(host="127.0.0.1", port=server.port, number_of_retries=0)
    try:
        with pytest.raises(ConnectError):
            await asyncio.wait_for(client.open(), TIMEOUT)
    finally:
        await server.stop()
    assert connections.events == []


async def test_origin_allow_list_refuses_others_with_403_and_admits_listed_and_originless() -> None:
    allowed = "https://app.example"
    server = await loopback_server(allowed_origins=[allowed], ping_interval=None)
    connections = Recorder(server, ["connection"])
    try:
        for origin in (
            "https://evil.example",
            "https://app.example.evil.example",
            "null",
            "HTTPS://APP.EXAMPLE",
        ):
            peer = await RawClient.connect(server.port or 0)
            peer.send(
                f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: {origin}\r\n\r\n".encode()
            )
            head = await peer.response_head()
            assert head.startswith(b"HTTP/1.1 403 Forbidden\r\n"), (origin, head[:60])
            assert await peer.at_eof()
            await peer.aclose()
        # Our Client, as a page from another origin would be, gets a clear ConnectError.
        refused = Client(
            host="127.0.0.1", port=server.port, number_of_retries=0, origin="https://evil.example"
        )
        with pytest.raises(ConnectError, match=r"HTTP 403 .*refused this Origin"):
            await asyncio.wait_for(refused.open(), TIMEOUT)
        assert connections.events == []
        # The listed origin is admitted; so is a client that sends no Origin (not a browser).
        for origin in (allowed, None):
            client = Client(host="127.0.0.1", port=server.port, number_of_retries=0, origin=origin)
            await asyncio.wait_for(client.open(), TIMEOUT)
            await client.close()
        await connections.count("connection", 2)
        sockets = connections.values("connection")
        assert sockets[0].request_headers["Origin"] == allowed
        assert "Origin" not in sockets[1].request_headers
    finally:
        await server.stop()


async def test_server_binds_to_localhost_unless_told_otherwise() -> None:
    server = Server(port=0, ping_interval=None)
    assert server.options["host_interface"] == "localhost"
    await asyncio.wait_for(server.start(), TIMEOUT)
    try:
        bound = [sock.getsockname()[0] for sock in server._ws_server.sockets]  # type: ignore[union-attr]
        assert bound and all(ipaddress.ip_address(address).is_loopback for address in bound), bound
        client = Client(host="127.0.0.1", port=server.port, number_of_retries=0)
        await asyncio.wait_for(client.open(), TIMEOUT)
        await client.close()
    finally:
        await server.stop()
    assert Client().options["host"] == "localhost"
