"""The labels of the three-lifeline diagram's message arrows (``RelayArrow.message``): written
when first read, from the head of the payload the arrow keeps, never the whole payload."""

from __future__ import annotations

import gc

from workbench.engine.relay.conversation import CLIENT, RELAY, RelayArrow


def _keeps(arrow: RelayArrow, payload: object) -> bool:
    return any(kept is payload for kept in gc.get_referents(arrow))


def test_a_text_arrow_is_labelled_with_its_utf8_size_and_its_start() -> None:
    assert RelayArrow.message(CLIENT, RELAY, "hello").text == "text 5 B 'hello'"
    arrow = RelayArrow.message(CLIENT, RELAY, "é" * 50, "held")
    assert (arrow.kind, arrow.mark) == ("text", "held")
    assert arrow.text == f"text 100 B {'é' * 40 + '…'!r}"


def test_a_binary_arrow_shows_its_first_bytes_in_hex() -> None:
    assert RelayArrow.message(RELAY, CLIENT, b"\x00\xff").text == "binary 2 B 00 ff"
    arrow = RelayArrow.message(RELAY, CLIENT, bytes(range(13)))
    assert arrow.kind == "binary"
    assert arrow.text == "binary 13 B 00 01 02 03 04 05 06 07 08 09 0a 0b …"


def test_an_arrow_keeps_only_the_head_of_a_large_payload() -> None:
    text, data = "x" * 1_000_000, bytes(1_000_000)
    arrows = [RelayArrow.message(CLIENT, RELAY, text), RelayArrow.message(CLIENT, RELAY, data)]
    assert not _keeps(arrows[0], text) and not _keeps(arrows[1], data)
    assert arrows[0].text.startswith("text 976.6 KiB 'xxxx")
    assert arrows[1].text.startswith("binary 976.6 KiB 00 00")
