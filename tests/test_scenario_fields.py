"""Every scenario field reaches the simulation in every command that reads a scenario.

Each field is changed in turn and the simulation must change (common random numbers, so any
difference is the field's doing), or the field is words that must not change anything. A field
added to the schema without an entry here fails :func:`test_every_field_is_covered`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.core.params import TABLE
from sim.engines.ensemble import OUTCOMES
from sim.experiments.chunks import ChunkTask, run_chunk
from sim.experiments.sampling import (
    SOURCE_POSTERIOR,
    SOURCE_SCENARIO,
    SOURCE_TABLE,
    build_params,
    chunk_rngs,
    dashboard_params,
    held_values,
    model_params,
    start_values,
)
from sim.inputs.posterior import posterior_draws
from sim.inputs.scenario import InitialState, Scenario, Shock, scenario_from_dict

BASE = {
    "name": "fields",
    "start": "2021-01-01",
    "days": 90,
    "policy": "strike_syria",
    "posterior": True,
    "params": {"p_lethal": 0.2},
    "shocks": [
        {"kind": "iran_direction", "start": "2021-01-20", "end": "2021-03-01", "magnitude": 1.0},
        {"kind": "militia_grievance", "start": "2021-02-10", "magnitude": 2.0},
    ],
    "initial": {"militia_grievance": 0.5, "iran_grievance": 0.3},
}


def _with(path: str, value: object) -> dict:
    """BASE with one field (dotted path; ``shocks.0.end``) set to ``value``."""
    data = {**BASE, "initial": dict(BASE["initial"]), "shocks": [dict(s) for s in BASE["shocks"]]}
    keys = path.split(".")
    target: object = data
    for k in keys[:-1]:
        target = target[int(k)] if isinstance(target, list) else target[k]
    target[keys[-1]] = value  # type: ignore[index]
    return data


#: field -> a changed value (the simulation must change)
CHANGES: dict[str, object] = {
    "start": "2021-01-11",  # the shocks fall ten days earlier in the period
    "days": 60,
    "policy": "do_nothing",
    "params": {"p_lethal": 0.3},
    "posterior": False,
    "shocks": [],
    "shocks.0.kind": "iran_restraint",
    "shocks.0.start": "2021-02-20",
    "shocks.0.end": "2021-01-25",
    "shocks.0.magnitude": 2.0,
    "initial.militia_grievance": 3.0,
    "initial.militia_fear": 3.0,
    "initial.iran_grievance": 3.0,
    "initial.iran_fear": 3.0,
    "initial.iraq_pressure": 5.0,
    "initial.expulsion_voted": True,
    "initial.air_defence": 0.9,
    "initial.exposure": 1.8,
    "initial.red_line": 1.0,
}
#: fields that are words: they must change nothing
WORDS: dict[str, object] = {
    "name": "renamed",
    "description": "new words",
    "shocks.0.label": "relabelled",
}
#: fields only some commands read (tested below with those commands)
COMMAND_FIELDS = {"policies"}  # compare --policies scenario, branch without --policies


def _all_fields() -> set[str]:
    out = {f for f in Scenario.model_fields if f not in ("initial", "shocks")}
    out |= {"shocks", *(f"shocks.0.{f}" for f in Shock.model_fields)}
    out |= {f"initial.{f}" for f in InitialState.model_fields}
    return out


def test_every_field_is_covered() -> None:
    assert _all_fields() == set(CHANGES) | set(WORDS) | COMMAND_FIELDS


def _outcomes(sc: Scenario, engine: str = "ensemble", n: int = 300) -> np.ndarray:
    """Mean outcomes of chunk 0 of seed 11 under the scenario's policy (what `run` runs)."""
    task = ChunkTask(sc, sc.policy, chunk=0, start=0, n=n, seed=11, engine=engine,
                     keep_daily=False)  # fmt: skip
    df = run_chunk(task).outcomes
    return np.array([np.nanmean(df[k].to_numpy(dtype=float)) for k in OUTCOMES])


@pytest.fixture(scope="module")
def base_outcomes() -> np.ndarray:
    return _outcomes(scenario_from_dict(BASE))


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_each_field_changes_a_run(field: str, base_outcomes: np.ndarray) -> None:
    changed = _outcomes(scenario_from_dict(_with(field, CHANGES[field])))
    assert not np.allclose(changed, base_outcomes, equal_nan=True), field


