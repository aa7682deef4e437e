"""How a Client opens one connection: websockets' ``connect`` with the Client's settings.

Made once from the settings (the TLS context, which loads the files and raises ``ValueError``
if they are unusable; compression; flow limits; the retry policy; the URL), then asked for
the Client's connection: attempts under the retry policy (``dial``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from . import _tls as tls
from ._deflate import client_compression
from ._errors import ConnectError, explain
from ._flow import limits_from, with_limits
from ._option_types import ClientSettings, subprotocols
from ._pull import parsed_queue_bounds
from ._retry import RetryPolicy, is_fatal
from ._wire_lengths import client_connection_class
from .options import seconds

__all__ = ["Dialer"]

log = logging.getLogger("core")


class Dialer:
    """One Client's way to its server (see the module docstring)."""

    __slots__ = ("_compression", "_extensions", "_limits", "_options", "_ssl", "retry", "url")

    def __init__(self, options: ClientSettings) -> None:
        o = self._options = options
        self._compression, self._extensions = client_compression(o["compression"])
        self._limits = limits_from(o)
        self.retry = RetryPolicy.from_options(o)
        self._ssl = tls.client_context(o)
        host = o["host"]
        host = f"[{host}]" if ":" in host else host
        self.url = f"{'wss' if o['ssl_tls'] else 'ws'}://{host}:{o['port']}{o['path']}"

    def attempt(self, tap_frames: bool) -> Awaitable[ClientConnection]:
        """One attempt to connect, within the retry policy's timeout; ``tap_frames`` when
        someone listens to ``'frame'`` (frames are then tapped from the first one)."""
        o = self._options
        return connect(
            self.url,
            open_timeout=self.retry.timeout,
            close_timeout=seconds(o["close_timeout"]),
            ssl=self._ssl,
            subprotocols=subprotocols(o["subprotocols"]),
            additional_headers=o["headers"],
            origin=None if o["origin"] is None else Origin(o["origin"]),
            max_size=o["max_message_size"],
            max_queue=parsed_queue_bounds(o["max_queue"]),
            ping_interval=seconds(o["ping_interval"]),
            ping_timeout=seconds(o["ping_timeout"]),
            compression=self._compression,
            extensions=self._extensions,
            proxy=None,
            # Tap from the first frame when someone listens (core._frames); count wire
            # lengths from it if asked (core._wire_lengths); flow control for a server that
            # does not read (core._flow).
            create_connection=with_limits(
                client_connection_class(tap_frames, o["wire_lengths"]), self._limits
            ),
        )

    async def dial(
        self, emit: Callable[..., object], tap_frames: Callable[[], bool]
    ) -> ClientConnection | ConnectError:
        """Attempt under the retry policy: ``'connecting'`` is emitted before each attempt,
        ``'retrying'`` after each failed one that another follows. The connection, or the
        ``ConnectError`` once every attempt failed (or one failed for good: ``is_fatal``)."""
        policy = self.retry
        cause: BaseException | None = None
        attempt = 0
        while attempt < policy.attempts:
            attempt += 1
            if delay := policy.delay_before(attempt):
                await asyncio.sleep(delay)
            emit("connecting", attempt, policy.attempts)
            try:
                return await self.attempt(tap_frames())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("Client %s: attempt %d failed: %r", self.url, attempt, exc)
                cause = exc
                if is_fatal(exc):
                    break
                if attempt < policy.attempts:
                    emit("retrying", attempt, policy.attempts, explain(exc))
        return ConnectError(self.url, attempt, cause)
