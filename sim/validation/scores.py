"""Scores of a predictive distribution of a count against a documented range ``[low, high]``.

The record rarely gives an exact count: "at least 32 attacks", "around 20" (18..22), "0". A
documented range is an interval-censored observation, and each score treats it as one:

* **Coverage** of a central predictive interval (50% and 90%): the documented range meets the
  interval between the predictive ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles.
* **Log score**: ``log P(low <= X <= high)`` under the predictive distribution (the probability
  of the documented interval; for an exact count, the log of its probability mass). Larger is
  better. From samples, a range no sample reaches gets the floor probability
  ``floor_share / n`` (below the Monte Carlo resolution; :func:`score_samples` flags it).
* **Interval CRPS**: the threshold-weighted CRPS (Gneiting & Ranjan 2011; Allen, Ginsbourger &
  Ziegel 2023) with the weight 1 outside ``[low, high)``, i.e.
  ``sum_{k < low} F(k)^2 + sum_{k >= high} (1 - F(k))^2`` for a count with CDF ``F``: thresholds
  inside the documented range, where the record does not say on which side the truth lies, are
  left out (the censored CRPS of Avati et al. 2020 for survival times). For ``low == high`` it
  is the ordinary CRPS of a count. Smaller is better. Computed with ``scoringrules``
  (``twcrps_ensemble`` with the chaining function ``v(z) = min(z, low) + max(z - high, 0)``).

Monte Carlo error: the standard deviation of each score over bootstrap resamples of the
samples (:func:`bootstrap`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

#: Scores in the order the tables show them, with the direction of "better".
SCORES: dict[str, str] = {
    "cover50": "higher",
    "cover90": "higher",
    "log_score": "higher",
    "crps": "lower",
}


def _high(high: float | None) -> float:
    return math.inf if high is None or (isinstance(high, float) and math.isnan(high)) else high


def interval_probability(samples: np.ndarray, low: float, high: float | None) -> np.ndarray:
    """Share of samples in ``[low, high]`` (along the last axis)."""
    hi = _high(high)
    x = np.asarray(samples)
    return ((x >= low) & (x <= hi)).mean(axis=-1)


def log_score(
    samples: np.ndarray, low: float, high: float | None, floor_share: float = 0.5
) -> np.ndarray:
    """``log P(low <= X <= high)`` from samples, with the floor ``floor_share / n``."""
    n = np.asarray(samples).shape[-1]
    p = interval_probability(samples, low, high)
    return np.log(np.maximum(p, floor_share / n))


def log_score_pmf(pmf: Callable[[np.ndarray], np.ndarray], low: int, high: int) -> float:
    """``log P(low <= X <= high)`` of a count with probability mass function ``pmf`` (exact;
    for hand-checked cases and analytic baselines)."""
    k = np.arange(int(low), int(high) + 1)
    return float(np.log(np.sum(pmf(k))))


def covers(samples: np.ndarray, low: float, high: float | None, level: float) -> np.ndarray:
    """Whether the central ``level`` predictive interval meets ``[low, high]``."""
    q = np.quantile(np.asarray(samples, dtype=float), [(1 - level) / 2, (1 + level) / 2], axis=-1)
    return (q[1] >= low) & (q[0] <= _high(high))


def interval_crps(samples: np.ndarray, low: float, high: float | None) -> np.ndarray:
    """Interval CRPS of the empirical distribution of ``samples`` (last axis) against
    ``[low, high]`` (see the module docstring)."""
    hi = _high(high)
    x = np.asarray(samples, dtype=float)

    def chain(z):
        z = np.asarray(z, dtype=float)
        return np.minimum(z, low) + (np.maximum(z - hi, 0.0) if math.isfinite(hi) else 0.0)

    # imported here: importing scoringrules compiles its numba gufuncs (seconds), which every
    # command would otherwise pay at start-up, although only the CRPS uses it (numpy backend)
    import scoringrules as sr

    obs = np.full(x.shape[:-1], float(low))
    return np.asarray(sr.twcrps_ensemble(obs, x, v_func=chain, estimator="qd", backend="numpy"))


def interval_crps_cdf(cdf: Callable[[np.ndarray], np.ndarray], low: int, high: int | None,
                      kmax: int) -> float:  # fmt: skip
    """Interval CRPS of a count with CDF ``cdf`` (exact up to ``kmax``; for checks)."""
    k = np.arange(0, kmax + 1)
    f = cdf(k)
    below = np.sum(f[k < low] ** 2)
    above = 0.0 if high is None else np.sum((1 - f[k >= high]) ** 2)
    return float(below + above)


def score_samples(
    samples: np.ndarray, low: float, high: float | None, levels=(0.5, 0.9), floor_share=0.5
) -> dict[str, float]:
    """Every score of one predictive sample (1-D) against one documented range."""
    x = np.asarray(samples)
    out = {f"cover{round(100 * lv)}": float(covers(x, low, high, lv)) for lv in levels}
    out["log_score"] = float(log_score(x, low, high, floor_share))
    out["crps"] = float(interval_crps(x, low, high))
    out["p_documented"] = float(interval_probability(x, low, high))
    out["floored"] = bool(out["p_documented"] == 0.0)
    q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95])
    out |= dict(zip(("q05", "q25", "median", "q75", "q95"), map(float, q), strict=True))
    out["mean"] = float(x.mean())
    return out


def bootstrap(
    samples: np.ndarray, low: float, high: float | None, reps: int, rng: np.random.Generator,
    floor_share: float = 0.5,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Log score and CRPS of ``reps`` bootstrap resamples of ``samples`` (for the Monte Carlo
    error, and for the error of a difference between two models' scores)."""
    x = np.asarray(samples)
    idx = rng.integers(0, len(x), size=(reps, len(x)))
    xb = x[idx]
    return {
        "log_score": log_score(xb, low, high, floor_share),
        "crps": interval_crps(xb, low, high),
    }
