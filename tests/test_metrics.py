"""Tests of sim.analysis.metrics: streaming daily quantiles, outcome summaries, bootstrap
intervals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.analysis.metrics import (
    FAN_METRICS,
    SUMMARY_COLUMNS,
    WINDOW_DAYS,
    DailyHistogram,
    bootstrap_weights,
    daily_metrics,
    inverted_cdf_rank,
    summarise_outcomes,
    summary_markdown,
    wilson_interval,
    write_summary,
)
from sim.engines.ensemble import BOOL_OUTCOMES, DAILY, FLOAT_OUTCOMES, OUTCOMES

QCOLS = ["q05", "q25", "q50", "q75", "q95"]
QS = (0.05, 0.25, 0.5, 0.75, 0.95)


def raw_daily(rng: np.random.Generator, days: int, n: int) -> dict[str, np.ndarray]:
    """Random raw daily series shaped like the engine's ``Result.daily``."""
    return {
        "attacks": rng.poisson(0.3, (days, n)).astype(np.int32),
        "us_casualties": rng.poisson(0.2, (days, n)).astype(np.int32),
        "rung": rng.integers(0, 10, (days, n)).astype(np.int32),
        "us_strikes": rng.binomial(1, 0.05, (days, n)).astype(np.int32),
    }


def outcome_frame(rng: np.random.Generator, n: int, policies=("do_nothing", "b")) -> pd.DataFrame:
    """A synthetic outcomes table with every engine column, common draws across policies."""
    base = {k: rng.poisson(3.0, n) for k in OUTCOMES}
    frames = []
    for i, p in enumerate(policies):
        cols = {k: (v + rng.binomial(1, 0.2 * i, n)).astype(np.int64) for k, v in base.items()}
        for k in BOOL_OUTCOMES:
            cols[k] = cols[k] > 3
        fd = rng.integers(0, 365, n).astype(float)
        fd[rng.random(n) < 0.4] = np.nan
        cols["first_death_day"] = fd
        df = pd.DataFrame(cols)
        df.insert(0, "run", np.arange(n))
        df.insert(0, "policy", p)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["days"] = 365  # as the engines' outcomes carry it (else inferred from the data)
    return out


def row(summary: pd.DataFrame, policy: str, outcome: str) -> pd.Series:
    r = summary[(summary.policy == policy) & (summary.outcome == outcome)]
    assert len(r) == 1
    return r.iloc[0]


# ------------------------------------------------------------------ daily metrics & histograms


def test_daily_metrics_match_naive_definitions():
    rng = np.random.default_rng(3)
    days, n = 80, 7
    d = raw_daily(rng, days, n)
    m = daily_metrics(d)
    assert set(m) == set(FAN_METRICS)
    for t in range(days):
        lo = max(0, t - WINDOW_DAYS + 1)
        np.testing.assert_array_equal(m["cum_attacks"][t], d["attacks"][: t + 1].sum(0))
        np.testing.assert_array_equal(m["attacks_30d"][t], d["attacks"][lo : t + 1].sum(0))
        np.testing.assert_array_equal(m["rung_30d_max"][t], d["rung"][lo : t + 1].max(0))
        np.testing.assert_array_equal(m["cum_us_casualties"][t], d["us_casualties"][: t + 1].sum(0))
        np.testing.assert_array_equal(m["cum_us_strikes"][t], d["us_strikes"][: t + 1].sum(0))
    assert all(v.dtype == np.int64 and v.shape == (days, n) for v in m.values())


def test_daily_metrics_rejects_missing_series():
    d = raw_daily(np.random.default_rng(0), 5, 2)
    del d["rung"]
    with pytest.raises(ValueError, match="rung"):
        daily_metrics(d)


def test_inverted_cdf_rank_matches_numpy():
    qs = np.array([0.0, 0.01, 0.05, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.95, 0.975, 1.0])
    for n in (1, 2, 3, 7, 10, 20, 100, 999, 1000, 12345):
        got = inverted_cdf_rank(n, qs)
        want = np.quantile(np.arange(n), qs, method="inverted_cdf")
        np.testing.assert_array_equal(got, want)


