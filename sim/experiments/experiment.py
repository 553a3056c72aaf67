"""Monte Carlo experiments: chunks, seeds, executors, resume, and the result directory.

An experiment is a scenario, a list of policies, a number of runs, a seed, a chunk size and an
engine (:class:`Experiment`). Its runs are split into fixed-size chunks; chunk ``c`` of every
policy draws from :func:`sim.experiments.sampling.chunk_rngs` ``(seed, c)`` and its parameters from
:func:`sim.experiments.sampling.build_params`, so

* run ``k`` sees the same random draws and the same parameter draw under every policy (common
  random numbers, DESIGN.md "Reproducibility"), and
* the numbers depend on the chunk size (part of the experiment, recorded in the manifest) but
  not on how many workers run the chunks or on which executor (in-process, local processes,
  Dask distributed).

Chunks are written to ``OUT.partial`` (:mod:`sim.experiments.store`) as they finish, and aggregated
as a
stream: per-day histograms are merged (:class:`sim.analysis.metrics.DailyHistogram`, integer
counts, so
the order does not matter) and per-run outcomes are kept in a compact table. ``--resume``
reuses the chunks already written; the result is identical to an uninterrupted run. At the end
the result directory is assembled in ``OUT.partial/final`` and renamed to ``OUT``.

The pieces live in their own modules, re-exported here for callers: the definition
(:mod:`sim.experiments.spec`), one chunk (:mod:`sim.experiments.chunks`), executors
(:mod:`sim.experiments.executors`), the store (:mod:`sim.experiments.store`), the manifest
(:mod:`sim.experiments.provenance`) and the shared command-line options
(:mod:`sim.experiments.options`). This module runs an experiment.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import metrics
from sim.experiments.chunks import (
    DIE_ONCE_ENV,
    OUTCOME_DTYPES,
    Aggregate,
    ChunkResult,
    ChunkTask,
    outcome_frame,
    run_chunk,
)
from sim.experiments.executors import connect_dask, default_workers, progress_bar
from sim.experiments.executors import start as start_executor
from sim.experiments.options import (
    add_execution_arguments,
    command_words,
    executor_options,
    experiment_from_args,
)
from sim.experiments.provenance import build_manifest, git_commit, utc_now
from sim.experiments.spec import (
    DEFAULT_CHUNK_SIZE,
    ENGINES,
    MAX_KEEP_DAILY_RUNS,
    Experiment,
    ExperimentError,
    posterior_sha256,
)
from sim.experiments.store import (
    ChunkStore,
    OutputError,
    check_output,
    write_json_atomic,
    write_parquet_atomic,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DIE_ONCE_ENV",
    "ENGINES",
    "MAX_KEEP_DAILY_RUNS",
    "OUTCOME_DTYPES",
    "Aggregate",
    "ChunkResult",
    "ChunkTask",
    "Experiment",
    "ExperimentError",
    "ExperimentResult",
    "Finaliser",
    "add_execution_arguments",
    "build_manifest",
    "command_words",
    "connect_dask",
    "default_workers",
    "execute",
    "experiment_from_args",
    "git_commit",
    "interrupted",
    "outcome_frame",
    "posterior_sha256",
    "resume_command",
    "run_chunk",
    "run_experiment",
]


# --- running ----------------------------------------------------------------------------------


@dataclass
class ExperimentResult:
    """What an experiment produced (also on disk in ``out``)."""

    experiment: Experiment
    out: Path
    outcomes: pd.DataFrame
    quantiles: dict[str, pd.DataFrame]
    histograms: dict[str, metrics.DailyHistogram]
    manifest: dict[str, Any]
    files: list[Path] = field(default_factory=list)
    daily: dict[str, dict[str, np.ndarray]] | None = None


#: ``finalise(result, directory) -> files``: writes the summary and figures of a command.
Finaliser = Callable[[ExperimentResult, Path], list[Path]]


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
    """Run an experiment into the result directory ``out``.

    Parameters
    ----------
    workers : local worker processes (default: all cores; 1 runs in this process); ignored
        with ``dask_scheduler``
    dask_scheduler : address of a Dask scheduler (``tcp://host:port``) to run the chunks on
    resume : reuse the chunks of an interrupted run of the same experiment in ``out.partial``
    overwrite : replace an existing ``out`` (only once the new results are complete)
    progress : show a progress bar (None: when stderr is a terminal)
    command : the command line that reproduces this run (manifest and resume hint)
    finalise : writes a command's summary and figures into the result directory

    Raises
    ------
    UserError
        bad settings, an output place that cannot be used, a ``.partial`` of another experiment,
        an unreachable Dask scheduler: before any simulation work.
    KeyboardInterrupt
        on Ctrl-C; ``out.partial`` is kept for ``--resume``.
    """
    out = Path(out)
    exp.validate()
    check_output(out, overwrite=overwrite, resume=resume)
    store = ChunkStore(out)
    started = utc_now()

    client = connect_dask(dask_scheduler) if dask_scheduler else None
    try:
        state, resumed = store.open(exp.state(), started, resume, list(exp.policies), "experiment")

        agg = Aggregate(exp)
        tasks: list[ChunkTask] = []
        done_runs = 0
        die = os.environ.get(DIE_ONCE_ENV) or None
        for c in range(exp.n_chunks):  # chunk-major: every policy's chunk c before c + 1
            start, n = exp.chunk_span(c)
            for p in exp.policies:
                if resumed and store.chunk_done(p, c, exp.keep_daily):
                    hist = metrics.DailyHistogram.from_npz(store.chunk_paths(p, c)["hist"])
                    daily = store.read_daily(p, c) if exp.keep_daily else None
                    agg.add(p, c, store.read_outcomes(p, c), hist, daily)
                    done_runs += n
                else:
                    die_here = die if not tasks else None  # the hook hits one task only
                    tasks.append(
                        ChunkTask(
                            scenario=exp.scenario, policy=p, chunk=c, start=start, n=n,
                            seed=exp.seed, engine=exp.engine, keep_daily=exp.keep_daily,
                            die_marker=die_here,
                        )
                    )  # fmt: skip

        token = exp.token()
        keys = [f"escalation-chunk-{token}-{t.policy}-{t.chunk:05d}" for t in tasks]
        executor, n_workers, pool, stream = start_executor(
            run_chunk, tasks, keys, client=client, workers=workers
        )

        total = exp.runs * len(exp.policies)
        desc = exp.policies[0] if len(exp.policies) == 1 else f"{len(exp.policies)} policies"
        bar = progress_bar(total, done_runs, progress, desc)
        try:
            for res in stream:
                try:
                    store.write_chunk(
                        res.policy, res.chunk, res.outcomes, res.hist.to_npz, res.daily
                    )
                except OSError as exc:
                    raise OutputError(
                        f"--out {out}: cannot write chunk {res.chunk} of {res.policy} into "
                        f"{store.root} ({exc.strerror}); the chunks written so far are kept, "
                        "rerun with --resume once there is room"
                    ) from None
                agg.add(res.policy, res.chunk, res.outcomes, res.hist, res.daily)
                bar.update(len(res.outcomes))
        finally:
            bar.close()
            if pool is not None:
                pool.close()
            if hasattr(stream, "close"):
                stream.close()
    finally:
        if client is not None:
            client.close()

    # assemble ----------------------------------------------------------------------------
    final = store.fresh_final()
    outcomes = agg.outcomes()
    quantiles = agg.quantiles()
    manifest = build_manifest(
        exp, executor, n_workers, command, started, state["started"], resumed, dask_scheduler
    )
    result = ExperimentResult(exp, out, outcomes, quantiles, agg.hist, manifest)
    write_parquet_atomic(outcomes, final / "outcomes.parquet")
    q_all = pd.concat([q.assign(policy=p) for p, q in quantiles.items()], ignore_index=True)
    q_all.insert(0, "policy", q_all.pop("policy"))
    dates = exp.scenario.dates()
    if "day" in q_all.columns:
        q_all.insert(q_all.columns.get_loc("day") + 1, "date", dates[q_all["day"].to_numpy()])
    write_parquet_atomic(q_all, final / "daily_quantiles.parquet")
    files = [final / "outcomes.parquet", final / "daily_quantiles.parquet"]
    if exp.keep_daily:
        result.daily = {p: agg.daily_series(p) for p in exp.policies}
        files.append(_write_daily(result.daily, exp, final / "daily.parquet"))
    if finalise is not None:
        files.extend(finalise(result, final))
    manifest["finished"] = utc_now()
    written = {str(f.relative_to(final)) for f in final.rglob("*") if f.is_file()}
    written |= {str(Path(f).relative_to(final)) for f in files}
    manifest["files"] = [*sorted(written - {"manifest.json"}), "manifest.json"]
    write_json_atomic(final / "manifest.json", manifest)
    store.publish()
    result.files = [out / f for f in manifest["files"]]
    return result


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


def resume_command(argv_words: list[str]) -> str:
    """The command line that resumes an experiment (``--resume`` added if missing)."""
    words = list(argv_words)
    if "--resume" not in words:
        words.append("--resume")
    return shlex.join(words)


def execute(
    args: Any, exp: Experiment, words: list[str], finalise: Finaliser
) -> ExperimentResult | int:
    """Run an experiment for a command; on Ctrl-C print how to resume and return 130.

    ``words`` is the canonical command line of the run (without ``--resume``).
    """
    try:
        return run_experiment(
            exp,
            args.out,
            **executor_options(args),
            command=shlex.join(words),
            finalise=finalise,
        )
    except KeyboardInterrupt:
        return interrupted(args.out, words)


def interrupted(out: str | Path, words: list[str] | None) -> int:
    """After Ctrl-C: say where the partial results are and the command that resumes them
    (``words``: the command line; None: unknown); return the exit status 130."""
    hint = resume_command(words) if words else "the same command with --resume"
    print(
        f"escalation: interrupted; partial results kept in {out}.partial - resume with: {hint}",
        file=sys.stderr,
    )
    return 130
