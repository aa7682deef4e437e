"""``websocket-workbench run``: exit codes, output, JUnit and JSON files, bad input.

Every run here is a subprocess in which PySide6, shiboken6, qasync and pyqtgraph cannot be
imported (a meta-path finder refuses them), so each test also shows that ``run`` needs no Qt.
The servers run in the test's own loop; the bad-input runs point at a bare TCP listener that
counts connections, and it must count none.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import xmlschema

from tests.workbench.engine.scenarios.servers import chat_server, echo_server, tcp_listener
from tests.workbench.engine.scenarios.test_runner import CHAT

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[4]
JUNIT_XSD = xmlschema.XMLSchema(Path(__file__).with_name("junit.xsd"))
WITHOUT_QT = """
import sys

class NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("PySide6", "shiboken6", "qasync", "pyqtgraph"):
            raise ImportError(f"{name} is blocked: the run command must not load Qt")
        return None

sys.meta_path.insert(0, NoQt())
from workbench.__main__ import main
code = main(["websocket-workbench", *sys.argv[1:]])
assert not [m for m in sys.modules if m.startswith(("PySide6", "qasync"))]
sys.exit(code)
"""


async def cli(
    *args: str, env: dict[str, str] | None = None, qt: bool = False
) -> tuple[int, str, str]:
    """Run the command line (without Qt unless ``qt``) in a subprocess: (rc, stdout, stderr)."""
    command = ["-m", "workbench"] if qt else ["-c", WITHOUT_QT]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        *args,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


ECHO = """name: echo {n}
url: "ws://127.0.0.1:{{{{port}}}}/"
options: {{receive_type: "*/*"}}
steps:
  - send: {{text: hi}}
  - expect: {{text: hi}}
