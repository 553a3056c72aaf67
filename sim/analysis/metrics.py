"""Outcome statistics: streaming daily quantiles and per-policy summaries with intervals.

Two consumers of the ensemble engine's output (:func:`sim.engines.ensemble.run_ensemble`) live here:

* :class:`DailyHistogram` keeps exact per-day histograms of integer daily metrics (cumulative
  attacks, attacks in the trailing 30 days, ...; see :func:`daily_metrics`), chunk by chunk, so
  fan charts of any number of runs cost memory in the *range* of the values, never in the number
  of runs. Its quantiles are the inverted empirical CDF (Hyndman & Fan 1996, definition 1;
  numpy's ``method="inverted_cdf"``), so they equal ``np.quantile`` of all the values exactly.
* :func:`summarise_outcomes` turns per-run outcomes (one row per policy × run) into a long
  table: means, medians and 5–95% ranges for counts; probabilities with Wilson score intervals
  (Wilson 1927; Newcombe 1998) for yes/no outcomes; and, under common random numbers, the
  *paired* difference of each policy against a baseline policy with a nonparametric percentile
  bootstrap interval (Efron & Tibshirani 1993, ch. 13) that resamples run indices jointly.
* :func:`write_summary` writes that table as Parquet, CSV and a readable Markdown report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter1d
from scipy.stats import norm
from threadpoolctl import threadpool_limits

from sim.engines.ensemble import BOOL_OUTCOMES, OUTCOMES

#: Width of the trailing windows of the daily metrics, in days.
WINDOW_DAYS = 30

#: Daily metrics kept by :class:`DailyHistogram` (see :func:`daily_metrics`).
FAN_METRICS: tuple[str, ...] = (
    "cum_attacks",
    "attacks_30d",
    "cum_us_casualties",
    "cum_us_strikes",
    "rung_30d_max",
)

#: What each daily metric means (units in brackets).
FAN_DESCRIPTIONS: dict[str, str] = {
    "cum_attacks": "militia attacks since day 0 (attacks)",
    "attacks_30d": f"militia attacks in the trailing {WINDOW_DAYS} days (attacks)",
    "cum_us_casualties": "Americans killed or wounded since day 0 (people)",
    "cum_us_strikes": "US strikes since day 0 (strikes)",
    "rung_30d_max": f"highest escalation rung in the trailing {WINDOW_DAYS} days (rung 0-9)",
}

#: Quantile levels of :meth:`DailyHistogram.quantiles` and their column names.
DEFAULT_QS: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)

#: Yes/no outcomes derived from the engine's columns (see :class:`_Runs`).
DERIVED: dict[str, str] = {
    "any_us_death": "at least one American killed",
    "any_us_strike": "the US struck at least once",
}

#: Two-sided 95% normal quantile used by the Wilson interval.
Z95 = float(norm.ppf(0.975))

#: Columns of the table returned by :func:`summarise_outcomes`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "policy",
    "outcome",
    "description",
    "kind",
    "n",
    "mean",
    "median",
    "p05",
    "p95",
    "prob",
    "prob_lo",
    "prob_hi",
    "diff",
    "diff_lo",
    "diff_hi",
)


# --------------------------------------------------------------------------------------------
# Daily metrics and streaming histograms
# --------------------------------------------------------------------------------------------


def _trailing_sum(x: np.ndarray, window: int) -> np.ndarray:
    """Sum over the trailing ``window`` days (fewer at the start), along axis 0."""
    c = np.cumsum(x, axis=0, dtype=np.int64)
    out = c.copy()
    out[window:] -= c[:-window]
    return out


def _trailing_max(x: np.ndarray, window: int) -> np.ndarray:
    """Maximum over the trailing ``window`` days (fewer at the start), along axis 0."""
    return maximum_filter1d(
        np.asarray(x, dtype=np.int64), size=window, axis=0, mode="nearest", origin=(window - 1) // 2
    )


def daily_metrics(daily: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The daily metrics of :data:`FAN_METRICS` from the engine's raw daily series.

    Parameters
    ----------
    daily : the engine's ``Result.daily``: keys of :data:`sim.engines.ensemble.DAILY`, each an
    integer
        array of shape ``(days, n)`` (day t's count in run k)

    Returns
    -------
    dict of int64 arrays of shape ``(days, n)``:

    * ``cum_attacks`` — militia attacks on days 0..t;
    * ``attacks_30d`` — militia attacks on days t-29..t (fewer days at the start);
    * ``cum_us_casualties`` — Americans killed plus wounded on days 0..t;
    * ``cum_us_strikes`` — US kinetic strikes on days 0..t;
    * ``rung_30d_max`` — highest rung of the ladder (:mod:`sim.core.ladder`) on days t-29..t.
    """
    missing = [k for k in ("attacks", "us_casualties", "rung", "us_strikes") if k not in daily]
    if missing:
        raise ValueError(f"daily series lack {missing}; got {sorted(daily)}")
    attacks = np.asarray(daily["attacks"])
    if attacks.ndim != 2:
        raise ValueError(f"daily series must have shape (days, n); got {attacks.shape}")
    return {
        "cum_attacks": np.cumsum(attacks, axis=0, dtype=np.int64),
        "attacks_30d": _trailing_sum(attacks, WINDOW_DAYS),
        "cum_us_casualties": np.cumsum(daily["us_casualties"], axis=0, dtype=np.int64),
        "cum_us_strikes": np.cumsum(daily["us_strikes"], axis=0, dtype=np.int64),
        "rung_30d_max": _trailing_max(daily["rung"], WINDOW_DAYS),
    }


