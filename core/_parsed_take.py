"""Take a message websockets has already parsed without running its ``recv()`` coroutines.

websockets' ``Connection.recv()`` goes through three coroutines (``recv``, the assembler's
``get``, its queue's ``get``) even when the message waits complete in the queue, which is
the usual case for a connection that is busy (taking it here cut a server's CPU per streamed
100-byte message from 4.1 to 3.4 µs). ``take_parsed`` does what they do for that case only: one frame with FIN set at the
head of the queue and no other read under way. It pops the frame, lets the assembler resume
reading if the queue went below its low-water mark, and decodes a text frame. Anything else
(an empty queue, a fragmented message, another read in progress, text that is not UTF-8,
which ``recv()`` turns into a 1007 close) gives None, and the caller awaits ``recv()``.

It reads websockets' assembler (``recv_messages``), as ``core._direct_reads`` and
``core._flow`` already do; pyproject.toml pins the websockets versions this was checked on.
"""

from __future__ import annotations

from typing import Any

from websockets.frames import TEXT

__all__ = ["next_parsed", "take_parsed"]


def take_parsed(assembler: Any) -> str | bytes | None:
    """The next message of ``assembler`` (a connection's ``recv_messages``) if it is parsed
    whole and can be taken now, as ``recv()`` would return it; else None."""
    queue = assembler.frames.queue
    if not queue or assembler.get_in_progress:
        return None
    frame = queue[0]
    if not frame.fin:
        return None
    data = frame.data
    if frame.opcode is TEXT:
        try:
            value: str | bytes = data.decode()
        except UnicodeDecodeError:
            return None
    else:
        value = data if type(data) is bytes else bytes(data)
    queue.popleft()
    assembler.maybe_resume()
    return value


async def next_parsed(assembler: Any) -> str | bytes | None:
    """Wait until websockets' queue has a frame, as its queue's ``get`` would (one coroutine
    instead of ``recv()``'s three), then ``take_parsed``. None when the stream ended, when a
    read is under way elsewhere, or when the message cannot be taken whole: the caller then
    awaits ``recv()``, which raises the end or reads the rest."""
    frames = assembler.frames
    if not frames.queue:
        if assembler.closed or assembler.get_in_progress or frames.get_waiter is not None:
            return None
        # The waiter is reached through ``frames`` only, as in websockets' own get(): a
        # local would keep it, and the EOFError it holds would keep this frame, a cycle
        # left for Python's cycle collector at every connection's end.
        frames.get_waiter = frames.loop.create_future()
        assembler.get_in_progress = True  # as websockets' get(): no second reader meanwhile
        try:
            await frames.get_waiter
        except EOFError:  # the queue was closed (SimpleQueue.abort)
            return None
        finally:
            frames.get_waiter.cancel()
            frames.get_waiter = None
            assembler.get_in_progress = False
    return take_parsed(assembler)
