"""The forecast scores against hand-computed cases and closed forms, and their aggregation."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from sim.validation import forecast_scores as fs
from sim.validation.protocol import TAIL_MIN_MEAN, VIEWS_BINS


def test_crps_of_one_point_is_the_absolute_error() -> None:
    x = np.array([[3.0], [0.0], [7.5]])
    assert fs.crps_samples(x, [5.0, 0.0, 2.5]) == pytest.approx([2.0, 0.0, 5.0])


@pytest.mark.parametrize(("a", "b", "y"), [(1, 5, 0), (1, 5, 3), (1, 5, 9), (2, 2, 2), (4, 0, 1)])
def test_crps_of_two_points(a: float, b: float, y: float) -> None:
    # E|X - y| - E|X - X'| / 2 with X uniform on {a, b}: E|X - X'| = |a - b| / 2
    expected = 0.5 * (abs(a - y) + abs(b - y)) - abs(a - b) / 4
    assert fs.crps_samples(np.array([[a, b]], float), y)[0] == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=30),
    st.integers(0, 45),
)
def test_crps_equals_the_pairwise_form_and_the_threshold_sum(xs: list[int], y: int) -> None:
    x = np.array(xs, dtype=float)
    got = fs.crps_samples(x[None, :], y)[0]
    # the O(n^2) definition
    pairwise = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    # the integral of (F(z) - [y <= z])^2 over z: for integer values a sum over the integers
    k = np.arange(0, 47)
    cdf = (x[None, :] <= k[:, None]).mean(axis=1)
    thresholds = np.sum((cdf - (y <= k)) ** 2)
    assert got == pytest.approx(pairwise, abs=1e-9)
    assert got == pytest.approx(thresholds, abs=1e-9)


def test_moment_negbin_by_hand() -> None:
    x = np.array([[0, 0, 0, 4], [3, 3, 3, 3]], float)  # mean 1, var 3; mean 3, var 0
    m, r = fs.moment_negbin(x)
    assert m == pytest.approx([1.0, 3.0])
    assert r[0] == pytest.approx(1.0 / (3.0 - 1.0))
    assert r[1] == np.inf


def _tail(x: np.ndarray):
    """The protocol's tail, by hand: moments, the mean at least 0.5, the variance at least it."""
    m = max(x.mean(), TAIL_MIN_MEAN)
    v = max(x.var(), m)
    if v == m:
        return stats.poisson(m)
    r = m**2 / (v - m)
    return stats.nbinom(r, r / (r + m))


def _expected(x: np.ndarray, lo: float, hi: float) -> float:
    """log P(lo <= Y <= hi) of the samples mixed with one pseudo-sample of the tail, by hand."""
    w = 1.0 / (x.size + 1)
    share = np.mean((x >= lo) & (x <= hi))
    dist = _tail(x)
    q = dist.cdf(hi) - dist.cdf(lo - 1) if math.isfinite(hi) else dist.sf(lo - 1)
    return math.log((1 - w) * share + w * q)


def test_log_score_mixes_the_share_with_one_pseudo_sample() -> None:
    x = np.array([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]], float)
    ls, tail = fs.log_score(x, 2, 4)
    assert ls[0] == pytest.approx(_expected(x[0], 2, 4), rel=1e-12) and not tail[0]
    # the share dominates: the pseudo-sample moves the score by less than its weight
    assert abs(ls[0] - math.log(0.3)) < 1.0 / 11
    ls, _ = fs.log_score(x, 7, np.nan)  # open: at least 7
    assert ls[0] == pytest.approx(_expected(x[0], 7, math.inf), rel=1e-12)


def test_log_score_tail_is_the_moment_negative_binomial() -> None:
    x = np.array([[0, 0, 1, 1, 2, 2, 3, 9]], float)
    m, v = x.mean(), x.var()
    r = m**2 / (v - m)
    nb = stats.nbinom(r, r / (r + m))
    w = 1.0 / 9
    ls, tail = fs.log_score(x, 12, 15)
    assert tail[0]
    assert ls[0] == pytest.approx(math.log(w * (nb.cdf(15) - nb.cdf(11))), rel=1e-9)
    ls, _ = fs.log_score(x, 10, np.inf)
    assert ls[0] == pytest.approx(math.log(w * nb.sf(9)), rel=1e-9)


