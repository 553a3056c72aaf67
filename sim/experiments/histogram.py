"""Streaming daily quantiles of many runs: exact per-day histograms of integer daily metrics.

:class:`DailyHistogram` keeps exact per-day histograms of integer daily metrics (cumulative
attacks, attacks in the trailing 30 days, ...; see :func:`daily_metrics`), chunk by chunk, so fan
charts of any number of runs cost memory in the *range* of the values, never in the number of
runs. Its quantiles are the inverted empirical CDF (Hyndman & Fan 1996, definition 1; numpy's
``method="inverted_cdf"``), so they equal ``np.quantile`` of all the values exactly.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter1d

#: Width of the trailing windows of the daily metrics, in days.
WINDOW_DAYS = 30

#: Deflate level of the ``.npz`` files of :func:`save_npz`: 1, the fastest. A chunk's
#: histograms (about 2 MB of counts) take about 10 ms and 134 kB at level 1, against 26 ms and
#: 95 kB at numpy's level 6; the main process writes one such file per chunk while the workers
#: compute the next ones.
NPZ_LEVEL = 1


def save_npz(fh: BinaryIO, arrays: Mapping[str, np.ndarray], level: int = NPZ_LEVEL) -> None:
    """:func:`numpy.savez_compressed` with deflate level ``level``: a standard ``.npz`` file
    that :func:`numpy.load` reads (no pickled objects)."""
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=level) as z:
        for name, a in arrays.items():
            with z.open(f"{name}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(a), allow_pickle=False)


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
        """Save to a compressed ``.npz`` file (exact; read back with :meth:`from_npz`;
        :func:`save_npz`)."""
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
            save_npz(fh, arrays)
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


__all__ = [
    "DEFAULT_QS",
    "FAN_DESCRIPTIONS",
    "FAN_METRICS",
    "WINDOW_DAYS",
    "DailyHistogram",
    "daily_metrics",
    "inverted_cdf_rank",
]