def test_histogram_quantiles_equal_numpy_inverted_cdf():
    rng = np.random.default_rng(11)
    days = 40
    h = DailyHistogram(days)
    chunks = [raw_daily(rng, days, n) for n in (13, 1, 50, 37)]
    for c in chunks:
        h.add(c)
    assert h.n == 101
    all_m = daily_metrics({k: np.concatenate([c[k] for c in chunks], axis=1) for k in DAILY})
    q = h.quantiles()
    assert list(q.columns) == ["metric", "day", *QCOLS, "mean"]
    assert len(q) == days * len(FAN_METRICS)
    for m in FAN_METRICS:
        got = q[q.metric == m]
        want = np.quantile(all_m[m], QS, axis=1, method="inverted_cdf").T
        np.testing.assert_array_equal(got[QCOLS].to_numpy(), want)
        np.testing.assert_allclose(got["mean"].to_numpy(), all_m[m].mean(axis=1), rtol=1e-12)


def test_histogram_grows_range_both_ways_and_handles_negative_values():
    rng = np.random.default_rng(5)
    days = 6
    h = DailyHistogram(days, metrics=("cum_attacks",))
    parts = [rng.integers(0, 5, (days, 20)), rng.integers(-30, -10, (days, 3))]
    parts.append(rng.integers(100, 200, (days, 9)))
    for p in parts:
        h.add_metrics({"cum_attacks": p})
    allv = np.concatenate(parts, axis=1)
    qs = (0.0, 0.1, 0.5, 0.9, 1.0)
    q = h.quantiles(qs)
    want = np.quantile(allv, qs, axis=1, method="inverted_cdf").T
    np.testing.assert_array_equal(q[["q00", "q10", "q50", "q90", "q100"]].to_numpy(), want)
    lo, counts = h.counts("cum_attacks")
    assert lo == allv.min() and counts.shape == (days, allv.max() - allv.min() + 1)


def test_merge_in_any_order_gives_identical_histograms(tmp_path):
    rng = np.random.default_rng(7)
    days = 30
    chunks = [raw_daily(rng, days, n) for n in (5, 17, 2, 30)]
    chunks[2]["attacks"] += 6  # a chunk with a wider range

    def build(order: list[int], merge_tree: bool) -> DailyHistogram:
        if not merge_tree:
            h = DailyHistogram(days)
            for i in order:
                h.add(chunks[i])
            return h
        parts = []
        for i in order:
            h = DailyHistogram(days)
            h.add(chunks[i])
            parts.append(h)
        total = DailyHistogram(days)
        for h in parts:
            total.merge(h)
        return total

    ref = build([0, 1, 2, 3], merge_tree=False)
    for order, tree in (([3, 2, 1, 0], False), ([2, 0, 3, 1], True), ([1, 3, 0, 2], True)):
        other = build(order, tree)
        assert other == ref
        pd.testing.assert_frame_equal(other.quantiles(), ref.quantiles())
    path = ref.to_npz(tmp_path / "h.npz")
    back = DailyHistogram.from_npz(path)
    assert back == ref
    pd.testing.assert_frame_equal(back.quantiles(), ref.quantiles())


def test_histogram_memory_does_not_grow_with_runs():
    rng = np.random.default_rng(1)
    days = 20
    h = DailyHistogram(days, metrics=("rung_30d_max",))
    h.add(raw_daily(rng, days, 500))
    size = h.counts("rung_30d_max")[1].nbytes
    for _ in range(5):
        h.add(raw_daily(rng, days, 500))
    assert h.n == 3000
    assert h.counts("rung_30d_max")[1].nbytes == size  # rungs 0..9: ten bins, whatever n