def test_log_score_tail_is_poisson_when_not_overdispersed() -> None:
    x = np.full((1, 50), 3.0)
    w = 1.0 / 51
    ls, tail = fs.log_score(x, 10, 12)
    expected = math.log(w * (stats.poisson.cdf(12, 3.0) - stats.poisson.cdf(9, 3.0)))
    assert tail[0] and ls[0] == pytest.approx(expected, rel=1e-9)
    # below the samples: the lower tail
    x = np.full((1, 50), 40.0)
    ls, _ = fs.log_score(x, 2, 5)
    expected = math.log(w * (stats.poisson.cdf(5, 40.0) - stats.poisson.cdf(1, 40.0)))
    assert ls[0] == pytest.approx(expected, rel=1e-9)


def test_log_score_far_tail_has_no_floor() -> None:
    # scipy's Poisson survival function underflows here; the score sums the pmf instead
    x = np.array([[0.0, 1.0]])  # mean 0.5, variance 0.25: the tail is Poisson(0.5)
    ls, _ = fs.log_score(x, 400, np.inf)
    k = np.arange(400, 1400)
    expected = math.log(1.0 / 3) + special.logsumexp(stats.poisson.logpmf(k, 0.5))
    assert np.isfinite(ls[0]) and ls[0] == pytest.approx(expected, rel=1e-10)
    # a far miss scores worse than a near one: no floor
    near, _ = fs.log_score(x, 20, np.inf)
    assert ls[0] < near[0] < math.log(1e-3)


def test_log_score_of_all_zero_samples_is_finite() -> None:
    # a forecast of certain quiet still gives a documented count a small probability, which
    # falls with the count: the tail is a Poisson of mean TAIL_MIN_MEAN
    x = np.zeros((3, 10))
    ls, tail = fs.log_score(x, [0, 1, 20], [3, 3, 20])
    assert ls[0] == pytest.approx(_expected(x[0], 0, 3), rel=1e-12) and not tail[0]
    assert ls[1] == pytest.approx(_expected(x[1], 1, 3), rel=1e-12) and tail[1]
    assert np.all(np.isfinite(ls)) and ls[2] < ls[1] < math.log(1.0 / 11)


def test_log_score_prefers_the_truth_to_a_lumpy_copy() -> None:
    # propriety in the case that broke the unsmoothed rule: a 12-value bootstrap of the true
    # distribution against the truth itself, on exact counts
    rng = np.random.default_rng(0)
    size, mean, n, forecasts = 8.0, 15.0, 1000, 1500
    p = size / (size + mean)
    y = rng.negative_binomial(size, p, forecasts).astype(float)
    truth = rng.negative_binomial(size, p, (forecasts, n)).astype(float)
    pool = rng.negative_binomial(size, p, (forecasts, 12)).astype(float)
    lumpy = np.take_along_axis(pool, rng.integers(0, 12, (forecasts, n)), axis=1)
    gain = fs.log_score(lumpy, y, y)[0] - fs.log_score(truth, y, y)[0]
    assert gain.mean() + 3 * gain.std() / math.sqrt(forecasts) < 0


def test_views_bins() -> None:
    y = [0, 0.4, 0.5, 1, 2, 2.5, 3, 5, 6, 10, 11, 25, 26, 50, 51, 100, 101, 250, 251, 500, 501,
         1000, 1001, 5000]  # fmt: skip
    expected = [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10]
    assert fs.views_bin(y).tolist() == expected
    with pytest.raises(ValueError):
        fs.views_bin([-1])


def test_ignorance_by_share() -> None:
    x = np.array([[0, 1, 2, 3]], float)
    ign, tail = fs.ignorance_score(x, 2)  # bin {1, 2}: half the samples
    assert ign[0] == pytest.approx(-_expected(x[0], 1, 2) / math.log(2)) and not tail[0]
    assert ign[0] == pytest.approx(1.0, abs=0.25)  # the share dominates
    ign, _ = fs.ignorance_score(x, 0)
    assert ign[0] == pytest.approx(-_expected(x[0], 0, 0) / math.log(2))


