"""Iran's restraint of its partners when its perceived risk of direct war with the US rises:
the rules' directions and bounds (hypothesis), short ensembles with the restraint on and off,
closer groups complying more, and both engines on the new rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import ladder
from sim.core.layout import SC
from sim.core.params import GROUPS, TABLE, Params
from sim.core.policies import get_policy
from sim.core.rules import iran, militia, truce
from sim.core.state import State
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import EscalationModel
from sim.inputs.scenario import scenario_from_dict

KH = GROUPS.index("kataib_hezbollah")
FRONT = GROUPS.index("front_groups")
KEEP = float(np.exp(-1.0 / TABLE["war_risk_days"].default))
#: a busy campaign (about four attacks a week), no other truce, no revenge or deterrence: what
#: is left to move the attacks is Iran's restraint
BUSY = {f"base_rate.{g}": 0.15 for g in GROUPS} | {
    "truce_rate": 0.0,
    "truce_mediation": 0.0,
    "truce_offer": 0.0,
    "revenge_attacks": 0.0,
    "deterrence_strength": 0.0,
    "self_excitation": 0.0,
}
OFF = {"patron_restraint": 0.0, "patron_truce": 0.0}
TWO_MONTHS = scenario_from_dict({"name": "lull", "start": "2024-01-29", "days": 60})

nonneg = st.floats(0.0, 20.0)
action = st.sampled_from(range(len(ladder.US_ACTIONS)))


# --- the rules -------------------------------------------------------------------------------
@settings(deadline=None)  # the first call compiles the rule
@given(nonneg, nonneg, action, st.floats(0.0, 8.0), st.floats(0.0, 1.0))
def test_war_risk_rises_with_deaths_strikes_and_talks_and_decays(risk, killed, a, x, deal):
    w = (TABLE["war_risk_killed"].default, TABLE["war_risk_strike"].default, 0.02)
    r = iran.war_risk_update(risk, killed, a, x, deal, *w, KEEP)
    base = iran.war_risk_update(risk, 0.0, ladder.US_NONE, 0.0, 0.0, *w, KEEP)
    assert base == pytest.approx(risk * KEEP)  # nothing happens: it decays
    assert r >= base  # deaths, strikes on the partners and talks only raise it
    more_dead = iran.war_risk_update(risk, killed + 1.0, a, x, deal, *w, KEEP)
    assert more_dead == pytest.approx(r + w[0])  # each American killed adds war_risk_killed
    if ladder.HITS_MILITIA[a]:
        assert iran.war_risk_update(risk, killed, a, x + 1.0, deal, *w, KEEP) > r or w[1] == 0
    else:  # diplomacy, pressing Baghdad, a strike on Iran itself: not a blow to the partners
        assert iran.war_risk_update(risk, killed, a, x + 1.0, deal, *w, KEEP) == r


def test_a_decapitation_weighs_more_than_a_strike_and_deaths_most():
    p = Params.build(1)
    w = (p.war_risk_killed[0], p.war_risk_strike[0], p.war_risk_deal[0])
    strike = iran.war_risk_update(0.0, 0.0, ladder.US_STRIKE_IRAQ, p.intensity_iraq[0], 0, *w, 1)
    decap = iran.war_risk_update(
        0.0, 0.0, ladder.US_DECAPITATION, p.intensity_decapitation[0], 0, *w, 1
    )
    tower22 = iran.war_risk_update(0.0, 3.0, ladder.US_NONE, 0.0, 0.0, *w, 1)
    threshold = p.war_risk_threshold[0]
    assert 0 < strike < decap < threshold  # one blow alone does not make Iran rein them in
    assert tower22 > threshold  # three Americans killed do (Tower 22, KH's suspension)
    # the strikes of 2 February and the decapitation of 7 February 2024 after Tower 22
    assert tower22 * KEEP**10 + strike * KEEP**5 + decap > tower22


@settings(deadline=None)  # the first call compiles the rule
@given(st.floats(-5.0, 20.0), st.floats(0.0, 10.0), st.floats(0.0, 5.0))
def test_restraint_is_zero_below_the_threshold_and_grows_above_it(risk, threshold, strength):
    r = iran.patron_restraint(risk, threshold, strength)
    assert r >= 0.0
    if risk <= threshold:
        assert r == 0.0
    else:
        assert r == pytest.approx(strength * (risk - threshold))
        assert iran.patron_restraint(risk + 1.0, threshold, strength) >= r


@settings(deadline=None)  # the first call compiles the rule
@given(st.floats(0.0, 5.0), st.floats(0.0, 3.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_restraint_lowers_the_hazard_closer_groups_more(restraint, push, near, far):
    """The restraint is subtracted from Iran's push, which each group feels by its closeness:
    a restrained group's hazard falls, and by more the closer the group."""
    near, far = max(near, far), min(near, far)

    def hazard(close, r):
        return militia.attack_hazard(0.1, 0.0, 0.0, 0.0, close, push - r, 1.0, True)

    for c in (near, far):
        assert hazard(c, restraint) <= hazard(c, 0.0)
    kept_near = hazard(near, restraint) / hazard(near, 0.0)
    kept_far = hazard(far, restraint) / hazard(far, 0.0)
    assert kept_near <= kept_far * (1 + 1e-12)


@settings(deadline=None)  # the first call compiles the rule
@given(st.floats(0.0, 1.0), st.floats(0.0, 10.0), st.floats(0.0, 1.0))
def test_suspension_hazard_grows_with_closeness_and_restraint(close, restraint, rate):
    h = truce.suspension_hazard(close, restraint, rate)
    assert h >= 0.0
    assert truce.suspension_hazard(close, 0.0, rate) == 0.0  # no restraint, no suspension
    assert truce.suspension_hazard(min(close + 0.1, 1.0), restraint, rate) >= h
    assert truce.suspension_hazard(close, restraint + 1.0, rate) >= h


