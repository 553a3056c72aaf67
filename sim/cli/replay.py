"""``escalation replay``: simulate a documented window with some actors fixed to the record.

Writes ``runs.parquet`` (one row per run: the window totals), ``weekly.csv`` (the weekly
simulated distribution of attacks and US casualties next to the record), ``replay.png`` and
``.pdf``, ``summary.md`` and ``manifest.json`` into --out. Example: the weeks around the
killing of Soleimani, with the US actions as documented::

    escalation replay --start 2019-12-01 --end 2020-03-31 --runs 1000 --seed 1
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from sim.analysis.summaries import replay_summary
from sim.cli.common import (
    add_allow_large_argument,
    add_overwrite_argument,
    add_record_argument,
    description,
    positive_int,
    seed_int,
    staged_out_dir,
)
from sim.errors import UserError
from sim.experiments import budget
from sim.experiments.provenance import write_manifest
from sim.experiments.store import write_parquet_atomic
from sim.figures.history import plot_replay
from sim.history.replay import (
    DEFAULT_FORCING_RECORD,
    FORCEABLE,
    REPLAY_FORCE,
    check_span,
    parse_date,
    record_events,
    record_totals,
    replay,
    setting_info,
)
from sim.inputs.scenario import load_scenario

#: Why replay and branch force the five articles' record by default (--help).
FORCING_WHY = (
    "the shipped posterior was fitted with the five articles' US actions forced, so a replay "
    "with it forces the same ones; the full record's truces end only where a later row answers "
    "them"
)
DEFAULT_RUNS = 1000
DEFAULT_SEED = 1


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
        description=description(__doc__),
    )
    add_record_argument(p, DEFAULT_FORCING_RECORD, FORCING_WHY)
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
        "--force", type=actors, default=list(REPLAY_FORCE), metavar="ACTORS",
        help=f"actors fixed to the record, comma-separated ({', '.join(FORCEABLE)}; default "
        f"{','.join(REPLAY_FORCE)}: the US actions and the militias' declared truces)",
    )  # fmt: skip
    p.add_argument("--runs", type=positive_int, default=DEFAULT_RUNS, help="number of runs")
    p.add_argument("--seed", type=seed_int, default=DEFAULT_SEED, help="seed of the runs")
    p.add_argument(
        "--out", metavar="DIR", default=None,
        help="result directory (default: results/replay-START-END)",
    )  # fmt: skip
    add_overwrite_argument(p)
    add_allow_large_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Replay and write the outputs."""
    events = record_events(args.record)
    scenario = load_scenario(args.scenario) if args.scenario is not None else None
    if scenario is None and (args.start is None or args.end is None):
        raise UserError("--start and --end are required without --scenario")
    start = parse_date(args.start, "--start") if args.start is not None else scenario.start
    end = parse_date(args.end, "--end") if args.end is not None else scenario.end
    if end < start:
        raise UserError(f"--end {end} is before --start {start}")
    days = (end - start).days + 1
    check_span(start, days, f"--start {start} --end {end}")
    what = f"{args.runs:,} runs × {days:,} days"
    budget.check(budget.trace_cost(what, args.runs, days, args.runs * days),
                 f"--runs {args.runs}", args.allow_large)  # fmt: skip
    out = Path(args.out or str(Path("results") / f"replay-{start}-{end}"))
    with staged_out_dir(out, args.overwrite) as tmp:
        res = replay(events, start, end, args.runs, args.seed, scenario=scenario,
                     force=args.force)  # fmt: skip
        write_parquet_atomic(res.runs, tmp / "runs.parquet")  # names the file if it fails
        res.weekly.to_csv(tmp / "weekly.csv", index=False)
        plot_replay(res, tmp / "replay.png", args.force)
        (tmp / "summary.md").write_text(
            replay_summary(
                res.runs, scenario=res.setting.name, start=start, end=end, seed=args.seed,
                forced=args.force,
                record_totals=record_totals(events, start, res.setting.days),
            ),
            encoding="utf-8",
        )  # fmt: skip
        write_manifest(
            tmp, "replay", command="escalation " + shlex.join(sys.argv[1:]), seed=args.seed,
            runs=args.runs, scenario_name=res.setting.name, scenario_file=args.scenario,
            start=start, end=end, policies=None,
            details={"record": args.record, "force": args.force, "policy": res.setting.policy,
                     **setting_info(args.scenario)},
        )  # fmt: skip
    tot = res.runs["attacks_total"]
    print(
        f"replayed {start} to {end}, {args.runs} runs: attacks median {tot.median():.0f} "
        f"(90%: {tot.quantile(0.05):.0f}-{tot.quantile(0.95):.0f}); outputs in {out}"
    )
    return 0
