"""Pure tier: option parsing and validation; and the errors raised at construction."""

from __future__ import annotations

import pytest

from core import Client, Server
from core._retry import RetryPolicy
from core.options import CLIENT_OPTIONS, SERVER_OPTIONS, parse, seconds


def test_spec_defaults() -> None:
    client = parse("Client", CLIENT_OPTIONS, None, {})
    assert client == {
        "host": "localhost",
        "port": 80,
        "receive_type": "application/json",
        "send_type": "application/json",
        "connect_timeout": 1000,
        "number_of_retries": 10,
        "time_between_retries": 500,
        "discard_messages_before_open": False,
        "throttle_factor": 0,
        "ssl_tls": False,
        "trust_all": False,
        "trusted_ca_cert_path": "",
        "client_cert_path": "",
        "client_key_path": "",
        "client_key_password": "",
        "path": "/",
        "subprotocols": None,
        "headers": None,
        "origin": None,
        "max_message_size": 1048576,
        "ping_interval": 20000,
        "ping_timeout": 20000,
        "close_timeout": 10000,
        "max_queue": 16,
        "reconnect": False,
        "compression": "deflate",
        "wire_lengths": False,
        "write_limit": 64 * 1024 * 1024,
        "write_timeout": None,
        "max_fragments": 4096,
        "max_image_pixels": 4096 * 4096,
    }
    server = parse("Server", SERVER_OPTIONS, None, {})
    assert server["host_interface"] == "localhost" and server["port"] == 80
    assert server["pfx_key_cert_path"] == "" and server["handshake_timeout"] == 10000
    assert server["close_timeout"] == 10000 and server["max_queue"] == 16
    assert server["compression"] == "deflate"
    assert server["max_connections"] == server["max_per_address"] == 0  # no cap
    assert server["write_limit"] == client["write_limit"] and server["max_fragments"] == 4096


def test_camel_case_dict_and_snake_case_keywords_are_the_same_options() -> None:
    a = parse("Client", CLIENT_OPTIONS, {"receiveType": "text/plain", "numberOfRetries": 2}, {})
    b = parse(
        "Client", CLIENT_OPTIONS, None, {"receive_type": "text/plain", "number_of_retries": 2}
    )
    c = parse("Client", CLIENT_OPTIONS, {"receive_type": "text/plain"}, {"numberOfRetries": 2})
    assert a == b == c
    assert a["receive_type"] == "text/plain" and a["number_of_retries"] == 2


def test_unknown_key_names_the_closest_valid_one() -> None:
    with pytest.raises(ValueError, match=r"no option 'prot'; did you mean 'port'\?"):
        Client({"prot": 8080})
    with pytest.raises(ValueError, match=r"did you mean 'numberOfRetries'"):
        Client(numberOfRetry=3)
    with pytest.raises(
        ValueError, match=r"Server has no option 'hostInterfaces'; did you mean 'hostInterface'"
    ):
        Server(hostInterfaces="0.0.0.0")


def test_same_option_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="given twice"):
        Client({"receiveType": "text/plain"}, receive_type="application/json")
    with pytest.raises(ValueError, match="given twice"):
        Client({"port": 1}, port=2)


@pytest.mark.parametrize(
    ("options", "error", "text"),
    [
        ({"port": "8080"}, TypeError, "'port' is a whole number, not str"),
        ({"port": 70000}, ValueError, "between 0 and 65535"),
        ({"port": True}, TypeError, "whole number, not bool"),
        ({"connectTimeout": "1s"}, TypeError, "number of milliseconds"),
        ({"timeBetweenRetries": -1}, ValueError, "0 or more milliseconds"),
        ({"numberOfRetries": 1.5}, TypeError, "whole number"),
        ({"sslTls": 1}, TypeError, "True or False, not int"),
        ({"host": "ws://example"}, ValueError, "host name or IP address"),
        ({"path": "chat"}, ValueError, "must start with '/'"),
        ({"subprotocols": "chat"}, TypeError, "list of strings"),
        ({"headers": {"X": 1}}, TypeError, "dict of header names"),
        ({"max_message_size": 0}, ValueError, "at least 1 byte"),
        (
            {"receiveType": "application/xml"},
            ValueError,
            "unsupported receiveType 'application/xml'; supported: application/json",
        ),
        ({"sendType": "image/nope"}, ValueError, "unsupported sendType"),
        ({"sendType": 5}, TypeError, "MIME type string"),
    ],
)
def test_bad_client_values_raise_at_construction(options: dict, error: type, text: str) -> None:
    with pytest.raises(error, match=__import__("re").escape(text)):
        Client(options)


def test_options_must_be_a_dict_or_a_url() -> None:
    with pytest.raises(TypeError, match=r"options must be a dict"):
        Client(8080)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'localhost:8080' is not a valid ws:// or wss:// URL"):
        Client("localhost:8080")


def test_server_tls_options_are_checked_at_construction(tmp_path) -> None:
    with pytest.raises(ValueError, match="sslTls needs a certificate"):
        Server(sslTls=True)
    with pytest.raises(ValueError, match="cert_path and key_path go together"):
        Server(cert_path=str(tmp_path / "c.pem"))
    with pytest.raises(ValueError, match=r"pfx_key_cert_path .* is not a file"):
        Server(sslTls=True, pfxKeyCertPath=str(tmp_path / "missing.pfx"))


def test_client_ca_file_must_be_readable(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"trustedCACertPath .* cannot be read"):
        Client(sslTls=True, trustedCACertPath=str(tmp_path / "nope.pem"))


def test_text_subtypes_and_parameters_are_accepted() -> None:
    client = Client(receive_type="text/x-log", send_type="text/plain; charset=utf-8")
    assert client.options["receive_type"] == "text/x-log"


def test_seconds_turns_option_milliseconds_into_seconds_with_0_as_no_limit() -> None:
    assert seconds(1500) == 1.5 and seconds(1) == 0.001
    assert seconds(0) is None and seconds(None) is None


def test_retry_policy_from_options() -> None:
    policy = RetryPolicy.from_options(
        {"connect_timeout": 250, "number_of_retries": 2, "time_between_retries": 100}
    )
    assert (policy.attempts, policy.delay, policy.timeout) == (3, 0.1, 0.25)
    assert [policy.delay_before(n) for n in (1, 2, 3)] == [0.0, 0.1, 0.1]
    assert (
        RetryPolicy.from_options(
            {"connect_timeout": 0, "number_of_retries": 0, "time_between_retries": 0}
        ).timeout
        is None
    )


def test_urls() -> None:
    assert Client(host="::1", port=9, path="/a?b=1").url == "ws://[::1]:9/a?b=1"
    assert Client(port=443, sslTls=True, trustAll=True).url == "wss://localhost:443/"


def test_open_start_and_send_without_a_loop_say_how_to_run_one() -> None:
    with pytest.raises(
        RuntimeError,
        match=r"(?s)client.open\(\) needs a running asyncio event loop.*asyncio.run\(main\(\)\)",
    ):
        Client(port=1).open()
    with pytest.raises(RuntimeError, match=r"server.start\(\) needs a running asyncio event loop"):
        Server(port=0).start()
