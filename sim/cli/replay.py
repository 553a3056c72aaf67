"""``escalation replay``: simulate a documented window with some actors fixed to the record.

Writes ``runs.parquet`` (one row per run: the window totals), ``weekly.csv`` (the weekly
predicted distribution of attacks and US casualties next to the record), ``replay.png`` and
``manifest.json`` into DIR.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from sim.cli.common import add_overwrite_argument, positive_int, seed_int, staged_out_dir
from sim.errors import UserError
from sim.history.replay import (
    FORCEABLE,
    load_record,
    parse_date,
    plot_replay,
    replay,
    setting_info,
    write_manifest,
)
from sim.inputs.scenario import load_scenario


def actors(text: str) -> list[str]:
    """A comma-separated list of forceable actors."""
    names = [a.strip() for a in text.split(",") if a.strip()]
    for a in names:
        if a not in FORCEABLE:
            raise argparse.ArgumentTypeError(f"unknown actor '{a}' (known: {', '.join(FORCEABLE)})")
    return names


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``replay`` sub-command."""
    p = sub.add_parser(
        "replay",
        help="simulate a historical window with some actors' actions fixed to the record",
    )
    p.add_argument("--record", metavar="FILE", help="event table (default: the packaged record)")
    p.add_argument(
        "--start", metavar="DATE",
        help="first day (YYYY-MM-DD; required without --scenario, else the scenario's start)",
    )  # fmt: skip
    p.add_argument(
        "--end", metavar="DATE",
        help="last day (YYYY-MM-DD; required without --scenario, else the scenario's end)",
    )  # fmt: skip
    p.add_argument(
        "--scenario", metavar="SCENARIO",
        help="the period's setting, shocks and the policy of an actor not forced (a file or a "
        "shipped name; default: the packaged history setting sim/data/history_setting.yaml)",
    )  # fmt: skip
    p.add_argument(
        "--force", type=actors, default=["us"], metavar="ACTORS",
        help=f"actors fixed to the record, comma-separated ({', '.join(FORCEABLE)}; default us)",
    )  # fmt: skip
    p.add_argument("--runs", type=positive_int, required=True)
    p.add_argument("--seed", type=seed_int, required=True)
    p.add_argument("--out", metavar="DIR", required=True)
    add_overwrite_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Replay and write the outputs."""
    events = load_record(args.record)
    scenario = load_scenario(args.scenario) if args.scenario is not None else None
    if scenario is None and (args.start is None or args.end is None):
        raise UserError("--start and --end are required without --scenario")
    start = parse_date(args.start, "--start") if args.start is not None else scenario.start
    end = parse_date(args.end, "--end") if args.end is not None else scenario.end
    if end < start:
        raise UserError(f"--end {end} is before --start {start}")
    with staged_out_dir(args.out, args.overwrite) as tmp:
        res = replay(events, start, end, args.runs, args.seed, scenario=scenario,
                     force=args.force)  # fmt: skip
        res.runs.to_parquet(tmp / "runs.parquet", index=False)
        res.weekly.to_csv(tmp / "weekly.csv", index=False)
        plot_replay(res, tmp / "replay.png", ", ".join(args.force))
        write_manifest(
            tmp, command="escalation " + shlex.join(sys.argv[1:]), seed=args.seed,
            runs=args.runs, start=start, end=end, scenario=args.scenario, record=args.record,
            force=args.force, policy=res.setting.policy, **setting_info(args.scenario),
        )  # fmt: skip
    out = Path(args.out)
    tot = res.runs["attacks_total"]
    print(
        f"replayed {start} to {end}, {args.runs} runs: attacks median {tot.median():.0f} "
        f"(90%: {tot.quantile(0.05):.0f}-{tot.quantile(0.95):.0f}); outputs in {out}"
    )
    return 0
