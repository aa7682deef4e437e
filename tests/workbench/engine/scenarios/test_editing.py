"""The window's scenario draft: YAML written back as a person writes it and read again to
the same data, the step list's operations, equals turned into a match, and a broken text
refused with its line and column (the caller keeps its list)."""

from __future__ import annotations

import pytest

from workbench.engine.scenarios.editing import DraftError, ScenarioDraft, step_summary
from workbench.engine.scenarios.loading import load_text
from workbench.engine.scenarios.model import STEP_KINDS
from workbench.engine.scenarios.parsing import parse_documents
from workbench.engine.scenarios.variables import Sources
from workbench.engine.scenarios.yaml_writer import dump_scenario

TRICKY = {
    "name": "chat: yes",
    "vars": {"user": "alice", "on": "yes"},
    "clients": {
        "alice": {"url": "ws://127.0.0.1:1/chat?room=1", "options": {"subprotocols": ["v1"]}},
        "bob": {"url": "ws://127.0.0.1:1/"},
    },
    "within": "2s",
    "steps": [
        {"open": "bob"},
        {
            "send": {
                "as": "alice",
                "message": {
                    "user": "{{user}}",
                    "lines": "a\nb\tc",
                    "sep": "é\u2028x",
                    "none": None,
                    "yes": True,
                    "zeros": "00",
                    "date": "2024-01-31",
                    "float": 1.5,
                    "quote": "it's",
                    "empty": "",
                    "back": "\\",
                    "hash": "#x",
                    "dash": "- y",
                },
            }
        },
        {"expect": {"as": "alice", "text": "/^ack \\d+$/", "within": "500ms"}},
        {"ping": "alice"},
        {"sleep": "100ms"},
        {"expect": {"as": "bob", "equals": [1, "x", {"k": None}], "bytes": "00 01"}},
        {"close": {"as": "alice", "code": 1000, "reason": "bye"}},
    ],
}


def test_the_yaml_written_reads_back_to_the_same_data_one_line_per_step() -> None:
    text = dump_scenario(TRICKY)
    assert ScenarioDraft.from_text(text).data == TRICKY
    bare = dump_scenario({"url": "ws://x:1/", "steps": [{"ping": None}]})
    assert parse_documents(bare)[0].data["steps"] == ["ping"]  # written as a bare word
    assert ScenarioDraft.from_text(bare).steps == [{"ping": None}]
    lines = text.splitlines()
    steps_at = lines.index("steps:")
    assert len(lines) == steps_at + 1 + len(TRICKY["steps"])  # one line per step
    assert lines[steps_at + 1 :][:2] == [
        "  - open: bob",
        "  - send: {as: alice, message: {user: '{{user}}', lines: \"a\\nb\\tc\", sep: "
        "\"é\\Lx\", none: null, 'yes': true, zeros: '00', date: '2024-01-31', float: 1.5, "
        "quote: it's, empty: '', back: \\, hash: '#x', dash: '- y'}}",
    ]
    assert "  bob: {url: 'ws://127.0.0.1:1/'}" in lines
    load_text(text, sources=Sources(environ={}))  # and the loader accepts it


def test_a_new_draft_is_a_runnable_scenario() -> None:
    draft = ScenarioDraft.new()
    assert draft.problems() == []
    assert draft.clients() == ["client"] and not draft.many_clients
    assert [draft.kind(i) for i in range(len(draft.steps))] == ["send", "expect"]


def test_add_remove_move_duplicate() -> None:
    draft = ScenarioDraft.from_text(dump_scenario(TRICKY))
    count = len(draft.steps)
    assert draft.insert(1, "ping") == 1
    assert draft.steps[1] == {"ping": {"as": "alice"}}  # many clients: the first one by default
    assert draft.duplicate(1) == 2 and draft.steps[2] == draft.steps[1]
    draft.steps[2]["ping"]["as"] = "bob"
    assert draft.steps[1] == {"ping": {"as": "alice"}}  # a copy, not the same dict
    assert draft.move(2, -2) == 0 and draft.steps[0] == {"ping": {"as": "bob"}}
    assert draft.move(0, -1) == 0  # clamped at the top
    assert draft.move(0, 100) == len(draft.steps) - 1
    draft.remove(len(draft.steps) - 1)
    draft.remove(1)
    assert len(draft.steps) == count
    assert draft.problems() == []
    with pytest.raises(ValueError, match="unknown step kind 'wait'"):
        draft.insert(0, "wait")


def test_every_kind_added_to_a_one_client_scenario_loads() -> None:
    draft = ScenarioDraft.new()
    for kind in STEP_KINDS:
        draft.insert(0 if kind == "open" else len(draft.steps), kind)
    assert draft.problems() == []
    assert draft.steps[0] == {"open": None}
    assert draft.steps[-2] == {"close": {"code": 1000}}  # no 'as' with one client


def test_equals_becomes_a_match_on_the_chosen_keys() -> None:
    draft = ScenarioDraft.from_text(
        "url: ws://127.0.0.1:1/\nsteps:\n"
        "  - expect: {equals: {type: said, text: hi, at: 1712}, within: 600ms}\n"
    )
    draft.match_on_keys(0, ["type", "text"])
    assert draft.steps[0] == {
        "expect": {"match": {"type": "said", "text": "hi"}, "within": "600ms"}
    }
    assert "  - expect: {match: {type: said, text: hi}, within: 600ms}" in draft.to_text()
    with pytest.raises(ValueError, match="only an expect with equals"):
        draft.match_on_keys(0, ["type"])


def test_broken_text_is_refused_with_line_and_column() -> None:
    with pytest.raises(DraftError) as caught:
        ScenarioDraft.from_text("url: ws://x/\nsteps:\n  - send: {message: {a: 1}\n  - ping\n")
    assert (caught.value.line, caught.value.column) == (4, 3)
    assert str(caught.value).startswith("line 4, column 3: not valid YAML")
    with pytest.raises(DraftError, match="steps must be a list") as caught:
        ScenarioDraft.from_text("url: ws://x/\nsteps: ping\n")
    assert caught.value.line == 2
    with pytest.raises(DraftError, match="holds 2 scenarios"):
        ScenarioDraft.from_text("steps: [ping]\n---\nsteps: [ping]\n")
    with pytest.raises(DraftError, match="a scenario is a mapping"):
        ScenarioDraft.from_text("just words\n")


def test_a_draft_the_loader_refuses_still_has_its_steps_and_the_problems_say_where() -> None:
    draft = ScenarioDraft.from_text("url: ws://x:1/\nsteps:\n  - ping\n  - expect: {mach: {}}\n")
    assert [draft.kind(i) for i in range(2)] == ["ping", "expect"]
    problems = draft.problems()
    assert [(p.location.line, p.location.column) for p in problems] == [(4, 14)]
    assert "unknown key 'mach' in expect; did you mean 'match'?" in problems[0].message


def test_step_summary_is_one_bounded_line() -> None:
    assert step_summary({"send": {"message": {"type": "hello"}}}) == (
        "send: {message: {type: hello}}"
    )
    assert step_summary({"ping": None}) == "ping"
    long = step_summary({"send": {"text": "x" * 500}}, limit=40)
    assert len(long) == 40 and long.endswith("…")
