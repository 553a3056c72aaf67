"""Global sensitivity analysis: which assumptions drive the main outcomes.

Two methods, both from SALib (Herman & Usher 2017, JOSS 2(9):97):

* **Sobol'** variance decomposition. The design is Saltelli's extension of the Sobol' sequence
  (Saltelli 2002, Comput. Phys. Commun. 145:280; Saltelli et al. 2010, Comput. Phys. Commun.
  181:259) without second-order terms: ``N (D + 2)`` rows for ``D`` parameters. The analysis
  gives the first-order index S1 (share of the outcome's variance due to the parameter alone)
  and the total index ST (share that would vanish if the parameter were known, interactions
  included), each with a bootstrap confidence interval.
* **Morris** elementary effects (Morris 1991, Technometrics 33:161; Campolongo, Cariboni &
  Saltelli 2007, Environ. Model. Softw. 22:1509): ``N (D + 1)`` rows in ``N`` one-at-a-time
  trajectories on a 4-level grid; ``mu_star`` (mean absolute effect, in outcome units per full
  parameter range) ranks the parameters cheaply, ``sigma`` flags non-linearity and interactions.

The generic piece is :func:`analyse_function` (a function of a design matrix, a problem, a
method); :func:`run_sensitivity` wraps the model in such a function and hands it over, so the
test on the Ishigami function exercises the same code path as the model study.

Evaluating the model
--------------------
The whole design is evaluated in a few vectorised calls of
:func:`sim.engines.ensemble.run_ensemble`:
per-run parameter arrays (``Params.build(rows, {name: column})``), ``batch`` design rows per
call, each row run ``reps`` times, and the replicates averaged (the probability of a direct
exchange is the mean of the boolean over the replicates; the days to a first event are
averaged as min(T, τ), a replicate without the event counting τ, the days simulated: the
restricted mean ``days_to_war_restricted_mean``, :mod:`sim.explore.replicates`). The outcomes
analysed are :data:`DEFAULT_OUTCOMES` unless named (any of :data:`OUTCOMES`);
``lull_after_response`` is not offered (:data:`sim.explore.sensitivity_problem.NOT_ANALYSED`).

**Common random numbers.** Replicate ``r`` of *every* design row sees the very same stream of
uniform draws: stream ``r`` of the chunk keyed by ``SeedSequence(seed, spawn_key=(0, 0))``
(``run_ensemble(..., runs=...)``; the draws of a stream are counter-based, :mod:`sim.core.draws`),
so draw ``j`` of day ``t`` means the same thing in every row. The averaged model output is then a
deterministic function of the parameters, ``g(θ) = mean_r f(θ, ω_r)``, and the analysis measures
how *that* function varies. Why it matters: Sobol' and Morris estimators work on differences
between rows that differ in one parameter (``f(A) - f(AB_i)``, Jansen 1999; Saltelli et al.
2010). With independent noise of variance ``σ²`` in every row, each such difference carries
``2σ²`` of pure noise, which the estimator books as effect: every parameter's ST is inflated by
about ``σ² / Var(Y)`` and Morris's ``mu_star`` by the mean absolute noise, so a parameter the
rules never read would look influential. Under common random numbers that noise cancels: a
parameter that cannot affect an outcome gets an index of exactly zero, and the few replicates
only need to smooth ``g`` (the tests check both). The price is that the indices describe
``g`` for these ``reps`` streams; more replicates bring ``g`` closer to the expected outcome
``E[f(θ, ω)]`` (Kleijnen 2008, *Design and Analysis of Simulation Experiments*, ch. 3, on CRN).

Parameters not varied are held at the value the scenario fixes in its ``params:`` (those are
excluded from the design and listed in the output), else at the median of the scenario's
posterior (``posterior: true`` or a file; :func:`sim.experiments.sampling.held_values`), else at
the table's defaults (:data:`sim.core.params.TABLE`). The varied parameters range over the
table's ranges (or narrower bounds given by the user), not over the posterior.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.params import Params
from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.errors import UserError
from sim.experiments.sampling import chunk_seed, held_values
from sim.explore.replicates import run_values
from sim.explore.sensitivity_analysis import (
    _INDEPENDENT_STREAM,
    _stream,
    analyse_function,
    analyse_outputs,
    sample,
)
from sim.explore.sensitivity_problem import (
    DEFAULT_OUTCOMES,
    METHODS,
    MIN_N,
    MORRIS_COLUMNS,
    MORRIS_LEVELS,
    OUTCOMES,
    SOBOL_COLUMNS,
    build_problem,
    check_method,
    design_size,
    load_bounds,
    parse_outcome_list,
    parse_param_list,
    unknown_parameter_error,
)
from sim.explore.sensitivity_report import (
    check_output_dir,
    footnote,
    indices_markdown,
    plot_indices,
    top_parameters,
    write_results,
)
from sim.inputs.scenario import Scenario, load_scenario

__all__ = [
    "DEFAULT_OUTCOMES",
    "METHODS",
    "MIN_N",
    "MORRIS_COLUMNS",
    "MORRIS_LEVELS",
    "OUTCOMES",
    "SOBOL_COLUMNS",
    "analyse_function",
    "analyse_outputs",
    "build_problem",
    "check_method",
    "check_output_dir",
    "design_size",
    "footnote",
    "indices_markdown",
    "load_bounds",
    "model_function",
    "parse_outcome_list",
    "parse_param_list",
    "plot_indices",
    "run_sensitivity",
    "sample",
    "top_parameters",
    "unknown_parameter_error",
    "write_results",
]


def model_function(
    scenario: Scenario,
    policy: str,
    names: Sequence[str],
    seed: int,
    reps: int = 4,
    batch: int = 5000,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    progress: bool = False,
    crn: bool = True,
) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """The model as a vectorised function of a design matrix (columns ``names``).

    Each design row is run ``reps`` times with common random numbers (see the module
    docstring) and the outcomes averaged over the replicates (the days to a first event
    as restricted means, :mod:`sim.explore.replicates`); ``batch`` design rows
    (``batch * reps`` runs) go into each call of :func:`run_ensemble`. ``crn=False`` gives
    every run its own draws instead (a diagnostic that shows what common random numbers
    remove; its results then depend on ``batch``).
    """
    pol = get_policy(policy)
    names = list(names)
    held = held_values(scenario)  # the parameters not varied: scenario, posterior median

    def func(x: np.ndarray) -> dict[str, np.ndarray]:
        from tqdm.auto import tqdm

        rows = len(x)
        out = {k: np.empty(rows) for k in outcomes}
        starts = range(0, rows, batch)
        bar = tqdm(
            starts,
            total=len(starts),
            desc=f"sensitivity ({rows:,} rows × {reps} reps)",
            unit="batch",
            disable=None if progress else True,
            file=sys.stderr,
        )
        for i0 in bar:
            xb = x[i0 : i0 + batch]
            m = len(xb)
            # run j = replicate r of row i, laid out replicate-major: j = r * m + i
            cols = {n: np.tile(xb[:, c], reps) for c, n in enumerate(names)}
            values: dict[str, float | np.ndarray] = {**held, **cols}
            p = Params.build(m * reps, values)
            if crn:  # run j draws the stream of its replicate, whatever its row
                draws = np.random.default_rng(chunk_seed(seed, 0, 0))
                runs = np.repeat(np.arange(reps), m)
            else:
                draws = np.random.default_rng(_stream(seed, _INDEPENDENT_STREAM + i0))
                runs = None
            res = run_ensemble(scenario, pol, p, draws, keep_daily=False, runs=runs)
            for k in outcomes:
                v = run_values(res.outcomes, k, scenario.days)  # min(T, τ) for a restricted mean
                out[k][i0 : i0 + m] = v.reshape(reps, m).mean(axis=0)
        return out

    return func


def run_sensitivity(
    scenario: Scenario | str | Path,
    policy: str,
    method: str,
    n: int,
    seed: int,
    params: list[str] | None = None,
    reps: int = 4,
    batch: int = 5000,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    progress: bool = False,
    num_resamples: int = 100,
) -> pd.DataFrame:
    """Global sensitivity of the main outcomes of a scenario under a policy.

    Parameters
    ----------
    scenario : a Scenario or the path of a scenario file
    policy : registered policy name or import path
    method, n, seed : see :func:`analyse_function`
    params : table names to vary (default: all the scenario does not fix)
    reps : replicate runs per design row, averaged, with common random numbers
    batch : design rows per ensemble call
    bounds : narrower ranges by name (default: the table's)
    outcomes : keys of :data:`OUTCOMES` to analyse (default :data:`DEFAULT_OUTCOMES`)

    Returns
    -------
    The indices (columns as in :func:`analyse_function`; ``outcome`` is a key of
    :data:`OUTCOMES`: a per-run outcome column of :data:`sim.engines.ensemble.OUTCOMES`, or
    the restricted mean of a day of a first event, ``days_to_war_restricted_mean``, the mean
    over the replicates of min(T, τ), τ the days simulated). ``df.attrs`` holds the study's
    description: ``varied``, ``bounds``, ``fixed`` (held at the scenario's value),
    ``constant`` (outcomes with no variance), ``rows``, ``runs``, ``method``, ``n``, ``reps``,
    ``seed``, ``policy``, ``scenario``.
    """
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    check_method(method)
    for k in outcomes:
        if k not in OUTCOMES:
            raise UserError(f"unknown outcome '{k}'; choose from {', '.join(OUTCOMES)}")
    if reps < 1 or batch < 1 or n < 1:
        raise UserError("n, reps and batch must be at least 1")
    get_policy(policy)
    problem, fixed = build_problem(scenario, params, bounds)
    func = model_function(scenario, policy, problem["names"], seed, reps, batch, outcomes, progress)
    x = sample(problem, method, n, seed)
    outputs = func(x)
    df = analyse_outputs(problem, method, x, outputs, seed, num_resamples)
    df.attrs.update(
        {
            "varied": list(problem["names"]),
            "bounds": {
                k: list(b) for k, b in zip(problem["names"], problem["bounds"], strict=True)
            },
            "fixed": fixed,
            "rows": len(x),
            "runs": len(x) * reps,
            "method": method,
            "n": n,
            "reps": reps,
            "seed": seed,
            "policy": policy,
            "scenario": scenario.name,
            "days": scenario.days,
            "start": scenario.start.isoformat(),
            "outcome_means": {k: float(np.mean(v)) for k, v in outputs.items()},
        }
    )
    return df
