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

from sim.cli.common import positive_int, seed_int
from sim.errors import UserError
from sim.history.replay import (
    FORCEABLE,
    load_record,
    parse_date,
    plot_replay,
    replay,
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


def make_out(path: str) -> Path:
    """Create the output directory or raise a :class:`UserError`."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the directory ({exc.strerror})") from None
    return out


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``replay`` sub-command."""
    p = sub.add_parser(
        "replay",
        help="simulate a historical window with some actors' actions fixed to the record",
    )
    p.add_argument("--record", metavar="FILE", help="event table (default: the packaged record)")
    p.add_argument("--start", metavar="DATE", required=True, help="first day (YYYY-MM-DD)")
    p.add_argument("--end", metavar="DATE", required=True, help="last day (YYYY-MM-DD)")
    p.add_argument(
        "--scenario", metavar="SCENARIO",
        help="the period's setting and shocks (default: the late-2019 start with all dated "
        "shocks of the shipped scenarios)",
    )  # fmt: skip
    p.add_argument(
        "--force", type=actors, default=["us"], metavar="ACTORS",
        help=f"actors fixed to the record, comma-separated ({', '.join(FORCEABLE)}; default us)",
    )  # fmt: skip
    p.add_argument("--runs", type=positive_int, required=True)
    p.add_argument("--seed", type=seed_int, required=True)
    p.add_argument("--out", metavar="DIR", required=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Replay and write the outputs."""
    events = load_record(args.record)
    start, end = parse_date(args.start, "--start"), parse_date(args.end, "--end")
    if end < start:
        raise UserError(f"--end {end} is before --start {start}")
    scenario = load_scenario(args.scenario) if args.scenario else None
    out = make_out(args.out)
    res = replay(events, start, end, args.runs, args.seed, scenario=scenario, force=args.force)
    res.runs.to_parquet(out / "runs.parquet", index=False)
    res.weekly.to_csv(out / "weekly.csv", index=False)
    plot_replay(res, out / "replay.png", ", ".join(args.force))
    write_manifest(
        out, command="escalation " + shlex.join(sys.argv[1:]), seed=args.seed, runs=args.runs,
        start=start, end=end, scenario=args.scenario, record=args.record, force=args.force,
    )  # fmt: skip
    tot = res.runs["attacks_total"]
    print(
        f"replayed {start} to {end}, {args.runs} runs: attacks median {tot.median():.0f} "
        f"(90%: {tot.quantile(0.05):.0f}-{tot.quantile(0.95):.0f}); outputs in {out}"
    )
    return 0
