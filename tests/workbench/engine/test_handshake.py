"""Handshake records (workbench.engine.protocol.handshake_record): the accept computation and the
plain words for the negotiation (pure), then both ends of real loopback handshakes through
the engine, accepted and refused (no Qt)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from workbench.engine.log.store import HANDSHAKE
from workbench.engine.protocol.handshake_record import (
    GUID,
    accept_check,
    explain_extensions,
    explain_parameter,
    explain_subprotocol,
)
from workbench.engine.workbench import Workbench

LOCAL = "127.0.0.1"
TIMEOUT = 5.0


# -- pure --------------------------------------------------------------------------------


def test_the_accept_value_of_rfc_6455s_example_key_step_by_step() -> None:
    check = accept_check("dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    assert check.concatenated == "dGhlIHNhbXBsZSBub25jZQ==" + GUID
    assert check.sha1_hex == "b37a4f2cc0624f1690f64606cf385945b2bec4ea"
    assert check.computed == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" and check.matches
    assert not accept_check("dGhlIHNhbXBsZSBub25jZQ==", "AAAA").matches
    assert not accept_check("dGhlIHNhbXBsZSBub25jZQ==", None).matches


def test_permessage_deflate_and_its_parameters_get_one_line_each() -> None:
    lines = explain_extensions(
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; server_no_context_takeover; client_max_window_bits=12",
    )
    assert lines[0] == (
        "Extensions offered by the client: permessage-deflate; client_max_window_bits."
    )
    assert lines[1].startswith("permessage-deflate (RFC 7692):")
    assert lines[2].startswith("  server_no_context_takeover: the server starts each message")
    assert lines[3] == (
        "  client_max_window_bits=12: the client compresses with a window of at most "
        "2^12 bytes (4,096)"
    )
    assert len(lines) == 4


def test_declined_absent_and_unknown_extensions() -> None:
    assert explain_extensions("permessage-deflate", None) == [
        "Extensions offered by the client: permessage-deflate.",
        "The server agreed to none: messages travel uncompressed.",
    ]
    assert explain_extensions(None, None) == [
        "Extensions: none offered, so payloads travel as they are."
    ]
    assert explain_extensions("x-foo", "x-foo; a=1")[1:] == [
        "x-foo: an extension this workbench does not describe.",
        "  a=1: a parameter this workbench does not know",
    ]
    assert "not a number" in explain_parameter("server_max_window_bits", "big")


def test_the_subprotocol_in_each_case() -> None:
    assert explain_subprotocol("chat.v2, chat.v1", "chat.v1") == (
        "Subprotocol: the client offered chat.v2, chat.v1; the server chose chat.v1."
    )
    assert explain_subprotocol("chat.v2", None).endswith("the server chose none.")
    assert explain_subprotocol(None, None).startswith("Subprotocol: none offered")
    assert explain_subprotocol("chat.v2", None, refused=True).endswith("refused the handshake.")


# -- both ends through the engine ----------------------------------------------------------


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[Workbench]:
    workbench = Workbench()
    yield workbench
    assert await asyncio.wait_for(workbench.shutdown(TIMEOUT), TIMEOUT + 1)


async def until(condition: Callable[[], Any], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def start(engine: Workbench, **options: Any) -> tuple[str, int]:
    server_id = engine.add_server({"hostInterface": LOCAL, "port": 0, **options})
    assert server_id is not None and await engine.start_server(server_id)
    port = engine.server(server_id).port
    assert port is not None
    return server_id, port


@pytest.mark.asyncio
async def test_an_accepted_handshake_is_recorded_alike_on_both_ends(engine) -> None:
    server_id, port = await start(engine, subprotocols=["chat.v1"])
    client_id = engine.add_client(
        {"host": LOCAL, "port": port, "path": "/room", "subprotocols": ["chat.v2", "chat.v1"]}
    )
    assert client_id is not None and await engine.open_client(client_id)
    await until(lambda: engine.sockets_of(server_id), "the server socket")
    client = engine.client(client_id).handshake
    [socket_handle] = engine.sockets_of(server_id)
    server = socket_handle.handshake
    assert client is not None and server is not None
    for record in (client, server):
        assert record.request_line == "GET /room HTTP/1.1"
        assert record.status_line == "HTTP/1.1 101 Switching Protocols"
        assert not record.refused and record.summary == "101 Switching Protocols"
        assert record.accept is not None and record.accept.matches
        assert record.subprotocol_text.endswith("the server chose chat.v1.")
        assert record.extension_lines[1].startswith("permessage-deflate (RFC 7692)")
    assert (client.side, server.side) == ("client", "server")
    assert client.request_header("Sec-WebSocket-Key") == server.request_header("Sec-WebSocket-Key")
    assert client.response_headers == server.response_headers
    assert engine.server(server_id).refusals == type(engine.server(server_id).refusals)()


@pytest.mark.asyncio
async def test_an_origin_refusal_is_recorded_on_both_ends_and_in_the_server_log(engine) -> None:
    server_id, port = await start(engine, allowed_origins=["http://good.example"])
    client_id = engine.add_client(
        {"host": LOCAL, "port": port, "numberOfRetries": 0, "origin": "http://evil.example"}
    )
    assert client_id is not None and not await engine.open_client(client_id)
    handle = engine.server(server_id)
    await until(lambda: handle.refusals, "the server's refusal")
    client = engine.client(client_id).handshake
    [server] = handle.refusals
    assert client is not None and client.refused and server.refused
    assert (client.status, server.status) == (403, 403)
    assert client.status_line == "HTTP/1.1 403 Forbidden"
    assert "http://evil.example" in client.reason and client.reason == server.reason
    assert client.summary == f"refused: 403 Forbidden ({client.reason})"
    assert client.request_headers == () and server.request_header("Origin") == (
        "http://evil.example"
    )
    assert client.accept is None and server.accept is None
    [logged] = [entry for entry in handle.log if entry.kind == HANDSHAKE]
    assert logged.detail == (
        f"refused {server.peer} with 403 Forbidden (GET / HTTP/1.1): {server.reason}"
    )
    assert engine.sockets_of(server_id) == []


@pytest.mark.asyncio
async def test_a_client_with_no_answer_records_why(engine) -> None:
    server_id, port = await start(engine)
    assert await engine.stop_server(server_id)
    client_id = engine.add_client({"host": LOCAL, "port": port, "numberOfRetries": 0})
    assert client_id is not None and not await engine.open_client(client_id)
    record = engine.client(client_id).handshake
    assert record is not None and record.status is None and record.refused
    assert record.status_line == "(no HTTP response)" and "refused" in record.reason
