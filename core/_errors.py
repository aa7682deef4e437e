"""The exceptions of the webSocket module, and the one place that explains library errors.

Every exception this package raises or emits on ``'error'`` derives from ``WebSocketError``::

    WebSocketError                       .peer (the other end, when the error is about one)
    ├── EncodeError (also TypeError)     send(): the value does not convert to the sendType
    │                                    (.mime_type, .value, .why)
    ├── DecodeError (also ValueError)    a received message did not convert; .raw is delivered
    │                                    (.mime_type, .raw, .why)
    ├── ConnectError                     open(): every attempt failed (.url, .attempts, .cause,
    │                                    .status, .status_phrase, .reason, .response_headers)
    ├── ServerStartError                 start(): cannot listen (.host, .port, .cause)
    ├── AcceptError                      a listening Server could not accept a connection
    │                                    (.host, .port, .cause, .left_out); once a second
    ├── NotOpenError                     send(), ping(), recv() on a connection not open
    ├── ConnectionClosed                 recv()/wait_for() after the end (.code, .reason)
    │   └── ConnectionLostError          the connection ended abnormally
    ├── UnsentMessagesError              messages that were never sent (.count, .why)
    └── HandlerError                     a listener raised (.event, .cause; also __cause__)

The attributes are the error's data; its text is built from them when it is shown
(``str(error)``), and every one of them can be pickled (to a worker process, a log queue)
as long as what it carries can: a Socket on ``.socket`` is left out.

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
from typing import TYPE_CHECKING

from websockets import exceptions as ws_exceptions
from websockets.datastructures import Headers
from websockets.exceptions import (
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
)

from ._close_codes import CLOSE_CODE_MEANINGS

if TYPE_CHECKING:
    import core  # the public core.Socket, for WebSocketError.socket

__all__ = [
    "AcceptError",
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
    """Root of every error of the webSocket module.

    Attributes:
        peer: The other end when the error is about one: a Client's URL
            (``'ws://host:port/path'``) or a Socket's client (``'host:port'``); else None.
        socket: The Socket that emitted this error, when its Server re-emitted it on its
            own ``'error'`` (the Socket had no ``'error'`` listener); else None.
    """

    peer: str | None = None
    socket: core.Socket | None = None

    def __reduce__(self) -> tuple[type[WebSocketError], tuple[object, ...], dict[str, object]]:
        # Pickled as (class, constructor arguments, attributes), without the live Socket.
        state = {key: value for key, value in vars(self).items() if key != "socket"}
        return (type(self), self.args, state)


class EncodeError(WebSocketError, TypeError):
    """``send()`` was given a value that the ``sendType`` cannot carry; nothing was sent.

    Attributes:
        mime_type: The ``sendType`` it was converted for.
        value: The value given to ``send()``.
        why: What is wrong with it, in words.
    """

    def __init__(self, mime_type: str, value: object, why: str) -> None:
        super().__init__(mime_type, value, why)
        self.mime_type = mime_type
        self.value = value
        self.why = why

    def __str__(self) -> str:
        return f"cannot send {type(self.value).__name__} as {self.mime_type}: {self.why}"


class DecodeError(WebSocketError, ValueError):
    """A received message did not convert to the ``receiveType``.

    The message was still delivered on ``'message'`` as ``raw`` (``str`` for a text frame,
    ``bytes`` for a binary one); this error follows on ``'error'``.

    Attributes:
        mime_type: The ``receiveType`` it was converted for.
        raw: The message as received, unconverted.
        why: Why it did not convert.
        peer: Who sent it (see ``WebSocketError``), once the connection reported it.
    """

    def __init__(self, mime_type: str, raw: str | bytes, why: str, peer: str | None = None) -> None:
        super().__init__(mime_type, raw, why, peer)
        self.mime_type = mime_type
        self.raw = raw
        self.why = why
        self.peer = peer

    def __str__(self) -> str:
        kind, unit = ("text", "characters") if isinstance(self.raw, str) else ("binary", "bytes")
        return (
            f"received a {kind} message of {len(self.raw)} {unit} that is not valid "
            f"{self.mime_type} ({self.why}); it was delivered unconverted"
        )


class ConnectError(WebSocketError):
    """Every connection attempt of a Client failed.

    Attributes:
        url: The URL the Client connects to (also ``peer``).
        attempts: How many attempts were made.
        cause: The last attempt's exception (None if no attempt was made); also
            ``__cause__``. ``core.explain(cause)`` says it in words.
        status: The HTTP status when the last attempt was refused with an HTTP response
            instead of 101 (e.g. 403); else None.
        status_phrase: That status's phrase ("Forbidden"), or "".
        reason: The server's explanation, the response body as text, or "".
        response_headers: That response's headers (websockets' case-insensitive
            ``Headers``), or None.
    """

    def __init__(self, url: str, attempts: int, cause: BaseException | None) -> None:
        super().__init__(url, attempts, cause)
        self.url = self.peer = url
        self.attempts = attempts
        self.cause = cause
        self.status: int | None = None
        self.status_phrase = ""
        self.reason = ""
        self.response_headers: Headers | None = None
        if isinstance(cause, InvalidStatus):
            response = cause.response
            self.status = response.status_code
            self.status_phrase = response.reason_phrase
            self.reason = response.body.decode("utf-8", "replace").strip() if response.body else ""
            self.response_headers = response.headers

    def __str__(self) -> str:
        tries = "1 attempt" if self.attempts == 1 else f"{self.attempts} attempts"
        return f"could not connect to {self.url} after {tries}: {explain(self.cause)}"


class ServerStartError(WebSocketError):
    """A Server could not start listening.

    Attributes:
        host: The interface it tried to listen on.
        port: The port it tried (0: any free one).
        cause: The exception that stopped it (also ``__cause__``).
    """

    def __init__(self, host: str, port: int, cause: BaseException) -> None:
        super().__init__(host, port, cause)
        self.host = host
        self.port = port
        self.cause = cause

    def __str__(self) -> str:
        return f"could not listen on {self.host}:{self.port}: {explain(self.cause)}"


class AcceptError(WebSocketError):
    """A listening Server could not accept a connection (e.g. the process is out of file
    descriptors: ``EMFILE``). Reported on the Server's ``'error'`` at most once a second for
    each kind, never raised; asyncio retries the accept by itself.

    Attributes:
        host: The interface the Server listens on.
        port: Its port.
        cause: What ``accept()`` raised (also ``__cause__``); ``core.explain(cause)``
            says it in words.
        left_out: How many more of the same kind were not reported since the last report.
    """

    def __init__(self, host: str, port: int, cause: BaseException, left_out: int = 0) -> None:
        super().__init__(host, port, cause, left_out)
        self.host = host
        self.port = port
        self.cause = cause
        self.left_out = left_out

    def __str__(self) -> str:
        more = f" ({self.left_out} more since the last report)" if self.left_out else ""
        return (
            f"could not accept a connection on {self.host}:{self.port}: {explain(self.cause)}{more}"
        )


class NotOpenError(WebSocketError):
    """The connection is not open: it cannot send, ping or receive (or it is still closing).

    Attributes:
        peer: The other end, when the connection had one (see ``WebSocketError``).
    """

    def __init__(self, message: str, peer: str | None = None) -> None:
        super().__init__(message, peer)
        self.message = message
        self.peer = peer

    def __str__(self) -> str:
        return self.message


class ConnectionClosed(WebSocketError):
    """The connection is closed: ``recv()`` has nothing left to return.

    ``async for`` ends quietly on 1000 and 1001 and raises this for any other code.

    Attributes:
        code: The close code (a plain ``int``; compare with ``core.CloseCode``).
        reason: The close reason ("" if none was given).
        peer: The other end (see ``WebSocketError``).
    """

    def __init__(self, code: int, reason: str, peer: str) -> None:
        super().__init__(code, reason, peer)
        self.code = code
        self.reason = reason
        self.peer = peer

    def __str__(self) -> str:
        code = self.code
        meaning = CLOSE_CODE_MEANINGS.get(code, "application code" if code >= 3000 else "")
        detail = f": {self.reason}" if self.reason else ""
        return f"connection with {self.peer} ended with code {code} ({meaning}){detail}"


class ConnectionLostError(ConnectionClosed):
    """The connection ended without a normal closing handshake, or for a protocol error."""


class UnsentMessagesError(WebSocketError):
    """Messages accepted by ``send()`` were never handed to the network.

    Attributes:
        count: How many.
        why: Why they were not sent.
        peer: The other end they were for, when known (see ``WebSocketError``).
    """

    def __init__(self, count: int, why: str, peer: str | None = None) -> None:
        super().__init__(count, why, peer)
        self.count = count
        self.why = why
        self.peer = peer

    def __str__(self) -> str:
        noun = "message was" if self.count == 1 else "messages were"
        return f"{self.count} {noun} never sent: {self.why}"


class HandlerError(WebSocketError):
    """A listener raised.

    Attributes:
        event: The event whose listener raised (``'process_request'`` for a Server's
            ``process_request`` function).
        cause: What it raised (also ``__cause__``).
    """

    def __init__(self, event: str, exc: BaseException) -> None:
        super().__init__(event, exc)
        self.event = event
        self.cause = exc

    def __str__(self) -> str:
        return f"a handler for '{self.event}' raised {type(self.cause).__name__}: {self.cause}"


_OS_ERRORS = {
    errno.EADDRINUSE: "address already in use (another program listens on that port; pick another, or 0 for any free port)",
    errno.EADDRNOTAVAIL: "that address does not belong to this machine",
    errno.EACCES: "permission denied (ports below 1024 need administrator rights; use a higher port)",
    errno.ECONNRESET: "the peer reset the connection",
    errno.EMFILE: (
        "too many open files (this process is at its limit of file descriptors: cap the"
        " connections with max_connections / max_per_address, or raise the"
        " limit, e.g. ulimit -n)"
    ),
    errno.ENFILE: "too many open files in the whole system",
    errno.EHOSTUNREACH: "no route to that host",
    errno.ENETUNREACH: "the network is unreachable",
}


def explain(exc: BaseException | None) -> str:
    """Say in plain words why a connection or a server failed.

    Args:
        exc: What ``websockets``, ``ssl`` or the OS raised (None: no attempt was made).

    Returns:
        A sentence a student can act on, e.g. "connection refused (is a server listening
        on that host and port?)".
    """
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
