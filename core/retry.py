"""The Client's connection retry policy (pure: no loop, no socket)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries of at most ``timeout`` s each, ``delay`` s apart."""

    attempts: int
    delay: float
    timeout: float | None

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> RetryPolicy:
        timeout_ms = options["connect_timeout"]
        return cls(
            attempts=options["number_of_retries"] + 1,
            delay=options["time_between_retries"] / 1000,
            timeout=timeout_ms / 1000 if timeout_ms > 0 else None,
        )

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (1-based)."""
        return 0.0 if attempt == 1 else self.delay
