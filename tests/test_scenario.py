"""Scenario files: the shipped ones load; bad ones are refused naming the file and field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from sim.inputs.scenario import MAX_SCENARIO_BYTES, ScenarioError, load_scenario, scenario_from_dict

SHIPPED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
GOOD = """
name: t
start: 2021-01-01
days: 30
policy: strike_syria
params:
  p_lethal: 0.1
shocks:
  - kind: iran_direction
    start: 2021-01-10
    end: 2021-01-20
    magnitude: 0.5
"""


def test_every_shipped_scenario_loads():
    assert len(SHIPPED) >= 4
    for path in SHIPPED:
        sc = load_scenario(path)
        assert sc.days >= 1 and sc.name


def test_baseline_lists_every_builtin_policy():
    from sim.core.policies import all_policies

    assert set(load_scenario("scenarios/baseline.yaml").policies) == set(all_policies())


def test_shock_series_fall_on_their_days(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(GOOD)
    sc = load_scenario(f)
    push = sc.shock_arrays()["iran_direction"]
    assert push[8] == 0 and push[9] == 0.5 and push[19] == 0.5 and push[20] == 0


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ("days: 30", "days", "greater than or equal to 1"),
        ("policy: strike_syria", "policy", "unknown policy 'nope'"),
        ("  p_lethal: 0.1", "params", "outside its range"),
        ("  p_lethal: 0.1", "params", "unknown parameter"),
        ("name: t", "colour", "unknown key"),
        ("days: 30", "days", "valid integer"),
        ("    magnitude: 0.5", "shocks.0.magnitude", "less than or equal to 10"),
        ("  - kind: iran_direction", "shocks.0.kind", "Input should be"),
        ("start: 2021-01-01", "start", "date"),
    ],
)
def test_bad_fields_are_named(tmp_path, change, field, words):
    replacement = {
        ("days: 30", "days"): "days: 0",
        ("policy: strike_syria", "policy"): "policy: nope",
        ("  p_lethal: 0.1", "params"): "  p_lethal: 0.9",
        ("name: t", "colour"): "name: t\ncolour: red",
        ("    magnitude: 0.5", "shocks.0.magnitude"): "    magnitude: 50",
        ("  - kind: iran_direction", "shocks.0.kind"): "  - kind: alien_invasion",
        ("start: 2021-01-01", "start"): "start: the first of January",
    }
    if words == "unknown parameter":
        new = "  p_lethl: 0.1"
    elif words == "valid integer":
        new = "days: thirty"
    else:
        new = replacement[(change, field)]
    f = tmp_path / "bad.yaml"
    f.write_text(GOOD.replace(change, new))
    with pytest.raises(ScenarioError) as err:
        load_scenario(f)
    msg = str(err.value)
    assert str(f) in msg and f"field '{field}" in msg and words in msg, msg


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")
    f = tmp_path / "broken.yaml"
    f.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(f)
    f.write_text("- just\n- a list\n")
    with pytest.raises(ScenarioError, match="mapping"):
        load_scenario(f)


# --- strict types and dates -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("policy: strike_syria", "policy: strike_syria\ninitial:\n  expulsion_voted: 'yes'",
         "initial.expulsion_voted"),
        ("    magnitude: 0.5", "    magnitude: true", "shocks.0.magnitude"),
        ("  p_lethal: 0.1", "  p_lethal: true", "params.p_lethal"),
        ("days: 30", "days: 30.0", "days"),
        ("days: 30", "days: '30'", "days"),
        ("name: t", "name: 7", "name"),
        ("name: t", "name: ../../etc", "name"),
        ("start: 2021-01-01", "start: 1609459200", "start"),
        ("    magnitude: 0.5", "    magnitude: .nan", "shocks.0.magnitude"),
        ("policy: strike_syria", "policy: strike_syria\nposterior: 'yes'", "posterior"),
    ],
)  # fmt: skip
def test_wrong_types_are_refused_not_coerced(tmp_path, old, new, field):
    f = tmp_path / "bad.yaml"
    f.write_text(GOOD.replace(old, new))
    with pytest.raises(ScenarioError, match=f"field '{re.escape(field)}'"):
        load_scenario(f)


def test_quoted_iso_dates_and_integers_for_numbers_are_accepted(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text(GOOD.replace("start: 2021-01-01", "start: '2021-01-01'").replace("0.5", "1"))
    sc = load_scenario(f)
    assert sc.start == dt.date(2021, 1, 1) and sc.shocks[0].magnitude == 1.0


def test_a_pulse_shock_refuses_an_end(tmp_path):
    f = tmp_path / "pulse.yaml"
    f.write_text(GOOD.replace("kind: iran_direction", "kind: militia_grievance"))
    with pytest.raises(ScenarioError, match=r"field 'shocks\.0'.*pulse.*takes no 'end'"):
        load_scenario(f)
    f.write_text(GOOD.replace("end: 2021-01-20", "end: 2021-01-05"))
    with pytest.raises(ScenarioError, match=r"field 'shocks\.0'.*before start"):
        load_scenario(f)


@pytest.mark.parametrize(
    ("start", "end"), [("2021-02-15", None), ("2020-12-01", "2020-12-31"), ("2020-06-01", "")]
)
def test_a_shock_outside_the_period_is_refused(tmp_path, start, end):
    text = GOOD.replace("start: 2021-01-10", f"start: {start}")
    if end is None:
        text = text.replace("    end: 2021-01-20\n", "")
    elif end:
        text = text.replace("end: 2021-01-20", f"end: {end}")
    else:  # a pulse long before the period
        text = text.replace("kind: iran_direction", "kind: iran_grievance")
        text = text.replace("    end: 2021-01-20\n", "")
    f = tmp_path / "outside.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError, match=r"field 'shocks\.0'.*outside the scenario's period"):
        load_scenario(f)


def test_an_open_ended_shock_from_before_the_period_acts_in_it(tmp_path):
    f = tmp_path / "open.yaml"
    f.write_text(GOOD.replace("start: 2021-01-10", "start: 2020-06-01").replace(
        "    end: 2021-01-20\n", ""))  # fmt: skip
    push = load_scenario(f).shock_arrays()["iran_direction"]
    assert (push == 0.5).all()


def test_non_utf8_binary_and_oversized_files_get_one_message(tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes(GOOD.replace("name: t", "name: t\ndescription: café").encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin1\.yaml: not UTF-8 text \(line 3"):
        load_scenario(f)
    f = tmp_path / "nul.yaml"
    f.write_bytes(b"name: t\x00\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(f)
    f = tmp_path / "huge.yaml"
    f.write_bytes(b"#" * (MAX_SCENARIO_BYTES + 1))
    with pytest.raises(ScenarioError, match="too large"):
        load_scenario(f)
    f = tmp_path / "deep.yaml"
    f.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ScenarioError, match=r"deep\.yaml"):
        load_scenario(f)
    f = tmp_path / "baddate.yaml"
    f.write_text(GOOD.replace("start: 2021-01-01", "start: 2021-02-30"))
    with pytest.raises(
        ScenarioError, match=r"baddate\.yaml, field 'start': '2021-02-30' is not a date \(Febr"
    ):
        load_scenario(f)
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


def test_a_shipped_scenario_loads_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_scenario("baseline").name == "baseline"
    with pytest.raises(ScenarioError, match=r"no shipped scenario of that name.*baseline"):
        load_scenario("baselin")


# --- the resume hash --------------------------------------------------------------------------
def test_the_digest_ignores_words_and_covers_every_number():
    base = scenario_from_dict(yaml.safe_load(GOOD))
    words = base.model_copy(
        update={"name": "other", "description": "new words", "policy": "do_nothing",
                "shocks": [base.shocks[0].model_copy(update={"label": "relabelled"})]}
    )  # fmt: skip
    assert words.digest() == base.digest()
    for change in ({"days": 31}, {"params": {"p_lethal": 0.11}}, {"posterior": False},
                   {"shocks": [base.shocks[0].model_copy(update={"magnitude": 0.6})]},
                   {"initial": base.initial.model_copy(update={"iran_fear": 0.1})}):  # fmt: skip
        assert base.model_copy(update=change).digest() != base.digest(), change


def test_resume_state_survives_new_words_but_not_new_numbers(short_scenario):
    # --resume compares Experiment.state() with the stored one (sim.experiments.experiment)
    from sim.experiments.experiment import Experiment

    path = short_scenario(days=20)

    def state():
        return Experiment(load_scenario(path), ("do_nothing",), 40, 2, chunk_size=20).state()

    before = state()
    data = yaml.safe_load(path.read_text())
    words = {
        **data,
        "description": "re-described",
        "name": "renamed",
        "shocks": [{**s, "label": s["label"] + " (edited)"} for s in data["shocks"]],
    }
    path.write_text(yaml.safe_dump(words))
    assert load_scenario(path).description == "re-described"
    assert state() == before
    numbers = {**data, "shocks": [{**s, "magnitude": 0.7} for s in data["shocks"]]}
    path.write_text(yaml.safe_dump(numbers))
    assert state() != before