def test_histogram_rejects_bad_input():
    h = DailyHistogram(4, metrics=("cum_attacks",))
    with pytest.raises(ValueError, match="integers"):
        h.add_metrics({"cum_attacks": np.zeros((4, 2))})
    with pytest.raises(ValueError, match="shape"):
        h.add_metrics({"cum_attacks": np.zeros((5, 2), dtype=int)})
    with pytest.raises(ValueError, match="no runs"):
        h.quantiles()
    with pytest.raises(ValueError, match="merge"):
        h.merge(DailyHistogram(5, metrics=("cum_attacks",)))
    with pytest.raises(ValueError, match="unknown"):
        DailyHistogram(4, metrics=("nonsense",))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(st.lists(st.integers(-50, 200), min_size=3, max_size=3), min_size=1, max_size=40),
    qs=st.lists(st.integers(0, 1000).map(lambda k: k / 1000), min_size=1, max_size=6),
)
def test_histogram_quantiles_monotone_and_exact(data, qs):
    values = np.array(data, dtype=np.int64).T  # (days=3, n)
    h = DailyHistogram(3, metrics=("attacks_30d",))
    h.add_metrics({"attacks_30d": values})
    qs = sorted(set(qs))
    q = h.quantiles(qs)
    cols = [c for c in q.columns if c.startswith("q")]
    got = q[cols].to_numpy()
    assert (np.diff(got, axis=1) >= 0).all()
    want = np.quantile(values, qs, axis=1, method="inverted_cdf").T
    np.testing.assert_array_equal(got, want)
    mean = q["mean"].to_numpy()
    assert (values.min(axis=1) <= mean).all() and (mean <= values.max(axis=1)).all()


# ------------------------------------------------------------------ Wilson intervals


def test_wilson_interval_known_values():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 -> 0.2553 to 0.3662
    lo, hi = wilson_interval(81, 263)
    assert round(float(lo), 4) == 0.2553 and round(float(hi), 4) == 0.3662
    # 0/10 -> 0 to 0.2775; 10/10 -> 0.7225 to 1 (same source, table I)
    lo, hi = wilson_interval(0, 10)
    assert float(lo) == 0.0 and round(float(hi), 4) == 0.2775
    lo, hi = wilson_interval(10, 10)
    assert round(float(lo), 4) == 0.7225 and float(hi) == 1.0


@given(n=st.integers(1, 10_000), frac=st.floats(0, 1))
def test_wilson_interval_contains_estimate(n, frac):
    k = round(frac * n)
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


# ------------------------------------------------------------------ summarise_outcomes


def test_summary_layout_and_point_statistics():
    rng = np.random.default_rng(0)
    df = outcome_frame(rng, 300, ("do_nothing", "b", "c"))
    s = summarise_outcomes(df, n_boot=200, horizon=365)
    assert list(s.columns) == list(SUMMARY_COLUMNS)
    n_outcomes = len(OUTCOMES) + 3  # plus any_us_death, any_us_strike, any_iran_strike
    assert len(s) == 3 * n_outcomes
    assert set(s.kind) == {"count", "probability", "day", "average"}
    b = df[df.policy == "b"]
    r = row(s, "b", "attacks_total")
    assert r["kind"] == "count" and r["n"] == 300
    assert r["mean"] == pytest.approx(b.attacks_total.mean(), rel=1e-12)
    assert r["median"] == np.quantile(b.attacks_total, 0.5, method="inverted_cdf")
    assert r["p95"] == np.quantile(b.attacks_total, 0.95, method="inverted_cdf")
    r = row(s, "b", "any_us_death")
    assert r["kind"] == "probability" and r["prob"] == pytest.approx((b.us_killed > 0).mean())
    r = row(s, "b", "first_death_day")
    fd = b.first_death_day
    assert r["kind"] == "day"
    # survival analysis over all runs, not the mean over the runs with a death
    assert r["mean"] == pytest.approx(fd.fillna(365).mean())
    assert r["mean"] > fd.dropna().mean()
    assert r["prob"] == pytest.approx(fd.notna().mean())
    # baseline row carries no difference; the others do
    assert row(s, "do_nothing", "attacks_total")[["diff", "diff_lo", "diff_hi"]].isna().all()
    assert np.isfinite(
        row(s, "c", "attacks_total")[["diff", "diff_lo", "diff_hi"]].astype(float)
    ).all()


