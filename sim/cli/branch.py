"""``escalation branch``: condition on the documented history up to a date, then simulate
forward under each policy (common random numbers).

The pseudo-policy ``record`` keeps the documented US actions after the date. Writes
``branch.parquet`` (one row per policy and run: totals over the horizon), ``branch.csv``
(summary per policy), ``branch.png`` and ``manifest.json`` into DIR. Example: what if the US had
not struck on 3 January 2020::

    escalation branch --at 2020-01-03 --policies record,do_nothing,strike_syria \\
        --horizon 120 --runs 1000 --seed 1 --out results/branch
"""

from __future__ import annotations

import argparse
import shlex
import sys

import numpy as np
import pandas as pd

from sim.cli.common import add_overwrite_argument, positive_int, seed_int, staged_out_dir
from sim.cli.replay import actors
from sim.core.policies import get_policy
from sim.engines.ensemble import OUTCOMES
from sim.errors import UserError
from sim.history.replay import (
    FORCEABLE,
    RECORD_POLICY,
    branch,
    load_record,
    parse_date,
    plot_branch,
    setting_info,
    write_manifest,
)
from sim.inputs.scenario import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``branch`` sub-command."""
    p = sub.add_parser(
        "branch", help="branch from the documented history at a date under several policies"
    )
    p.add_argument("--at", metavar="DATE", required=True, help="first day of the branches")
    p.add_argument(
        "--policies",
        help="comma-separated policy names; 'record' keeps the documented US actions "
        "(default with --scenario: the scenario's 'policies', else its 'policy')",
    )  # fmt: skip
    p.add_argument(
        "--horizon", type=positive_int,
        help="days from the date (default with --scenario: to the scenario's last day)",
    )  # fmt: skip
    p.add_argument("--runs", type=positive_int, required=True)
    p.add_argument("--seed", type=seed_int, required=True)
    p.add_argument("--out", metavar="DIR", required=True)
    p.add_argument("--record", metavar="FILE", help="event table (default: packaged record)")
    p.add_argument(
        "--scenario", metavar="SCENARIO",
        help="setting, shocks, period and policies (a file or a shipped name; default: the "
        "packaged history setting)",
    )  # fmt: skip
    p.add_argument("--start", metavar="DATE", help="start of the history (default: scenario's)")
    p.add_argument(
        "--force", type=actors, default=list(FORCEABLE), metavar="ACTORS",
        help="actors fixed to the record in the history (default: us,iran,iraq_gov)",
    )  # fmt: skip
    add_overwrite_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Branch and write the outputs."""
    events = load_record(args.record)
    at = parse_date(args.at, "--at")
    start = parse_date(args.start, "--start") if args.start is not None else None
    scenario = load_scenario(args.scenario) if args.scenario is not None else None
    if args.policies is not None:
        names = [n.strip() for n in args.policies.split(",") if n.strip()]
    elif scenario is not None:
        names = list(scenario.policies or [scenario.policy])
    else:
        raise UserError("--policies is required without --scenario")
    if not names:
        raise UserError("--policies: give at least one policy")
    for n in names:
        if n != RECORD_POLICY:
            get_policy(n)
    horizon = args.horizon
    if horizon is None:
        if scenario is None:
            raise UserError("--horizon is required without --scenario")
        horizon = (scenario.end - at).days + 1
        if horizon < 1:
            raise UserError(f"--at {at} is after the scenario's last day {scenario.end}")
    with staged_out_dir(args.out, args.overwrite) as tmp:
        res = branch(events, at, names, horizon, args.runs, args.seed, start=start,
                     scenario=scenario, force=args.force)  # fmt: skip
        frames = []
        for name, tr in res.futures.items():
            frames.append(pd.DataFrame({"policy": name, "run": np.arange(args.runs),
                                        **{k: tr.outcomes[k] for k in OUTCOMES}}))  # fmt: skip
        table = pd.concat(frames, ignore_index=True)
        table.to_parquet(tmp / "branch.parquet", index=False)
        cols = ["attacks_total", "us_killed", "us_wounded", "us_strikes", "iran_strikes"]
        summary = table.groupby("policy", sort=False)[cols].agg(["mean", "median"])
        summary.columns = [f"{a}_{b}" for a, b in summary.columns]
        summary.to_csv(tmp / "branch.csv")
        plot_branch(res, events, tmp / "branch.png")
        write_manifest(
            tmp, command="escalation " + shlex.join(sys.argv[1:]), seed=args.seed,
            runs=args.runs, at=at, horizon=horizon, policies=names, scenario=args.scenario,
            record=args.record, force=args.force, **setting_info(args.scenario),
        )  # fmt: skip
    out = args.out
    print(summary.round(2).to_string())
    print(f"outputs in {out}")
    return 0
