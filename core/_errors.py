"""The exceptions of the webSocket module, and the one place that explains library errors.

Every exception this package raises or emits on ``'error'`` derives from ``WebSocketError``::

    WebSocketError
    ├── EncodeError (also TypeError)     send(): the value does not convert to the sendType
    ├── DecodeError (also ValueError)    a received message did not convert; .raw is delivered
    ├── ConnectError                     open(): every attempt failed (.url, .attempts, .cause,
    │                                    .status, .status_phrase, .reason, .response_headers)
    ├── ServerStartError                 start(): cannot listen (port in use, bad certificate)
    ├── NotOpenError                     send() on a connection that is closed or closing
    ├── ConnectionClosed                 recv()/wait_for() after the end (.code, .reason)
    │   └── ConnectionLostError          the connection ended abnormally
    ├── UnsentMessagesError              messages that were never sent (.count)
    └── HandlerError                     a listener raised (.event; the cause is chained)

An error emitted by a Socket that has no ``'error'`` listener is emitted on its Server's
``'error'`` instead, with the Socket on the error's ``.socket``.

Option mistakes raise the built-in ``ValueError`` / ``TypeError`` at construction.

``explain()`` is the single boundary where exceptions of the ``websockets`` package and of
the OS are turned into a sentence a student can act on.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
from typing import Any

from websockets import exceptions as ws_exceptions
from websockets.exceptions import (
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
)

from ._close_codes import CLOSE_CODE_MEANINGS

__all__ = [
    "ConnectError",
    "ConnectionClosed",
    "ConnectionLostError",
    "DecodeError",
    "EncodeError",
    "HandlerError",
    "NotOpenError",
    "ServerStartError",
    "UnsentMessagesError",
    "WebSocketError",
    "explain",
]


class WebSocketError(Exception):
    """Root of every error of the webSocket module."""

    #: The Socket that emitted this error, when its Server re-emitted it (else None).
    socket: Any = None


class EncodeError(WebSocketError, TypeError):
    """``send()`` was given a value that the ``sendType`` cannot carry; nothing was sent."""

    def __init__(self, mime_type: str, value: Any, why: str) -> None:
        self.mime_type = mime_type
        super().__init__(f"cannot send {type(value).__name__} as {mime_type}: {why}")


class DecodeError(WebSocketError, ValueError):
    """A received message did not convert to the ``receiveType``.

    The message was still delivered on ``'message'`` as ``raw`` (``str`` for a text frame,
    ``bytes`` for a binary one); this error follows on ``'error'``.
    """

    def __init__(self, mime_type: str, raw: str | bytes, why: str) -> None:
        self.mime_type = mime_type
        self.raw = raw
        kind = "text" if isinstance(raw, str) else "binary"
        super().__init__(
            f"received a {kind} message of {len(raw)} "
            f"{'characters' if kind == 'text' else 'bytes'} that is not valid {mime_type} "
            f"({why}); it was delivered unconverted"
        )


class ConnectError(WebSocketError):
    """Every connection attempt of a Client failed.

    When the last attempt was refused with an HTTP response instead of 101: ``status``
    (e.g. 403), ``status_phrase`` ("Forbidden"), ``reason`` (the server's explanation, the
    response body as text) and ``response_headers``; otherwise ``status`` is None,
    ``status_phrase`` and ``reason`` are "" and ``response_headers`` is None.
    """

    def __init__(self, url: str, attempts: int, cause: BaseException | None) -> None:
        self.url = url
        self.attempts = attempts
        self.cause = cause
        self.status: int | None = None
        self.status_phrase = ""
        self.reason = ""
        self.response_headers: Any = None
        if isinstance(cause, InvalidStatus):
            response = cause.response
            self.status = response.status_code
            self.status_phrase = response.reason_phrase
            self.reason = response.body.decode("utf-8", "replace").strip() if response.body else ""
            self.response_headers = response.headers
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        super().__init__(f"could not connect to {url} after {tries}: {explain(cause)}")


class ServerStartError(WebSocketError):
    """A Server could not start listening."""

    def __init__(self, host: str, port: int, cause: BaseException) -> None:
        self.host = host
        self.port = port
        super().__init__(f"could not listen on {host}:{port}: {explain(cause)}")


class NotOpenError(WebSocketError):
    """The connection is closed, so it can neither send nor be closed again with a code."""


class ConnectionClosed(WebSocketError):
    """The connection is closed: ``recv()`` has nothing left to return (``.code``, ``.reason``).

    ``async for`` ends quietly on 1000 and 1001 and raises this for any other code.
    """

    def __init__(self, code: int, reason: str, peer: str) -> None:
        self.code = code
        self.reason = reason
        meaning = CLOSE_CODE_MEANINGS.get(code, "application code" if code >= 3000 else "")
        detail = f": {reason}" if reason else ""
        super().__init__(f"connection with {peer} ended with code {code} ({meaning}){detail}")


class ConnectionLostError(ConnectionClosed):
    """The connection ended without a normal closing handshake, or for a protocol error."""


class UnsentMessagesError(WebSocketError):
    """Messages accepted by ``send()`` were never handed to the network."""

    def __init__(self, count: int, why: str) -> None:
        self.count = count
        noun = "message was" if count == 1 else "messages were"
        super().__init__(f"{count} {noun} never sent: {why}")


class HandlerError(WebSocketError):
    """A listener raised; the original exception is ``__cause__``."""

    def __init__(self, event: str, exc: BaseException) -> None:
        self.event = event
        super().__init__(f"a handler for '{event}' raised {type(exc).__name__}: {exc}")


_OS_ERRORS = {
    errno.EADDRINUSE: "address already in use (another program listens on that port; pick another, or 0 for any free port)",
    errno.EADDRNOTAVAIL: "that address does not belong to this machine",
    errno.EACCES: "permission denied (ports below 1024 need administrator rights; use a higher port)",
    errno.ECONNRESET: "the peer reset the connection",
    errno.EHOSTUNREACH: "no route to that host",
    errno.ENETUNREACH: "the network is unreachable",
}


def explain(exc: BaseException | None) -> str:
    """Say in plain words why a connection or a server failed."""
    if exc is None:
        return "no attempt was made"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the server's certificate is not trusted ({exc.verify_message}); "
            "set trusted_ca_cert_path to the CA that signed it, or trust_all for testing"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc}); check the certificate, key and wss:// settings"
    if isinstance(exc, InvalidStatus):
        response = exc.response
        status = f"{response.status_code} {response.reason_phrase}".rstrip()
        hint = " (the server refused this Origin)" if response.status_code == 403 else ""
        body = response.body.decode("utf-8", "replace").strip()[:200] if response.body else ""
        said = f": {body}" if body else ""
        return f"the server answered HTTP {status} instead of accepting the WebSocket{hint}{said}"
    if isinstance(exc, InvalidURI):
        return f"the URL is not a valid ws:// or wss:// URL ({exc})"
    if isinstance(exc, InvalidMessage) and isinstance(exc.__cause__, EOFError):
        return (
            "the server closed the connection before answering the handshake (a wss:// server "
            "does so when it requires a client certificate: set client_cert_path and "
            "client_key_path)"
        )
    if isinstance(exc, InvalidHandshake):
        return f"the server's handshake was invalid ({exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is a server listening on that host and port?)"
    if isinstance(exc, TimeoutError):
        return "no answer within the connect timeout"
    if isinstance(exc, ws_exceptions.ConnectionClosed):
        return f"the connection closed ({exc})"
    if isinstance(exc, socket.gaierror):
        return f"the host name could not be resolved ({exc.strerror}); check its spelling"
    if isinstance(exc, OSError):
        if exc.errno in _OS_ERRORS:
            return _OS_ERRORS[exc.errno]
        if exc.errno is not None:
            return os.strerror(exc.errno).lower()
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"
