"""``escalation validate``: forecasts scored as they would have been made, origin by origin.

Runs the pre-registered rolling-origin evaluation (sim/validation/protocol.py): at each of 18
quarterly origins from April 2020 to July 2024, every model is fitted only on the record's rows
visible then (ended and published before the origin) and forecasts the monthly counts of the
next three months, in two modes (given the documented US actions of those months, or not): the
agent model calibrated on the visible record at each origin, the agent model with the five
articles' posterior, and six statistical baselines. The forecasts are scored against the
record's monthly series (CRPS, log score, ignorance, interval score, coverage, PIT). Writes
summary.md, the tables (CSV), the figures and manifest.json into DIR (docs/validation.md).

--quick scores 3 origins with 200 samples and a token calibration (about a minute; the CI's
run): a check of the machinery, not the protocol's scores.

Example (the pre-registered run, about 10 minutes on two cores)::

    escalation validate --out results/validation
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from sim import api
from sim.cli.common import add_overwrite_argument, add_record_argument, check_out_dir, description
from sim.validation.evaluation import Progress
from sim.validation.settings import FULL, QUICK


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    p = sub.add_parser(
        "validate",
        help="score rolling-origin forecasts of the agent model and the baselines on the record",
        description=description(__doc__),
    )
    p.add_argument("--out", metavar="DIR", required=True, help="output directory")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{len(QUICK.origins)} origins, {QUICK.samples} samples, a token calibration (a "
        "check of the machinery, not the protocol's run)",
    )
    add_overwrite_argument(p)
    add_record_argument(p, "full", "the record the protocol evaluates on")
    p.set_defaults(func=run)


def progress_printer() -> tuple[Progress, object]:
    """A progress bar on stderr when it is a terminal, else one line per origin."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=None, unit="origin", file=sys.stderr, leave=False)

        def show(done: int, total: int, line: str) -> None:
            bar.total = total
            bar.set_postfix_str(line.split(":")[0])
            bar.update(1)

        return show, bar

    def say(done: int, total: int, line: str) -> None:
        print(f"[{done}/{total}] {line}", file=sys.stderr, flush=True)

    return say, None


def run(args: argparse.Namespace) -> int:
    """Evaluate and write the outputs."""
    out = Path(args.out)
    check_out_dir(out, args.overwrite)
    settings = QUICK if args.quick else FULL
    command = "escalation " + shlex.join(sys.argv[1:]) if sys.argv else ""
    show, bar = progress_printer()
    try:
        ev = api.validate(args.record, quick=args.quick, progress=show, command=command)
    finally:
        if bar is not None:
            bar.close()
    ev.save(out, args.overwrite)
    tot = ev.totals()
    cols = ["mode", "model", "log_score", "crps", "cover50", "cover90"]
    print(tot.sort_values(["mode", "log_score"], ascending=[True, False])[cols]
          .round(2).to_string(index=False))  # fmt: skip
    print(f"evaluated {len(settings.origins)} origins in {ev.seconds:.0f} s; report: "
          f"{out / 'summary.md'}")  # fmt: skip
    return 0
