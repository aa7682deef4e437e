"""Relay rules without a network: matching per direction, replace, set, drop, delay, and the
rules file with every problem's line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine.relay.rules import Rule, RuleError, RuleSet
from workbench.engine.relay.rules_file import RulesFileError, load_rules, load_rules_text

UP, DOWN = "to_upstream", "to_client"


def test_no_rule_that_does_something_gives_none() -> None:
    rules = RuleSet([Rule("only down", directions=[DOWN], drop=True)])
    assert rules.apply(UP, "anything") is None
    assert RuleSet().apply(DOWN, b"x") is None
    assert RuleSet([Rule("no match", text="/zzz/", drop=True)]).apply(UP, "abc") is None


def test_a_regex_replacement_changes_only_text_and_names_what_it_did() -> None:
    rules = RuleSet([Rule("hide", replace=(r"token=(\w)\w*", r"token=\1***"))])
    outcome = rules.apply(UP, "a token=secret and token=other")
    assert outcome is not None
    assert outcome.payload == "a token=s*** and token=o***"
    [applied] = outcome.applied
    assert (applied.rule, applied.what) == ("hide", r"replaced 2 matches of /token=(\w)\w*/")
    assert applied.before == "a token=secret and token=other"
    assert rules.apply(UP, b"token=secret") is None  # binary is left as it is
    assert rules.apply(UP, "no secret here") is None


def test_set_puts_values_at_every_jsonpath_match_and_writes_compact_json() -> None:
    rules = RuleSet(
        [
            Rule(
                "zero",
                json={"type": "/^pri/"},
                set={"$.items[*].price": 0, "$.note": {"by": "relay"}, "$.missing": 1},
            )
        ]
    )
    text = '{"type": "prices", "items": [{"price": 3, "n": "é"}, {"price": 4}], "note": null}'
    outcome = rules.apply(DOWN, text)
    assert outcome is not None
    assert (
        outcome.payload
        == '{"type":"prices","items":[{"price":0,"n":"é"},{"price":0}],"note":{"by":"relay"}}'
    )
    assert outcome.applied[0].what == "set $.items[*].price, $.note"
    assert rules.apply(DOWN, '{"type": "other", "note": 1}') is None  # the subset does not match
    assert rules.apply(DOWN, "not json") is None


def test_rules_apply_in_order_per_direction_and_drop_stops_the_rest() -> None:
    rules = RuleSet(
        [
            Rule("up only", directions=[UP], replace=("a", "b")),
            Rule("both", replace=("b", "c"), delay=0.25),
            Rule("drop binary down", directions=[DOWN], frame="binary", drop=True),
            Rule("never reached for binary", directions=[DOWN], delay=1.0),
        ]
    )
    up = rules.apply(UP, "a")
    assert up is not None and (up.payload, up.delay, up.dropped) == ("c", 0.25, False)
    assert [a.rule for a in up.applied] == ["up only", "both"]
    assert up.applied[1].what == "replaced 1 match of /b/; delayed 250 ms"
    down = rules.apply(DOWN, "a")
    assert down is not None and (down.payload, down.delay) == ("a", 1.25)
    assert down.applied[0].what == "delayed 250 ms" and down.applied[0].before is None
    dropped = rules.apply(DOWN, b"\x00")
    assert dropped is not None and dropped.dropped
    assert [(a.rule, a.what, a.before) for a in dropped.applied] == [
        ("drop binary down", "dropped", b"\x00")
    ]


def test_an_exact_text_matcher_needs_the_whole_message() -> None:
    rules = RuleSet([Rule("exact", text="ping", drop=True)])
    assert rules.apply(UP, "ping") is not None
    assert rules.apply(UP, "ping!") is None


@pytest.mark.parametrize(
    ("kwargs", "key", "said"),
    [
        ({"text": "/(/"}, "text", "does not compile"),
        ({"replace": ("(", "x")}, "replace", "does not compile"),
        ({"set": {"$[": 1}}, "set", "is not a JSONPath"),
        ({"frame": "binary", "replace": ("a", "b")}, "frame", "change text messages"),
        ({"drop": True, "delay": 1.0}, "drop", "cannot also change or delay"),
        ({"directions": ["sideways"]}, "direction", "to_upstream or to_client"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_naming_its_key(
    kwargs: dict, key: str, said: str
) -> None:
    with pytest.raises(RuleError, match=said) as caught:
        Rule("bad", **kwargs)
    assert caught.value.key == key


GOOD = """\
rules:
  - name: hide the token
    direction: to_upstream
    match: {text: "/token=/"}
    replace: {regex: "token=\\\\w+", with: "token=***"}
  - direction: to_client
    match: {json: {type: price}}
    set: {"$.amount": 0}
    delay: 200ms
  - match: {frame: binary}
    drop: true
"""


def test_a_rules_file_loads_in_order(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD)
    rules = load_rules(path)
    assert [r.name for r in rules.rules] == ["hide the token", "rule 2", "rule 3"]
    up = rules.apply(UP, "login token=abc")
    assert up is not None and up.payload == "login token=***"
    down = rules.apply(DOWN, '{"type":"price","amount":9}')
    assert down is not None and (down.payload, down.delay) == ('{"type":"price","amount":0}', 0.2)
    assert rules.apply(UP, b"\x01") is not None
    as_json = tmp_path / "rules.json"
    as_json.write_text('[{"match": {"text": "x"}, "drop": true}]')
    assert len(load_rules(as_json)) == 1


def test_every_problem_of_a_rules_file_has_its_line_and_column() -> None:
    text = """\
rules:
  - direction: upwards
    drop: true
  - match: {txt: hi}
    drop: true
  - replace: {regex: "(", with: x}
  - delay: 300
  - drop: true
    delay: 1s
"""
    with pytest.raises(RulesFileError) as caught:
        load_rules_text(text, "r.yaml")
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("r.yaml:2:16: 'direction': 'upwards' is not one of")
    assert lines[1] == "r.yaml:4:13: unknown key 'txt' in 'match'; did you mean 'text'?"
    assert lines[2].startswith("r.yaml:6:14: rule 3: the regex '(' does not compile")
    assert (
        lines[3]
        == "r.yaml:7:12: 'delay': 300 has no unit; write 300ms or 300s (a bare number could mean either)"
    )
    assert (
        lines[4]
        == "r.yaml:8:11: rule 5: a rule that drops a message cannot also change or delay it"
    )
    assert len(lines) == 5


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("rules: [\n  {drop: true\n", "r.yaml:3:1: not valid YAML"),
        ("just text", "r.yaml:1:1: the file is a list of rules, or has rules: with that list"),
        (
            "rule: []",
            "r.yaml:1:1: the rules file needs 'rules'\n"
            "r.yaml:1:1: unknown key 'rule' in the rules file; did you mean 'rules'?",
        ),
    ],
)
def test_a_malformed_rules_file_says_where(text: str, said: str) -> None:
    with pytest.raises(RulesFileError) as caught:
        load_rules_text(text, "r.yaml")
    assert str(caught.value).startswith(said)
