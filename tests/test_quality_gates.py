"""The quality gates, each as a test so that the README's test command (and CI) runs them:
lint and format (ruff), strict typing of core and the whole workbench (mypy), and the layer
contracts in pyproject.toml (import-linter). Each runs the tool in a subprocess from the
repository root with this interpreter, and fails with the tool's own report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

GATES = {
    "ruff check": ["-m", "ruff", "check", "."],
    "ruff format": ["-m", "ruff", "format", "--check", "."],
    "mypy strict": ["-m", "mypy", "--strict", "core", "workbench"],
    # import-linter has no ``python -m`` entry point; this is what its lint-imports script runs.
    "lint-imports": ["-c", "from importlinter.cli import lint_imports_command as c; c()"],
}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("gate", list(GATES))
def test_quality_gate(gate: str) -> None:
    result = subprocess.run(
        [sys.executable, *GATES[gate]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, f"{gate} failed:\n{result.stdout}\n{result.stderr}"
