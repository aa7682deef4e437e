"""Stop answering pings on one connection, for fault tests (the peer's keepalive then fails).

websockets answers a ping in its Sans-I/O ``Protocol.recv_frame``, after the frame came
through the extension chain. ``PingMute`` sits first in that chain (so it decodes last, after
core's frame tap has reported the ping as received) and, while ``muted``, hands the protocol
an unsolicited pong with the same payload in place of the ping: RFC 6455 section 5.5.3 says
an unsolicited pong needs no answer, and websockets' connection ignores a pong whose payload
matches none of its own pings. No frame is parsed twice and nothing else changes.
"""

from __future__ import annotations

import dataclasses

from websockets.extensions import Extension
from websockets.frames import PING, PONG
from websockets.frames import Frame as WsFrame
from websockets.protocol import Protocol
from websockets.typing import ExtensionName


class PingMute(Extension):
    """While ``muted``, received pings reach websockets as pongs, so none is answered."""

    name = ExtensionName("core-ping-mute")  # never negotiated with the peer

    def __init__(self) -> None:
        self.muted = False

    def decode(self, frame: WsFrame, *, max_size: int | None = None) -> WsFrame:
        if self.muted and frame.opcode is PING:
            return dataclasses.replace(frame, opcode=PONG)
        return frame

    def encode(self, frame: WsFrame) -> WsFrame:
        return frame


def set_answering_pings(protocol: Protocol, answer: bool) -> None:
    """Answer the pings ``protocol`` receives from now on, or not (mute put first in its chain)."""
    mute = next((e for e in protocol.extensions if isinstance(e, PingMute)), None)
    if mute is None:
        if answer:
            return
        mute = PingMute()
        protocol.extensions = [mute, *protocol.extensions]
    mute.muted = not answer
