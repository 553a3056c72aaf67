"""Calibration: the ABC-SMC sampler, the exact likelihoods, the statistics taken from the record,
recovery of known parameters from a synthetic record, the held-out 2024 check, bad records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.calibration.abc import BetaPrior, abc_smc, weighted_quantile
from sim.calibration.calibrate import calibrate
from sim.calibration.likelihoods import delay_pmf, exact_data, geometric_pmf
from sim.calibration.predictive import heldout
from sim.calibration.priors import ABC_PRIORS, BASE_RATE_SCALE, fitted_names
from sim.calibration.statistics import build_statistics
from sim.calibration.synthetic import synthetic_record
from sim.cli.main import main
from sim.core import rules
from sim.core.params import GROUPS, TABLE
from sim.inputs.record import load_record, write_record

UNTIL_2021 = dt.date(2021, 12, 31)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load_record("seeds").events


@pytest.fixture(scope="module")
def periods() -> pd.DataFrame:
    return load_record("seeds").counts


# --- the sampler against a known posterior ----------------------------------------------------


def test_abc_smc_recovers_a_beta_binomial_posterior() -> None:
    # prior U(0, 1), 20 successes in 50 trials: the exact posterior is Beta(21, 31)
    prior = BetaPrior("theta", 0.0, 1.0, 0.5, 2.0)

    def distance(theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.abs(rng.binomial(50, theta[:, 0]) - 20).astype(float)

    res = abc_smc([prior], distance, np.random.default_rng(0), particles=2000, generations=6,
                  final_epsilon=0.0, batch=20000)  # fmt: skip
    assert res.last.epsilon == 0.0
    last = res.last
    q = weighted_quantile(last.particles[:, 0], last.weights, [0.05, 0.5, 0.95])
    exact = stats.beta(21, 31).ppf([0.05, 0.5, 0.95])
    assert np.allclose(q, exact, atol=0.02), (q, exact)
    assert last.ess > 500


def test_beta_prior_shapes() -> None:
    uniform = BetaPrior("x", 0.0, 2.0, 1.0, 2.0)
    assert uniform.ab == (1.0, 1.0)
    p = BetaPrior("x", 0.0, 10.0, 1.5, 4.0)
    a, b = p.ab
    assert a >= 1 and b >= 1
    assert (a - 1) / (a + b - 2) * 10 == pytest.approx(1.5)  # the mode sits at the default


# --- exact likelihoods follow the rulebook ----------------------------------------------------


@pytest.mark.parametrize("mean", [1.5, 4.0])
def test_geometric_pmf_matches_the_rule(mean: float) -> None:
    u = np.random.default_rng(1).random(200_000)
    counts = np.vectorize(rules.common.geometric_count)(mean, u)
    for k in (1, 2, 3):
        freq = np.mean(counts == k)
        p = float(geometric_pmf(np.asarray(k), np.asarray(mean)))
        assert abs(freq - p) < 4 * np.sqrt(p * (1 - p) / u.size)
    assert counts.mean() == pytest.approx(mean, rel=0.02)


def test_delay_pmf_matches_the_rule() -> None:
    rng = np.random.default_rng(2)
    n, d = 100_000, 3.0
    waited = np.zeros(n, dtype=int)
    done = np.zeros(n, dtype=bool)
    for day in range(60):  # a strike in Syria (action 1) wanted from day 0 until it is done
        todo = np.flatnonzero(~done)
        act = np.vectorize(rules.us.acts_today, otypes=[int])(1, rng.random(todo.size), d) != 0
        waited[todo[act]] = day
        done[todo[act]] = True
    for k in (0, 1, 4):
        p = float(delay_pmf(np.asarray(k), np.asarray(d)))
        assert abs(np.mean(waited[done] == k) - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_exact_data_come_from_the_record(events: pd.DataFrame) -> None:
    full = exact_data(events, dt.date(2024, 12, 31))
    assert sorted(full["response_delay"]) == [1, 2, 10]  # K-1, Taji, Erbil -> US strikes
    # K-1 1, Taji 2; the contractor's cardiac death (3 Mar 2021) only if non-hostile deaths count
    assert sorted(full["killed_mean"]) == [1, 2]
    every = exact_data(
        load_record("seeds", include_non_hostile_deaths=True).events, dt.date(2024, 12, 31)
    )
    assert sorted(every["killed_mean"]) == [1, 1, 2]
    assert sorted(full["wounded_mean"]) == [3, 5]
    assert exact_data(events, UNTIL_2021)["wounded_mean"] == [3]  # 2024 held out


def test_statistics_come_from_the_record(events: pd.DataFrame, periods: pd.DataFrame) -> None:
    st, ends = build_statistics(events, periods, UNTIL_2021)
    by = {s.name: s for s in st}
    dozen = by["attacks 2019-10-01 to 2020-12-21"]
    assert (dozen.low, dozen.high) == (30, 42)
    assert by["attacks 2021-05-02 to 2021-05-04"].low == 3
    iran = by["days from the decapitation 2020-01-03 to Iran's direct strike"]
    assert iran.low == iran.high == 5
    assert by["days from 2020-01-03 to the expulsion vote"].low == 2
    assert "2024" not in ends and all(s.segment == "2019-2021" for s in st)
    full, ends = build_statistics(events, periods, dt.date(2024, 12, 31))
    assert "2024" in ends
    assert any(s.name.startswith("days from us_strike_iraq 2024-07-30") for s in full)
    # deviations: zero inside the documented interval, distance outside
    np.testing.assert_array_equal(dozen.deviation(np.array([29.0, 30, 42, 45])), [1, 0, 0, 3])


def test_posterior_columns_are_table_names() -> None:
    names = fitted_names()
    assert all(n in TABLE for n in names)
    assert {f"base_rate.{g}" for g in GROUPS} <= set(names)
    assert BASE_RATE_SCALE not in names


# --- recovery from a synthetic record ---------------------------------------------------------


@pytest.mark.slow
def test_recovery_from_a_synthetic_record(tmp_path: Path) -> None:
    until = dt.date(2020, 12, 31)
    scale = 0.7
    truth = {f"base_rate.{g}": scale * TABLE[f"base_rate.{g}"].default for g in GROUPS}
    truth |= {"iran_strike_rate": 0.35, "vote_threshold": 2.0}
    ev_path, per_path = synthetic_record(truth, seed=12, until=until, directory=tmp_path)
    assert ev_path.parent == per_path.parent == tmp_path
    rec = load_record(tmp_path)  # the record's own loader
    ev, per = rec.events, rec.counts
    assert ev["is_attack"].sum() > 5
    fit = calibrate(ev, per, until=until, seed=3, particles=300, generations=4, rows=1000)
    summary = fit.summary().set_index("parameter")
    values = {BASE_RATE_SCALE: scale} | {
        p.name: truth.get(p.name, TABLE[p.name].default)
        for p in ABC_PRIORS
        if p.name != BASE_RATE_SCALE
    }
    informed = summary.index[summary["informed"] & summary.index.isin(list(values))]
    # the attack counts inform the rate of attacks: the background rate, or the campaign after
    # the expulsion vote, which trades off with it (docs/calibration.md); at least one of them
    assert {BASE_RATE_SCALE, "expulsion_campaign"} & set(informed)
    for name in informed:
        row = summary.loc[name]
        assert row["post_p05"] <= values[name] <= row["post_p95"], (name, row)
        # and the data pull the estimate from the prior towards the truth, where the prior's
        # median is off the truth at all (more than a tenth of the prior's 90% width; when it
        # sits on the truth already, sampling noise can only move the estimate away)
        prior_off = abs(row["prior_median"] - values[name])
        if prior_off > 0.1 * (row["prior_p95"] - row["prior_p05"]):
            assert abs(row["post_median"] - values[name]) < prior_off, (name, row)
    assert len(fit.posterior) == 1000


# --- held-out 2024 check ----------------------------------------------------------------------


@pytest.mark.slow
def test_heldout_2024_prediction(events: pd.DataFrame, periods: pd.DataFrame) -> None:
    fit = calibrate(events, periods, until=UNTIL_2021, seed=2, particles=150, generations=2,
                    rows=1000)  # fmt: skip
    assert all(s.segment == "2019-2021" for s in fit.design.stats)  # no 2024 in the fit
    ho = heldout(fit.posterior, events, periods, runs=600, draws=60, seed=2)
    table = ho["table"].set_index("outcome")
    p_any = table.loc["P(>=1 attack in the week)", "probability"]
    p_hurt = table.loc["P(>=1 attack with injuries or deaths in the week)", "probability"]
    assert 0.0 < p_hurt <= p_any <= 1.0
    for _, r in table.iterrows():
        assert r["mc_90_low"] <= r["probability"] <= r["mc_90_high"]
        assert r["draws_p05"] <= r["draws_p95"]
    assert ho["runs"] == 600


# --- bad records ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "line", "needle"),
    [
        ([{"actor": "martians"}], "line 2", "actor"),
        ([{}, {"id": "a2", "date": "2019-01-01"}], "line 3", "out of order"),
        ([{"date": "01/02/2020"}], "line 2", "date"),
    ],
)  # fmt: skip
def test_calibrate_bad_record_names_file_and_line(
    tmp_path: Path, capsys, rows: list[dict], line: str, needle: str
) -> None:
    good = {"id": "a1", "date": "2020-01-01", "date_precision": "day", "actor": "militia",
            "target": "us_forces", "theatre": "iraq", "location": "x",
            "action": "harassment_attack", "weapon": "rocket", "outlet": "Reuters",
            "published": "2020-01-02", "headline": "h", "url": "https://example.org/a"}  # fmt: skip
    bad = write_record(tmp_path / "bad", [{**good, **r} for r in rows])
    code = main(["calibrate", "--record", str(bad), "--seed", "1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "events.csv" in err and line in err and needle in err
    assert "Traceback" not in err


def test_calibrate_rejects_a_malformed_until(tmp_path: Path, capsys) -> None:
    code = main(["calibrate", "--until", "2021-31-12", "--seed", "1", "--out", str(tmp_path)])
    assert code == 2 and "--until" in capsys.readouterr().err
