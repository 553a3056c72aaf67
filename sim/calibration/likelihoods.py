"""Exact likelihoods of the parameters whose rules have closed-form probabilities.

The US response delay (geometric, :func:`sim.core.rules.us.acts_today`) from the documented
delays between an attack and the US strike that answered it, and the mean US killed per lethal
attack and wounded per injuring attack (geometric counts,
:func:`sim.core.rules.common.geometric_count`) from the documented casualties. Their
posteriors are computed on a grid and enter the ABC simulations as draws, so the joint
posterior is the product of the two blocks (a modular posterior).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.abc import BetaPrior
from sim.calibration.priors import EXACT_PRIORS
from sim.calibration.settings import SETTINGS
from sim.calibration.statistics import dated


def geometric_pmf(k: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """P(count = k), k >= 1, of :func:`sim.core.rules.common.geometric_count` with the given mean:
    ``(1 - r) r**(k - 1)`` with ``r = 1 - 1/mean`` (it inverts this CDF)."""
    r = 1.0 - 1.0 / np.maximum(mean, 1.0)
    return np.where(k >= 1, (1.0 - r) * r ** (np.asarray(k) - 1.0), 0.0)


def delay_pmf(k: np.ndarray, mean_delay: np.ndarray) -> np.ndarray:
    """P(the US acts k days after the attack), k >= 0, under :func:`sim.core.rules.us.acts_today`:
    each day the wanted response goes ahead with probability ``1 / (1 + response_delay)``, so
    the mean delay is ``response_delay`` days."""
    q = 1.0 / (1.0 + np.asarray(mean_delay))
    return q * (1.0 - q) ** np.asarray(k, dtype=float)


def exact_data(events: pd.DataFrame, until: dt.date) -> dict[str, list[int]]:
    """Documented observations of the exact-likelihood parameters, up to ``until``.

    ``response_delay``: days from an attack to the US strike whose ``responds_to`` names it;
    ``killed_mean``: US killed in each lethal attack with a documented number >= 1;
    ``wounded_mean``: US wounded in each injuring (not lethal) attack with a number >= 1.
    """
    ev = dated(events[events["day"] <= pd.Timestamp(until)])
    by_id = ev.set_index("id")
    delays = []
    us = ev[(ev["actor"] == "us") & ev["action"].isin(
        ("us_strike_syria", "us_strike_iraq", "decapitation", "us_strike_iran"))]  # fmt: skip
    for _, r in us.iterrows():
        ref = r["responds_to"]
        if ref in by_id.index and bool(by_id.loc[ref, "is_attack"]):
            delays.append(int((r["day"] - by_id.loc[ref, "day"]).days))
    att = ev[ev["is_attack"] & ev["in_iraq"]]
    killed = att.loc[att["action"] == "lethal_attack", "us_killed"].dropna()
    wounded = att.loc[att["action"] == "injury_attack", "us_wounded"].dropna()
    return {
        "response_delay": delays,
        "killed_mean": [int(k) for k in killed if k >= 1],
        "wounded_mean": [int(k) for k in wounded if k >= 1],
    }


@dataclass
class GridPosterior:
    """A one-dimensional posterior on a grid."""

    prior: BetaPrior
    data: list[int]
    grid: np.ndarray
    density: np.ndarray

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        cdf = np.cumsum(self.density)
        cdf /= cdf[-1]
        x = np.interp(rng.random(n), cdf, self.grid)
        return np.clip(x, self.prior.low, self.prior.high)


def exact_posteriors(data: dict[str, list[int]]) -> dict[str, GridPosterior]:
    """Grid posteriors of the exact-likelihood parameters (prior x likelihood)."""
    out = {}
    for p in EXACT_PRIORS:
        grid = np.linspace(p.low, p.high, SETTINGS.grid_points)[1:-1]
        logd = p.dist.logpdf(grid)
        pmf = delay_pmf if p.name == "response_delay" else geometric_pmf
        for k in data[p.name]:
            logd = logd + np.log(np.maximum(pmf(np.asarray(k), grid), 1e-300))
        d = np.exp(logd - logd.max())
        out[p.name] = GridPosterior(p, data[p.name], grid, d / d.sum())
    return out
