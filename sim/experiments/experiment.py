"""Monte Carlo experiments: one scenario, several policies, many runs on common random numbers.

An experiment is a scenario, a list of policies, a number of runs, a seed, a chunk size and an
engine (:class:`sim.experiments.spec.Experiment`). Its runs are split into fixed-size chunks;
chunk ``c`` of every policy draws from :func:`sim.experiments.sampling.chunk_rngs` ``(seed, c)``
and its parameters from :func:`sim.experiments.sampling.build_params`, so

* run ``k`` sees the same random draws and the same parameter draw under every policy (common
  random numbers, DESIGN.md "Reproducibility"), and
* the numbers depend on the chunk size (part of the experiment, recorded in the manifest) but
  not on how many workers run the chunks or on which executor (in-process, local processes,
  Dask distributed).

The chunks go through the pipeline every chunked run shares (:mod:`sim.experiments.pipeline`:
executors, the store in ``OUT.partial``, ``--resume``, Ctrl-C). This module says what an
experiment's chunk leaves in the store (per-run outcomes, per-day histograms, daily series
with ``keep_daily``: :mod:`sim.experiments.chunks`), how chunks are gathered as a stream
(histograms merged, :class:`sim.experiments.histogram.DailyHistogram`, integer counts, so the
order does not matter; outcomes kept in a compact table) and what the result directory holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.chunks import Aggregate, ChunkResult, ChunkTask, run_chunk
from sim.experiments.histogram import DailyHistogram
from sim.experiments.pipeline import ChunkedJob, Invocation, run_chunked
from sim.experiments.provenance import build_manifest
from sim.experiments.spec import Experiment
from sim.experiments.store import ChunkStore, write_parquet_atomic


@dataclass
class ExperimentResult:
    """What an experiment produced (also on disk in ``out``)."""

    experiment: Experiment
    out: Path
    outcomes: pd.DataFrame
    quantiles: dict[str, pd.DataFrame]
    manifest: dict[str, Any]
    files: list[Path] = field(default_factory=list)
    daily: dict[str, dict[str, np.ndarray]] | None = None


#: ``finalise(result, directory) -> files``: writes the summary and figures of a command.
Finaliser = Callable[[ExperimentResult, Path], list[Path]]


class ExperimentJob(ChunkedJob[ExperimentResult]):
    """An experiment as a chunked run (:class:`sim.experiments.pipeline.ChunkedJob`)."""

    what = "experiment"

    def __init__(self, exp: Experiment, command: str | None = None) -> None:
        self.exp = exp
        self.command = command
        self.policies = exp.policies
        self.n_chunks = exp.n_chunks
        self.agg = Aggregate(exp)

    def prepare(self) -> None:
        self.exp.validate()

    def state(self) -> dict[str, Any]:
        return self.exp.state()

    def chunk_runs(self, chunk: int) -> int:
        return self.exp.chunk_span(chunk)[1]

    def progress_label(self) -> str:
        policies = self.exp.policies
        return policies[0] if len(policies) == 1 else f"{len(policies)} policies"

    @property
    def compute(self) -> Callable[[ChunkTask], ChunkResult]:
        return run_chunk

    def task(self, policy: str, chunk: int) -> ChunkTask:
        exp = self.exp
        start, n = exp.chunk_span(chunk)
        return ChunkTask(
            scenario=exp.scenario, policy=policy, chunk=chunk, start=start, n=n, seed=exp.seed,
            engine=exp.engine, keep_daily=exp.keep_daily,
        )  # fmt: skip

    def _files(self) -> tuple[str, ...]:
        return ("outcomes", "hist", "daily") if self.exp.keep_daily else ("outcomes", "hist")

    def stored(self, store: ChunkStore, policy: str, chunk: int) -> bool:
        return store.chunk_done(policy, chunk, self._files())

    def load(self, store: ChunkStore, policy: str, chunk: int) -> ChunkResult:
        hist = DailyHistogram.from_npz(store.chunk_paths(policy, chunk)["hist"])
        daily = store.read_daily(policy, chunk) if self.exp.keep_daily else None
        return ChunkResult(policy, chunk, store.read_outcomes(policy, chunk), hist, daily)

    def save(self, store: ChunkStore, result: ChunkResult) -> None:
        store.write_chunk(
            result.policy, result.chunk, result.outcomes, result.hist.to_npz, result.daily
        )

    def add(self, result: ChunkResult) -> None:
        self.agg.add(result.policy, result.chunk, result.outcomes, result.hist, result.daily)

    def assemble(self, out: Path, final: Path, run: Invocation) -> ExperimentResult:
        exp, agg = self.exp, self.agg
        outcomes = agg.outcomes()
        quantiles = agg.quantiles()
        manifest = build_manifest(
            exp, run.executor, run.workers, self.command, run.started, run.first_started,
            run.resumed, run.dask_scheduler,
        )  # fmt: skip
        result = ExperimentResult(exp, out, outcomes, quantiles, manifest)
        if exp.keep_daily:
            result.daily = {p: agg.daily_series(p) for p in exp.policies}
        write_result_files(result, final)
        return result


def write_result_files(result: ExperimentResult, final: Path) -> list[Path]:
    """Write an experiment's own tables into ``final``: ``outcomes.parquet``,
    ``daily_quantiles.parquet`` (column ``policy``, and the date of each day) and, when the
    daily series were kept, ``daily.parquet``. Returns the paths written."""
    exp = result.experiment
    paths = [final / "outcomes.parquet", final / "daily_quantiles.parquet"]
    write_parquet_atomic(result.outcomes, paths[0])
    q_all = pd.concat([q.assign(policy=p) for p, q in result.quantiles.items()], ignore_index=True)
    q_all.insert(0, "policy", q_all.pop("policy"))
    dates = exp.scenario.dates()
    if "day" in q_all.columns:
        q_all.insert(q_all.columns.get_loc("day") + 1, "date", dates[q_all["day"].to_numpy()])
    write_parquet_atomic(q_all, paths[1])
    if result.daily is not None:
        paths.append(_write_daily(result.daily, exp, final / "daily.parquet"))
    return paths


def run_experiment(
    exp: Experiment,
    out: Path | str,
    *,
    workers: int | None = None,
    dask_scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    command: str | None = None,
    finalise: Finaliser | None = None,
) -> ExperimentResult:
    """Run an experiment into the result directory ``out`` (``outcomes.parquet``,
    ``daily_quantiles.parquet``, ``daily.parquet`` with ``keep_daily``, what ``finalise``
    writes, ``manifest.json``).

    Options as :func:`sim.experiments.pipeline.run_chunked`; ``command`` is the command line
    that reproduces the run (manifest). Bad settings and unusable output places are refused
    before any simulation; Ctrl-C keeps ``out.partial`` for ``resume``; the result directory
    appears atomically.
    """
    return run_chunked(
        ExperimentJob(exp, command),
        out,
        workers=workers,
        dask_scheduler=dask_scheduler,
        resume=resume,
        overwrite=overwrite,
        progress=progress,
        finalise=finalise,
    )


def _write_daily(daily: dict[str, dict[str, np.ndarray]], exp: Experiment, path: Path) -> Path:
    """Daily series of every run, long format: policy, run, day, then one column per series."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for p, series in daily.items():
            days, n = next(iter(series.values())).shape
            cols = {
                "policy": pd.Categorical(np.full(days * n, p), categories=list(exp.policies)),
                "run": np.tile(np.arange(n, dtype=np.int32), days),
                "day": np.repeat(np.arange(days, dtype=np.int16), n),
            }
            # one schema for every policy (chunks store the smallest exact integer type)
            cols.update({k: v.reshape(-1).astype(np.int32) for k, v in series.items()})
            table = pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path
