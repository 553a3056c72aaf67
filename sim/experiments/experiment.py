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
"""

from __future__ import annotations

import concurrent.futures as cf
import concurrent.futures.process
import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import platform
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis import metrics
from sim.core import params as P
from sim.core.policies import get_policy
from sim.engines.ensemble import BOOL_OUTCOMES, OUTCOMES, run_ensemble
from sim.errors import UserError
from sim.experiments.sampling import (
    build_params,
    chunk_rngs,
    posterior_path,
    posterior_sha256,
    scenario_posterior,
)
from sim.experiments.store import (
    ChunkStore,
    OutputError,
    check_output,
    make_dirs,
    remove_dirs,
    write_json_atomic,
    write_parquet_atomic,
)
from sim.inputs.scenario import Scenario, scenario_file

#: Runs per chunk unless the experiment says otherwise.
DEFAULT_CHUNK_SIZE = 2000
#: Above this many runs per policy, ``--keep-daily`` is refused (the series would not fit).
MAX_KEEP_DAILY_RUNS = 5000
ENGINES: tuple[str, ...] = ("ensemble", "mesa")
#: Test hook: a file path; the first chunk task that finds no file there creates it and kills
#: its own process (to test that the executor retries a task whose worker died).
DIE_ONCE_ENV = "ESCALATION_TEST_DIE_ONCE"

#: Compact dtypes of the outcome columns (counts fit int32; days < 2**24 are exact in float32).
OUTCOME_DTYPES: dict[str, str] = {
    k: ("bool" if k in BOOL_OUTCOMES else "int8" if k == "max_rung" else "int32") for k in OUTCOMES
}
OUTCOME_DTYPES["first_death_day"] = "float32"


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


# --- one chunk --------------------------------------------------------------------------------


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
    die_marker: str | None = None


@dataclass
class ChunkResult:
    """A computed chunk: per-run outcomes, per-day histograms, and daily series if kept."""

    policy: str
    chunk: int
    outcomes: pd.DataFrame
    hist: metrics.DailyHistogram
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


def _maybe_die(marker: str | None) -> None:
    """The :data:`DIE_ONCE_ENV` test hook: kill this process the first time only."""
    if marker and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os._exit(17)


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Compute one chunk (runs in a worker process, a Dask worker, or in-process).

    The chunk's generators come from :func:`sim.experiments.sampling.chunk_rngs` ``(seed, chunk)``
    whatever
    the policy: common random numbers.
    """
    _maybe_die(task.die_marker)
    draws_rng, params_rng = chunk_rngs(task.seed, task.chunk)
    params = build_params(task.scenario, task.n, params_rng)
    policy = get_policy(task.policy)
    if task.engine == "mesa":
        from sim.engines.mesa.model import run_mesa

        res = run_mesa(task.scenario, policy, params, draws_rng, keep_daily=True)
    else:
        res = run_ensemble(task.scenario, policy, params, draws_rng, keep_daily=True)
    hist = metrics.DailyHistogram(task.scenario.days)
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


# --- executors --------------------------------------------------------------------------------


def _worker_init() -> None:
    """Worker processes leave Ctrl-C to the main process (which stops them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _mp_context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.experiments.experiment"])
        return ctx
    return mp.get_context("spawn")


def _run_inprocess(tasks: list[ChunkTask]) -> Iterator[ChunkResult]:
    for t in tasks:
        yield run_chunk(t)


class _LocalPool:
    """A pool of local worker processes; a pool broken by a dying worker is rebuilt (twice)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: cf.ProcessPoolExecutor | None = None

    def _new(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=_mp_context(), initializer=_worker_init
        )

    def run(self, tasks: list[ChunkTask]) -> Iterator[ChunkResult]:
        todo = list(reversed(tasks))  # pop() from the end keeps the task order
        window = 2 * self.workers
        restarts = 0
        while todo:
            self.pool = self._new()
            inflight: dict[cf.Future, ChunkTask] = {}
            try:
                while todo or inflight:
                    while todo and len(inflight) < window:
                        t = todo.pop()
                        inflight[self.pool.submit(run_chunk, t)] = t
                    done, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
                    for fut in done:
                        res = fut.result()  # raises BrokenProcessPool if its worker died
                        del inflight[fut]
                        yield res
            except concurrent.futures.process.BrokenProcessPool:
                restarts += 1
                todo.extend(reversed(list(inflight.values())))
                if restarts > 2:
                    raise ExperimentError(
                        "a worker process died three times; the chunks done so far are kept, "
                        "rerun with --resume (perhaps with fewer --workers: out of memory?)"
                    ) from None
            finally:
                self.close()

    def close(self) -> None:
        """Stop the workers at once (used on Ctrl-C too)."""
        if self.pool is None:
            return
        procs = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
        self.pool = None


