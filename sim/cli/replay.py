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

from sim import api
from sim.cli.common import (
    add_allow_large_argument,
    add_overwrite_argument,
    add_record_argument,
    check_out_dir,
    description,
    positive_int,
    seed_int,
)
from sim.history.replay import DEFAULT_FORCING_RECORD, FORCEABLE, REPLAY_FORCE

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
    """Replay (:func:`sim.api.replay`), write the outputs, print where they are."""
    out_arg = args.out
    if out_arg is not None:
        check_out_dir(out_arg, args.overwrite)  # refuse an unusable --out before any run
    res = api.replay(
        args.start, args.end, args.runs, args.seed, scenario=args.scenario, force=args.force,
        record=args.record, allow_large=args.allow_large,
        command="escalation " + shlex.join(sys.argv[1:]),
    )  # fmt: skip
    out = Path(out_arg or str(Path("results") / f"replay-{res.start}-{res.end}"))
    res.save(out, overwrite=args.overwrite)
    tot = res.runs["attacks_total"]
    print(
        f"replayed {res.start} to {res.end}, {args.runs} runs: attacks median {tot.median():.0f} "
        f"(90%: {tot.quantile(0.05):.0f}-{tot.quantile(0.95):.0f}); outputs in {out}"
    )
    return 0
