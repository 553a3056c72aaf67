"""The ensemble engine: the day of :mod:`sim.core.day` run over N runs, compiled.

Each run is one row of a matrix (state, the day's events, outcomes, parameters:
:mod:`sim.core.layout`). With a built-in policy the whole horizon runs in one compiled call
(:func:`sim.core.kernels.run_days`), in parallel over runs; with a user's Python policy
(``module:Class``) each day runs compiled up to the US decision, the policy decides for all runs
in Python, and the rest of the day runs compiled again. An ``observe`` callback gets each day's
events and state the same way.

Parameters may differ per run (:class:`sim.core.params.Params` of length N, one draw per run).
Draws come from a counter-based generator keyed by the given ``numpy.random.Generator``
(:mod:`sim.core.draws`), so the same generator gives the same draws under every policy (common
random numbers) and the same numbers on any number of threads.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

from sim.core import draws
from sim.core.jit import announce_compile
from sim.core.kernels import days as run_days
from sim.core.kernels import run_after_decision, run_keys, run_until_decision, threads, uniforms
from sim.core.layout import (
    BOOL_OUTCOMES,
    DAILY,
    DAY_OUTCOMES,
    FLOAT_OUTCOMES,
    OUTCOMES,
    forcing_matrix,
    new_rows,
    shock_matrix,
)
from sim.core.params import Params
from sim.core.policies import Policy, compiled_code, python_decide, run_day_name
from sim.core.state import DayEvents, Result, State, Tally, initial_rows, outcomes_from_rows
from sim.inputs.scenario import Scenario

__all__ = ["BOOL_OUTCOMES", "DAILY", "DAY_OUTCOMES", "FLOAT_OUTCOMES", "OUTCOMES", "DayEvents",
           "Result", "State", "Tally", "run_ensemble"]  # fmt: skip


def run_ensemble(
    scenario: Scenario,
    policy: Policy,
    params: Params,
    rng: np.random.Generator,
    keep_daily: bool = True,
    forced_us: np.ndarray | None = None,
    state: State | None = None,
    forced_iran: np.ndarray | None = None,
    forced_vote: np.ndarray | None = None,
    forced_truce: np.ndarray | None = None,
    observe: Callable[[int, DayEvents, State], None] | None = None,
    tally: bool = True,
    runs: np.ndarray | None = None,
) -> Result:
    """Simulate ``params.n`` runs of ``scenario`` under ``policy``.

    Parameters
    ----------
    rng : the generator of the chunk key (one draw); give every policy a generator seeded alike
        for common random numbers
    forced_us : optional ``(days,)`` or ``(days, N)`` US action codes that replace the policy
        (replay of the record); the US presence stays as it is on a forced day
    state : optional initial state (for branching from a reconstructed history); it is
        updated in place
    forced_iran, forced_vote : optional ``(days,)`` or ``(days, N)`` booleans that replace
        Iran's direct-strike rule and the expulsion-vote rule (replay of the record)
    forced_truce : optional ``(days,)`` or ``(days, N)`` bitmasks of the groups in truce (bit
        ``g`` for group ``g``) that replace the truce rules (replay of the record)
    observe : optional callback ``observe(t, events, state)`` after each day (the replay's
        daily trace)
    tally : whether to return the per-run outcomes (the calibration needs only its trace);
        without it the result's outcomes are empty
    runs : optional index of each run's draw stream in the chunk (default ``0 .. N - 1``): runs
        with the same index see the same draws (common random numbers across design rows),
        and run ``k`` draws what a Mesa model of run ``k`` with the same key draws
    """
    announce_compile()
    n, days = params.n, scenario.days
    rows = new_rows(params)
    if state is None:
        initial_rows(rows, scenario.initial)
    else:
        state.to_rows(rows)
    X = shock_matrix(scenario.shock_arrays(), days)
    F = forcing_matrix(days, n, forced_us, forced_iran, forced_vote, forced_truce)
    L = np.zeros((len(DAILY), days if keep_daily and tally else 0, n), dtype=np.int32)
    idx = np.arange(n) if runs is None else np.asarray(runs, dtype=np.int64)
    keys = run_keys(draws.chunk_key(rng), idx)
    code = compiled_code(policy)
    if code >= 0 and observe is None:
        run_days(0, days, code, rows, X, F, L, keys)
    else:
        seen = state if state is not None else State.from_rows(rows)
        for t in range(days):
            if code >= 0:
                run_days(t, t + 1, code, rows, X, F, L, keys)
            else:
                numba.set_num_threads(threads())
                run_until_decision(t, rows, X, F, L, keys)
                u = uniforms(keys, t, draws.US_POLICY)
                python_decide(policy, rows, params, u, run_day_name(scenario.start, t))
                run_after_decision(t, rows, X, F, L, keys)
            if observe is not None:
                seen.update_from(rows)
                observe(t, DayEvents.from_rows(rows), seen)
    if state is not None:
        state.update_from(rows)
    if not tally:
        return Result({}, None)
    return Result(outcomes_from_rows(rows), Tally(rows, L).daily)
