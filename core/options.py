"""Option tables of Client and Server, and their validation (pure: no loop, no I/O).

Each option has a snake_case name and, when the seed defines it, a camelCase spec name; both
are accepted in the options dict and as keyword arguments. Mistakes raise at construction:
an unknown key -> ``ValueError`` naming the closest valid key; a wrong type -> ``TypeError``;
a value out of range or an unsupported MIME type -> ``ValueError`` saying what is allowed.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeGuard

from websockets.exceptions import InvalidURI
from websockets.uri import parse_uri

from . import mime

__all__ = [
    "CLIENT_OPTIONS",
    "SERVER_OPTIONS",
    "Option",
    "OptionKind",
    "parse",
    "seconds",
]


#: How an option's value is checked: the keys of ``_CHECKS`` (a form picks its editor by it).
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


def seconds(ms: float | None) -> float | None:
    """An option in milliseconds as the seconds asyncio and websockets take.

    Args:
        ms: The option's value in milliseconds, or None.

    Returns:
        The value in seconds; None for None and for 0, which the options use for "no limit"
        (or "no pings").
    """
    return None if ms is None or ms == 0 else ms / 1000


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_ms(owner: str, name: str, value: object) -> float:
    if not _is_number(value):
        raise TypeError(
            f"{owner} option '{name}' is a number of milliseconds, not {type(value).__name__}"
        )
    if value < 0:
        raise ValueError(f"{owner} option '{name}' must be 0 or more milliseconds, got {value}")
    return value


def _check_optional_ms(owner: str, name: str, value: object) -> float | None:
    return None if value is None else _check_ms(owner, name, value)


def _check_count(owner: str, name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{owner} option '{name}' is a whole number, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{owner} option '{name}' must be 0 or more, got {value}")
    return value


def _check_positive(owner: str, name: str, value: object) -> int:
    count = _check_count(owner, name, value)
    if count == 0:
        raise ValueError(f"{owner} option '{name}' must be at least 1, got 0")
    return count


def _check_port(owner: str, name: str, value: object) -> int:
    port = _check_count(owner, name, value)
    if port > 65535:
        raise ValueError(f"{owner} option 'port' must be between 0 and 65535, got {port}")
    return port


def _check_bool(owner: str, name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{owner} option '{name}' is True or False, not {type(value).__name__}")
    return value


def _check_str(owner: str, name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{owner} option '{name}' is a string, not {type(value).__name__}")
    return value


def _check_optional_str(owner: str, name: str, value: object) -> str | None:
    return None if value is None else _check_str(owner, name, value)


def _check_host(owner: str, name: str, value: object) -> str:
    host = _check_str(owner, name, value).strip()
    if not host or any(c in host for c in "/ ?#"):
        raise ValueError(f"{owner} option '{name}' must be a host name or IP address, got {host!r}")
    return host


def _check_path(owner: str, name: str, value: object) -> str:
    path = _check_str(owner, name, value)
    if not path.startswith("/"):
        raise ValueError(f"{owner} option 'path' must start with '/', got {path!r}")
    return path


def _check_file(owner: str, name: str, value: object) -> str:
    path = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    if not isinstance(path, str):
        raise TypeError(f"{owner} option '{name}' is a file path, not {type(value).__name__}")
    return path


def _check_strings(owner: str, name: str, value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"{owner} option '{name}' is a list of strings, e.g. ['chat']")
    strings = list(value)
    if not all(isinstance(item, str) for item in strings):
        raise TypeError(f"{owner} option '{name}' is a list of strings, e.g. ['chat']")
    return strings


def _check_headers(owner: str, name: str, value: object) -> list[tuple[str, str]] | None:
    if value is None:
        return None
    wrong = f"{owner} option '{name}' is a dict of header names to string values"
    if isinstance(value, Mapping):
        pairs: list[object] = list(value.items())
    elif isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        pairs = list(value)
    else:
        raise TypeError(wrong)
    headers: list[tuple[str, str]] = []
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(wrong)
        header, text = pair
        if not isinstance(header, str) or not isinstance(text, str):
            raise TypeError(wrong)
        headers.append((header, text))
    return headers


def _check_size(owner: str, name: str, value: object) -> int | None:
    if value is None:
        return None
    size = _check_count(owner, name, value)
    if size == 0:
        raise ValueError(f"{owner} option '{name}' must be at least 1 byte, or None for no limit")
    return size


def _check_compression(owner: str, name: str, value: object) -> Literal["deflate"] | None:
    if value != "deflate" and value is not None:
        raise ValueError(
            f"{owner} option '{name}' is 'deflate' (permessage-deflate) or None (no"
            f" compression), got {value!r}"
        )
    return "deflate" if value is not None else None


def _check_mime(value: object, write: bool) -> str:
    if not isinstance(value, str):
        role = "sendType" if write else "receiveType"
        raise TypeError(f"{role} must be a MIME type string such as 'application/json'")
    if write:
        mime.encoder_for(value)
    else:
        mime.decoder_for(value)
    return value


def _check_receive_type(owner: str, name: str, value: object) -> str:
    return _check_mime(value, write=False)


def _check_send_type(owner: str, name: str, value: object) -> str:
    return _check_mime(value, write=True)


_CHECKS: dict[OptionKind, Callable[[str, str, object], object]] = {
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
        values[name] = _CHECKS[option.kind](owner, key, value)
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
