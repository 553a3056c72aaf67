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

from sim.analysis import metrics
from sim.analysis.outcomes import KEY_NOTE, key_table
from sim.cli.options import (
    add_execution_arguments,
    command_words,
    execute,
    experiment_from_args,
    summary_context,
)
from sim.core.policies import PolicyError, all_policies, get_policy
from sim.experiments.experiment import ExperimentResult, run_experiment
from sim.inputs.scenario import Scenario, load_scenario

BASELINE = "do_nothing"


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
    p.set_defaults(func=run)


def resolve_policies(spec: str | None, scenario: Scenario) -> tuple[list[str], bool]:
    """The policies to compare, and whether ``do_nothing`` had to be added.

    Raises
    ------
    PolicyError
        for an unknown name (listing the known ones) or an empty list.
    """
    if spec is None:
        spec = "scenario" if scenario.policies else "all"
    spec = spec.strip()
    if spec == "all":
        names = all_policies()
    elif spec == "scenario":
        if not scenario.policies:
            raise PolicyError(
                f"--policies scenario: scenario '{scenario.name}' has no 'policies' list; "
                "use --policies all or name them"
            )
        names = list(scenario.policies)
    else:
        names = [n.strip() for n in spec.split(",") if n.strip()]
        if not names:
            raise PolicyError("--policies: no policy named")
        for n in names:
            try:
                get_policy(n)
            except PolicyError as exc:
                raise PolicyError(f"--policies: {exc}") from None
    names = list(dict.fromkeys(names))  # drop repeats, keep order
    added = BASELINE not in names
    if added:
        names.insert(0, BASELINE)
    return names, added


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

    def finalise(result: ExperimentResult, d: Path) -> list[Path]:
        from sim.figures import plots  # matplotlib: imported only when figures are drawn

        summary = metrics.summarise_outcomes(
            result.outcomes, baseline=BASELINE, horizon=scenario.days
        )
        sections = []
        if args.robustness:
            from sim.explore.robustness import add_robustness, robustness_section

            summary = add_robustness(summary, args.robustness, d, baseline=BASELINE)
            sections.append(robustness_section(summary))
        context = summary_context(args, scenario)
        files = list(metrics.write_summary(summary, d, context=context, sections=sections))
        files += list(
            plots.figures_compare(
                result.quantiles,
                result.outcomes,
                summary,
                scenario,
                d,
                baseline=BASELINE,
                seed=args.seed,
            )
        )
        return files

    res = execute(
        args, partial(run_experiment, exp), words, command=shlex.join(words), finalise=finalise
    )
    if isinstance(res, int):
        return res
    if not args.quiet:
        print(
            f"{scenario.name}: {len(policies)} policies × {args.runs:,} runs (seed {args.seed}),"
            " same draws for every policy"
        )
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            print(key_table(res.outcomes, scenario.days).to_string())
        print(KEY_NOTE)
        print(f"differences from {BASELINE}, with 95% intervals: {res.out / 'summary.md'}")
        if args.robustness:
            print(f"whether their signs hold across explored worlds: {res.out / 'robustness.md'}")
        print(f"results in {res.out}/ ({len(res.files)} files)")
    return 0
