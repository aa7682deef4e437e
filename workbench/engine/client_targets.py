"""Client options aimed at a workbench server: its address and port, and for a TLS server a
``wss://`` client that trusts exactly that server's certificate.

The certificate (read from the server's PFX file, or its PEM ``cert_path``) is written as a
PEM file in the config folder's ``trusted`` directory, named by its digest, and given to
the client as ``trusted_ca_cert_path`` (core trusts a certificate there as an anchor even when
it is not a CA's). The client's host is one the certificate names when it can be.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from workbench.engine.private_files import write_private
from workbench.engine.workspace.workspace import config_dir

from .handles import ServerHandle
from .options import parse_server_options

__all__ = ["certificate_names", "client_options_for", "server_certificate_pem"]

_ANY_ADDRESS = ("0.0.0.0", "::", "")


def server_certificate_pem(options: dict[str, Any]) -> bytes:
    """The certificates a TLS server presents, as PEM (leaf first). ValueError or OSError
    saying why if its files cannot be read."""
    parsed = parse_server_options(options)
    if parsed["pfx_key_cert_path"]:
        data = Path(parsed["pfx_key_cert_path"]).read_bytes()
        password = parsed["pfx_key_cert_password"].encode() or None
        try:
            _key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        except ValueError as exc:
            raise ValueError(f"cannot read the server's PFX file: {exc}") from exc
        if cert is None:
            raise ValueError("the server's PFX file holds no certificate")
        return b"".join(c.public_bytes(Encoding.PEM) for c in [cert, *(extra or ())])
    if parsed["cert_path"]:
        return Path(parsed["cert_path"]).read_bytes()
    raise ValueError("the server uses TLS but names no certificate file")


def certificate_names(pem: bytes) -> list[str]:
    """The DNS names and IP addresses the first certificate in ``pem`` is valid for."""
    cert = x509.load_pem_x509_certificate(pem)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    names: list[str] = list(san.get_values_for_type(x509.DNSName))
    names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return names


def _host_for(server_host: str, names: list[str] | None) -> str:
    """A host to reach a server bound to ``server_host``: the host itself, loopback for an
    any-address bind; with TLS one the certificate names (loopback first)."""
    host = "127.0.0.1" if server_host in _ANY_ADDRESS else server_host
    if names is None or host in names:
        return host
    for candidate in ("127.0.0.1", "localhost", "::1"):
        if candidate in names:
            return candidate
    return host


def _trust_file(pem: bytes) -> Path:
    folder = config_dir() / "trusted"
    path = folder / f"server-{hashlib.sha256(pem).hexdigest()[:16]}.pem"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        write_private(path, pem)
    return path


def client_options_for(server: ServerHandle, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` aimed at ``server``'s host and (bound) port; a TLS server gives a wss://
    client that trusts its certificate. ValueError/OSError if that cannot be read."""
    port = server.port or server.options.get("port", 80)
    options = {**base, "port": port}
    if not server.uses_tls:
        return {**options, "host": _host_for(server.host, None)}
    pem = server_certificate_pem(server.options)
    try:
        names = certificate_names(pem)
    except ValueError:
        names = []
    return {
        **options,
        "host": _host_for(server.host, names),
        "ssl_tls": True,
        "trusted_ca_cert_path": str(_trust_file(pem)),
    }