# the integer range of each ViEWS bin
_BIN_COUNTS = [(0, 0), (1, 2), (3, 5), (6, 10), (11, 25), (26, 50), (51, 100), (101, 250),
               (251, 500), (501, 1000), (1001, math.inf)]  # fmt: skip


@pytest.mark.parametrize("j", range(len(VIEWS_BINS)))
def test_ignorance_tail_in_each_bin(j: int) -> None:
    lo, hi = _BIN_COUNTS[j]
    y = lo if math.isfinite(hi) else 2000
    # samples away from the bin (so the bin is empty): overdispersed, around 2000 or around 3
    rng = np.random.default_rng(j)
    size, centre = (20.0, 2000.0) if j <= 5 else (5.0, 3.0)
    x = rng.negative_binomial(size, size / (size + centre), size=(1, 400)).astype(float)
    assert not np.any((x >= VIEWS_BINS[j]) & (x < (*VIEWS_BINS, math.inf)[j + 1]))
    m, v = x.mean(), x.var()
    r = m**2 / (v - m)
    nb = stats.nbinom(r, r / (r + m))
    if lo > m:  # above the mean: survival functions (cdf(hi) - cdf(lo - 1) would cancel)
        p = nb.sf(lo - 1) - (nb.sf(hi) if math.isfinite(hi) else 0.0)
    else:
        p = nb.cdf(hi) - nb.cdf(lo - 1)
    if p < 1e-300:  # below double precision: compare the logs from the log pmf
        k = np.arange(lo, lo + 5000)
        logp = special.logsumexp(nb.logpmf(k))
    else:
        logp = math.log(p)
    logp += math.log(1.0 / 401)  # the weight of the one pseudo-sample among 400 samples
    ign, tail = fs.ignorance_score(x, y)
    assert tail[0]
    assert ign[0] == pytest.approx(-logp / math.log(2), rel=1e-7)


def test_interval_score_three_branches() -> None:
    x = np.arange(100, dtype=float)[None, :]
    # the inverse empirical CDF: 5% quantile 4, 95% quantile 94
    lo, hi = fs.central_interval(x, 0.9)
    assert (lo[0], hi[0]) == (4.0, 94.0)
    inside = fs.interval_score(x, 50.0, alpha=0.1)[0]
    below = fs.interval_score(x, 0.0, alpha=0.1)[0]
    above = fs.interval_score(x, 100.0, alpha=0.1)[0]
    assert inside == pytest.approx(90.0)
    assert below == pytest.approx(90.0 + 2 / 0.1 * 4)
    assert above == pytest.approx(90.0 + 2 / 0.1 * 6)


def test_coverage_of_central_intervals() -> None:
    x = np.arange(100, dtype=float)[None, :].repeat(4, axis=0)
    # central 50%: the 25% and 75% quantiles, 24 and 74
    assert fs.covers(x, [24, 23, 74, 75], 0.5).tolist() == [True, False, True, False]


def test_randomised_pit_by_hand() -> None:
    x = np.array([[0, 1, 1, 2]], float)
    # F(1-) = 1/4, F(1) = 3/4
    assert fs.randomised_pit(x, 1, 0.5)[0] == pytest.approx(0.5)
    assert fs.randomised_pit(x, 1, 0.0)[0] == pytest.approx(0.25)
    assert fs.randomised_pit(x, 5, 0.3)[0] == pytest.approx(1.0)


def test_pit_is_uniform_for_a_calibrated_forecast_and_not_for_a_narrow_one() -> None:
    rng = np.random.default_rng(20261207)
    n, size = 2000, 3.0
    mean = rng.uniform(0.5, 40.0, n)
    p = size / (size + mean)
    y = rng.negative_binomial(size, p)
    right = rng.negative_binomial(size, p[:, None], size=(n, 1000))
    narrow = rng.poisson(mean[:, None], size=(n, 1000))
    v = rng.random(n)
    ks_right = stats.kstest(fs.randomised_pit(right, y, v), "uniform")
    ks_narrow = stats.kstest(fs.randomised_pit(narrow, y, v), "uniform")
    assert ks_right.pvalue > 0.01, ks_right
    assert ks_narrow.pvalue < 1e-6, ks_narrow


