"""The ``compression`` option as websockets takes it: permessage-deflate (RFC 7692), with
the parameters a dict may choose.

``'deflate'`` and None go to websockets as they are (its defaults: a client offers
``client_max_window_bits``; a server uses 12-bit windows both ways). A dict of parameters
(checked by core._option_checks) becomes one permessage-deflate extension factory with
websockets' defaults for the parameters it leaves out, so ``{}`` is the same as
``'deflate'``: a Client offers exactly those parameters (an Autobahn 13.* case asks for
``client_no_context_takeover`` and chosen window sizes), a Server accepts offers within them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from websockets.extensions.base import ClientExtensionFactory, ServerExtensionFactory
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)

__all__ = ["client_compression", "server_compression"]

Compression = Literal["deflate"] | Mapping[str, bool | int] | None
#: zlib settings websockets uses for 'deflate' (a smaller memory level per connection).
_COMPRESS_SETTINGS = {"memLevel": 5}
_CLIENT_DEFAULTS: dict[str, Any] = {"client_max_window_bits": True}
_SERVER_DEFAULTS: dict[str, Any] = {"server_max_window_bits": 12, "client_max_window_bits": 12}


def client_compression(
    compression: Compression,
) -> tuple[Literal["deflate"] | None, list[ClientExtensionFactory] | None]:
    """``(compression, extensions)`` for websockets' ``connect``."""
    if compression is None or isinstance(compression, str):
        return compression, None
    factory = ClientPerMessageDeflateFactory(
        **{**_CLIENT_DEFAULTS, **compression}, compress_settings=dict(_COMPRESS_SETTINGS)
    )
    return None, [factory]


def server_compression(
    compression: Compression,
) -> tuple[Literal["deflate"] | None, list[ServerExtensionFactory] | None]:
    """``(compression, extensions)`` for websockets' ``serve``."""
    if compression is None or isinstance(compression, str):
        return compression, None
    factory = ServerPerMessageDeflateFactory(
        **{**_SERVER_DEFAULTS, **compression}, compress_settings=dict(_COMPRESS_SETTINGS)
    )
    return None, [factory]
