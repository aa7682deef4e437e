"""The custom item-data roles live in ``workbench.qt.roles``, one value per meaning."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from workbench.qt import roles

ROOT = Path(__file__).resolve().parents[3]


def test_every_role_has_its_own_value_above_user_role() -> None:
    values = {name: getattr(roles, name) for name in roles.__all__}
    assert all(name.endswith("_ROLE") for name in values)
    assert len(set(values.values())) == len(values), values
    assert min(values.values()) > int(Qt.ItemDataRole.UserRole)


def test_no_other_module_makes_a_role() -> None:
    """A role made elsewhere could take a value another model already uses (there were two
    ``SOCKET_ID_ROLE``s, +10 and +20, and a log and a frame role both at +1)."""
    makers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "workbench").rglob("*.py"))
        if path.name != "roles.py" and "UserRole" in path.read_text(encoding="utf-8")
    ]
    assert makers == []
