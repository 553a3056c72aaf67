"""Command-line options shared by `run` and `compare` (and the experiment they describe).

:func:`add_execution_arguments` adds runs, seed, engine, chunk size, executors, resume and
output options (:func:`add_executor_arguments`, which ``explore`` shares);
:func:`experiment_from_args` turns them into an :class:`Experiment`; :func:`command_words` is
the canonical command line the manifest and the resume hint show.
"""

from __future__ import annotations

from typing import Any

from sim.experiments.spec import DEFAULT_CHUNK_SIZE, ENGINES, MAX_KEEP_DAILY_RUNS, Experiment
from sim.inputs.scenario import scenario_file


def add_execution_arguments(p: Any) -> None:
    """The options every experiment command takes (runs, seed, engine, executors, resume)."""
    from sim.cli.common import positive_int, seed_int

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


def add_executor_arguments(p: Any, what: str) -> None:
    """Where the chunks run and how the command reports (``run``, ``compare``, ``explore``):
    ``--workers``, ``--dask-scheduler``, ``--resume`` (of an interrupted ``what``),
    ``--overwrite``, ``--quiet`` or ``--progress``."""
    from sim.cli.common import add_overwrite_argument, positive_int

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
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--quiet", action="store_true", help="no progress bar or summary table")
    bar.add_argument(
        "--progress", action="store_true", help="show the progress bar even when not a terminal"
    )


def executor_options(args: Any) -> dict[str, Any]:
    """The keyword arguments of :func:`sim.experiments.experiment.run_experiment` (and of
    ``run_exploration``) that :func:`add_executor_arguments` declared: workers, Dask scheduler,
    resume, overwrite and progress (``--quiet`` off, ``--progress`` on, else the terminal's)."""
    return {
        "workers": args.workers,
        "dask_scheduler": args.dask_scheduler,
        "resume": args.resume,
        "overwrite": args.overwrite,
        "progress": False if args.quiet else (True if args.progress else None),
    }


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
