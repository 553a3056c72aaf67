"""Running an exploration: every world × policy × replication on common random numbers.

An :class:`Exploration` is a scenario, policies, a number of worlds (:mod:`sim.explore.worlds`),
replications per world, a seed and the worlds per chunk. Chunk ``c`` holds worlds
``[c m, (c + 1) m)``; it is one call of :func:`sim.engines.ensemble.run_ensemble` per policy
with ``m × R`` runs (run ``i R + r`` is replication ``r`` of world ``i``: one parameter set per
run, so one call evaluates many worlds). Its uniform draws come from
``SeedSequence(seed, spawn_key=(c, 0))`` whatever the policy, and the rulebook uses draws in
fixed slots, so replication ``r`` of world ``w`` sees the very same draws under every policy
(common random numbers, DESIGN.md "Reproducibility"): policy differences within a world are
paired. Like ``compare``, the numbers depend on the chunk size (recorded in the manifest), not
on the number of workers or the executor; chunks go through the pipeline every chunked run
shares (:mod:`sim.experiments.pipeline`), so the progress bar, ``--resume``, Ctrl-C and
``--dask-scheduler`` work as they do for ``compare``.

What is kept per world and policy is the mean of each outcome over the replications (for
yes/no outcomes, the share of runs; for the days to a first event, the restricted mean over the
horizon; for the lull after US strikes, the mean over the replications where the US struck:
:mod:`sim.explore.replicates`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.core import outcomes as declared
from sim.core.params import Params
from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.experiments.pipeline import ChunkedJob, Invocation, run_chunked
from sim.experiments.provenance import base_manifest, file_sha256
from sim.experiments.sampling import chunk_seed
from sim.experiments.spec import ExperimentError, posterior_sha256
from sim.experiments.store import ChunkStore, write_parquet_atomic
from sim.explore.replicates import (
    CONDITIONAL,
    RESTRICTED_MEANS,
    replicate_mean,
    restricted_description,
    run_values,
)
from sim.explore.worlds import WorldSpec, parameter_columns, sample_worlds, world_spec
from sim.inputs.files import FileProblem, check_regular
from sim.inputs.scenario import Scenario

#: Outcomes kept per world and policy (tag ``explore`` of :mod:`sim.core.outcomes`, summarised
#: by :mod:`sim.explore.replicates`): the engine's counts and yes/no outcomes (means over
#: replications; yes/no outcomes become shares of runs), the shares of runs derived from a
#: count (an American killed, the US struck, Iran struck); the days to a first event as
#: restricted means over the horizon (censored runs counting the horizon, not dropped); the
#: averages over the replications in which they are defined (the lull after US strikes, NaN in
#: a world where the US never struck).
EXPLORE_OUTCOMES: dict[str, str] = {
    **{
        o.name: o.description
        for o in declared.tagged("explore")
        if o.engine and o.kind in (declared.COUNT, declared.SHARE)
    },
    **{
        o.name: f"share of runs in which {o.description}"
        for o in declared.tagged("explore")
        if not o.engine and o.kind == declared.SHARE
    },
    **{k: restricted_description(k) for k in RESTRICTED_MEANS},
    **{
        o.name: f"{o.description}; averaged over the runs in which it is defined, NaN in a "
        "world where it never is"
        for o in declared.tagged("explore")
        if o.kind == declared.AVERAGE
    },
}
#: Outcomes that may be NaN in a world (not defined in every world): not for regret or ranks.
UNDEFINED_IN_SOME_WORLDS: tuple[str, ...] = CONDITIONAL
#: Runs per ensemble call the default chunk aims at (worlds per chunk = this // replications).
TARGET_CHUNK_RUNS = 5000


@dataclass(frozen=True)
class Exploration:
    """What defines an exploration's numbers.

    Parameters
    ----------
    scenario : the validated scenario
    policies : policy names, in output order
    worlds : number of sampled worlds
    replications : runs per world and policy
    seed : the seed of the design, the posterior rows and the draws
    sampler : ``"lhs"`` or ``"sobol"`` (:func:`sim.explore.worlds.sample_worlds`)
    bounds : a bounds file's choices (:func:`sim.explore.worlds.load_world_bounds`)
    chunk_worlds : worlds per chunk (default: about :data:`TARGET_CHUNK_RUNS` runs per chunk)
    scenario_path : the file the scenario came from (for the manifest)
    """

    scenario: Scenario
    policies: tuple[str, ...]
    worlds: int
    replications: int
    seed: int
    sampler: str = "lhs"
    bounds: dict[str, Any] | None = None
    chunk_worlds: int | None = None
    scenario_path: str | None = None

    def validate(self) -> None:
        """Raise a :class:`sim.errors.UserError` for settings that cannot run."""
        for what, v in (("--worlds", self.worlds), ("--replications", self.replications)):
            if v < 1:
                raise ExperimentError(f"{what} must be at least 1, got {v}")
        if self.seed < 0:
            raise ExperimentError(f"--seed must be 0 or more, got {self.seed}")
        if self.chunk_worlds is not None and self.chunk_worlds < 1:
            raise ExperimentError(f"--chunk-worlds must be at least 1, got {self.chunk_worlds}")
        if not self.policies:
            raise ExperimentError("no policy to run")
        if len(set(self.policies)) != len(self.policies):
            raise ExperimentError(f"--policies: a policy is listed twice ({self.policies})")
        for name in self.policies:
            get_policy(name)
        _ = self.spec  # refuses an impossible world specification

    @cached_property
    def spec(self) -> WorldSpec:
        """How each parameter is set across worlds."""
        return world_spec(self.scenario, self.bounds)

    @property
    def m(self) -> int:
        """Worlds per chunk."""
        if self.chunk_worlds is not None:
            return self.chunk_worlds
        return max(1, TARGET_CHUNK_RUNS // self.replications)

    @property
    def n_chunks(self) -> int:
        """Chunks per policy."""
        return -(-self.worlds // self.m)

    def chunk_span(self, chunk: int) -> tuple[int, int]:
        """``(first world, number of worlds)`` of a chunk."""
        s = chunk * self.m
        return s, min(self.m, self.worlds - s)

    def state(self) -> dict[str, Any]:
        """Everything that fixes the numbers; ``--resume`` requires it to match exactly."""
        return {
            "kind": "explore",
            "scenario_sha256": self.scenario.digest(),  # the fields that change results
            "seed": self.seed,
            "worlds": self.worlds,
            "replications": self.replications,
            "chunk_worlds": self.m,
            "sampler": self.sampler,
            "world_spec": self.spec.digest(),
            "policies": list(self.policies),
            "package_version": __version__,
            "posterior_sha256": (
                posterior_sha256(self.scenario) if self.spec.from_posterior else None
            ),
        }


@dataclass(frozen=True)
class WorldTask:
    """One chunk of worlds under one policy."""

    scenario: Scenario
    policy: str
    chunk: int
    start: int
    values: dict[str, np.ndarray]
    replications: int
    seed: int


@dataclass
class WorldChunk:
    """A computed chunk: per-world means (columns ``world``, ``policy`` and
    :data:`EXPLORE_OUTCOMES`)."""

    policy: str
    chunk: int
    means: pd.DataFrame


def run_world_chunk(task: WorldTask) -> WorldChunk:
    """Run one chunk of worlds under one policy (in a worker process, a Dask worker, or in
    this process)."""
    reps = task.replications
    m = len(next(iter(task.values.values())))
    params = Params.build(m * reps, {k: np.repeat(v, reps) for k, v in task.values.items()})
    draws = np.random.default_rng(chunk_seed(task.seed, task.chunk, 0))
    res = run_ensemble(task.scenario, get_policy(task.policy), params, draws, keep_daily=False)
    cols: dict[str, Any] = {
        "world": np.arange(task.start, task.start + m, dtype=np.int64),
        "policy": task.policy,
    }
    for k in EXPLORE_OUTCOMES:
        v = run_values(res.outcomes, k, task.scenario.days)
        cols[k] = replicate_mean(v.reshape(m, reps), k, axis=1)
    return WorldChunk(task.policy, task.chunk, pd.DataFrame(cols))


@dataclass
class ExploreResult:
    """What an exploration produced (also on disk in ``out``)."""

    exploration: Exploration
    out: Path
    worlds: pd.DataFrame
    outcomes: pd.DataFrame
    manifest: dict[str, Any]
    files: list[Path] = field(default_factory=list)


#: ``finalise(result, directory) -> files``: writes a command's tables and figures.
ExploreFinaliser = Callable[[ExploreResult, Path], list[Path]]


class ExplorationJob(ChunkedJob[ExploreResult]):
    """An exploration as a chunked run (:class:`sim.experiments.pipeline.ChunkedJob`)."""

    what = "exploration"

    def __init__(self, ex: Exploration, command: str | None = None) -> None:
        self.ex = ex
        self.command = command
        self.policies = ex.policies
        self.n_chunks = ex.n_chunks
        self.parts: dict[tuple[int, int], pd.DataFrame] = {}

    def prepare(self) -> None:
        ex = self.ex
        ex.validate()
        self.worlds = sample_worlds(ex.spec, ex.worlds, ex.seed, ex.sampler)
        self.params = parameter_columns(self.worlds)

    def state(self) -> dict[str, Any]:
        return self.ex.state()

    def chunk_runs(self, chunk: int) -> int:
        return self.ex.chunk_span(chunk)[1] * self.ex.replications

    def progress_label(self) -> str:
        return f"{self.ex.worlds:,} worlds"

    @property
    def compute(self) -> Callable[[WorldTask], WorldChunk]:
        return run_world_chunk

    def task(self, policy: str, chunk: int) -> WorldTask:
        ex = self.ex
        s, m = ex.chunk_span(chunk)
        values = {k: self.worlds[k].to_numpy()[s : s + m] for k in self.params}
        return WorldTask(ex.scenario, policy, chunk, s, values, ex.replications, ex.seed)

    def stored(self, store: ChunkStore, policy: str, chunk: int) -> bool:
        return store.chunk_done(policy, chunk, ("outcomes",))

    def load(self, store: ChunkStore, policy: str, chunk: int) -> WorldChunk:
        return WorldChunk(policy, chunk, store.read_outcomes(policy, chunk))

    def save(self, store: ChunkStore, result: WorldChunk) -> None:
        store.write_chunk(result.policy, result.chunk, result.means)

    def add(self, result: WorldChunk) -> None:
        self.parts[(self.ex.policies.index(result.policy), result.chunk)] = result.means

    def assemble(self, out: Path, final: Path, run: Invocation) -> ExploreResult:
        ex = self.ex
        outcomes = pd.concat([self.parts[k] for k in sorted(self.parts)], ignore_index=True)
        outcomes["policy"] = pd.Categorical(outcomes["policy"], categories=list(ex.policies))
        manifest = self._manifest(run)
        result = ExploreResult(ex, out, self.worlds, outcomes, manifest)
        write_parquet_atomic(self.worlds, final / "worlds.parquet")
        write_parquet_atomic(outcomes, final / "outcomes.parquet")
        return result

    def _manifest(self, run: Invocation) -> dict[str, Any]:
        """The manifest: the common keys (:func:`sim.experiments.provenance.base_manifest`;
        runs are per policy, as for ``compare``), then the exploration's own."""
        ex = self.ex
        sc = ex.scenario
        base = base_manifest(
            "explore",
            command=self.command,
            seed=ex.seed,
            runs=ex.worlds * ex.replications,
            scenario_name=sc.name,
            scenario_file=ex.scenario_path,
            start=sc.start,
            end=sc.end,
            policies=ex.policies,
        )
        return base | {
            "scenario_file_sha256": file_sha256(ex.scenario_path),
            "scenario": sc.model_dump(mode="json"),
            **ex.state(),
            "chunks_per_policy": ex.n_chunks,
            "runs_total": ex.worlds * ex.replications * len(ex.policies),
            "explored": {k: list(v) for k, v in ex.spec.explored.items()},
            "from_posterior": list(ex.spec.from_posterior),
            "fixed": ex.spec.fixed,
            "executor": run.executor,
            "workers": run.workers,
            "command": self.command,
            "started": run.first_started,
            "this_invocation_started": run.started,
            "finished": None,
            "resumed": run.resumed,
        }


