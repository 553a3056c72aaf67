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

from sim import api
from sim.analysis.summaries import branch_key_table
from sim.cli.common import (
    add_allow_large_argument,
    add_overwrite_argument,
    add_record_argument,
    check_out_dir,
    description,
    positive_int,
    seed_int,
)
from sim.cli.replay import DEFAULT_RUNS, DEFAULT_SEED, FORCING_WHY, actors
from sim.history.replay import DEFAULT_FORCING_RECORD, FORCEABLE

DEFAULT_HORIZON = api.BRANCH_HORIZON
#: The branches without --policies and --scenario: the record against doing nothing.


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
    """Branch (:func:`sim.api.branch`), write the outputs, print the summary."""
    if args.out is not None:
        check_out_dir(args.out, args.overwrite)  # refuse an unusable --out before any run
    res = api.branch(
        args.at, args.policies, args.horizon, args.runs, args.seed, scenario=args.scenario,
        start=args.start, force=args.force, record=args.record, allow_large=args.allow_large,
        command="escalation " + shlex.join(sys.argv[1:]),
    )  # fmt: skip
    out = Path(args.out or str(Path("results") / f"branch-{res.at}"))
    res.save(out, overwrite=args.overwrite)
    print(branch_key_table(res.runs, res.horizon).to_string())
    print(f"differences from the reference, with 95% intervals: {out / 'summary.md'}")
    print(f"outputs in {out}")
    return 0
