"""Calibration of the rule parameters to the documented record.

Method (``docs/calibration.md`` has the full account):

* **Replay.** Every simulation replays a documented window with the US actions and the
  militias' declared truces of the record forced, as a replay does (:mod:`sim.history.replay`);
  the militias, Iran and the Iraqi parliament otherwise follow the rulebook.
  Two windows are documented by the five articles: October 2019 to December 2021 (the late-2019
  setting with every dated shock) and mid-2024 (``scenarios/mid_2024.yaml``).
* **Summary statistics** come from the record only
  (:func:`sim.calibration.statistics.build_statistics`): the period counts ("about three dozen"
  attacks, "weekly incidents by July 2020", "3 attacks in 3 days" ...) as targets, each
  documented individual event as a timing target (Iran's missiles five days after the
  decapitation; the vote two days after it) or an upper bound on the time from a US strike
  to the next attack, and the documented attacks, lethal attacks and US deaths as lower bounds
  (the articles mention a handful of attacks; they are not a complete tally).
* **ABC-SMC** (:mod:`sim.calibration.abc`) fits the dynamic parameters the record can inform;
  ``SETTINGS.replicates`` runs per particle, whose squared scaled deviations are averaged
  (:func:`particle_distances`), batches of thousands of particles per engine call.
* **Exact likelihoods** for three parameters whose rules have closed-form probabilities: the US
  response delay (geometric, :func:`sim.core.rules.us.acts_today`) from the documented delays
  between an attack and the US strike that answered it, and the mean US killed per lethal attack
  and wounded per injuring attack (geometric counts,
  :func:`sim.core.rules.common.geometric_count`) from the documented casualties. They are
  sampled on a grid and enter the ABC simulations as draws, so the joint posterior is the
  product of the two blocks (a modular posterior).
* Every other parameter keeps its table default (a point prior); the report lists them.

Modules: :mod:`~sim.calibration.settings` (every setting), :mod:`~sim.calibration.priors`,
:mod:`~sim.calibration.statistics`, :mod:`~sim.calibration.likelihoods`,
:mod:`~sim.calibration.design` (the simulated windows), this module (the fit),
:mod:`~sim.calibration.predictive` (checks), :mod:`~sim.calibration.figures`,
:mod:`~sim.calibration.report` and :mod:`~sim.calibration.synthetic` (a record simulated from
known parameters, for the recovery test).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.abc import ABCResult, BetaPrior, abc_smc, weighted_quantile
from sim.calibration.design import Design
from sim.calibration.likelihoods import GridPosterior, exact_data, exact_posteriors
from sim.calibration.priors import ABC_PRIORS, fitted_names, table_values
from sim.calibration.settings import SETTINGS
from sim.core.params import TABLE
from sim.inputs.record import load_record


@dataclass
class Fit:
    """A calibration: the ABC run, the exact posteriors, the statistics and their scales."""

    until: dt.date
    seed: int
    design: Design
    abc: ABCResult
    exact: dict[str, GridPosterior]
    scales: np.ndarray
    seconds: float
    posterior: pd.DataFrame  # equally weighted draws, table names

    def summary(self) -> pd.DataFrame:
        """Prior and posterior median and 90 % interval of every fitted parameter."""
        rows = []
        last = self.abc.last
        for j, p in enumerate(ABC_PRIORS):
            q = weighted_quantile(last.particles[:, j], last.weights, [0.05, 0.5, 0.95])
            rows.append(_row(p, q, "ABC-SMC"))
        for gp in self.exact.values():
            cdf = np.cumsum(gp.density)
            q = np.interp([0.05, 0.5, 0.95], cdf / cdf[-1], gp.grid)
            rows.append(_row(gp.prior, q, f"exact likelihood (n = {len(gp.data)})"))
        return pd.DataFrame(rows)


def _row(p: BetaPrior, q: np.ndarray, method: str) -> dict:
    pq = p.dist.ppf([0.05, 0.5, 0.95])
    width = pq[2] - pq[0]
    return {
        "parameter": p.name,
        "method": method,
        "range": f"[{p.low:g}, {p.high:g}]",
        "default": p.mode,
        "prior_median": pq[1],
        "prior_p05": pq[0],
        "prior_p95": pq[2],
        "post_median": q[1],
        "post_p05": q[0],
        "post_p95": q[2],
        "width_ratio": (q[2] - q[0]) / width if width > 0 else np.nan,
        "informed": (q[2] - q[0]) / width < SETTINGS.informed_ratio if width > 0 else False,
        "prior_source": p.source,
    }


def particle_distances(
    design: Design,
    theta: np.ndarray,
    exact_draws: Callable[[int], dict[str, np.ndarray]],
    rng: np.random.Generator,
    replicates: int = SETTINGS.replicates,
) -> np.ndarray:
    """ABC distance of each particle from the record, over ``replicates`` runs of it.

    Each statistic's deviation from its documented interval is scaled
    (:attr:`sim.calibration.statistics.Statistic.scale`) and squared; the squares are averaged
    over the particle's runs and the distance is the root of their mean over the statistics.
    With one run per particle a single lucky or unlucky run decides whether a parameter vector
    is kept; averaging over runs lowers that noise floor, so the sampler can reach a smaller
    tolerance (``docs/calibration.md``).

    Parameters
    ----------
    theta : particles, shape (N, len(ABC_PRIORS))
    exact_draws : ``n -> {name: (n,) array}``, draws of the exactly fitted parameters
    replicates : runs per particle (each with its own draws of the exact parameters)

    Returns
    -------
    np.ndarray
        Distances, shape (N,).
    """
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    n = len(theta) * replicates
    rep = np.repeat(theta, replicates, axis=0)  # each particle's runs side by side
    x = design.statistics(design.simulate(table_values(rep, exact_draws(n)), n, rng))
    dev = np.column_stack([s.deviation(x[:, i]) for i, s in enumerate(design.stats)])
    scales = np.array([s.scale for s in design.stats])
    sq = ((dev / scales) ** 2).reshape(len(theta), replicates, -1).mean(axis=1)
    return np.sqrt(np.mean(sq, axis=1))


def calibrate(
    events: pd.DataFrame | None = None,
    periods: pd.DataFrame | None = None,
    until: dt.date | None = None,
    seed: int = 1,
    particles: int = SETTINGS.particles,
    generations: int = SETTINGS.generations,
    rows: int = SETTINGS.rows,
    min_acceptance: float = SETTINGS.min_acceptance,
    batch: int = SETTINGS.batch,
    progress: Callable[[str], None] | None = None,
    replicates: int = SETTINGS.replicates,
) -> Fit:
    """Fit the parameters to the record (see the module docstring).

    Parameters
    ----------
    events, periods : the record's events and count statements (``Record.events``,
        ``Record.counts``; default: the five articles' rows of the packaged record,
        ``load_record("seeds")``, the record the shipped posterior was fitted to)
    until : only events and period counts up to this day enter (default: the last event)
    seed : the calibration seed; every draw comes from ``SeedSequence(seed)`` streams
    particles : ABC population size
    generations : ABC generations after the prior one (at most)
    rows : equally weighted posterior draws to return (for ``sim/data/posterior.csv``)
    replicates : runs per particle (:func:`particle_distances`)
    """
    t0 = time.perf_counter()
    if events is None or periods is None:
        seeds = load_record("seeds")
        events = seeds.events if events is None else events
        periods = seeds.counts if periods is None else periods
    until = until or events["day"].max().date()
    design = Design.from_record(events, periods, until)
    exact = exact_posteriors(exact_data(events, until))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    say = progress or (lambda s: None)

    def exact_draws(n: int) -> dict[str, np.ndarray]:
        return {k: gp.sample(n, rng) for k, gp in exact.items()}

    scales = np.array([s.scale for s in design.stats])
    say(f"{len(design.stats)} statistics")

    def distances(th: np.ndarray, r: np.random.Generator) -> np.ndarray:
        return particle_distances(design, th, exact_draws, r, replicates)

    def counting(th, r):
        out = distances(th, r)
        say(f"  simulated {len(th)} particles")
        return out

    res = abc_smc(
        ABC_PRIORS, counting, rng, particles=particles, generations=generations,
        min_acceptance=min_acceptance, batch=batch,
    )  # fmt: skip
    draws = res.resample(rows, rng)
    post = pd.DataFrame(table_values(draws, exact_draws(rows)))[fitted_names()]
    post = post.apply(lambda c: c.map(lambda v: float(f"{v:.4g}")))
    for c in post.columns:
        post[c] = post[c].clip(TABLE[c].low, TABLE[c].high)
    return Fit(until, seed, design, res, exact, scales, time.perf_counter() - t0, post)
