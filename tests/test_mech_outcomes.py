"""The outcomes a student asks for and the summary's two questions.

Bounds and directions of each new outcome on whole runs, the days-to outcomes against the daily
trace, the lull after US strikes on hand-built and forced paths, and the wording of summary.md
with and without an exploration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import metrics
from sim.analysis.verdicts import HOLDS, NOISE_BEYOND, NOT_TESTED, noise_verdict
from sim.core.ladder import (
    US_DECAPITATION,
    US_KINETIC,
    US_NONE,
    US_STRIKE_IRAN,
    US_STRIKE_IRAQ,
    US_STRIKE_SYRIA,
)
from sim.core.params import GROUPS, TABLE, Params
from sim.core.policies import all_policies, get_policy
from sim.core.rules import losses
from sim.core.tally import lull_update
from sim.engines.ensemble import DAY_OUTCOMES, OUTCOMES, run_ensemble
from sim.inputs.scenario import scenario_from_dict

DAYS = 120
SCENARIO = scenario_from_dict({"name": "outcomes", "start": "2021-01-01", "days": DAYS})
N = 200


def run(policy: str, n: int = N, seed: int = 5, scenario=SCENARIO, observe=None, **kw):
    overrides = kw.pop("params", None)
    return run_ensemble(
        scenario, get_policy(policy), Params.build(n, overrides), np.random.default_rng(seed),
        observe=observe, **kw,
    ).outcomes  # fmt: skip


def forced_strikes(action: int, every: int = 15, days: int = DAYS) -> np.ndarray:
    us = np.full(days, US_NONE, dtype=np.int64)
    us[5::every] = action
    return us


# ------------------------------------------------------------------------- militia killed


def test_militia_killed_is_zero_without_strikes_on_militias():
    for policy in ("do_nothing", "regional_deal", "iraqi_accountability"):
        assert (run(policy)["militia_killed"] == 0).all(), policy
    o = run("do_nothing", forced_us=forced_strikes(US_STRIKE_IRAN))
    assert (o["strikes_iran"] > 0).all() and (o["militia_killed"] == 0).all()


def test_militia_killed_grows_with_strike_intensity_run_by_run():
    us = forced_strikes(US_STRIKE_SYRIA)
    low = run("do_nothing", forced_us=us, params={"intensity_syria": 0.5})
    high = run("do_nothing", forced_us=us, params={"intensity_syria": 2.0})
    assert (low["strikes_syria"] == high["strikes_syria"]).all()  # the same strikes
    assert (high["militia_killed"] >= low["militia_killed"]).all()  # its own draws, monotone
    assert high["militia_killed"].mean() > 2 * low["militia_killed"].mean()
    # the mean per strike is militia_killed_per_intensity x intensity (geometric from 0)
    per = TABLE["militia_killed_per_intensity"].default
    per_strike = high["militia_killed"].sum() / high["strikes_syria"].sum()
    assert per_strike == pytest.approx(per * 2.0, rel=0.15)


def test_militia_killed_by_kind_of_action():
    u = (np.arange(4000) + 0.5) / 4000
    kinds = (US_NONE, US_STRIKE_IRAN, US_STRIKE_SYRIA, US_STRIKE_IRAQ, US_DECAPITATION)
    mean = [np.mean([losses.militia_killed(a, 1.5, x, 10.0, 2.0) for x in u]) for a in kinds]
    assert mean[0] == 0 and mean[1] == 0
    assert mean[2] == pytest.approx(15.0, rel=0.02) and mean[3] == mean[2]
    assert mean[4] == pytest.approx(2.0, rel=0.02)
    assert min(losses.militia_killed(US_DECAPITATION, 4.0, x, 10.0, 2.0) for x in u) >= 1
    assert losses.count_from_zero(0.0, 0.99) == 0


# --------------------------------------------------------------------- coalition casualties


def test_coalition_casualties_only_in_attacks_that_hurt_and_scale_with_their_mean():
    base = run("tit_for_tat")
    hurt = base["attacks_injury"] + base["attacks_lethal"]
    for k in ("coalition_killed", "coalition_wounded"):
        assert (base[k] >= 0).all() and (base[k][hurt == 0] == 0).all(), k
    assert base["coalition_killed"].sum() > 0
    none = run("tit_for_tat", params={"coalition_killed_mean": 0.0, "coalition_wounded_mean": 0.0})
    assert (none["coalition_killed"] == 0).all() and (none["coalition_wounded"] == 0).all()
    more = run("tit_for_tat", params={"coalition_killed_mean": 1.0})
    # counted only: no other outcome moves, and the count rises run by run
    for k in ("attacks_total", "us_killed", "us_strikes", "coalition_wounded"):
        assert (more[k] == base[k]).all(), k
    assert (more["coalition_killed"] >= base["coalition_killed"]).all()
    assert more["coalition_killed"].mean() > 1.5 * base["coalition_killed"].mean()


# ---------------------------------------------------------------------------- days to events


def test_days_to_events_are_nan_iff_never_and_the_first_day_otherwise():
    days = {"iran": [], "war": [], "withdrawn": []}

    def observe(t, ev, st):
        days["iran"].append(ev.iran_struck.copy())
        days["war"].append(st.war.copy())
        days["withdrawn"].append(st.withdrawn.copy())

    # a low casualty tolerance makes withdrawals happen; holding Iran accountable, war
    params = {"casualty_tolerance": 5.0, "withdraw_rate": 0.002}
    o = run("hold_iran_accountable", n=120, observe=observe, params=params)
    for key, col in (("iran", "days_to_iran_strike"), ("war", "days_to_war"),
                     ("withdrawn", "days_to_withdrawal")):  # fmt: skip
        trace = np.array(days[key])  # (days, runs)
        ever = trace.any(axis=0)
        assert 0 < ever.sum() < len(ever), col  # both kinds of run occur
        assert (np.isnan(o[col]) == ~ever).all(), col
        assert (o[col][ever] == trace.argmax(axis=0)[ever]).all(), col
    assert (~np.isnan(o["days_to_war"]) == o["war"]).all()
    assert (~np.isnan(o["days_to_withdrawal"]) == o["withdrawal"]).all()
    assert (np.isnan(o["days_to_iran_strike"]) == (o["iran_strikes"] == 0)).all()
    # war needs an Iranian strike first
    war = o["war"]
    assert (o["days_to_iran_strike"][war] <= o["days_to_war"][war]).all()


def test_days_to_events_are_summarised_by_survival_analysis():
    o = pd.DataFrame(run("hold_iran_accountable", n=100)).assign(policy="p", run=range(100))
    s = metrics.summarise_outcomes(o, horizon=DAYS, baseline="p")
    for col in DAY_OUTCOMES:
        r = s[(s.outcome == col)].iloc[0]
        assert r["kind"] == "day"
        v = o[col].to_numpy()
        # restricted mean: a run without the event counts as the horizon, never dropped
        assert r["mean"] == pytest.approx(np.where(np.isnan(v), DAYS, v).mean()), col
        assert r["prob"] == pytest.approx(np.isfinite(v).mean()), col


# ------------------------------------------------------------------------------ deal reached


def test_deal_reached_only_under_diplomacy_and_more_often_at_a_lower_level():
    fast = {"deal_rate": 0.02}  # a complete deal after 50 days of diplomacy without setbacks
    for policy in all_policies():
        o = run(policy, n=60, params=fast)
        if policy == "regional_deal":
            assert o["deal_reached"].mean() > 0.5
        else:
            assert not o["deal_reached"].any(), policy
    full = run("regional_deal", n=100)  # 120 days at 0.005 a day: never complete
    half = run("regional_deal", n=100, params={"deal_reached_level": 0.5})
    assert not full["deal_reached"].any()
    assert (half["deal_reached"] >= full["deal_reached"]).all()
    assert half["deal_reached"].mean() > full["deal_reached"].mean()
    for k in OUTCOMES:  # an outcome only: nothing else moves
        if k != "deal_reached":
            np.testing.assert_array_equal(half[k], full[k], err_msg=k)


# ------------------------------------------------------------------------------------- lulls


def lulls_by_hand(attacked, struck):
    """The definition of ``lull_after_response``, written independently: each strike that
    finds no lull open starts one, the next day with an attack ends it (a lull still open at
    the end lasts to the end of the period); the mean length, NaN if no strike."""
    lengths, start = [], None
    for t, (a, s) in enumerate(zip(attacked, struck, strict=True)):
        if a and start is not None:
            lengths.append(t - start)
            start = None
        if s and start is None:
            start = t
    if start is not None:
        lengths.append(len(attacked) - start)
    return float(np.mean(lengths)) if lengths else float("nan")


def test_lull_update_on_a_hand_built_path():
    days = 20
    attacked = np.zeros(days, bool)
    struck = np.zeros(days, bool)
    struck[[2, 7, 8, 12]] = True  # the strike on day 8 comes while day 7's lull is open
    attacked[[0, 5, 10, 12]] = True  # day 12: the attack ends nothing (no lull open), then
    state = (False, 0.0, 0.0)  # the strike opens one that lasts to the end
    for a, s in zip(attacked, struck, strict=True):
        state = lull_update(*state, bool(a), bool(s))
    _, n, total = state
    assert (n, total) == (3.0, 3 + 3 + 8)
    assert lulls_by_hand(attacked, struck) == pytest.approx(14 / 3)


def test_lull_on_a_forced_path_without_attacks():
    quiet = {f"base_rate.{g}": 0.0 for g in GROUPS} | {"revenge_attacks": 0.0}
    us = np.full(DAYS, US_NONE, dtype=np.int64)
    us[[10, 50]] = US_STRIKE_SYRIA  # one lull from day 10 to the end: the second opens none
    o = run("do_nothing", n=5, forced_us=us, params=quiet)
    assert (o["attacks_total"] == 0).all()
    assert (o["lull_after_response"] == DAYS - 10).all()
    assert np.isnan(run("do_nothing", n=5)["lull_after_response"]).all()  # no strike: NaN


def test_lull_matches_its_definition_on_simulated_runs():
    attacked, struck = [], []

    def observe(t, ev, st):
        attacked.append(ev.attacks > 0)
        struck.append(np.isin(ev.action, US_KINETIC))

    o = run("tit_for_tat", n=80, observe=observe)
    a, s = np.array(attacked), np.array(struck)
    want = np.array([lulls_by_hand(a[:, i], s[:, i]) for i in range(a.shape[1])])
    np.testing.assert_allclose(o["lull_after_response"], want, equal_nan=True)
    assert np.isfinite(want).mean() > 0.5


# ------------------------------------------------------------------- the summary's two questions


def comparison(n: int = 300) -> pd.DataFrame:
    """A small comparison: attacks rise by 5 in every run (beyond noise), US killed change by
    noise only, under 'strike_syria' against 'do_nothing'."""
    rng = np.random.default_rng(0)
    base = {k: rng.poisson(3.0, n).astype(np.int64) for k in OUTCOMES}
    for k in ("direct_exchange", "expulsion_vote", "withdrawal", "war", "deal_reached"):
        base[k] = np.zeros(n, bool)
    for k in (*DAY_OUTCOMES, "lull_after_response"):
        base[k] = np.full(n, np.nan)
    other = dict(base)
    other["attacks_total"] = base["attacks_total"] + 5
    other["us_killed"] = base["us_killed"] + rng.choice([-1, 1], n)
    frames = [pd.DataFrame(c).assign(policy=p, run=range(n))
              for p, c in (("do_nothing", base), ("strike_syria", other))]  # fmt: skip
    return metrics.summarise_outcomes(pd.concat(frames), horizon=DAYS, n_boot=400)


def verdict_line(md: str, label: str) -> str:
    lines = [ln for ln in md.splitlines() if ln.startswith(f"- **{label}")]
    assert len(lines) == 1, md
    return lines[0]


def test_noise_verdicts():
    assert noise_verdict(2.0, 1.0, 3.0) == "beyond"
    assert noise_verdict(-2.0, -3.0, -0.5) == "beyond"
    assert noise_verdict(1.0, 1.0, 1.0) == "beyond"  # the same non-zero change in every run
    assert noise_verdict(0.2, -0.1, 0.5) == "within"
    assert noise_verdict(0.0, 0.0, 0.0) == "none"


def test_summary_says_both_questions_without_an_exploration():
    s = comparison()
    md = metrics.summary_markdown(s)
    line = verdict_line(md, "Strike militias in Syria")
    a, b = line.split("(b)")
    assert f"{NOISE_BEYOND[:1].upper()}{NOISE_BEYOND[1:]}: militia attacks" in a
    assert "within it: Americans killed" in a
    assert NOT_TESTED[1:] in b and "rests on the judgement parameters" in b
    assert "`intensity_syria`" in b and "`deterrence_strength`" in b
    assert HOLDS not in line  # never claimed without an exploration
    assert "escalation explore" in md and "--robustness DIR" in md


def test_summary_says_holds_only_at_ninety_percent_of_the_worlds():
    s = comparison()
    cells = {"attacks_total": (0.9, 0.05, ""), "us_killed": (0.89, 0.11, "revenge_attacks")}
    s["sign_share"] = np.nan
    s["sign_reversed"] = np.nan
    s["decided_by"] = ""
    for o, (share, rev, by) in cells.items():
        at = (s.policy == "strike_syria") & (s.outcome == o)
        s.loc[at, ["sign_share", "sign_reversed", "decided_by"]] = [share, rev, by]
    line = verdict_line(metrics.summary_markdown(s), "Strike militias in Syria")
    b = line.split("(b)")[1]
    assert f"{HOLDS[:1].upper()}{HOLDS[1:]}: militia attacks (90% of the worlds)" in b
    fails = b.split("Does not hold whatever the record cannot tell:")[1]
    assert "Americans killed (same sign in only 89%, reversed in 11%; decided by " in fails
    assert "`revenge_attacks`" in fails
    assert "Americans killed" not in b.split("Does not hold")[0]


def in_short(md: str) -> str:
    """The opening paragraph of a summary (the section ``## In short``)."""
    part = md.split("## In short\n\n", 1)[1]
    return part.split("\n\n", 1)[0]


def test_summary_opens_with_the_answer_and_how_sure():
    md = metrics.summary_markdown(comparison())
    para = in_short(md)
    assert md.index("## In short") < md.index("| Policy")  # before every table
    assert "This compared 1 US policy with “Do nothing”" in para
    # attacks rise by 5 in every run: beyond noise; US killed change by noise only
    want = "Militia attacks: 1 policy raises it beyond simulation noise, “Strike militias in Syria”"
    assert f"{want} (+5.0)" in para
    assert "Americans killed: 1 policy leaves it within simulation noise" in para
    assert "was not tested" in para and "--robustness" in para  # no exploration was read


def test_summary_opening_says_which_directions_are_not_robust():
    s = comparison()
    s["sign_share"] = np.nan
    at = (s.policy == "strike_syria") & (s.outcome == "attacks_total")
    s.loc[at, "sign_share"] = 0.6
    para = in_short(metrics.summary_markdown(s))
    assert "not robust for Strike militias in Syria" in para and "was not tested" not in para
    s.loc[at, "sign_share"] = 0.95
    para = in_short(metrics.summary_markdown(s))
    assert "holds for Strike militias in Syria" in para and "not robust" not in para


def test_summary_glossary_explains_the_terms_it_uses():
    md = metrics.summary_markdown(comparison())
    glossary = md.split("## Glossary\n\n", 1)[1]
    terms = [ln.split("**")[1] for ln in glossary.splitlines() if ln.startswith("- **")]
    for t in ("Common random numbers", "Wilson interval", "Bootstrap interval",
              "Restricted mean", "Kaplan–Meier", "Simulation noise"):  # fmt: skip
        assert t in terms, t
    body = md.split("## Glossary")[0].lower()
    from sim.analysis.headline import GLOSSARY

    for term, key, _ in GLOSSARY:  # a line only for a term the report uses
        assert (term in terms) == (key.lower() in body), term


def test_summary_day_of_an_event_is_a_restricted_mean_not_a_median():
    s = comparison()
    row = (s.policy == "do_nothing") & (s.outcome == "first_death_day")
    s.loc[row, ["prob", "mean", "median"]] = [0.3, 300.0, np.nan]
    md = metrics.summary_markdown(s)
    assert "not reached" not in md
    assert "| 300 (in 30% of runs; no median) |" in md
