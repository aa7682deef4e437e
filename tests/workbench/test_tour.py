"""``python -m workbench --tour DIR`` run as a person would (a subprocess, offscreen): it
exits 0 and leaves one real picture per view, of the tour window's size."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from workbench.widgets.tour import STEPS, TOUR_SIZE

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = [
    "log.png",
    "frames.png",
    "handshake.png",
    "conversation.png",
    "classroom.png",
    "faults.png",
    "rates.png",
]


def run_tour(directory: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        "WEBSOCKET_WORKBENCH_CONFIG_DIR": str(config),
    }
    return subprocess.run(
        [sys.executable, "-m", "workbench", "--tour", str(directory)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_tour_saves_a_picture_of_each_view(tmp_path: Path) -> None:
    assert [step.file_name for step in STEPS] == EXPECTED
    out = tmp_path / "pictures"
    result = run_tour(out, tmp_path / "config")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED)
    assert result.stdout.split() == [str(out / name) for name in EXPECTED]
    for name in EXPECTED:
        with Image.open(out / name) as image:
            assert image.size == TOUR_SIZE, name
            stat = ImageStat.Stat(image.convert("L"))
            assert stat.stddev[0] > 20, f"{name} looks blank (stddev {stat.stddev[0]:.1f})"
    # Its own scratch settings: nothing of the tour is left in the person's config folder.
    assert not (tmp_path / "config" / "workspace.json").exists()
    assert not (tmp_path / "config" / "window.ini").exists()


def test_a_tour_that_cannot_write_its_pictures_exits_1_with_the_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_tour(blocker, tmp_path / "config")
    assert result.returncode == 1
    assert "the tour failed" in result.stderr and "a file" in result.stderr
