"""Loading scenario files: shapes, variables and every bad input, with its place (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine.scenarios.checking import ScenarioError
from workbench.engine.scenarios.durations import DurationError, format_duration, parse_duration
from workbench.engine.scenarios.loading import load_file, load_text
from workbench.engine.scenarios.model import Expect, Open, Send
from workbench.engine.scenarios.variables import Sources, read_env_file

TWO = """
clients:
  alice: {url: "ws://127.0.0.1:1/"}
  bob: {url: "ws://127.0.0.1:1/"}
steps:
"""


def problems(text: str, file: str = "s.yaml", **sources: object) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text, file, Sources(environ={}, **sources))  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def test_durations_need_a_unit_and_print_in_the_unit_that_reads() -> None:
    assert (
        parse_duration("500ms") == 0.5
        and parse_duration("2s") == 2
        and parse_duration("1.5 s") == 1.5
    )
    for bad, said in [
        (300, "has no unit"),
        ("3 h", "is not a duration"),
        ("100000s", "longer than a day"),
    ]:
        with pytest.raises(DurationError, match=said):
            parse_duration(bad)
    assert [format_duration(s) for s in (0.0004, 0.012, 2)] == ["0.4 ms", "12 ms", "2.00 s"]


def test_every_problem_of_a_file_is_listed_in_file_order_with_its_place() -> None:
    said = problems(
        TWO
        + "  - send: {as: alise, text: x}\n  - expect: {match: {a: 1}}\n  - open: [bob, carol]\n  - sned: {}\n"
    )
    assert said == [
        "s.yaml:6:16: there is no client 'alise'; did you mean 'alice'?",
        "s.yaml:7:5: say which client with as: (one of alice, bob)",
        "s.yaml:8:11: open: there is no client 'carol'; use one of: alice, bob",
        "s.yaml:9:5: unknown step kind 'sned'; did you mean 'send'?",
    ]


def test_a_client_used_before_the_step_that_opens_it_is_refused() -> None:
    said = problems(TWO + "  - open: alice\n  - send: {as: bob, text: x}\n  - open: bob\n")
    assert said == [
        "s.yaml:7:5: step 2 uses 'bob' before the step that opens it (step 3); move that open up"
    ]


def test_clients_no_step_opens_open_before_the_first_step() -> None:
    scenario = load_text(TWO + "  - open: bob\n  - send: {as: alice, text: x}\n", "s.yaml")[0]
    assert [(type(s).__name__, getattr(s, "clients", s.client)) for s in scenario.steps] == [
        ("Open", ("alice",)),
        ("Open", ("bob",)),
        ("Send", "alice"),
    ]
    assert isinstance(scenario.steps[0], Open) and scenario.steps[0].implicit


def test_shapes_a_person_would_write_are_accepted() -> None:
    text = (
        'url: "ws://127.0.0.1:1/"\nwithin: 2s\nsteps:\n  - open\n  - ping\n  - expect\n  - close\n'
    )
    scenario = load_text(text, "s.yaml")[0]
    assert [s.kind for s in scenario.steps] == ["open", "ping", "expect", "close"]
    assert all(s.within == 2 for s in scenario.steps)
    assert isinstance(scenario.steps[2], Expect) and scenario.steps[2].expectation is not None


def test_a_file_may_hold_several_scenarios_and_json_gives_line_and_column(tmp_path: Path) -> None:
    file = tmp_path / "two.yaml"
    file.write_text(
        'url: "ws://127.0.0.1:1/"\nsteps: [ping]\n---\nname: second\nurl: "ws://127.0.0.1:1/"\nsteps: [close]\n'
    )
    assert [s.name for s in load_file(file)] == ["two #1", "second"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"url": "ws://127.0.0.1:1/",\n "steps": [{"ping": {"withn": "1s"}}]}')
    with pytest.raises(ScenarioError) as caught:
        load_file(bad)
    assert str(caught.value) == f"{bad}:2:22: unknown key 'withn' in ping; did you mean 'within'?"
    broken = tmp_path / "broken.json"
    broken.write_text('{"steps": [\n  {"ping": null},\n]}')
    with pytest.raises(ScenarioError, match=r"broken.json:3:1: not valid JSON: Expecting value"):
        load_file(broken)


def test_yaml_mistakes_are_said_in_words() -> None:
    assert problems("url: x\nurl: y\nsteps: [ping]\n") == [
        "s.yaml:2:1: the key 'url' is given twice in the same mapping"
    ]
    assert problems("") == ["s.yaml: the file holds no scenario"]
    assert problems('url: "ws://127.0.0.1:1/"\nsteps:\n  - send: {bytes: 00}\n') == [
        "s.yaml:3:19: 'bytes' must be text, not a number (put it in quotes: YAML reads 00, yes or 1.0 as other types)"
    ]
    assert problems('url: "ws://127.0.0.1:1/"\nsteps:\n  - send: {text: a, bytes: "00"}\n') == [
        "s.yaml:3:5: send takes one of message, text and bytes, not text and bytes"
    ]
    (typo,) = problems(
        'url: "ws://127.0.0.1:1/"\noptions: {recieve_type: text/plain}\nsteps: [ping]\n'
    )
    said, _, valid = typo.partition(" Valid options: ")
    assert said == (
        "s.yaml:2:11: client 'client': Client has no option 'recieve_type'; did you mean "
        "'receive_type'?"
    )
    assert valid.split(", ")[:4] == ["host", "port", "receiveType", "sendType"]
    assert {"max_message_size", "wire_lengths"} <= set(valid.split(", "))
    assert problems("steps: [ping]\n") == [
        "s.yaml:1:1: say where to connect: url: ws://host:port/path, or clients: {name: {url: …}}"
    ]


def test_variables_resolve_by_precedence_and_saved_ones_wait_for_the_run(tmp_path: Path) -> None:
    text = (
        'vars: {a: file, b: file, base: "ws://{{HOST}}:1/"}\nurl: "{{base}}"\nsteps:\n'
        "  - send: {text: '{{a}} {{b}} {{TOKEN}}'}\n"
        "  - expect: {save: {id: $.id}}\n"
        "  - send: {message: {id: '{{id}}', n: '{{n}}'}}\n"
    )
    sources = Sources(
        env_file={"b": "env"},
        cli={"n": "7"},
        environ={"TOKEN": "t", "HOST": "127.0.0.1", "a": "no"},
    )
    scenario = load_text(text, "s.yaml", sources)[0]
    assert scenario.clients["client"].url == "ws://127.0.0.1:1/"
    first, second = (s for s in scenario.steps if isinstance(s, Send))
    assert first.payload.value == "file env t" and not first.payload.runtime
    assert second.payload.value == {"id": "{{id}}", "n": "7"} and second.payload.runtime
    assert scenario.outside == {"TOKEN", "b", "n"}
    assert problems('url: "ws://127.0.0.1:1/"\nsteps:\n  - send: {text: "{{USER}}"}\n') == [
        "s.yaml:3:18: the variable {{USER}} is not given: add it to vars, an --env file, --var USER=… or the environment"
    ]


def test_env_files_are_yaml_or_dotenv(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("port: 8080\nname: x\n")
    (tmp_path / "b.env").write_text('# c\nexport A="x y"\nB=1 # note\n\nC=\n')
    (tmp_path / "bad.env").write_text("A=1\nnot a line\n")
    assert read_env_file(tmp_path / "a.yaml") == {"port": 8080, "name": "x"}
    assert read_env_file(tmp_path / "b.env") == {"A": "x y", "B": "1", "C": ""}
    with pytest.raises(ValueError, match=r"bad.env:2: expected NAME=value, found 'not a line'"):
        read_env_file(tmp_path / "bad.env")
