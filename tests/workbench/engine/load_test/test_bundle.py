"""What travels from a master to its workers: a worker loads the same scenario from the
bundle alone, and a message that is not a bundle is refused in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.engine.load_test.bundle import ScenarioBundle, pack, unpack
from workbench.engine.scenarios.checking import ScenarioError
from workbench.engine.scenarios.variables import Sources

TEXT = """
vars: {path: "/{{ROOM}}"}
url: "ws://{{HOST}}:{{port}}{{path}}"
steps:
  - send: {message: {token: "{{TOKEN}}"}}
  - expect: {schema_file: ../schemas/reply.json}
"""
SCHEMA = {"type": "object", "required": ["ok"]}


def files(tmp_path: Path) -> Path:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "reply.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    (tmp_path / "tests").mkdir()
    scenario = tmp_path / "tests" / "chat.yaml"
    scenario.write_text(TEXT, encoding="utf-8")
    return scenario


def test_a_worker_loads_the_masters_scenario_from_the_bundle_alone(tmp_path: Path) -> None:
    scenario = files(tmp_path)
    sources = Sources(
        env_file={"port": 8080},
        cli={"HOST": "example.test"},
        environ={"ROOM": "lobby", "TOKEN": "t0k", "HOME": "/root", "SECRET": "kept home"},
    )
    [loaded], bundle = pack(scenario, sources)
    assert bundle.environ == {"ROOM": "lobby", "TOKEN": "t0k"}  # only the names it uses
    assert list(bundle.schemas.values()) == [json.dumps(SCHEMA)]
    message = json.loads(json.dumps(bundle.as_message()))  # plain data, as on the wire
    for path in (*bundle.schemas, str(scenario)):  # nothing is read from the disk
        Path(path).unlink()
    [again] = unpack(ScenarioBundle.from_message(message))
    assert again.clients["client"].url == "ws://example.test:8080/lobby"
    assert again.steps[1].payload.value == {"token": "t0k"}
    assert again.steps[2].spec == loaded.steps[2].spec == {"schema": SCHEMA}


def test_a_schema_the_master_did_not_send_is_a_problem_in_words(tmp_path: Path) -> None:
    scenario = files(tmp_path)
    sources = Sources(cli={"HOST": "h", "port": 1, "ROOM": "r", "TOKEN": "t"}, environ={})
    _scenarios, bundle = pack(scenario, sources)
    with pytest.raises(
        ScenarioError, match=r"cannot read the schema file .*: the master did not send it"
    ):
        unpack(ScenarioBundle(bundle.file, bundle.text, {}, {}, dict(bundle.cli), {}))


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ([1, 2], "the message is not a mapping"),
        ({"file": "a.yaml"}, "the file name or text is missing"),
        (
            {"file": "a", "text": "", "schemas": [], "env_file": {}, "cli": {}, "environ": {}},
            "schemas is not a mapping of names",
        ),
        (
            {
                "file": "a",
                "text": "",
                "schemas": {"s": 1},
                "env_file": {},
                "cli": {},
                "environ": {},
            },
            "a schema file or an environment value is not text",
        ),
    ],
)
def test_a_message_that_is_not_a_bundle_is_refused(data: object, why: str) -> None:
    with pytest.raises(ScenarioError, match=f"the scenario from the master is unusable: {why}"):
        ScenarioBundle.from_message(data)