@pytest.mark.parametrize("field", sorted(WORDS))
def test_words_change_nothing(field: str, base_outcomes: np.ndarray) -> None:
    sc = scenario_from_dict(_with(field, WORDS[field]))
    np.testing.assert_array_equal(_outcomes(sc), base_outcomes)
    assert sc.digest() == scenario_from_dict(BASE).digest()


def test_a_posterior_file_is_drawn_from(tmp_path) -> None:
    post = posterior_draws()
    mine = post.assign(p_injury=0.05)  # every draw with a low injury probability
    f = tmp_path / "mine.csv"
    mine.to_csv(f, index=False)
    sc = scenario_from_dict(_with("posterior", "mine.csv"), base=tmp_path)
    assert sc.posterior == str(f.resolve())
    p = build_params(sc, 50, chunk_rngs(1, 0)[1])
    assert (p.flat["p_injury"] == 0.05).all()
    assert not (build_params(scenario_from_dict(BASE), 50, chunk_rngs(1, 0)[1])
                .flat["p_injury"] == 0.05).all()  # fmt: skip


def test_the_mesa_engine_reads_every_field_that_changes_a_run() -> None:
    # a few runs of the agent model: the same fields reach it (the slowest engine, fewer runs)
    base = _outcomes(scenario_from_dict(BASE), "mesa", n=8)
    for field in ("posterior", "initial.expulsion_voted", "shocks.0.magnitude", "policy"):
        changed = _outcomes(scenario_from_dict(_with(field, CHANGES[field])), "mesa", n=8)
        assert not np.allclose(changed, base, equal_nan=True), field


def test_the_mesa_model_draws_its_parameters_as_the_ensemble_does() -> None:
    from sim.engines.mesa.model import EscalationModel

    sc = scenario_from_dict(BASE)
    m = EscalationModel(sc, params=model_params(sc, 5), rng=5, collect=False)
    expected = build_params(sc, 1, chunk_rngs(5, 0)[1])
    for name in TABLE:
        assert m.p.flat[name][0] == pytest.approx(expected.flat[name][0]), name
    assert m.p.flat["p_lethal"][0] == 0.2  # the scenario's value wins over the posterior
    post = posterior_draws()
    informed = [c for c in post.columns if post[c].std() > 0]
    off = scenario_from_dict(_with("posterior", False))
    m_off = EscalationModel(off, params=model_params(off, 5), rng=5, collect=False)
    assert all(m_off.p.flat[c][0] == TABLE[c].default for c in informed if c != "p_lethal")
    # without parameters (the engine draws none): the table's defaults and the scenario's own
    plain = EscalationModel(sc, rng=5, collect=False)
    assert all(plain.p.flat[c][0] == TABLE[c].default for c in informed if c != "p_lethal")
    assert plain.p.flat["p_lethal"][0] == 0.2
    # a generator is not used up by the parameter draw
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    model_params(sc, g1)
    assert g1.random() == g2.random()


# --- replay and branch ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    from sim.inputs.record import load_record

    return load_record("seeds").events


def _replay_total(events: pd.DataFrame, sc: Scenario, force=("iran",)) -> np.ndarray:
    from sim.history.replay import replay

    res = replay(events, sc.start, sc.end, 200, 4, scenario=sc, force=force)
    return res.runs[list(OUTCOMES)].mean().to_numpy(dtype=float)


@pytest.mark.parametrize(
    "field", ["policy", "posterior", "params", "shocks.0.magnitude", "initial.iran_fear"]
)
def test_replay_reads_the_scenario(events: pd.DataFrame, field: str) -> None:
    base = _replay_total(events, scenario_from_dict(BASE))
    changed = _replay_total(events, scenario_from_dict(_with(field, CHANGES[field])))
    assert not np.allclose(changed, base, equal_nan=True), field


def test_replay_follows_the_policy_of_an_actor_not_forced(events: pd.DataFrame) -> None:
    from sim.history.replay import replay

    sc = scenario_from_dict(_with("policy", "strike_iraq"))
    free = replay(events, sc.start, sc.end, 200, 4, scenario=sc, force=("iran",))
    forced = replay(events, sc.start, sc.end, 200, 4, scenario=sc, force=("us",))
    assert free.runs["strikes_iraq"].mean() > 0  # the scenario's policy strikes
    assert forced.runs["strikes_iraq"].sum() == 0  # the record has no US action then


