"""The checks behind core.options: one function per ``OptionKind``, pure (no loop, no I/O).

Each takes ``(owner, name, value)``: ``owner`` is ``"Client"`` or ``"Server"`` and ``name``
the key as the caller spelt it, so that an error says which option of which class is wrong;
it returns the value as core keeps it, or raises ``TypeError`` (wrong type) or ``ValueError``
(out of range) with a sentence that says what to give instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Literal, TypeGuard

from . import mime


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


#: The permessage-deflate parameters (RFC 7692 section 7.1) the ``compression`` option takes.
DEFLATE_PARAMETERS = (
    "server_no_context_takeover",
    "client_no_context_takeover",
    "server_max_window_bits",
    "client_max_window_bits",
)


def _check_compression(
    owner: str, name: str, value: object
) -> Literal["deflate"] | dict[str, bool | int] | None:
    if value is None or value == "deflate":
        return "deflate" if value is not None else None
    if not isinstance(value, Mapping):
        raise ValueError(
            f"{owner} option '{name}' is 'deflate' (permessage-deflate) or None (no"
            " compression), or a dict of permessage-deflate parameters such as"
            f" {{'client_no_context_takeover': True}}, got {value!r}"
        )
    parameters: dict[str, bool | int] = {}
    for key, given in value.items():
        if key not in DEFLATE_PARAMETERS:
            raise ValueError(
                f"{owner} option '{name}' has no parameter {key!r}; the permessage-deflate"
                f" parameters are {', '.join(DEFLATE_PARAMETERS)}"
            )
        parameters[key] = _deflate_parameter(owner, name, key, given)
    return parameters


def _deflate_parameter(owner: str, name: str, key: str, value: object) -> bool | int:
    """One permessage-deflate parameter, checked as websockets will take it on ``owner``'s
    side: a client may offer ``client_max_window_bits`` without a value (True); zlib cannot
    compress with an 8-bit window, so the side that compresses takes 9 to 15."""
    if key.endswith("no_context_takeover"):
        if not isinstance(value, bool):
            raise TypeError(f"{owner} option '{name}': {key} is True or False, not {value!r}")
        return value
    compresses = (owner == "Client") == key.startswith("client")
    low = 9 if compresses else 8
    if value is True and owner == "Client" and key == "client_max_window_bits":
        return True
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 15:
        also = " (or True: offered without a value)" if owner == "Client" and compresses else ""
        raise ValueError(
            f"{owner} option '{name}': {key} is a window size in bits from {low} to 15{also},"
            f" got {value!r}"
        )
    return value


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


CHECKS: dict[str, Callable[[str, str, object], object]] = {
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
