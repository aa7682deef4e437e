"""The keyword options of Client and Server as TypedDicts, for type checkers and editors.

``Client(**kwargs: Unpack[ClientOptions])``: a misspelt or mistyped keyword is a type error,
and an editor completes the names. The keys are the snake_case names of
``core.options.CLIENT_OPTIONS`` / ``SERVER_OPTIONS`` (a test keeps them equal; defaults and
meanings are in those tables). The spec's camelCase names stay valid in the options dict,
the first positional argument, which is typed ``Mapping[str, object]`` and checked at run time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, TypedDict

from websockets.typing import Subprotocol

#: A file path: ``str`` or ``pathlib.Path``.
FilePath = str | os.PathLike[str]
#: Handshake headers: a dict, or (name, value) pairs.
Headers = Mapping[str, str] | Iterable[tuple[str, str]]


class ClientOptions(TypedDict, total=False):
    """Keyword options of ``Client``; times are in milliseconds."""

    host: str
    port: int
    receive_type: str
    send_type: str
    connect_timeout: float
    number_of_retries: int
    time_between_retries: float
    discard_messages_before_open: bool
    throttle_factor: float
    ssl_tls: bool
    trust_all: bool
    trusted_ca_cert_path: FilePath
    client_cert_path: FilePath
    client_key_path: FilePath
    client_key_password: str
    path: str
    subprotocols: Sequence[str] | None
    headers: Headers | None
    origin: str | None
    max_message_size: int | None
    ping_interval: float | None
    ping_timeout: float | None
    close_timeout: float
    max_queue: int
    reconnect: bool
    compression: Literal["deflate"] | Mapping[str, bool | int] | None
    wire_lengths: bool
    write_limit: int | None
    write_timeout: float | None
    max_fragments: int
    max_image_pixels: int


class ServerOptions(TypedDict, total=False):
    """Keyword options of ``Server``; times are in milliseconds."""

    host_interface: str
    port: int
    receive_type: str
    send_type: str
    ssl_tls: bool
    pfx_key_cert_path: FilePath
    pfx_key_cert_password: str
    cert_path: FilePath
    key_path: FilePath
    client_ca_path: FilePath
    require_client_cert: bool
    allowed_origins: Sequence[str] | None
    max_message_size: int | None
    subprotocols: Sequence[str] | None
    handshake_timeout: float
    ping_interval: float | None
    ping_timeout: float | None
    close_timeout: float
    max_queue: int
    compression: Literal["deflate"] | Mapping[str, bool | int] | None
    wire_lengths: bool
    write_limit: int | None
    write_timeout: float | None
    max_fragments: int
    max_image_pixels: int
    backlog: int
    max_connections: int
    max_per_address: int


class ClientSettings(TypedDict):
    """A Client's options once checked (``client.options``): every key, defaults filled in.

    File paths are ``str``, ``headers`` a list of (name, value) pairs, times milliseconds.
    """

    host: str
    port: int
    receive_type: str
    send_type: str
    connect_timeout: float
    number_of_retries: int
    time_between_retries: float
    discard_messages_before_open: bool
    throttle_factor: float
    ssl_tls: bool
    trust_all: bool
    trusted_ca_cert_path: str
    client_cert_path: str
    client_key_path: str
    client_key_password: str
    path: str
    subprotocols: list[str] | None
    headers: list[tuple[str, str]] | None
    origin: str | None
    max_message_size: int | None
    ping_interval: float | None
    ping_timeout: float | None
    close_timeout: float
    max_queue: int
    reconnect: bool
    compression: Literal["deflate"] | dict[str, bool | int] | None
    wire_lengths: bool
    write_limit: int | None
    write_timeout: float | None
    max_fragments: int
    max_image_pixels: int


class ServerSettings(TypedDict):
    """A Server's options once checked (``server.options``): every key, defaults filled in."""

    host_interface: str
    port: int
    receive_type: str
    send_type: str
    ssl_tls: bool
    pfx_key_cert_path: str
    pfx_key_cert_password: str
    cert_path: str
    key_path: str
    client_ca_path: str
    require_client_cert: bool
    allowed_origins: list[str] | None
    max_message_size: int | None
    subprotocols: list[str] | None
    handshake_timeout: float
    ping_interval: float | None
    ping_timeout: float | None
    close_timeout: float
    max_queue: int
    compression: Literal["deflate"] | dict[str, bool | int] | None
    wire_lengths: bool
    write_limit: int | None
    write_timeout: float | None
    max_fragments: int
    max_image_pixels: int
    backlog: int
    max_connections: int
    max_per_address: int


def subprotocols(names: list[str] | None) -> list[Subprotocol] | None:
    """The ``subprotocols`` option as websockets takes it."""
    return None if names is None else [Subprotocol(name) for name in names]
