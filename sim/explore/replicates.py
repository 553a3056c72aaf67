"""One value per world (explore) or design row (sensitivity) from its replicated runs.

``explore`` and ``sensitivity`` run every world or parameter set several times and keep one
number per outcome. For a count the number is the mean over the replications, for a yes/no
outcome the share of them; neither may be NaN. Two kinds of engine outcome need more care, and
are summarised as ``compare`` summarises them (:mod:`sim.analysis.outcomes`):

* **The days to a first event** (:data:`sim.core.layout.DAY_OUTCOMES`: the first US death,
  the first direct Iranian strike, the war, the withdrawal) are NaN in a run without the
  event: censored at the horizon τ, the number of simulated days. Averaging the runs with the
  event would drop the runs without it (a policy that delays the war past the horizon would
  look as if it brought it on sooner), so what is kept is the **restricted mean**: the mean
  over the replications of min(T, τ), a run without the event counting τ (Royston & Parmar
  2013; :func:`sim.core.outcomes.restricted_days`). Its name says so:
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

from sim.core import outcomes

#: Suffix of the restricted mean of a day-of-first-event outcome.
RESTRICTED = outcomes.RESTRICTED
#: Restricted-mean outcome → the engine's day-of-first-event column it summarises
#: (:data:`sim.core.outcomes.RESTRICTED_MEANS`).
RESTRICTED_MEANS: dict[str, str] = {
    name: name.removesuffix(RESTRICTED) for name in outcomes.RESTRICTED_MEANS
}
#: Outcomes averaged over the replications where they are defined only (NaN where none is):
#: the averages of :mod:`sim.core.outcomes`.
CONDITIONAL: tuple[str, ...] = outcomes.of_kind(outcomes.AVERAGE)


def restricted_description(name: str) -> str:
    """What a restricted-mean outcome is, in words."""
    return outcomes.RESTRICTED_MEANS[name].description


def run_values(runs: Mapping[str, np.ndarray], name: str, horizon: int) -> np.ndarray:
    """Per-run values (float) of outcome ``name``: an engine column, a derived share (0/1)
    or, for a restricted mean, min(T, τ) with τ = ``horizon`` (:func:`sim.core.outcomes.get`)."""
    return np.asarray(outcomes.get(name).values(runs, horizon), dtype=float)


def replicate_mean(values: np.ndarray, name: str, axis: int) -> np.ndarray:
    """Mean over the replications (``axis`` of ``values``); for a :data:`CONDITIONAL`
    outcome over the replications where it is defined, NaN where none is."""
    if name not in CONDITIONAL:
        return values.mean(axis=axis)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "mean of empty slice": NaN, wanted
        return np.nanmean(values, axis=axis)
