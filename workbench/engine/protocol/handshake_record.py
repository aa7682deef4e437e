"""The opening handshake of one connection as plain data, explained (RFC 6455 §4).

A ``HandshakeRecord`` holds the client's upgrade request (request line and headers) beside
the server's answer (status line and headers): 101 Switching Protocols, or a refusal with
the server's reason. It carries the ``Sec-WebSocket-Accept`` computation step by step
(``AcceptCheck``) and one line of plain words for the negotiated subprotocol and each
extension and parameter, parsed with websockets' own header parsers.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import InvalidHeader
from websockets.headers import parse_extension, parse_subprotocol

from core import Client, ConnectError, HandshakeRefusal, Socket
from workbench.engine.in_words import address_text, header_pairs

__all__ = [
    "GUID",
    "AcceptCheck",
    "HandshakeRecord",
    "accept_check",
    "explain_extensions",
    "explain_subprotocol",
    "from_client",
    "from_connect_error",
    "from_refusal",
    "from_socket",
]

#: The GUID RFC 6455 §1.3 appends to the client's key before hashing.
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class AcceptCheck:
    """``Sec-WebSocket-Accept`` = base64(SHA-1(key + GUID)), each step's value kept.

    ``received`` is what the server sent (None if it sent none)."""

    key: str
    concatenated: str
    sha1_hex: str
    computed: str
    received: str | None

    @property
    def matches(self) -> bool:
        return self.received == self.computed


def accept_check(key: str, received: str | None) -> AcceptCheck:
    """Compute the accept value for ``key`` the way a client checks the server's answer."""
    concatenated = key + GUID
    digest = hashlib.sha1(concatenated.encode("ascii", "replace")).digest()
    computed = base64.b64encode(digest).decode("ascii")
    return AcceptCheck(key, concatenated, digest.hex(), computed, received)


@dataclass(frozen=True, slots=True)
class HandshakeRecord:
    """One opening handshake as ``side`` ("client" or "server") saw it.

    ``status`` is None when no HTTP answer came (the connection failed before one);
    ``reason`` is the server's explanation of a refusal (its response body as text).
    ``request_headers`` is empty when the end that recorded it never saw them (a client
    whose attempt was refused keeps only the server's answer).
    """

    side: str
    peer: str
    request_line: str
    request_headers: Headers
    status: int | None
    status_phrase: str
    response_headers: Headers
    reason: str = ""
    at: float = field(default_factory=time.time)

    @property
    def refused(self) -> bool:
        return self.status != 101

    @property
    def status_line(self) -> str:
        if self.status is None:
            return "(no HTTP response)"
        return f"HTTP/1.1 {self.status} {self.status_phrase}".rstrip()

    @property
    def summary(self) -> str:
        """One line: ``"101 Switching Protocols"`` or ``"refused: 403 Forbidden (why)"``."""
        if not self.refused:
            return f"{self.status} {self.status_phrase}"
        what = self.status_line.removeprefix("HTTP/1.1 ")
        return f"refused: {what}" + (f" ({self.reason})" if self.reason else "")

    def request_header(self, name: str) -> str | None:
        return _header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return _header(self.response_headers, name)

    @property
    def accept(self) -> AcceptCheck | None:
        """The accept computation, if the request's key is known and the server accepted."""
        key = self.request_header("Sec-WebSocket-Key")
        if key is None or self.refused:
            return None
        return accept_check(key, self.response_header("Sec-WebSocket-Accept"))

    @property
    def subprotocol_text(self) -> str:
        return explain_subprotocol(
            self.request_header("Sec-WebSocket-Protocol"),
            self.response_header("Sec-WebSocket-Protocol"),
            self.refused,
        )

    @property
    def extension_lines(self) -> list[str]:
        return explain_extensions(
            self.request_header("Sec-WebSocket-Extensions"),
            self.response_header("Sec-WebSocket-Extensions"),
            self.refused,
        )


def _header(headers: Headers, name: str) -> str | None:
    """Every value of ``name`` joined with ", " (RFC 9110 §5.3), or None if absent."""
    wanted = name.lower()
    values = [value for key, value in headers if key.lower() == wanted]
    return ", ".join(values) if values else None


def _pairs(headers: Any) -> Headers:
    """websockets' ``Headers`` (or any mapping) as (name, value) pairs in wire order."""
    return tuple((str(name), str(value)) for name, value in header_pairs(headers))


# -- the records of each end ---------------------------------------------------------------


def from_client(client: Client) -> HandshakeRecord:
    """The handshake of a client that just opened."""
    return HandshakeRecord(
        "client",
        client.url,
        f"GET {client.request_path or '/'} HTTP/1.1",
        _pairs(client.request_headers),
        client.response_status,
        client.response_reason,
        _pairs(client.response_headers),
    )


