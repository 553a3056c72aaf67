"""Small statistics used everywhere: the one Wilson interval and the survival summaries of a
time-to-event outcome.

* :func:`wilson_interval`: Wilson score interval of a binomial proportion (Wilson 1927;
  Newcombe 1998, method 3).
* :func:`~sim.core.outcomes.restricted_days` (declared with the outcomes), :func:`km_quantile`,
  :func:`survival_curve`: a time-to-event outcome (the day of the first US death) summarised over
  *all* runs, those without the event counting as censored at the end of the period. Every run is
  followed for the same number of days, so the Kaplan–Meier estimate is the empirical distribution
  of the event days with the runs without an event beyond the horizon (Kaplan & Meier 1958), and the
  restricted mean survival time up to the horizon τ is the mean of min(T, τ) (Royston & Parmar
  2013).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from sim.core.outcomes import restricted_days

#: Two-sided 95% normal quantile used by the Wilson interval.
Z95 = float(norm.ppf(0.975))


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


def km_quantile(event_day: np.ndarray, horizon: int, q: float) -> float:
    """The day by which a share ``q`` of the runs has had the event (Kaplan–Meier quantile
    under censoring at the horizon only); NaN if fewer than ``q`` have it within the period
    ("not reached")."""
    t = restricted_days(event_day, horizon)
    if len(t) == 0:
        return float("nan")
    value = float(np.quantile(t, q, method="inverted_cdf"))
    had = ~np.isnan(np.asarray(event_day, dtype=np.float64))
    # a quantile equal to the horizon is a censored run unless an event happened on that day
    if value >= horizon and not (had & (np.asarray(event_day) == value)).any():
        return float("nan")
    return value


def survival_curve(event_day: np.ndarray, days: int) -> tuple[np.ndarray, int]:
    """Share of runs without the event by the end of each day 0..days-1, and the number of runs.

    Every run is followed to the horizon (censored only there), so the Kaplan–Meier estimator
    reduces to the empirical survival function: S(t) = #{runs whose event is after day t} / n
    (Kaplan & Meier 1958). NaN means no event within the horizon.
    """
    fd = np.asarray(event_day, dtype=float)
    n = len(fd)
    had = fd[~np.isnan(fd)].astype(np.int64)
    by_day = np.bincount(np.clip(had, 0, days - 1), minlength=days)[:days]
    return 1.0 - np.cumsum(by_day) / max(n, 1), n


__all__ = ["Z95", "km_quantile", "restricted_days", "survival_curve", "wilson_interval"]
