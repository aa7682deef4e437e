"""One convention for sizes and counts: bytes in binary units, counts with SI prefixes, and
every view that shows a size uses the same formatter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.engine.units import format_count, format_size

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (1024**2 - 1, "1024.0 KiB"),
        (1024**2, "1.0 MiB"),
        (5 * 1024**2 + 512 * 1024, "5.5 MiB"),
        (3 * 1024**3, "3.0 GiB"),
        (12.5, "12.5 B"),  # a rate averaged over a second
        (2048.0, "2.0 KiB"),
    ],
)
def test_sizes_are_shown_in_binary_units(size: float, text: str) -> None:
    assert format_size(size) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0, "", "0"),
        (12.5, "msg/s", "12.5 msg/s"),
        (999, "", "999"),
        (1000, "", "1.0 k"),
        (1_234_567, "msg/s", "1.2 Mmsg/s"),
        (2e9, "", "2.0 G"),
    ],
)
def test_counts_take_si_prefixes(value: float, unit: str, text: str) -> None:
    assert format_count(value, unit) == text


def test_no_other_module_spells_out_a_decimal_or_binary_size_unit() -> None:
    """``kB``/``MB`` (decimal) would contradict the KiB the log shows; a ``KiB``/``MiB``
    worked out anywhere but ``units.py`` is a second formatter."""
    scale = r"(\(?1024|1e3|1000|2 ?\*\* ?[123]0)"
    pattern = re.compile(rf"\{{[^{{}}]*/ ?{scale}[^{{}}]*\}}\s*(kB|KB|MB|GB|KiB|MiB|GiB)\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "workbench").rglob("*.py"))
        if path.name != "units.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)
