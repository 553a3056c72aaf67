"""The model as a function of its parameters: ``f(policy, runs, seed, **params) -> outcomes``.

For tools that treat a model as a function (the EMA Workbench,
:func:`sim.explore.ema.ema_model`; optimisers; a notebook's own sweeps). One call runs
``runs`` runs of a scenario (default ``baseline``) under one policy with the given parameters
fixed in every run and returns the mean of each outcome (``return_runs=True``: every run's values).

**Parameters not given** are held where :mod:`sim.explore.sensitivity` holds them
(:func:`sim.experiments.sampling.held_values`): the scenario's ``params``, else the median of
its posterior, else the table's default. They are not drawn run by run, so the function is a
function of the parameters it is given: only the random draws of the day differ between runs.

**Common random numbers.** Run ``k`` of every call with the same ``seed`` draws stream ``k`` of
chunk 0 of that seed (``SeedSequence(seed, spawn_key=(0, 0))``, the stream of run ``k`` of
``escalation run --seed SEED``; the draws are counter-based, :mod:`sim.core.draws`), whatever
the parameters and the policy. Two calls that differ in one parameter value therefore give
paired runs, and the difference of their means carries no sampling noise from draws that the
parameter does not touch; a parameter the rules do not read gives exactly the same numbers.
A different ``seed`` gives independent runs.

The outcomes, keyed by the names of :mod:`sim.core.outcomes`: every count and share the engine
tallies or derives, the days to a first event as restricted means
(``days_to_war_restricted_mean``: the mean of min(T, τ), a run without the event counting τ,
the days simulated), and ``lull_after_response`` averaged over the runs where the US struck
(NaN if none did).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core import outcomes as declared
from sim.core.params import Params, check_value
from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.experiments.sampling import chunk_rngs, held_values
from sim.explore.replicates import replicate_mean, run_values
from sim.inputs.scenario import Scenario

#: The outcomes a call returns, in declaration order (module docstring).
FUNCTION_OUTCOMES: tuple[str, ...] = tuple(
    f"{o.name}{declared.RESTRICTED}" if o.kind == declared.TIME_TO_EVENT else o.name
    for o in declared.DECLARED
)


def model_function(
    policy: str = "do_nothing",
    runs: int = 100,
    seed: int = 1,
    *,
    scenario: Scenario,
    return_runs: bool = False,
    **params: float,
) -> dict[str, Any]:
    """Run the model once per run with ``params`` fixed; return each outcome's mean.

    Parameters
    ----------
    policy : a policy name (``escalation policies``)
    runs : the number of runs averaged
    seed : run ``k`` of every call with this seed sees the same draws (module docstring)
    scenario : the scenario (period, shocks, initial state, held parameters)
    return_runs : return every run's values (arrays of length ``runs``) instead of the means
    **params : parameters of the table, fixed in every run

    Returns
    -------
    ``{outcome: mean}`` (floats) or, with ``return_runs``, ``{outcome: array}``, keyed by
    :data:`FUNCTION_OUTCOMES`.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    for name, value in params.items():
        check_value(name, value)
    values: dict[str, float | np.ndarray] = {**held_values(scenario)}
    values.update({k: float(v) for k, v in params.items()})
    draws, _ = chunk_rngs(seed, 0)
    res = run_ensemble(scenario, get_policy(policy), Params.build(runs, values), draws,
                       keep_daily=False)  # fmt: skip
    per_run = {k: run_values(res.outcomes, k, scenario.days) for k in FUNCTION_OUTCOMES}
    if return_runs:
        return per_run
    return {k: float(replicate_mean(v, k, axis=0)) for k, v in per_run.items()}


__all__ = ["FUNCTION_OUTCOMES", "model_function"]
