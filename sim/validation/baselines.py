"""Statistical baselines, fitted to the training record only, that the agent model must beat.

The training record (``sim/data/events.csv``, ``sim/data/period_counts.csv``) documents attacks
mostly as interval-censored period counts ("about three dozen", 30..42, over October 2019 -
December 2020; "weekly" in July 2020; "3 attacks in 3 days"); its dated attacks are a handful
(a lower bound), so the baselines are fitted to the period counts of attacks
(``unit == "attacks"``, ``action == "any_attack"``), each row's likelihood being the
probability of its documented interval. Overlapping rows are treated as independent (a
composite likelihood). Each baseline gives a predictive sample of a window's count.

* :class:`ConstantRate`: a negative binomial count with mean ``rate * days`` and a fixed size
  (dispersion), both by maximum likelihood; Iran's direct strikes: a Poisson rate, the number of
  the record's strikes over the days its windows cover.
* :class:`Hawkes`: a self-exciting process of attacks in daily steps with an exponential kernel
  (``N_t ~ Poisson(mu + ratio * E_t)``, ``E`` the exponentially weighted past counts with mean
  duration ``hawkes_days``, weights summing to 1, so ``ratio`` is the branching ratio). The
  record cannot identify the kernel's duration, which is fixed at Lewis et al. (2012)'s 2-6
  weeks (21 days); ``mu`` and ``ratio`` are the maximum a posteriori on a grid, with the
  likelihood of the period counts simulated from the stationary process and a Beta prior on
  ``ratio`` at Lewis et al.'s 37-50% self-excited share. No attack history is known at a
  window's start, so it predicts from the stationary process. Not used for Iran's strikes.
* :class:`Persistence`: a Poisson count at the rate of the last training period count (finite
  range; midpoint / days) that began on or before the window's start; Iran's strikes: the rate
  of the last training window (:data:`sim.calibration.settings.SEGMENTS`) begun by then.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sim.calibration.settings import SEGMENTS
from sim.validation.settings import SETTINGS, ValidationSettings


@dataclass(frozen=True)
class Count:
    """A documented count over ``days`` days: ``[low, high]`` (high None: open)."""

    start: dt.date
    days: int
    low: int
    high: int | None


def training_counts(periods: pd.DataFrame) -> list[Count]:
    """The training record's period counts of attacks."""
    rows = periods[(periods["unit"] == "attacks") & (periods["action"] == "any_attack")]
    out = []
    for _, r in rows.iterrows():
        high = None if pd.isna(r["count_high"]) else int(r["count_high"])
        days = (r["end"] - r["start"]).days + 1
        out.append(Count(r["start"].date(), days, int(r["count_low"]), high))
    return out


def iran_exposure(events: pd.DataFrame) -> list[tuple[dt.date, int, int]]:
    """Per training window: its start, the days the record covers and Iran's direct strikes."""
    last = events["day"].max()
    out = []
    for seg in SEGMENTS:
        s0, s1 = pd.Timestamp(seg.start), min(pd.Timestamp(seg.end), last)
        if s1 < s0:
            continue
        ev = events[(events["day"] >= s0) & (events["day"] <= s1)]
        k = int(((ev["actor"] == "iran") & (ev["action"] == "iran_state_strike")).sum())
        out.append((seg.start, (s1 - s0).days + 1, k))
    return out


