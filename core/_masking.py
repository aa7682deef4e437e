"""Masking keys for a Client's frames, cut from blocks of the OS's random bytes.

RFC 6455 (5.3) has a client mask every frame with a fresh 4-byte key from a strong source of
entropy. websockets draws each key with ``secrets.token_bytes(4)``: one ``getrandom()``
system call per frame, about a fifth of a relay's CPU with small messages. Keys cut in turn
from a block of ``os.urandom`` are exactly as strong (the same generator, no byte used
twice) at one call per ``BLOCK // 4`` frames. Each thread has its own block, and a forked
child draws a new one, so no key is shared between processes.

``BlockMaskedClientProtocol`` is websockets' ``ClientProtocol`` with that one change: its
``send_frame`` serializes as ``Frame.serialize`` does (extensions, header, mask) with a key
from the block. core's client connections take it on (``use_block_masks``).
"""

from __future__ import annotations

import os
import struct
import threading
from typing import Final

from websockets.client import ClientProtocol
from websockets.frames import Frame

try:  # websockets' C speedup, as its own frames use; the pure-Python one otherwise
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover
    from websockets.utils import apply_mask

__all__ = ["BLOCK", "BlockMaskedClientProtocol", "mask_key", "serialize_masked", "use_block_masks"]

#: Random bytes drawn at a time: the keys of 1,024 frames.
BLOCK: Final = 4096

_HEAD_SHORT = struct.Struct("!BB4s")
_HEAD_MEDIUM = struct.Struct("!BBH4s")
_HEAD_LONG = struct.Struct("!BBQ4s")


class _Keys(threading.local):
    def __init__(self) -> None:
        self.left: list[bytes] = []  # the keys of the current block not used yet


_keys = _Keys()


def _new_block_in_child() -> None:
    global _keys
    _keys = _Keys()


os.register_at_fork(after_in_child=_new_block_in_child)


def mask_key() -> bytes:
    """The next 4-byte masking key (see the module docstring)."""
    left = _keys.left
    if not left:
        block = os.urandom(BLOCK)
        left = _keys.left = [block[at : at + 4] for at in range(0, BLOCK, 4)]
    return left.pop()


def serialize_masked(frame: Frame, extensions: list[object]) -> bytes:
    """``frame`` on the wire from a client: ``Frame.serialize(mask=True)`` with a block key."""
    frame.check()
    for extension in extensions:
        frame = extension.encode(frame)  # type: ignore[attr-defined]
    head1 = (
        (0b10000000 if frame.fin else 0)
        | (0b01000000 if frame.rsv1 else 0)
        | (0b00100000 if frame.rsv2 else 0)
        | (0b00010000 if frame.rsv3 else 0)
        | frame.opcode
    )
    key = mask_key()
    length = len(frame.data)
    if length < 126:
        head = _HEAD_SHORT.pack(head1, 0b10000000 | length, key)
    elif length < 65536:
        head = _HEAD_MEDIUM.pack(head1, 0b10000000 | 126, length, key)
    else:
        head = _HEAD_LONG.pack(head1, 0b10000000 | 127, length, key)
    return head + apply_mask(frame.data, key)


class BlockMaskedClientProtocol(ClientProtocol):
    """websockets' client protocol, masking with keys from ``mask_key``."""

    def send_frame(self, frame: Frame) -> None:
        if self.debug:
            self.logger.debug("> %s", frame)
        self.writes.append(serialize_masked(frame, self.extensions))  # type: ignore[arg-type]


def use_block_masks(protocol: ClientProtocol) -> None:
    """Make ``protocol`` (made by websockets' ``connect``) a ``BlockMaskedClientProtocol``:
    the subclass adds no state, only the method."""
    if type(protocol) is ClientProtocol:
        protocol.__class__ = BlockMaskedClientProtocol