def test_replay_refuses_a_scenario_shock_outside_its_window(events: pd.DataFrame) -> None:
    from sim.errors import UserError
    from sim.history.replay import replay

    sc = scenario_from_dict(BASE)
    with pytest.raises(UserError, match=r"scenario 'fields', field 'shocks\.1'.*outside"):
        replay(events, sc.start, dt.date(2021, 2, 1), 10, 1, scenario=sc)


def test_branch_defaults_to_the_scenario_policies_and_period(tmp_path, capsys) -> None:
    import json

    import yaml

    from sim.cli.main import main

    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(_with("policies", ["do_nothing", "strike_iraq"])))
    out = tmp_path / "b"
    assert main(["branch", "--scenario", str(f), "--at", "2021-02-01", "--runs", "20",
                 "--seed", "1", "--out", str(out)]) == 0  # fmt: skip
    man = json.loads((out / "manifest.json").read_text())
    assert man["policies"] == ["do_nothing", "strike_iraq"]
    assert man["horizon"] == (dt.date(2021, 3, 31) - dt.date(2021, 2, 1)).days + 1
    assert man["setting_file"] == str(f) and len(man["setting_sha256"]) == 64


def test_compare_reads_the_policies_list() -> None:
    from sim.cli.compare import resolve_policies

    sc = scenario_from_dict(_with("policies", ["strike_iraq", "decapitation"]))
    assert resolve_policies(None, sc) == (["do_nothing", "strike_iraq", "decapitation"], True)


# --- sensitivity and the dashboard ---------------------------------------------------------------
def test_sensitivity_holds_the_unvaried_parameters_at_the_scenario_and_posterior() -> None:
    from sim.explore.sensitivity import run_sensitivity

    sc = scenario_from_dict(BASE)
    held = held_values(sc)
    post = posterior_draws()
    assert held["p_lethal"] == 0.2
    some = next(c for c in post.columns if c != "p_lethal" and post[c].std() > 0)
    assert held[some] == pytest.approx(float(post[some].median()))
    off = held_values(scenario_from_dict(_with("posterior", False)))
    assert off == {"p_lethal": 0.2}
    kw = {"params": ["response_delay"], "reps": 2, "outcomes": ["attacks_total"]}
    means = [run_sensitivity(s, "strike_syria", "morris", 4, 1, **kw).attrs["outcome_means"]
             for s in (sc, scenario_from_dict(_with("posterior", False)))]  # fmt: skip
    assert means[0] != means[1]


def test_dashboard_controls_override_only_once_moved() -> None:
    sc = scenario_from_dict(BASE)
    names = ["p_lethal", "response_delay", "excitation_days"]
    start = start_values(sc, names)
    post = posterior_draws()
    assert start["p_lethal"] == (0.2, SOURCE_SCENARIO)
    assert start["response_delay"] == (pytest.approx(post["response_delay"].median()),
                                       SOURCE_POSTERIOR)  # fmt: skip
    off = start_values(scenario_from_dict(_with("posterior", False)), names)
    assert off["response_delay"] == (TABLE["response_delay"].default, SOURCE_TABLE)
    # controls at their starting values override nothing: the runs draw from the posterior
    untouched = {k: v for k, (v, _) in start.items()}
    p, overridden = dashboard_params(sc, untouched, 200, chunk_rngs(1, 0)[1])
    assert overridden == {}
    ref = build_params(sc, 200, chunk_rngs(1, 0)[1])
    for k in names:
        np.testing.assert_array_equal(p.flat[k], ref.flat[k])
    assert p.flat["response_delay"].std() > 0  # drawn, not fixed at the slider's value
    # a moved control fixes its parameter in every run, and is reported
    moved = {**untouched, "response_delay": 9.0}
    p, overridden = dashboard_params(sc, moved, 200, chunk_rngs(1, 0)[1])
    assert overridden == {"response_delay": 9.0}
    assert (p.flat["response_delay"] == 9.0).all()
    np.testing.assert_array_equal(p.flat["self_excitation"], ref.flat["self_excitation"])
