"""The relay's settings checked before listening, the upstream request made from the client's,
the client's answer when the upstream leg does not open, and the close passed on (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus
from websockets.http11 import Response

from core import ConnectError
from workbench.engine.relay.closing import passed_on
from workbench.engine.relay.settings import (
    DEFAULT_MAX_QUEUE,
    DEFAULT_OPEN_TIMEOUT_MS,
    HANDSHAKE_MARGIN_MS,
    RelaySettingsError,
    relay_settings,
)
from workbench.engine.relay.upstream_handshake import (
    failure_answer,
    is_upgrade_request,
    offered_subprotocols,
    upstream_headers,
    upstream_origin,
    upstream_path,
)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://example.org/", "must start with ws:// or wss:// (it has http://)"),
        ("example.org:8080", "must start with ws:// or wss://"),
        ("", "the upstream URL is missing"),
        ("ws:///chat", "names no host"),
        ("ws://example.org:99999/", "port that is not a number from 1 to 65535"),
        ("ws://user:pw@example.org/", "holds credentials"),
        ("ws://example.org/#top", "#fragment"),
        ("ws://example.org:0/", "port 0"),
    ],
)
def test_bad_upstream_urls_are_refused_saying_what_is_wrong(url: str, said: str) -> None:
    with pytest.raises(RelaySettingsError, match="upstream URL") as caught:
        relay_settings(url)
    assert said in str(caught.value)


def test_a_url_gives_host_port_path_query_and_tls() -> None:
    settings = relay_settings("wss://[::1]/api/v1?key=k")
    url = settings.upstream_url
    assert (url.secure, url.host, url.port, url.path, url.query) == (
        True,
        "::1",
        443,
        "/api/v1",
        "key=k",
    )
    assert url.origin == "https://[::1]"
    assert relay_settings("ws://h:8080").upstream_url.origin == "http://h:8080"


def test_listen_and_upstream_options_are_checked_as_a_servers_and_a_clients(tmp_path: Path) -> None:
    with pytest.raises(RelaySettingsError, match=r"listen options: .*'prot'.*'port'"):
        relay_settings("ws://h/", {"prot": 80})
    with pytest.raises(RelaySettingsError, match=r"listen options: .*sslTls needs a certificate"):
        relay_settings("ws://h/", {"ssl_tls": True})
    with pytest.raises(RelaySettingsError, match=r"upstream options: .*trustedCACertPath"):
        relay_settings("wss://h/", upstream={"trusted_ca_cert_path": str(tmp_path / "none.pem")})
    with pytest.raises(
        RelaySettingsError, match="upstream option 'subprotocols' is set by the relay"
    ):
        relay_settings("ws://h/", upstream={"subprotocols": ["a"]})
    with pytest.raises(
        RelaySettingsError, match="listen option 'receive_type' is set by the relay"
    ):
        relay_settings("ws://h/", {"receiveType": "text/plain"})  # the spec's spelling too


def test_both_legs_queue_32_messages_unless_told_otherwise() -> None:
    settings = relay_settings("ws://h/")
    assert settings.listen["max_queue"] == settings.upstream["max_queue"] == DEFAULT_MAX_QUEUE
    assert DEFAULT_MAX_QUEUE == 32
    given = relay_settings("ws://h/", {"max_queue": 8}, {"max_queue": 4})
    assert (given.listen["max_queue"], given.upstream["max_queue"]) == (8, 4)


def test_the_handshake_timeout_outlives_the_open_timeout() -> None:
    settings = relay_settings("ws://h/")
    assert settings.upstream["connect_timeout"] == DEFAULT_OPEN_TIMEOUT_MS
    assert settings.listen["handshake_timeout"] == DEFAULT_OPEN_TIMEOUT_MS + HANDSHAKE_MARGIN_MS
    assert settings.open_timeout == DEFAULT_OPEN_TIMEOUT_MS / 1000
    assert (
        relay_settings("ws://h/", upstream={"connect_timeout": 700}).listen["handshake_timeout"]
        == 5700
    )
    with pytest.raises(RelaySettingsError, match=r"handshake_timeout \(2000 ms\) must be longer"):
        relay_settings("ws://h/", {"handshake_timeout": 2000}, {"connect_timeout": 3000})
    with pytest.raises(RelaySettingsError, match="must be more than 0 ms"):
        relay_settings("ws://h/", upstream={"connect_timeout": 0})


def test_header_edits_refuse_host_and_the_legs_own_headers() -> None:
    with pytest.raises(RelaySettingsError, match="Host header: it is always the upstream's own"):
        relay_settings("ws://h/", set_headers=[("Host", "x")])
    with pytest.raises(RelaySettingsError, match="each leg's handshake sets it"):
        relay_settings("ws://h/", add_headers=[("Sec-WebSocket-Key", "x")])
    with pytest.raises(RelaySettingsError, match="is not a header name"):
        relay_settings("ws://h/", strip_headers=["Bad Name"])
    with pytest.raises(RelaySettingsError, match="must be one line"):
        relay_settings("ws://h/", set_headers=[("X-A", "a\r\nX-B: b")])


@pytest.mark.parametrize(
    ("base", "client", "fixed", "sent"),
    [
        ("ws://h/", "/chat?room=1", False, "/chat?room=1"),
        ("ws://h/api", "/chat?room=1", False, "/api/chat?room=1"),
        ("ws://h/api/", "/chat", False, "/api/chat"),
        ("ws://h/api?key=k", "/chat?room=1", False, "/api/chat?key=k&room=1"),
        ("ws://h/api?key=k", "/", False, "/api?key=k"),
        ("ws://h/api?key=k", "/?room=1", False, "/api?key=k&room=1"),
        ("ws://h/api?key=k", "/chat?room=1", True, "/api?key=k"),
    ],
)
def test_the_clients_path_and_query_are_appended_unless_the_path_is_fixed(
    base: str, client: str, fixed: bool, sent: str
) -> None:
    assert upstream_path(relay_settings(base, fixed_path=fixed), client) == sent


def request_headers() -> Headers:
    return Headers(
        [
            ("Host", "relay:1"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "k=="),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Protocol", "chat.v2, chat.v1"),
            ("Sec-WebSocket-Protocol", "json"),
            ("Sec-WebSocket-Extensions", "permessage-deflate"),
            ("Origin", "http://page"),
            ("Cookie", "a=1"),
            ("Cookie", "b=2"),
            ("Authorization", "Bearer t"),
            ("X-Trace", "1"),
            ("User-Agent", "browser"),
        ]
    )


def test_headers_pass_in_order_less_each_legs_own_then_the_edits_apply() -> None:
    headers = request_headers()
    assert is_upgrade_request(headers)
    assert offered_subprotocols(headers) == ["chat.v2", "chat.v1", "json"]
    plain = relay_settings("ws://up:9/")
    assert upstream_headers(plain, headers) == [
        ("Cookie", "a=1"),
        ("Cookie", "b=2"),
        ("Authorization", "Bearer t"),
        ("X-Trace", "1"),
        ("User-Agent", "browser"),
    ]
    assert upstream_origin(plain, headers) == "http://page"
    edited = relay_settings(
        "wss://up:9/",
        set_headers=[("authorization", "Bearer other")],
        add_headers=[("X-Relay", "yes")],
        strip_headers=["x-trace", "Cookie"],
        rewrite_origin=True,
    )
    assert upstream_headers(edited, headers) == [
        ("User-Agent", "browser"),
        ("authorization", "Bearer other"),
        ("X-Relay", "yes"),
    ]
    assert upstream_origin(edited, headers) == "https://up:9"
    assert upstream_origin(relay_settings("ws://up/", strip_headers=["Origin"]), headers) is None
    assert (
        upstream_origin(relay_settings("ws://up/", set_headers=[("Origin", "o")]), headers) == "o"
    )


def test_a_plain_get_is_not_an_upgrade_request() -> None:
    assert not is_upgrade_request(Headers([("Host", "h")]))
    assert not is_upgrade_request(Headers([("Upgrade", "websocket"), ("Connection", "Upgrade")]))


def refused(status: int, body: bytes, headers: list[tuple[str, str]]) -> ConnectError:
    response = Response(status, "Reason", Headers(headers), body)
    return ConnectError("ws://up/", 1, InvalidStatus(response))


def test_the_upstreams_refusal_is_answered_with_its_status_body_and_headers() -> None:
    error = refused(
        401,
        b"token please",
        [
            ("WWW-Authenticate", "Bearer"),
            ("Content-Length", "12"),
            ("Date", "x"),
            ("X-Why", "a"),
            ("WWW-Authenticate", "Basic"),
        ],
    )
    assert failure_answer(error, 5) == (
        401,
        "token please\n",
        [("WWW-Authenticate", "Bearer"), ("X-Why", "a"), ("WWW-Authenticate", "Basic")],
    )
    assert failure_answer(refused(404, b"", []), 5) == (404, "Reason\n", [])


def test_a_timeout_is_504_and_anything_else_502_with_the_reason() -> None:
    assert failure_answer(ConnectError("ws://up/", 1, TimeoutError()), 2.5) == (
        504,
        "gateway timeout: the upstream did not answer within 2.5 s\n",
        [],
    )
    status, body, headers = failure_answer(ConnectError("ws://up/", 1, ConnectionRefusedError()), 5)
    assert (status, headers) == (502, [])
    assert body == (
        "bad gateway: the upstream could not be opened: connection refused "
        "(is a server listening on that host and port?)\n"
    )


@pytest.mark.parametrize(
    ("side", "code", "reason", "passed"),
    [
        ("client", 1000, "bye", (1000, "bye")),
        ("upstream", 4000, "kicked", (4000, "kicked")),
        ("client", 1005, "", (1000, "")),
        ("client", 1006, "", (1001, "client gone")),
        ("upstream", 1006, "", (1014, "upstream gone")),
        ("upstream", 1015, "", (1014, "upstream gone")),
        ("upstream", 1011, "keepalive ping timeout", (1011, "keepalive ping timeout")),
    ],
)
def test_the_close_passed_on(side: str, code: int, reason: str, passed: tuple[int, str]) -> None:
    assert passed_on(side, code, reason) == passed
