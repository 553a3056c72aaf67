"""Strategic severity and Iran's choice of a direct strike.

The militias read a red line from what the US answers and aim below it; fear lowers lethality
as well as frequency; Iran strikes US forces itself only on the grievance above a threshold;
a grievance at a third party (Haniyeh's killing) pushes Iran's partners but brings no Iranian
strike on US forces.
"""

from __future__ import annotations

import typing

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import ladder
from sim.core.layout import XC
from sim.core.params import GROUPS, TABLE, Params
from sim.core.policies import get_policy
from sim.core.rules import iran, militia
from sim.core.rules.militia import CASE_LETHAL, CASE_NONE, CASE_OTHER
from sim.engines.ensemble import State, run_ensemble
from sim.history.replay import history_setting
from sim.inputs.scenario import (
    PULSE_KINDS,
    SHOCK_KINDS,
    ScenarioError,
    Shock,
    scenario_from_dict,
)

W, WAIT = TABLE["red_line_weight"].default, TABLE["red_line_wait"].default
LETHAL, HARASS, NONE = ladder.SEV_LETHAL, ladder.SEV_HARASSMENT, ladder.SEV_NONE


# --- the rules --------------------------------------------------------------------------------


def test_red_line_is_the_extra_sureness_of_an_answer_to_deaths():
    assert militia.red_line(1.0, 0.0) == 1.0
    assert militia.red_line(0.7, 0.2) == pytest.approx(0.5)
    assert militia.red_line(0.4, 0.4) == 0.0  # answers everything alike: no safe zone
    assert militia.red_line(0.1, 0.6) == 0.0  # never negative


def test_aim_is_one_without_fear_or_line_and_falls_with_each():
    assert militia.aim(0.0, 0.0, 0.5, 1.0) == 1.0
    assert militia.aim(1.0, 0.0, 0.5, 1.0) == pytest.approx(np.exp(-0.5))
    assert militia.aim(0.0, 1.0, 0.5, 1.0) == pytest.approx(np.exp(-1.0))
    assert militia.aim(2.0, 0.5, 0.5, 1.0) < militia.aim(1.0, 0.5, 0.5, 1.0)
    assert militia.aim(1.0, 0.8, 0.5, 1.0) < militia.aim(1.0, 0.4, 0.5, 1.0)
    assert militia.aim(3.0, 1.0, 0.0, 0.0) == 1.0  # both switches off: the old model


def test_an_answered_lethal_attack_raises_the_lethal_belief_by_the_weight():
    al, ao, case, age = militia.red_line_update(0.0, 0.0, CASE_NONE, 0.0, LETHAL, True, W, WAIT)
    assert (al, ao, case, age) == (pytest.approx(W), 0.0, CASE_NONE, 0.0)
    al, ao, case, _ = militia.red_line_update(0.5, 0.5, CASE_NONE, 0.0, HARASS, True, W, WAIT)
    assert al == 0.5 and ao == pytest.approx(0.5 + W * 0.5) and case == CASE_NONE


def test_an_unanswered_attack_is_read_as_let_go_after_the_wait():
    state = (0.0, 0.8, CASE_NONE, 0.0)
    state = militia.red_line_update(*state, HARASS, False, W, WAIT)
    assert state[2] == CASE_OTHER
    days = 0
    while state[2] != CASE_NONE:
        state = militia.red_line_update(*state, NONE, False, W, WAIT)
        days += 1
    assert days == int(WAIT)
    assert state[1] == pytest.approx(0.8 * (1 - W))  # moved toward "not answered"
    assert state[0] == 0.0


def test_later_attacks_do_not_restart_the_wait_but_a_death_opens_a_lethal_case():
    state = militia.red_line_update(0.0, 0.0, CASE_NONE, 0.0, HARASS, False, W, 3.0)
    state = militia.red_line_update(*state, HARASS, False, W, 3.0)
    assert state[2:] == (CASE_OTHER, 1.0)
    state = militia.red_line_update(*state, LETHAL, False, W, 3.0)
    assert state[2:] == (CASE_LETHAL, 0.0)
    state = militia.red_line_update(*state, HARASS, True, W, 3.0)  # the answer is to the death
    assert state == (pytest.approx(W), 0.0, CASE_NONE, 0.0)


def test_nothing_happens_without_an_attack_or_an_open_case():
    assert militia.red_line_update(0.3, 0.2, CASE_NONE, 0.0, NONE, True, W, WAIT) == (
        0.3,
        0.2,
        CASE_NONE,
        0.0,
    )


def _learn(answer_lethal_only: bool, days: int = 2000, seed: int = 0) -> float:
    """The red line learnt from a US that answers deaths only, or everything, next day."""
    rng = np.random.default_rng(seed)
    state = (0.0, 0.0, CASE_NONE, 0.0)
    due = False
    for _ in range(days):
        sev = NONE
        if rng.random() < 0.1:
            sev = LETHAL if rng.random() < 0.1 else HARASS
        state = militia.red_line_update(*state, sev, due, W, WAIT)
        due = sev == LETHAL or (sev != NONE and not answer_lethal_only)
    return militia.red_line(state[0], state[1])


