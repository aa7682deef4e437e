"""``max_fragments`` and permessage-deflate parameters (issue 17, F15), with real sockets.

Autobahn's 9.3/9.4 cases send 4 MiB in 64- or 256-byte fragments, which websockets' cap of
4,096 fragments a message refuses with 1009; only an environment variable read at import
changed that. Now ``max_fragments`` is an option of each Client and Server (default 4,096,
websockets' protection). The 13.* cases need a client that offers
``client_no_context_takeover`` and chosen window sizes: ``compression`` takes a dict of the
permessage-deflate parameters.
"""

from __future__ import annotations

import asyncio

import pytest

from core import Client, Server
from tests.core.raw_server import RawServer
from tests.faults.rawws import RawClient, frame
from tests.helpers import TIMEOUT, Recorder, client_for, echo_server, loopback_server


def fragments(count: int, part: bytes = b"ab") -> bytes:
    """One text message as ``count`` masked frames (a client's)."""
    frames = [frame(0x1, part, fin=False)]
    frames += [frame(0x0, part, fin=False) for _ in range(count - 2)]
    frames.append(frame(0x0, part, fin=True))
    return b"".join(frames)


def server_fragments(count: int) -> bytes:
    """One text message "xxx..." as ``count`` unmasked one-byte frames (a server's)."""
    return (
        bytes([0x01, 1]) + b"x" + (bytes([0x00, 1]) + b"x") * (count - 2) + bytes([0x80, 1]) + b"x"
    )


async def send_fragmented(count: int, **options: object) -> tuple[Recorder, RawClient, Server]:
    server = await loopback_server(receive_type="*/*", ping_interval=None, **options)
    sockets = Recorder(server, ["connection"])
    peer = await RawClient.connect(server.port)
    await peer.upgrade()
    await sockets.count("connection", 1)
    events = Recorder(sockets.values("connection")[0], ["message", "error", "close"])
    peer.send(fragments(count))
    return events, peer, server


@pytest.mark.asyncio
async def test_by_default_a_message_of_more_than_4096_fragments_is_refused_with_1009() -> None:
    events, peer, server = await send_fragmented(4097)
    assert await peer.read_close() == (1009, b"too many fragments")
    await peer.aclose()
    await events.count("close", 1)
    assert events.args("close") == [(1009, "too many fragments")]
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.asyncio
async def test_max_fragments_lets_a_peer_send_more() -> None:
    events, peer, server = await send_fragmented(10_000, max_fragments=10_000)
    await events.count("message", 1)
    assert events.values("message") == ["ab" * 10_000]
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.asyncio
async def test_max_fragments_can_be_lower_and_zero_means_no_limit() -> None:
    events, peer, server = await send_fragmented(11, max_fragments=10)
    assert await peer.read_close() == (1009, b"too many fragments")
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)
    events, peer, server = await send_fragmented(20_000, max_fragments=0)
    await events.count("message", 1)
    assert len(events.values("message")[0]) == 40_000
    await peer.aclose()
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.asyncio
async def test_a_client_has_max_fragments_too() -> None:
    raw = await RawServer().start()
    raw.gate.set()
    client = Client(
        host="127.0.0.1", port=raw.port, number_of_retries=0, ping_interval=None,
        receive_type="*/*", max_fragments=5000, close_timeout=300,
    )  # fmt: skip
    events = Recorder(client, ["message", "close"])
    await asyncio.wait_for(client.open(), TIMEOUT)
    raw.write(server_fragments(5000))  # accepted
    await events.count("message", 1)
    assert events.values("message") == ["x" * 5000]
    raw.write(server_fragments(5001))
    await events.count("close", 1)  # refused
    assert events.args("close")[0][0] == 1009
    await raw.aclose()


def test_max_fragments_is_checked() -> None:
    with pytest.raises(TypeError, match="'max_fragments' is a whole number"):
        Server(max_fragments=None)
    with pytest.raises(ValueError, match="'max_fragments' must be 0 or more"):
        Client(max_fragments=-5)


@pytest.mark.asyncio
async def test_compression_parameters_are_offered_and_accepted() -> None:
    server = await echo_server(
        receive_type="text/plain",
        send_type="text/plain",
        ping_interval=None,
        compression={"server_no_context_takeover": True, "client_max_window_bits": 10},
    )
    client = client_for(
        server,
        receive_type="text/plain",
        send_type="text/plain",
        compression={"client_no_context_takeover": True, "server_max_window_bits": 11},
        wire_lengths=True,
    )
    sizes: list[int | None] = []
    client.on("wire_message", lambda direction, _data: sizes.append(client.last_wire_length))
    await asyncio.wait_for(client.open(), TIMEOUT)
    assert client.request_headers is not None and client.response_headers is not None
    offer = client.request_headers["Sec-WebSocket-Extensions"]
    assert offer == (
        "permessage-deflate; client_no_context_takeover; server_max_window_bits=11;"
        " client_max_window_bits"
    )
    answer = client.response_headers["Sec-WebSocket-Extensions"]
    assert answer == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
        " server_max_window_bits=11; client_max_window_bits=10"
    )
    await client.send("hello " * 100)
    assert await asyncio.wait_for(client.recv(), TIMEOUT) == "hello " * 100
    assert sizes[0] is not None and sizes[0] < 100  # compressed on the wire, both ways
    await client.close()
    await asyncio.wait_for(server.stop(), TIMEOUT)


@pytest.mark.parametrize(
    ("owner", "compression", "error", "text"),
    [
        (Client, {"level": 9}, ValueError, "has no parameter 'level'"),
        (Client, {"client_max_window_bits": 8}, ValueError, "from 9 to 15 (or True"),
        (Server, {"server_max_window_bits": 8}, ValueError, "from 9 to 15"),
        (Server, {"client_max_window_bits": True}, ValueError, "from 8 to 15"),
        (Client, {"server_no_context_takeover": 1}, TypeError, "is True or False"),
        (Server, "gzip", ValueError, "'deflate' (permessage-deflate) or None"),
    ],
)
def test_compression_parameters_are_checked(
    owner: type, compression: object, error: type, text: str
) -> None:
    with pytest.raises(error, match=__import__("re").escape(text)):
        owner(compression=compression)
