"""Autobahn|Testsuite, quick subset (all but 12.*/13.*), both roles: core FAILS nothing beyond
the allow-list, and every allow-listed case FAILS in plain ``websockets`` too.

The script runs in a subprocess: it must raise ``WEBSOCKETS_MAX_FRAGMENTS`` before
``websockets`` is imported, which this pytest process has already done. The full runs are
``tests/conformance/autobahn.py --role both --full`` (see the script's docstring).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.autobahn import ALLOWED_FAILURES, PASSING, PASSING_CLOSE

SCRIPT = Path(__file__).with_name("autobahn.py")
ROOT = SCRIPT.parents[2]
#: Autobahn's 517 cases less the 90 of 12.* and the 126 of 13.*.
QUICK_CASES = 301


def run_autobahn(tmp_path: Path, *args: str, timeout: float) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "autobahn.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    log = done.stdout + done.stderr
    assert out.exists(), f"the script wrote no report:\n{log}"
    return done.returncode, json.loads(out.read_text()), log


def failing(run: dict[str, Any]) -> dict[str, str]:
    """Case id -> 'behavior/behavior_close' for every case that did not pass."""
    return {
        row["case"]: f"{row['behavior']}/{row['behavior_close']}"
        for row in run["not_ok"]
        if row["behavior"] not in PASSING or row["behavior_close"] not in PASSING_CLOSE
    }


@pytest.mark.timeout(150)
def test_core_passes_the_quick_subset_in_both_roles(tmp_path: Path) -> None:
    status, report, log = run_autobahn(
        tmp_path, "--role", "both", "--impl", "core", "--concurrency", "4", timeout=140
    )
    for role in ("server", "client"):
        run = report["runs"][f"{role}/core"]
        assert run["total"] == QUICK_CASES, log
        assert failing(run) == {case: "FAILED/WRONG CODE" for case in ALLOWED_FAILURES}, log
        assert run["counts"]["behavior"].get("FAILED", 0) == len(ALLOWED_FAILURES), log
        assert run["problems"] == [], log
    assert status == 0, log


@pytest.mark.timeout(60)
def test_every_allowed_failure_fails_in_plain_websockets_too(tmp_path: Path) -> None:
    status, report, log = run_autobahn(
        tmp_path, "--role", "both", "--impl", "both", "--cases", *ALLOWED_FAILURES, timeout=50
    )
    for role in ("server", "client"):
        for impl in ("core", "websockets"):
            run = report["runs"][f"{role}/{impl}"]
            assert run["total"] == len(ALLOWED_FAILURES), log
            assert failing(run) == {case: "FAILED/WRONG CODE" for case in ALLOWED_FAILURES}, (
                role,
                impl,
                log,
            )
    assert status == 0, log
