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

from sim import api
from sim.analysis.outcomes import KEY_NOTE
from sim.cli.options import (
    add_execution_arguments,
    add_format_argument,
    command_words,
    execute,
    experiment_from_args,
)
from sim.core.policies import get_policy
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
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, run, write, and print where the results are."""
    scenario = load_scenario(args.scenario)
    policy = args.policy or scenario.policy
    get_policy(policy)
    if args.out is None:
        args.out = str(Path("results") / f"{scenario.name}-{safe_name(policy)}")
    exp = experiment_from_args(args, scenario, (policy,))
    words = command_words(args, "run", "--policy", policy)
    res = execute(
        args,
        partial(api.run_command, exp, kind="run"),
        words,
        command=shlex.join(words),
        xarray=args.format,
    )
    if isinstance(res, int):
        return res
    out = Path(args.out)
    if not args.quiet:
        print(f"{scenario.name}: {args.runs:,} runs of '{policy}' (seed {args.seed})")
        print(res.key_table().to_string())
        print(KEY_NOTE)
        print(f"results in {out}/ ({', '.join(p.name for p in res.result.files)})")
    return 0
