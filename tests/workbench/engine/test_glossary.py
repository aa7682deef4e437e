"""The glossary: plain words and RFC sections for close codes, frame types and error kinds."""

from __future__ import annotations

import pytest

from core import (
    CLOSE_CODE_MEANINGS,
    ConnectError,
    ConnectionClosed,
    DecodeError,
    EncodeError,
    HandlerError,
    NotOpenError,
    Opcode,
    ServerStartError,
    UnsentMessagesError,
)
from workbench.engine.in_words import close_text
from workbench.engine.protocol.glossary import (
    CLOSE_PICKER_CODES,
    ERROR_KINDS,
    FRAME_TYPES,
    close_code_term,
    close_refusal,
    error_kind_of,
    explain_event,
    frame_type_term,
)


def test_close_code_terms_reuse_core_meanings_and_name_the_section() -> None:
    for code, meaning in CLOSE_CODE_MEANINGS.items():
        term = close_code_term(code)
        assert term.meaning.startswith(meaning)
        assert term.section in ("§7.4.1", "§11.7 (IANA registry)")
    assert close_code_term(1009).line().startswith("1009: message too big")
    assert close_code_term(1009).line().endswith("(RFC 6455 §7.4.1)")
    assert close_code_term(3001).section == close_code_term(4999).section == "§7.4.2"
    assert "private use" in close_code_term(4000).meaning
    assert "not a code" in close_code_term(2000).meaning


def test_the_picker_offers_every_registered_sendable_code_and_core_accepts_each() -> None:
    assert (1000, 1001, 1002, 1003, *range(1007, 1015)) == CLOSE_PICKER_CODES
    for code in (*CLOSE_PICKER_CODES, 3000, 4999):
        assert close_refusal(code, "bye") is None
    for code in (999, 1004, 1005, 1006, 1015, 1016, 2999, 5000):
        refusal = close_refusal(code)
        assert refusal is not None and str(code) in refusal
    assert "123 bytes" in (close_refusal(1000, "x" * 124) or "")


def test_every_opcode_core_reports_has_a_frame_type_with_its_section() -> None:
    assert set(FRAME_TYPES) == set(Opcode)
    assert frame_type_term("ping").section == "§5.5.2"
    assert frame_type_term("close").line() == (
        "close (0x8): starts or answers the closing handshake; carries code and reason"
        " (RFC 6455 §5.5.1)"
    )
    with pytest.raises(KeyError):
        frame_type_term("teapot")


@pytest.mark.parametrize(
    "error",
    [
        ConnectError("ws://127.0.0.1:1/", 1, ConnectionRefusedError()),
        ServerStartError("127.0.0.1", 80, PermissionError(13, "denied")),
        EncodeError("application/json", object(), "not JSON"),
        DecodeError("application/json", "{", "bad JSON"),
        ConnectionClosed(1011, "", "127.0.0.1:1"),
        UnsentMessagesError(2, "closed"),
        HandlerError("message", RuntimeError("boom")),
        NotOpenError("the Client to ws://localhost:80/ is not open (idle)"),
    ],
)
def test_each_core_error_is_recognised_by_its_kind(error: Exception) -> None:
    term = error_kind_of(str(error))
    assert term is not None
    assert term is ERROR_KINDS[type(error).__name__][1]


def test_explain_event_gives_the_close_code_line_for_close_and_error_rows() -> None:
    close_row = f"closed with {close_text(1008, 'no')}"
    assert explain_event("close", close_row) == close_code_term(1008).line()
    error = str(ConnectionClosed(1011, "", "peer"))
    assert explain_event("error", error).splitlines() == [
        ERROR_KINDS["ConnectionClosed"][1].line(),
        close_code_term(1011).line(),
    ]
    assert explain_event("info", "ping: round trip 1.2 ms").splitlines() == [
        FRAME_TYPES["ping"].line(),
        FRAME_TYPES["pong"].line(),
    ]
    assert explain_event("open", "open: ws://x") == ""
    assert explain_event("error", "something nobody knows") == ""