def connect_dask(address: str) -> Any:
    """A :class:`distributed.Client` connected to the scheduler at ``address``.

    Raises
    ------
    ExperimentError
        if the scheduler cannot be reached (names the address).
    """
    try:
        import distributed
    except ImportError:  # pragma: no cover - a declared dependency
        raise ExperimentError("--dask-scheduler needs the 'distributed' package") from None
    try:
        client = distributed.Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExperimentError(
            f"--dask-scheduler {address}: cannot connect to a Dask scheduler there ({exc})"
        ) from None
    try:
        client.wait_for_workers(1, timeout=60)
    except TimeoutError:
        client.close()
        raise ExperimentError(
            f"--dask-scheduler {address}: the scheduler has no workers (waited 60 s)"
        ) from None
    return client


def _run_dask(client: Any, tasks: list[ChunkTask], token: str) -> Iterator[ChunkResult]:
    import distributed

    futures = [
        client.submit(
            run_chunk, t, key=f"escalation-chunk-{token}-{t.policy}-{t.chunk:05d}", retries=2
        )
        for t in tasks
    ]
    ac = distributed.as_completed(futures, loop=client.loop)
    futures = []
    try:
        for fut in ac:
            try:
                res = fut.result()
            except distributed.client.FutureCancelledError as exc:  # pragma: no cover
                raise ExperimentError(f"Dask cancelled a chunk ({exc})") from None
            except Exception as exc:
                if type(exc).__name__ == "KilledWorker":
                    raise ExperimentError(
                        f"Dask workers died repeatedly on {fut.key}; the chunks done so far "
                        "are kept, rerun with --resume"
                    ) from None
                raise
            fut.release()
            yield res
    finally:
        ac.clear()


# --- aggregation ------------------------------------------------------------------------------


class Aggregate:
    """Streaming totals of an experiment: merged histograms and the compact outcome table."""

    def __init__(self, exp: Experiment) -> None:
        self.exp = exp
        self.hist = {p: metrics.DailyHistogram(exp.scenario.days) for p in exp.policies}
        self._outcomes: dict[tuple[int, int], pd.DataFrame] = {}
        self.daily: dict[tuple[str, int], dict[str, np.ndarray]] = {}

    def add(
        self,
        policy: str,
        chunk: int,
        outcomes: pd.DataFrame,
        hist: metrics.DailyHistogram,
        daily: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Add one chunk (in any order)."""
        merged = self.hist[policy].merge(hist)
        if isinstance(merged, metrics.DailyHistogram):
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
        (:meth:`sim.analysis.metrics.DailyHistogram.quantiles`)."""
        return {p: self.hist[p].quantiles() for p in self.exp.policies}

    def daily_series(self, policy: str) -> dict[str, np.ndarray]:
        """Daily series of every run of a policy, shape (days, runs) (``keep_daily`` only)."""
        parts = [self.daily[(policy, c)] for c in range(self.exp.n_chunks)]
        return {k: np.concatenate([d[k] for d in parts], axis=1) for k in parts[0]}


# --- provenance -------------------------------------------------------------------------------


def git_commit() -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the git checkout the package runs from, or ``(None, None)``."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return None, None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return head.stdout.strip(), bool(status.stdout.strip()) if status.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None, None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _file_sha256(path: str | None) -> str | None:
    if not path:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def build_manifest(
    exp: Experiment,
    executor: str,
    workers: int | None,
    command: str | None,
    started: str,
    first_started: str,
    resumed: bool,
    dask_scheduler: str | None = None,
) -> dict[str, Any]:
    """The provenance record written as ``manifest.json``."""
    commit, dirty = git_commit()
    post = scenario_posterior(exp.scenario)
    return {
        "package": "escalation-sim",
        "package_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "scenario_file": str(Path(exp.scenario_path).resolve()) if exp.scenario_path else None,
        "scenario_file_sha256": _file_sha256(exp.scenario_path),
        "scenario_sha256": exp.scenario_digest(),
        "scenario": exp.scenario.model_dump(mode="json"),
        "seed": exp.seed,
        "runs": exp.runs,
        "chunk_size": exp.chunk_size,
        "chunks_per_policy": exp.n_chunks,
        "policies": list(exp.policies),
        "engine": exp.engine,
        "keep_daily": exp.keep_daily,
        "executor": executor,
        "workers": workers,
        "dask_scheduler": dask_scheduler,
        "parameter_defaults": P.defaults(),
        "parameter_overrides": dict(exp.scenario.params),
        "posterior_used": post is not None and len(post) > 0,
        "posterior_file": None if post is None else str(posterior_path(exp.scenario)),
        "posterior_sha256": posterior_sha256(exp.scenario),
        "command": command,
        "argv": list(sys.argv),
        "started": first_started,
        "this_invocation_started": started,
        "resumed": resumed,
        "finished": None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
    }


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


def _describe_differences(old: dict, new: dict) -> str:
    diffs = []
    for k in sorted(set(old) | set(new)):
        if old.get(k) != new.get(k):
            diffs.append(f"{k}: was {old.get(k)!r}, now {new.get(k)!r}")
    return "; ".join(diffs)


def _progress(total: int, initial: int, progress: bool | None, desc: str) -> Any:
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        unit_scale=True,
        desc=desc,
        file=sys.stderr,
        disable=not show,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


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
    started = _now()

    client = connect_dask(dask_scheduler) if dask_scheduler else None
    try:
        state = {**exp.state(), "started": started}
        old = store.read_state() if store.root.exists() else None
        resumed = False
        if store.root.exists():
            if resume and old is not None:
                old_core = {k: v for k, v in old.items() if k != "started"}
                if old_core != exp.state():
                    raise OutputError(
                        f"--resume: {store.root} holds a different experiment "
                        f"({_describe_differences(old_core, exp.state())}); rerun with the "
                        "original settings, or use --overwrite to start again"
                    )
                state["started"] = old.get("started", started)
                resumed = True
            else:  # --overwrite, or --resume over a directory without a readable state
                store.discard()
        created = make_dirs(store.root, str(out))
        try:
            store.write_state(state)
            store.prepare(list(exp.policies))
        except OSError as exc:
            store.discard()
            remove_dirs(created)
            raise OutputError(f"--out {out}: cannot write there ({exc.strerror})") from None

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

        if client is not None:
            executor, n_workers = "dask", len(client.scheduler_info().get("workers", {}))
            stream = _run_dask(client, tasks, exp.token())
            pool = None
        else:
            n_workers = min(workers or default_workers(), max(1, len(tasks)))
            if n_workers <= 1:
                executor, pool, stream = "in-process", None, _run_inprocess(tasks)
            else:
                executor, pool = "processes", _LocalPool(n_workers)
                stream = pool.run(tasks)

        total = exp.runs * len(exp.policies)
        desc = exp.policies[0] if len(exp.policies) == 1 else f"{len(exp.policies)} policies"
        bar = _progress(total, done_runs, progress, desc)
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
    manifest["finished"] = _now()
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


# --- command-line plumbing shared by `run` and `compare` --------------------------------------


def add_execution_arguments(p: Any) -> None:
    """The options every experiment command takes (runs, seed, engine, executors, resume)."""
    from sim.cli.common import add_overwrite_argument, positive_int, seed_int

    p.add_argument("--runs", type=positive_int, default=1000, help="runs per policy (1000)")
    p.add_argument("--seed", type=seed_int, default=1, help="experiment seed (1)")
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="ensemble",
        help="ensemble: vectorised (default, fast); mesa: the agent model, one run at a time",
    )
    p.add_argument(
        "--chunk-size",
        type=positive_int,
        default=DEFAULT_CHUNK_SIZE,
        help=f"runs per chunk ({DEFAULT_CHUNK_SIZE}); part of the experiment: the numbers "
        "depend on it, not on --workers",
    )
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="local worker processes (default: all cores; 1 = in this process)",
    )
    p.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        default=None,
        help="run the chunks on a Dask cluster (e.g. tcp://10.0.0.5:8786)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted experiment from OUT.partial (same settings)",
    )
    add_overwrite_argument(p)
    p.add_argument(
        "--keep-daily",
        action="store_true",
        help=f"also save every run's daily series (at most {MAX_KEEP_DAILY_RUNS:,} runs)",
    )
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--quiet", action="store_true", help="no progress bar or summary table")
    bar.add_argument(
        "--progress", action="store_true", help="show the progress bar even when not a terminal"
    )


