"""Property tests of the conversion layer (core.mime, core.json_codec) with hypothesis.

- round trips: what ``send`` encodes, the matching decoder gives back;
- every text frame an encoder makes is valid UTF-8 (else the peer must close with 1007);
- arbitrary bytes or text into every decoder: a value or ``DecodeError``, never another
  exception (a crash in the reader would take the connection down).
"""

from __future__ import annotations

import contextlib
import io
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from core import DecodeError, EncodeError, json_codec, mime

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: the stdlib path keeps them exact
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # lone surrogates included
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)


def text_frame_payload(payload: str | bytes) -> bytes:
    """What goes on the wire for a text frame; must be valid UTF-8."""
    return payload.encode("utf-8") if isinstance(payload, str) else payload


@SETTINGS
@given(json_values)
@example("\ud800")
@example({"k\udfff": ["\\\ud800", "\ud83d\ude00"]})
def test_json_round_trip_and_text_frames_are_utf8(value: Any) -> None:
    payload, is_text = mime.encode(mime.JSON, value)
    assert is_text
    text_frame_payload(payload).decode("utf-8")  # strict: raises if not UTF-8
    decoded = mime.decode(mime.JSON, payload)
    # JSON has no lone surrogates of its own: an escaped pair reads back as one character.
    expected = json_codec.stdlib_decode(json_codec.stdlib_encode(value))
    assert decoded == expected
    if not _has_surrogates(value):
        assert decoded == value


def _has_surrogates(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list):
        return any(_has_surrogates(v) for v in value)
    if isinstance(value, dict):
        return any(_has_surrogates(k) or _has_surrogates(v) for k, v in value.items())
    return False


@SETTINGS
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_json_non_finite_floats_become_null_like_javascript(value: float) -> None:
    decoded = mime.decode(mime.JSON, mime.encode(mime.JSON, [value])[0])
    assert decoded == [value if math.isfinite(value) else None]


@SETTINGS
@given(st.text(), st.sampled_from(["text/plain", "text/csv", "text/x-anything", "*/*"]))
def test_text_round_trip_or_encode_error_for_lone_surrogates(value: str, mime_type: str) -> None:
    try:
        payload, is_text = mime.encode(mime_type, value)
    except EncodeError:
        assert _has_surrogates(value)  # the only str UTF-8 cannot carry
        return
    assert is_text and not _has_surrogates(value)
    text_frame_payload(payload).decode("utf-8")
    assert mime.decode(mime_type, payload) == value


@SETTINGS
@given(st.binary(max_size=4096))
def test_octet_stream_round_trip(value: bytes) -> None:
    payload, is_text = mime.encode(mime.OCTET_STREAM, value)
    assert not is_text
    assert mime.decode(mime.OCTET_STREAM, payload) == value


LOSSLESS = [
    m
    for m in ("image/png", "image/bmp", "image/tiff", "image/gif", "image/webp")
    if m in mime.supported_send_types() and m in mime.supported_receive_types()
]


@SETTINGS
@given(
    st.sampled_from(LOSSLESS),
    st.integers(1, 24),
    st.integers(1, 24),
    st.data(),
)
def test_lossless_image_round_trip(
    mime_type: str, width: int, height: int, data: st.DataObject
) -> None:
    mode = "L" if mime_type == "image/gif" else data.draw(st.sampled_from(["L", "RGB"]))
    count = width * height * len(mode if mode == "RGB" else "L")
    pixels = data.draw(st.binary(min_size=count, max_size=count))
    image = Image.frombytes(mode, (width, height), pixels)
    if mime_type == "image/webp":
        assume(mode == "RGB")
    payload, is_text = mime.encode(mime_type, image)
    assert not is_text
    back = mime.decode(mime_type, payload)
    assert back.size == (width, height)
    if mime_type != "image/webp":  # Pillow's WebP default is lossy
        assert back.convert(mode).tobytes() == image.tobytes()


