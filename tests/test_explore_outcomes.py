"""The newer outcomes in ``explore`` and ``sensitivity``: the days to a first event as restricted
means over the period (a censored run counts the horizon, it is not dropped), the lull after US
strikes over the runs that struck, and the thresholds, PRIM targets and regret that name them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.stats import restricted_days
from sim.cli.main import main
from sim.engines.ensemble import OUTCOMES, Result
from sim.errors import UserError
from sim.explore import runner as R
from sim.explore import sensitivity as sens
from sim.explore.decisions import parse_conditions, rank_table, regret_table, satisficing
from sim.explore.discovery import interest
from sim.explore.replicates import RESTRICTED_MEANS, replicate_mean, run_values
from sim.explore.robustness import sign_shares
from sim.explore.runner import EXPLORE_OUTCOMES, Exploration, WorldTask, run_exploration
from sim.inputs.scenario import load_scenario

NAN = np.nan


def test_restricted_mean_counts_a_censored_run_as_the_horizon():
    # horizon 10: war on day 3, no war (censored), war on day 9, war on day 0
    runs = {"days_to_war": np.array([3.0, NAN, 9.0, 0.0])}
    v = run_values(runs, "days_to_war_restricted_mean", horizon=10)
    np.testing.assert_array_equal(v, [3.0, 10.0, 9.0, 0.0])
    assert v.mean() == pytest.approx(5.5)  # not 4.0, the mean of the runs with a war
    np.testing.assert_array_equal(v, restricted_days(runs["days_to_war"], 10))  # compare's
    # no run with the event: the whole period; the event on day 0 in every run: 0
    assert (
        run_values({"days_to_war": np.full(3, NAN)}, "days_to_war_restricted_mean", 7).mean() == 7
    )
    assert run_values({"days_to_war": np.zeros(3)}, "days_to_war_restricted_mean", 7).mean() == 0


def test_lull_is_averaged_over_the_runs_that_struck_and_nan_where_none_did():
    v = np.array([[2.0, NAN, 4.0], [NAN, NAN, NAN]])
    out = replicate_mean(v, "lull_after_response", axis=1)
    assert out[0] == pytest.approx(3.0) and np.isnan(out[1])
    assert replicate_mean(np.array([[1.0, 0.0]]), "war", axis=1)[0] == 0.5


def test_explore_outcome_table_names_the_restricted_means():
    for d in ("days_to_iran_strike", "days_to_war", "days_to_withdrawal", "first_death_day"):
        name = f"{d}_restricted_mean"
        assert name in EXPLORE_OUTCOMES and RESTRICTED_MEANS[name] == d
        assert "restricted mean" in EXPLORE_OUTCOMES[name]
        assert d not in EXPLORE_OUTCOMES  # never the plain mean of the days of the runs with it
    for k in ("lull_after_response", "any_iran_strike", "deal_reached", "truce_days"):
        assert k in EXPLORE_OUTCOMES


def test_run_world_chunk_on_synthetic_runs_with_a_known_answer(monkeypatch):
    """Two worlds × three replications, 10 days: the per-world restricted mean and lull."""
    days_to_war = np.array([2.0, NAN, NAN, NAN, NAN, NAN])  # world 0: one war; world 1: none
    lull = np.array([1.0, 3.0, NAN, NAN, NAN, NAN])  # world 1 never struck

    def fake(scenario, policy, params, draws, keep_daily=False):
        n = params.n if hasattr(params, "n") else 6
        out = {k: np.zeros(n) for k in OUTCOMES}
        out["days_to_war"], out["lull_after_response"] = days_to_war, lull
        for k in ("first_death_day", "days_to_iran_strike", "days_to_withdrawal"):
            out[k] = np.full(n, NAN)
        out["war"] = ~np.isnan(days_to_war)
        out["iran_strikes"] = np.array([0, 0, 1, 0, 0, 0])
        return Result(out, None)

    monkeypatch.setattr(R, "run_ensemble", fake)
    sc = load_scenario("scenarios/baseline.yaml").model_copy(update={"days": 10})
    task = WorldTask(sc, "do_nothing", 0, 0, {"self_excitation": np.array([0.4, 0.4])}, 3, 1)
    df = R.run_world_chunk(task).means
    assert df["days_to_war_restricted_mean"].tolist() == pytest.approx([(2 + 10 + 10) / 3, 10])
    assert df["days_to_iran_strike_restricted_mean"].tolist() == [10, 10]
    assert df["war"].tolist() == pytest.approx([1 / 3, 0])
    assert df["any_iran_strike"].tolist() == pytest.approx([1 / 3, 0])
    assert df["lull_after_response"][0] == pytest.approx(2.0)
    assert np.isnan(df["lull_after_response"][1])


def test_a_tiny_exploration_keeps_the_restricted_means_within_the_period(tmp_path, short_scenario):
    days = 40
    path = short_scenario(days=days)
    ex = Exploration(
        load_scenario(path), ("do_nothing", "strike_syria"), 4, 3, seed=3, chunk_worlds=4
    )
    o = run_exploration(ex, tmp_path / "x", workers=1, progress=False).outcomes
    for name in RESTRICTED_MEANS:
        assert o[name].between(0, days).all(), name
    # no war in a world: its restricted mean is the whole period (censored, not dropped)
    assert (o.loc[o["war"] == 0, "days_to_war_restricted_mean"] == days).all()
    assert (o.loc[o["war"] == 1, "days_to_war_restricted_mean"] < days).all()
    assert (o.loc[o["any_us_death"] == 0, "first_death_day_restricted_mean"] == days).all()
    # doing nothing never strikes: no lull to measure
    assert o.loc[o["policy"] == "do_nothing", "lull_after_response"].isna().all()
    struck = o["any_us_strike"] > 0
    assert (o.loc[struck, "lull_after_response"].notna()).all()


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "world": [0, 0, 1, 1],
            "policy": ["a", "b", "a", "b"],
            "days_to_war_restricted_mean": [100.0, 365.0, 200.0, 150.0],
            "lull_after_response": [NAN, 4.0, NAN, 1.0],
        }
    )


def test_satisfy_and_prim_targets_name_the_new_outcomes():
    t = _table()
    cond = parse_conditions("days_to_war_restricted_mean>=180", list(EXPLORE_OUTCOMES))
    sat = satisficing(t, cond)
    assert sat.loc[0].tolist() == [False, True] and sat.loc[1].tolist() == [True, False]
    lull = parse_conditions("lull_after_response>=2", list(EXPLORE_OUTCOMES), "--discover")
    assert interest(t, "b", lull).tolist() == [True, False]
    assert not interest(t, "a", lull).any()  # never struck: NaN, the condition is not met
    with pytest.raises(UserError, match="unknown outcome 'days_to_war'"):
        parse_conditions("days_to_war>=180", list(EXPLORE_OUTCOMES))


def test_later_is_better_for_regret_and_ranks():
    t = _table()
    r = regret_table(t, "days_to_war_restricted_mean")
    assert r.loc[0].tolist() == [265, 0] and r.loc[1].tolist() == [0, 50]
    assert rank_table(t, "days_to_war_restricted_mean").loc[0].tolist() == [2, 1]


def test_explore_cannot_rank_by_the_lull(capsys):
    with pytest.raises(SystemExit):
        main(["explore", "scenarios/baseline.yaml", "--outcome", "lull_after_response"])
    assert "invalid choice" in capsys.readouterr().err


def test_robustness_compares_days_to_war_with_the_restricted_mean():
    o = _table()
    o = pd.concat([o.assign(policy=o["policy"].map({"a": "do_nothing", "b": "p"}))])
    summary = pd.DataFrame({"policy": ["p"], "outcome": ["days_to_war"], "diff": [30.0]})
    s = sign_shares(o, summary)
    # world 0: 365 - 100 > 0 (holds), world 1: 150 - 200 < 0 (reversed)
    assert s["sign_share"].iloc[0] == 0.5 and s["sign_reversed"].iloc[0] == 0.5


def test_sensitivity_outcomes_carry_the_restricted_means(short_scenario):
    assert sens.parse_outcome_list("days_to_war_restricted_mean,deal_reached") == [
        "days_to_war_restricted_mean",
        "deal_reached",
    ]
    assert "first_death_day_restricted_mean" in sens.parse_outcome_list("all")
    with pytest.raises(UserError, match="lull_after_response"):
        sens.parse_outcome_list("lull_after_response")
    with pytest.raises(UserError, match="unknown outcome 'days_to_war'"):
        sens.parse_outcome_list("days_to_war")
    days = 30
    sc = load_scenario(short_scenario(days=days))
    names = ["self_excitation"]
    want = ("days_to_war_restricted_mean", "first_death_day_restricted_mean", "truce_days")
    f = sens.model_function(sc, "strike_syria", names, seed=1, reps=3, outcomes=want)
    out = f(np.array([[0.1], [0.9]]))
    for k in want[:2]:
        assert np.all((out[k] >= 0) & (out[k] <= days)), k
    # the same numbers from the per-run outcomes by hand: replicate-major runs, min(T, τ)
    from sim.core.params import Params
    from sim.core.policies import get_policy
    from sim.engines.ensemble import run_ensemble
    from sim.experiments.sampling import chunk_seed, held_values

    x = np.array([0.1, 0.9])
    p = Params.build(6, {**held_values(sc), "self_excitation": np.tile(x, 3)})
    res = run_ensemble(
        sc,
        get_policy("strike_syria"),
        p,
        np.random.default_rng(chunk_seed(1, 0, 0)),
        keep_daily=False,
        runs=np.repeat(np.arange(3), 2),
    )
    t = restricted_days(res.outcomes["first_death_day"], days).reshape(3, 2).mean(axis=0)
    np.testing.assert_allclose(out["first_death_day_restricted_mean"], t)


def test_a_deal_and_truce_days_count_as_better_more_and_a_withdrawal_as_a_cost() -> None:
    from sim.explore.decisions import HIGHER_IS_BETTER

    assert {"deal_reached", "truce_days"} <= HIGHER_IS_BETTER
    assert "withdrawal_negotiated" not in HIGHER_IS_BETTER
    assert "withdrawal" not in HIGHER_IS_BETTER
    # in a world where one policy reaches the deal, the others regret it
    df = pd.DataFrame(
        {
            "world": [0, 0],
            "policy": ["do_nothing", "regional_deal"],
            "deal_reached": [0.0, 0.9],
        }
    )
    r = regret_table(df, "deal_reached")
    assert float(r.loc[0, "regional_deal"]) == 0.0
    assert float(r.loc[0, "do_nothing"]) == pytest.approx(0.9)


def test_regret_and_ranks_refuse_an_outcome_undefined_in_some_worlds() -> None:
    df = pd.DataFrame(
        {
            "world": [0, 0, 1, 1],
            "policy": ["do_nothing", "strike_iraq"] * 2,
            "lull_after_response": [np.nan, 4.0, np.nan, 6.0],
        }
    )
    for fn in (regret_table, rank_table):
        with pytest.raises(UserError, match=r"lull_after_response.*do_nothing"):
            fn(df, "lull_after_response")
