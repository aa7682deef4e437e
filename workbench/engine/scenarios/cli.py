"""``websocket-workbench run FILE...`` and ``websocket-workbench export FILE``: no Qt needed.

``run``: every file is loaded and checked first; if any is invalid, nothing connects and the
exit code is 2. Then each scenario runs in turn, its steps printed as they end. Exit codes:
0 every scenario passed, 1 a step failed, 2 a file is invalid or the run could not start
(an unreadable ``--env`` file, a ``--var`` that is not ``name=value``, a report path in a
folder that does not exist); 130 when interrupted (Ctrl+C closes the connections first).
``--junit`` / ``--json`` are written in every case but a bad command line.

``export``: the scenarios of a file as one pytest file (``-o OUT.py``, else on stdout).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from workbench.engine.private_files import write_private

from .checking import ScenarioError
from .console import ConsoleReport
from .export_pytest import ExportError, export_pytest
from .loading import load_file
from .model import Scenario
from .report_files import json_report, junit_xml
from .results import FileOutcome
from .runner import ScenarioRunner
from .variables import Sources, VariableError, parse_assignments, read_env_file

__all__ = ["EXIT_FAILED", "EXIT_INVALID", "EXIT_PASSED", "main"]

EXIT_PASSED, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="websocket-workbench",
        description="Run scenario files headless, or export them as pytest files.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="run scenario files",
        description="Exit codes: 0 all passed, 1 a step failed, 2 invalid file or could not start.",
    )
    run.add_argument("files", nargs="+", metavar="FILE", help="scenario files (.yaml or .json)")
    _variable_options(run)
    run.add_argument("--junit", metavar="OUT.xml", help="write a JUnit XML report")
    run.add_argument("--json", metavar="OUT.json", help="write a JSON report")
    run.add_argument(
        "--timeout", type=float, metavar="S", help="seconds each scenario may take in all"
    )
    export = commands.add_parser("export", help="write a scenario file as a pytest file")
    export.add_argument("file", metavar="FILE")
    export.add_argument("-o", "--output", metavar="OUT.py", help="where to write (else stdout)")
    _variable_options(export)
    return parser


def _variable_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable (wins over --env, the environment and the file's vars)",
    )
    parser.add_argument("--env", metavar="FILE", help="variables from a YAML or .env file")


def main(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command in ``argv`` (``['run', 'a.yaml', ...]``); the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    for stream in (out, err):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # a console that cannot show ✓ gets an escape instead
            reconfigure(errors="backslashreplace")
    options = _parser().parse_args(list(argv))
    try:
        sources = Sources(
            env_file=read_env_file(options.env) if options.env else {},
            cli=parse_assignments(options.var),
        )
    except VariableError as exc:
        print(f"websocket-workbench {options.command}: {exc}", file=err)
        return EXIT_INVALID
    if options.command == "export":
        return _export(options, sources, out, err)
    return _run(options, sources, out, err)


def _run(options: argparse.Namespace, sources: Sources, out: TextIO, err: TextIO) -> int:
    if options.timeout is not None and not options.timeout > 0:
        print("websocket-workbench run: --timeout must be more than 0 seconds", file=err)
        return EXIT_INVALID
    for report in (options.junit, options.json):
        if report and not Path(report).resolve().parent.is_dir():
            print(f"websocket-workbench run: cannot write {report}: no such folder", file=err)
            return EXIT_INVALID
    console = ConsoleReport(out)
    outcomes: list[FileOutcome] = []
    loaded: list[tuple[FileOutcome, list[Scenario]]] = []
    for file in options.files:
        outcome = FileOutcome(file)
        outcomes.append(outcome)
        try:
            loaded.append((outcome, load_file(file, sources)))
        except ScenarioError as exc:
            outcome.problems = exc.problems
            console.invalid(file, exc)
    started = time.monotonic()
    if any(o.problems for o in outcomes):
        console.write("nothing was run: fix the files above first")
        code = EXIT_INVALID
    else:
        try:
            asyncio.run(_run_all(loaded, console, options.timeout))
        except KeyboardInterrupt:
            console.write("interrupted: the connections were closed")
            code = EXIT_INTERRUPTED
        else:
            passed = all(r.status == "passed" for o in outcomes for r in o.results)
            code = EXIT_PASSED if passed else EXIT_FAILED
        console.summary(outcomes, time.monotonic() - started)
    try:
        if options.junit:
            write_private(options.junit, junit_xml(outcomes))
        if options.json:
            text = json.dumps(json_report(outcomes), ensure_ascii=False, indent=2)
            write_private(options.json, text + "\n")
    except OSError as exc:
        print(f"websocket-workbench run: cannot write a report: {exc}", file=err)
        return EXIT_INVALID
    return code


async def _run_all(
    loaded: list[tuple[FileOutcome, list[Scenario]]],
    console: ConsoleReport,
    timeout: float | None,
) -> None:
    for outcome, scenarios in loaded:
        for scenario in scenarios:
            console.scenario_started(outcome.file, scenario.name)
            runner = ScenarioRunner(scenario, console.on_event, timeout=timeout)
            outcome.results.append(runner.result)
            await runner.run()
            console.scenario_done(runner.result)


def _export(options: argparse.Namespace, sources: Sources, out: TextIO, err: TextIO) -> int:
    try:
        scenarios = load_file(options.file, sources)
        text = export_pytest(scenarios, Path(options.file).name)
    except ScenarioError as exc:
        print(f"websocket-workbench export: {options.file} is not valid:\n{exc}", file=err)
        return EXIT_INVALID
    except ExportError as exc:
        print(f"websocket-workbench export: {exc}", file=err)
        return EXIT_INVALID
    if options.output:
        try:
            write_private(options.output, text)
        except OSError as exc:
            print(f"websocket-workbench export: cannot write {options.output}: {exc}", file=err)
            return EXIT_INVALID
    else:
        out.write(text)
    return EXIT_PASSED
