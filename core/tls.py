"""SSL contexts for ``wss://`` from the Client and Server options.

The ``ssl`` module loads certificates only from PEM files, so a PKCS#12 (.pfx/.p12) file is
read with ``cryptography`` and handed over through a private temporary file that is deleted
as soon as it is loaded.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from typing import Any

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)


def client_context(options: dict[str, Any]) -> ssl.SSLContext | None:
    """The context for a Client, or None without ``ssl_tls``."""
    if not options["ssl_tls"]:
        return None
    if options["trust_all"]:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    cafile = options["trusted_ca_cert_path"] or None
    context = ssl.create_default_context(cafile=cafile)
    if cafile:
        # A certificate in the trusted file is an anchor even if it is not a CA's (a server's
        # own certificate), as Python 3.13's default context already does.
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context


def server_context(options: dict[str, Any]) -> ssl.SSLContext | None:
    """The context for a Server, or None without ``ssl_tls``. Raises OSError/ValueError/ssl.SSLError."""
    if not options["ssl_tls"]:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if options["pfx_key_cert_path"]:
        _load_pfx(context, options["pfx_key_cert_path"], options["pfx_key_cert_password"])
    else:
        context.load_cert_chain(options["cert_path"], options["key_path"])
    return context


def _load_pfx(context: ssl.SSLContext, path: str, password: str) -> None:
    with open(path, "rb") as file:
        data = file.read()
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() or None)
    except ValueError as exc:
        raise ValueError(
            f"cannot read PFX file {path}: wrong password or not a PKCS#12 file ({exc})"
        ) from exc
    if key is None or cert is None:
        raise ValueError(f"PFX file {path} must hold both a private key and a certificate")
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    pem += cert.public_bytes(Encoding.PEM)
    pem += b"".join(c.public_bytes(Encoding.PEM) for c in extra or ())
    fd, temp_path = tempfile.mkstemp(suffix=".pem")  # created with mode 0600
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        context.load_cert_chain(temp_path)
    finally:
        os.unlink(temp_path)
