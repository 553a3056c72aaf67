"""Command-line options shared by ``run``, ``compare`` and ``explore``, and running their job.

:func:`add_execution_arguments` adds runs, seed, engine, chunk size, executors, resume and
output options (:func:`add_executor_arguments`, which ``explore`` shares);
:func:`experiment_from_args` turns them into an :class:`sim.experiments.spec.Experiment`;
:func:`command_words` is the canonical command line the manifest and the resume hint show;
:func:`execute` runs a chunked job with the executor options and turns Ctrl-C into the resume
hint and exit status 130.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.cli.common import add_allow_large_argument, add_overwrite_argument, positive_int, seed_int
from sim.experiments import budget
from sim.experiments.executors import default_workers
from sim.experiments.spec import DEFAULT_CHUNK_SIZE, ENGINES, MAX_KEEP_DAILY_RUNS, Experiment
from sim.inputs.scenario import scenario_file


def add_execution_arguments(p: Any) -> None:
    """The options every experiment command takes (runs, seed, engine, executors, resume)."""
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
    add_executor_arguments(p, "experiment")
    p.add_argument(
        "--keep-daily",
        action="store_true",
        help=f"also save every run's daily series (at most {MAX_KEEP_DAILY_RUNS:,} runs)",
    )


def add_format_argument(p: Any) -> None:
    """``--format netcdf|zarr``: also write the per-run outcomes (and the daily series with
    ``--keep-daily``) as an xarray dataset (:mod:`sim.experiments.dataset`)."""
    p.add_argument(
        "--format", choices=("netcdf", "zarr"), default=None,
        help="also write the per-run outcomes (and daily series with --keep-daily) as an "
        "xarray dataset: results.nc or results.zarr (the optional extra 'xarray')",
    )  # fmt: skip


def add_executor_arguments(p: Any, what: str) -> None:
    """Where the chunks run and how the command reports (``run``, ``compare``, ``explore``):
    ``--workers``, ``--dask-scheduler``, ``--resume`` (of an interrupted ``what``),
    ``--overwrite``, ``--quiet`` or ``--progress``."""
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
        help=f"continue an interrupted {what} from OUT.partial (same settings)",
    )
    add_overwrite_argument(p)
    add_allow_large_argument(p)
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--quiet", action="store_true", help="no progress bar or summary table")
    bar.add_argument(
        "--progress", action="store_true", help="show the progress bar even when not a terminal"
    )


def executor_options(args: Any) -> dict[str, Any]:
    """The keyword arguments of :func:`sim.experiments.pipeline.run_chunked` that
    :func:`add_executor_arguments` declared: workers, Dask scheduler, resume, overwrite and
    progress (``--quiet`` off, ``--progress`` on, else the terminal's)."""
    return {
        "workers": args.workers,
        "dask_scheduler": args.dask_scheduler,
        "resume": args.resume,
        "overwrite": args.overwrite,
        "progress": False if args.quiet else (True if args.progress else None),
    }


def local_workers(args: Any, tasks: int) -> int:
    """The worker processes a chunked run of ``tasks`` chunks will use (0 on a Dask cluster,
    whose size is not known before connecting), after refusing more than
    :func:`sim.experiments.budget.check_workers` allows."""
    budget.check_workers(args.workers, default_workers(), args.allow_large)
    if args.dask_scheduler:
        return 0
    return min(args.workers or default_workers(), max(1, tasks))


def experiment_from_args(args: Any, scenario: Any, policies: tuple[str, ...]) -> Experiment:
    """The experiment that the options of :func:`add_execution_arguments` describe, after
    refusing one beyond the size limits (:func:`sim.experiments.budget.check`)."""
    n_chunks = -(-args.runs // args.chunk_size)
    cost = budget.experiment_cost(
        len(policies), args.runs, scenario.days, args.chunk_size,
        local_workers(args, len(policies) * n_chunks), args.engine, args.keep_daily,
    )  # fmt: skip
    budget.check(cost, f"--runs {args.runs}", args.allow_large)
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
    if getattr(args, "format", None):
        words += ["--format", args.format]
    for flag in ("keep_daily", "overwrite", "quiet", "progress"):
        if getattr(args, flag):
            words.append("--" + flag.replace("_", "-"))
    return words


def execute[R](args: Any, run: Callable[..., R], words: list[str] | None, **kwargs: Any) -> R | int:
    """Run a command's chunked job: ``run(args.out, **executor options, **kwargs)``
    (:func:`sim.experiments.experiment.run_experiment`,
    :func:`sim.explore.runner.run_exploration`); on Ctrl-C print how to resume and return 130.

    ``words``: the command line that resumes the run once ``--resume`` is added (None: unknown).
    """
    try:
        return run(args.out, **executor_options(args), **kwargs)
    except KeyboardInterrupt:
        return interrupted(args.out, words)


def resume_command(argv_words: list[str]) -> str:
    """The command line that resumes a run (``--resume`` added if missing)."""
    words = list(argv_words)
    if "--resume" not in words:
        words.append("--resume")
    return shlex.join(words)


def interrupted(out: str | Path, words: list[str] | None) -> int:
    """After Ctrl-C: say where the partial results are and the command that resumes them
    (``words``: the command line; None: unknown); return the exit status 130."""
    hint = resume_command(words) if words else "the same command with --resume"
    print(
        f"escalation: interrupted; partial results kept in {out}.partial - resume with: {hint}",
        file=sys.stderr,
    )
    return 130