RECEIVE_TYPES = [*mime.supported_receive_types(), "text/x-anything"]


def _sample_images() -> list[bytes]:
    samples = []
    for fmt in ("PNG", "GIF", "BMP", "JPEG", "TIFF", "WEBP", "ICO", "PPM", "TGA"):
        buffer = io.BytesIO()
        try:
            Image.new("RGB", (12, 9), (9, 120, 200)).save(buffer, format=fmt)
        except (KeyError, OSError):
            continue
        samples.append(buffer.getvalue())
    return samples


SAMPLES = _sample_images()


def _decode_or_decode_error(mime_type: str, payload: str | bytes) -> None:
    try:
        mime.decode(mime_type, payload)
    except DecodeError as exc:
        assert exc.raw is payload and exc.mime_type == mime_type


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(RECEIVE_TYPES), st.binary(max_size=2048) | st.text(max_size=512))
def test_arbitrary_payload_into_every_decoder_gives_a_value_or_decode_error(
    mime_type: str, payload: Any
) -> None:
    _decode_or_decode_error(mime_type, payload)


@pytest.mark.filterwarnings(
    "ignore::UserWarning"
)  # Pillow warns about the corrupt TIFF tags we make
@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([m for m in RECEIVE_TYPES if m.startswith("image/")]),
    st.sampled_from(SAMPLES),
    st.data(),
)
def test_mutated_real_images_into_image_decoders_give_a_value_or_decode_error(
    mime_type: str, sample: bytes, data: st.DataObject
) -> None:
    """Valid files with bytes flipped, cut or spliced reach deep into Pillow's plugins."""
    payload = bytearray(sample)
    for _ in range(data.draw(st.integers(1, 8))):
        where = data.draw(st.integers(0, len(payload) - 1))
        payload[where] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(payload)))
    _decode_or_decode_error(
        mime_type, bytes(payload[:cut] if data.draw(st.booleans()) else payload)
    )


@SETTINGS
@given(st.binary(max_size=1024))
def test_json_codec_decode_of_arbitrary_bytes_is_a_value_or_value_error(data: bytes) -> None:
    # JSONDecodeError, UnicodeDecodeError, orjson's error: all ValueError.
    with contextlib.suppress(ValueError):
        json_codec.decode(data)


@pytest.mark.parametrize("mime_type", ["application/json", "text/plain", "*/*"])
def test_send_of_a_lone_surrogate_never_breaks_the_text_frame(mime_type: str) -> None:
    """Regression: such a str went out as invalid UTF-8 (JSON, peer closed 1007) or crashed
    websockets' send (text/plain, connection lost with 1006)."""
    if mime_type == "application/json":
        payload, _ = mime.encode(mime_type, "a\ud800b")
        assert text_frame_payload(payload) == b'"a\\ud800b"'
        assert mime.decode(mime_type, payload) == "a\ud800b"
    else:
        with pytest.raises(EncodeError, match="lone surrogate at index 1"):
            mime.encode(mime_type, "a\ud800b")


# -- only the project's own error types escape (issue 17, B6) ---------------------------------

NESTED_JSON = "[" * 1100 + "]" * 1100  # 2.2 KB: RecursionError in the JSON decoder, before


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(RECEIVE_TYPES), st.integers(1, 100_000))
@example("application/json", 1100)  # beyond the default recursion limit...
@example("application/json", 100_000)  # ... and beyond the one hypothesis runs tests under
def test_deeply_nested_json_into_every_decoder_gives_a_value_or_decode_error(
    mime_type: str, depth: int
) -> None:
    _decode_or_decode_error(mime_type, "[" * depth + "]" * depth)
    _decode_or_decode_error(mime_type, ('{"a":' * depth + "1" + "}" * depth).encode())


odd_values = st.recursive(
    json_scalars
    | st.binary(max_size=64)
    | st.sets(st.integers(), max_size=3)
    | st.complex_numbers(allow_nan=True)
    | st.just(object())
    | st.just(Image.new("RGB", (3, 2)))
    | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=4) | st.integers(), inner, max_size=4)
        | st.tuples(inner, inner)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([*mime.supported_send_types(), "text/x-anything"]), odd_values)
