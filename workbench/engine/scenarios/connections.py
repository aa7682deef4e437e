"""A scenario's named connections: what the runner needs of one, and that over ``core.Client``.

The runner talks to a ``Connection`` only, so a window can hand it connections of its own
(workbench clients whose logs a person watches) with the same behaviour.

``CoreConnection`` opens a ``core.Client`` that sends frames as they are (``*/*``: the
runner encodes each message itself, so one step may send JSON and the next a text or binary
frame) and converts what it receives per the scenario's ``receive_type`` (core's default:
JSON). Beside each converted message it keeps the frame as it came and whether it
converted, which the ``text``, ``bytes`` and ``type`` matchers read. ``PulledClient`` does
that for a client whose receive type is its own (a workbench client): from core's
``'wire_message'`` and a ``DecodeError`` on ``'error'``. A client of our own does not need
it: it receives the frames unconverted (``*/*``) and ``ConvertingPuller`` converts each as
core would (``core.mime``), so no ``'wire_message'`` listener keeps core off its fastest
paths (sends written at once, ``recv()`` reading in the puller's task). An ``image/*``
receive type stays with core, which decodes a large image on a worker thread.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol

from core import Client, DecodeError, WebSocketError
from core.mime import ANY, JSON, Decoder, decoder_for

from .matchers import Arrival
from .model import ClientSpec

__all__ = [
    "ERRORS_KEPT",
    "Connection",
    "ConvertingPuller",
    "CoreConnection",
    "PulledClient",
    "arrived_as",
]

#: The last errors of a connection kept for a failure's explanation.
ERRORS_KEPT = 5


class Connection(Protocol):
    """One named connection of a scenario, as the runner drives it."""

    name: str

    @property
    def close_code(self) -> int | None: ...

    @property
    def close_reason(self) -> str | None: ...

    @property
    def errors(self) -> list[str]: ...

    def is_open(self) -> bool: ...

    async def open(self) -> None:
        """Connect; raise ``core.ConnectError`` if it cannot. Cancelling abandons it."""

    async def send(self, payload: str | bytes) -> None:
        """A text frame for ``str``, binary for ``bytes``; done when handed to the network."""

    async def receive(self) -> Arrival:
        """The next message; ``core.ConnectionClosed`` once the connection has ended and
        every message was received. Cancelling the wait loses no message."""

    async def ping(self) -> float:
        """The round trip of a ping, in seconds."""

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close (idempotent); cancelling the wait does not stop the close."""


class PulledClient:
    """A ``core.Client`` pulled for a scenario: from now on every message is kept for
    ``receive()`` with the frame it came as and whether it converted, and the last errors
    are kept for a failure's explanation. Tap it before it connects (nothing is missed)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.receive_type: str = client.options["receive_type"]
        #: (frame as received, converted?) for each message not yet returned by receive().
        self._frames: deque[tuple[str | bytes, bool]] = deque()
        self._errors: deque[str] = deque(maxlen=ERRORS_KEPT)
        client.on("wire_message", self._on_wire)
        client.on("error", self._on_error)
        client.start_pulling()

    @property
    def errors(self) -> list[str]:
        """The last errors the connection reported (a lost connection, a failed send...)."""
        return list(self._errors)

    async def receive(self) -> Arrival:
        value = await self.client.recv()
        raw, converted = self._frames.popleft()
        return Arrival(value, raw, arrived_as(self.receive_type, raw, converted))

    def _on_wire(self, direction: str, payload: str | bytes) -> None:
        if direction == "in":
            self._frames.append((payload, True))

    def _on_error(self, error: WebSocketError) -> None:
        # A DecodeError follows its message's 'wire_message' before the next one comes.
        if isinstance(error, DecodeError) and self._frames:
            self._frames[-1] = (self._frames[-1][0], False)
            return
        self._errors.append(str(error))


class ConvertingPuller:
    """Pulls a ``core.Client`` that receives frames unconverted (``*/*``) and converts each
    with ``decode`` (``core.mime``), as core would for ``receive_type``; keeps the last
    errors for a failure's explanation. Make it before the client connects."""

    def __init__(self, client: Client, receive_type: str, decode: Decoder) -> None:
        self.client = client
        self.receive_type = receive_type
        self._decode = decode
        self._errors: deque[str] = deque(maxlen=ERRORS_KEPT)
        client.on("error", self._errors_append)
        client.start_pulling()

    @property
    def errors(self) -> list[str]:
        return list(self._errors)

    async def receive(self) -> Arrival:
        raw = await self.client.recv()
        try:
            value = self._decode(raw)
        except DecodeError:  # delivered unconverted, as core delivers it
            return Arrival(raw, raw, arrived_as(self.receive_type, raw, False))
        return Arrival(value, raw, arrived_as(self.receive_type, raw, True))

    def _errors_append(self, error: WebSocketError) -> None:
        self._errors.append(str(error))


class CoreConnection:
    """A ``Connection`` over a ``core.Client`` made from a scenario's ``ClientSpec``."""

    def __init__(self, spec: ClientSpec) -> None:
        self.name = spec.name
        options: dict[str, Any] = dict(spec.options)
        options["send_type"] = ANY
        converting = _converted_here(options)
        if converting is not None:
            key, receive_type, decode = converting
            options[key] = ANY
        self.client = Client(spec.url, **options)
        # from the first frame on, nothing is missed
        self._pulled: PulledClient | ConvertingPuller = (
            PulledClient(self.client)
            if converting is None
            else ConvertingPuller(self.client, receive_type, decode)
        )

    @property
    def close_code(self) -> int | None:
        return self.client.close_code

    @property
    def close_reason(self) -> str | None:
        return self.client.close_reason

    @property
    def errors(self) -> list[str]:
        return self._pulled.errors

    def is_open(self) -> bool:
        return self.client.is_open()

    async def open(self) -> None:
        await self.client.open()

    async def send(self, payload: str | bytes) -> None:
        await self.client.send(payload)

    async def receive(self) -> Arrival:
        return await self._pulled.receive()

    async def ping(self) -> float:
        return await self.client.ping()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.client.close(code, reason)


def arrived_as(receive_type: str, raw: str | bytes, converted: bool) -> str:
    """The MIME type a message arrived as: the receive type when it converted to it, else
    ``text/plain`` for a text frame and ``application/octet-stream`` for a binary one."""
    if converted and receive_type != "*/*":
        return receive_type
    return "text/plain" if isinstance(raw, str) else "application/octet-stream"


def _converted_here(options: dict[str, Any]) -> tuple[str, str, Decoder] | None:
    """(option key, receive type, its decoder) when the connection converts what it
    receives itself; None for an image type, or a receive type core must refuse (it says
    why when the client is made)."""
    keys = [key for key in ("receive_type", "receiveType") if key in options]
    if len(keys) > 1:
        return None
    receive_type = options[keys[0]] if keys else JSON
    if not isinstance(receive_type, str):
        return None
    try:
        decode = decoder_for(receive_type)
    except ValueError:
        return None
    if hasattr(decode, "offload"):  # an image: core decodes a large one on a worker thread
        return None
    return (keys[0] if keys else "receive_type"), receive_type, decode
