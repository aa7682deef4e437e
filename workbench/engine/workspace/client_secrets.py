"""A client's secrets, taken out of its options for the workspace file and put back (pure).

Which values are secrets is ``workbench.engine.secret_names``'s call: the headers marked
secret (the client option ``secret_headers``, a list of names the header editor keeps; when
absent, the default ones: ``Authorization``, ``Cookie``, ``*-Key``, ``*-Token``...), the
token- and key-like query parameters of ``path``, the subprotocols that carry a token, and
``client_key_password``.

Each secret is a **field** named by where it sits, so that it can be put back:
``header:<index>:<name>`` (the index in ``headers``), ``query:<index>:<name>`` (the
``&``-separated part of the query), ``subprotocol:<index>``, ``client_key_password``.
``secret_values`` lists the fields holding a value, ``without_secrets`` leaves each one's
value empty in place (the header stays with an empty value, ``?token=``, an empty
subprotocol), and ``with_secrets`` writes values back. A client whose secrets are missing
(no keyring) keeps the empty places: the engine refuses to open it until they are typed
again (``Workbench.provide_client_secrets``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from workbench.engine.secret_names import (
    carries_token,
    is_default_secret_header,
    is_secret_query_param,
)

__all__ = [
    "KEY_PASSWORD",
    "SECRET_HEADERS_OPTION",
    "describe_field",
    "marked_headers",
    "secret_values",
    "with_secrets",
    "without_secrets",
]

#: The workbench's own client option: the names of the headers marked secret.
SECRET_HEADERS_OPTION = "secret_headers"
KEY_PASSWORD = "client_key_password"


def marked_headers(options: Mapping[str, Any]) -> frozenset[str] | None:
    """The lower-case names of the headers marked secret, or None: the defaults apply."""
    marked = options.get(SECRET_HEADERS_OPTION)
    if marked is None:
        return None
    return frozenset(str(name).strip().lower() for name in marked)


def _header_is_secret(name: str, marked: frozenset[str] | None) -> bool:
    if marked is None:
        return is_default_secret_header(name)
    return name.strip().lower() in marked


def _pairs(headers: Any) -> list[tuple[str, str]]:
    if not headers:
        return []
    items: Iterable[Any] = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(name), str(value)) for name, value in items]


def _split_path(path: str) -> tuple[str, list[str], str]:
    """``path`` as (before the query, the query's ``&`` parts, ``#`` and after)."""
    head, _, fragment = path.partition("#")
    base, mark, query = head.partition("?")
    return base, (query.split("&") if mark else []), ("#" + fragment if fragment else "")


def secret_values(options: Mapping[str, Any]) -> dict[str, str]:
    """Every secret ``options`` hold with a value, by field (see the module docstring)."""
    found: dict[str, str] = {}
    marked = marked_headers(options)
    for index, (name, value) in enumerate(_pairs(options.get("headers"))):
        if value and _header_is_secret(name, marked):
            found[f"header:{index}:{name}"] = value
    _base, parts, _fragment = _split_path(str(options.get("path") or ""))
    for index, part in enumerate(parts):
        name, sep, value = part.partition("=")
        if sep and value and is_secret_query_param(name):
            found[f"query:{index}:{name}"] = value
    for index, protocol in enumerate(options.get("subprotocols") or []):
        if protocol and carries_token(str(protocol)):
            found[f"subprotocol:{index}"] = str(protocol)
    if options.get(KEY_PASSWORD):
        found[KEY_PASSWORD] = str(options[KEY_PASSWORD])
    return found


def without_secrets(options: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """A copy of ``options`` with the value of each of ``fields`` left empty in place."""
    return with_secrets(options, dict.fromkeys(fields, ""))


def with_secrets(options: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``options`` with each field of ``values`` set to its value (a field whose
    place is gone — a header removed since — is ignored)."""
    result = dict(options)
    headers = result.get("headers")
    pairs = _pairs(headers)
    base, parts, fragment = _split_path(str(result.get("path") or ""))
    protocols = [str(p) for p in result.get("subprotocols") or []]
    touched = set()
    for field, value in values.items():
        kind, _, rest = field.partition(":")
        if field == KEY_PASSWORD:
            result[KEY_PASSWORD] = value
            continue
        index_text, _, name = rest.partition(":")
        if not index_text.isdigit():
            continue
        index = int(index_text)
        if kind == "header" and index < len(pairs) and pairs[index][0] == name:
            pairs[index] = (name, value)
            touched.add("headers")
        elif kind == "query" and index < len(parts) and parts[index].partition("=")[0] == name:
            parts[index] = f"{name}={value}"
            touched.add("path")
        elif kind == "subprotocol" and index < len(protocols):
            protocols[index] = value
            touched.add("subprotocols")
    if "headers" in touched:
        if isinstance(headers, Mapping):
            result["headers"] = dict(pairs)
        else:
            shapes = [type(pair) for pair in headers or []]
            result["headers"] = [
                shape(pair) if shape in (list, tuple) else pair
                for shape, pair in zip(shapes, pairs, strict=True)
            ]
    if "path" in touched:
        result["path"] = base + "?" + "&".join(parts) + fragment
    if "subprotocols" in touched:
        result["subprotocols"] = protocols
    return result


def describe_field(field: str) -> str:
    """A field in words, for "type … again": "the Authorization header"."""
    kind, _, rest = field.partition(":")
    name = rest.partition(":")[2]
    if field == KEY_PASSWORD:
        return "the client key's password"
    if kind == "header":
        return f"the {name} header"
    if kind == "query":
        return f"the {unquote(name)}= parameter of the path"
    if kind == "subprotocol":
        return f"subprotocol {int(rest) + 1 if rest.isdigit() else rest} (it carries a token)"
    return field
