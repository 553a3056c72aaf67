"""``escalation run``: Monte Carlo runs of one scenario under one US response policy.

Writes ``outcomes.parquet`` (one row per run), ``daily_quantiles.parquet`` (per-day quantiles of
attacks, casualties, the rung and US strikes), the summary (Parquet, CSV, Markdown),
``figure.png`` and ``manifest.json`` into ``--out`` (default ``results/<scenario>-<policy>``).
"""

from __future__ import annotations

import argparse
import shlex
from functools import partial
from pathlib import Path

from sim.analysis import metrics
from sim.analysis.outcomes import KEY_NOTE, key_table
from sim.cli.options import (
    add_execution_arguments,
    command_words,
    execute,
    experiment_from_args,
    summary_context,
)
from sim.core.policies import get_policy
from sim.experiments.experiment import ExperimentResult, run_experiment
from sim.experiments.store import safe_name
from sim.inputs.scenario import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` sub-command."""
    p = sub.add_parser(
        "run",
        help="Monte Carlo runs of a scenario under one policy",
        description="Run a scenario many times under one US response policy and write the "
        "per-run outcomes, daily quantiles, a summary, a figure and a manifest.",
    )
    p.add_argument("scenario", help="scenario YAML file (see scenarios/)")
    p.add_argument("--policy", default=None, help="policy name (default: the scenario's policy)")
    p.add_argument(
        "--out", default=None, help="result directory (default: results/<scenario>-<policy>)"
    )
    add_execution_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, run, write, and print where the results are."""
    scenario = load_scenario(args.scenario)
    policy = args.policy or scenario.policy
    get_policy(policy)
    if args.out is None:
        args.out = str(Path("results") / f"{scenario.name}-{safe_name(policy)}")
    exp = experiment_from_args(args, scenario, (policy,))

    def finalise(result: ExperimentResult, d: Path) -> list[Path]:
        from sim.figures import plots  # matplotlib: imported only when figures are drawn

        summary = metrics.summarise_outcomes(
            result.outcomes, baseline=policy, horizon=scenario.days
        )
        files = list(metrics.write_summary(summary, d, context=summary_context(args, scenario)))
        files.append(
            plots.figure_run(
                result.quantiles[policy],
                result.outcomes,
                scenario,
                d / "figure.png",
                runs=args.runs,
                seed=args.seed,
                policy=policy,
            )
        )
        return files

    words = command_words(args, "run", "--policy", policy)
    res = execute(
        args, partial(run_experiment, exp), words, command=shlex.join(words), finalise=finalise
    )
    if isinstance(res, int):
        return res
    if not args.quiet:
        print(f"{scenario.name}: {args.runs:,} runs of '{policy}' (seed {args.seed})")
        print(key_table(res.outcomes, scenario.days).to_string())
        print(KEY_NOTE)
        print(f"results in {res.out}/ ({', '.join(p.name for p in res.files)})")
    return 0
