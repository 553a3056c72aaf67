"""A rolling-origin runner for forecasters over monthly arrays.

At each origin (the first day of a month) every forecaster is fitted on the visible history of
each series (the months from the fit start to the month before the origin), samples the next
months (horizon 1 is the origin's own month) in each mode, and the samples are scored against
the observed table (:mod:`sim.validation.forecast_scores`). Nothing at or after the origin
enters a fit: :func:`visible_history` cuts the arrays before the origin, and the only values
of the forecast window a forecaster sees are the US strikes of the ``given_us_actions`` mode,
which that mode gives it by design.

The arrays are the record's monthly table as of the whole record (:class:`MonthlyTable`). A
caller whose visible history at an origin differs from the whole record's table cut at the
origin (the protocol's visibility rule also requires a row to be *published* before the
origin, and a statement published later may revise an earlier month's estimate) passes a
``history`` function that gives the history as known at the origin.

The forecasts' random numbers: each (model, origin, series, mode) has its own generator,
seeded by the protocol's seed and the four keys (:func:`forecast_rng`), so that a forecast does
not depend on which other models, origins or series are run, or in which order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.validation.forecast_scores import key_code, score_table
from sim.validation.forecasters import Forecaster, History, add_months
from sim.validation.protocol import (
    FIT_START,
    HORIZONS,
    MODES,
    ORIGINS,
    PIT_SEED,
    RECORD_END,
    SAMPLES,
    SEED,
)


@dataclass(frozen=True)
class Observed:
    """One series' observed monthly values: the best estimate and the interval
    ``[low, high]`` the record supports (``high`` inf or nan: open)."""

    best: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class MonthlyTable:
    """Consecutive months from ``start``: each series' observations and the US strikes.

    Attributes
    ----------
    start : first day of the first month
    series : name -> :class:`Observed`, each of the table's length (nan where unknown)
    strikes : US strike counts a month (the covariate)
    """

    start: dt.date
    series: Mapping[str, Observed]
    strikes: np.ndarray
    months: tuple[dt.date, ...] = field(init=False)

    def __post_init__(self) -> None:
        if self.start.day != 1:
            raise ValueError(f"the table starts on a month's first day, not {self.start}")
        n = np.asarray(self.strikes).size
        for name, obs in self.series.items():
            for part in ("best", "low", "high"):
                if np.asarray(getattr(obs, part)).shape != (n,):
                    raise ValueError(f"series {name!r}: {part} must have {n} months")
        object.__setattr__(self, "months", tuple(add_months(self.start, i) for i in range(n)))

    def index(self, month: dt.date) -> int:
        """Position of ``month`` (any day in it) in the table (may be out of range)."""
        return (month.year - self.start.year) * 12 + month.month - self.start.month


def visible_history(
    table: MonthlyTable, series: str, origin: dt.date, fit_start: dt.date = FIT_START
) -> History:
    """The history a forecaster may fit at ``origin``: the months from ``fit_start`` to the
    month before the origin (best estimates and US strikes)."""
    i0 = max(table.index(fit_start), 0)
    i1 = table.index(origin)
    if i1 <= i0:
        raise ValueError(f"no visible month before the origin {origin}")
    i1 = min(i1, len(table.months))
    best = np.asarray(table.series[series].best, dtype=float)[i0:i1]
    if np.any(~np.isfinite(best)):
        bad = [table.months[i0 + i] for i in np.flatnonzero(~np.isfinite(best))]
        raise ValueError(f"series {series!r} has no best estimate for {bad[0]:%Y-%m}")
    strikes = np.asarray(table.strikes, dtype=float)[i0:i1]
    return History(table.months[i0], best, strikes)


def forecast_rng(seed: int, model: str, origin: dt.date, series: str, mode: str):
    """The generator of one forecast: seeded by ``seed`` and the spawn key of the model,
    origin, series and mode (``SeedSequence(seed, spawn_key=...)``, as ``spawn`` gives its
    children)."""
    key = tuple(key_code(k) for k in (model, origin, series, mode))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


@dataclass(frozen=True)
class Forecast:
    """One model's samples at one origin, series and mode: a row per scored horizon."""

    model: str
    origin: dt.date
    series: str
    mode: str
    horizons: tuple[int, ...]
    months: tuple[dt.date, ...]
    samples: np.ndarray


