"""Option tables of Client and Server, and their validation (pure: no loop, no I/O).

Each option has a snake_case name and, when the seed defines it, a camelCase spec name; both
are accepted in the options dict and as keyword arguments. Mistakes raise at construction:
an unknown key -> ``ValueError`` naming the closest valid key; a wrong type -> ``TypeError``;
a value out of range or an unsupported MIME type -> ``ValueError`` saying what is allowed.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import mime


@dataclass(frozen=True)
class Option:
    name: str
    spec_name: str | None
    default: Any
    kind: str  # one of the keys of _CHECKS
    doc: str


def seconds(ms: float | None) -> float | None:
    """An option in milliseconds as the seconds asyncio and websockets take: None for None
    and for 0, which the options use for "no limit" (or "no pings")."""
    return None if ms is None or ms == 0 else ms / 1000


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_ms(owner: str, name: str, value: Any) -> Any:
    if not _is_number(value):
        raise TypeError(
            f"{owner} option '{name}' is a number of milliseconds, not {type(value).__name__}"
        )
    if value < 0:
        raise ValueError(f"{owner} option '{name}' must be 0 or more milliseconds, got {value}")
    return value


def _check_optional_ms(owner: str, name: str, value: Any) -> Any:
    return None if value is None else _check_ms(owner, name, value)


def _check_count(owner: str, name: str, value: Any) -> Any:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{owner} option '{name}' is a whole number, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{owner} option '{name}' must be 0 or more, got {value}")
    return value


def _check_positive(owner: str, name: str, value: Any) -> Any:
    value = _check_count(owner, name, value)
    if value == 0:
        raise ValueError(f"{owner} option '{name}' must be at least 1, got 0")
    return value


def _check_port(owner: str, name: str, value: Any) -> Any:
    value = _check_count(owner, name, value)
    if value > 65535:
        raise ValueError(f"{owner} option 'port' must be between 0 and 65535, got {value}")
    return value


def _check_bool(owner: str, name: str, value: Any) -> Any:
    if not isinstance(value, bool):
        raise TypeError(f"{owner} option '{name}' is True or False, not {type(value).__name__}")
    return value


def _check_str(owner: str, name: str, value: Any) -> Any:
    if not isinstance(value, str):
        raise TypeError(f"{owner} option '{name}' is a string, not {type(value).__name__}")
    return value


def _check_optional_str(owner: str, name: str, value: Any) -> Any:
    return None if value is None else _check_str(owner, name, value)


def _check_host(owner: str, name: str, value: Any) -> Any:
    value = _check_str(owner, name, value).strip()
    if not value or any(c in value for c in "/ ?#"):
        raise ValueError(
            f"{owner} option '{name}' must be a host name or IP address, got {value!r}"
        )
    return value


def _check_path(owner: str, name: str, value: Any) -> Any:
    value = _check_str(owner, name, value)
    if not value.startswith("/"):
        raise ValueError(f"{owner} option 'path' must start with '/', got {value!r}")
    return value


def _check_file(owner: str, name: str, value: Any) -> Any:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{owner} option '{name}' is a file path, not {type(value).__name__}")
    return os.fspath(value)


def _check_strings(owner: str, name: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"{owner} option '{name}' is a list of strings, e.g. ['chat']")
    return list(value)


def _check_headers(owner: str, name: str, value: Any) -> Any:
    if value is None:
        return None
    pairs = list(value.items()) if isinstance(value, Mapping) else list(value)
    if not all(isinstance(pair, (tuple, list)) and len(pair) == 2 for pair in pairs) or not all(
        isinstance(part, str) for pair in pairs for part in pair
    ):
        raise TypeError(f"{owner} option '{name}' is a dict of header names to string values")
    return [tuple(pair) for pair in pairs]


def _check_size(owner: str, name: str, value: Any) -> Any:
    if value is None:
        return None
    value = _check_count(owner, name, value)
    if value == 0:
        raise ValueError(f"{owner} option '{name}' must be at least 1 byte, or None for no limit")
    return value


def _check_compression(owner: str, name: str, value: Any) -> Any:
    if value not in ("deflate", None):
        raise ValueError(
            f"{owner} option '{name}' is 'deflate' (permessage-deflate) or None (no"
            f" compression), got {value!r}"
        )
    return value


def _check_optional_function(owner: str, name: str, value: Any) -> Any:
    if value is not None and not callable(value):
        raise TypeError(
            f"{owner} option '{name}' is a function or None, not {type(value).__name__}"
        )
    return value


def _check_receive_type(owner: str, name: str, value: Any) -> Any:
    mime.decoder_for(value)
    return value


def _check_send_type(owner: str, name: str, value: Any) -> Any:
    mime.encoder_for(value)
    return value


_CHECKS: dict[str, Callable[[str, str, Any], Any]] = {
    "ms": _check_ms,
    "optional_ms": _check_optional_ms,
    "count": _check_count,
    "positive": _check_positive,
    "port": _check_port,
    "bool": _check_bool,
    "str": _check_str,
    "optional_str": _check_optional_str,
    "host": _check_host,
    "path": _check_path,
    "file": _check_file,
    "strings": _check_strings,
    "headers": _check_headers,
    "size": _check_size,
    "compression": _check_compression,
    "receive_type": _check_receive_type,
    "send_type": _check_send_type,
}

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
    "'deflate': offer (client) or accept (server) permessage-deflate; None: plain frames",
)
_WIRE_LENGTHS = Option(
    "wire_lengths",
    None,
    False,
    "bool",
    "report each compressed message's size on the wire as last_wire_length (costs about"
    " 5 % of a compressed stream's speed, so off unless asked for)",
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
    options: Mapping[str, Any] | None,
    kwargs: Mapping[str, object],
) -> dict[str, Any]:
    """Merge the options dict and keyword arguments into ``{snake_name: checked value}``."""
    if options is not None and not isinstance(options, Mapping):
        raise TypeError(
            f"{owner} options must be a dict, e.g. {owner}({{'port': 8080}}), not {type(options).__name__}"
        )
    aliases = _ALIASES[id(table)]
    given: dict[str, tuple[str, Any]] = {}
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
        values[name] = _CHECKS[option.kind](owner, key, value)
    return values
