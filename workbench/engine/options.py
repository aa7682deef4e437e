"""The one option validator, core's: the forms and the controllers check options here; and
the one spelling of option names inside the workbench, snake_case.

Core accepts an option under its snake_case name or the spec's camelCase name
(``hostInterface``). The workbench normalises once, where options come in — the facade's add
and update methods, the workspace file, a form being filled — with ``snake_case_server_options``
/ ``snake_case_client_options``, so everything past that boundary reads ``options["send_type"]``
and never tries both spellings.

``server_refusal`` / ``client_refusal`` give core's own error text (None if core accepts the
options). Checks that need the files themselves (a TLS certificate that cannot be read) are
core's too: they run when the server starts or the client opens, and fail through the one
error path. The option tables and core's MIME type lists are re-exported so that views build their
forms from them without importing ``core``; the tables leave out ``WORKBENCH_OPTIONS``, which
the controllers set themselves on every core Client and Server.

A client's options may also hold ``CLIENT_ONLY_OPTIONS``, the workbench's own, never handed
to core: ``secret_headers``, the names of the headers marked secret (a list of strings;
``workbench.engine.workspace.client_secrets``). ``core_client_options`` drops them; the
refusal and parse functions check them and give core the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import options as core_options
from core import supported_receive_types, supported_send_types
from core.options import Option, parse

__all__ = [
    "CLIENT_ONLY_OPTIONS",
    "CLIENT_OPTIONS",
    "SERVER_OPTIONS",
    "WORKBENCH_OPTIONS",
    "Option",
    "client_refusal",
    "client_url",
    "core_client_options",
    "parse_client_options",
    "parse_server_options",
    "refusal",
    "server_refusal",
    "snake_case_client_options",
    "snake_case_server_options",
    "supported_receive_types",
    "supported_send_types",
]

#: Set on every core Client and Server the workbench makes, never in a form or a workspace:
#: the log shows what each compressed message took on the wire (core's last_wire_length).
WORKBENCH_OPTIONS: dict[str, Any] = {"wire_lengths": True}

#: A client's options that are the workbench's own (see the module docstring).
CLIENT_ONLY_OPTIONS = ("secret_headers",)

#: The options the forms show: core's, less ``WORKBENCH_OPTIONS``.
CLIENT_OPTIONS = tuple(o for o in core_options.CLIENT_OPTIONS if o.name not in WORKBENCH_OPTIONS)
SERVER_OPTIONS = tuple(o for o in core_options.SERVER_OPTIONS if o.name not in WORKBENCH_OPTIONS)


def _snake_names(table: tuple[Option, ...]) -> dict[str, str]:
    return {option.spec_name: option.name for option in table if option.spec_name}


_SERVER_SNAKE = _snake_names(core_options.SERVER_OPTIONS)
_CLIENT_SNAKE = _snake_names(core_options.CLIENT_OPTIONS)


def _snake_case(names: Mapping[str, str], options: Mapping[str, Any]) -> dict[str, Any]:
    renamed: dict[str, Any] = {}
    for key, value in options.items():
        snake = names.get(key, key)
        # Both spellings given: leave the camelCase key, so core refuses it as given twice.
        renamed[key if snake in options and snake != key else snake] = value
    return renamed


def snake_case_server_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a Server's ``options`` with each camelCase spec name replaced by its
    snake_case name; values, order and unknown keys (core refuses those) are kept."""
    return _snake_case(_SERVER_SNAKE, options)


def snake_case_client_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """As ``snake_case_server_options``, for a Client."""
    return _snake_case(_CLIENT_SNAKE, options)


def parse_server_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``{snake_name: value}`` with core's defaults; ValueError/TypeError in core's words."""
    return parse("Server", core_options.SERVER_OPTIONS, options, {})


def core_client_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """A client's ``options`` less ``CLIENT_ONLY_OPTIONS``: what core's Client takes."""
    return {k: v for k, v in options.items() if k not in CLIENT_ONLY_OPTIONS}


def _check_client_only(options: Mapping[str, Any]) -> None:
    marked = options.get("secret_headers")
    if marked is not None and (
        isinstance(marked, str) or not all(isinstance(name, str) for name in marked)
    ):
        raise TypeError("Client option 'secret_headers' is a list of header names")


def parse_client_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``{snake_name: value}`` with core's defaults; ValueError/TypeError in core's words."""
    _check_client_only(options)
    return parse("Client", core_options.CLIENT_OPTIONS, core_client_options(options), {})


def refusal(owner: str, options: Mapping[str, Any]) -> str | None:
    """None if core accepts ``options`` for a ``"Server"`` or a ``"Client"``, else core's
    reason (the one check every form and controller uses)."""
    try:
        if owner == "Server":
            parse(owner, core_options.SERVER_OPTIONS, options, {})
        else:
            parse_client_options(options)
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


def server_refusal(options: Mapping[str, Any]) -> str | None:
    """None if core accepts ``options`` for a Server, else core's reason."""
    return refusal("Server", options)


def client_refusal(options: Mapping[str, Any]) -> str | None:
    """None if core accepts ``options`` for a Client, else core's reason."""
    return refusal("Client", options)


def client_url(parsed: Mapping[str, Any]) -> str:
    """The URL a Client with these parsed options connects to (as ``Client.url`` gives it)."""
    host = parsed["host"]
    host = f"[{host}]" if ":" in host else host
    return f"{'wss' if parsed['ssl_tls'] else 'ws'}://{host}:{parsed['port']}{parsed['path']}"
