"""Option tables of Client and Server, and their validation (pure: no loop, no I/O).

Each option has a snake_case name and, when the seed defines it, a camelCase spec name; both
are accepted in the options dict and as keyword arguments. Mistakes raise at construction:
an unknown key -> ``ValueError`` naming the closest valid key; a wrong type -> ``TypeError``;
a value out of range or an unsupported MIME type -> ``ValueError`` saying what is allowed.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from websockets.exceptions import InvalidURI
from websockets.uri import parse_uri

from . import mime
from ._option_checks import CHECKS

__all__ = [
    "CLIENT_OPTIONS",
    "SERVER_OPTIONS",
    "Option",
    "OptionKind",
    "parse",
    "seconds",
]


#: How an option's value is checked: the keys of ``core._option_checks.CHECKS`` (a form picks its editor by it).
OptionKind = Literal[
    "ms",
    "optional_ms",
    "count",
    "positive",
    "port",
    "bool",
    "str",
    "optional_str",
    "host",
    "path",
    "file",
    "strings",
    "headers",
    "size",
    "compression",
    "receive_type",
    "send_type",
]


def seconds(ms: float | None) -> float | None:
    """An option in milliseconds as the seconds asyncio and websockets take.

    Args:
        ms: The option's value in milliseconds, or None.

    Returns:
        The value in seconds; None for None and for 0, which the options use for "no limit"
        (or "no pings").
    """
    return None if ms is None or ms == 0 else ms / 1000


@dataclass(frozen=True)
class Option:
    """One row of an option table.

    Attributes:
        name: The snake_case name (a keyword argument, and the key in ``client.options``).
        spec_name: The spec's camelCase name, when the spec defines the option; else None.
        default: The value when the option is not given.
        kind: How its value is checked (``OptionKind``).
        doc: What it does, in one line.
    """

    name: str
    spec_name: str | None
    default: object
    kind: OptionKind
    doc: str


_RECEIVE = Option(
    "receive_type", "receiveType", mime.JSON, "receive_type", "MIME type of incoming messages"
)
_SEND = Option("send_type", "sendType", mime.JSON, "send_type", "MIME type of outgoing messages")
_SSL = Option("ssl_tls", "sslTls", False, "bool", "use TLS (wss://)")
_MAX_SIZE = Option(
    "max_message_size",
    None,
    1024 * 1024,
    "size",
    "largest message in bytes (None: no limit); above it close 1009",
)
_SUBPROTOCOLS = Option(
    "subprotocols", None, None, "strings", "subprotocols offered (client) or accepted (server)"
)
_PING = Option(
    "ping_interval", None, 20_000, "optional_ms", "ms between keepalive pings (None: no pings)"
)
_PING_TIMEOUT = Option(
    "ping_timeout",
    None,
    20_000,
    "optional_ms",
    "ms a keepalive ping waits for its pong; then the connection is dropped (1011)"
    " (None: wait forever)",
)
_CLOSE_TIMEOUT = Option(
    "close_timeout",
    None,
    10_000,
    "ms",
    "ms close() (and stop()) waits for the peer; then the connection is dropped (1006)",
)
_MAX_QUEUE = Option(
    "max_queue",
    None,
    16,
    "positive",
    "messages waiting for recv() or for async handlers before reading pauses",
)
_COMPRESSION = Option(
    "compression",
    None,
    "deflate",
    "compression",
    "'deflate': offer (client) or accept (server) permessage-deflate; None: plain frames;"
    " or a dict of its parameters (server_no_context_takeover, client_no_context_takeover,"
    " server_max_window_bits, client_max_window_bits)",
)
_WIRE_LENGTHS = Option(
    "wire_lengths",
    None,
    False,
    "bool",
    "report each compressed message's size on the wire as last_wire_length (costs about"
    " 5 % of a compressed stream's speed, so off unless asked for)",
)

# The default write_limit: a burst of sixty 1 MiB messages sent without awaiting still fits,
# and a peer that never reads costs no more than this.
_WRITE_LIMIT = Option(
    "write_limit",
    None,
    64 * 1024 * 1024,
    "size",
    "most bytes of messages send() accepted and not yet written (each counts its payload"
    " + 64); past it send() refuses (UnsentMessagesError on the awaitable and on 'error')"
    " (None: no limit)",
)
_WRITE_TIMEOUT = Option(
    "write_timeout",
    None,
    None,
    "optional_ms",
    "ms the peer may leave writes blocked (reading nothing) before it is dropped with 1011"
    " (None: ping_timeout's value; 0: no limit)",
)
_MAX_FRAGMENTS = Option(
    "max_fragments",
    None,
    4096,
    "count",
    "most frames one incoming message may span (websockets' own cap); above it the"
    " connection closes with 1009 (0: no limit)",
)
_MAX_IMAGE_PIXELS = Option(
    "max_image_pixels",
    None,
    mime.MAX_IMAGE_PIXELS,
    "count",
    "largest received image/* message in pixels (width x height); a larger one is"
    " delivered raw with a DecodeError (0: Pillow's own decompression-bomb limit only)",
)

CLIENT_OPTIONS: tuple[Option, ...] = (
    Option("host", None, "localhost", "host", "server name or IP address"),
    Option("port", None, 80, "port", "server port"),
    _RECEIVE,
    _SEND,
    Option(
        "connect_timeout", "connectTimeout", 1000, "ms", "ms to wait for one connection attempt"
    ),
    Option(
        "number_of_retries", "numberOfRetries", 10, "count", "further attempts after a failed one"
    ),
    Option("time_between_retries", "timeBetweenRetries", 500, "ms", "ms between attempts"),
    Option(
        "discard_messages_before_open",
        "discardMessagesBeforeOpen",
        False,
        "bool",
        "drop, instead of queue, what is sent before the socket opens",
    ),
    Option(
        "throttle_factor",
        "throttleFactor",
        0,
        "ms",
        "ms of stall per message already queued before open",
    ),
    _SSL,
    Option("trust_all", "trustAll", False, "bool", "with TLS, accept any server certificate"),
    Option(
        "trusted_ca_cert_path",
        "trustedCACertPath",
        "",
        "file",
        "with TLS and not trust_all: PEM file of the CA that signs the server certificate",
    ),
    Option(
        "client_cert_path",
        None,
        "",
        "file",
        "with TLS: PEM certificate (chain) shown to a server that asks for one (mutual TLS)",
    ),
    Option(
        "client_key_path",
        None,
        "",
        "file",
        "PEM private key of client_cert_path, unless that file holds it too",
    ),
    Option("client_key_password", None, "", "str", "password of an encrypted client key"),
    Option("path", None, "/", "path", "request path (and query) of the URL"),
    _SUBPROTOCOLS,
    Option("headers", None, None, "headers", "extra handshake headers"),
    Option("origin", None, None, "optional_str", "Origin header of the handshake"),
    _MAX_SIZE,
    _PING,
    _PING_TIMEOUT,
    _CLOSE_TIMEOUT,
    _MAX_QUEUE,
    Option(
        "reconnect",
        None,
        False,
        "bool",
        "connect again (under the retry options) when an open connection is lost",
    ),
    _COMPRESSION,
    _WIRE_LENGTHS,
    _WRITE_LIMIT,
    _WRITE_TIMEOUT,
    _MAX_FRAGMENTS,
    _MAX_IMAGE_PIXELS,
)

SERVER_OPTIONS: tuple[Option, ...] = (
    Option(
        "host_interface",
        "hostInterface",
        "localhost",
        "host",
        "interface (name or IP) to listen on",
    ),
    Option("port", None, 80, "port", "port; 0 picks a free one"),
    _RECEIVE,
    _SEND,
    _SSL,
    Option(
        "pfx_key_cert_path",
        "pfxKeyCertPath",
        "",
        "file",
        "PKCS#12 (.pfx/.p12) file with key and certificate",
    ),
    Option("pfx_key_cert_password", "pfxKeyCertPassword", "", "str", "password of the PFX file"),
    Option("cert_path", None, "", "file", "PEM certificate (chain), an alternative to PFX"),
    Option("key_path", None, "", "file", "PEM private key that goes with cert_path"),
    Option(
        "client_ca_path",
        None,
        "",
        "file",
        "PEM file of the CA that signs client certificates: verify those the clients send",
    ),
    Option(
        "require_client_cert",
        None,
        False,
        "bool",
        "with client_ca_path: refuse clients without a certificate that CA signed",
    ),
    Option(
        "allowed_origins", None, None, "strings", "accepted Origin headers; others get HTTP 403"
    ),
    _MAX_SIZE,
    _SUBPROTOCOLS,
    Option(
        "handshake_timeout",
        None,
        10_000,
        "ms",
        "ms a connection may take to complete its handshake",
    ),
    _PING,
    _PING_TIMEOUT,
    _CLOSE_TIMEOUT,
    _MAX_QUEUE,
    _COMPRESSION,
    _WIRE_LENGTHS,
    Option(
        "backlog",
        None,
        1024,
        "count",
        "connections the kernel queues before they are accepted (capped by somaxconn)",
    ),
    _WRITE_LIMIT,
    _WRITE_TIMEOUT,
    _MAX_FRAGMENTS,
    _MAX_IMAGE_PIXELS,
    Option(
        "max_connections",
        None,
        0,
        "count",
        "most open connections; more are refused with HTTP 503 and 'refused' (0: no cap)",
    ),
    Option(
        "max_per_address",
        None,
        0,
        "count",
        "most open connections from one remote address; more are refused with HTTP 503 and"
        " 'refused' (0: no cap)",
    ),
)


def _aliases(table: tuple[Option, ...]) -> dict[str, Option]:
    names: dict[str, Option] = {}
    for option in table:
        names[option.name] = option
        if option.spec_name:
            names[option.spec_name] = option
    return names


_ALIASES = {
    id(CLIENT_OPTIONS): _aliases(CLIENT_OPTIONS),
    id(SERVER_OPTIONS): _aliases(SERVER_OPTIONS),
}


def parse(
    owner: str,
    table: tuple[Option, ...],
    options: Mapping[str, object] | None,
    kwargs: Mapping[str, object],
) -> dict[str, object]:
    """Merge the options dict and the keyword arguments, and check every value.

    Args:
        owner: ``"Client"`` or ``"Server"``, for the error messages.
        table: ``CLIENT_OPTIONS`` or ``SERVER_OPTIONS``.
        options: The options dict: snake_case or camelCase keys (or None).
        kwargs: The keyword arguments: snake_case keys.

    Returns:
        ``{snake_name: checked value}`` for every option of ``table``, defaults filled in.

    Raises:
        ValueError: An unknown key (naming the closest valid one), an option given twice,
            a value out of range, or an unsupported MIME type.
        TypeError: ``options`` is not a mapping, or a value has the wrong type.
    """
    if options is not None and not isinstance(options, Mapping):
        raise TypeError(
            f"{owner} options must be a dict, e.g. {owner}({{'port': 8080}}), not {type(options).__name__}"
        )
    aliases = _ALIASES[id(table)]
    given: dict[str, tuple[str, object]] = {}
    for key, value in [*(options or {}).items(), *kwargs.items()]:
        option = aliases.get(key) if isinstance(key, str) else None
        if option is None:
            close = difflib.get_close_matches(str(key), list(aliases), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(
                f"{owner} has no option {key!r}{hint} Valid options: "
                + ", ".join(o.spec_name or o.name for o in table)
            )
        if option.name in given:
            raise ValueError(
                f"{owner} option '{option.name}' was given twice (as '{given[option.name][0]}' and '{key}')"
            )
        given[option.name] = (key, value)
    values = {option.name: option.default for option in table}
    for name, (key, value) in given.items():
        option = aliases[name]
        values[name] = CHECKS[option.kind](owner, key, value)
    return values


def _url_options(url: str, given: Mapping[str, object]) -> dict[str, object]:
    """Options host, port, path (with the query) and ssl_tls from a ws:// or wss:// URL."""
    try:
        uri = parse_uri(url)
    except InvalidURI as exc:
        raise ValueError(f"Client URL {url!r} is not a valid ws:// or wss:// URL: {exc}") from exc
    if uri.username is not None:
        raise ValueError("Client URL: give credentials in the headers option, not in the URL")
    options: dict[str, object] = {
        "host": uri.host,
        "port": uri.port,
        "path": (uri.path or "/") + (f"?{uri.query}" if uri.query else ""),
        "ssl_tls": uri.secure,
    }
    for key in given:
        if key in options or key in ("sslTls",):
            raise ValueError(f"Client option {key!r} is already given by the URL {url!r}")
    return options
