"""wss on both legs: a core Client → the relay (serving TLS) → a core Server that requires a
client certificate, which the relay's upstream leg presents. Certificates made with trustme."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core import ConnectError
from tests.helpers import TIMEOUT, Recorder
from tests.security.test_mutual_tls import make_pki

from .peers import client_of, png, relay_to, upstream_server

pytestmark = pytest.mark.asyncio


async def test_wss_both_legs_with_a_client_certificate_upstream(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    tls_server = {"ssl_tls": True, "cert_path": pki.server, "key_path": pki.server}
    async with (
        upstream_server(
            None, **tls_server, client_ca_path=pki.ca, require_client_cert=True
        ) as upstream,
        relay_to(
            upstream.url("/secure", scheme="wss"),
            listen=tls_server,
            upstream={
                "trusted_ca_cert_path": pki.ca,
                "client_cert_path": pki.client_cert,
                "client_key_path": pki.client_key,
            },
        ) as relay,
    ):
        client = client_of(relay, "/x", scheme="wss", trusted_ca_cert_path=pki.ca)
        received = Recorder(client, ["message", "close"])
        await client.open()
        assert client.peer_certificate_subject is not None  # the relay's certificate, verified
        socket, record = await upstream.socket()
        assert socket.peer_certificate_subject is not None
        assert socket.peer_certificate_subject["commonName"] == "alice"  # the relay's leg
        assert socket.path == "/secure/x"
        image, text, data = png(), '{"über":"json"}', bytes(range(255, -1, -1))
        for payload in (text, image, data):
            client.send(payload)
        await record.count("message", 3)
        assert record.values("message") == [text, image, data]
        for payload in (data, image, text):
            socket.send(payload)
        await received.count("message", 3)
        assert received.values("message") == [data, image, text]
        await client.close(4000, "tls done")
        await record.count("close", 1)
        assert record.args("close") == [(4000, "tls done")]


async def test_an_upstream_leg_without_the_client_certificate_is_refused_with_502(
    tmp_path: Path,
) -> None:
    pki = make_pki(tmp_path)
    tls_server = {"ssl_tls": True, "cert_path": pki.server, "key_path": pki.server}
    async with (
        upstream_server(**tls_server, client_ca_path=pki.ca, require_client_cert=True) as upstream,
        relay_to(
            upstream.url("/", scheme="wss"), upstream={"trusted_ca_cert_path": pki.ca}
        ) as relay,
    ):
        with pytest.raises(ConnectError) as caught:
            await asyncio.wait_for(client_of(relay).open(), TIMEOUT)
        assert caught.value.status == 502
        assert "set client_cert_path and client_key_path" in caught.value.reason
        assert upstream.sockets == []
