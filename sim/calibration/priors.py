"""Priors of the calibrated parameters, and the map from the sampler's particles to table names.

Every prior is a scaled Beta on the parameter's range in the table (:mod:`sim.core.params`)
with its mode at the table default; the weak ones have concentration
``SETTINGS.weak_concentration``; two are informative (Lewis et al. 2012, *Security Journal*).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.calibration.abc import BetaPrior
from sim.calibration.settings import SETTINGS
from sim.core.params import GROUPS, TABLE

WEAK = SETTINGS.weak_concentration


def _prior(name: str, kappa: float, source: str) -> BetaPrior:
    p = TABLE[name]
    return BetaPrior(name, p.low, p.high, p.default, kappa, source)


WEAK_SOURCE = f"weak (Beta, a + b = {WEAK:g}), mode at the table default"

#: Pseudo-parameter: a common multiplier of the four groups' background rates (the record
#: counts attacks, rarely by group, so it can inform the total but not the split).
BASE_RATE_SCALE = "base_rate_scale"

#: Mode of the prior of ``rate_noise_sd`` (log-hazard units): the table's default is 0, the
#: latent log-rate switched off outside a calibration that fits it.
RATE_NOISE_SD_MODE = 0.5

#: Priors of the parameters fitted by ABC-SMC (scaled Beta, mode at the table default).
ABC_PRIORS: tuple[BetaPrior, ...] = (
    BetaPrior(BASE_RATE_SCALE, 0.1, 4.0, 1.0, WEAK,
              "weak, mode 1 (the table's background rates, sum 0.067 attacks/day)"),
    _prior("self_excitation", SETTINGS.self_excitation_concentration,
           "informative: Lewis et al. 2012 (Security Journal), self-excitation explains 37-50% of "
           "violent events in Iraq 2003-07, i.e. a branching ratio of about 0.4"),
    _prior("excitation_days", SETTINGS.excitation_days_concentration,
           "informative: Lewis et al. 2012, excitation lasts 2-6 weeks (mode 21 days)"),
    _prior("revenge_attacks", WEAK, WEAK_SOURCE),
    _prior("revenge_satisfaction", WEAK, WEAK_SOURCE),
    _prior("deterrence_strength", WEAK, WEAK_SOURCE),
    _prior("deterrence_days", WEAK, WEAK_SOURCE),
    _prior("iran_direction", WEAK, WEAK_SOURCE),
    _prior("iran_strike_rate", WEAK, WEAK_SOURCE),
    _prior("p_injury", WEAK, WEAK_SOURCE),
    _prior("p_lethal", WEAK, WEAK_SOURCE),
    _prior("sovereignty_cost_decapitation", WEAK, WEAK_SOURCE),
    _prior("vote_threshold", WEAK, WEAK_SOURCE),
    _prior("expulsion_campaign", WEAK, WEAK_SOURCE),
    _prior("iran_strike_threshold", WEAK, WEAK_SOURCE),
    _prior("patron_restraint", WEAK,
           f"{WEAK_SOURCE}; the record's lull of February - April 2024 (no attack in Iraq or "
           "Syria from about 5 February to 21 April, after Tower 22 and the strikes of 2 and "
           "7 February) informs it once visible"),
)  # fmt: skip

#: Priors of the militias' shared latent log-rate (:func:`sim.core.rules.militia.rate_factor`),
#: fitted by the calibration on monthly targets only (:data:`MONTHLY_PRIORS`): the five
#: articles' calibration and its shipped posterior keep the process off (the table's default).
RATE_PRIORS: tuple[BetaPrior, ...] = (
    BetaPrior("rate_noise_sd", TABLE["rate_noise_sd"].low, TABLE["rate_noise_sd"].high,
              RATE_NOISE_SD_MODE, WEAK,
              f"weak (Beta, a + b = {WEAK:g}), mode {RATE_NOISE_SD_MODE:g}, not the table's "
              "default of 0 (the process off): judgement, a monthly count over-dispersed as a "
              "negative binomial of dispersion about 0.3 (exp(0.5^2) - 1), the prior's median "
              "about 0.7 (dispersion 0.6), 90% interval 0.12-1.53; no published figure for these "
              "attacks"),
    _prior("rate_noise_days", WEAK, WEAK_SOURCE),
)  # fmt: skip

#: The priors the calibration on monthly targets may fit
#: (:attr:`sim.calibration.settings.MonthlyCalibrationSettings.fitted` names some of them).
MONTHLY_PRIORS: tuple[BetaPrior, ...] = (*ABC_PRIORS, *RATE_PRIORS)

#: Priors of the parameters with an exact likelihood.
EXACT_PRIORS: tuple[BetaPrior, ...] = (
    _prior("response_delay", WEAK, WEAK_SOURCE),
    _prior("killed_mean", WEAK, WEAK_SOURCE),
    _prior("wounded_mean", WEAK, WEAK_SOURCE),
)


def fitted_names() -> list[str]:
    """Table names that the posterior file carries (the base-rate scale as four columns)."""
    names = []
    for p in (*ABC_PRIORS, *EXACT_PRIORS):
        if p.name == BASE_RATE_SCALE:
            names += [f"base_rate.{g}" for g in GROUPS]
        else:
            names.append(p.name)
    return names


def table_values(
    theta: np.ndarray,
    exact: dict[str, np.ndarray],
    priors: Sequence[BetaPrior] = ABC_PRIORS,
) -> dict[str, np.ndarray]:
    """Table-named parameter arrays from particles ``theta`` (N, len(priors)) of ``priors``
    (default: :data:`ABC_PRIORS`) and exact-posterior draws (the base-rate scale multiplies
    each group's table default)."""
    vals: dict[str, np.ndarray] = dict(exact)
    for j, p in enumerate(priors):
        if p.name == BASE_RATE_SCALE:
            for g in GROUPS:
                vals[f"base_rate.{g}"] = theta[:, j] * TABLE[f"base_rate.{g}"].default
        else:
            vals[p.name] = theta[:, j]
    return vals