# --- short simulations -----------------------------------------------------------------------
def _after_tower22(n: int, p: Params) -> State:
    """The state the day after three Americans were killed in a partner's attack: Iran's war
    risk as its rule leaves it (:func:`sim.core.rules.iran.war_risk_update`)."""
    s = State.initial(n, p, TWO_MONTHS.initial)
    s.iran_war_risk[:] = iran.war_risk_update(
        0.0, 3.0, ladder.US_NONE, 0.0, 0.0, float(p.war_risk_killed[0]), 0.0, 0.0, 1.0
    )
    return s


def _heavy_strike() -> np.ndarray:
    """A heavy US answer: a strike inside Iraq on day 4, a decapitation on day 9 (as on 2 and
    7 February 2024)."""
    us = np.zeros(TWO_MONTHS.days, dtype=np.int64)
    us[4], us[9] = ladder.US_STRIKE_IRAQ, ladder.US_DECAPITATION
    return us


def _run(over: dict, state: State | None, forced_us=None, n: int = 400):
    p = Params.build(n, {**BUSY, **over})
    return run_ensemble(
        TWO_MONTHS, get_policy("do_nothing"), p, np.random.default_rng(21),
        state=state, forced_us=forced_us,
    )  # fmt: skip


def test_restraint_lowers_attacks_after_deaths_and_a_heavy_strike():
    """Deaths and a heavy strike: with the restraint on, far fewer attacks in the next two
    months than with it off (common random numbers), and some groups suspend their attacks."""
    n = 400
    p_on = Params.build(n, BUSY)
    on = _run({}, _after_tower22(n, p_on), _heavy_strike(), n)
    off = _run(OFF, _after_tower22(n, Params.build(n, {**BUSY, **OFF})), _heavy_strike(), n)
    a_on, a_off = on.outcomes["attacks_total"].mean(), off.outcomes["attacks_total"].mean()
    assert a_on < 0.5 * a_off
    assert on.outcomes["truce_days"].mean() > 0
    assert (off.outcomes["truce_days"] == 0).all()


def test_no_restraint_when_the_risk_stays_low():
    """No deaths and no strikes: the risk stays at zero, below the threshold, and the restraint
    changes nothing, to the last number."""
    p = {"p_lethal": 0.0}
    on, off = _run(p, None), _run({**p, **OFF}, None)
    for k, v in on.outcomes.items():
        np.testing.assert_array_equal(v, off.outcomes[k], err_msg=k)


def test_closer_groups_comply_more():
    """Under the same restraint the closest group (Kata'ib Hezbollah) keeps a smaller share of
    its attacks and spends more days in suspension than the front groups."""
    n = 800
    kept, truce_days = {}, {}
    for name, over in (("on", {}), ("off", OFF)):
        p = Params.build(n, {**BUSY, **over})
        s = _after_tower22(n, p)
        counts = np.zeros(len(GROUPS))
        days = np.zeros(len(GROUPS))

        def observe(t, ev, st, counts=counts, days=days):
            counts[:] += ev.attacked.sum(axis=0)
            days[:] += st.truce.sum(axis=0)

        run_ensemble(TWO_MONTHS, get_policy("do_nothing"), p, np.random.default_rng(5),
                     state=s, forced_us=_heavy_strike(), observe=observe)  # fmt: skip
        kept[name], truce_days[name] = counts, days
    share = kept["on"] / kept["off"]
    assert share[KH] < share[FRONT]
    assert truce_days["on"][KH] > truce_days["on"][FRONT]


def test_deaths_in_a_partners_attack_raise_the_risk():
    """Simulated deaths move the risk: after a month of deadly attacks and no US answer the
    risk is higher the more Americans were killed, and zero where nobody was."""
    sc = scenario_from_dict({"name": "m", "start": "2021-01-01", "days": 30})
    p = Params.build(300, {**BUSY, "p_lethal": 0.3, "air_defence_initial": 0.0})
    s = State.initial(300, p, sc.initial)
    res = run_ensemble(sc, get_policy("do_nothing"), p, np.random.default_rng(3), state=s)
    killed = np.asarray(res.outcomes["us_killed"])
    assert (s.iran_war_risk[killed == 0] == 0).all()
    assert s.iran_war_risk[killed > 0].min() > 0
    assert np.corrcoef(killed, s.iran_war_risk)[0, 1] > 0.8


# --- both engines --------------------------------------------------------------------------
def test_both_engines_agree_with_the_restraint_at_work():
    """The Mesa model and the ensemble give the same numbers with Iran's restraint and the
    suspensions at work (a deadly campaign and a heavy answer)."""
    over = {**BUSY, "p_lethal": 0.3, "air_defence_initial": 0.0, "war_risk_threshold": 1.0}
    active = 0
    for seed in range(4):
        m = EscalationModel(TWO_MONTHS, "do_nothing", Params.build(1, over), rng=seed,
                            collect=False, forced_us=_heavy_strike())  # fmt: skip
        for _ in range(TWO_MONTHS.days):
            m.step()
        e = run_ensemble(TWO_MONTHS, get_policy("do_nothing"), Params.build(1, over),
                         np.random.default_rng(seed), forced_us=_heavy_strike())  # fmt: skip
        for k, v in e.outcomes.items():
            np.testing.assert_array_equal(m.result().outcomes[k], v, err_msg=k)
        assert m.rows[0, SC.iran_war_risk] == pytest.approx(float(m.iran.war_risk[0]))
        active += m.rows[0, SC.iran_war_risk] > 0
    assert active > 0