@example("application/json", [[[[[]]]]])
@example("application/json", {1: {2.5: None}})
def test_any_value_into_every_encoder_gives_a_payload_or_encode_error(
    mime_type: str, value: Any
) -> None:
    try:
        payload, is_text = mime.encode(mime_type, value)
    except EncodeError as exc:
        assert exc.mime_type == mime_type
        return
    assert isinstance(payload, (str, bytes, bytearray, memoryview)) and isinstance(is_text, bool)
    if is_text:
        text_frame_payload(payload if isinstance(payload, str) else bytes(payload)).decode("utf-8")


def _deep_encoder_input(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def test_a_value_nested_deeper_than_json_can_go_is_an_encode_error() -> None:
    with pytest.raises(EncodeError):
        mime.encode(mime.JSON, _deep_encoder_input(100_000))


# JSON Lines import: header lines and entry lines of every shape.

header_fields = st.fixed_dictionaries(
    {"format": st.just("websocket-workbench-log") | st.text(max_size=5)},
    optional={
        "version": st.integers(-2, 3) | st.booleans() | st.text(max_size=3) | st.none(),
        "name": json_values,
        "exported_at": json_values,
        "redacted": json_values,
        "totals": json_values,
    },
)
entry_lines = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "time": json_values | st.just(1e308) | st.just(-0.0),
            "direction": st.sampled_from(["in", "out", "event", "sideways"]) | json_values,
            "kind": st.sampled_from(["message", "close", "error"]) | json_values,
            "mime": json_values,
            "size": json_values | st.just(10**30),
            "text": json_values,
            "base64": st.text(max_size=12) | json_values,
            "detail": json_values,
        },
    ).map(lambda record: json_codec.stdlib_encode(record)),
    json_values.map(json_codec.stdlib_encode),
    st.text(max_size=40),
    st.integers(1, 100_000).map(lambda depth: "[" * depth + "]" * depth),
    st.just('{"time": NaN, "direction": "in", "kind": "message", "size": Infinity}'),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header_fields.map(json_codec.stdlib_encode)
    | st.text(max_size=30)
    | st.integers(1, 100_000).map(lambda d: "[" * d + "]" * d),
    st.lists(entry_lines, max_size=8),
    st.binary(max_size=16),
)
@example('{"format": "websocket-workbench-log", "version": 1, "totals": [1, 2]}', [], b"")
@example('{"format": "websocket-workbench-log", "version": 1, "totals": "x"}', [], b"")
@example('{"format": "websocket-workbench-log", "version": 1}', [NESTED_JSON], b"")
@example('{"format": "websocket-workbench-log", "version": 1}', ["[" * 100_000], b"")
@example("[" * 1100 + "]" * 1100, [], b"")
@example(
    '{"format": "websocket-workbench-log", "version": 1}',
    ['{"time": 1, "direction": "in", "kind": "message", "size": Infinity}'],
    b"\xff\xfe",
)
def test_jsonl_import_raises_only_log_file_error(
    tmp_path_factory: pytest.TempPathFactory, header: str, lines: list[str], tail: bytes
) -> None:
    from workbench.engine.log.jsonl import LogFileError, import_jsonl

    path = tmp_path_factory.mktemp("jsonl") / "log.jsonl"
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode("utf-8", "surrogatepass") + tail)
    try:
        imported = import_jsonl(path)
    except LogFileError as exc:
        assert "line 1" in str(exc) or "could not read" in str(exc), exc
        return
    for number, why in imported.skipped:
        assert 2 <= number <= len(lines) + 2 and why
    assert all(isinstance(value, int) for value in imported.exported_totals.values())
    for entry in imported.store:  # every row that came in can be shown
        assert isinstance(entry.preview, str)
