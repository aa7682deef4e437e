"""Loopback tier: how the Server listens (its accept backlog), read back from the kernel."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest

from core import Server
from tests.helpers import TIMEOUT, client_for, loopback_server


def kernel_backlog(port: int) -> int:
    """The accept-queue limit of the socket listening on ``port``, as ``ss`` reports it."""
    out = subprocess.run(
        ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.split()
    assert out and out[0] == "LISTEN", out
    return int(out[2])  # State Recv-Q Send-Q...: Send-Q of a listener is its backlog


needs_ss = pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")


@needs_ss
@pytest.mark.asyncio
async def test_the_default_backlog_queues_a_burst_of_hundreds_of_clients() -> None:
    server = await loopback_server()
    try:
        # asyncio's default of 100 made 500 clients connecting at once wait out SYN retries.
        assert kernel_backlog(server.port) >= 512
    finally:
        await server.stop()


@needs_ss
@pytest.mark.asyncio
async def test_the_backlog_option_reaches_listen() -> None:
    server = await loopback_server(backlog=37)
    try:
        assert kernel_backlog(server.port) == 37
        client = client_for(server)
        await asyncio.wait_for(client.open(), TIMEOUT)  # still a working server
        await client.close()
    finally:
        await server.stop()


def test_backlog_must_be_a_whole_number() -> None:
    with pytest.raises(ValueError, match="'backlog' must be 0 or more"):
        Server(backlog=-1)
    with pytest.raises(TypeError, match="'backlog' is a whole number"):
        Server(backlog=1.5)
