"""A small, vectorised ABC-SMC sampler (approximate Bayesian computation, sequential Monte Carlo).

The algorithm is population Monte Carlo ABC (Beaumont, Cornuet, Marin & Robert 2009, Biometrika
96:983; Toni et al. 2009, J. R. Soc. Interface 6:187) with an adaptive tolerance schedule (each
tolerance is a quantile of the previous population's distances, Del Moral, Doucet & Jasra 2012,
Stat. Comput. 22:1009) and a component-wise normal perturbation kernel with twice the weighted
variance of the previous population (Beaumont et al. 2009).

Why not pyabc: pyabc calls the model once per particle and keeps every population in a
SQL database; the escalation engine's speed comes from evaluating thousands of parameter draws in
one vectorised call, so this sampler proposes and simulates whole batches at once. It is about
150 lines and is tested against a model with a known posterior (``tests/test_calibrate.py``).

Parameters live on bounded ranges. The sampler works on the unit scale
``z = (x - low) / (high - low)`` with a component-wise normal kernel truncated to [0, 1] (its
normalising constant enters the weights exactly), and the priors are scaled Beta densities with
both shape parameters at least 1, so the importance weights stay bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats


@dataclass(frozen=True)
class BetaPrior:
    """A scaled Beta prior on ``[low, high]`` with its mode at ``mode`` and concentration
    ``kappa = a + b >= 2`` (``kappa = 2`` is the uniform prior); ``a, b >= 1``."""

    name: str
    low: float
    high: float
    mode: float
    kappa: float
    source: str = ""

    @property
    def ab(self) -> tuple[float, float]:
        z = (self.mode - self.low) / (self.high - self.low)
        k = max(self.kappa, 2.0) - 2.0
        return 1.0 + z * k, 1.0 + (1.0 - z) * k

    @property
    def dist(self):
        a, b = self.ab
        return stats.beta(a, b, loc=self.low, scale=self.high - self.low)

    def to_z(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x) - self.low) / (self.high - self.low)

    def to_x(self, z: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(z)

    def logpdf_z(self, z: np.ndarray) -> np.ndarray:
        """Log density of the prior on the unit scale."""
        return stats.beta.logpdf(z, *self.ab)


@dataclass
class Generation:
    """One population of the sampler."""

    epsilon: float
    particles: np.ndarray  # (M, D) in parameter units
    weights: np.ndarray  # (M,), sum 1
    distances: np.ndarray  # (M,)
    simulations: int
    accepted: int

    @property
    def acceptance(self) -> float:
        return self.accepted / max(self.simulations, 1)

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights**2))


@dataclass
class ABCResult:
    """The generations of a run and why it stopped."""

    priors: Sequence[BetaPrior]
    generations: list[Generation] = field(default_factory=list)
    stop_reason: str = ""
    extra: list[dict] = field(default_factory=list)  # side outputs of the accepted simulations

    @property
    def last(self) -> Generation:
        return self.generations[-1]

    def resample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` equally weighted draws from the last population (systematic resampling)."""
        w = self.last.weights
        pos = (rng.random() + np.arange(n)) / n
        idx = np.minimum(np.searchsorted(np.cumsum(w), pos), len(w) - 1)
        return self.last.particles[idx]


