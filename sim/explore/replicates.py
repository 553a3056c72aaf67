"""One value per world (explore) or design row (sensitivity) from its replicated runs.

``explore`` and ``sensitivity`` run every world or parameter set several times and keep one
number per outcome. For a count the number is the mean over the replications, for a yes/no
outcome the share of them; neither may be NaN. Two kinds of engine outcome need more care, and
are summarised as ``compare`` summarises them (:mod:`sim.analysis.outcomes`):

* **The days to a first event** (:data:`sim.engines.ensemble.DAY_OUTCOMES`: the first US death,
  the first direct Iranian strike, the war, the withdrawal) are NaN in a run without the
  event: censored at the horizon τ, the number of simulated days. Averaging the runs with the
  event would drop the runs without it (a policy that delays the war past the horizon would
  look as if it brought it on sooner), so what is kept is the **restricted mean**: the mean
  over the replications of min(T, τ), a run without the event counting τ (Royston & Parmar
  2013; :func:`sim.analysis.stats.restricted_days`). Its name says so:
  ``days_to_war_restricted_mean``; it lies in [0, τ], and more is later. Its difference
  between two policies is the paired difference ``compare`` reports for ``days_to_war``. (The
  probability of the event by the horizon is already kept: ``war``, ``withdrawal``,
  ``any_us_death``, and for the Iranian strike ``iran_strikes`` > 0, ``any_iran_strike``.)
* **The lull after US strikes** (``lull_after_response``) is defined only in runs where the US
  struck: the mean over the replications where it is defined, NaN where none struck (always
  under doing nothing); how often it is defined is ``any_us_strike``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from sim.analysis.stats import restricted_days
from sim.engines.ensemble import DAY_OUTCOMES

#: Suffix of the restricted mean of a day-of-first-event outcome.
RESTRICTED = "_restricted_mean"
#: Restricted-mean outcome → the engine's day-of-first-event column it summarises.
RESTRICTED_MEANS: dict[str, str] = {f"{d}{RESTRICTED}": d for d in DAY_OUTCOMES}
#: Shares of runs derived from an engine count: outcome → the count tested for > 0.
DERIVED_SHARES: dict[str, str] = {
    "any_us_death": "us_killed",
    "any_us_strike": "us_strikes",
    "any_iran_strike": "iran_strikes",
}
#: Outcomes averaged over the replications where they are defined only (NaN where none is).
CONDITIONAL: tuple[str, ...] = ("lull_after_response",)

_EVENT = {
    "first_death_day": "the first US death",
    "days_to_iran_strike": "the first direct Iranian strike on US forces",
    "days_to_war": "the US–Iran war",
    "days_to_withdrawal": "the US withdrawal from Iraq",
}


def restricted_description(name: str) -> str:
    """What a restricted-mean outcome is, in words."""
    event = _EVENT.get(RESTRICTED_MEANS[name], RESTRICTED_MEANS[name])
    return (
        f"restricted mean days to {event}: mean over the runs of min(day, τ), τ = the days "
        "simulated, a run without it counting τ (censored); in [0, τ], more is later"
    )


def run_values(outcomes: Mapping[str, np.ndarray], name: str, horizon: int) -> np.ndarray:
    """Per-run values (float) of outcome ``name``: an engine column, a derived share (0/1)
    or, for a restricted mean, min(T, τ) with τ = ``horizon``."""
    if name in RESTRICTED_MEANS:
        return restricted_days(outcomes[RESTRICTED_MEANS[name]], horizon)
    if name in DERIVED_SHARES:
        return (np.asarray(outcomes[DERIVED_SHARES[name]]) > 0).astype(float)
    return np.asarray(outcomes[name], dtype=float)


def replicate_mean(values: np.ndarray, name: str, axis: int) -> np.ndarray:
    """Mean over the replications (``axis`` of ``values``); for a :data:`CONDITIONAL`
    outcome over the replications where it is defined, NaN where none is."""
    if name not in CONDITIONAL:
        return values.mean(axis=axis)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "mean of empty slice": NaN, wanted
        return np.nanmean(values, axis=axis)
