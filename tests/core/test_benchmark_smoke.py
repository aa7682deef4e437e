"""The core-vs-websockets and client-churn benchmarks still run end to end: servers in their
own processes, every table, cell and stack (tiny counts; the figures are not judged, only
that each server or stack produced its rows and the ratios were computed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = (
    "round trip 32 B p50 (µs)",
    "round trip 32 B p99 (µs)",
    "server CPU per round trip (µs)",
    "text stream 100 B (msg/s)",
    "JSON stream 100 B (msg/s)",
    "1 MiB echo (MB/s)",
    "server CPU per 1 MiB echo (µs)",
    "20 clients connect at once (ms)",
    "20 clients echo at once (msg/s)",
)


def run_benchmark(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Python with ``arguments`` from the repository root; it must exit with 0."""
    result = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, timeout=100, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.timeout(120)
def test_benchmark_prints_both_tables_with_every_cell() -> None:
    result = run_benchmark(
        "-m",
        "tests.benchmarks.core_vs_websockets",
        *("--quick", "--rounds", "1", "--servers", "core", "core pull", "websockets"),
    )
    lines = result.stdout.splitlines()
    headers = [line for line in lines if line.startswith("| cell |")]
    assert len(headers) == 2, result.stdout  # compression off, then deflate
    for header in headers:
        assert header.split("|")[2:-1] == [
            " core ",
            " core pull ",
            " websockets ",
            " core/ws ",
            " pull/ws ",
        ], header
    for row in ROWS:
        found = [line for line in lines if line.startswith(f"| {row} |")]
        assert len(found) == 2, (row, result.stdout)
        for line in found:
            cells = [cell.strip() for cell in line.split("|")[2:-1]]
            medians, ratios = cells[:3], cells[3:]
            assert all(float(m.split()[0].replace(",", "")) > 0 for m in medians), line
            assert all(float(r) > 0 for r in ratios), line


def core_and_websockets_rows(table: str) -> dict[str, list[str]]:
    """The cells of a printed table's ``core`` and ``websockets`` rows; both must be there."""
    rows = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
        for line in table.splitlines()
        if line.startswith(("| core |", "| websockets |"))
    }
    assert set(rows) == {"core", "websockets"}, table
    return rows


@pytest.mark.timeout(120)
def test_client_churn_benchmark_prints_a_row_per_stack() -> None:
    result = run_benchmark(
        "tests/benchmarks/client_churn.py",
        *("--clients", "40", "--concurrency", "10", "--rounds", "1"),
    )
    rows = core_and_websockets_rows(result.stdout)
    for cpu, gc_time, freed, ratio in rows.values():
        assert float(cpu.split()[0].replace(",", "")) > 0
        assert float(gc_time.split()[0].replace(",", "")) >= 0
        assert float(freed.split()[0].replace(",", "")) >= 0
        assert float(ratio) > 0
    assert rows["websockets"][3] == "1.00"


@pytest.mark.timeout(120)
def test_connect_instructions_benchmark_counts_each_server() -> None:
    result = run_benchmark(
        "tests/benchmarks/connect_instructions.py",
        *("--clients", "10", "--batches", "1", "--rounds", "1", "--kinds", "core", "websockets"),
    )
    rows = core_and_websockets_rows(result.stdout)
    for instructions, ratio in rows.values():
        assert float(instructions.split()[0].replace(",", "")) > 100_000  # a handshake at least
        assert float(ratio) > 0
    assert rows["websockets"][1] == "1.000"
