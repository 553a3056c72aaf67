"""Generic pieces of the rulebook: decay, events of a daily hazard, overdispersed counts."""

from __future__ import annotations

import math

from sim.core.draws import uniform
from sim.core.jit import njit


@njit
def decay(x: float, keep: float) -> float:
    """One day of exponential decay: ``keep = exp(-1 / days)`` for an e-folding time ``days``
    (precomputed per run, :data:`sim.core.layout.PC`).

    Deterrence and revenge "then decay" (issue text); the Hawkes-model literature finds
    excitation that lasts weeks (Lewis et al. 2012).
    """
    return x * keep


@njit
def occurs(hazard: float, u: float) -> bool:
    """Bernoulli event for a daily hazard: true with probability ``1 - exp(-hazard)``."""
    if hazard <= 0.0 or u >= hazard:  # 1 - exp(-h) <= h: no need for the exponential
        return False
    return u < -math.expm1(-hazard)


@njit
def event(hazard: float, rk, day: int, slot: int) -> bool:
    """:func:`occurs` with the run's draw of ``slot`` today, drawn only if the hazard is
    positive (a draw that is not needed is not made: :mod:`sim.core.draws`)."""
    if hazard <= 0.0:
        return False
    return occurs(hazard, uniform(rk, day, slot))


@njit
def geometric_count(mean: float, u: float) -> int:
    """A count of at least 1 with the given mean, by inverting a geometric CDF at ``u``.

    Casualty counts are overdispersed: most lethal attacks kill one person, a few kill several
    (K-1 2019: one; Camp Taji 2020-03-11: two Americans and a Briton).
    """
    mean = max(mean, 1.0)
    q = 1.0 - 1.0 / mean  # probability of one more
    if q <= 0.0:
        return 1
    return 1 + math.floor(math.log1p(-u) / math.log(q))
