"""A relay's settings, checked before it listens: the upstream URL, the listen options (a
server's), the upstream leg's options (a client's), the path rule and the header edits.

``relay_settings(...)`` refuses what cannot work with a ``RelaySettingsError`` that says what
to write instead: a URL that is not ``ws://`` or ``wss://``, an option core refuses (core's own
words, TLS files included: both a ``core.Server`` and a ``core.Client`` are built once to check
them), an option the relay sets itself, a listen ``handshake_timeout`` too short to wait for the
upstream's answer, a Host header edit.

What the relay sets itself: both legs carry frames as they are (``receive_type`` and
``send_type`` ``*/*``); the client's subprotocols, headers and Origin go upstream (see
``upstream_handshake``); the upstream is opened once per client connection, within the upstream
``connect_timeout`` (the *open timeout*, default ``DEFAULT_OPEN_TIMEOUT_MS``), and the listen
``handshake_timeout`` defaults to that plus ``HANDSHAKE_MARGIN_MS`` so that a client whose
upstream never answers still gets its 504. Both legs' ``max_queue`` defaults to
``DEFAULT_MAX_QUEUE`` (32, core's is 16): the pumps take more messages per wakeup, at the cost
of up to 16 more waiting messages a leg (see ``connection`` for the memory bound).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from core import Client, Server
from workbench.engine.options import snake_case_client_options, snake_case_server_options

__all__ = [
    "DEFAULT_MAX_QUEUE",
    "DEFAULT_OPEN_TIMEOUT_MS",
    "HANDSHAKE_MARGIN_MS",
    "LEG_HEADERS",
    "LISTEN_OWN_OPTIONS",
    "UPSTREAM_OWN_OPTIONS",
    "HeaderEdits",
    "RelaySettings",
    "RelaySettingsError",
    "UpstreamUrl",
    "parse_upstream_url",
    "relay_settings",
]

#: How long the relay waits for the upstream's handshake answer by default (ms).
DEFAULT_OPEN_TIMEOUT_MS: Final = 5_000
#: Each leg's ``max_queue`` unless one is given (core's default is 16).
DEFAULT_MAX_QUEUE: Final = 32
#: What the client's handshake may take beyond the open timeout (ms), by default.
HANDSHAKE_MARGIN_MS: Final = 5_000
#: Headers of one leg's own handshake and connection (lower case): never passed from the
#: client's request, never edited; each leg negotiates them itself (compression per leg).
LEG_HEADERS: Final = frozenset(
    {
        "host",
        "connection",
        "upgrade",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "sec-websocket-accept",
        "content-length",
        "transfer-encoding",
        "keep-alive",
        "te",
        "trailer",
        "proxy-connection",
        "proxy-authorization",
    }
)
#: Frames as they are, both legs: text stays ``str``, binary stays ``bytes``.
RAW: Final = {"receive_type": "*/*", "send_type": "*/*"}
_LISTEN_OWN = {
    "receive_type": "both legs carry frames as they are",
    "send_type": "both legs carry frames as they are",
    "subprotocols": "the client is answered with the subprotocol the upstream picks",
}
_UPSTREAM_OWN = {
    "host": "it comes from the upstream URL",
    "port": "it comes from the upstream URL",
    "path": "it comes from the upstream URL and the client's request",
    "ssl_tls": "the upstream URL says it (wss://)",
    "receive_type": "both legs carry frames as they are",
    "send_type": "both legs carry frames as they are",
    "subprotocols": "the client's offer goes upstream",
    "headers": "the client's headers go upstream; edit them with the relay's header edits",
    "origin": "the client's Origin goes upstream; see rewrite_origin",
    "number_of_retries": "the upstream is opened once per client connection",
    "time_between_retries": "the upstream is opened once per client connection",
    "reconnect": "a relayed connection ends when either side ends",
    "discard_messages_before_open": "nothing is sent upstream before it is open",
    "throttle_factor": "nothing is sent upstream before it is open",
}

#: The options of each side the relay sets itself (a form leaves them out).
LISTEN_OWN_OPTIONS: Final = frozenset(_LISTEN_OWN)
UPSTREAM_OWN_OPTIONS: Final = frozenset(_UPSTREAM_OWN)


class RelaySettingsError(ValueError):
    """The relay cannot run with these settings; the message says what to change."""


@dataclass(frozen=True)
class UpstreamUrl:
    """A checked upstream URL: ``ws://host:port/path?query`` or ``wss://...``."""

    url: str
    secure: bool
    host: str
    port: int
    path: str  # "/" at least
    query: str  # without "?", may be empty

    @property
    def origin(self) -> str:
        """The web origin of the upstream (``https://host`` for wss), for ``rewrite_origin``."""
        scheme = "https" if self.secure else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.secure else 80
        return f"{scheme}://{host}" + ("" if self.port == default else f":{self.port}")