def inverted_cdf_rank(n: int, qs: Sequence[float]) -> np.ndarray:
    """0-based order statistic that numpy's ``method="inverted_cdf"`` returns for ``n`` values.

    Hyndman & Fan (1996) definition 1: the smallest x with F_n(x) >= q. The index is computed
    with numpy's own floating-point steps (``n*q - 1``, then the next integer unless it is one
    already, clipped at 0) so the two agree bit for bit.
    """
    v = n * np.asarray(qs, dtype=np.float64) - 1
    prev = np.floor(v)
    idx = np.where(v - prev == 0, prev, prev + 1).astype(np.int64)
    return np.clip(idx, 0, max(n - 1, 0))


class DailyHistogram:
    """Exact streaming histograms, per day, of integer daily metrics of many runs.

    For each metric it keeps an int64 count array of shape ``(days, bins)`` over the integer
    values ``lo .. lo + bins - 1`` seen so far; the range grows exactly to the values seen (no
    slack), so the state, and anything saved, does not depend on the order in which chunks were
    added or merged. Memory grows with the range of the values, not with the number of runs.

    Parameters
    ----------
    days : number of simulated days
    metrics : names from :data:`FAN_METRICS` (computed by :func:`daily_metrics`)
    """

    def __init__(self, days: int, metrics: tuple[str, ...] = FAN_METRICS) -> None:
        unknown = [m for m in metrics if m not in FAN_METRICS]
        if unknown:
            raise ValueError(f"unknown daily metric(s) {unknown}; known: {list(FAN_METRICS)}")
        if int(days) < 1:
            raise ValueError(f"days must be >= 1, got {days}")
        self.days = int(days)
        self.metrics = tuple(metrics)
        self.n = 0
        self._lo: dict[str, int] = {}
        self._counts: dict[str, np.ndarray] = {}

    # -- building -----------------------------------------------------------------------------
    def _grow(self, m: str, lo: int, hi: int) -> None:
        """Make the bins of metric ``m`` cover ``lo..hi`` (inclusive), keeping the counts."""
        if m not in self._counts:
            self._lo[m] = lo
            self._counts[m] = np.zeros((self.days, hi - lo + 1), dtype=np.int64)
            return
        old_lo, old = self._lo[m], self._counts[m]
        old_hi = old_lo + old.shape[1] - 1
        new_lo, new_hi = min(lo, old_lo), max(hi, old_hi)
        if (new_lo, new_hi) == (old_lo, old_hi):
            return
        grown = np.zeros((self.days, new_hi - new_lo + 1), dtype=np.int64)
        grown[:, old_lo - new_lo : old_lo - new_lo + old.shape[1]] = old
        self._lo[m], self._counts[m] = new_lo, grown

    def add_metrics(self, values: Mapping[str, np.ndarray]) -> None:
        """Add runs given as already-computed daily metrics (each of shape ``(days, n)``)."""
        n_new = None
        for m in self.metrics:
            v = np.asarray(values[m])
            if v.ndim != 2 or v.shape[0] != self.days:
                raise ValueError(f"metric {m}: expected shape ({self.days}, n), got {v.shape}")
            if not np.issubdtype(v.dtype, np.integer):
                raise ValueError(f"metric {m}: values must be integers, got dtype {v.dtype}")
            if n_new is None:
                n_new = v.shape[1]
            elif v.shape[1] != n_new:
                raise ValueError("all metrics of a chunk must have the same number of runs")
        if not n_new:
            return
        for m in self.metrics:
            v = np.asarray(values[m], dtype=np.int64)
            self._grow(m, int(v.min()), int(v.max()))
            lo, counts = self._lo[m], self._counts[m]
            bins = counts.shape[1]
            flat = (v - lo) + (np.arange(self.days, dtype=np.int64) * bins)[:, None]
            counts += np.bincount(flat.ravel(), minlength=self.days * bins).reshape(self.days, bins)
        self.n += int(n_new)

    def add(self, daily: Mapping[str, np.ndarray]) -> None:
        """Add one chunk of runs given as the engine's raw daily series (``Result.daily``)."""
        self.add_metrics(daily_metrics(daily))

    def merge(self, other: DailyHistogram) -> DailyHistogram:
        """Add the counts of ``other`` (same days and metrics) into this one; returns self."""
        if other.days != self.days or other.metrics != self.metrics:
            raise ValueError(
                f"cannot merge histograms of {other.days} days {other.metrics} into "
                f"{self.days} days {self.metrics}"
            )
        for m in self.metrics:
            if m not in other._counts:
                continue
            olo, oc = other._lo[m], other._counts[m]
            self._grow(m, olo, olo + oc.shape[1] - 1)
            start = olo - self._lo[m]
            self._counts[m][:, start : start + oc.shape[1]] += oc
        self.n += other.n
        return self

    # -- reading ------------------------------------------------------------------------------
    def counts(self, metric: str) -> tuple[int, np.ndarray]:
        """``(lo, counts)``: counts[t, j] runs had value ``lo + j`` on day t (a copy)."""
        if metric not in self._counts:
            raise ValueError(f"no runs added for metric {metric}")
        return self._lo[metric], self._counts[metric].copy()

    def quantiles(self, qs: Sequence[float] = DEFAULT_QS) -> pd.DataFrame:
        """Per-day quantiles and means of every metric.

        Quantiles are the inverted empirical CDF (Hyndman & Fan 1996, definition 1): the
        smallest value x with (runs <= x) >= q·n, computed with numpy's floating-point steps,
        so they equal ``np.quantile(values_of_day_t, q, method="inverted_cdf")`` exactly.

        Returns
        -------
        DataFrame with columns ``metric, day, q05, q25, q50, q75, q95, mean`` (one column per
        entry of ``qs``, named ``q`` + the percentage), one row per metric and day.
        """
        if self.n == 0:
            raise ValueError("no runs added to the histogram")
        qs = tuple(float(q) for q in qs)
        if any(not 0.0 <= q <= 1.0 for q in qs):
            raise ValueError(f"quantile levels must lie in [0, 1], got {qs}")
        names = [_qname(q) for q in qs]
        if len(set(names)) != len(names):
            raise ValueError(f"quantile levels give duplicate column names: {names}")
        rank = inverted_cdf_rank(self.n, qs)
        frames = []
        for m in self.metrics:
            lo, counts = self._lo[m], self._counts[m]
            cum = np.cumsum(counts, axis=1)
            values = lo + np.arange(counts.shape[1], dtype=np.int64)
            cols: dict[str, np.ndarray | str] = {
                "metric": m,
                "day": np.arange(self.days, dtype=np.int64),
            }
            for name, r in zip(names, rank, strict=True):
                # first bin whose cumulative count exceeds the 0-based rank r
                j = (cum <= r).sum(axis=1)
                cols[name] = values[j]
            cols["mean"] = (counts @ values.astype(np.float64)) / self.n
            frames.append(pd.DataFrame(cols))
        return pd.concat(frames, ignore_index=True)

    # -- storage ------------------------------------------------------------------------------
    def to_npz(self, path: str | Path) -> Path:
        """Save to a compressed ``.npz`` file (exact; read back with :meth:`from_npz`)."""
        path = Path(path)
        arrays: dict[str, np.ndarray] = {
            "days": np.array(self.days, dtype=np.int64),
            "n": np.array(self.n, dtype=np.int64),
            "metrics": np.array(self.metrics, dtype=str),
        }
        for m in self._counts:
            arrays[f"lo__{m}"] = np.array(self._lo[m], dtype=np.int64)
            arrays[f"counts__{m}"] = self._counts[m]
        with path.open("wb") as fh:
            np.savez_compressed(fh, **arrays)
        return path

    @classmethod
    def from_npz(cls, path: str | Path) -> DailyHistogram:
        """Read a histogram written by :meth:`to_npz`."""
        with np.load(Path(path), allow_pickle=False) as z:
            h = cls(int(z["days"]), tuple(str(m) for m in z["metrics"]))
            h.n = int(z["n"])
            for m in h.metrics:
                if f"counts__{m}" in z.files:
                    h._lo[m] = int(z[f"lo__{m}"])
                    h._counts[m] = z[f"counts__{m}"].astype(np.int64)
        return h

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DailyHistogram):
            return NotImplemented
        return (
            self.days == other.days
            and self.metrics == other.metrics
            and self.n == other.n
            and self._lo == other._lo
            and all(np.array_equal(self._counts[m], other._counts[m]) for m in self._counts)
            and set(self._counts) == set(other._counts)
        )

    def __repr__(self) -> str:
        return f"DailyHistogram(days={self.days}, n={self.n}, metrics={self.metrics})"


