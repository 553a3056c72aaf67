"""Calibration of the rule parameters to monthly targets: each month of each series the model
produces, as an interval target.

This is the calibration the rolling-origin evaluation runs at every forecast origin
(``escalation validate``, ``docs/validation.md``), on the monthly table of the record's rows
visible there, instead of the five articles' sentences of :mod:`sim.calibration.calibrate`. The
method is the project's:

* **The simulated history.** One window of the history setting
  (:func:`sim.history.replay.history_setting`) from the first target month to ``until``, with
  the documented actions of ``settings.force`` fixed to the record (by default the US actions,
  the militias' declared truces and the expulsion vote:
  :func:`sim.history.replay.forcing_from_record`); the militias and Iran follow the rulebook.
* **The statistics** are the monthly counts of the simulated trace's fields (attacks,
  Iran's direct strikes, Americans killed), one per target month; the deviation of a count from
  its documented interval ``[low, high]`` is zero inside and the distance to the nearer end
  outside, in units of the Poisson standard deviation of the documented value
  (:class:`sim.calibration.statistics.Statistic`'s scale of a count). A month whose interval is
  ``[0, inf)`` says nothing and is left out.
* **ABC-SMC** (:mod:`sim.calibration.abc`) fits the parameters of ``settings.fitted`` with
  their priors of :data:`sim.calibration.priors.MONTHLY_PRIORS`; a particle's distance is the root
  mean square over the targets of the squared scaled deviations averaged over
  ``settings.replicates`` runs (as :func:`sim.calibration.calibrate.particle_distances`).
* **Exact likelihoods** for the US response delay and the casualty means, from the events up to
  ``until`` (:mod:`sim.calibration.likelihoods`), enter as draws, as in the articles' fit.
* Every other parameter keeps its table default.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.abc import ABCResult, BetaPrior, abc_smc, weighted_quantile
from sim.calibration.likelihoods import GridPosterior, exact_data, exact_posteriors
from sim.calibration.priors import MONTHLY_PRIORS, table_values
from sim.calibration.settings import MONTHLY, MonthlyCalibrationSettings
from sim.core.params import TABLE
from sim.errors import UserError
from sim.experiments.sampling import build_params
from sim.history.replay import TRACE_FIELDS, forcing_from_record, history_setting, simulate, window


def _add_months(d: dt.date, k: int) -> dt.date:
    m = d.year * 12 + d.month - 1 + k
    return dt.date(m // 12, m % 12 + 1, 1)


@dataclass(frozen=True)
class MonthlyTargets:
    """Interval targets of some trace fields, month by month.

    Attributes
    ----------
    start : first day of the first month
    fields : the trace fields (:data:`sim.history.replay.TRACE_FIELDS`), one row each
    low, high : arrays of shape ``(fields, months)``, the documented interval of each month
        (``high`` inf: open above)
    """

    start: dt.date
    fields: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray

    def __post_init__(self) -> None:
        lo = np.asarray(self.low, dtype=float)
        hi = np.asarray(self.high, dtype=float)
        if self.start.day != 1:
            raise ValueError(f"targets start on a month's first day, not {self.start}")
        if lo.ndim != 2 or lo.shape != hi.shape or lo.shape[0] != len(self.fields):
            raise ValueError("low and high need shape (fields, months)")
        for f in self.fields:
            if f not in TRACE_FIELDS:
                raise ValueError(f"unknown trace field {f!r}")
        hi = np.where(np.isnan(hi), np.inf, hi)
        if np.any(~np.isfinite(lo)) or np.any(lo < 0) or np.any(hi < lo):
            raise ValueError("every target needs 0 <= low <= high (high may be inf)")
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    @property
    def months(self) -> int:
        return self.low.shape[1]

    @property
    def end(self) -> dt.date:
        """The last day of the last month."""
        return _add_months(self.start, self.months) - dt.timedelta(days=1)

    def used(self) -> np.ndarray:
        """Which targets say something (not ``[0, inf)``), shape ``(fields, months)``."""
        return (self.low > 0) | np.isfinite(self.high)

    def scales(self) -> np.ndarray:
        """The unit of each target's deviation: the Poisson standard deviation of the
        documented value (the square root of the interval's midpoint, or of its lower end
        when open above), at least 1."""
        centre = np.where(np.isinf(self.high), self.low, 0.5 * (self.low + self.high))
        return np.maximum(1.0, np.sqrt(centre))

    def frame(self) -> pd.DataFrame:
        """One row per target: field, month, low, high, used."""
        rows = []
        used = self.used()
        for i, f in enumerate(self.fields):
            for m in range(self.months):
                rows.append((f, _add_months(self.start, m), self.low[i, m], self.high[i, m],
                             bool(used[i, m])))  # fmt: skip
        return pd.DataFrame(rows, columns=["field", "month", "low", "high", "used"])


def run_distances(targets: MonthlyTargets, counts: np.ndarray) -> np.ndarray:
    """Each run's distance from the targets: the root mean square over the used targets of the
    scaled deviations (:meth:`MonthlyTargets.scales`) of its monthly counts ``counts``, shape
    ``(fields, months, n)``; zero for every run when no target is used."""
    used = targets.used()
    x = counts[used].T  # (n, used targets)
    if x.shape[1] == 0:
        return np.zeros(counts.shape[2])
    lo, hi = targets.low[used], targets.high[used]
    dev = (np.maximum(lo - x, 0.0) + np.maximum(x - hi, 0.0)) / targets.scales()[used]
    return np.sqrt(np.mean(dev**2, axis=1))


class MonthlyDesign:
    """What the calibration simulates: the window of the targets' months, its forcing, and the
    monthly counts read from the simulated traces."""

    def __init__(
        self, events: pd.DataFrame, targets: MonthlyTargets, force: Sequence[str], batch: int
    ) -> None:
        self.targets = targets
        self.setting = window(history_setting(), targets.start, targets.end)
        self.forcing = forcing_from_record(events, targets.start, self.setting.days, force)
        self.batch = int(batch)
        starts = [(_add_months(targets.start, m) - targets.start).days
                  for m in range(targets.months)]  # fmt: skip
        self.month_starts = np.array(starts, dtype=np.int64)
        used = targets.used()
        self.rows, self.cols = np.nonzero(used)
        self.low = targets.low[used]
        self.high = targets.high[used]
        self.scale = targets.scales()[used]

    def simulate(
        self, values: dict[str, np.ndarray], n: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Monthly counts of every target field in ``n`` runs (one per parameter vector of
        ``values``), shape ``(fields, months, n)``; runs are simulated ``batch`` at a time."""
        out = np.empty((len(self.targets.fields), self.targets.months, n))
        for a in range(0, n, self.batch):
            b = min(a + self.batch, n)
            part = {k: np.asarray(v)[a:b] for k, v in values.items()}
            p = build_params(self.setting, b - a, rng, overrides=part, posterior=False)
            tr = simulate(self.setting, p, rng, forcing=self.forcing, tally=False)
            for i, f in enumerate(self.targets.fields):
                daily = tr.series[f].astype(np.int64)
                out[i, :, a:b] = np.add.reduceat(daily, self.month_starts, axis=0)
        return out

    def deviations(self, counts: np.ndarray) -> np.ndarray:
        """Scaled deviations of each run from each used target, shape ``(n, targets)``."""
        x = counts[self.rows, self.cols, :].T
        dev = np.maximum(self.low - x, 0.0) + np.maximum(x - self.high, 0.0)
        return dev / self.scale


