"""Scores of sampled count forecasts, as the pre-registered protocol defines them.

Every function takes the forecasts as an array of samples of shape ``(forecasts, samples)``
(one row per forecast series-month; the predictive distribution of a row is the empirical
distribution of its samples) and one observation per row, and returns one value per row. The
definitions are those of :mod:`sim.validation.protocol`:

* **CRPS** of the samples against the best estimate ``y``: ``E|X - y| - E|X - X'| / 2`` for
  ``X, X'`` independent draws from the empirical distribution (the kernel form of Gneiting &
  Raftery 2007), computed from the sorted samples in ``O(n log n)`` (:func:`crps_samples`).
  Lower is better.
* **Log score** of the documented interval: ``log P(low <= Y <= high)`` under the forecast's
  smoothed distribution (:func:`smoothed_log_prob`): the samples' empirical distribution mixed,
  with weight ``1 / (samples + 1)`` (one pseudo-sample), with a negative binomial fitted to the
  samples by the method of moments, its mean at least ``TAIL_MIN_MEAN`` and its variance at least
  its mean (a Poisson when equal). The mixture is a probability distribution, so the score is
  proper, and a forecast that misses the interval is scored by how far it misses it, never by a
  floor (:func:`log_score`). Higher is better.
* **Ignorance score**: ``-log2 P(bin)`` of the bin of the best estimate among the ViEWS
  2023/24 challenge's bins (Hegre et al.; https://arxiv.org/html/2407.11045v1), under the same
  smoothed distribution (:func:`ignorance_score`). Lower is better.
* **Interval score** at level ``1 - alpha`` (Gneiting & Raftery 2007, eq. 43) against the best
  estimate (:func:`interval_score`). Lower is better.
* **Coverage** of the central intervals (:func:`covers`): whether the best estimate lies in the
  central ``level`` interval of the samples.
* **Randomised PIT** (Czado, Gneiting & Held 2009, section 2): ``F(y-) + v (F(y) - F(y-))`` with
  ``v`` uniform on (0, 1) (:func:`randomised_pit`); uniform on (0, 1) when the forecasts are
  calibrated.

The smoothing is what keeps both scores proper: the rule first considered, the samples' share
where any sample fell in the interval and the negative binomial alone where none did, could give
more probability than any single distribution and so preferred a 12-value bootstrap of the true
distribution to the truth (``scripts/measure_log_score_propriety.py`` measures both rules), and
gave ``-inf`` to a forecast whose samples are all zero.

The integers of an interval are ``ceil(low) .. floor(high)``; the caller gives intervals that
hold at least one (the protocol's rounding of the record's bounds).

The quantiles of the interval score and of the coverage are those of the empirical
distribution of the samples (the inverse of its CDF, ``numpy.quantile(method="inverted_cdf")``),
so that both are the scores of the same predictive distribution as the CRPS.

Then the aggregation (:func:`totals`, :func:`pit_histogram`, :func:`paired_differences`) of a
tidy table with one row per model, origin, horizon, series and mode.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from sim.validation.protocol import (
    COVERAGE_LEVELS,
    INTERVAL_SCORE_ALPHA,
    PIT_BINS,
    PIT_SEED,
    TAIL_MIN_MEAN,
    VIEWS_BINS,
)

#: The scores of the table, with the direction of "better".
SCORES: dict[str, str] = {
    "crps": "lower",
    "log_score": "higher",
    "ignorance": "lower",
    "interval_score": "lower",
}

#: Coverage columns of the table (the share of best estimates inside the central intervals).
COVERAGE_COLUMNS: dict[str, float] = {f"cover{round(100 * lv)}": lv for lv in COVERAGE_LEVELS}

#: The columns that identify a forecast target, and a forecast (a target and a model).
TARGET_KEYS: tuple[str, ...] = ("origin", "horizon", "series", "mode")
KEYS: tuple[str, ...] = ("model", *TARGET_KEYS)

#: Terms of the tail's probability summed at a time where scipy's survival function underflows.
_TAIL_CHUNK = 4096
#: The tail's sum stops once its terms fall this many nats below its largest one.
_TAIL_NATS = 40.0


def _samples(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"samples must have shape (forecasts, samples), not {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples must be finite")
    return x


def _per_row(values: np.ndarray | float, rows: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, dtype=float), (rows,)).copy()


def crps_samples(samples: np.ndarray, y: np.ndarray | float) -> np.ndarray:
    """CRPS of the empirical distribution of each row of ``samples`` against ``y``.

    ``CRPS = E|X - y| - E|X - X'| / 2`` (the kernel form of Gneiting & Raftery 2007), with the
    expectations over the ``n`` samples and
    ``E|X - X'| = 2 / n**2 * sum_i (2 i - n - 1) x_(i)`` over the sorted samples
    ``x_(1) <= ... <= x_(n)`` (the mean absolute difference of the empirical distribution, all
    ``n**2`` pairs), so ``O(n log n)`` per row instead of ``O(n**2)``. This is the CRPS of the
    empirical distribution itself, not the "fair" estimator with ``n (n - 1)`` pairs.

    Parameters
    ----------
    samples : array of shape (forecasts, samples), or (samples,) for one forecast
    y : the observations, one per forecast (or a scalar)

    Returns
    -------
    array of shape (forecasts,)
    """
    x = np.sort(_samples(samples), axis=1)
    n = x.shape[1]
    obs = _per_row(y, x.shape[0])
    e_xy = np.abs(x - obs[:, None]).mean(axis=1)
    w = (2.0 * np.arange(1, n + 1) - n - 1) / n**2
    return e_xy - x @ w


def moment_negbin(samples: np.ndarray, min_mean: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Negative binomial fitted to each row of ``samples`` by the method of moments.

    Mean ``m`` of the empirical distribution, raised to at least ``min_mean``, and variance
    ``v`` (``ddof=0``), raised to at least ``m``; the size is ``r = m**2 / (v - m)`` (so that the
    variance is ``m + m**2 / r``), and ``inf`` (a Poisson of mean ``m``) where ``v = m``. The
    protocol's smooth tail is ``moment_negbin(samples, TAIL_MIN_MEAN)``.

    Returns
    -------
    (mean, size), arrays of shape (forecasts,)
    """
    x = _samples(samples)
    m = np.maximum(x.mean(axis=1), min_mean)
    v = np.maximum(x.var(axis=1), m)
    over = v > m
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(over, m**2 / np.where(over, v - m, 1.0), np.inf)
    return m, r


