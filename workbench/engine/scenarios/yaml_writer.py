"""A scenario's data written back as the YAML a person writes by hand: one line per step.

The top-level keys go one per line in the order they are held; ``clients`` one client per
line; each step as ``- kind: {flow mapping}`` (``- ping`` when it has no body). Values are
written by PyYAML in flow style on one line, so quoting is PyYAML's (``'yes'``, ``'00'``,
``'{{user}}'`` stay text); text with a line break or a control character is written
double-quoted with escapes, so a step never spans lines. Comments are not kept (PyYAML reads
none): writing the data again gives the file without them.

``dump_scenario(data)`` read back by ``parsing.parse_documents`` gives ``data`` again (the
tests hold it to that).
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["dump_scenario", "flow"]

_WIDTH = 1 << 30  # never fold a line: a step is one line whatever its length


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, with line breaks in text escaped rather than folded."""


def _text(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    if any(ch in value for ch in "\n\r\t\x85\u2028\u2029") or not value.isprintable():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _text)


def flow(value: Any) -> str:
    """``value`` as one line of flow YAML: ``{as: alice, message: {type: hello}}``, ``2s``."""
    text = yaml.dump(
        [value],
        Dumper=_Dumper,
        default_flow_style=True,
        allow_unicode=True,
        width=_WIDTH,
        sort_keys=False,
    ).strip()
    return text[1:-1]  # the one item of the list, as written inside it


def dump_scenario(data: dict[str, Any]) -> str:
    """The scenario mapping ``data`` as YAML text (see the module docstring)."""
    lines: list[str] = []
    for key, value in data.items():
        name = flow(key)
        if key == "steps" and isinstance(value, list):
            lines.append(f"{name}:")
            lines.extend(f"  - {_step(step)}" for step in value)
        elif key == "clients" and isinstance(value, dict) and value:
            lines.append(f"{name}:")
            lines.extend(f"  {flow(client)}: {flow(spec)}" for client, spec in value.items())
        else:
            lines.append(f"{name}: {flow(value)}")
    return "\n".join(lines) + "\n"


def _step(step: Any) -> str:
    if isinstance(step, dict) and len(step) == 1:
        kind, body = next(iter(step.items()))
        if body is None:
            return flow(kind)
        return f"{flow(kind)}: {flow(body)}"
    return flow(step)
