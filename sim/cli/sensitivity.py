"""``escalation sensitivity``: which assumptions drive the main outcomes (Sobol' or Morris).

Writes ``indices.parquet`` / ``indices.csv`` (one row per outcome × parameter), ``indices.md``
(the top parameters per outcome), ``sensitivity.png`` / ``.pdf`` and ``manifest.json`` into
``--out``, atomically. The method is described in :mod:`sim.explore.sensitivity`.
"""

from __future__ import annotations

import argparse
import sys
import time

from sim.cli.common import (
    add_allow_large_argument,
    add_overwrite_argument,
    positive_int,
    seed_int,
)
from sim.core.policies import get_policy
from sim.experiments import budget
from sim.explore import sensitivity as sens
from sim.explore.sensitivity_report import index_columns, interval, sensitivity_warnings
from sim.inputs.scenario import load_scenario, scenario_file


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` sub-command."""
    p = sub.add_parser(
        "sensitivity",
        help="global sensitivity analysis: which parameters drive the outcomes",
        description="Vary the parameters over their ranges (a Sobol' or Morris design from "
        "SALib), run the model for every parameter set, and rank the parameters by how much "
        "of each outcome they explain: by default the chance of a direct US–Iran exchange, US "
        "deaths, militia attacks, US strikes and the highest rung reached (--outcomes names "
        "others, e.g. days_to_war_restricted_mean).",
    )
    p.add_argument("scenario", help="scenario YAML file (see scenarios/)")
    p.add_argument("--policy", default=None, help="policy name (default: the scenario's policy)")
    p.add_argument(
        "--method", choices=sens.METHODS, default="sobol", help="sobol (default) or morris"
    )
    p.add_argument(
        "--n",
        type=positive_int,
        default=256,
        help="Sobol' base sample N (N×(D+2) parameter sets; a power of 2 is best) or the "
        "number of Morris trajectories (N×(D+1) sets); default 256",
    )
    p.add_argument("--out", required=True, help="result directory (must not exist)")
    p.add_argument(
        "--params",
        default=None,
        metavar="A,B,C",
        help="comma-separated parameter names to vary (default: every parameter the scenario "
        "does not fix; `escalation params` lists them)",
    )
    p.add_argument(
        "--bounds",
        default=None,
        metavar="FILE.yaml",
        help="narrower ranges, 'name: [low, high]' per line (default: the table's ranges)",
    )
    p.add_argument(
        "--outcomes",
        default=None,
        metavar="A,B|all",
        help="outcomes to analyse (default: "
        + ", ".join(sens.DEFAULT_OUTCOMES)
        + "); also "
        + ", ".join(o for o in sens.OUTCOMES if o not in sens.DEFAULT_OUTCOMES)
        + "; the days to a first event as restricted means over the period (a run without "
        "the event counts the whole period), not means of the days of the runs that had it; "
        "lull_after_response is not offered (undefined where no replicate struck)",
    )
    p.add_argument(
        "--reps",
        type=positive_int,
        default=4,
        help="runs per parameter set, averaged, with common random numbers (default 4)",
    )
    p.add_argument("--seed", type=seed_int, default=0, help="seed (default 0)")
    p.add_argument(
        "--batch",
        type=positive_int,
        default=5000,
        help="parameter sets per vectorised ensemble call (default 5000)",
    )
    add_overwrite_argument(p)
    add_allow_large_argument(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(func=run)


def _command_words(args: argparse.Namespace, policy: str) -> list[str]:
    words = ["escalation", "sensitivity", str(args.scenario), "--policy", policy,
             "--method", args.method, "--n", str(args.n), "--reps", str(args.reps),
             "--seed", str(args.seed), "--batch", str(args.batch),
             "--out", str(args.out)]  # fmt: skip
    if args.params:
        words += ["--params", args.params]
    if args.bounds:
        words += ["--bounds", str(args.bounds)]
    if args.outcomes:
        words += ["--outcomes", args.outcomes]
    if args.overwrite:
        words.append("--overwrite")
    return words


def run(args: argparse.Namespace) -> int:
    """Validate everything first, then run, write and summarise."""
    scenario = load_scenario(args.scenario)
    policy = args.policy or scenario.policy
    get_policy(policy)
    names = sens.parse_param_list(args.params) if args.params is not None else None
    bounds = sens.load_bounds(args.bounds) if args.bounds is not None else None
    outcomes = (
        sens.parse_outcome_list(args.outcomes) if args.outcomes else list(sens.DEFAULT_OUTCOMES)
    )
    problem, fixed = sens.build_problem(scenario, names, bounds)
    sens.check_output_dir(args.out, args.overwrite)
    rows = sens.design_size(args.method, args.n, problem["num_vars"])
    what = f"{rows:,} parameter sets × {args.reps:,} runs × {scenario.days:,} days"
    cost = budget.batch_cost(what, rows * args.reps, scenario.days, args.batch * args.reps, rows)
    budget.check(cost, f"--n {args.n} --reps {args.reps}", args.allow_large)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    if args.method == "sobol" and args.n & (args.n - 1):
        say(f"note: N = {args.n} is not a power of 2; the Sobol' design is best balanced at one")
    if fixed and names is None:
        say(f"note: held at the scenario's value and not varied: {', '.join(fixed)}")
    say(
        f"sensitivity: {problem['num_vars']} parameters, {rows:,} parameter sets × "
        f"{args.reps} runs = {rows * args.reps:,} runs of {scenario.days} days"
    )
    t0 = time.perf_counter()
    df = sens.run_sensitivity(
        scenario, policy, args.method, args.n, args.seed, params=problem["names"],
        reps=args.reps, batch=args.batch, bounds=bounds, outcomes=outcomes,
        progress=not args.quiet,
    )  # fmt: skip
    df.attrs["fixed"] = fixed
    df.attrs["seconds"] = round(time.perf_counter() - t0, 2)
    out = sens.write_results(
        df, args.out, args.overwrite, scenario_path=scenario_file(args.scenario),
        command=_command_words(args, policy),
    )  # fmt: skip
    if not args.quiet:
        for outcome in dict.fromkeys(df["outcome"]):
            label = sens.OUTCOMES[outcome][0]
            if outcome in df.attrs["constant"]:
                print(f"{label}: the same in every run (no parameter moves it)")
                continue
            top = sens.top_parameters(df, outcome, 3)
            col, conf = index_columns(args.method)
            cells = [f"{r['parameter']} {interval(r[col], r[conf])}" for _, r in top.iterrows()]
            print(f"{label}: " + ", ".join(cells))
        for w in sensitivity_warnings(df):
            print(w, file=sys.stderr)
        print(f"ran in {df.attrs['seconds']:.1f} s; wrote {out}/ (indices.md, sensitivity.png)")
    return 0
