"""The close a relay passes on when one leg ends (pure).

A close frame's code and reason go through unchanged. A close frame without a code (1005)
goes on as 1000. A leg that ends without a close frame (1006: the peer's TCP connection
dropped, or 1015: TLS failed) closes the other leg with ``CLIENT_GONE`` (1001 "client gone")
when it was the client's, ``UPSTREAM_GONE`` (1014 "upstream gone", RFC 6455's *bad gateway*)
when it was the upstream's. Codes the relay itself ended a leg with pass on as they are too:
1011 "keepalive ping timeout" when a peer stopped answering pings, 1009 when it sent a message
over ``max_message_size``, 1002 / 1007 for a protocol error.
"""

from __future__ import annotations

from typing import Final

from core import check_close_code

__all__ = ["CLIENT", "CLIENT_GONE", "UPSTREAM", "UPSTREAM_GONE", "passed_on"]

CLIENT: Final = "client"
UPSTREAM: Final = "upstream"
CLIENT_GONE: Final = (1001, "client gone")
UPSTREAM_GONE: Final = (1014, "upstream gone")


def passed_on(side: str, code: int, reason: str) -> tuple[int, str]:
    """The ``(code, reason)`` the other leg is closed with when ``side``'s leg ended with
    ``code`` and ``reason`` (see the module docstring)."""
    if code == 1005:
        return 1000, ""
    try:
        check_close_code(code, reason)
    except (ValueError, TypeError):
        return CLIENT_GONE if side == CLIENT else UPSTREAM_GONE
    return code, reason
