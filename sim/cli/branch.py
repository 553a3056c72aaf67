"""``escalation branch``: condition on the documented history up to a date, then simulate
forward under each policy (common random numbers).

The pseudo-policy ``record`` keeps the documented US actions after the date. Writes
``branch.parquet`` (one row per policy and run: totals over the horizon), ``branch.csv``
(summary per policy), ``branch.png`` and ``.pdf``, ``summary.md`` and ``manifest.json`` into
--out. Example: what if the US had not struck on 3 January 2020::

    escalation branch --at 2020-01-03 --policies record,do_nothing,strike_syria --horizon 120
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.summaries import branch_key_table, branch_summary
from sim.cli.common import (
    add_allow_large_argument,
    add_overwrite_argument,
    add_record_argument,
    description,
    positive_int,
    seed_int,
    staged_out_dir,
)
from sim.cli.replay import DEFAULT_RUNS, DEFAULT_SEED, FORCING_WHY, actors
from sim.core import outcomes
from sim.core.policies import get_policy
from sim.engines.ensemble import OUTCOMES
from sim.errors import UserError
from sim.experiments import budget
from sim.experiments.provenance import write_manifest
from sim.experiments.store import write_parquet_atomic
from sim.figures.history import plot_branch
from sim.history.replay import (
    DEFAULT_FORCING_RECORD,
    FORCEABLE,
    RECORD_POLICY,
    branch,
    check_span,
    history_setting,
    parse_date,
    record_events,
    setting_info,
)
from sim.inputs.scenario import load_scenario

DEFAULT_HORIZON = 120
#: The branches without --policies and --scenario: the record against doing nothing.
DEFAULT_POLICIES = ("record", "do_nothing")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``branch`` sub-command."""
    p = sub.add_parser(
        "branch",
        help="branch from the documented history at a date under several policies",
        description=description(__doc__),
    )
    p.add_argument("--at", metavar="DATE", required=True, help="first day of the branches")
    p.add_argument(
        "--policies", metavar="A,B,C",
        help="comma-separated policy names (`escalation policies` lists them); 'record' keeps "
        "the documented US actions (default: the scenario's policies with --scenario, else "
        "record,do_nothing)",
    )  # fmt: skip
    p.add_argument(
        "--horizon", type=positive_int,
        help=f"days simulated from the branch date on (default: to the scenario's last day "
        f"with --scenario, else {DEFAULT_HORIZON})",
    )  # fmt: skip
    p.add_argument("--runs", type=positive_int, default=DEFAULT_RUNS, help="runs per policy")
    p.add_argument("--seed", type=seed_int, default=DEFAULT_SEED, help="seed of the runs")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="result directory (default: results/branch-DATE)")  # fmt: skip
    add_record_argument(p, DEFAULT_FORCING_RECORD, FORCING_WHY)
    p.add_argument(
        "--scenario", metavar="SCENARIO",
        help="setting, shocks, period and policies (a file or a shipped name; default: the "
        "packaged history setting)",
    )  # fmt: skip
    p.add_argument("--start", metavar="DATE", help="start of the history (default: scenario's)")
    p.add_argument(
        "--force", type=actors, default=list(FORCEABLE), metavar="ACTORS",
        help="actors fixed to the record in the history",
    )  # fmt: skip
    add_overwrite_argument(p)
    add_allow_large_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Branch and write the outputs."""
    events = record_events(args.record)
    at = parse_date(args.at, "--at")
    start = parse_date(args.start, "--start") if args.start is not None else None
    scenario = load_scenario(args.scenario) if args.scenario is not None else None
    if args.policies is not None:
        names = [n.strip() for n in args.policies.split(",") if n.strip()]
    elif scenario is not None:
        names = list(scenario.policies or [scenario.policy])
    else:
        names = list(DEFAULT_POLICIES)
    if not names:
        raise UserError("--policies: give at least one policy")
    for n in names:
        if n != RECORD_POLICY:
            get_policy(n)
    horizon = args.horizon
    if horizon is None:
        horizon = DEFAULT_HORIZON if scenario is None else (scenario.end - at).days + 1
        if horizon < 1:
            raise UserError(f"--at {at} is after the scenario's last day {scenario.end}")
    check_span(at, horizon, f"--horizon {horizon} from --at {at}")
    history_start = start or (scenario or history_setting()).start
    history = max((at - history_start).days, 0)
    what = f"{len(names):,} policies × {args.runs:,} runs × {horizon:,} days after {history:,} days"
    days = history + len(names) * horizon
    cost = budget.trace_cost(what, args.runs, days, args.runs * days)
    budget.check(cost, f"--runs {args.runs}", args.allow_large)
    out = Path(args.out or str(Path("results") / f"branch-{at}"))
    with staged_out_dir(out, args.overwrite) as tmp:
        res = branch(events, at, names, horizon, args.runs, args.seed, start=start,
                     scenario=scenario, force=args.force)  # fmt: skip
        frames = []
        for name, tr in res.futures.items():
            frames.append(pd.DataFrame({"policy": name, "run": np.arange(args.runs),
                                        **{k: tr.outcomes[k] for k in OUTCOMES}}))  # fmt: skip
        table = pd.concat(frames, ignore_index=True)
        write_parquet_atomic(table, tmp / "branch.parquet")  # names the file if it fails
        cols = [o.name for o in outcomes.tagged("history") if o.engine]
        summary = table.groupby("policy", sort=False)[cols].agg(["mean", "median"])
        summary.columns = [f"{a}_{b}" for a, b in summary.columns]
        summary.to_csv(tmp / "branch.csv")
        plot_branch(res, events, tmp / "branch.png")
        first = res.history.start if res.history is not None else at
        end = at + pd.Timedelta(days=horizon - 1).to_pytimedelta()
        setting = scenario.name if scenario is not None else "the documented history"
        (tmp / "summary.md").write_text(
            branch_summary(table, scenario=setting, start=first, at=at, end=end, seed=args.seed),
            encoding="utf-8",
        )
        write_manifest(
            tmp, "branch", command="escalation " + shlex.join(sys.argv[1:]), seed=args.seed,
            runs=args.runs, scenario_name=setting, scenario_file=args.scenario, start=at,
            end=end, policies=names,
            details={"history_start": first, "horizon": horizon, "record": args.record,
                     "force": args.force, **setting_info(args.scenario)},
        )  # fmt: skip
    print(branch_key_table(table, horizon).to_string())
    print(f"differences from the reference, with 95% intervals: {out / 'summary.md'}")
    print(f"outputs in {out}")
    return 0
