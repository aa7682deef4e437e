"""Which values of a connection are secrets, and those values left out of log text (pure).

Three places carry credentials in a WebSocket handshake:

- **headers**: ``Authorization``, ``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and
  any ``*-Key`` or ``*-Token`` header (``X-Api-Key``, ``X-Auth-Token``) are secret by
  default (``is_default_secret_header``); a person may mark others (a client's
  ``secret_headers``). ``Sec-WebSocket-Key`` and ``Sec-WebSocket-Accept`` are the
  handshake's nonce and its answer, not secrets: the Handshake view computes one from the
  other.
- **query parameters** of the URL whose name says token, key, secret, password, auth,
  signature, session, credential or JWT (``is_secret_query_param``): ``?token=…``,
  ``?api_key=…``, ``?X-Amz-Signature=…``.
- **subprotocols** that carry a token (``carries_token``), as browsers' clients do for want
  of headers: ``bearer.<token>``, ``base64url.bearer.authorization.k8s.io.<token>``, a JWT
  offered after ``access_token``. Names of protocols (``chat``, ``graphql-transport-ws``,
  ``access_token`` itself) are not.

``redact_text`` writes ``[redacted]`` in place of each such value in a log row's text (the
handshake's header lines, URLs and request lines, "subprotocol …"): the JSON Lines export
does it unless asked for the secrets (``workbench.engine.log.jsonl``). The workspace keeps
these values in the keyring instead of its file (``workbench.engine.workspace.client_secrets``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final
from urllib.parse import unquote

__all__ = [
    "DEFAULT_SECRET_HEADERS",
    "REDACTED",
    "carries_token",
    "is_default_secret_header",
    "is_secret_header",
    "is_secret_query_param",
    "redact_text",
]

#: What a redacted value reads as.
REDACTED: Final = "[redacted]"
#: The headers secret by default, as the header editor lists them.
DEFAULT_SECRET_HEADERS: Final = (
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "Set-Cookie",
    "*-Key",
    "*-Token",
)
_SECRET_NAMES: Final = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_NOT_SECRET: Final = frozenset({"sec-websocket-key", "sec-websocket-accept"})
_SECRET_PARAM = re.compile(
    r"token|key|secret|passw|pwd|auth|sig(?:nature)?\b|^sig|session|credential|jwt|bearer",
    re.IGNORECASE,
)
# A keyword and something after it: "bearer.abc", "token=abc" (but not "access_token").
_TOKEN_AFTER_KEYWORD = re.compile(r"(?:token|bearer|auth\w*|secret|key|jwt)[._:=~+/-]+\S", re.I)
_HEADER_LINE = re.compile(
    r"^(?P<name>[!#$%&'*+.^_`|~0-9A-Za-z-]+)(?P<sep>[ \t]*:[ \t]*)(?P<value>.*)$", re.M
)
_QUERY_PAIR = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#\s?]+)=(?P<value>[^&;#\s]*)")
_SUBPROTOCOL_WORD = re.compile(r"(?P<lead>\bsubprotocols? )(?P<value>[^\s,;()]+)")


def is_default_secret_header(name: str) -> bool:
    """Whether a header is secret unless the person says otherwise (see the module)."""
    lower = name.strip().lower()
    if lower in _NOT_SECRET:
        return False
    return lower in _SECRET_NAMES or lower.endswith(("-key", "-token"))


def is_secret_header(name: str, marked: Collection[str] = ()) -> bool:
    """Whether a header's value is left out of exports: a default one, or one in
    ``marked`` (lower-case names)."""
    return is_default_secret_header(name) or name.strip().lower() in marked


def is_secret_query_param(name: str) -> bool:
    """Whether a query parameter's name (percent-encoded or not) says it holds a secret."""
    return bool(_SECRET_PARAM.search(unquote(name)))


def carries_token(subprotocol: str) -> bool:
    """Whether a subprotocol offered or agreed carries a credential (see the module): a
    keyword followed by a value, or a long mix of letters and digits (a JWT)."""
    text = subprotocol.strip()
    if _TOKEN_AFTER_KEYWORD.search(text):
        return True
    return (
        len(text) >= 20
        and any(c.isdigit() for c in text)
        and any(c.isalpha() for c in text)
        and not any(c.isspace() for c in text)
    )


def _protocols(value: str) -> str:
    return ", ".join(REDACTED if carries_token(part) else part.strip() for part in value.split(","))


def redact_text(text: str, marked: Collection[str] = ()) -> str:
    """``text`` (a log row's detail: header lines, a request line, a URL...) with every
    secret value written as ``[redacted]``: secret headers' values (``marked``: more
    header names, lower-case), secret query parameters' values, and subprotocols that
    carry a token (in ``Sec-WebSocket-Protocol`` lines and after "subprotocol")."""

    def header(match: re.Match[str]) -> str:
        name, value = match["name"], match["value"]
        if is_secret_header(name, marked):
            value = REDACTED
        elif name.lower() == "sec-websocket-protocol":
            value = _protocols(value)
        return f"{name}{match['sep']}{value}"

    def query(match: re.Match[str]) -> str:
        if not is_secret_query_param(match["name"]):
            return match.group(0)
        return f"{match['lead']}{match['name']}={REDACTED}"

    def subprotocol(match: re.Match[str]) -> str:
        value = match["value"]
        return match["lead"] + (REDACTED if carries_token(value) else value)

    if ":" in text:
        text = _HEADER_LINE.sub(header, text)
    if "=" in text:
        text = _QUERY_PAIR.sub(query, text)
    if "subprotocol" in text:
        text = _SUBPROTOCOL_WORD.sub(subprotocol, text)
    return text