def _qname(q: float) -> str:
    """Column name of quantile level q: 0.05 -> 'q05', 0.5 -> 'q50', 0.975 -> 'q97.5'."""
    pct = round(q * 100, 10)
    if pct == round(pct):
        return f"q{round(pct):02d}"
    return f"q{pct:.10g}"


# --------------------------------------------------------------------------------------------
# Per-run outcome summaries
# --------------------------------------------------------------------------------------------


def wilson_interval(
    k: np.ndarray | int, n: np.ndarray | int, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion k/n (Wilson 1927; Newcombe 1998, (3)).

    Returns ``(lo, hi)``, clipped so that ``0 <= lo <= k/n <= hi <= 1`` despite rounding; NaN
    where n == 0.
    """
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lo = np.clip(centre - half, 0.0, p)
        hi = np.clip(centre + half, p, 1.0)
    return lo, hi


def _kind(outcome: str) -> str:
    if outcome == "first_death_day":
        return "day"
    if outcome in BOOL_OUTCOMES or outcome in DERIVED:
        return "probability"
    return "count"


class _Runs:
    """Per-policy access to the outcome columns of a long table, each policy ordered by run.

    Columns are read one at a time (no copy of the table), so memory stays a few columns.
    """

    def __init__(self, outcomes: pd.DataFrame) -> None:
        self.df = outcomes
        runs = outcomes["run"].to_numpy()
        self.pos: dict[str, np.ndarray] = {}
        for p, idx in outcomes.groupby("policy", sort=False, observed=True).indices.items():
            self.pos[p] = idx[np.argsort(runs[idx], kind="stable")]
        self.policies = list(pd.unique(outcomes["policy"]))
        self._runs = runs

    def runs(self, p: str) -> np.ndarray:
        return self._runs[self.pos[p]]

    def value(self, p: str, name: str, sel: np.ndarray | None = None) -> np.ndarray:
        """Per-run values of outcome ``name`` (engine column or :data:`DERIVED`) of policy p."""
        pos = self.pos[p] if sel is None else self.pos[p][sel]
        if name == "any_us_death":
            return self.df["us_killed"].to_numpy()[pos] > 0
        if name == "any_us_strike":
            return self.df["us_strikes"].to_numpy()[pos] > 0
        return self.df[name].to_numpy()[pos]


def _describe(v: np.ndarray, kind: str) -> dict[str, float]:
    """Point statistics of one outcome of one policy (see :func:`summarise_outcomes`)."""
    n = len(v)
    qs = (0.5, 0.05, 0.95)
    row = dict.fromkeys(("mean", "median", "p05", "p95", "prob", "prob_lo", "prob_hi"), np.nan)
    if kind == "count":
        if n:
            row["mean"] = float(v.sum(dtype=np.float64) / n)
            row["median"], row["p05"], row["p95"] = (
                float(x) for x in np.quantile(v, qs, method="inverted_cdf")
            )
    elif kind == "probability":
        k = int(np.count_nonzero(v))
        row["mean"] = row["prob"] = k / n if n else np.nan
        lo, hi = wilson_interval(k, n)
        row["prob_lo"], row["prob_hi"] = float(lo), float(hi)
    else:  # day of the first death: statistics over the runs with a death
        died = ~np.isnan(v)
        k = int(died.sum())
        row["prob"] = k / n if n else np.nan
        lo, hi = wilson_interval(k, n)
        row["prob_lo"], row["prob_hi"] = float(lo), float(hi)
        if k:
            d = v[died]
            row["mean"] = float(d.mean())
            row["median"], row["p05"], row["p95"] = (
                float(x) for x in np.quantile(d, qs, method="inverted_cdf")
            )
    return row


#: Bootstrap resamples drawn per batch are capped so a batch's weights stay near this many cells.
_BATCH_CELLS = 2_000_000


def bootstrap_weights(n: int, n_boot: int, rng: np.random.Generator):
    """Yield batches of bootstrap weights: ``w[b, k]`` = times run k is drawn in resample b.

    Each resample draws ``n`` run indices uniformly with replacement (the ordinary
    nonparametric bootstrap, Efron & Tibshirani 1993, ch. 6), so every row sums to exactly n.
    Batches hold about :data:`_BATCH_CELLS` cells (float64), which bounds memory for any n;
    the batch size depends only on n, so the draws depend only on (seed, n, n_boot).
    """
    per = max(1, _BATCH_CELLS // max(n, 1))
    done = 0
    while done < n_boot:
        nb = min(per, n_boot - done)
        idx = rng.integers(0, n, size=(nb, n))
        idx += (np.arange(nb, dtype=np.int64) * n)[:, None]
        w = np.bincount(idx.ravel(), minlength=nb * n).reshape(nb, n).astype(np.float64)
        del idx
        yield w
        done += nb


def _paired_bootstrap(
    mats: np.ndarray, a: int, c: int, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap distributions of paired statistics over the same resamples of runs.

    Parameters
    ----------
    mats : ``(n, a + 2c)`` float64 holding integer values: ``a`` columns of per-run differences
        (policy minus baseline) whose mean is wanted, then ``c`` numerators and ``c``
        denominators of ratio statistics sum(num)/sum(den)

    Returns
    -------
    ``(boot_means (n_boot, a), boot_sums (n_boot, 2c))``: the resampled means of the
    differences and the resampled sums of the numerators and denominators. All inputs are
    integer-valued, so the weighted sums (float64 matrix products of integers below 2**53) are
    exact whatever the summation order or thread count; only the final division rounds.
    """
    n = mats.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    sums = np.empty((n_boot, mats.shape[1]))
    row = 0
    # One BLAS thread: multi-threaded OpenBLAS stalls badly on these shapes when the cores are
    # busy (measured 10-50x slower), and the integer-valued sums are exact either way.
    with threadpool_limits(limits=1, user_api="blas"):
        for w in bootstrap_weights(n, n_boot, rng):
            sums[row : row + w.shape[0]] = w @ mats
            row += w.shape[0]
    return sums[:, :a] / n, sums[:, a:]


def _interval(boot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2.5% and 97.5% percentiles (linear interpolation) of each column, ignoring NaNs."""
    if boot.shape[1] == 0:
        return np.empty(0), np.empty(0)
    ok = ~np.isnan(boot).all(axis=0)
    lo = np.full(boot.shape[1], np.nan)
    hi = np.full(boot.shape[1], np.nan)
    if ok.any():
        q = np.nanquantile(boot[:, ok], [0.025, 0.975], axis=0)
        lo[ok], hi[ok] = q[0], q[1]
    return lo, hi


def summarise_outcomes(
    outcomes: pd.DataFrame,
    baseline: str = "do_nothing",
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per-policy summaries of per-run outcomes, with paired differences against a baseline.

    Parameters
    ----------
    outcomes : one row per policy × run: columns ``policy``, ``run`` and every key of
        :data:`sim.engines.ensemble.OUTCOMES`. Run k of every policy used the same random draws
        (common random numbers), so differences between policies are paired by ``run``.
    baseline : the policy the others are compared with (no differences if it is absent)
    n_boot : bootstrap resamples of the runs
    seed : seed of the bootstrap resampling; the result is a deterministic function of
        (outcomes, baseline, n_boot, seed)

    Returns
    -------
    A long table, one row per policy × outcome, columns :data:`SUMMARY_COLUMNS`:

    * ``kind == "count"`` (attacks, casualties, strikes, max_rung, ...): ``mean``; ``median``,
      ``p05``, ``p95`` are order statistics (inverted empirical CDF, as ``np.quantile(...,
      method="inverted_cdf")``, so they are values that occurred).
    * ``kind == "probability"`` (the engine's yes/no outcomes, plus ``any_us_death`` =
      us_killed > 0 and ``any_us_strike`` = us_strikes > 0): ``prob`` (= ``mean``) with a 95%
      Wilson score interval ``prob_lo``, ``prob_hi`` (Wilson 1927; Newcombe 1998, method 3).
    * ``kind == "day"`` (``first_death_day``): ``mean``, ``median``, ``p05``, ``p95`` over the
      runs *with* a US death (days counted from day 0), and ``prob`` with its Wilson interval =
      the share of runs with a death. ``n`` is always the number of runs.
    * ``diff``, ``diff_lo``, ``diff_hi`` (non-baseline policies, when the baseline is present):
      the paired difference of means, policy minus baseline, over the runs both have (for
      probabilities a difference of proportions; for ``first_death_day`` the difference of the
      means over runs with a death), with a 95% percentile bootstrap interval: ``n_boot``
      resamples of the common run indices drawn with replacement, the same resample applied to
      both policies (paired), the 2.5% and 97.5% percentiles (linear interpolation) of the
      resampled differences (Efron & Tibshirani 1993, ch. 13). Every policy is compared over
      the same resamples, so adding or removing a policy changes no other row. For
      ``first_death_day``, resamples in which either policy has no death are dropped.
    """
    need = ["policy", "run", *OUTCOMES]
    missing = [c for c in need if c not in outcomes.columns]
    if missing:
        raise ValueError(f"outcomes lack columns {missing}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    dup = outcomes.duplicated(["policy", "run"])
    if dup.any():
        first = outcomes.loc[dup, ["policy", "run"]].iloc[0]
        raise ValueError(f"duplicate run {first['run']} for policy {first['policy']}")

    data = _Runs(outcomes)
    names = [*OUTCOMES, *DERIVED]
    desc = {**OUTCOMES, **DERIVED}
    diffs: dict[tuple[str, str], tuple[float, float, float]] = {}
    if baseline in data.pos:
        diffs = _paired_differences(data, baseline, names, n_boot, seed)

    rows = []
    for p in data.policies:
        n = len(data.pos[p])
        for name in names:
            d = diffs.get((p, name), (np.nan, np.nan, np.nan))
            rows.append(
                {
                    "policy": p,
                    "outcome": name,
                    "description": desc[name],
                    "kind": _kind(name),
                    "n": n,
                    **_describe(data.value(p, name), _kind(name)),
                    "diff": d[0],
                    "diff_lo": d[1],
                    "diff_hi": d[2],
                }
            )
    table = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    table["n"] = table["n"].astype(np.int64)
    table.attrs.update(baseline=baseline, n_boot=int(n_boot), seed=int(seed))
    return table


def _mean_difference(sums: np.ndarray, c: int) -> np.ndarray:
    """Policy-minus-baseline difference of ratio means from sums laid out as in
    :func:`_paired_bootstrap` (numerators of pairs (policy, baseline), then denominators).

    Where both denominators are equal (deaths in the same number of runs) it is computed as
    (num_p - num_b) / den, exact for integer sums (a shift of every death day by +1 gives 1).
    NaN where either policy has no death.
    """
    num_p, num_b = sums[..., 0:c:2], sums[..., 1:c:2]
    den_p, den_b = sums[..., c::2], sums[..., c + 1 :: 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        split = num_p / den_p - num_b / den_b
        same = (num_p - num_b) / den_p
        out = np.where(den_p == den_b, same, split)
    return np.where((den_p > 0) & (den_b > 0), out, np.nan)


def _paired_differences(
    data: _Runs,
    baseline: str,
    names: list[str],
    n_boot: int,
    seed: int,
) -> dict[tuple[str, str], tuple[float, float, float]]:
    """``(policy, outcome) -> (diff, lo, hi)`` for every policy but the baseline."""
    base_runs = data.runs(baseline)
    # Policies that share the same set of runs with the baseline share one set of resamples.
    groups: dict[bytes, list[str]] = {}
    sels: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for p in data.policies:
        if p == baseline:
            continue
        runs = data.runs(p)
        common = np.intersect1d(runs, base_runs)
        if len(common) == 0:
            continue
        sels[p] = (np.isin(runs, common), np.isin(base_runs, common))
        groups.setdefault(common.tobytes(), []).append(p)

    out: dict[tuple[str, str], tuple[float, float, float]] = {}
    for members in groups.values():
        b_sel = sels[members[0]][1]
        n = int(b_sel.sum())
        base = {name: data.value(baseline, name, b_sel) for name in names}

        def paired(p: str, name: str, base=base) -> np.ndarray:
            v = data.value(p, name, sels[p][0])
            return v.astype(np.int64) - base[name].astype(np.int64)

        # pass 1: point estimates; constant differences need no resampling
        varying: list[tuple[str, str]] = []
        for p in members:
            for name in names:
                if name == "first_death_day":
                    continue
                d = paired(p, name)
                point = float(d.sum() / n)
                if (d == d[0]).all():  # every resample gives exactly this value
                    out[(p, name)] = (point, point, point)
                else:
                    out[(p, name)] = (point, np.nan, np.nan)
                    varying.append((p, name))
        # pass 2: one matrix of integer-valued columns, resampled jointly
        a, c = len(varying), 2 * len(members)
        mats = np.empty((n, a + 2 * c))
        for j, (p, name) in enumerate(varying):
            mats[:, j] = paired(p, name)
        base_fd = base["first_death_day"]
        for j, p in enumerate(members):
            for k, v in enumerate((data.value(p, "first_death_day", sels[p][0]), base_fd)):
                died = ~np.isnan(v)
                mats[:, a + 2 * j + k] = np.where(died, v, 0.0)
                mats[:, a + c + 2 * j + k] = died
        means, ratio_sums = _paired_bootstrap(mats, a, c, n_boot, seed)
        lo, hi = _interval(means)
        for j, key in enumerate(varying):
            out[key] = (out[key][0], float(lo[j]), float(hi[j]))
        # first death: difference of the means over runs with a death, policy minus baseline
        point = _mean_difference(mats[:, a:].sum(axis=0), c)
        rlo, rhi = _interval(_mean_difference(ratio_sums, c))
        for j, p in enumerate(members):
            out[(p, "first_death_day")] = (float(point[j]), float(rlo[j]), float(rhi[j]))
    return out


# --------------------------------------------------------------------------------------------
# Writing the summary
# --------------------------------------------------------------------------------------------

#: Columns of the Markdown report: outcome -> heading.
MD_OUTCOMES: dict[str, str] = {
    "attacks_total": "Militia attacks",
    "us_killed": "Americans killed",
    "us_wounded": "Americans wounded",
    "us_strikes": "US strikes",
    "any_us_death": "P(any US death)",
    "first_death_day": "Day of first US death",
    "direct_exchange": "P(direct US–Iran strike)",
    "war": "P(US–Iran war)",
    "withdrawal": "P(US withdrawal)",
}

#: Columns of the Markdown table of paired differences.
MD_DIFFS: dict[str, str] = {
    "attacks_total": "Militia attacks",
    "us_killed": "Americans killed",
    "us_strikes": "US strikes",
    "any_us_death": "P(any US death), points",
    "direct_exchange": "P(direct US–Iran strike), points",
    "war": "P(US–Iran war), points",
}


def fmt_number(x: float) -> str:
    """A number rounded for tables: integers as such, else about three significant figures.

    NaN gives an en dash; negative numbers use a true minus sign.
    """
    if x is None or not np.isfinite(x):
        return "–"
    ax = abs(x)
    if x == round(x) or ax >= 100:
        s = f"{x:,.0f}"
    elif ax >= 10:
        s = f"{x:.1f}"
    elif ax >= 0.01:
        s = f"{x:.2f}"
    else:
        s = f"{x:.1g}"
    return s.replace("-", "−")


def _fmt_cell(r: pd.Series) -> str:
    if r["kind"] == "probability":
        return _fmt_pct(r["prob"], r["prob_lo"], r["prob_hi"])
    return f"{fmt_number(r['mean'])} [{fmt_number(r['p05'])}–{fmt_number(r['p95'])}]"


def _fmt_pct(p: float, lo: float, hi: float) -> str:
    if not np.isfinite(p):
        return "–"
    return f"{100 * p:.1f}% [{100 * lo:.1f}–{100 * hi:.1f}]"


def _fmt_diff(r: pd.Series) -> str:
    """'+d [lo, hi]' with one number of decimals for all three (percentage points for
    probabilities, always one decimal)."""
    prob = r["kind"] == "probability"
    scale = 100.0 if prob else 1.0
    d, lo, hi = (scale * r[c] for c in ("diff", "diff_lo", "diff_hi"))
    if not np.isfinite(d):
        return "–"
    if prob:
        dec = 1
    else:
        big = max(abs(v) for v in (d, lo, hi) if np.isfinite(v))
        dec = 0 if big == 0 else int(min(3, max(0, 2 - np.floor(np.log10(big)))))

    def f(v: float, sign: bool = False) -> str:
        if not np.isfinite(v):
            return "–"
        s = f"{v:+,.{dec}f}" if sign and v != 0 else f"{v:,.{dec}f}"
        return s.replace("-", "−")

    return f"{f(d, sign=True)} [{f(lo)}, {f(hi)}]"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def policy_label(name: str) -> str:
    """The readable label of a registered policy, or its name for a user policy."""
    from sim.core.policies import REGISTRY

    cls = REGISTRY.get(name)
    return cls.label if cls is not None and getattr(cls, "label", "") else name


def summary_markdown(summary: pd.DataFrame, title: str = "Outcomes by US policy") -> str:
    """The Markdown report of :func:`write_summary` as a string."""
    baseline = summary.attrs.get("baseline", "do_nothing")
    policies = list(pd.unique(summary["policy"]))
    by = summary.set_index(["policy", "outcome"])
    ns = sorted({int(v) for v in summary["n"]})
    n_text = f"{ns[0]:,}" if len(ns) == 1 else ", ".join(f"{v:,}" for v in ns)
    out = [f"# {title}", ""]
    out.append(
        f"Runs per policy: {n_text}. Counts: mean [5th–95th percentile over runs]. Probabilities:"
        " share of runs [95% Wilson interval]. Day of first US death: mean [5th–95th percentile]"
        " over the runs with a death, counted from the first simulated day. Runs share random"
        " draws across policies (common random numbers). This is a model experiment, not a"
        " forecast."
    )
    out.append("")
    cols = [c for c in MD_OUTCOMES if (policies[0], c) in by.index]
    rows = []
    for p in policies:
        rows.append([policy_label(p)] + [_fmt_cell(by.loc[(p, c)]) for c in cols])
    out.append(_md_table(["Policy"] + [MD_OUTCOMES[c] for c in cols], rows))
    out.append("")
    others = [p for p in policies if p != baseline]
    if baseline in policies and others and summary["diff"].notna().any():
        nb = summary.attrs.get("n_boot")
        out.append(f"## Paired differences against “{policy_label(baseline)}”")
        out.append("")
        out.append(
            "Mean of (policy − baseline) over the same runs [95% percentile bootstrap interval"
            + (f", {nb:,} resamples of runs" if nb else "")
            + "]. Probabilities in percentage points. An interval that excludes 0 means the"
            " policy changes the outcome in the model beyond simulation noise."
        )
        out.append("")
        dcols = [c for c in MD_DIFFS if (others[0], c) in by.index]
        rows = [[policy_label(p)] + [_fmt_diff(by.loc[(p, c)]) for c in dcols] for p in others]
        out.append(_md_table(["Policy"] + [MD_DIFFS[c] for c in dcols], rows))
        out.append("")
    return "\n".join(out)


def write_summary(summary: pd.DataFrame, outdir: Path) -> list[Path]:
    """Write ``summary.parquet``, ``summary.csv`` and ``summary.md`` into ``outdir``.

    The Parquet and CSV files hold the full table of :func:`summarise_outcomes`; the Markdown
    file holds two readable tables (outcomes by policy; paired differences against the
    baseline), numbers rounded to about three significant figures.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = [outdir / "summary.parquet", outdir / "summary.csv", outdir / "summary.md"]
    plain = pd.DataFrame(summary)
    plain.attrs = {}
    plain.to_parquet(paths[0], index=False)
    plain.to_csv(paths[1], index=False)
    paths[2].write_text(summary_markdown(summary) + "\n", encoding="utf-8")
    return paths


__all__ = [
    "DEFAULT_QS",
    "FAN_DESCRIPTIONS",
    "FAN_METRICS",
    "SUMMARY_COLUMNS",
    "WINDOW_DAYS",
    "DailyHistogram",
    "daily_metrics",
    "fmt_number",
    "inverted_cdf_rank",
    "policy_label",
    "summarise_outcomes",
    "summary_markdown",
    "wilson_interval",
    "write_summary",
]
