"""The core-vs-websockets benchmark still runs end to end on every side it finds (tiny counts;
the figures are not judged, only that each side produced its rows)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
def test_benchmark_prints_a_row_per_workload_for_each_side() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.core_vs_websockets",
            *("--quick", "--rounds", "1", "--only", "stream", "echo"),
        ],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("workload"))
    sides = [side for side in ("core", "raw", "core uvloop", "node ws") if side in header]
    assert sides[:2] == ["core", "raw"], header
    for row in ("text stream 100 B (msg/s)", "echo 32 B p50 (µs)", "echo 32 B p99 (µs)"):
        [line] = [line for line in lines if line.startswith(row)]
        cells = line[len(row) :].split()
        # one median per side, then the ratios core/raw (and uvloop/node when both ran)
        assert len(cells) == len(sides) + 1 + ("node ws" in sides and "core uvloop" in sides)
        assert all(float(cell) > 0 for cell in cells), line
