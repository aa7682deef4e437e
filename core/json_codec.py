"""JSON to and from the wire, with orjson when it is installed and the stdlib otherwise.

Both backends give the same results:

- encoding is compact (``JSON.stringify`` style, UTF-8 not escaped), keys that are not strings
  are converted as the stdlib does, NaN and infinities become ``null`` as in JavaScript, and
  ``datetime`` / dataclass values are refused (``TypeError``) by both;
- decoding rejects ``NaN`` / ``Infinity`` literals (they are not JSON); integers too large for
  64 bits come back as exact ``int`` (orjson would give a float, so such texts go to the stdlib).

``encode`` returns ``str`` (sent as a text frame). orjson's ``bytes`` are decoded at once: each
one holds a large allocation, which made senders that queue many messages 6x slower.
"""

from __future__ import annotations

import enum
import json
import math
import re
import uuid
from typing import Any, NoReturn

try:
    import orjson
except ImportError:  # pragma: no cover - exercised by the stdlib-only test
    orjson = None  # type: ignore[assignment]

__all__ = [
    "decode",
    "encode",
]

# A run of 19+ digits may not fit orjson's 64-bit integers: parse such texts with the stdlib.
# Found by mapping digits to 1 and everything else to 0, then searching for 19 ones: about
# three times faster than a regular expression on a 100-byte message.
_DIGIT_MAP = bytes(1 if 0x30 <= byte <= 0x39 else 0 for byte in range(256))
_LONG_RUN = b"\x01" * 19
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_long_digit_run(data: str | bytes) -> bool:
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    return raw.translate(_DIGIT_MAP).find(_LONG_RUN) >= 0


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _stdlib_default(value: object) -> object:
    # orjson converts these natively; mirror it so both backends accept the same values.
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _finite(value: object) -> object:
    """A copy of ``value`` with NaN and infinities replaced by None (the stdlib's slow path)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def stdlib_encode(value: object) -> str:
    """``encode`` with the stdlib alone (the fallback, and the reference the tests compare).

    Args:
        value: A JSON value.

    Returns:
        The compact JSON text.

    Raises:
        TypeError: ``value`` is not serialisable.
    """
    try:
        text = json.dumps(
            value,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_stdlib_default,
        )
    except ValueError as exc:
        if "Out of range float" not in str(exc):
            raise TypeError(str(exc)) from exc
        return stdlib_encode(_finite(value))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (only possible inside JSON strings) cannot be UTF-8, and a text frame
        # must be: send them as \\uXXXX escapes, which every JSON parser reads back.
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def stdlib_decode(data: str | bytes) -> Any:
    """``decode`` with the stdlib alone.

    Args:
        data: The text (``str``, or UTF-8 ``bytes``).

    Returns:
        The value.

    Raises:
        ValueError: ``data`` is not JSON.
    """
    return json.loads(data, parse_constant=_reject_constant)


if orjson is not None:
    _ORJSON_OPTIONS = (
        orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    )
    _orjson_dumps = orjson.dumps
    _orjson_loads = orjson.loads
    _OrjsonError = orjson.JSONDecodeError

    def encode(value: object) -> str:
        """``value`` as compact JSON text, as core sends it.

        Args:
            value: A JSON value: dict, list, str, int, float, bool, None (UUIDs and enums
                as their values; NaN and infinities become null).

        Returns:
            The JSON text, UTF-8 characters unescaped.

        Raises:
            TypeError: ``value`` is not serialisable (a datetime, a dataclass, a set...).
        """
        try:
            return _orjson_dumps(value, option=_ORJSON_OPTIONS).decode("utf-8")
        except TypeError:
            # Integers beyond 64 bits, lone surrogates...: the stdlib decides.
            return stdlib_encode(value)

    def decode(data: str | bytes) -> Any:
        """Parse JSON text as core reads it.

        Args:
            data: The text (``str``, or UTF-8 ``bytes``).

        Returns:
            The value; integers too large for 64 bits come back exact.

        Raises:
            ValueError: ``data`` is not JSON (``NaN`` and ``Infinity`` are not).
        """
        if _has_long_digit_run(data):
            return stdlib_decode(data)
        try:
            return _orjson_loads(data)
        except _OrjsonError:
            # The stdlib accepts a few texts orjson refuses (e.g. escaped lone surrogates).
            return stdlib_decode(data)

else:  # pragma: no cover
    encode = stdlib_encode
    decode = stdlib_decode