def scored_horizons(
    table: MonthlyTable, series: str, origin: dt.date, horizons: Sequence[int],
    last_month: dt.date = RECORD_END,
) -> tuple[int, ...]:  # fmt: skip
    """The horizons whose month is in the table, not after ``last_month`` and observed."""
    best = np.asarray(table.series[series].best, dtype=float)
    out = []
    for h in horizons:
        m = add_months(origin, h - 1)
        i = table.index(m)
        if m <= last_month and 0 <= i < best.size and np.isfinite(best[i]):
            out.append(int(h))
    return tuple(out)


HistoryFn = Callable[[dt.date, str], History]


def rolling_forecasts(
    table: MonthlyTable,
    forecasters: Mapping[str, Forecaster],
    origins: Sequence[dt.date] = ORIGINS,
    horizons: Sequence[int] = HORIZONS,
    modes: Sequence[str] = MODES,
    series: Sequence[str] | None = None,
    samples: int = SAMPLES,
    seed: int = SEED,
    fit_start: dt.date = FIT_START,
    last_month: dt.date = RECORD_END,
    history: HistoryFn | None = None,
) -> Iterator[Forecast]:
    """Fit every forecaster at every origin on the visible history of every series and yield
    its samples of the scored horizons in every mode.

    Parameters
    ----------
    table : the monthly observations and US strikes
    forecasters : name -> forecaster
    origins : first days of months
    horizons : months ahead (1 = the origin's month)
    modes : "given_us_actions" (the strikes of the forecast months are given) and/or
        "unconditional"
    series : the series to forecast (default: all of the table's)
    samples : samples per forecast month
    seed : seed of the forecasts (:func:`forecast_rng`)
    fit_start : first month of every history
    last_month : months after it are not forecast (the reserved period)
    history : ``(origin, series) -> History`` (default: :func:`visible_history`)
    """
    names = list(table.series) if series is None else list(series)
    get = history or (lambda o, s: visible_history(table, s, o, fit_start))
    strikes = np.asarray(table.strikes, dtype=float)
    for origin in origins:
        if origin.day != 1:
            raise ValueError(f"an origin is a month's first day, not {origin}")
        for s in names:
            hs = scored_horizons(table, s, origin, horizons, last_month)
            if not hs:
                continue
            steps = max(hs)
            hist = get(origin, s)
            if hist.next_month != origin:
                raise ValueError(f"the history of {s!r} at {origin} ends at "
                                 f"{add_months(hist.next_month, -1):%Y-%m}")  # fmt: skip
            i = table.index(origin)
            for mode in modes:
                cov = strikes[i : i + steps] if mode == "given_us_actions" else None
                for name, fc in forecasters.items():
                    fitted = fc.fit(hist, mode)
                    rng = forecast_rng(seed, name, origin, s, mode)
                    x, months = fitted.sample(steps, cov, rng, samples)
                    rows = [h - 1 for h in hs]
                    yield Forecast(name, origin, s, mode, hs,
                                   tuple(months[r] for r in rows), x[rows])  # fmt: skip


def score_forecasts(
    forecasts: Iterable[Forecast], table: MonthlyTable, pit_seed: int = PIT_SEED
) -> pd.DataFrame:
    """The tidy score table of ``forecasts`` against ``table`` (one row per model, origin,
    horizon, series and mode; :func:`sim.validation.forecast_scores.score_table`)."""
    keys, blocks, best, low, high = [], [], [], [], []
    width = None
    for f in forecasts:
        x = np.asarray(f.samples)
        if width is None:
            width = x.shape[1]
        elif x.shape[1] != width:
            raise ValueError("every forecast needs the same number of samples")
        obs = table.series[f.series]
        for h, m, row in zip(f.horizons, f.months, x, strict=True):
            i = table.index(m)
            keys.append((f.model, f.origin, h, f.series, f.mode, m))
            blocks.append(row)
            best.append(obs.best[i])
            low.append(obs.low[i])
            high.append(obs.high[i])
    frame = pd.DataFrame(keys, columns=["model", "origin", "horizon", "series", "mode", "month"])
    if not blocks:
        raise ValueError("no forecast to score")
    return score_table(frame, np.vstack(blocks), np.asarray(best, float),
                       np.asarray(low, float), np.asarray(high, float), pit_seed)  # fmt: skip


def rolling_evaluation(
    table: MonthlyTable, forecasters: Mapping[str, Forecaster], **kwargs
) -> pd.DataFrame:
    """:func:`rolling_forecasts` scored by :func:`score_forecasts` (keyword arguments go to
    the former, except ``pit_seed``)."""
    pit_seed = kwargs.pop("pit_seed", PIT_SEED)
    return score_forecasts(rolling_forecasts(table, forecasters, **kwargs), table, pit_seed)
