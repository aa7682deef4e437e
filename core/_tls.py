"""SSL contexts for ``wss://`` from the Client and Server options, and what TLS says of a peer.

Mutual TLS: a Client presents ``client_cert_path`` (+ ``client_key_path``); a Server with
``client_ca_path`` verifies client certificates against that CA (refusing clients without one
under ``require_client_cert``), and each Socket reads its peer's subject back.

Files given to a Client are loaded at construction and those of a Server are checked then,
so a wrong path or a file that is not PEM raises ``ValueError`` at once, saying what to give.

The ``ssl`` module loads certificates only from PEM files, so a PKCS#12 (.pfx/.p12) file is
read with ``cryptography`` and handed over through a private temporary file that is deleted
as soon as it is loaded. ``cryptography`` is imported only then: it is a sixth of what
``import core`` would otherwise cost.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import tempfile

from ._option_types import ClientSettings, ServerSettings


def client_context(options: ClientSettings) -> ssl.SSLContext | None:
    """The context for a Client, or None without ``ssl_tls``; ValueError for unusable files."""
    cert, key = options["client_cert_path"], options["client_key_path"]
    if key and not cert:
        raise ValueError(
            "Client option client_key_path goes with client_cert_path: give the certificate too"
        )
    if not options["ssl_tls"]:
        if cert:
            raise ValueError("Client option client_cert_path needs sslTls=True (wss://)")
        return None
    if options["trust_all"]:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        cafile = options["trusted_ca_cert_path"] or None
        try:
            context = ssl.create_default_context(cafile=cafile)
        except OSError as exc:  # ssl.SSLError included: not a PEM file
            raise ValueError(
                f"Client option trustedCACertPath {cafile!r} cannot be read: "
                f"{_why(exc)}; give the PEM file of the CA that signs the server certificate"
            ) from exc
        if cafile:
            # A certificate in the trusted file is an anchor even if it is not a CA's (a
            # server's own certificate), as Python 3.13's default context already does.
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    if cert:
        _load_client_cert(context, options)
    return context


def check_server_options(options: ServerSettings) -> None:
    """Refuse inconsistent TLS options and unusable files at construction (``ValueError``)."""
    o = options
    if bool(o["cert_path"]) != bool(o["key_path"]):
        raise ValueError("Server options cert_path and key_path go together: give both PEM files")
    if o["ssl_tls"] and not (o["pfx_key_cert_path"] or o["cert_path"]):
        raise ValueError(
            "Server option sslTls needs a certificate: set pfxKeyCertPath (and pfxKeyCertPassword),"
            " or cert_path and key_path"
        )
    for name in ("pfx_key_cert_path", "cert_path", "key_path", "client_ca_path"):
        if o[name] and not os.path.isfile(o[name]):
            raise ValueError(f"Server option {name} {o[name]!r} is not a file")
    if o["require_client_cert"] and not o["client_ca_path"]:
        raise ValueError(
            "Server option require_client_cert needs client_ca_path: the PEM file of the CA "
            "that signs the client certificates"
        )
    if o["client_ca_path"]:
        if not o["ssl_tls"]:
            raise ValueError("Server option client_ca_path needs sslTls=True (wss://)")
        try:
            ssl.create_default_context(cafile=o["client_ca_path"])
        except OSError as exc:
            raise ValueError(
                f"Server option client_ca_path {o['client_ca_path']!r} holds no usable CA "
                f"certificate ({_why(exc)}); give a PEM file ('-----BEGIN CERTIFICATE-----')"
            ) from exc


def server_context(options: ServerSettings) -> ssl.SSLContext | None:
    """The context for a Server, or None without ``ssl_tls``. Raises OSError/ValueError/ssl.SSLError."""
    if not options["ssl_tls"]:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if options["pfx_key_cert_path"]:
        _load_pfx(context, options["pfx_key_cert_path"], options["pfx_key_cert_password"])
    else:
        context.load_cert_chain(options["cert_path"], options["key_path"])
    if options["client_ca_path"]:
        context.load_verify_locations(cafile=options["client_ca_path"])
        # OPTIONAL still refuses a certificate the CA did not sign; it only lets none through.
        required = options["require_client_cert"]
        context.verify_mode = ssl.CERT_REQUIRED if required else ssl.CERT_OPTIONAL
    return context


def peer_certificate_subject(transport: asyncio.BaseTransport | None) -> dict[str, str] | None:
    """The verified peer certificate's subject, e.g. ``{'commonName': 'alice'}``, or None.

    None without TLS, when the peer sent no certificate, or when this side does not verify
    peer certificates (a Server without ``client_ca_path``). Keys are the ``ssl`` module's
    attribute names; an attribute given more than once has its values joined by ``', '``.
    """
    cert = transport.get_extra_info("peercert") if transport is not None else None
    if not cert:
        return None
    subject: dict[str, str] = {}
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            subject[key] = f"{subject[key]}, {value}" if key in subject else value
    return subject


def _why(exc: OSError) -> str:
    return exc.strerror or getattr(exc, "reason", None) or str(exc)


def _load_client_cert(context: ssl.SSLContext, options: ClientSettings) -> None:
    """Load the Client's PEM certificate and key into ``context``; ValueError saying what to fix."""
    cert, key = options["client_cert_path"], options["client_key_path"] or None
    for name, path in (("client_cert_path", cert), ("client_key_path", key)):
        if path and not os.path.isfile(path):
            raise ValueError(f"Client option {name} {path!r} is not a file; give a PEM file")
    password = options["client_key_password"]
    try:
        # A password, even empty, keeps OpenSSL from prompting on the terminal for an
        # encrypted key; a plain key ignores it.
        context.load_cert_chain(cert, key, password=password)
    except ssl.SSLError as exc:
        raise ValueError(_diagnose(cert, key, bool(password), exc)) from exc
    except OSError as exc:
        raise ValueError(
            f"Client option client_cert_path or client_key_path cannot be read: {_why(exc)}"
        ) from exc


def _diagnose(cert: str, key: str | None, has_password: bool, exc: ssl.SSLError) -> str:
    """Why OpenSSL refused a certificate/key pair (it says only 'PEM lib'), read from the files."""
    key_path, key_name = (key, "client_key_path") if key else (cert, "client_cert_path")
    key_text = _read_text(key_path)
    if "-----BEGIN CERTIFICATE-----" not in _read_text(cert):
        return (
            f"Client option client_cert_path {cert!r} is not a PEM certificate (no "
            "'-----BEGIN CERTIFICATE-----'); convert it, e.g. with openssl x509 -inform der"
        )
    if "PRIVATE KEY-----" not in key_text:
        return (
            f"Client option {key_name} {key_path!r} holds no PEM private key; set "
            "client_key_path to the key file that goes with the certificate"
        )
    if "ENCRYPTED" in key_text:
        fix = "client_key_password is wrong" if has_password else "set client_key_password"
        return f"Client option {key_name} {key_path!r} is an encrypted key: {fix}"
    if exc.reason == "KEY_VALUES_MISMATCH":
        return (
            f"Client option {key_name} {key_path!r} is not the key of the certificate in "
            f"{cert!r}; give the key that was made with that certificate"
        )
    return f"Client options client_cert_path / client_key_path could not be loaded: {exc}"


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            return file.read(1 << 20)
    except OSError:
        return ""


def _load_pfx(context: ssl.SSLContext, path: str, password: str) -> None:
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        pkcs12,
    )

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
