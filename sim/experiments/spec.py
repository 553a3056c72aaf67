"""What defines an experiment: scenario, policies, runs, seed, chunk size, engine.

An experiment's numbers depend on :class:`Experiment` and nothing else: its runs are split into
fixed-size chunks (:meth:`Experiment.chunk_span`), chunk ``c`` draws from
:func:`sim.experiments.sampling.chunk_rngs` ``(seed, c)``, so the chunk size is part of the
definition and the number of workers or the executor is not. :meth:`Experiment.state` is what
``--resume`` checks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sim import __version__
from sim.core.policies import get_policy
from sim.errors import UserError
from sim.experiments.sampling import posterior_sha256
from sim.inputs.scenario import Scenario

#: Runs per chunk unless the experiment says otherwise.
DEFAULT_CHUNK_SIZE = 2000
#: Above this many runs per policy, ``--keep-daily`` is refused (the series would not fit).
MAX_KEEP_DAILY_RUNS = 5000
ENGINES: tuple[str, ...] = ("ensemble", "mesa")


class ExperimentError(UserError):
    """An experiment that cannot run as asked (bad settings, unreachable cluster, dead workers)."""


# --- the experiment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """What defines an experiment's numbers (and nothing else).

    Parameters
    ----------
    scenario : the validated scenario
    policies : policy names, in output order
    runs : runs per policy
    seed : experiment seed (:func:`sim.experiments.sampling.chunk_rngs`)
    chunk_size : runs per chunk; part of the definition (the draws of a run depend on it)
    engine : ``"ensemble"`` (:func:`sim.engines.ensemble.run_ensemble`) or ``"mesa"``
        (:func:`sim.engines.mesa.model.run_mesa`)
    keep_daily : also keep every run's daily series
    scenario_path : the file the scenario came from (for the manifest)
    """

    scenario: Scenario
    policies: tuple[str, ...]
    runs: int
    seed: int
    chunk_size: int = DEFAULT_CHUNK_SIZE
    engine: str = "ensemble"
    keep_daily: bool = False
    scenario_path: str | None = None

    def validate(self) -> None:
        """Raise :class:`ExperimentError` for settings that cannot run."""
        if self.runs < 1:
            raise ExperimentError(f"--runs must be at least 1, got {self.runs}")
        if self.chunk_size < 1:
            raise ExperimentError(f"--chunk-size must be at least 1, got {self.chunk_size}")
        if self.seed < 0:
            raise ExperimentError(f"--seed must be 0 or more, got {self.seed}")
        if self.engine not in ENGINES:
            raise ExperimentError(
                f"--engine: unknown engine '{self.engine}' (known: ensemble, mesa)"
            )
        if not self.policies:
            raise ExperimentError("no policy to run")
        if len(set(self.policies)) != len(self.policies):
            raise ExperimentError(
                f"--policies: a policy is listed twice ({', '.join(self.policies)})"
            )
        for name in self.policies:
            get_policy(name)  # PolicyError (a UserError) names the unknown policy
        if self.keep_daily and self.runs > MAX_KEEP_DAILY_RUNS:
            raise ExperimentError(
                f"--keep-daily keeps every run's daily series and is limited to "
                f"{MAX_KEEP_DAILY_RUNS:,} runs per policy (asked for {self.runs:,}); the daily "
                "quantiles (daily_quantiles.parquet) are kept for any number of runs"
            )

    @property
    def n_chunks(self) -> int:
        """Chunks per policy."""
        return -(-self.runs // self.chunk_size)

    def chunk_span(self, chunk: int) -> tuple[int, int]:
        """``(first run index, number of runs)`` of a chunk."""
        start = chunk * self.chunk_size
        return start, min(self.chunk_size, self.runs - start)

    def scenario_digest(self) -> str:
        """SHA-256 of the scenario's fields that change results (:meth:`Scenario.digest`)."""
        return self.scenario.digest()

    def state(self) -> dict[str, Any]:
        """Everything that fixes the numbers; ``--resume`` requires it to match exactly."""
        return {
            "scenario_sha256": self.scenario_digest(),
            "seed": self.seed,
            "runs": self.runs,
            "chunk_size": self.chunk_size,
            "policies": list(self.policies),
            "engine": self.engine,
            "keep_daily": self.keep_daily,
            "package_version": __version__,
            "posterior_sha256": posterior_sha256(self.scenario),
        }

    def token(self) -> str:
        """A short hash of :meth:`state` (names the experiment's Dask tasks)."""
        blob = json.dumps(self.state(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