@dataclass(frozen=True)
class HeaderEdits:
    """What happens to the client's handshake headers on their way upstream.

    ``strip``: lower-case names left out; ``set``: (name, value) pairs replacing any header of
    that name (or adding it); ``add``: pairs added beside what passes. ``Origin`` in ``set``
    or ``strip`` sets or removes the Origin sent upstream. Requests only: the upstream's
    response headers reach the client unedited (less each leg's own, see
    ``upstream_handshake``).
    """

    set: tuple[tuple[str, str], ...] = ()
    add: tuple[tuple[str, str], ...] = ()
    strip: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RelaySettings:
    """Checked settings (``relay_settings`` makes them): ``listen`` and ``upstream`` are the
    snake_case options of the relay's ``core.Server`` and of each upstream ``core.Client``,
    the relay's own settings included."""

    upstream_url: UpstreamUrl
    listen: dict[str, Any]
    upstream: dict[str, Any]
    fixed_path: bool = False
    headers: HeaderEdits = field(default_factory=HeaderEdits)
    rewrite_origin: bool = False

    @property
    def open_timeout(self) -> float:
        """Seconds the relay waits for the upstream's handshake answer."""
        return float(self.upstream["connect_timeout"]) / 1000


def parse_upstream_url(url: object) -> UpstreamUrl:
    """``url`` checked as a ``ws://`` / ``wss://`` URL; ``RelaySettingsError`` saying what is
    wrong with it otherwise."""
    example = "e.g. ws://localhost:8080/chat or wss://example.org/socket"
    if not isinstance(url, str) or not url.strip():
        raise RelaySettingsError(f"the upstream URL is missing; give one, {example}")
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("ws", "wss"):
        said = f"{parts.scheme}://" if parts.scheme else "no scheme"
        raise RelaySettingsError(
            f"the upstream URL {text!r} must start with ws:// or wss:// (it has {said}); {example}"
        )
    try:
        port = parts.port
    except ValueError:
        raise RelaySettingsError(
            f"the upstream URL {text!r} has a port that is not a number from 1 to 65535"
        ) from None
    if not parts.hostname:
        raise RelaySettingsError(f"the upstream URL {text!r} names no host; {example}")
    if parts.username is not None or parts.password is not None:
        raise RelaySettingsError(
            f"the upstream URL {text!r} holds credentials; send them as a header "
            "(an Authorization header edit) instead"
        )
    if parts.fragment or text.endswith("#"):
        raise RelaySettingsError(
            f"the upstream URL {text!r} has a #fragment, which WebSocket URLs cannot have"
        )
    secure = parts.scheme.lower() == "wss"
    if port == 0:
        raise RelaySettingsError(f"the upstream URL {text!r} has port 0; give the real port")
    return UpstreamUrl(
        text,
        secure,
        parts.hostname,
        port or (443 if secure else 80),
        parts.path or "/",
        parts.query,
    )


