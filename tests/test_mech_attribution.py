"""Attribution as a choice: the confidence of each attribution, the policy that
answers only attributed attacks, and the cost of misdirected strikes (Iraqi pressure and harm).

Unit tests of the compiled rules (direction and bounds), then small ensemble and Mesa runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import ladder
from sim.core.layout import DC, SC
from sim.core.params import GROUPS, Params
from sim.core.policies import REGISTRY, Observation, decide, get_policy
from sim.core.rules import iraq, militia, us
from sim.engines.ensemble import State, run_ensemble
from sim.engines.mesa.model import EscalationModel
from sim.inputs.scenario import load_scenario, scenario_from_dict

P = Params.build(1)
YEAR = scenario_from_dict({"name": "attr", "start": "2020-01-01", "days": 365})
#: every group but the blamed one (Kata'ib Hezbollah, index 0) attacks often
OTHERS_ATTACK = {
    "base_rate.kataib_hezbollah": 0.0,
    "base_rate.harakat_nujaba": 0.05,
    "base_rate.asaib_ahl_al_haq": 0.05,
    "base_rate.front_groups": 0.05,
    "p_injury": 0.6,
}


def row(overrides=None) -> np.ndarray:
    from sim.core.layout import new_rows

    return new_rows(Params.build(1, overrides))[0]


def deniable(d: float) -> dict[str, float]:
    return {f"deniability.{g}": d for g in GROUPS}


def ensemble(policy: str, overrides: dict, n: int = 300, seed: int = 5, scenario=YEAR, **kw):
    p = Params.build(n, overrides)
    return run_ensemble(scenario, get_policy(policy), p, np.random.default_rng(seed), **kw)


# --- the confidence of an attribution -------------------------------------------------------


@settings(deadline=None)
@given(u=st.floats(0.0, 1.0, exclude_max=True), d=st.floats(0.0, 1.0))
def test_confidence_is_bounded_and_falls_with_deniability(u, d):
    c = militia.attributed(u, d)
    assert 0.0 <= c <= 1.0
    assert militia.attributed(u, min(d + 0.1, 1.0)) <= c + 1e-12  # more deniability, less
    assert militia.attributed(u, 1.0) == 0.0  # full deniability: nobody is ever named


def test_deniability_is_the_share_of_attacks_nobody_is_named_for():
    u = np.random.default_rng(0).random(40_000)
    for d in (0.0, 0.3, 0.8):
        c = np.array([militia.attributed(x, d) for x in u])
        assert (c == 0).mean() == pytest.approx(d, abs=0.01)
        named = c[c > 0]  # a named attack's confidence is uniform on (0, 1)
        assert named.mean() == pytest.approx(0.5, abs=0.01)
        assert np.quantile(named, 0.9) == pytest.approx(0.9, abs=0.01)


def test_memory_keeps_the_true_perpetrator_and_names_it_only_if_attributed():
    sev, grp, conf = us.worst_attack(np.array([0.0, 2.0, 0.0, 0.0]), np.zeros(4))
    assert (sev, grp, conf) == (ladder.SEV_INJURY, 1, 0.0)
    assert us.named_group(grp, conf) == -1  # the policy does not see who it was
    assert us.named_group(1, 0.3) == 1
    # a later attack as severe replaces the memory, confidence included
    state = us.pending_update(2, 1, 0.0, 0, 0, False, 2, 3, 0.8, 0, False, 30.0)
    assert state[:3] == (2, 3, 0.8)
    state = us.pending_update(*state, 1, 0, 0.9, 0, False, 30.0)  # a lesser one does not
    assert state[:3] == (2, 3, 0.8)


def test_a_strike_on_the_blamed_group_for_another_groups_attack_is_misdirected():
    blamed = 0.0
    assert us.aim(ladder.US_STRIKE_IRAQ, 2, 0.0, blamed) == (0, True)  # pinned on KH
    assert us.aim(ladder.US_STRIKE_IRAQ, 2, 0.6, blamed) == (2, False)  # named: the attacker
    assert us.aim(ladder.US_STRIKE_IRAQ, 0, 0.0, blamed) == (0, False)  # the blamed did it
    assert us.aim(ladder.US_STRIKE_SYRIA, 3, 0.0, blamed) == (0, True)
    assert us.aim(ladder.US_DECAPITATION, 3, 0.0, blamed) == (0, True)
    for action in (ladder.US_NONE, ladder.US_STRIKE_IRAN, ladder.US_PRESS_BAGHDAD):
        assert not us.aim(action, 3, 0.0, blamed)[1]  # no strike on militias, none misdirected
    assert not us.aim(ladder.US_STRIKE_IRAQ, -1, 0.0, blamed)[1]  # nothing pending to answer


def test_misdirection_costs_pressure_on_iraqi_soil_only():
    cost = float(P.flat["misdirected_cost"][0])
    assert cost > 0
    x = 1.5
    assert iraq.misdirection_cost(ladder.US_STRIKE_IRAQ, x, True, cost) == pytest.approx(cost * x)
    assert iraq.misdirection_cost(ladder.US_DECAPITATION, 4.0, True, cost) == pytest.approx(
        4 * cost
    )
    assert iraq.misdirection_cost(ladder.US_STRIKE_IRAQ, x, False, cost) == 0.0
    assert iraq.misdirection_cost(ladder.US_STRIKE_SYRIA, x, True, cost) == 0.0  # not sovereign
    assert iraq.misdirection_cost(
        ladder.US_STRIKE_IRAQ, 2 * x, True, cost
    ) > iraq.misdirection_cost(ladder.US_STRIKE_IRAQ, x, True, cost)


def test_strike_harm_is_a_count_that_misdirection_raises():
    u = np.random.default_rng(1).random(40_000)
    collateral, extra, x = 1.0, 2.0, 1.5

    def harm(action, wrong):
        return np.array([us.strike_harm(action, x, wrong, v, collateral, extra) for v in u])

    right, wrong = harm(ladder.US_STRIKE_IRAQ, False), harm(ladder.US_STRIKE_IRAQ, True)
    assert (right >= 0).all() and (wrong >= right).all()  # same draw: at least as many harmed
    assert right.mean() == pytest.approx(x * collateral, rel=0.03)
    assert wrong.mean() == pytest.approx(x * (collateral + extra), rel=0.03)
    for action in (ladder.US_STRIKE_SYRIA, ladder.US_STRIKE_IRAN, ladder.US_DECAPITATION):
        assert not harm(action, True).any()  # only strikes inside Iraq harm bystanders here
    assert us.strike_harm(ladder.US_STRIKE_IRAQ, x, False, 0.9, 0.0, 2.0) == 0


# --- the policy that answers only attributed attacks ----------------------------------------


def test_answer_attributed_strikes_only_at_the_threshold_and_lets_the_rest_go():
    code = REGISTRY["answer_attributed"].code
    r = row({"attribution_threshold": 0.5})
    strike = decide(code, ladder.SEV_INJURY, 2, 0.5, 0, False, r, 0.0)
    assert strike[0] == ladder.US_STRIKE_IRAQ and not strike[2]
    below = decide(code, ladder.SEV_LETHAL, 2, 0.49, 1, False, r, 0.0)
    assert below[0] == ladder.US_STRIKE_IRAQ and below[2]  # wished, then let go: forgiven
    unnamed = decide(code, ladder.SEV_LETHAL, -1, 0.0, 1, False, r, 0.0)
    assert unnamed[2]
    assert decide(code, ladder.SEV_HARASSMENT, 2, 0.9, 0, False, r, 0.0)[0] == ladder.US_NONE
    assert decide(code, ladder.SEV_NONE, -1, 0.0, 0, True, r, 0.0)[0] == ladder.US_NONE
    # through the Python decide of the class, with the observation's confidence
    obs = Observation(
        np.array([2, 2, 2]), np.array([1, 1, -1]), np.zeros(3, int), np.zeros(3, bool),
        np.array([0.9, 0.2, 0.0]),
    )  # fmt: skip
    d = get_policy("answer_attributed").decide(obs, Params.build(3), np.zeros(3))
    assert d.forgive.tolist() == [False, True, True]


def test_an_observation_without_confidence_names_with_full_confidence():
    obs = Observation(np.array([2, 2]), np.array([1, -1]), np.zeros(2, int), np.zeros(2, bool))
    assert obs.pending_confidence.tolist() == [1.0, 0.0]


def test_answer_attributed_at_threshold_zero_is_strike_iraq():
    over = {**OTHERS_ATTACK, "attribution_threshold": 0.0}
    a = ensemble("answer_attributed", over, n=100)
    b = ensemble("strike_iraq", over, n=100)
    for k in a.outcomes:
        np.testing.assert_array_equal(a.outcomes[k], b.outcomes[k], err_msg=k)
    assert b.outcomes["misdirected_strikes"].sum() > 0


def test_answer_attributed_never_strikes_below_the_threshold_nor_misdirects():
    sc = YEAR
    seen = []
    for seed in range(12):
        m = EscalationModel(
            sc, "answer_attributed", Params.build(1, OTHERS_ATTACK), rng=seed, collect=False
        )
        act = m.us.us_act

        def watched(m=m, act=act):
            conf, sev = m.rows[0, SC.pending_confidence], m.rows[0, SC.pending_severity]
            act()
            if ladder.IS_KINETIC[int(m.rows[0, DC.action])]:
                seen.append((conf, sev, m.rows[0, DC.misdirected]))

        m.us.us_act = watched
        for _ in range(sc.days):
            m.step()
    assert len(seen) > 10  # the path is exercised
    threshold = float(P.flat["attribution_threshold"][0])
    assert all(c >= threshold and s >= ladder.SEV_INJURY and not w for c, s, w in seen)


# --- misdirected strikes in whole runs ------------------------------------------------------


def test_more_deniability_means_more_misdirected_strikes_under_strike_iraq():
    low = ensemble("strike_iraq", {**OTHERS_ATTACK, **deniable(0.2)})
    high = ensemble("strike_iraq", {**OTHERS_ATTACK, **deniable(0.9)})
    lo, hi = low.outcomes["misdirected_strikes"], high.outcomes["misdirected_strikes"]
    assert hi.mean() > 2 * lo.mean() > 0
    # hardly anybody named: most strikes land on the blamed group (KH), which did not attack
    # (the others are named, or answer KH's own attacks of revenge)
    share = hi.sum() / high.outcomes["strikes_iraq"].sum()
    assert share > 0.7
    # everything attributed: no strike is misdirected
    none = ensemble("strike_iraq", {**OTHERS_ATTACK, **deniable(0.0)}, n=100)
    assert none.outcomes["misdirected_strikes"].sum() == 0
    assert none.outcomes["strikes_iraq"].sum() > 0
    assert (ensemble("answer_attributed", OTHERS_ATTACK).outcomes["misdirected_strikes"] == 0).all()


def test_misdirection_raises_iraqi_pressure_and_harm():
    # harm from US strikes only (militia attacks harming Iraqis: tests/test_mech_truce.py)
    base = {**OTHERS_ATTACK, **deniable(0.9), "p_iraqi_harm": 0.0}
    # pressure: the same runs with and without the cost of misdirection
    sc = load_scenario("scenarios/late_2019.yaml").model_copy(update={"days": 120})
    states = []
    for cost in (0.0, 1.0):
        over = {**base, "misdirected_cost": cost}
        st_ = State.initial(300, Params.build(300, over), sc.initial)
        r = ensemble("strike_iraq", over, scenario=sc, state=st_)
        states.append((st_.iraq_pressure, r.outcomes))
    (p0, o0), (p1, o1) = states
    assert o1["misdirected_strikes"].sum() > 0
    assert p1.mean() > p0.mean() * 1.2
    assert o1["protests"].sum() > o0["protests"].sum()
    # harm: a misdirected strike harms more Iraqis; no strike inside Iraq, no Iraqi harmed
    h0 = ensemble("strike_iraq", {**base, "misdirected_harm": 0.0}).outcomes
    h1 = ensemble("strike_iraq", {**base, "misdirected_harm": 4.0}).outcomes
    assert h1["iraqi_harmed"].mean() > h0["iraqi_harmed"].mean() * 2
    clean = h1["misdirected_strikes"] == 0
    np.testing.assert_array_equal(h1["iraqi_harmed"][clean], h0["iraqi_harmed"][clean])
    for policy in ("do_nothing", "strike_syria"):
        assert ensemble(policy, base, n=100).outcomes["iraqi_harmed"].sum() == 0
    assert ensemble("do_nothing", base, n=100).outcomes["misdirected_strikes"].sum() == 0


def test_a_forced_strike_takes_its_target_by_the_same_rule():
    days = YEAR.days
    forced = np.zeros(days, dtype=np.int64)
    forced[30::30] = ladder.US_STRIKE_IRAQ  # the record's strikes, every month
    out = {}
    for d in (0.0, 1.0):
        over = {**OTHERS_ATTACK, **deniable(d), "response_window": 120.0}
        st_ = State.initial(100, Params.build(100, over), YEAR.initial)
        out[d] = ensemble("do_nothing", over, n=100, forced_us=forced, state=st_)
        assert (out[d].outcomes["strikes_iraq"] == len(forced[30::30])).all()
    # nobody named: each forced strike answering an attack hits the blamed group (KH), which
    # did not attack; so KH fears, the attackers do not
    assert out[1.0].outcomes["misdirected_strikes"].sum() > 0
    assert out[1.0].outcomes["iraqi_harmed"].sum() > out[0.0].outcomes["iraqi_harmed"].sum()
    assert out[0.0].outcomes["misdirected_strikes"].sum() == 0


@settings(max_examples=10, deadline=None)
@given(d=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_misdirected_strikes_are_strikes_on_militias(d, seed):
    for policy in ("strike_iraq", "tit_for_tat", "decapitation"):
        o = ensemble(policy, {**OTHERS_ATTACK, **deniable(d)}, n=20, seed=seed).outcomes
        on_militias = o["strikes_syria"] + o["strikes_iraq"] + o["decapitations"]
        assert (o["misdirected_strikes"] <= on_militias).all()
        assert (o["iraqi_harmed"] >= 0).all()