def test_time_to_first_death_known_answers():
    from sim.analysis.stats import km_quantile, restricted_days

    fd = np.array([0.0, 2.0, np.nan, np.nan])
    np.testing.assert_array_equal(restricted_days(fd, 4), [0, 2, 4, 4])
    assert km_quantile(fd, 4, 0.5) == 2.0  # half the runs have had a death by day 2
    assert np.isnan(km_quantile(np.array([1.0, np.nan, np.nan, np.nan]), 4, 0.5))
    df = pd.DataFrame({"policy": "p", "run": range(4), "first_death_day": fd})
    for k in OUTCOMES:
        if k != "first_death_day":
            df[k] = 0
    r = row(summarise_outcomes(df, horizon=4), "p", "first_death_day")
    assert (r["mean"], r["median"], r["prob"]) == (2.5, 2.0, 0.5)
    # a policy with fewer deaths cannot look as if deaths came sooner
    fewer = df.assign(policy="q", first_death_day=[0.0, np.nan, np.nan, np.nan])
    s = summarise_outcomes(pd.concat([df, fewer]), baseline="p", horizon=4)
    assert row(s, "q", "first_death_day")["mean"] > r["mean"]
    assert row(s, "q", "first_death_day")["diff"] == 0.5


def test_identical_policies_differ_by_exactly_zero():
    rng = np.random.default_rng(1)
    df = outcome_frame(rng, 200, ("do_nothing",))
    twin = df.assign(policy="twin")
    s = summarise_outcomes(pd.concat([df, twin.sample(frac=1, random_state=3)]), n_boot=300)
    t = s[(s.policy == "twin") & (s.kind != "average")]
    assert s[(s.policy == "twin") & (s.kind == "average")]["diff"].isna().all()  # none paired
    for c in ("diff", "diff_lo", "diff_hi"):
        assert (t[c] == 0.0).all(), c


def test_shift_by_one_in_every_run_gives_exactly_one():
    rng = np.random.default_rng(2)
    df = outcome_frame(rng, 150, ("do_nothing",))
    shifted = df.assign(policy="plus_one")
    counts = [k for k in OUTCOMES if k not in BOOL_OUTCOMES and k not in FLOAT_OUTCOMES]
    shifted[counts] += 1
    shifted["first_death_day"] += 1
    s = summarise_outcomes(pd.concat([df, shifted]), n_boot=300, horizon=400)
    for k in counts:
        r = row(s, "plus_one", k)
        assert (r["diff"], r["diff_lo"], r["diff_hi"]) == (1.0, 1.0, 1.0), k
    # restricted mean: a later death moves it by one day in the runs with a death only
    r = row(s, "plus_one", "first_death_day")
    assert r["diff"] == pytest.approx(df["first_death_day"].notna().mean())


def test_paired_difference_is_mean_of_run_differences_and_interval_has_bootstrap_width():
    rng = np.random.default_rng(4)
    n = 400
    df = outcome_frame(rng, n, ("do_nothing",))
    other = df.assign(policy="noisy")
    d = rng.integers(-3, 6, n)  # mean 1, variance 60/9
    other["attacks_total"] += d
    s = summarise_outcomes(pd.concat([df, other]), n_boot=4000, seed=9)
    r = row(s, "noisy", "attacks_total")
    assert r["diff"] == d.sum() / n
    # percentile-bootstrap half-width ~ 1.96 * sd / sqrt(n) (plug-in sd)
    expect = 1.959964 * d.std() / np.sqrt(n)
    assert (r["diff_hi"] - r["diff_lo"]) / 2 == pytest.approx(expect, rel=0.1)
    assert r["diff_lo"] < r["diff"] < r["diff_hi"]


@pytest.mark.slow
def test_bootstrap_interval_covers_the_true_difference():
    rng = np.random.default_rng(2024)
    true_diff, n, reps, covered = 0.5, 40, 100, 0
    for _ in range(reps):
        base = rng.poisson(3.0, n)
        pol = base + rng.poisson(1.0, n) - rng.poisson(0.5, n)  # E[diff] = 0.5
        df = outcome_frame(rng, n, ("do_nothing", "p"))
        df.loc[df.policy == "do_nothing", "attacks_total"] = base
        df.loc[df.policy == "p", "attacks_total"] = pol
        r = row(
            summarise_outcomes(df, n_boot=400, seed=int(rng.integers(1 << 31))),
            "p",
            "attacks_total",
        )
        covered += r["diff_lo"] <= true_diff <= r["diff_hi"]
    assert covered >= 85, covered