def run_exploration(
    ex: Exploration,
    out: Path | str,
    *,
    workers: int | None = None,
    dask_scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    command: str | None = None,
    finalise: ExploreFinaliser | None = None,
) -> ExploreResult:
    """Run an exploration into the result directory ``out`` (``worlds.parquet``,
    ``outcomes.parquet``, what ``finalise`` writes, ``manifest.json``).

    Options as :func:`sim.experiments.experiment.run_experiment` (the same pipeline,
    :func:`sim.experiments.pipeline.run_chunked`): bad settings and unusable output places are
    refused before any simulation; Ctrl-C keeps ``out.partial`` for ``resume``; the result
    directory appears atomically.
    """
    return run_chunked(
        ExplorationJob(ex, command),
        out,
        workers=workers,
        dask_scheduler=dask_scheduler,
        resume=resume,
        overwrite=overwrite,
        progress=progress,
        finalise=finalise,
    )


def load_exploration(directory: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """``(worlds, outcomes, manifest)`` of an exploration's result directory.

    Raises
    ------
    sim.errors.UserError
        if the directory is not a finished exploration.
    """
    d = Path(directory)
    for name in ("manifest.json", "worlds.parquet", "outcomes.parquet"):
        try:
            check_regular(d / name, "result file")  # a FIFO would hang the readers below
        except FileProblem as exc:
            if (d / name).exists():
                raise ExperimentError(f"{d / name}: {exc}") from None
    try:
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("kind") != "explore":
            raise ValueError
        worlds = pd.read_parquet(d / "worlds.parquet")
        outcomes = pd.read_parquet(d / "outcomes.parquet")
    except (OSError, ValueError):
        raise ExperimentError(
            f"{d}: not the result directory of `escalation explore` (needs manifest.json, "
            "worlds.parquet and outcomes.parquet)"
        ) from None
    return worlds, outcomes, manifest