def _table() -> pd.DataFrame:
    """Two models, three origins, two horizons, one series, one mode, by hand."""
    rows = []
    crps = {"m": [1.0, 2, 3, 4, 5, 6], "b": [2.0, 2, 2, 2, 2, 2]}
    logs = {"m": [-1.0, -1, -2, -2, -3, -3], "b": [-2.0, -2, -2, -2, -2, -2]}
    origins = [dt.date(2020, 4, 1), dt.date(2020, 7, 1), dt.date(2020, 10, 1)]
    for model in ("m", "b"):
        i = 0
        for o in origins:
            for h in (1, 2):
                rows.append({"model": model, "origin": o, "horizon": h, "series": "s",
                             "mode": "given_us_actions", "crps": crps[model][i],
                             "log_score": logs[model][i], "ignorance": 0.0,
                             "interval_score": 0.0, "cover50": 1.0, "cover90": 1.0,
                             "log_score_tail": False, "ignorance_tail": False,
                             "pit": 0.05 + 0.16 * i})  # fmt: skip
                i += 1
    return pd.DataFrame(rows)


def test_totals_and_paired_differences_by_hand() -> None:
    t = _table()
    tot = fs.totals(t).set_index("model")
    assert tot.loc["m", "crps"] == 21 and tot.loc["b", "crps"] == 12
    assert tot.loc["m", "forecasts"] == 6
    d = fs.paired_differences(t, ["b"], scores=["crps", "log_score"]).set_index("score")
    # per origin: crps (1+2-4, 3+4-4, 5+6-4) = (-1, 3, 7); log (0, -4+4, -6+4) = (2, 0, -2)
    assert d.loc["crps", "mean"] == pytest.approx(3.0)
    assert d.loc["crps", "se"] == pytest.approx(np.std([-1, 3, 7], ddof=1) / math.sqrt(3))
    assert d.loc["log_score", "mean"] == pytest.approx(0.0)
    assert d.loc["log_score", "se"] == pytest.approx(2.0 / math.sqrt(3))
    assert d.loc["crps", "origins"] == 3 and (d["model"] == "m").all()


def test_paired_differences_of_an_infinite_score() -> None:
    t = _table()
    t.loc[(t["model"] == "b") & (t["horizon"] == 1), "log_score"] = -np.inf
    d = fs.paired_differences(t, ["b"], scores=["log_score"])
    assert d["mean"].iloc[0] == np.inf and np.isnan(d["se"].iloc[0])


def test_pit_histogram_counts() -> None:
    h = fs.pit_histogram(_table(), bins=10)
    m = h[h["model"] == "m"]
    assert m["count"].sum() == 6
    # PIT values 0.05, 0.21, 0.37, 0.53, 0.69, 0.85
    assert m.set_index("bin")["count"].tolist() == [1, 0, 1, 1, 0, 1, 1, 0, 1, 0]


def test_pit_uniforms_are_shared_by_models_and_independent_of_order() -> None:
    t = _table()
    u = fs.pit_uniforms(t)
    half = len(t) // 2
    assert np.array_equal(u[:half], u[half:])  # same targets, same draws
    assert len(set(u[:half])) == half
    rev = fs.pit_uniforms(t.iloc[::-1])
    assert np.array_equal(rev[::-1], u)


def test_score_table_columns_and_directions() -> None:
    rng = np.random.default_rng(3)
    x = rng.poisson(10, size=(4, 500))
    keys = pd.DataFrame({"model": ["a"] * 4, "origin": [dt.date(2021, 1, 1)] * 4,
                         "horizon": [1, 2, 3, 1], "series": ["s", "s", "s", "t"],
                         "mode": ["unconditional"] * 4})  # fmt: skip
    best = np.array([10.0, 30.0, 45.0, 11.0])
    t = fs.score_table(keys, x, best, best - 1, best + 1)
    for c in (*fs.SCORES, *fs.COVERAGE_COLUMNS, "pit", "mean", "q05", "q95"):
        assert c in t.columns
    # the forecast near its observation scores better than the one far from it
    assert t.loc[0, "crps"] < t.loc[1, "crps"]
    assert t.loc[0, "log_score"] > t.loc[1, "log_score"]
    assert t.loc[0, "ignorance"] < t.loc[1, "ignorance"]
    assert t.loc[0, "interval_score"] < t.loc[1, "interval_score"]
    assert t["log_score_tail"].tolist() == [False, True, True, False]
