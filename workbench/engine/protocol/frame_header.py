"""A WebSocket frame header (RFC 6455 section 5.2) rebuilt bit by bit from a frame's fields.

``core.Frame`` carries what the header said (FIN, RSV1, opcode, MASK, payload length), not
its bytes, so the header is rebuilt here. Exact for every field websockets exposes: RSV2 and
RSV3 are always 0 in a frame it accepts, and the masking key is never known because
websockets neither exposes it nor keeps it (a client draws a fresh random key per frame).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "OPCODES",
    "HeaderField",
    "decode_header",
    "header_bytes",
    "header_length",
    "length_encoding",
]

#: Opcode name -> (value, one line of meaning that ends with its RFC 6455 section).
OPCODES: Final[dict[str, tuple[int, str]]] = {
    "continuation": (0x0, "continues the message a previous non-FIN frame started (§5.4)"),
    "text": (0x1, "a text message (UTF-8), or its first fragment (§5.6)"),
    "binary": (0x2, "a binary message, or its first fragment (§5.6)"),
    "close": (0x8, "starts or answers the closing handshake; may carry a code and reason (§5.5.1)"),
    "ping": (0x9, "asks the peer for a pong with the same payload (§5.5.2)"),
    "pong": (0xA, "answers a ping, or is an unsolicited heartbeat (§5.5.3)"),
}


@dataclass(frozen=True, slots=True)
class HeaderField:
    """One field of the header: ``bits`` as written on the wire ("1", "0001", ...),
    ``value`` what they say, ``meaning`` one line for a reader."""

    name: str
    bits: str
    value: str
    meaning: str


def length_encoding(length: int) -> tuple[int, int]:
    """``(seven_bit_value, extended_bytes)`` for a payload of ``length`` bytes: lengths up
    to 125 fit the 7 bits, up to 65,535 take 126 plus 16 bits, more take 127 plus 64 bits."""
    if length < 0 or length >= 1 << 63:
        raise ValueError(f"payload length out of range: {length}")
    if length <= 125:
        return length, 0
    if length <= 0xFFFF:
        return 126, 2
    return 127, 8


def header_length(masked: bool, length: int) -> int:
    """Bytes of the header on the wire: 2, the extended length, the 4-byte masking key."""
    return 2 + length_encoding(length)[1] + (4 if masked else 0)


def header_bytes(fin: bool, rsv1: bool, opcode: str, masked: bool, length: int) -> bytes:
    """The header's bytes up to (not including) the masking key, which is not known."""
    seven, extended = length_encoding(length)
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | OPCODES[opcode][0]
    second = (0x80 if masked else 0) | seven
    return bytes((first, second)) + (length.to_bytes(extended, "big") if extended else b"")


def decode_header(
    fin: bool, rsv1: bool, opcode: str, masked: bool, length: int
) -> list[HeaderField]:
    """Every field of the header in wire order, each with its bits and its meaning."""
    code, opcode_meaning = OPCODES[opcode]
    seven, extended = length_encoding(length)
    fields = [
        HeaderField(
            "FIN",
            "1" if fin else "0",
            "final" if fin else "more to come",
            "the last frame of its message"
            if fin
            else "the message continues in the next data frame",
        ),
        HeaderField(
            "RSV1",
            "1" if rsv1 else "0",
            "compressed" if rsv1 else "not compressed",
            "set on a message's first frame when permessage-deflate compressed it (RFC 7692)"
            if rsv1
            else "no extension uses it on this frame",
        ),
        HeaderField("RSV2", "0", "0", "reserved for extensions; none is negotiated, so 0"),
        HeaderField("RSV3", "0", "0", "reserved for extensions; none is negotiated, so 0"),
        HeaderField("Opcode", f"{code:04b}", f"0x{code:X} {opcode}", opcode_meaning),
        HeaderField(
            "MASK",
            "1" if masked else "0",
            "masked" if masked else "not masked",
            "client-to-server frames are masked with a 4-byte key (§5.3)"
            if masked
            else "server-to-client frames are never masked (§5.1)",
        ),
    ]
    if extended == 0:
        fields.append(
            HeaderField(
                "Payload length",
                f"{seven:07b}",
                f"{length}",
                "7 bits hold lengths 0-125 directly",
            )
        )
    else:
        bits = extended * 8
        fields.append(
            HeaderField(
                "Payload length",
                f"{seven:07b}",
                f"{seven}: a {bits}-bit length follows",
                "126 means a 16-bit length follows, 127 a 64-bit one (§5.2)",
            )
        )
        fields.append(
            HeaderField(
                f"Extended length ({bits} bits)",
                f"{length:0{bits}b}",
                f"{length:,}",
                f"the payload length, big-endian (network byte order), in {extended} bytes",
            )
        )
    if masked:
        fields.append(
            HeaderField(
                "Masking key",
                "?" * 32,
                "not known",
                "32 random bits chosen per frame; websockets does not expose them",
            )
        )
    return fields