def test_summary_is_deterministic_and_independent_of_other_policies():
    rng = np.random.default_rng(5)
    df = outcome_frame(rng, 120, ("do_nothing", "b", "c"))
    s1 = summarise_outcomes(df, n_boot=250, seed=3)
    s2 = summarise_outcomes(df.sample(frac=1, random_state=1), n_boot=250, seed=3)
    key = ["policy", "outcome"]
    pd.testing.assert_frame_equal(
        s1.sort_values(key).reset_index(drop=True), s2.sort_values(key).reset_index(drop=True)
    )
    only_b = summarise_outcomes(df[df.policy != "c"], n_boot=250, seed=3)
    pd.testing.assert_frame_equal(
        s1[s1.policy == "b"].reset_index(drop=True),
        only_b[only_b.policy == "b"].reset_index(drop=True),
    )
    s3 = summarise_outcomes(df, n_boot=250, seed=4)
    assert (s3["diff"].fillna(-1) == s1["diff"].fillna(-1)).all()  # points do not resample
    assert not (s3["diff_lo"].fillna(-1) == s1["diff_lo"].fillna(-1)).all()


def test_summary_accepts_categorical_policy_column():
    df = outcome_frame(np.random.default_rng(12), 40, ("do_nothing", "b"))
    cat = df.assign(policy=pd.Categorical(df.policy, categories=["unused", "do_nothing", "b"]))
    pd.testing.assert_frame_equal(
        summarise_outcomes(cat, n_boot=100), summarise_outcomes(df, n_boot=100)
    )


def test_summary_without_baseline_has_no_differences():
    df = outcome_frame(np.random.default_rng(6), 50, ("a", "b"))
    s = summarise_outcomes(df)
    assert s[["diff", "diff_lo", "diff_hi"]].isna().all().all()


def test_summary_pairs_by_run_over_common_runs():
    rng = np.random.default_rng(8)
    df = outcome_frame(rng, 60, ("do_nothing",))
    other = df.assign(policy="p")
    other["us_killed"] += 2
    other = other[other.run % 3 != 0]  # fewer runs: paired over the common ones
    s = summarise_outcomes(pd.concat([df, other]), n_boot=100)
    r = row(s, "p", "us_killed")
    assert r["n"] == 40 and r["diff"] == 2.0 and r["diff_lo"] == r["diff_hi"] == 2.0


def test_summary_rejects_bad_tables():
    df = outcome_frame(np.random.default_rng(9), 10, ("do_nothing",))
    with pytest.raises(ValueError, match="war"):
        summarise_outcomes(df.drop(columns="war"))
    with pytest.raises(ValueError, match="duplicate"):
        summarise_outcomes(pd.concat([df, df.iloc[:1]]))


def test_bootstrap_weights_are_resamples_of_n_runs():
    rng = np.random.default_rng(0)
    w = np.concatenate(list(bootstrap_weights(37, 1000, rng)))
    assert w.shape == (1000, 37)
    assert (w.sum(axis=1) == 37).all() and (w >= 0).all()
    # each run is drawn Binomial(n, 1/n) times: mean 1, variance (1 - 1/n)
    assert w.mean() == pytest.approx(1.0)
    assert w.var() == pytest.approx(1 - 1 / 37, rel=0.05)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_summary_invariants(n, seed):
    rng = np.random.default_rng(seed)
    df = outcome_frame(rng, n, ("do_nothing", "b"))
    s = summarise_outcomes(df, n_boot=50, seed=seed)
    # a Kaplan–Meier quantile not reached within the period is NaN: later than any day
    q = s[s.kind != "probability"].dropna(subset=["median"]).fillna({"p95": np.inf})
    assert (q["p05"] <= q["median"]).all() and (q["median"] <= q["p95"]).all()
    p = s.dropna(subset=["prob"])
    assert ((p.prob_lo >= 0) & (p.prob_lo <= p.prob) & (p.prob <= p.prob_hi)).all()
    assert (p.prob_hi <= 1).all()
    d = s.dropna(subset=["diff_lo"])
    assert (d.diff_lo <= d.diff_hi).all()


# ------------------------------------------------------------------ writing