def relay_settings(
    upstream_url: object,
    listen: Mapping[str, Any] | None = None,
    upstream: Mapping[str, Any] | None = None,
    *,
    fixed_path: bool = False,
    set_headers: Iterable[tuple[str, str]] = (),
    add_headers: Iterable[tuple[str, str]] = (),
    strip_headers: Iterable[str] = (),
    rewrite_origin: bool = False,
) -> RelaySettings:
    """Checked ``RelaySettings``; ``RelaySettingsError`` (a ``ValueError``) with what to
    change.

    Args:
        upstream_url: Where each client connection is relayed to (``ws://`` or ``wss://``).
        listen: Server options of the relay's listening side (host_interface, port, TLS...),
            under either spelling.
        upstream: Client options of the upstream leg (TLS trust, client certificate,
            ``connect_timeout`` as the open timeout, keepalive, compression...).
        fixed_path: True: every connection goes to the upstream URL's own path and query;
            False: the client's path and query are appended to them.
        set_headers / add_headers / strip_headers: the header edits (``HeaderEdits``).
        rewrite_origin: True: the Origin sent upstream is the upstream's own origin; False:
            the client's Origin passes as it is.
    """
    url = parse_upstream_url(upstream_url)
    listen_options = _own_options(
        snake_case_server_options(listen or {}), _LISTEN_OWN, "listen", RAW
    )
    upstream_options = _own_options(
        snake_case_client_options(upstream or {}), _UPSTREAM_OWN, "upstream", RAW
    )
    upstream_options.setdefault("connect_timeout", DEFAULT_OPEN_TIMEOUT_MS)
    listen_options.setdefault("max_queue", DEFAULT_MAX_QUEUE)
    upstream_options.setdefault("max_queue", DEFAULT_MAX_QUEUE)
    upstream_options["number_of_retries"] = 0
    open_ms = upstream_options["connect_timeout"]
    if isinstance(open_ms, int) and not isinstance(open_ms, bool):
        if open_ms <= 0:
            raise RelaySettingsError(
                "the upstream connect_timeout (the open timeout) must be more than 0 ms: "
                "a client must not wait for ever for an upstream that never answers"
            )
        given = listen_options.get("handshake_timeout")
        if given is None:
            listen_options["handshake_timeout"] = open_ms + HANDSHAKE_MARGIN_MS
        elif isinstance(given, int) and 0 < given <= open_ms:
            raise RelaySettingsError(
                f"the listen handshake_timeout ({given} ms) must be longer than the upstream "
                f"connect_timeout ({open_ms} ms), so that a client whose upstream does not "
                "answer is told so (504) before its own handshake times out"
            )
    try:
        Server(listen_options)
    except (ValueError, TypeError) as exc:
        raise RelaySettingsError(f"listen options: {exc}") from None
    try:
        Client(
            {
                "host": url.host,
                "port": url.port,
                "ssl_tls": url.secure,
                "path": url.path,
                **upstream_options,
            }
        )
    except (ValueError, TypeError) as exc:
        raise RelaySettingsError(f"upstream options: {exc}") from None
    return RelaySettings(
        url,
        listen_options,
        upstream_options,
        bool(fixed_path),
        _header_edits(set_headers, add_headers, strip_headers),
        bool(rewrite_origin),
    )


def _own_options(
    options: dict[str, Any], own: Mapping[str, str], side: str, forced: Mapping[str, Any]
) -> dict[str, Any]:
    for name in options:
        why = own.get(name)
        if why is not None:
            raise RelaySettingsError(
                f"{side} option {name!r} is set by the relay itself: {why}; leave it out"
            )
    return {**options, **forced}


def _header_edits(
    set_headers: Iterable[tuple[str, str]],
    add_headers: Iterable[tuple[str, str]],
    strip_headers: Iterable[str],
) -> HeaderEdits:
    pairs: dict[str, tuple[tuple[str, str], ...]] = {}
    for what, given in (("set", set_headers), ("add", add_headers)):
        checked = []
        for pair in given:
            if not (
                isinstance(pair, tuple | list)
                and len(pair) == 2
                and all(isinstance(part, str) for part in pair)
            ):
                raise RelaySettingsError(f"a header to {what} is a (name, value) pair of texts")
            name, value = pair
            _check_header_name(name, what)
            if "\r" in value or "\n" in value:
                raise RelaySettingsError(f"the value of header {name!r} must be one line")
            checked.append((name, value))
        pairs[what] = tuple(checked)
    stripped = set()
    for name in strip_headers:
        if not isinstance(name, str):
            raise RelaySettingsError("a header to strip is named by a text")
        _check_header_name(name, "strip")
        stripped.add(name.lower())
    return HeaderEdits(pairs["set"], pairs["add"], frozenset(stripped))


_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _check_header_name(name: str, what: str) -> None:
    if not name or not set(name) <= _TOKEN:
        raise RelaySettingsError(
            f"{name!r} is not a header name (letters, digits and -, as in X-Api-Key)"
        )
    if name.lower() == "host":
        raise RelaySettingsError(
            f"cannot {what} the Host header: it is always the upstream's own, from its URL"
        )
    if name.lower() in LEG_HEADERS and what != "strip":
        raise RelaySettingsError(
            f"cannot {what} the {name} header: each leg's handshake sets it (it never passes)"
        )
