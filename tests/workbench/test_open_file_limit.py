"""The application raises its soft open-file limit to the hard limit at start (issue 17, A2):
checked in a child process started with a low soft limit, as a desktop session gives one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

resource = pytest.importorskip("resource")  # no such limit on Windows

ROOT = Path(__file__).resolve().parents[2]
LOW = 256

# What ``python -m workbench`` does up to the window: build the application, then report.
CHILD = """
import json, resource
from workbench.__main__ import _application
before = resource.getrlimit(resource.RLIMIT_NOFILE)
app, loop, service = _application(["workbench"])
print(json.dumps({"before": before, "after": resource.getrlimit(resource.RLIMIT_NOFILE)}))
"""


def test_the_application_raises_its_soft_open_file_limit_to_the_hard_one(tmp_path) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= LOW:
        pytest.skip(f"the hard limit ({hard}) leaves nothing to raise")

    def lower_the_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (LOW, hard))

    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "WEBSOCKET_WORKBENCH_CONFIG_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lower_the_soft_limit,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    limits = json.loads(result.stdout.strip().splitlines()[-1])
    assert limits["before"] == [LOW, hard]
    expected = hard if hard != resource.RLIM_INFINITY else limits["after"][0]
    assert limits["after"] == [expected, hard] and expected > LOW
