"""Truces, Baghdad's pressure on the militias after harm to Iraqis, and a negotiated withdrawal:
the rules' directions and bounds, small ensembles, both engines, the replay's
forced truce."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.main import main
from sim.core import ladder
from sim.core.layout import SC
from sim.core.params import GROUPS, Params
from sim.core.policies import get_policy
from sim.core.rules import truce
from sim.core.state import State
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import EscalationModel
from sim.history.replay import (
    TRUCE_DAYS,
    forcing_from_record,
    history_setting,
    replay,
    truce_forcing,
    window,
)
from sim.inputs.record import load_events, load_record
from sim.inputs.scenario import load_scenario, scenario_from_dict

KH = GROUPS.index("kataib_hezbollah")
YEAR = scenario_from_dict({"name": "year", "start": "2021-01-01", "days": 365})
# every source of a truce off: its background rate, Baghdad's mediation, the offer on a
# timetable and a suspension at Iran's behest
NO_TRUCE = {"truce_rate": 0.0, "truce_mediation": 0.0, "truce_offer": 0.0, "patron_truce": 0.0}
BUSY = {f"base_rate.{g}": 0.15 for g in GROUPS}


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load_record("seeds").events


# --- the rules -------------------------------------------------------------------------------
def test_iraqi_harm_is_zero_above_its_chance_and_has_its_mean_below():
    assert truce.iraqi_harm(0.2, 0.15, 2.0) == 0
    assert truce.iraqi_harm(0.0, 0.15, 2.0) >= 1
    u = (np.arange(200_000) + 0.5) / 200_000
    counts = np.array([truce.iraqi_harm(x, 0.15, 2.0) for x in u])
    assert (counts >= 0).all()
    assert np.mean(counts > 0) == pytest.approx(0.15, abs=1e-4)
    assert counts.mean() == pytest.approx(0.15 * 2.0, rel=0.01)
    assert all(truce.iraqi_harm(x, 0.0, 2.0) == 0 for x in u[::1000])


def test_baghdad_pressure_rises_with_harm_and_decays():
    keep = np.exp(-1 / 30)
    assert truce.baghdad_pressure_update(0.0, 3.0, keep) == 3.0
    assert truce.baghdad_pressure_update(3.0, 0.0, keep) == pytest.approx(3.0 * keep)
    assert truce.baghdad_pressure_update(3.0, 1.0, keep) > truce.baghdad_pressure_update(
        3.0, 0.0, keep
    )


def test_attack_factor_directions_and_identity():
    f = truce.attack_factor
    assert f(False, 0.1, 0.0, 0.05, 0.0, 0.5, 0.0) == 1.0  # nothing at work: exactly 1
    assert f(True, 0.1, 0.0, 0.05, 0.0, 0.5, 0.0) == pytest.approx(0.1)  # the truce's leak
    assert f(True, 0.0, 0.0, 0.05, 0.0, 0.5, 0.0) == 0.0  # a perfect truce
    assert f(False, 0.1, 4.0, 0.05, 0.0, 0.5, 0.0) < 1.0  # Baghdad deters
    assert f(False, 0.1, 4.0, 0.0, 0.0, 0.5, 0.0) == 1.0
    assert f(False, 0.1, 0.0, 0.05, 0.8, 0.5, 0.0) > 1.0  # the timetable "chases" attacks
    assert f(True, 0.1, 0.0, 0.05, 0.8, 0.5, 0.0) == pytest.approx(0.1)  # not by a group in truce
    assert f(False, 0.1, 0.0, 0.05, 0.0, 0.5, 0.7) == pytest.approx(np.exp(0.7))  # the campaign


def test_campaign_starts_at_the_vote_grows_to_its_ceiling_and_ends_with_withdrawal():
    up = truce.campaign_update
    assert up(0.0, False, True, 0.6, 180.0) == 0.0  # no vote, no campaign
    assert up(0.3, False, True, 0.6, 180.0) == 0.3  # (a vote is never undone)
    c, path = 0.0, []
    for _ in range(400):
        c = up(c, True, True, 0.6, 180.0)
        path.append(c)
    path = np.array(path)
    assert (np.diff(path) >= 0).all() and path.max() == pytest.approx(0.6)
    assert path[89] == pytest.approx(0.6 * 90 / 180)  # linear ramp
    assert np.argmax(path >= 0.6 - 1e-12) == pytest.approx(179, abs=1)  # full after the ramp
    assert up(0.6, True, False, 0.6, 180.0) == 0.0  # US forces gone: nothing to chase


def test_the_vote_raises_attacks_through_the_campaign():
    n, sc = 300, YEAR
    voted = sc.model_copy(
        update={"initial": sc.initial.model_copy(update={"expulsion_voted": True})}
    )
    off = Params.build(n, {**BUSY, **NO_TRUCE, "expulsion_campaign": 0.0, "withdraw_rate": 0.0})
    on = Params.build(n, {**BUSY, **NO_TRUCE, "expulsion_campaign": 0.8, "withdraw_rate": 0.0})
    s_on = State.initial(n, on, voted.initial)
    assert (s_on.campaign == 0.8).all()  # a vote before the period: at full strength
    a = run_ensemble(voted, get_policy("do_nothing"), off, np.random.default_rng(8))
    b = run_ensemble(voted, get_policy("do_nothing"), on, np.random.default_rng(8))
    c = run_ensemble(sc, get_policy("do_nothing"), on, np.random.default_rng(8))
    ratio = b.outcomes["attacks_total"].mean() / a.outcomes["attacks_total"].mean()
    assert 1.6 < ratio < 2.6  # exp(0.8) = 2.2 on the hazard, diluted by deterrence and decay
    # without a vote the campaign never starts (unless parliament votes in the year)
    never = ~c.outcomes["expulsion_vote"]
    assert never.any()
    same = run_ensemble(sc, get_policy("do_nothing"), off, np.random.default_rng(8))
    assert np.array_equal(c.outcomes["attacks_total"][never], same.outcomes["attacks_total"][never])


def test_truce_hazards_directions():
    on = truce.truce_onset_hazard
    assert on(0.0003, 0.0005, 0.0, 0.01, 0.0) == 0.0003
    assert on(0.0003, 0.0005, 5.0, 0.01, 0.0) > on(0.0003, 0.0005, 0.0, 0.01, 0.0)
    assert on(0.0003, 0.0005, 0.0, 0.01, 0.5) > on(0.0003, 0.0005, 0.0, 0.01, 0.0)
    end = truce.truce_end_hazard
    assert end(False, 0.005, 0.025) == pytest.approx(0.03)  # the condition stalls
    assert end(True, 0.005, 0.025) == 0.005
    assert truce.progressed(ladder.US_NEGOTIATE)
    assert not truce.progressed(ladder.US_DIPLOMACY) and not truce.progressed(ladder.US_NONE)


def test_truce_update_a_strike_ends_it_at_once():
    rk = np.uint64(12345)
    for t in range(50):
        assert not truce.truce_update(True, 1.0, 0.0, 0.0, rk, t, 0)  # struck: over
        assert truce.truce_update(True, 0.0, 0.0, 0.0, rk, t, 0)  # no end hazard: holds
        assert not truce.truce_update(False, 0.0, 0.0, 0.0, rk, t, 0)  # no onset: none
        assert truce.truce_update(False, 0.0, 50.0, 0.0, rk, t, 0)  # certain onset
        assert not truce.truce_update(True, 0.0, 0.0, 50.0, rk, t, 0)  # certain end


def test_timetable_grows_only_in_talks_is_set_back_and_capped():
    up = truce.timetable_update
    assert up(0.2, ladder.US_NEGOTIATE, False, 0.01, 0.5) == pytest.approx(0.21)
    assert up(0.2, ladder.US_DIPLOMACY, False, 0.01, 0.5) == 0.2
    assert up(0.2, ladder.US_NONE, True, 0.01, 0.5) == pytest.approx(0.1)  # a lethal attack
    assert up(0.2, ladder.US_STRIKE_SYRIA, False, 0.01, 0.5) == pytest.approx(0.1)
    assert up(0.999, ladder.US_NEGOTIATE, False, 0.01, 0.5) == 1.0
    assert truce.timetable_complete(1.0) and not truce.timetable_complete(0.99)


# --- small ensembles -------------------------------------------------------------------------
def _state_in_truce(n: int, params: Params, sc) -> State:
    s = State.initial(n, params, sc.initial)
    s.truce[:] = 1.0
    return s


def test_a_us_strike_on_a_group_in_truce_ends_it():
    sc = scenario_from_dict({"name": "m", "start": "2021-01-01", "days": 20})
    p = Params.build(
        50, {"truce_break_rate": 0.0, "truce_stall_rate": 0.0, "truce_leak": 0.0, **NO_TRUCE}
    )
    us = np.zeros(sc.days, dtype=np.int64)
    us[5] = ladder.US_STRIKE_IRAQ  # aimed at the blamed group, Kata'ib Hezbollah
    quiet = _state_in_truce(50, p, sc)
    run_ensemble(sc, get_policy("do_nothing"), p, np.random.default_rng(1), state=quiet)
    assert quiet.truce.all()  # nothing ends these truces
    struck = _state_in_truce(50, p, sc)
    res = run_ensemble(sc, get_policy("do_nothing"), p, np.random.default_rng(1),
                       state=struck, forced_us=us)  # fmt: skip
    assert not struck.truce[:, KH].any()  # the struck group's truce is over
    assert struck.truce[:, [g for g in range(len(GROUPS)) if g != KH]].all()
    assert (res.outcomes["truce_days"] == sc.days).all()  # the other groups kept theirs


def test_a_group_in_truce_attacks_less():
    sc = scenario_from_dict({"name": "m", "start": "2021-01-01", "days": 60})
    p = Params.build(400, {"truce_break_rate": 0.0, "truce_stall_rate": 0.0, **NO_TRUCE, **BUSY})
    free = run_ensemble(sc, get_policy("do_nothing"), p, np.random.default_rng(2))
    held = run_ensemble(sc, get_policy("do_nothing"), p, np.random.default_rng(2),
                        state=_state_in_truce(400, p, sc))  # fmt: skip
    a, b = free.outcomes["attacks_total"].mean(), held.outcomes["attacks_total"].mean()
    assert b < 0.3 * a  # leak 0.1 of the hazard (plus self-excitation)
    assert (held.outcomes["truce_days"] == sc.days).all()
    assert (free.outcomes["truce_days"] == 0).all()


def test_harm_to_iraqis_raises_baghdads_pressure_which_deters_and_mediates():
    n = 300
    base = {**BUSY, "truce_rate": 0.0, "patron_truce": 0.0}  # truces only through Baghdad
    harmless = Params.build(n, {**base, "p_iraqi_harm": 0.0})
    harmful = Params.build(n, {**base, "p_iraqi_harm": 0.3})
    s0, s1 = (State.initial(n, p, YEAR.initial) for p in (harmless, harmful))
    r0 = run_ensemble(YEAR, get_policy("do_nothing"), harmless, np.random.default_rng(4), state=s0)
    r1 = run_ensemble(YEAR, get_policy("do_nothing"), harmful, np.random.default_rng(4), state=s1)
    assert (r0.outcomes["iraqi_harmed"] == 0).all() and (s0.baghdad_pressure == 0).all()
    per_attack = r1.outcomes["iraqi_harmed"].sum() / r1.outcomes["attacks_total"].sum()
    assert per_attack == pytest.approx(0.3 * 2.0, rel=0.1)  # p_iraqi_harm * iraqi_harm_mean
    assert (s1.baghdad_pressure >= 0).all() and s1.baghdad_pressure.mean() > 0.5
    # mediation: truces only through Baghdad here
    assert (r0.outcomes["truce_days"] == 0).all()
    assert r1.outcomes["truce_days"].mean() > 5
    # deterrence: the same harm with and without Baghdad's restraint
    feared = Params.build(n, {**base, "p_iraqi_harm": 0.3, "truce_mediation": 0.0,
                              "baghdad_deterrence": 0.3})  # fmt: skip
    unfeared = Params.build(n, {**base, "p_iraqi_harm": 0.3, "truce_mediation": 0.0,
                                "baghdad_deterrence": 0.0})  # fmt: skip
    a = run_ensemble(YEAR, get_policy("do_nothing"), feared, np.random.default_rng(5))
    b = run_ensemble(YEAR, get_policy("do_nothing"), unfeared, np.random.default_rng(5))
    assert a.outcomes["attacks_total"].mean() < 0.95 * b.outcomes["attacks_total"].mean()


def test_negotiated_withdrawal_only_under_the_negotiation_policy():
    sc = load_scenario("scenarios/baseline.yaml")
    p = Params.build(100, {**sc.params, "timetable_rate": 0.02, "timetable_setback": 0.0})
    out = {}
    for name in ("do_nothing", "regional_deal", "strike_syria", "negotiate_withdrawal"):
        out[name] = run_ensemble(sc, get_policy(name), p, np.random.default_rng(6)).outcomes
        neg, wd = out[name]["withdrawal_negotiated"], out[name]["withdrawal"]
        assert (wd | ~neg).all()  # a negotiated withdrawal is a withdrawal
    for name in ("do_nothing", "regional_deal", "strike_syria"):
        assert not out[name]["withdrawal_negotiated"].any()
    talks = out["negotiate_withdrawal"]
    assert talks["withdrawal_negotiated"].mean() > 0.9  # 50 days of talks, no setbacks
    # attacks stop once US forces have left; talks offer truces
    assert talks["attacks_total"].mean() < out["do_nothing"]["attacks_total"].mean()
    # a truce against forces that have left is moot: truce days only while US forces are there
    assert (talks["truce_days"] <= 51).all()  # all gone by day 50: 0.02 a day, no setback
    # no progress at all: no negotiated withdrawal
    slow = Params.build(100, {**sc.params, "timetable_rate": 0.0})
    r = run_ensemble(sc, get_policy("negotiate_withdrawal"), slow, np.random.default_rng(6))
    assert not r.outcomes["withdrawal_negotiated"].any()


@pytest.mark.parametrize("policy", ["do_nothing", "negotiate_withdrawal", "strike_iraq"])
def test_no_truce_days_when_no_truce_can_begin(policy):
    p = Params.build(200, {**NO_TRUCE, **BUSY, "p_iraqi_harm": 0.3})
    r = run_ensemble(YEAR, get_policy(policy), p, np.random.default_rng(7))
    assert (r.outcomes["truce_days"] == 0).all()
    assert (r.outcomes["truce_days"] <= YEAR.days).all()


# --- both engines, the replay's forced truce ---------------------------------------------------
def test_forcing_places_the_documented_truce(events: pd.DataFrame):
    start = dt.date(2020, 9, 1)
    f = forcing_from_record(events, start, 120, ("militia_truce",))
    assert f.us is None and f.truce is not None
    first, last = (dt.date.fromisoformat(d) for d in TRUCE_DAYS["2020-10-kh-conditional-ceasefire"])
    on = np.flatnonzero(f.truce)
    assert on[0] == (first - start).days and on[-1] == (last - start).days
    assert len(on) == (last - first).days + 1 == 37
    assert set(f.truce[on]) == {1 << KH}  # Kata'ib Hezbollah alone
    # a window that misses it forces no truce at all
    assert not truce_forcing(events, dt.date(2021, 1, 1), 60).any()


def test_a_day_dated_truce_lasts_until_the_row_that_ends_it(tmp_path: Path):
    header = (
        "id,date,date_precision,actor,target,location,country,action,weapon,us_killed,"
        "us_wounded,others_killed,others_wounded,claimed_by,responds_to,source,note\n"
    )
    rows = (
        "t1,2020-02-10,day,harakat_nujaba,us_forces,x,Iraq,ceasefire,none,,,,,,,src,\n"
        "t2,2020-02-20,day,harakat_nujaba,us_forces,x,Iraq,harassment_attack,rocket,,,,,,t1,src,\n"
    )
    (tmp_path / "r.csv").write_text(header + rows)
    ev = load_events(str(tmp_path / "r.csv"))
    mask = truce_forcing(ev, dt.date(2020, 2, 1), 30)
    nujaba = 1 << GROUPS.index("harakat_nujaba")
    assert np.flatnonzero(mask).tolist() == list(range(9, 19))  # 10 Feb to 19 Feb
    assert set(mask[mask > 0]) == {nujaba}


def test_replay_forces_the_truce_and_it_lowers_attacks(events: pd.DataFrame):
    start, end = dt.date(2020, 9, 1), dt.date(2020, 12, 31)
    forced = replay(events, start, end, 600, 3, force=("us", "militia_truce"), posterior=False)
    free = replay(events, start, end, 600, 3, force=("us",), posterior=False)
    assert (forced.runs["truce_days"] == 37).all()
    t0 = (dt.date(2020, 10, 11) - start).days
    during = slice(t0, t0 + 37)
    a = forced.trace.series["attacks"][during].sum(axis=0).mean()
    b = free.trace.series["attacks"][during].sum(axis=0).mean()
    assert a < b  # Kata'ib Hezbollah's attacks are suppressed on the truce's days


def test_both_engines_agree_on_the_forced_truce_and_the_new_policy(events: pd.DataFrame):
    setting = window(history_setting(), dt.date(2020, 9, 1), dt.date(2020, 12, 31))
    f = forcing_from_record(events, setting.start, setting.days, ("us", "militia_truce"))
    over = {**BUSY, "p_iraqi_harm": 0.3, "truce_mediation": 0.01}
    for policy, forced in (("tit_for_tat", {"forced_us": f.us, "forced_truce": f.truce}),
                           ("negotiate_withdrawal", {})):  # fmt: skip
        for seed in range(3):
            m = EscalationModel(setting, policy, Params.build(1, over), rng=seed, collect=False,
                                **forced)  # fmt: skip
            for _ in range(setting.days):
                m.step()
            e = run_ensemble(setting, get_policy(policy), Params.build(1, over),
                             np.random.default_rng(seed), **forced)  # fmt: skip
            for k, v in e.outcomes.items():
                np.testing.assert_array_equal(m.result().outcomes[k], v, err_msg=k)
            assert m.rows[0, SC.baghdad_pressure] == pytest.approx(
                float(m.iraq.militia_pressure[0])
            )


def test_cli_replay_accepts_the_truce_actor(tmp_path: Path):
    out = str(tmp_path / "o")
    code = main(["replay", "--start", "2020-10-01", "--end", "2020-11-30", "--runs", "20",
                 "--seed", "1", "--out", out, "--force", "us,militia_truce"])  # fmt: skip
    assert code == 0
    runs = pd.read_parquet(tmp_path / "o" / "runs.parquet")
    assert (runs["truce_days"] == 37).all()
