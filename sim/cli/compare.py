"""``escalation compare``: the same Monte Carlo runs under several US response policies.

Every policy sees the same random draws and parameter draws run by run (common random numbers),
so the paired differences against ``do_nothing`` (always included as the reference) are far less
noisy than the policies' spreads. Writes ``outcomes.parquet`` (every policy),
``daily_quantiles.parquet`` (column ``policy``), the summary (Parquet, CSV, Markdown), the
figures and ``manifest.json`` into ``--out`` (default ``results/<scenario>-compare``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from functools import partial
from pathlib import Path

import pandas as pd

from sim import api
from sim.analysis.outcomes import KEY_NOTE
from sim.api import BASELINE, resolve_policies
from sim.cli.options import (
    add_execution_arguments,
    add_format_argument,
    command_words,
    execute,
    experiment_from_args,
)
from sim.inputs.scenario import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` sub-command."""
    p = sub.add_parser(
        "compare",
        help="compare US response policies on the same random draws",
        description="Run a scenario under several US response policies with common random "
        "numbers and write per-run outcomes, daily quantiles, a summary with paired "
        "differences against do_nothing, figures and a manifest.",
    )
    p.add_argument("scenario", help="scenario YAML file (see scenarios/)")
    p.add_argument(
        "--policies",
        default=None,
        metavar="all|scenario|a,b,c",
        help="'all' built-in policies, the 'scenario' list (default when the scenario has one, "
        "else all), or names separated by commas",
    )
    p.add_argument(
        "--out", default=None, help="result directory (default: results/<scenario>-compare)"
    )
    p.add_argument(
        "--robustness",
        metavar="EXPLORE_DIR",
        default=None,
        help="a result of `escalation explore`: say beside each difference whether its sign "
        "holds in at least 90%% of the explored worlds, and which parameter decides it if not",
    )
    add_execution_arguments(p)
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, run, write, print the key table and where the files are."""
    scenario = load_scenario(args.scenario)
    policies, added = resolve_policies(args.policies, scenario)
    if args.robustness:
        from sim.explore.robustness import check_explore_dir

        check_explore_dir(args.robustness, scenario)  # refuse a wrong one before any run
    if args.out is None:
        args.out = str(Path("results") / f"{scenario.name}-compare")
    exp = experiment_from_args(args, scenario, tuple(policies))
    if added and not args.quiet:
        print(f"note: added {BASELINE} as the reference of the paired differences", file=sys.stderr)
    words = command_words(args, "compare", "--policies", ",".join(policies))
    res = execute(
        args,
        partial(api.run_command, exp, kind="compare"),
        words,
        command=shlex.join(words),
        robustness=args.robustness,
        xarray=args.format,
    )
    if isinstance(res, int):
        return res
    out = Path(args.out)
    if not args.quiet:
        print(
            f"{scenario.name}: {len(policies)} policies × {args.runs:,} runs (seed {args.seed}),"
            " same draws for every policy"
        )
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            print(res.key_table().to_string())
        print(KEY_NOTE)
        print(f"differences from {BASELINE}, with 95% intervals: {out / 'summary.md'}")
        if args.robustness:
            print(f"whether their signs hold across explored worlds: {out / 'robustness.md'}")
        print(f"results in {out}/ ({len(res.result.files)} files)")
    return 0
