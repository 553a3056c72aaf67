"""Invariants of whole runs, over random parameters, policies and seeds (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.ladder import Rung
from sim.core.params import GROUPS, TABLE, Params
from sim.core.policies import all_policies, get_policy
from sim.engines.ensemble import FLOAT_OUTCOMES, State, run_ensemble
from sim.inputs.scenario import load_scenario, scenario_from_dict

SCENARIO = scenario_from_dict({"name": "inv", "start": "2020-01-01", "days": 90})
NAMES = sorted(TABLE)


@st.composite
def parameter_sets(draw):
    """A few parameters drawn anywhere inside their allowed ranges."""
    chosen = draw(st.lists(st.sampled_from(NAMES), min_size=0, max_size=6, unique=True))
    return {n: draw(st.floats(TABLE[n].low, TABLE[n].high, allow_nan=False)) for n in chosen}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=parameter_sets(), policy=st.sampled_from(all_policies()), seed=st.integers(0, 2**32))
def test_counts_are_non_negative_and_rungs_stay_on_the_ladder(params, policy, seed):
    p = Params.build(40, params)
    r = run_ensemble(SCENARIO, get_policy(policy), p, np.random.default_rng(seed))
    o = r.outcomes
    for k, v in o.items():
        if k not in FLOAT_OUTCOMES:
            assert (np.asarray(v) >= 0).all(), k
        else:  # days to a first event, mean lull: NaN where undefined, else inside the period
            v = np.asarray(v)[np.isfinite(v)]
            assert ((v >= 0) & (v <= SCENARIO.days)).all(), k
    assert ((o["max_rung"] >= Rung.QUIET) & (o["max_rung"] <= Rung.WAR)).all()
    assert ((r.daily["rung"] >= 0) & (r.daily["rung"] <= Rung.WAR)).all()
    # the parts add up
    parts = o["attacks_harassment"] + o["attacks_injury"] + o["attacks_lethal"]
    assert (parts == o["attacks_total"]).all()
    kinds = o["strikes_syria"] + o["strikes_iraq"] + o["decapitations"] + o["strikes_iran"]
    assert (kinds == o["us_strikes"]).all()
    assert (r.daily["attacks"].sum(axis=0) == o["attacks_total"]).all()
    # a first death day exists exactly when someone was killed, and lies in the horizon
    died = o["us_killed"] > 0
    assert (~np.isnan(o["first_death_day"]) == died).all()
    assert (o["first_death_day"][died] < SCENARIO.days).all()
    # an attack that kills reaches rung 4 at least; war means a direct exchange happened
    assert (o["max_rung"][o["attacks_lethal"] > 0] >= Rung.LETHAL).all()
    assert o["direct_exchange"][o["war"]].all()
    # war needs reciprocal direct strikes: an Iranian one and a US one on Iran
    assert (o["iran_strikes"][o["war"]] > 0).all() and (o["strikes_iran"][o["war"]] > 0).all()


@settings(max_examples=20, deadline=None)
@given(params=parameter_sets(), seed=st.integers(0, 2**32))
def test_do_nothing_never_strikes(params, seed):
    p = Params.build(40, params)
    r = run_ensemble(SCENARIO, get_policy("do_nothing"), p, np.random.default_rng(seed))
    assert (r.outcomes["us_strikes"] == 0).all()
    o = r.outcomes
    # above rung 4 only through a direct Iranian strike (which the US then leaves unanswered)
    assert ((o["max_rung"] < Rung.US_STRIKE_OUTSIDE) | (o["iran_strikes"] > 0)).all()
    assert not r.outcomes["strikes_iran"].any()


def test_non_kinetic_policies_never_strike_on_any_scenario():
    for path in ("scenarios/baseline.yaml", "scenarios/mid_2024.yaml"):
        sc = load_scenario(path)
        for name in ("do_nothing", "iraqi_accountability", "regional_deal"):
            r = run_ensemble(sc, get_policy(name), Params.build(200), np.random.default_rng(3))
            assert (r.outcomes["us_strikes"] == 0).all(), (path, name)


def _year(policy: str, overrides: dict, n: int = 300, seed: int = 5):
    sc = load_scenario("scenarios/late_2019.yaml")
    state = State.initial(n, Params.build(n, overrides), sc.initial)
    r = run_ensemble(
        sc, get_policy(policy), Params.build(n, overrides), np.random.default_rng(seed), state=state
    )
    return r.outcomes, state


def test_the_constants_made_parameters_reach_the_model():
    # who is blamed for an unclaimed attack: the group struck, and so the one that fears
    nobody_named = {f"deniability.{g}": 1.0 for g in GROUPS}
    for g in (0, 2):
        _, st = _year("strike_iraq", {**nobody_named, "unattributed_blame": float(g)})
        assert st.fear[:, g].sum() > 0
        assert (st.fear[:, [k for k in range(len(GROUPS)) if k != g]] == 0).all()
    # the wounded of a lethal attack: an offset of 0 counts more wounded on the same draws
    lethal = {"p_lethal": 0.35}  # the top of its range: many lethal attacks
    w1 = _year("do_nothing", {**lethal, "lethal_wounded_offset": 1.0})[0]["us_wounded"].sum()
    w0 = _year("do_nothing", {**lethal, "lethal_wounded_offset": 0.0})[0]["us_wounded"].sum()
    assert w0 > w1
    # a heavier strike on Iran angers Iran more; a heavier demand costs more Iraqi pressure
    _, light = _year("hold_iran_accountable", {"intensity_iran": 0.5})
    _, heavy = _year("hold_iran_accountable", {"intensity_iran": 2.0})
    assert heavy.iran_grievance.sum() > light.iran_grievance.sum()
    _, soft = _year("iraqi_accountability", {"intensity_press": 0.5})
    _, hard = _year("iraqi_accountability", {"intensity_press": 3.0})
    assert hard.iraq_pressure.sum() > soft.iraq_pressure.sum()
    # a longer mean response delay means fewer strikes in the horizon
    quick = _year("strike_iraq", {"response_delay": 0.0})[0]["us_strikes"].sum()
    slow = _year("strike_iraq", {"response_delay": 10.0})[0]["us_strikes"].sum()
    assert quick > slow


def test_a_war_that_costs_more_raises_attacks_and_deaths():
    # war is frequent when the US strikes Iran and Iran strikes back readily; the multipliers of
    # war then raise the militias' attacks and the US killed (same draws for both settings)
    base = {"iran_strike_rate": 1.0, "iran_struck_grievance": 2.0}
    mild = {**base, "war_militia_factor": 1.0, "war_casualty_factor": 1.0,
            "war_iran_strike_factor": 1.0}  # fmt: skip
    hard = {**base, "war_militia_factor": 5.0, "war_casualty_factor": 5.0,
            "war_iran_strike_factor": 20.0}  # fmt: skip
    out = {}
    for name, values in (("mild", mild), ("hard", hard)):
        p = Params.build(300, values)
        pol = get_policy("hold_iran_accountable")
        out[name] = run_ensemble(SCENARIO, pol, p, np.random.default_rng(3)).outcomes
    assert out["mild"]["war"].mean() > 0.5  # the setting does reach war
    assert out["hard"]["attacks_total"].mean() > out["mild"]["attacks_total"].mean()
    assert out["hard"]["us_killed"].mean() > out["mild"]["us_killed"].mean()
    assert out["hard"]["iran_strikes"].mean() > out["mild"]["iran_strikes"].mean()
    # and the costlier setting reaches war as well
    assert out["hard"]["war"].mean() > 0.5
