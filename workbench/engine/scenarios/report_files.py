"""The run as files for CI: JUnit XML and a JSON report.

JUnit: one ``<testsuite>`` per file, one ``<testcase>`` per scenario; a failed scenario has
one ``<failure>`` naming the step, with what was expected, what arrived, the diff and the
skipped messages in its text, and every step's line in ``<system-out>``. A file that could
not run is one ``<testcase>`` with an ``<error>`` listing its problems. GitLab, Jenkins and
GitHub's JUnit reporters read this shape (tests check it against the common JUnit XSD).
Characters XML 1.0 cannot carry are replaced, never written.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .diffs import shown
from .durations import format_duration
from .results import FileOutcome, ScenarioResult, StepResult

__all__ = ["json_report", "junit_xml"]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def junit_xml(outcomes: list[FileOutcome]) -> bytes:
    """The JUnit XML document of a run."""
    root = ET.Element("testsuites", name="websocket-workbench scenarios")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    time = 0.0
    host = socket.gethostname()
    for index, outcome in enumerate(outcomes):
        suite_time = sum(r.elapsed for r in outcome.results)
        failures = sum(r.status != "passed" for r in outcome.results)
        errors = 1 if outcome.problems else 0
        tests = len(outcome.results) + errors
        started = outcome.results[0].started if outcome.results else None
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_text(outcome.file),
            tests=str(tests),
            failures=str(failures),
            errors=str(errors),
            skipped="0",
            time=f"{suite_time:.3f}",
            id=str(index),
            hostname=_text(host),
            package=_classname(outcome.file),
        )
        if started is not None:
            suite.set("timestamp", started.strftime("%Y-%m-%dT%H:%M:%S"))
        if outcome.problems:
            case = ET.SubElement(
                suite,
                "testcase",
                name=_text(f"{outcome.file} (invalid file)"),
                classname=_classname(outcome.file),
                time="0",
            )
            error = ET.SubElement(
                case, "error", message=_text(str(outcome.problems[0])), type="invalid file"
            )
            error.text = _text("\n".join(str(p) for p in outcome.problems))
        for result in outcome.results:
            _testcase(suite, outcome.file, result)
        totals["tests"] += tests
        totals["failures"] += failures
        totals["errors"] += errors
        time += suite_time
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{time:.3f}")
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _testcase(suite: ET.Element, file: str, result: ScenarioResult) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=_text(result.scenario.name),
        classname=_classname(file),
        time=f"{result.elapsed:.3f}",
    )
    failure = result.failure
    if failure is not None:
        element = ET.SubElement(
            case,
            "failure",
            message=_text(f"step {failure.step.number} ({failure.label}): {failure.message}"),
            type=failure.step.kind,
        )
        element.text = _text("\n".join(_failure_lines(failure)))
    out = ET.SubElement(case, "system-out")
    out.text = _text("\n".join(_step_line(r) for r in result.steps))


def _failure_lines(result: StepResult) -> list[str]:
    lines = [f"{result.step.location}: {result.label}", result.message]
    if result.expected:
        lines.append(f"expected: {result.expected}")
    if result.received:
        lines.append(f"received: {result.received}")
    lines.extend(result.mismatches)
    lines.extend(result.diff)
    if result.skipped:
        lines.append(f"skipped while waiting ({result.skipped_count}):")
        lines.extend(f"  {item}" for item in result.skipped)
    return lines


def _step_line(result: StepResult) -> str:
    return f"{result.status:>7} {format_duration(result.elapsed):>9}  {result.label}"


def json_report(outcomes: list[FileOutcome]) -> dict[str, Any]:
    """The run as JSON-ready data: every file, scenario and step with its outcome."""
    results = [r for o in outcomes for r in o.results]
    return {
        "passed": all(r.status == "passed" for r in results)
        and not any(o.problems for o in outcomes),
        "scenarios": len(results),
        "failed": sum(r.status != "passed" for r in results),
        "files": [
            {
                "file": outcome.file,
                "problems": [str(p) for p in outcome.problems],
                "scenarios": [_scenario(r) for r in outcome.results],
            }
            for outcome in outcomes
        ],
    }


def _scenario(result: ScenarioResult) -> dict[str, Any]:
    return {
        "name": result.scenario.name,
        "location": str(result.scenario.location),
        "status": result.status,
        "time": round(result.elapsed, 6),
        "started": result.started.isoformat(),
        "steps": [
            {
                "number": r.step.number,
                "kind": r.step.kind,
                "client": r.step.client,
                "label": r.label,
                "location": str(r.step.location),
                "status": r.status,
                "time": round(r.elapsed, 6),
                "message": r.message,
                "expected": r.expected,
                "received": r.received,
                "mismatches": r.mismatches,
                "diff": r.diff,
                "skipped": r.skipped,
                "skipped_count": r.skipped_count,
                "saved": shown(r.saved),
            }
            for r in result.steps
        ],
    }


def _classname(file: str) -> str:
    return _text(Path(file).stem.replace(".", "_"))


def _text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