def test_write_summary_files(tmp_path):
    df = outcome_frame(np.random.default_rng(10), 80, ("do_nothing", "strike_iraq", "mine"))
    s = summarise_outcomes(df, n_boot=200)
    context = {"scenario": "baseline", "start": dt.date(2021, 1, 1),
               "end": dt.date(2021, 12, 31), "seed": 7, "runs": 80}  # fmt: skip
    paths = write_summary(s, tmp_path / "out", context=context)
    assert [p.name for p in paths] == ["summary.parquet", "summary.csv", "summary.md"]
    back = pd.read_parquet(paths[0])
    pd.testing.assert_frame_equal(back, pd.DataFrame(s), check_like=False)
    assert len(pd.read_csv(paths[1])) == len(s)
    md = paths[2].read_text(encoding="utf-8")
    # labels from the registry, names for user policies; both tables present
    assert "| Do nothing |" in md and "| Strike inside Iraq |" in md and "| mine |" in md
    assert "Differences from “Do nothing”" in md and "P(any US death)" in md
    assert "baseline" not in md.replace("Scenario: baseline", "")  # do nothing is not "baseline"
    header = [ln for ln in md.splitlines() if ln.startswith("| Policy")]
    assert len(header) == 4  # outcomes, other outcomes, differences, the policies' definitions
    # scenario, period, seed, runs and units are said
    for text in ("Scenario: baseline", "1 Jan 2021 – 31 Dec 2021 (365 days)", "Seed: 7",
                 "runs: 80", "counts per year"):  # fmt: skip
        assert text in md, text
    # outcome names say what they measure; the judgement parameters a difference rests on are
    # named once, in the policy's verdict, not in a column of the table of differences
    assert "P(war: reciprocal direct US–Iran strikes)" in md and "P(US–Iran war)" not in md
    verdict = [ln for ln in md.splitlines() if ln.startswith("- **Strike inside Iraq.**")]
    assert len(verdict) == 1 and "`intensity_iraq`" in verdict[0]
    assert md.count("`intensity_iraq`") == 1
    assert "an attack that injures or kills Americans" in md  # the policy catalogue
    assert md == summary_markdown(s, context=context) + "\n"


def test_calibration_warns_when_too_small():
    from sim.analysis.summaries import calibrate_summary, calibration_warnings

    assert calibration_warnings(800.0, 0.2, 2000) == []
    small = calibration_warnings(39.0, 0.01, 2000)
    assert len(small) == 2 and "effective sample size 39" in small[0] and "1.0%" in small[1]
    md = calibrate_summary(start=dt.date(2019, 10, 1), end=dt.date(2021, 12, 31), seed=1,
                           particles=100, draws=2000, stop_reason="generations", inside=20,
                           statistics=21, seconds=60.0, ess=39.0, acceptance=0.2)  # fmt: skip
    assert "**Warning**: effective sample size 39" in md and "2,000 posterior draws" in md


def test_sensitivity_intervals_beside_every_index_and_a_warning():
    from sim.explore.sensitivity_report import indices_markdown, interval, sensitivity_warnings

    assert interval(0.40, 0.37) == "0.4 [0.03, 0.77]"
    assert interval(0.10, 0.30) == "0.1 [0, 0.4]"  # mu* and ST are never below zero
    df = pd.DataFrame(
        {"outcome": ["us_killed"] * 2, "parameter": ["a", "b"], "mu_star": [2.0, 0.1],
         "mu_star_conf": [0.5, 0.3], "sigma": [1.0, 0.1]}
    )  # fmt: skip
    df.attrs = {"method": "morris", "scenario": "s", "policy": "do_nothing", "days": 30,
                "seed": 1, "n": 10, "rows": 20, "reps": 2, "varied": ["a", "b"],
                "constant": [], "outcome_means": {}}  # fmt: skip
    w = sensitivity_warnings(df)
    assert len(w) == 1 and "1 of the top indices" in w[0] and "`b`" in w[0]
    md = indices_markdown(df)
    assert "| `a` | 2 [1.5, 2.5] |" in md and "| `b` | 0.1 [0, 0.4] |" in md
    assert "**Warning**: 1 of the top indices" in md
