"""The rows both fault labs show (the server page's and the relay's): one button per fault of
a table (``workbench.engine.faults.catalog.FaultSpec``s) beside an editor per parameter."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QSpinBox

from workbench.engine.faults.catalog import FaultSpec
from workbench.widgets.common.wheel_guard import GuardedSpinBox

__all__ = ["FaultGrid", "parameter_values"]

Editors = dict[str, QSpinBox | QLineEdit]


class FaultGrid(QGridLayout):
    """``FaultGrid(specs, apply, prefix)``: a button per spec that calls ``apply(name)``, its
    parameters' editors beside it. ``buttons`` (fault name -> button) and ``editors`` (fault
    name -> parameter name -> editor) are public for tests and the keyboard path; object names
    start with ``prefix``."""

    def __init__(
        self, specs: Sequence[FaultSpec], apply: Callable[[str], object], prefix: str
    ) -> None:
        super().__init__()
        self.setHorizontalSpacing(6)
        self.setVerticalSpacing(3)
        self.buttons: dict[str, QPushButton] = {}
        self.editors: dict[str, Editors] = {}
        for row, spec in enumerate(specs):
            button = QPushButton(spec.label)
            button.setObjectName(f"{prefix}{spec.name}")
            button.setToolTip(spec.help)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, name=spec.name: apply(name))
            self.buttons[spec.name] = button
            self.addWidget(button, row, 0)
            editors = self.editors[spec.name] = _editors_for(spec, prefix)
            for column, (parameter, editor) in enumerate(
                zip(spec.parameters, editors.values(), strict=True)
            ):
                if isinstance(editor, QSpinBox):
                    editor.setPrefix(f"{parameter.label} ")
                else:
                    editor.setPlaceholderText(parameter.label)
                editor.setToolTip(f"{parameter.label} — {spec.help}")
                self.addWidget(editor, row, 1 + column, 1, 1 if len(editors) > 1 else 2)
        self.setColumnStretch(1, 1)
        self.setColumnStretch(2, 1)


def parameter_values(editors: Editors) -> dict[str, Any]:
    """What the person set in ``editors`` (one fault's), by parameter name."""
    return {
        key: editor.value() if isinstance(editor, QSpinBox) else editor.text()
        for key, editor in editors.items()
    }


def _editors_for(spec: FaultSpec, prefix: str) -> Editors:
    editors: Editors = {}
    for parameter in spec.parameters:
        editor: QSpinBox | QLineEdit
        if parameter.text:
            editor = QLineEdit(str(parameter.default))
        else:
            editor = GuardedSpinBox()
            editor.setRange(parameter.minimum, parameter.maximum)
            editor.setValue(int(parameter.default))
            editor.setGroupSeparatorShown(parameter.maximum > 100_000)  # not in codes
        editor.setObjectName(f"{prefix}{spec.name}_{parameter.name}")
        editors[parameter.name] = editor
    return editors