def test_casualty_rule_reveals_a_line_and_answering_everything_does_not():
    assert _learn(answer_lethal_only=True) > 0.8
    assert _learn(answer_lethal_only=False) < 0.2


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from([0, 1, 2, 3]), st.booleans()), min_size=1, max_size=60
    ),
    weight=st.floats(0.05, 1.0),
    wait=st.floats(3.0, 60.0),
)
def test_beliefs_stay_probabilities_and_cases_stay_classes(steps, weight, wait):
    state = (0.0, 0.0, CASE_NONE, 0.0)
    for sev, responded in steps:
        state = militia.red_line_update(*state, sev, responded, weight, wait)
        al, ao, case, age = state
        assert 0.0 <= al <= 1.0 and 0.0 <= ao <= 1.0
        assert case in (CASE_NONE, CASE_OTHER, CASE_LETHAL)
        assert 0.0 <= age < wait + 1
        assert 0.0 <= militia.red_line(al, ao) <= 1.0


def test_aiming_below_the_line_moves_lethal_attacks_to_harassment():
    u = np.random.default_rng(3).random(50_000)

    def shares(aim: float) -> np.ndarray:
        sev = [
            militia.attack_severity(x, 1.0, 1.0, 0.0, 0.2 * aim, 0.06 * aim, 0.0, 1, 0.0, 1)
            for x in u
        ]
        return np.bincount(sev, minlength=4)[1:] / len(u)

    full, aimed = shares(1.0), shares(np.exp(-1.0))
    assert aimed[2] < full[2] and aimed[1] < full[1] and aimed[0] > full[0]
    assert aimed[2] == pytest.approx(0.06 * np.exp(-1.0), abs=0.004)


def test_iran_strikes_only_on_the_grievance_above_the_threshold():
    assert iran.strike_hazard(0.4, 0.0, 0.2, True, 0.5) == 0.0
    assert iran.strike_hazard(0.5, 0.0, 0.2, True, 0.5) == 0.0
    assert iran.strike_hazard(1.0, 0.0, 0.2, True, 0.5) == pytest.approx(0.1)
    assert iran.strike_hazard(1.0, 0.0, 0.2, True, 0.0) == pytest.approx(0.2)
    assert iran.strike_hazard(1.0, 1.0, 0.2, True, 0.5) < iran.strike_hazard(
        1.0, 0.0, 0.2, True, 0.5
    )
    assert iran.strike_hazard(2.0, 0.0, 0.2, False, 0.5) == 0.0


def test_third_party_grievance_decays_and_takes_its_pulse():
    keep = np.exp(-1 / 30)
    assert iran.third_party_grievance_update(0.0, keep, 0.6) == pytest.approx(0.6)
    assert iran.third_party_grievance_update(0.6, keep, 0.0) == pytest.approx(0.6 * keep)


# --- the shock kind ---------------------------------------------------------------------------


def test_shock_kinds_columns_and_schema_agree():
    literal = typing.get_args(Shock.model_fields["kind"].annotation)
    assert set(literal) == set(SHOCK_KINDS) == set(XC._fields)
    assert list(SHOCK_KINDS) == list(XC._fields)  # the order of the shock matrix
    assert "iran_grievance_third_party" in PULSE_KINDS


def test_a_third_party_pulse_takes_no_end():
    data = {
        "name": "x",
        "start": "2024-07-01",
        "days": 60,
        "shocks": [
            {
                "kind": "iran_grievance_third_party",
                "start": "2024-07-31",
                "end": "2024-08-05",
                "magnitude": 0.6,
            }
        ],
    }
    with pytest.raises(ScenarioError, match=r"shocks\.0.*pulse"):
        scenario_from_dict(data)


def test_the_history_codes_haniyeh_as_a_third_party_killing():
    h = history_setting()
    haniyeh = [s for s in h.shocks if "Haniyeh" in s.label]
    assert [s.kind for s in haniyeh] == ["iran_grievance_third_party"]


# --- whole runs (small ensembles, common random numbers) --------------------------------------

BUSY = {f"base_rate.{g}": 0.05 for g in GROUPS}


def _run(sc, policy, n=400, seed=5, state=False, **params):
    p = Params.build(n, BUSY | params)
    st0 = State.initial(n, p, sc.initial) if state else None
    r = run_ensemble(sc, get_policy(policy), p, np.random.default_rng(seed), keep_daily=False,
                     state=st0)  # fmt: skip
    return r.outcomes, st0


YEAR = scenario_from_dict({"name": "year", "start": "2021-01-01", "days": 365})


def _share(o, kind: str) -> float:
    return float(np.sum(o[f"attacks_{kind}"]) / np.sum(o["attacks_total"]))


def test_casualty_threshold_learns_a_red_line_escalate_syria_does_not():
    _, s_cas = _run(YEAR, "casualty_threshold", state=True)
    _, s_esc = _run(YEAR, "escalate_syria", state=True)
    line_cas = np.maximum(s_cas.answer_lethal - s_cas.answer_other, 0)
    line_esc = np.maximum(s_esc.answer_lethal - s_esc.answer_other, 0)
    assert line_cas.mean() > 0.4
    assert line_esc.mean() < 0.1
    assert s_esc.answer_other.mean() > 0.9  # answers everything: both beliefs near one