"""


async def test_passing_files_exit_0_with_a_line_per_step_and_valid_reports(tmp_path: Path) -> None:
    (tmp_path / "chat.yaml").write_text(CHAT)
    (tmp_path / "echo.yaml").write_text(ECHO.format(n=1) + "---\n" + ECHO.format(n=2))
    junit, report = tmp_path / "out.xml", tmp_path / "out.json"
    (tmp_path / "t.env").write_text("user=alice\n")
    async with chat_server() as (chat, _), echo_server() as echo:
        rc, out, err = await cli(
            "run",
            str(tmp_path / "chat.yaml"),
            "--var",
            f"port={chat.port}",
            "--env",
            str(tmp_path / "t.env"),
            "--junit",
            str(junit),
            "--json",
            str(report),
            env={"TOKEN": "t0k"},
        )
        rc2, out2, _ = await cli("run", str(tmp_path / "echo.yaml"), "--var", f"port={echo.port}")
    assert (rc, err) == (0, ""), out
    assert '✓ expect as bob: match {"type":"said","text":"hi"}' in out
    assert "✓ chat says welcome: passed in" in out
    assert out.strip().splitlines()[-1].startswith("1 scenario: 1 passed in")
    assert rc2 == 0 and "2 scenarios: 2 passed in" in out2 and "echo 2: passed" in out2
    JUNIT_XSD.validate(str(junit))
    suites = JUNIT_XSD.to_dict(str(junit))
    assert suites["@tests"] == 1 and suites["@failures"] == 0
    data = json.loads(report.read_text())
    assert data["passed"] is True
    assert [s["status"] for s in data["files"][0]["scenarios"][0]["steps"]] == ["passed"] * 12


async def test_a_failed_step_exits_1_and_shows_expected_received_diff_and_skipped(
    tmp_path: Path,
) -> None:
    (tmp_path / "chat.yaml").write_text(CHAT.replace("text: hi}}\n", "text: hi}, within: 300ms}\n"))
    junit = tmp_path / "out.xml"
    async with chat_server(broken=True) as (chat, _):
        rc, out, err = await cli(
            "run",
            str(tmp_path / "chat.yaml"),
            "--var",
            f"port={chat.port}",
            "--junit",
            str(junit),
            env={"TOKEN": "x"},
        )
    assert rc == 1, out + err
    lines = out.splitlines()
    failure = next(i for i, line in enumerate(lines) if line.startswith("  ✗ "))
    assert lines[failure].startswith('  ✗ expect as bob: match {"type":"said","text":"hi"}')
    assert lines[failure + 1].startswith(
        "      no matching message within 300 ms; 1 other message arrived  [step 6, "
    )
    assert lines[failure + 2 : failure + 5] == [
        '      expected: match {"type":"said","text":"hi"}',
        '      received: {"type":"sad","user":"alice","text":"hi"}',
        '        match at $.type: expected "said", received "sad"',
    ]
    assert '      -  "type": "said"' in lines and '      +  "type": "sad"' in lines
    assert "      skipped while waiting (1):" in lines
    assert "  - 6 more steps not run" in lines
    JUNIT_XSD.validate(str(junit))
    case = JUNIT_XSD.to_dict(str(junit))["testsuite"][0]["testcase"][0]
    assert case["@name"] == "chat says welcome"
    assert case["failure"][0]["@message"].startswith(
        'step 6 (expect as bob: match {"type":"said","text":"hi"}): no matching'
    )
    assert '+  "type": "sad"' in case["failure"][0]["$"]


BAD = {
    "malformed YAML": (
        "steps: [open",
        "not valid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    "unknown step kind": (
        "steps:\n  - sned: {text: x}",
        "3:5: unknown step kind 'sned'; did you mean 'send'?",
    ),
    "unknown key": (
        "steps:\n  - expect: {mtach: {a: 1}}",
        "3:14: unknown key 'mtach' in expect; did you mean 'match'?",
    ),
    "unknown client": (
        "steps:\n  - expect: {as: bobb}",
        "3:18: there is no client 'bobb'; use one of: client",
    ),
    "regex": (
        "steps:\n  - expect: {text: /a(/}",
        "3:20: the regex '/a(/' does not compile: missing ), unterminated subpattern",
    ),
    "schema": (
        "steps:\n  - expect: {schema: {type: 7}}",
        "3:29: the schema is not a valid JSON Schema: 7 is not valid under any of the given schemas",
    ),
    "duration": (
        "steps:\n  - ping: {within: 5 sec}",
        "3:20: '5 sec' is not a duration; write it as 500ms or 2s",
    ),
    "bare number": (
        "steps:\n  - sleep: 100",
        "3:12: sleep: 100 has no unit; write 100ms or 100s",
    ),
    "variable": (
        "steps:\n  - send: {text: '{{who}}'}",
        "3:18: the variable {{who}} is not given: add it to vars, an --env file, --var who=…",
    ),
    "close code": ("steps:\n  - close: {code: 1006}", "3:19: close code 1006 cannot be sent"),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_bad_input_exits_2_with_its_place_and_connects_to_nothing(
    tmp_path: Path, case: str
) -> None:
    text, said = BAD[case]
    async with tcp_listener() as (port, accepted):
        good = tmp_path / "good.yaml"
        good.write_text(f"url: ws://127.0.0.1:{port}/\nsteps:\n  - ping\n")
        bad = tmp_path / "bad.yaml"
        bad.write_text(f"url: ws://127.0.0.1:{port}/\n{text}\n")
        rc, out, err = await cli("run", str(good), str(bad), "--junit", str(tmp_path / "out.xml"))
        await asyncio.sleep(0)  # a connection made would have been accepted by now
    assert rc == 2, out + err
    assert f"{bad}:" in out and said in out, out
    assert "nothing was run: fix the files above first" in out
    assert accepted == []
    JUNIT_XSD.validate(str(tmp_path / "out.xml"))
    assert JUNIT_XSD.to_dict(str(tmp_path / "out.xml"))["@errors"] == 1


async def test_a_run_that_cannot_start_exits_2(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("url: ws://127.0.0.1:9/\nsteps: [ping]\n")
    assert (await cli("run", str(scenario), "--var", "novalue"))[0] == 2
    assert (await cli("run", str(scenario), "--env", str(tmp_path / "missing.env")))[0] == 2
    assert (await cli("run", str(scenario), "--junit", str(tmp_path / "no" / "out.xml")))[0] == 2
    rc, out, _ = await cli("run", str(tmp_path / "missing.yaml"))
    assert rc == 2 and "cannot read the file" in out
    rc, _, err = await cli("run")
    assert rc == 2 and "FILE" in err


async def test_variables_come_from_vars_env_file_environment_and_var_in_that_order(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "vars: {a: file, b: file, c: file, D: file, E: file}\n"
        'url: "ws://127.0.0.1:{{port}}/"\noptions: {receive_type: "*/*"}\n'
        "steps:\n  - send: {text: '{{a}} {{b}} {{c}} {{D}} {{E}}'}\n"
        "  - expect: {text: file env-file env-file environment var}\n"
    )
    (tmp_path / "vars.env").write_text(
        "# comment\nb=env-file\nexport c='env-file'\nD=env-file\nE=env-file\n"
    )
    async with echo_server() as echo:
        rc, out, _ = await cli(
            "run",
            str(scenario),
            "--env",
            str(tmp_path / "vars.env"),
            "--var",
            f"port={echo.port}",
            "--var",
            "E=var",
            env={"D": "environment", "E": "environment", "c": "lower-case is not read"},
        )
    assert rc == 0, out


async def test_python_m_workbench_run_is_the_same_command(tmp_path: Path) -> None:
    (tmp_path / "echo.yaml").write_text(ECHO.format(n=1))
    async with echo_server() as echo:
        rc, out, _ = await cli(
            "run", str(tmp_path / "echo.yaml"), "--var", f"port={echo.port}", qt=True
        )
    assert rc == 0 and "✓ echo 1: passed in" in out