def from_connect_error(client: Client, error: ConnectError) -> HandshakeRecord:
    """A client whose attempts failed: the server's refusal, or why no answer came."""
    reason = error.reason if error.status is not None else str(error)
    return HandshakeRecord(
        "client",
        client.url,
        f"GET {client.options['path']} HTTP/1.1",
        (),
        error.status,
        error.status_phrase,
        _pairs(error.response_headers),
        reason,
    )


def from_socket(socket: Socket) -> HandshakeRecord:
    """The handshake of a socket a server just accepted."""
    return HandshakeRecord(
        "server",
        address_text(socket.remote_address),
        f"GET {socket.path} HTTP/1.1",
        _pairs(socket.request_headers),
        socket.response_status,
        socket.response_reason,
        _pairs(socket.response_headers),
    )


def from_refusal(refusal: HandshakeRefusal) -> HandshakeRecord:
    """An upgrade request a server refused."""
    return HandshakeRecord(
        "server",
        address_text(refusal.remote_address),
        f"GET {refusal.path} HTTP/1.1",
        _pairs(refusal.request_headers),
        refusal.status,
        refusal.status_phrase,
        _pairs(refusal.response_headers),
        refusal.reason,
    )


# -- plain words for the negotiation ----------------------------------------------------------


def _parsed_subprotocols(value: str | None) -> list[str]:
    if not value:
        return []
    try:
        return [str(name) for name in parse_subprotocol(value)]
    except InvalidHeader:
        return [value]


def explain_subprotocol(offered: str | None, chosen: str | None, refused: bool = False) -> str:
    """One line on the subprotocol (``Sec-WebSocket-Protocol``, RFC 6455 §1.9 and §4.2.2)."""
    names = _parsed_subprotocols(offered)
    if not names:
        if refused:
            return "Subprotocol: the client offered none."
        return "Subprotocol: none offered, so messages follow no named application protocol."
    listed = ", ".join(names)
    if refused:
        return f"Subprotocol: the client offered {listed}; the server refused the handshake."
    if chosen:
        return f"Subprotocol: the client offered {listed}; the server chose {chosen}."
    return f"Subprotocol: the client offered {listed}; the server chose none."


_DEFLATE = "permessage-deflate"

_PARAMETER_MEANINGS = {
    "server_no_context_takeover": (
        "the server starts each message with an empty compression dictionary "
        "(less memory, a lower ratio)"
    ),
    "client_no_context_takeover": (
        "the client starts each message with an empty compression dictionary "
        "(less memory, a lower ratio)"
    ),
    "server_max_window_bits": "the server compresses with a window of at most 2^{bits} bytes",
    "client_max_window_bits": "the client compresses with a window of at most 2^{bits} bytes",
}


def explain_parameter(name: str, value: str | None) -> str:
    """One line for one permessage-deflate parameter (RFC 7692 §7.1)."""
    meaning = _PARAMETER_MEANINGS.get(name)
    if meaning is None:
        return f"{name}{'=' + value if value else ''}: a parameter this workbench does not know"
    if name.endswith("max_window_bits"):
        if value is None:  # only in a client's offer of client_max_window_bits
            return f"{name}: the client can compress with a smaller window if the server asks"
        try:
            bits = int(value)
        except ValueError:
            return f"{name}={value}: not a number of bits (8 to 15)"
        return f"{name}={value}: " + meaning.format(bits=bits) + f" ({2**bits:,})"
    return f"{name}: {meaning}"


def _parsed_extensions(value: str | None) -> list[tuple[str, list[tuple[str, str | None]]]]:
    if not value:
        return []
    try:
        return [(str(name), list(params)) for name, params in parse_extension(value)]
    except InvalidHeader:
        return [(value, [])]


def _offer_text(extensions: list[tuple[str, list[tuple[str, str | None]]]]) -> str:
    parts = []
    for name, params in extensions:
        spelled = [p if v is None else f"{p}={v}" for p, v in params]
        parts.append("; ".join([name, *spelled]))
    return ", ".join(parts)


def explain_extensions(offered: str | None, agreed: str | None, refused: bool = False) -> list[str]:
    """Lines on the extensions (``Sec-WebSocket-Extensions``, RFC 6455 §9): what the client
    offered, then each extension the server agreed to and each of its parameters."""
    offers = _parsed_extensions(offered)
    accepted = _parsed_extensions(agreed)
    if offers:
        lines = [f"Extensions offered by the client: {_offer_text(offers)}."]
    else:
        lines = ["Extensions: none offered, so payloads travel as they are."]
    if refused:
        return lines
    if offers and not accepted:
        lines.append("The server agreed to none: messages travel uncompressed.")
    for name, params in accepted:
        if name == _DEFLATE:
            lines.append(
                f"{_DEFLATE} (RFC 7692): each message's payload is compressed with DEFLATE; "
                "a compressed message's first frame has RSV1 set."
            )
        else:
            lines.append(f"{name}: an extension this workbench does not describe.")
        lines.extend("  " + explain_parameter(param, value) for param, value in params)
    return lines