def _log_range_by_sum(mean: float, size: float, a: float, b: float, upper: bool) -> float:
    """``log P(a <= Y <= b)`` by summing the log pmf from the end of the range nearest the
    distribution's bulk (``a`` for an upper tail, ``b`` for a lower one) outwards, until the
    terms fall ``_TAIL_NATS`` below the largest (for the far tails where scipy's ``logsf``
    underflows to ``-inf``)."""
    if size == np.inf:
        dist = stats.poisson(mean)
    else:
        dist = stats.nbinom(size, size / (size + mean))
    parts: list[float] = []
    top = -np.inf
    start = a if upper else b
    while True:
        if upper:
            k = np.arange(start, min(start + _TAIL_CHUNK, b + 1))
        else:
            k = np.arange(max(start - _TAIL_CHUNK + 1, a), start + 1)[::-1]
        if k.size == 0:
            break
        lp = dist.logpmf(k)
        parts.append(float(special.logsumexp(lp)))
        top = max(top, float(lp.max()))
        if lp[-1] < top - _TAIL_NATS:
            break
        start = k[-1] + 1 if upper else k[-1] - 1
    return float(special.logsumexp(parts)) if parts else -np.inf


def log_count_range(
    mean: np.ndarray, size: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """``log P(low <= Y <= high)`` for a count ``Y`` that is negative binomial with ``mean`` and
    ``size`` (variance ``mean + mean**2 / size``; ``size = inf``: Poisson).

    The integers in ``[low, high]`` are ``ceil(low) .. floor(high)`` (``high = inf``: open).
    Computed from the log CDF when the range lies at or below the mean and from the log
    survival function when it lies above it, so that either tail keeps its precision; where
    scipy's functions underflow, by summing the log pmf (:func:`_log_range_by_sum`). ``-inf``
    only where the probability is exactly zero (an empty range, or a Poisson of mean zero and a
    range without zero).
    """
    m = np.asarray(mean, dtype=float)
    r = np.asarray(size, dtype=float)
    a = np.maximum(np.ceil(np.asarray(low, dtype=float)), 0.0)
    b = np.floor(np.asarray(high, dtype=float))
    m, r, a, b = np.broadcast_arrays(m, r, a, b)
    out = np.full(m.shape, -np.inf)
    ok = a <= b
    pois = ok & ~np.isfinite(r)
    nb = ok & np.isfinite(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        for mask, dist in (
            (pois, stats.poisson(m[pois])),
            (nb, stats.nbinom(r[nb], r[nb] / (r[nb] + m[nb]))),
        ):
            if not mask.any():
                continue
            am, bm, mm = a[mask], b[mask], m[mask]
            upper = am > mm
            # lower side: log F(b) + log(1 - F(a - 1) / F(b))
            lcb = np.where(np.isfinite(bm), dist.logcdf(bm), 0.0)
            lca = dist.logcdf(am - 1)
            below = lcb + np.log1p(-np.exp(np.minimum(lca - lcb, 0.0)))
            # upper side: log S(a - 1) + log(1 - S(b) / S(a - 1))
            lsa = dist.logsf(am - 1)
            lsb = np.where(np.isfinite(bm), dist.logsf(bm), -np.inf)
            above = lsa + np.log1p(-np.exp(np.minimum(lsb - lsa, 0.0)))
            res = np.where(upper, above, below)
            res = np.where(np.isnan(res), -np.inf, res)
            out[mask] = res
    # underflow of scipy's tails: sum the pmf where the probability is positive
    positive = ok & (m > 0)
    for i in np.flatnonzero(positive & ~np.isfinite(out)):
        out.flat[i] = _log_range_by_sum(
            float(m.flat[i]), float(r.flat[i]), float(a.flat[i]), float(b.flat[i]),
            upper=bool(a.flat[i] > m.flat[i]),
        )  # fmt: skip
    return out


def _interval_share(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return ((x >= low[:, None]) & (x <= high[:, None])).mean(axis=1)


def _bounds(samples, low, high) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = _samples(samples)
    lo = _per_row(low, x.shape[0])
    hi = _per_row(high, x.shape[0])
    hi = np.where(np.isnan(hi), np.inf, hi)
    if np.any(~np.isfinite(lo)) or np.any(lo > hi):
        raise ValueError("each interval needs a finite low <= high (high may be inf or nan)")
    return x, lo, hi


def smoothed_log_prob(
    samples: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``log P(low <= Y <= high)`` (natural log) under the smoothed forecast distribution.

    ``P = (1 - w) * share + w * Q``, with ``share`` the samples' share in ``[low, high]``,
    ``Q`` the probability of the range under the samples' :func:`moment_negbin` with its mean at
    least ``TAIL_MIN_MEAN``
    (:func:`log_count_range`) and ``w = 1 / (n + 1)`` for ``n`` samples: one pseudo-sample
    spread as the negative binomial (``sim.validation.protocol.TAIL_WEIGHT`` for the protocol's
    1,000 samples).

    Returns
    -------
    (log probability, tail): and whether the samples missed the range (the tail alone gave it)
    """
    x = _samples(samples)
    w = 1.0 / (x.shape[1] + 1)
    share = _interval_share(x, low, high)
    m, r = moment_negbin(x, TAIL_MIN_MEAN)
    log_q = log_count_range(m, r, low, high)
    with np.errstate(divide="ignore"):
        out = np.logaddexp(math.log1p(-w) + np.log(share), math.log(w) + log_q)
    return out, share == 0


def log_score(
    samples: np.ndarray, low: np.ndarray | float, high: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Log score of the documented interval, ``log P(low <= Y <= high)`` (natural log), under
    the smoothed forecast distribution (:func:`smoothed_log_prob`).

    Parameters
    ----------
    samples : array of shape (forecasts, samples)
    low, high : the documented interval of each forecast (``high`` inf or nan: open)

    Returns
    -------
    (score, tail): the log scores, and whether the samples missed each interval
    """
    x, lo, hi = _bounds(samples, low, high)
    return smoothed_log_prob(x, lo, hi)


def views_bin(y: np.ndarray | float, edges: Sequence[float] = VIEWS_BINS) -> np.ndarray:
    """Index of the bin of each ``y`` among ``edges`` (left-closed bins, the last one open)."""
    e = np.asarray(edges, dtype=float)
    v = np.asarray(y, dtype=float)
    if np.any(v < e[0]) or np.any(~np.isfinite(v)):
        raise ValueError(f"values must be finite and >= {e[0]}")
    return np.searchsorted(e, v, side="right") - 1


def ignorance_score(
    samples: np.ndarray, y: np.ndarray | float, edges: Sequence[float] = VIEWS_BINS
) -> tuple[np.ndarray, np.ndarray]:
    """Ignorance score, ``-log2 P(bin of y)``, on the bins ``edges`` (left-closed, last open).

    With the ViEWS bins ``[0, 0.5, 2.5, 5.5, ...]`` the bins of a count are ``{0}``, ``{1, 2}``,
    ``{3, 4, 5}``, ... ``{501..1000}`` and ``{1001, ...}``. ``P`` is the probability of the bin's
    counts under the smoothed forecast distribution (:func:`smoothed_log_prob`), as in
    :func:`log_score`.

    Returns
    -------
    (score in bits, tail): the scores, and whether the samples missed each bin
    """
    x = _samples(samples)
    e = np.asarray(edges, dtype=float)
    j = views_bin(_per_row(y, x.shape[0]), e)
    lo = np.ceil(e[j])
    hi = np.append(e, np.inf)[j + 1]
    last = np.where(np.isfinite(hi), np.ceil(hi) - 1, np.inf)  # the counts k with lo <= k < hi
    logp, tail = smoothed_log_prob(x, lo, last)
    return -logp / math.log(2.0), tail


def central_interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` interval of each row: its ``(1 - level) / 2`` and
    ``(1 + level) / 2`` quantiles (inverse of the empirical CDF)."""
    x = _samples(samples)
    q = np.quantile(x, [(1 - level) / 2, (1 + level) / 2], axis=1, method="inverted_cdf")
    return q[0], q[1]


def interval_score(
    samples: np.ndarray, y: np.ndarray | float, alpha: float = INTERVAL_SCORE_ALPHA
) -> np.ndarray:
    """Interval score of the central ``1 - alpha`` interval ``[l, u]`` (Gneiting & Raftery
    2007, eq. 43): ``(u - l) + 2 / alpha * (l - y) * [y < l] + 2 / alpha * (y - u) * [y > u]``.
    """
    x = _samples(samples)
    obs = _per_row(y, x.shape[0])
    lo, hi = central_interval(x, 1 - alpha)
    return (hi - lo) + 2 / alpha * np.maximum(lo - obs, 0) + 2 / alpha * np.maximum(obs - hi, 0)


def covers(samples: np.ndarray, y: np.ndarray | float, level: float) -> np.ndarray:
    """Whether each ``y`` lies in the central ``level`` interval of its samples."""
    x = _samples(samples)
    obs = _per_row(y, x.shape[0])
    lo, hi = central_interval(x, level)
    return (obs >= lo) & (obs <= hi)


def randomised_pit(samples: np.ndarray, y: np.ndarray | float, v: np.ndarray) -> np.ndarray:
    """Randomised probability integral transform (Czado, Gneiting & Held 2009, section 2).

    ``F(y-) + v (F(y) - F(y-))`` with ``F`` the empirical CDF of the samples, ``F(y-)`` the share
    of samples below ``y``, and ``v`` one uniform draw on (0, 1) per forecast.
    """
    x = _samples(samples)
    obs = _per_row(y, x.shape[0])
    u = _per_row(v, x.shape[0])
    below = (x < obs[:, None]).mean(axis=1)
    at_or_below = (x <= obs[:, None]).mean(axis=1)
    return below + u * (at_or_below - below)


def key_code(value: object) -> int:
    """A stable non-negative integer for a key (a name, a date or a number), for seeding."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    if hasattr(value, "toordinal"):
        return int(value.toordinal())
    return zlib.crc32(str(value).encode("utf-8"))


def pit_uniforms(targets: pd.DataFrame, seed: int = PIT_SEED) -> np.ndarray:
    """The uniform draws of the randomised PIT, one per row of ``targets`` (columns
    :data:`TARGET_KEYS`): the same for every model at a target (common random numbers), and
    independent of the other rows and of their order (a generator per target, seeded by
    ``seed`` and the target's key)."""
    out = np.empty(len(targets))
    cols = [targets[k].to_numpy() for k in TARGET_KEYS]
    for i, key in enumerate(zip(*cols, strict=True)):
        ss = np.random.SeedSequence(seed, spawn_key=tuple(key_code(k) for k in key))
        out[i] = np.random.default_rng(ss).random()
    return out


def score_rows(
    samples: np.ndarray,
    best: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    v: np.ndarray,
) -> dict[str, np.ndarray]:
    """Every score of every row: the columns of the tidy table (see the module docstring),
    with the forecast's mean and quantiles (for the fans)."""
    x = _samples(samples)
    ls, ls_tail = log_score(x, low, high)
    ign, ign_tail = ignorance_score(x, best)
    out = {
        "crps": crps_samples(x, best),
        "log_score": ls,
        "ignorance": ign,
        "interval_score": interval_score(x, best),
        **{c: covers(x, best, lv).astype(float) for c, lv in COVERAGE_COLUMNS.items()},
        "pit": randomised_pit(x, best, v),
        "log_score_tail": ls_tail,
        "ignorance_tail": ign_tail,
        "mean": x.mean(axis=1),
    }
    q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1, method="inverted_cdf")
    for name, row in zip(("q05", "q25", "q50", "q75", "q95"), q, strict=True):
        out[name] = row
    return out


def score_table(
    keys: pd.DataFrame,
    samples: np.ndarray,
    best: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    pit_seed: int = PIT_SEED,
) -> pd.DataFrame:
    """The tidy table: one row per forecast (``keys``, with the columns :data:`KEYS` and any
    others), its observation (``best``, ``low``, ``high``) and every score."""
    missing = [k for k in KEYS if k not in keys.columns]
    if missing:
        raise ValueError(f"keys lack the columns {missing}")
    x = _samples(samples)
    if len(keys) != x.shape[0]:
        raise ValueError(f"{len(keys)} keys for {x.shape[0]} forecasts")
    table = keys.reset_index(drop=True).copy()
    table["best"], table["low"], table["high"] = best, low, high
    v = pit_uniforms(table, pit_seed)
    for name, col in score_rows(x, best, low, high, v).items():
        table[name] = col
    return table


def totals(table: pd.DataFrame, by: Sequence[str] = ("model", "mode")) -> pd.DataFrame:
    """Totals of the scores (sums over the rows of each group: series, horizons and origins
    when grouped by model and mode), the coverage (a share), the rows and the rows scored by
    the smooth tail."""
    g = table.groupby(list(by), sort=True)
    out = g[list(SCORES)].sum()
    for c in COVERAGE_COLUMNS:
        out[c] = g[c].mean()
    out["forecasts"] = g.size()
    out["log_score_tails"] = g["log_score_tail"].sum()
    out["ignorance_tails"] = g["ignorance_tail"].sum()
    return out.reset_index()


def pit_histogram(
    table: pd.DataFrame, bins: int = PIT_BINS, by: Sequence[str] = ("model", "mode")
) -> pd.DataFrame:
    """Counts of the PIT values in ``bins`` equal bins of [0, 1], per group (long format)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for key, grp in table.groupby(list(by), sort=True):
        counts, _ = np.histogram(grp["pit"].to_numpy(), bins=edges)
        key = key if isinstance(key, tuple) else (key,)
        for j, c in enumerate(counts):
            rows.append((*key, j, edges[j], edges[j + 1], int(c)))
    return pd.DataFrame(rows, columns=[*by, "bin", "pit_low", "pit_high", "count"])


def paired_differences(
    table: pd.DataFrame,
    baselines: Sequence[str],
    by: Sequence[str] = ("mode",),
    scores: Sequence[str] = tuple(SCORES),
) -> pd.DataFrame:
    """Paired differences of each model against each baseline, averaged over origins.

    For a model ``M``, a baseline ``B``, a score and a group (by default a mode): at each origin
    the loss differential ``d_o`` is the sum over the targets both scored (horizons and series)
    of ``score(M) - score(B)``; the table gives their mean over the origins, its standard error
    ``sd(d_o) / sqrt(n)`` (``ddof=1``) and ``z = mean / se``: the Diebold & Mariano (1995)
    comparison with origins as the time index. The quarterly origins' forecast windows (1-3
    months) do not overlap, so no autocorrelation correction is applied. For the log score a
    positive mean favours the model, for the other scores a negative one.

    Returns
    -------
    DataFrame with columns ``model, baseline, *by, score, origins, mean, se, z``
    """
    keys = [k for k in TARGET_KEYS if k not in by]
    group_cols = list(by)
    rows = []
    models = sorted(table["model"].unique())
    for b in baselines:
        base = table[table["model"] == b]
        if base.empty:
            continue
        for m in models:
            if m == b:
                continue
            mod = table[table["model"] == m]
            j = mod.merge(base, on=[*group_cols, *keys], suffixes=("", "_b"))
            if j.empty:
                continue
            for s in scores:
                with np.errstate(invalid="ignore"):
                    j["_d"] = j[s] - j[f"{s}_b"]
                for gkey, grp in j.groupby(group_cols, sort=True):
                    d = grp.groupby("origin", sort=True)["_d"].sum().to_numpy()
                    n = len(d)
                    with np.errstate(invalid="ignore"):
                        mean = float(d.mean())
                        se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
                        z = mean / se if se > 0 else math.nan
                    gkey = gkey if isinstance(gkey, tuple) else (gkey,)
                    rows.append((m, b, *gkey, s, n, mean, se, z))
    return pd.DataFrame(rows, columns=["model", "baseline", *group_cols, "score", "origins",
                                       "mean", "se", "z"])  # fmt: skip
