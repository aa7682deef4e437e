"""What the tour's steps share (``workbench.widgets.window.tour`` and each feature's
``tour_step``): ``TourError`` and ``until``, which lets the loop run until a condition holds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["STEP_TIMEOUT", "TourError", "until"]

#: Seconds a step of the tour may wait for what it set going.
STEP_TIMEOUT = 10.0


class TourError(RuntimeError):
    """A step of the tour did not happen (in time); the message says which."""


async def until(condition: Callable[[], object], what: str, timeout: float = STEP_TIMEOUT) -> None:
    """Let the loop run until ``condition()`` holds; ``TourError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TourError(f"the tour waited {timeout:g} s for {what}")
        await asyncio.sleep(0.02)
