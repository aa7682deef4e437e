"""Pure tier: the MIME conversion table."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from core import (
    DecodeError,
    EncodeError,
    json_codec,
    mime,
    supported_receive_types,
    supported_send_types,
)
from core._image_codec import decodable, encodable


def test_supported_lists_hold_the_required_types_and_come_from_pillow() -> None:
    send, receive = supported_send_types(), supported_receive_types()
    for required in (
        "application/json",
        "text/plain",
        "application/octet-stream",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/bmp",
    ):
        assert required in send and required in receive
    assert [t for t in send if t.startswith("image/")] == sorted(encodable())
    assert [t for t in receive if t.startswith("image/")] == sorted(decodable())
    assert set(encodable()) == {
        m for f, m in Image.MIME.items() if f in Image.SAVE and m.startswith("image/")
    }
    assert send[0] == receive[0] == "application/json"


def test_unknown_type_lists_the_supported_ones() -> None:
    with pytest.raises(ValueError) as info:
        mime.encoder_for("video/mp4")
    assert "unsupported sendType 'video/mp4'" in str(info.value)
    assert "image/png" in str(info.value) and "text/<subtype>" in str(info.value)


def test_json_send_is_compact_utf8_text() -> None:
    assert mime.encode("application/json", {"foo": "bär", "n": [1, 2.5, None, True]}) == (
        '{"foo":"bär","n":[1,2.5,null,true]}',
        True,
    )


def test_json_send_refuses_non_serialisable_with_type_error_naming_the_type() -> None:
    with pytest.raises(TypeError, match="cannot send set as application/json") as info:
        mime.encode("application/json", {1, 2})
    assert isinstance(info.value, EncodeError)


def test_json_receive_of_invalid_text_keeps_the_raw_payload() -> None:
    with pytest.raises(DecodeError) as info:
        mime.decode("application/json", "{not json")
    assert info.value.raw == "{not json"
    assert "not valid application/json" in str(info.value)


def test_json_receive_accepts_binary_frames_and_rejects_nan() -> None:
    assert mime.decode("application/json", b'{"a": [1]}') == {"a": [1]}
    with pytest.raises(DecodeError):
        mime.decode("application/json", "NaN")


def test_text_types() -> None:
    assert mime.encode("text/plain", 42) == ("42", True)
    assert mime.encode("text/csv", b"a,b") == ("a,b", True)
    assert mime.decode("text/plain", b"caf\xc3\xa9") == "café"
    with pytest.raises(DecodeError) as info:
        mime.decode("text/plain", b"\xff\xfe")
    assert info.value.raw == b"\xff\xfe"
    with pytest.raises(EncodeError, match="not UTF-8"):
        mime.encode("text/plain", b"\xff")


def test_octet_stream() -> None:
    assert mime.encode("application/octet-stream", b"\x00\x01") == (b"\x00\x01", False)
    assert mime.encode("application/octet-stream", bytearray(b"ab"))[1] is False
    assert mime.decode("application/octet-stream", "é") == "é".encode()
    with pytest.raises(TypeError, match="give bytes"):
        mime.encode("application/octet-stream", "text")


@pytest.mark.parametrize(
    "mime_type", ["image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp"]
)
def test_image_round_trip_converts_modes_the_format_cannot_write(mime_type: str) -> None:
    image = Image.new("RGBA", (10, 7), (0, 128, 255, 255))
    payload, is_text = mime.encode(mime_type, image)
    assert is_text is False and isinstance(payload, bytes)
    back = mime.decode(mime_type, payload)
    assert isinstance(back, Image.Image) and back.size == (10, 7)
    assert Image.MIME[back.format] == mime_type


def test_image_send_accepts_encoded_bytes_and_refuses_other_values() -> None:
    raw = b"\x89PNG..."
    assert mime.encode("image/png", raw) == (raw, False)
    with pytest.raises(
        EncodeError, match=r"cannot send dict as image/png: give a PIL\.Image\.Image"
    ):
        mime.encode("image/png", {"not": "an image"})


def test_image_receive_failures_deliver_raw() -> None:
    with pytest.raises(DecodeError) as info:
        mime.decode("image/png", b"\x89PNG\r\n\x1a\n truncated")
    assert info.value.raw.startswith(b"\x89PNG")
    with pytest.raises(DecodeError, match="binary frame"):
        mime.decode("image/png", "text frame")


def test_decompression_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    Image.new("L", (200, 200)).save(buffer, format="PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)
    with pytest.raises(DecodeError, match="Decompression"):
        mime.decode("image/png", buffer.getvalue())


# --- JSON backends give identical results ------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_encoders_agree_and_round_trip(value: object) -> None:
    fast = json_codec.encode(value)
    slow = json_codec.stdlib_encode(value)
    assert json_codec.stdlib_decode(fast) == json_codec.stdlib_decode(slow)
    assert json_codec.decode(fast) == json_codec.stdlib_decode(slow)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64))
def test_decoders_agree_on_arbitrary_input(data: bytes | str) -> None:
    def outcome(decode):
        try:
            return ("ok", decode(data))
        except ValueError:
            return ("error", None)

    fast, slow = outcome(json_codec.decode), outcome(json_codec.stdlib_decode)
    assert fast[0] == slow[0]
    if fast[0] == "ok":
        assert repr(fast[1]) == repr(slow[1])


@pytest.mark.parametrize(
    "text",
    [
        "123456789012345678901234567890",
        "[-9223372036854775809]",
        '{"a": 18446744073709551616}',
        '"\\ud800"',
    ],
)
def test_values_orjson_handles_differently_come_back_as_the_stdlib_gives_them(text: str) -> None:
    assert repr(json_codec.decode(text)) == repr(json_codec.stdlib_decode(text))


def test_special_values_encode_the_same_in_both_backends() -> None:
    import enum
    import uuid

    class Colour(enum.Enum):
        RED = "red"

    value = {1: float("nan"), "big": 2**70, "u": uuid.UUID(int=1), "c": Colour.RED, "t": (1, 2)}
    assert (
        json_codec.decode(json_codec.encode(value))
        == json_codec.decode(json_codec.stdlib_encode(value))
        == {
            "1": None,
            "big": 2**70,
            "u": "00000000-0000-0000-0000-000000000001",
            "c": "red",
            "t": [1, 2],
        }
    )
    import datetime

    for backend in (json_codec.encode, json_codec.stdlib_encode):
        with pytest.raises(TypeError):
            backend({"when": datetime.datetime(2026, 1, 1)})


def test_pass_through_type_keeps_the_frame_kind() -> None:
    assert mime.encode("*/*", "text") == ("text", True)
    assert mime.encode("*/*", b"\x00") == (b"\x00", False)
    assert mime.decode("*/*", "text") == "text" and mime.decode("*/*", b"\x00") == b"\x00"
    with pytest.raises(EncodeError, match=r"cannot send int as \*/\*"):
        mime.encode("*/*", 5)
