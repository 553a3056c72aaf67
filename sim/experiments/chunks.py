"""One chunk of one policy: the unit of work that workers compute and the store keeps.

A chunk's generators come from :func:`sim.experiments.sampling.chunk_rngs` ``(seed, chunk)``
whatever the policy (common random numbers). :class:`Aggregate` merges chunks in any order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.core import outcomes as declared
from sim.core.policies import get_policy
from sim.engines.ensemble import OUTCOMES, run_ensemble
from sim.experiments.histogram import DailyHistogram
from sim.experiments.sampling import build_params, chunk_rngs
from sim.experiments.spec import Experiment
from sim.inputs.scenario import Scenario

#: Compact dtypes of the outcome columns (:attr:`sim.core.outcomes.Outcome.dtype`: counts fit
#: int32; days < 2**24 are exact in float32, NaN where the event never happened; averages keep
#: float64).
OUTCOME_DTYPES: dict[str, str] = {k: declared.OUTCOMES[k].dtype for k in OUTCOMES}


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of one policy: what a worker needs to compute it."""

    scenario: Scenario
    policy: str
    chunk: int
    start: int
    n: int
    seed: int
    engine: str
    keep_daily: bool


@dataclass
class ChunkResult:
    """A computed chunk: per-run outcomes, per-day histograms, and daily series if kept."""

    policy: str
    chunk: int
    outcomes: pd.DataFrame
    hist: DailyHistogram
    daily: dict[str, np.ndarray] | None = None


def outcome_frame(
    policy: str, chunk: int, start: int, outcomes: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Per-run outcomes as a compact table: ``policy``, ``run`` (global index), ``chunk``, then
    every :data:`sim.engines.ensemble.OUTCOMES` column in :data:`OUTCOME_DTYPES`."""
    n = len(outcomes["attacks_total"])
    cols: dict[str, Any] = {
        "policy": np.full(n, policy, dtype=object),
        "run": np.arange(start, start + n, dtype=np.int64),
        "chunk": np.full(n, chunk, dtype=np.int32),
    }
    for k, dtype in OUTCOME_DTYPES.items():
        v = np.asarray(outcomes[k])
        if dtype == "int32" and len(v) and np.abs(v).max() > np.iinfo(np.int32).max:
            raise OverflowError(f"outcome {k} does not fit int32")  # pragma: no cover
        cols[k] = v.astype(dtype)
    return pd.DataFrame(cols)


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Compute one chunk (runs in a worker process, a Dask worker, or in-process).

    The chunk's generators come from :func:`sim.experiments.sampling.chunk_rngs`
    ``(seed, chunk)`` whatever the policy: common random numbers.
    """
    draws_rng, params_rng = chunk_rngs(task.seed, task.chunk)
    params = build_params(task.scenario, task.n, params_rng)
    policy = get_policy(task.policy)
    if task.engine == "mesa":
        from sim.engines.mesa.model import run_mesa

        res = run_mesa(task.scenario, policy, params, draws_rng, keep_daily=True)
    else:
        res = run_ensemble(task.scenario, policy, params, draws_rng, keep_daily=True)
    hist = DailyHistogram(task.scenario.days)
    hist.add(res.daily)
    daily = None
    if task.keep_daily:
        daily = {k: _compact_daily(v) for k, v in res.daily.items()}
    return ChunkResult(
        task.policy,
        task.chunk,
        outcome_frame(task.policy, task.chunk, task.start, res.outcomes),
        hist,
        daily,
    )


def _compact_daily(a: np.ndarray) -> np.ndarray:
    """A daily series in the smallest integer type that holds it exactly."""
    hi = int(a.max()) if a.size else 0
    lo = int(a.min()) if a.size else 0
    for dtype in (np.int8, np.int16, np.int32):
        if np.iinfo(dtype).min <= lo and hi <= np.iinfo(dtype).max:
            return a.astype(dtype)
    return a  # pragma: no cover


# --- aggregation ------------------------------------------------------------------------------


class Aggregate:
    """Streaming totals of an experiment: merged histograms and the compact outcome table."""

    def __init__(self, exp: Experiment) -> None:
        self.exp = exp
        self.hist = {p: DailyHistogram(exp.scenario.days) for p in exp.policies}
        self._outcomes: dict[tuple[int, int], pd.DataFrame] = {}
        self.daily: dict[tuple[str, int], dict[str, np.ndarray]] = {}

    def add(
        self,
        policy: str,
        chunk: int,
        outcomes: pd.DataFrame,
        hist: DailyHistogram,
        daily: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Add one chunk (in any order)."""
        merged = self.hist[policy].merge(hist)
        if isinstance(merged, DailyHistogram):
            self.hist[policy] = merged
        df = outcomes.copy()
        df["policy"] = pd.Categorical(df["policy"].astype(str), categories=list(self.exp.policies))
        self._outcomes[(self.exp.policies.index(policy), chunk)] = df
        if daily is not None:
            self.daily[(policy, chunk)] = daily

    def outcomes(self) -> pd.DataFrame:
        """Every run's outcomes, ordered by policy (experiment order) then run."""
        keys = sorted(self._outcomes)
        df = pd.concat([self._outcomes[k] for k in keys], ignore_index=True)
        return df

    def quantiles(self) -> dict[str, pd.DataFrame]:
        """Per-day quantiles of each policy
        (:meth:`sim.experiments.histogram.DailyHistogram.quantiles`)."""
        return {p: self.hist[p].quantiles() for p in self.exp.policies}

    def daily_series(self, policy: str) -> dict[str, np.ndarray]:
        """Daily series of every run of a policy, shape (days, runs) (``keep_daily`` only)."""
        parts = [self.daily[(policy, c)] for c in range(self.exp.n_chunks)]
        return {k: np.concatenate([d[k] for d in parts], axis=1) for k in parts[0]}
