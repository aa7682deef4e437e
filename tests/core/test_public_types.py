"""core's closed sets as enums: close codes, opcodes, client and server states.

Each stays compatible with what it replaced: a ``CloseCode`` is an ``int``, the others are
``str`` enums equal to the strings the workbench compares them with.
"""

from __future__ import annotations

import asyncio
import socket as stdlib_socket

import pytest

from core import (
    CLOSE_CODE_MEANINGS,
    Client,
    ClientState,
    CloseCode,
    Frame,
    Opcode,
    Server,
    ServerStartError,
    ServerState,
    Socket,
    check_close_code,
)
from tests.helpers import TIMEOUT, Recorder, client_for, loopback_server

PLAIN = {"receive_type": "text/plain", "send_type": "text/plain", "ping_interval": None}


def test_close_codes_have_the_iana_registry_names() -> None:
    assert {code.name: int(code) for code in CloseCode} == {
        "NORMAL_CLOSURE": 1000,
        "GOING_AWAY": 1001,
        "PROTOCOL_ERROR": 1002,
        "UNSUPPORTED_DATA": 1003,
        "NO_STATUS_RCVD": 1005,
        "ABNORMAL_CLOSURE": 1006,
        "INVALID_FRAME_PAYLOAD_DATA": 1007,
        "POLICY_VIOLATION": 1008,
        "MESSAGE_TOO_BIG": 1009,
        "MANDATORY_EXTENSION": 1010,
        "INTERNAL_ERROR": 1011,
        "SERVICE_RESTART": 1012,
        "TRY_AGAIN_LATER": 1013,
        "BAD_GATEWAY": 1014,
        "TLS_HANDSHAKE": 1015,
    }
    assert set(CLOSE_CODE_MEANINGS) == {int(code) for code in CloseCode}
    assert CloseCode.MESSAGE_TOO_BIG.meaning == "message too big"
    assert CloseCode(1009) is CloseCode.MESSAGE_TOO_BIG and CloseCode.GOING_AWAY == 1001
    assert f"{CloseCode.GOING_AWAY}" == "1001"  # formats as the number, like the int it was


def test_sendable_close_codes_are_the_ones_check_close_code_accepts() -> None:
    for code in CloseCode:
        if code.sendable:
            check_close_code(code, "")
        else:
            with pytest.raises(ValueError, match=f"close code {int(code)} cannot be sent"):
                check_close_code(code, "")
    assert [code for code in CloseCode if not code.sendable] == [1005, 1006, 1015]
    check_close_code(4000, "an application's own code: a plain int")


def test_opcodes_are_str_enums_with_their_wire_values() -> None:
    assert {op.value: op.code for op in Opcode} == {
        "continuation": 0x0,
        "text": 0x1,
        "binary": 0x2,
        "close": 0x8,
        "ping": 0x9,
        "pong": 0xA,
    }
    assert Opcode.TEXT == "text" and isinstance(Opcode.PING, str) and f"{Opcode.PONG}" == "pong"


@pytest.mark.asyncio
async def test_codes_and_opcodes_as_a_connection_reports_them() -> None:
    """A CloseCode goes out as its number; what comes back is a plain int (an application
    code has no name) that equals the member; every frame's opcode is an ``Opcode``."""
    server = await loopback_server(**PLAIN)
    sockets: asyncio.Queue[Socket] = asyncio.Queue()
    server.on("connection", sockets.put_nowait)
    client = client_for(server, **PLAIN)
    frames: list[Frame] = []
    client.on("frame", frames.append)
    record = Recorder(client, ["close"])
    await client.open()
    socket = await asyncio.wait_for(sockets.get(), TIMEOUT)
    socket_record = Recorder(socket, ["close"])
    client.send("hi")
    await client.close(CloseCode.GOING_AWAY, "bye")
    await socket_record.count("close", 1)
    await server.stop()
    (code, reason), (socket_code, _reason) = record.args("close")[0], socket_record.args("close")[0]
    assert (code, reason) == (CloseCode.GOING_AWAY, "bye") and type(code) is int
    assert socket_code == 1001 and type(socket_code) is int
    assert client.close_code == CloseCode.GOING_AWAY and type(client.close_code) is int
    assert [(f.direction, f.opcode) for f in frames] == [
        ("out", "text"),
        ("out", "close"),
        ("in", "close"),
    ]
    assert all(type(f.opcode) is Opcode for f in frames)
    assert frames[1].close_code == 1001 and type(frames[1].close_code) is int
    assert repr(frames[0]).startswith("Frame('out', 'text', fin=True")


@pytest.mark.asyncio
async def test_client_state_walks_through_its_life_as_str_members() -> None:
    server = await loopback_server(**PLAIN)
    client = client_for(server, **PLAIN)
    seen = [client.state]
    client.on("connecting", lambda *_: seen.append(client.state))
    client.on("open", lambda: seen.append(client.state))
    opened = client.open()
    await opened
    closing = client.close()
    seen.append(client.state)
    await closing
    seen.append(client.state)
    assert seen == ["idle", "connecting", "open", "closing", "closed"]
    assert [type(state) for state in seen] == [ClientState] * 5
    await server.stop()

    failing = Client(host="127.0.0.1", port=server_port_now_free(), number_of_retries=0)
    failing.on("error", lambda _error: None)
    with pytest.raises(Exception, match="could not connect"):
        await failing.open()
    assert failing.state is ClientState.FAILED and failing.state == "failed"


def server_port_now_free() -> int:
    with stdlib_socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.asyncio
async def test_server_state_walks_through_its_life() -> None:
    server = Server(host_interface="127.0.0.1", port=0)
    seen = [server.state]
    server.on("listening", lambda _port: seen.append(server.state))
    server.on("close", lambda: seen.append(server.state))
    starting = server.start()
    seen.append(server.state)
    await starting
    stopping = server.stop()
    seen.append(server.state)
    await stopping
    seen.append(server.state)
    # 'close' is emitted after the state became 'stopped'
    assert seen == ["idle", "starting", "listening", "stopping", "stopped", "stopped"]
    assert all(type(state) is ServerState for state in seen)

    await server.start()  # again, after stopping
    assert server.state == "listening"
    taken = Server(host_interface="127.0.0.1", port=server.port)
    taken.on("error", lambda _error: None)
    with pytest.raises(ServerStartError):
        await taken.start()
    assert taken.state is ServerState.FAILED
    await taken.stop()
    assert taken.state is ServerState.FAILED  # nothing was listening, so nothing stopped
    await server.stop()


@pytest.mark.asyncio
async def test_stop_while_starting_ends_stopped_not_listening() -> None:
    server = Server(host_interface="127.0.0.1", port=0)
    starting = server.start()
    stopping = server.stop()
    assert server.state is ServerState.STOPPING
    await starting
    assert server.state is ServerState.STOPPING  # listening was reached, but stop() won
    await stopping
    assert server.state is ServerState.STOPPED and not server.is_listening()
