"""One ``process_request`` for a server from several hooks (the fault lab's refusals, the
classroom's student page): the first that answers wins."""

from __future__ import annotations

import inspect
from typing import Any

from core import HandshakeRequest, RequestFunction

__all__ = ["first_answer"]


def first_answer(*hooks: RequestFunction | None) -> RequestFunction | None:
    """A hook asking each of ``hooks`` (None ones left out) in order; None if there are none."""
    active = [hook for hook in hooks if hook is not None]
    if not active:
        return None
    if len(active) == 1:
        return active[0]

    async def answer(request: HandshakeRequest) -> Any:
        for hook in active:
            result = hook(request)
            if inspect.isawaitable(result):
                result = await result
            if result is not None:
                return result
        return None

    return answer
