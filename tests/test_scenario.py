"""Scenario files: the shipped ones load; bad ones are refused naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.inputs.scenario import ScenarioError, load_scenario

SHIPPED = sorted(Path("scenarios").glob("*.yaml"))
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