def experiment_from_args(args: Any, scenario: Any, policies: tuple[str, ...]) -> Experiment:
    """The experiment that the options of :func:`add_execution_arguments` describe."""
    return Experiment(
        scenario=scenario,
        policies=policies,
        runs=args.runs,
        seed=args.seed,
        chunk_size=args.chunk_size,
        engine=args.engine,
        keep_daily=args.keep_daily,
        scenario_path=str(scenario_file(args.scenario)),
    )


def command_words(args: Any, command: str, option: str, value: str) -> list[str]:
    """The canonical command line of ``run`` or ``compare`` (what the manifest and the resume
    hint show): the scenario, the policy option, runs, seed, output and the execution options
    that differ from their defaults."""
    words = ["escalation", command, str(args.scenario), option, value]
    words += ["--runs", str(args.runs), "--seed", str(args.seed), "--out", str(args.out)]
    if args.engine != "ensemble":
        words += ["--engine", args.engine]
    if args.chunk_size != DEFAULT_CHUNK_SIZE:
        words += ["--chunk-size", str(args.chunk_size)]
    if args.workers is not None:
        words += ["--workers", str(args.workers)]
    if args.dask_scheduler:
        words += ["--dask-scheduler", args.dask_scheduler]
    for flag in ("keep_daily", "overwrite", "quiet", "progress"):
        if getattr(args, flag):
            words.append("--" + flag.replace("_", "-"))
    return words


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
    progress = False if args.quiet else (True if args.progress else None)
    try:
        return run_experiment(
            exp,
            args.out,
            workers=args.workers,
            dask_scheduler=args.dask_scheduler,
            resume=args.resume,
            overwrite=args.overwrite,
            progress=progress,
            command=shlex.join(words),
            finalise=finalise,
        )
    except KeyboardInterrupt:
        print(
            f"escalation: interrupted; partial results kept in {args.out}.partial - resume "
            f"with: {resume_command(words)}",
            file=sys.stderr,
        )
        return 130
