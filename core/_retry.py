"""The Client's connection retry policy (pure: no loop, no socket)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from websockets.exceptions import InvalidStatus

from ._option_types import ClientSettings
from .options import seconds

#: HTTP 4xx answers that say "try again later", so they are retried like a refused connection.
RETRIABLE_CLIENT_ERRORS = frozenset({408, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries of at most ``timeout`` s each, ``delay`` s apart."""

    attempts: int
    delay: float
    timeout: float | None

    @classmethod
    def from_options(cls, options: ClientSettings) -> RetryPolicy:
        return cls(
            attempts=options["number_of_retries"] + 1,
            delay=seconds(options["time_between_retries"]) or 0.0,
            timeout=seconds(options["connect_timeout"]),
        )

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (1-based)."""
        return 0.0 if attempt == 1 else self.delay


def is_fatal(exc: BaseException) -> bool:
    """True when retrying cannot help: the server refused us, or we refused its certificate.

    An HTTP 4xx answer (but 408 and 429) and a failed certificate check give the same result
    on every attempt; refused connections, timeouts and 5xx answers may not.
    """
    if isinstance(exc, ssl.SSLCertVerificationError):
        return True
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        return 400 <= status < 500 and status not in RETRIABLE_CLIENT_ERRORS
    return False
