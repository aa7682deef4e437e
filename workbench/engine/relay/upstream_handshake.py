"""The upstream leg's handshake made from the client's, and the client's answer when the
upstream refuses or cannot be reached (pure functions: no sockets).

- Path: the client's path and query are appended to the upstream URL's path (``/api`` +
  ``/chat?room=1`` → ``/api/chat?room=1``; a client asking for ``/`` gets the URL's own path),
  and the two queries are joined, the URL's first; with ``fixed_path`` the URL's own path and
  query are used whatever the client asked.
- Subprotocols: offered upstream as the client offered them, in its order.
- Headers: every request header passes in order (repeated ones too), except ``LEG_HEADERS``
  (each leg's own handshake: Host, Upgrade, Sec-WebSocket-*...) and Origin, which goes as
  websockets' ``origin`` (the client's, or the upstream's own with ``rewrite_origin``); then
  the edits: strip, set (replacing), add. The edits apply to the request only: the upstream's
  response headers pass as they are.
- The upstream's 101: its headers (``Set-Cookie`` first of all, every one of a repeated name)
  are added to the client's 101 (``core.Server``'s ``response_headers``), less
  ``RESPONSE_OWN``: those each leg's handshake negotiates or its HTTP server writes itself
  (Upgrade, Connection, Sec-WebSocket-Accept, -Extensions (compression is per leg), -Protocol
  (answered by ``select_subprotocol``), Content-Length and the other hop-by-hop headers of
  ``settings.LEG_HEADERS``, and Date and Server).
- Refusals: the upstream's HTTP status (401, 403, 404...) with its body and headers (less
  ``RESPONSE_OWN``, every one of a repeated name: two ``Set-Cookie`` or ``WWW-Authenticate``
  both reach the client); 504 when it did not answer within the open timeout; 502 with
  the reason for anything else (refused connection, unknown host, TLS failure, not a
  WebSocket server).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from core import ConnectError, explain

from .settings import LEG_HEADERS, HeaderEdits, RelaySettings

__all__ = [
    "BAD_GATEWAY",
    "GATEWAY_TIMEOUT",
    "RESPONSE_OWN",
    "failure_answer",
    "is_upgrade_request",
    "offered_subprotocols",
    "passed_response_headers",
    "upstream_headers",
    "upstream_origin",
    "upstream_path",
]

BAD_GATEWAY: Final = 502
GATEWAY_TIMEOUT: Final = 504
#: Headers of the upstream's response (101 or refusal) that belong to its own connection and
#: handshake (lower case): not passed to the client.
RESPONSE_OWN: Final = LEG_HEADERS | {"date", "server"}


def upstream_path(settings: RelaySettings, client_path: str) -> str:
    """The path and query the upstream is asked for (see the module docstring)."""
    url = settings.upstream_url
    base, base_query = url.path, url.query
    if settings.fixed_path:
        return base + (f"?{base_query}" if base_query else "")
    path, _, query = client_path.partition("?")
    if not path.startswith("/"):
        path = "/" + path
    if path != "/":
        base = base.rstrip("/") + path
    joined = "&".join(part for part in (base_query, query) if part)
    return base + (f"?{joined}" if joined else "")


def offered_subprotocols(headers: Any) -> list[str]:
    """The subprotocols a request offers (``Sec-WebSocket-Protocol``, every line), in order."""
    offered: list[str] = []
    for line in headers.get_all("Sec-WebSocket-Protocol"):
        offered.extend(name.strip() for name in line.split(",") if name.strip())
    return offered


def is_upgrade_request(headers: Any) -> bool:
    """Whether a request asks for a WebSocket (else websockets answers it: 426 or 400, and
    no upstream is opened for it)."""
    upgrade = ",".join(headers.get_all("Upgrade")).lower()
    connection = ",".join(headers.get_all("Connection")).lower()
    return "websocket" in upgrade and "upgrade" in connection and "Sec-WebSocket-Key" in headers


def upstream_headers(settings: RelaySettings, headers: Any) -> list[tuple[str, str]]:
    """The headers sent upstream beside the leg's own handshake headers (Origin apart)."""
    edits: HeaderEdits = settings.headers
    replaced = {name.lower() for name, _value in edits.set}
    dropped = LEG_HEADERS | edits.strip | replaced | {"origin"}
    passed = [(name, value) for name, value in headers.raw_items() if name.lower() not in dropped]
    extra = [(name, value) for name, value in (*edits.set, *edits.add) if name.lower() != "origin"]
    return passed + extra


def upstream_origin(settings: RelaySettings, headers: Any) -> str | None:
    """The Origin sent upstream: an edit's, else the upstream's own (``rewrite_origin``), else
    the client's (None: no Origin header)."""
    edits = settings.headers
    for name, value in (*edits.set, *edits.add):
        if name.lower() == "origin":
            return value
    if "origin" in edits.strip:
        return None
    if settings.rewrite_origin:
        return settings.upstream_url.origin
    origin: str | None = headers.get("Origin")
    return origin


def failure_answer(
    error: BaseException, open_timeout: float
) -> tuple[int, str, list[tuple[str, str]]]:
    """What the client is answered when the upstream leg did not open: ``(status, body,
    headers)`` for ``core.Server``'s ``process_request``."""
    if isinstance(error, ConnectError) and error.status is not None:
        status = error.status
        if 200 <= status <= 599 and status != 101:
            headers = passed_response_headers(error.response_headers)
            body = error.reason or error.status_phrase
            return status, body + ("\n" if body and not body.endswith("\n") else ""), headers
    cause = error.cause if isinstance(error, ConnectError) else error
    if isinstance(cause, TimeoutError):
        return (
            GATEWAY_TIMEOUT,
            f"gateway timeout: the upstream did not answer within {open_timeout:g} s\n",
            [],
        )
    said = explain(cause) if cause is not None else str(error)
    return BAD_GATEWAY, f"bad gateway: the upstream could not be opened: {said}\n", []


def passed_response_headers(headers: Any) -> list[tuple[str, str]]:
    """The upstream's response headers passed to the client, in order, repeated names
    included: all but ``RESPONSE_OWN``."""
    if headers is None:
        return []
    items: Iterable[tuple[str, str]] = headers.raw_items()
    return [(name, value) for name, value in items if name.lower() not in RESPONSE_OWN]
