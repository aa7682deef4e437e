"""The style sheet and icons are found both in a source checkout and when installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_every_package_and_the_resources_are_installed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(config["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("core", "workbench")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk | {"workbench.resources"} == listed  # a new package must be listed
    assert config["setuptools"]["package-dir"] == {"workbench.resources": "resources"}
    patterns = config["setuptools"]["package-data"]["workbench.resources"]
    shipped = {p.relative_to(ROOT / "resources") for p in (ROOT / "resources").rglob("*")}
    assert Path("style.qss") in shipped and Path("icons/workbench.png") in shipped
    assert Path("student_page.html") in shipped
    assert all(
        any(path.match(pattern) for pattern in patterns)
        for path in shipped
        if path.suffix in (".qss", ".html", ".png", ".json", ".txt")
    )


def test_an_installed_layout_finds_its_packaged_resources(tmp_path: Path) -> None:
    """As pip lays it out: workbench/resources beside workbench/widgets, no top-level copy."""
    site = tmp_path / "site-packages"
    (site / "workbench" / "widgets" / "common").mkdir(parents=True)
    for init in (
        "workbench/__init__.py",
        "workbench/widgets/__init__.py",
        "workbench/widgets/common/__init__.py",
    ):
        (site / init).write_text("", encoding="utf-8")
    shutil.copy(
        ROOT / "workbench/widgets/common/resources.py",
        site / "workbench/widgets/common/resources.py",
    )
    shutil.copytree(ROOT / "resources", site / "workbench" / "resources")
    script = (
        "from workbench.widgets.common.resources import RESOURCES, resource_path, style_sheet\n"
        "print(RESOURCES)\nprint(len(style_sheet()) > 0, resource_path('icons', 'workbench.png').is_file())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert out == [str(site / "workbench" / "resources"), "True True"]
