"""Beyond the spec, for fault tests: the ways a Client or a Socket misbehaves toward its peer on
purpose (stop answering pings, send a message as fragments, cut the TCP connection).

``FaultHooks`` holds these methods once for both: the work is the connection's ``Channel``
(core._connection, core._ping_mute), except the split of a message into fragments, which is
here; an owner says which channel is live and what error refuses a send when none is.
"""

from __future__ import annotations

from collections.abc import Awaitable

from . import mime
from ._connection import Channel, Payload
from ._errors import NotOpenError
from .mime import SendPayload


class FaultHooks:
    """``answer_pings``, ``send_fragments`` and ``abort`` on the owner's live connection."""

    _encode: mime.Encoder

    def _live_channel(self) -> Channel | None:
        """The channel of the connection until it ended (closing included); else None."""
        raise NotImplementedError

    def _not_open(self) -> NotOpenError:
        """What ``send`` raises when the connection is not open or is closing."""
        raise NotImplementedError

    def answer_pings(self, answer: bool = True) -> None:
        """Beyond the spec, for fault tests: stop answering the peer's pings, or answer again.

        The peer's keepalive then fails (it closes with 1011). The pings still show as
        ``'frame'`` events. It lasts for the current connection: a Client that connects
        again (``reconnect``) answers pings there. No-op when not connected.

        Args:
            answer: False stops answering pings; True (the default) answers them again.
        """
        channel = self._live_channel()
        if channel is not None:
            channel.answer_pings(answer)

    def send_fragments(self, data: object, fragments: int) -> Awaitable[None]:
        """Like ``send``, but the converted message goes as ``fragments`` frames.

        Beyond the spec, for fault tests: a text or binary frame, then continuation frames
        (RFC 6455 section 5.4), ``fragments`` frames in all. websockets ends a fragmented
        message with an empty continuation frame with FIN, so the payload goes in
        ``fragments - 1`` parts before it; 1 sends the message whole, in one frame. Only on
        an open connection: a Client does not queue it before open.

        Args:
            data: The value to send (see ``Client.send``).
            fragments: How many frames on the wire; a payload shorter than that goes one
                byte or character per frame, before the empty final one.

        Returns:
            An awaitable done when the last frame was handed to the transport.

        Raises:
            ValueError: ``fragments`` is not an int of at least 1.
            EncodeError: ``data`` does not convert.
            NotOpenError: The connection is not open, or is closing.
        """
        if not isinstance(fragments, int) or isinstance(fragments, bool) or fragments < 1:
            raise ValueError(f"fragments must be an int of at least 1, not {fragments!r}")
        payload, is_text = self._encode(data)
        channel = self._live_channel()
        if channel is None or not channel.accepting:
            raise self._not_open()
        return channel.send(_parts(payload, fragments), is_text)

    def abort(self) -> None:
        """Beyond the spec, for fault tests: cut the TCP connection at once, with no close
        frame. The peer sees 1006; ``'close'`` here reports 1006 too, with no
        ``ConnectionLostError`` (it was asked for), and a Client does not connect again
        (``reconnect``). No-op when not connected."""
        channel = self._live_channel()
        if channel is not None:
            channel.abort()


def _parts(payload: SendPayload, count: int) -> Payload:
    """``payload`` as the parts of a message sent in ``count`` frames (fewer if it is
    shorter): websockets ends a list with an empty final frame of its own, so the payload
    goes in ``count - 1`` parts before it; 1 sends the message whole, in one frame."""
    if count <= 1:
        return payload
    size = len(payload)
    parts_count = max(1, min(count - 1, size))
    bounds = [size * i // parts_count for i in range(parts_count + 1)]
    return [payload[bounds[i] : bounds[i + 1]] for i in range(parts_count)]