class ConstantRate:
    """Negative binomial counts at a constant rate (Poisson for Iran's direct strikes)."""

    name = "constant rate"

    def __init__(self, counts: list[Count], iran: list[tuple[dt.date, int, int]]) -> None:
        def nll(theta: np.ndarray) -> float:
            rate, size = math.exp(theta[0]), math.exp(theta[1])
            tot = 0.0
            for c in counts:
                m = rate * c.days
                p = size / (size + m)
                hi = 1.0 if c.high is None else stats.nbinom.cdf(c.high, size, p)
                lo = stats.nbinom.cdf(c.low - 1, size, p) if c.low > 0 else 0.0
                tot -= math.log(max(hi - lo, 1e-300))
            return tot

        opts = {"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000}
        x0 = np.array([math.log(0.1), 0.0])
        res = optimize.minimize(nll, x0=x0, method="Nelder-Mead", options=opts)
        self.rate, self.size = float(np.exp(res.x[0])), float(np.exp(res.x[1]))
        self.iran_rate = sum(k for _, _, k in iran) / sum(d for _, d, _ in iran)

    def sample(self, quantity: str, start: dt.date, days: int, n: int, rng) -> np.ndarray:
        if quantity == "iran_struck":
            return rng.poisson(self.iran_rate * days, size=n)
        m = self.rate * days
        return rng.negative_binomial(self.size, self.size / (self.size + m), size=n)

    def describe(self) -> str:
        return (f"negative binomial, {self.rate:.3f} attacks/day, size {self.size:.3g}; "
                f"Iran: Poisson {self.iran_rate:.2e} strikes/day")  # fmt: skip


def hawkes_counts(
    mu: np.ndarray, ratio: np.ndarray, kernel_days: float, horizons: list[int], n: int,
    rng: np.random.Generator, burn_in: float,
) -> np.ndarray:  # fmt: skip
    """Counts of the daily Hawkes process (see the module docstring) over the first ``h`` days
    after a burn-in from its stationary mean, for each ``h`` in ``horizons``.

    ``mu`` and ``ratio`` broadcast together to shape ``G``; returns shape ``(len(horizons),) +
    G + (n,)``.
    """
    mu, ratio = np.broadcast_arrays(np.asarray(mu, float), np.asarray(ratio, float))
    mu, ratio = mu[..., None], ratio[..., None]
    decay = math.exp(-1.0 / kernel_days)
    shape = (*mu.shape[:-1], n)
    e = np.broadcast_to(mu / (1.0 - ratio), shape).copy()  # stationary mean rate
    burn = math.ceil(burn_in * kernel_days)
    want = sorted(set(horizons))
    total = np.zeros(shape, dtype=np.int64)
    snap: dict[int, np.ndarray] = {}
    for t in range(burn + max(want)):
        k = rng.poisson(mu + ratio * e)
        e = decay * e + (1.0 - decay) * k
        if t >= burn:
            total += k
            if t - burn + 1 in want:
                snap[t - burn + 1] = total.copy()
    return np.stack([snap[h] for h in horizons])


class Hawkes:
    """Stationary self-exciting (Hawkes) counts of attacks, daily steps, exponential kernel."""

    name = "Hawkes"

    def __init__(self, counts: list[Count], settings: ValidationSettings, seed: int) -> None:
        s = settings
        self.kernel_days, self.burn_in = s.hawkes_days, s.hawkes_burn_in
        mus = np.geomspace(*s.hawkes_mu_grid[:2], int(s.hawkes_mu_grid[2]))
        ratios = np.linspace(*s.hawkes_ratio_grid[:2], int(s.hawkes_ratio_grid[2]))
        mg, rg = np.meshgrid(mus, ratios, indexing="ij")
        rng = np.random.default_rng(seed)
        paths = s.hawkes_fit_paths
        x = hawkes_counts(mg, rg, self.kernel_days, [c.days for c in counts], paths, rng,
                          self.burn_in)  # fmt: skip
        loglik = np.zeros(mg.shape)
        for i, c in enumerate(counts):
            hi = math.inf if c.high is None else c.high
            p = ((x[i] >= c.low) & (x[i] <= hi)).mean(axis=-1)
            loglik += np.log(np.maximum(p, 0.5 / paths))
        m, kappa = s.hawkes_ratio_mode, s.hawkes_ratio_concentration
        prior = stats.beta(1 + m * (kappa - 2), 1 + (1 - m) * (kappa - 2))
        with np.errstate(divide="ignore"):
            logpost = loglik + prior.logpdf(rg)
        i, j = np.unravel_index(np.argmax(logpost), logpost.shape)
        self.mu, self.ratio = float(mg[i, j]), float(rg[i, j])
        self.loglik = float(loglik[i, j])

    def sample(self, quantity: str, start: dt.date, days: int, n: int, rng) -> np.ndarray | None:
        if quantity != "attacks":
            return None
        return hawkes_counts(self.mu, self.ratio, self.kernel_days, [days], n, rng,
                             self.burn_in)[0]  # fmt: skip

    def describe(self) -> str:
        rate = self.mu / (1 - self.ratio)
        return (f"background {self.mu:.3f} attacks/day, branching ratio {self.ratio:.2f}, kernel "
                f"{self.kernel_days:g} days (stationary rate {rate:.3f}/day)")  # fmt: skip


class Persistence:
    """Poisson counts at the rate of the last training period begun by the window's start."""

    name = "persistence"

    def __init__(self, counts: list[Count], iran: list[tuple[dt.date, int, int]]) -> None:
        self.counts = sorted(
            (c for c in counts if c.high is not None),
            key=lambda c: (c.start, c.start + dt.timedelta(days=c.days)),
        )
        self.iran = sorted(iran)

    def rate(self, quantity: str, start: dt.date) -> float:
        if quantity == "iran_struck":
            before = [x for x in self.iran if x[0] <= start] or self.iran[:1]
            _, d, k = before[-1]
            return k / d
        before = [c for c in self.counts if c.start <= start] or self.counts[:1]
        c = before[-1]
        return 0.5 * (c.low + c.high) / c.days

    def sample(self, quantity: str, start: dt.date, days: int, n: int, rng) -> np.ndarray:
        return rng.poisson(self.rate(quantity, start) * days, size=n)

    def describe(self) -> str:
        c = self.counts[-1]
        return (f"Poisson at the last training period's rate (latest: {c.start}, "
                f"{c.days} days, {c.low}..{c.high} attacks)")  # fmt: skip


def fit_baselines(
    events: pd.DataFrame, periods: pd.DataFrame, settings: ValidationSettings = SETTINGS,
    seed: int | None = None,
) -> dict[str, ConstantRate | Hawkes | Persistence]:  # fmt: skip
    """The three baselines fitted to a training record (events and period counts)."""
    counts = training_counts(periods)
    iran = iran_exposure(events)
    seed = settings.seed if seed is None else seed
    models = (ConstantRate(counts, iran), Hawkes(counts, settings, seed + 1),
              Persistence(counts, iran))  # fmt: skip
    return {m.name: m for m in models}