def test_trickle_attacks_under_the_casualty_rule():
    """The red line lowers the lethal share and raises harassment (same draws)."""
    on, _ = _run(YEAR, "casualty_threshold")
    off, _ = _run(YEAR, "casualty_threshold", red_line_restraint=0.0)
    assert _share(on, "lethal") < 0.9 * _share(off, "lethal")
    assert _share(on, "harassment") > _share(off, "harassment")
    # under escalate_syria the line is not revealed: the switch changes the lethal share little
    esc_on, _ = _run(YEAR, "escalate_syria")
    esc_off, _ = _run(YEAR, "escalate_syria", red_line_restraint=0.0)
    assert _share(esc_on, "lethal") > 0.9 * _share(esc_off, "lethal")


def test_deterrence_lowers_lethality_as_well_as_frequency():
    on, _ = _run(YEAR, "strike_iraq", lethality_fear=2.0)
    off, _ = _run(YEAR, "strike_iraq", lethality_fear=0.0)
    assert _share(on, "lethal") < _share(off, "lethal")


MONTH = scenario_from_dict({"name": "month", "start": "2021-01-01", "days": 31})


def _iran_strikes(action: int, n=2000, **params) -> np.ndarray:
    forced = np.full(MONTH.days, ladder.US_NONE, dtype=np.int64)
    forced[0] = action
    p = Params.build(n, params)
    r = run_ensemble(MONTH, get_policy("do_nothing"), p, np.random.default_rng(2),
                     keep_daily=False, forced_us=forced)  # fmt: skip
    return np.asarray(r.outcomes["iran_strikes"])


def test_a_small_grievance_goes_through_the_partners_a_big_one_can_bring_a_strike():
    commander = _iran_strikes(ladder.US_DECAPITATION, iran_commander_grievance=0.3)
    assert (commander > 0).mean() == 0.0  # 0.3 units lie below the default threshold of 0.5
    loose = _iran_strikes(ladder.US_DECAPITATION, iran_commander_grievance=0.3,
                          iran_strike_threshold=0.0)  # fmt: skip
    assert (loose > 0).mean() > 0.5
    official = _iran_strikes(ladder.US_DECAPITATION_IRAN)
    assert (official > 0).mean() > 0.4


def test_once_iran_has_struck_its_grievance_is_spent():
    """After Soleimani a second direct strike needs grievance left above the threshold."""
    with_t = _iran_strikes(ladder.US_DECAPITATION_IRAN, iran_strike_rate=0.5)
    without = _iran_strikes(ladder.US_DECAPITATION_IRAN, iran_strike_rate=0.5,
                            iran_strike_threshold=0.0)  # fmt: skip
    assert (with_t >= 2).mean() < 0.02
    assert (without >= 2).mean() > 0.2


def _haniyeh(kind: str, **params):
    sc = scenario_from_dict(
        {
            "name": "h",
            "start": "2024-07-01",
            "days": 90,
            "posterior": False,
            "shocks": [{"kind": kind, "start": "2024-07-31", "magnitude": 0.6}],
        }
    )
    return _run(sc, "do_nothing", n=1000, **params)[0]


def test_a_third_party_killing_pushes_the_partners_but_brings_no_strike_on_us_forces():
    third = _haniyeh("iran_grievance_third_party", iran_strike_threshold=0.0)
    at_us = _haniyeh("iran_grievance", iran_strike_threshold=0.0)
    assert np.sum(third["iran_strikes"]) == 0
    assert np.sum(at_us["iran_strikes"]) > 0
    none = _run(
        scenario_from_dict({"name": "h0", "start": "2024-07-01", "days": 90, "posterior": False}),
        "do_nothing",
        n=1000,
    )[0]
    assert np.sum(third["attacks_total"]) > np.sum(none["attacks_total"])


def test_an_initial_red_line_is_kept_by_a_casualty_rule_and_unlearnt_by_answering_all():
    """A scenario may start with the line earlier years revealed (Daily Beast 2021: the Biden
    administration inherited a rule of "retaliation every time American personnel were
    killed"); answering everything erases it, answering only deaths keeps it."""
    sc = scenario_from_dict(
        {"name": "y", "start": "2021-01-01", "days": 365, "initial": {"red_line": 1.0}}
    )
    p = Params.build(3, BUSY)
    assert (State.initial(3, p, sc.initial).answer_lethal == 1.0).all()
    _, cas = _run(sc, "casualty_threshold", state=True)
    _, esc = _run(sc, "escalate_syria", state=True)
    assert np.maximum(cas.answer_lethal - cas.answer_other, 0).mean() > 0.8
    assert np.maximum(esc.answer_lethal - esc.answer_other, 0).mean() < 0.1
    quiet, _ = _run(YEAR, "casualty_threshold")
    lined, _ = _run(sc, "casualty_threshold")
    assert _share(lined, "lethal") < _share(quiet, "lethal")