def fitted_priors(names: Sequence[str]) -> tuple[BetaPrior, ...]:
    """The priors of :data:`sim.calibration.priors.MONTHLY_PRIORS` named in ``names``, in
    their order there."""
    known = {p.name for p in MONTHLY_PRIORS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(f"not a calibrated parameter: {', '.join(unknown)}")
    return tuple(p for p in MONTHLY_PRIORS if p.name in names)


@dataclass
class MonthlyFit:
    """A calibration on monthly targets: the ABC run, the exact posteriors, the targets and the
    posterior draws (table names, equally weighted)."""

    until: dt.date
    seed: int
    priors: tuple[BetaPrior, ...]
    abc: ABCResult
    exact: dict[str, GridPosterior]
    targets: MonthlyTargets
    posterior: pd.DataFrame
    seconds: float

    @property
    def simulations(self) -> int:
        """Particles simulated (each ``replicates`` runs)."""
        return sum(g.simulations for g in self.abc.generations)

    def summary(self) -> pd.DataFrame:
        """Prior and posterior median and 90% interval of every fitted parameter."""
        rows = []
        last = self.abc.last
        for j, p in enumerate(self.priors):
            q = weighted_quantile(last.particles[:, j], last.weights, [0.05, 0.5, 0.95])
            pq = p.dist.ppf([0.05, 0.5, 0.95])
            rows.append({"parameter": p.name, "prior_median": pq[1], "post_median": q[1],
                         "post_p05": q[0], "post_p95": q[2]})  # fmt: skip
        for gp in self.exact.values():
            cdf = np.cumsum(gp.density)
            q = np.interp([0.05, 0.5, 0.95], cdf / cdf[-1], gp.grid)
            rows.append({"parameter": gp.prior.name, "prior_median": gp.prior.dist.ppf(0.5),
                         "post_median": q[1], "post_p05": q[0], "post_p95": q[2]})  # fmt: skip
        return pd.DataFrame(rows)


def calibrate_monthly(
    events: pd.DataFrame,
    targets: MonthlyTargets,
    seed: int,
    settings: MonthlyCalibrationSettings = MONTHLY,
    progress: Callable[[str], None] | None = None,
) -> MonthlyFit:
    """Fit ``settings.fitted`` to monthly interval targets (the module docstring).

    Parameters
    ----------
    events : the event table whose actions of ``settings.force`` are forced, and whose dated
        events up to the targets' last day give the exact likelihoods (``Record.events`` of
        :func:`sim.inputs.record.load_record`, e.g. the rows visible at a forecast origin)
    targets : the monthly targets
    seed : every draw comes from ``SeedSequence(seed)`` streams

    Returns
    -------
    MonthlyFit
        Its ``posterior``: ``settings.rows`` equally weighted draws with the table's names (the
        base-rate scale as the four groups' rates), values rounded to 4 significant digits and
        kept inside the table's ranges.
    """
    t0 = time.perf_counter()
    say = progress or (lambda s: None)
    priors = fitted_priors(settings.fitted)
    until = targets.end
    design = MonthlyDesign(events, targets, settings.force, settings.batch)
    exact = exact_posteriors(exact_data(events, until))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    reps = settings.replicates
    if reps < 1:
        raise ValueError("replicates must be at least 1")

    def exact_draws(n: int) -> dict[str, np.ndarray]:
        return {k: gp.sample(n, rng) for k, gp in exact.items()}

    def distances(theta: np.ndarray, r: np.random.Generator) -> np.ndarray:
        n = len(theta) * reps
        rep = np.repeat(theta, reps, axis=0)  # each particle's runs side by side
        counts = design.simulate(table_values(rep, exact_draws(n), priors), n, r)
        sq = design.deviations(counts) ** 2
        if sq.shape[1] == 0:
            return np.zeros(len(theta))
        return np.sqrt(sq.reshape(len(theta), reps, -1).mean(axis=1).mean(axis=1))

    say(f"{design.low.size} monthly targets to {until}")
    res = abc_smc(
        priors, distances, rng, particles=settings.particles, generations=settings.generations,
        min_acceptance=settings.min_acceptance, batch=settings.batch,
    )  # fmt: skip
    draws = res.resample(settings.rows, rng)
    post = pd.DataFrame(table_values(draws, exact_draws(settings.rows), priors))
    post = post.apply(lambda c: c.map(lambda v: float(f"{v:.4g}")))
    for c in post.columns:
        post[c] = post[c].clip(TABLE[c].low, TABLE[c].high)
    return MonthlyFit(until, seed, priors, res, exact, targets, post, time.perf_counter() - t0)