#: ``simulate(theta (B, D), rng) -> distances (B,)`` for a batch of parameter vectors.
Simulator = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _truncated_normal(mean: np.ndarray, sd: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draws from normals truncated to [0, 1], by inverting the CDF."""
    lo = special.ndtr(-mean / sd)
    hi = special.ndtr((1.0 - mean) / sd)
    u = lo + (hi - lo) * rng.random(mean.shape)
    return np.clip(mean + sd * special.ndtri(np.clip(u, 1e-15, 1 - 1e-15)), 0.0, 1.0)


def _log_kernel_mix(z_new: np.ndarray, z_old: np.ndarray, w_old: np.ndarray, sd: np.ndarray):
    """log sum_j w_j K(z_new | z_old_j) for the truncated component-wise normal kernel."""
    # log normaliser of the kernel around each old particle
    log_norm = np.log(special.ndtr((1 - z_old) / sd) - special.ndtr(-z_old / sd)).sum(axis=1)
    const = -0.5 * len(sd) * np.log(2 * np.pi) - np.log(sd).sum()
    logw = np.log(np.maximum(w_old, 1e-300)) - log_norm + const
    out = np.empty(len(z_new))
    for i in range(0, len(z_new), 256):
        diff = (z_new[i : i + 256, None, :] - z_old[None, :, :]) / sd
        m = -0.5 * np.sum(diff**2, axis=-1) + logw[None, :]
        out[i : i + 256] = special.logsumexp(m, axis=1)
    return out


def abc_smc(
    priors: Sequence[BetaPrior],
    simulate: Simulator,
    rng: np.random.Generator,
    particles: int = 1000,
    generations: int = 8,
    quantile: float = 0.5,
    min_acceptance: float = 0.02,
    batch: int = 2000,
    max_sims_per_generation: int | None = None,
    final_epsilon: float = 0.0,
) -> ABCResult:
    """Run ABC-SMC.

    Parameters
    ----------
    priors : one :class:`BetaPrior` per parameter (the columns of ``theta``)
    simulate : distances of a batch of parameter vectors (one simulation each)
    particles : population size M
    generations : number of populations after the prior one (at most)
    quantile : the next tolerance is this quantile of the accepted distances
    min_acceptance : stop when a generation's acceptance rate falls below this
    batch : proposals simulated per call of ``simulate``
    max_sims_per_generation : stop when a generation needs more simulations (default
        ``particles / min_acceptance``)
    final_epsilon : stop once the tolerance reaches this value

    Returns
    -------
    ABCResult
        Generation 0 is the prior population (tolerance infinity, all accepted).
    """
    m = particles
    cap = max_sims_per_generation or int(np.ceil(m / min_acceptance))
    res = ABCResult(priors)
    # generation 0: the prior
    theta = np.column_stack([p.dist.rvs(size=m, random_state=rng) for p in priors])
    dist = np.concatenate([simulate(theta[i : i + batch], rng) for i in range(0, m, batch)])
    res.generations.append(Generation(np.inf, theta, np.full(m, 1.0 / m), dist, m, m))
    to_z = lambda x: np.column_stack([p.to_z(x[:, j]) for j, p in enumerate(priors)])  # noqa: E731
    to_x = lambda z: np.column_stack([p.to_x(z[:, j]) for j, p in enumerate(priors)])  # noqa: E731
    log_prior = lambda z: sum(p.logpdf_z(z[:, j]) for j, p in enumerate(priors))  # noqa: E731
    for _ in range(generations):
        prev = res.last
        eps = float(np.quantile(prev.distances, quantile))
        if eps >= prev.epsilon:  # discrete distances: step to the next smaller value
            below = prev.distances[prev.distances < prev.epsilon]
            eps = float(below.max()) if below.size else eps
        if eps <= final_epsilon and prev.epsilon <= final_epsilon:
            res.stop_reason = f"tolerance reached {final_epsilon}"
            break
        eps = max(eps, final_epsilon)
        z_old = to_z(prev.particles)
        mean = prev.weights @ z_old
        sd = np.sqrt(2.0 * (prev.weights @ (z_old - mean) ** 2)) + 1e-6
        acc_y, acc_d, sims = [], [], 0
        n_acc = 0
        est = max(prev.acceptance if np.isfinite(prev.epsilon) else quantile, min_acceptance)
        while n_acc < m and sims < cap:
            b = int(np.clip((m - n_acc) / est * 1.1, min(m, 200), min(batch, cap - sims)))
            idx = rng.choice(len(prev.weights), size=b, p=prev.weights)
            y = _truncated_normal(z_old[idx], sd[None, :], rng)
            dist = simulate(to_x(y), rng)
            sims += b
            ok = dist <= eps
            acc_y.append(y[ok])
            acc_d.append(dist[ok])
            n_acc += int(ok.sum())
            est = max(n_acc / sims, min_acceptance / 2)
        if n_acc < m:
            res.stop_reason = (
                f"acceptance below {min_acceptance:.1%} at tolerance {eps:.3g} "
                f"({n_acc} of {m} particles after {sims} simulations); kept the previous population"
            )
            break
        y_new = np.concatenate(acc_y)[:m]
        d_new = np.concatenate(acc_d)[:m]
        logw = log_prior(y_new) - _log_kernel_mix(y_new, z_old, prev.weights, sd)
        w = np.exp(logw - logw.max())
        w /= w.sum()
        gen = Generation(eps, to_x(y_new), w, d_new, sims, n_acc)
        res.generations.append(gen)
        if gen.acceptance < min_acceptance:
            res.stop_reason = f"acceptance {gen.acceptance:.1%} below {min_acceptance:.1%}"
            break
    else:
        res.stop_reason = f"reached the maximum of {generations} generations"
    return res


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF)."""
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    idx = np.searchsorted(cw, np.asarray(q), side="left")
    return x[order][np.minimum(idx, len(x) - 1)]
