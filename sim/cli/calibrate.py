"""``escalation calibrate``: fit the rule parameters to the documented record.

Writes ``report.md`` (parameter table, convergence diagnostics, posterior predictive check and,
with ``--until`` before 30 July 2024, the held-out 2024 check), its figures, ``posterior.csv``
and the tables into DIR. ``--write-posterior`` also replaces the shipped posterior
``sim/data/posterior.csv``, which the scenarios draw their parameters from::

    escalation calibrate --seed 1 --out results/calibration --write-posterior
"""

from __future__ import annotations

import argparse
import shlex
import sys
from importlib import resources
from pathlib import Path

from sim.calibration.calibrate import calibrate, write_report
from sim.calibration.settings import SETTINGS
from sim.cli.common import positive_int, seed_int
from sim.errors import UserError
from sim.history.replay import parse_date, write_manifest
from sim.inputs.record import load_events, load_period_counts


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` sub-command."""
    p = sub.add_parser(
        "calibrate",
        help="fit the parameters to the documented record (ABC-SMC) and write a report",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    p.add_argument("--record", metavar="FILE", help="event table (default: the packaged record)")
    p.add_argument("--periods", metavar="FILE", help="period counts (default: the packaged ones)")
    p.add_argument("--until", metavar="DATE", help="use the record up to this day (YYYY-MM-DD)")
    p.add_argument("--seed", type=seed_int, required=True, help="calibration seed")
    p.add_argument("--out", metavar="DIR", required=True, help="output directory")
    p.add_argument(
        "--particles", type=positive_int, default=SETTINGS.particles, help="ABC population size"
    )
    p.add_argument(
        "--generations",
        type=positive_int,
        default=SETTINGS.generations,
        help="ABC generations (at most)",
    )
    p.add_argument(
        "--rows",
        type=positive_int,
        default=SETTINGS.rows,
        help="posterior draws written (1000-2000)",
    )
    p.add_argument(
        "--ppc-runs",
        type=positive_int,
        default=SETTINGS.ppc_runs,
        help="runs of the predictive check",
    )
    p.add_argument(
        "--write-posterior",
        action="store_true",
        help="also replace the shipped sim/data/posterior.csv",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Calibrate, write the report, optionally ship the posterior."""
    events = load_events(args.record)
    periods = load_period_counts(args.periods)
    until = parse_date(args.until, "--until") if args.until else None
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the directory ({exc.strerror})") from None
    fit = calibrate(
        events, periods, until=until, seed=args.seed, particles=args.particles,
        generations=args.generations, rows=args.rows,
        progress=lambda s: print(s, file=sys.stderr),
    )  # fmt: skip
    command = "escalation " + shlex.join(sys.argv[1:]) if sys.argv else ""
    res = write_report(fit, out, events, periods, ppc_runs=args.ppc_runs, command=command)
    write_manifest(out, command=command, seed=args.seed, until=fit.until, record=args.record,
                   periods=args.periods, seconds=round(fit.seconds, 1),
                   stop_reason=fit.abc.stop_reason)  # fmt: skip
    if args.write_posterior:
        target = Path(str(resources.files("sim").joinpath("data", "posterior.csv")))
        fit.posterior.to_csv(target, index=False)
        print(f"wrote {target} ({len(fit.posterior)} draws)")
        informed = target.with_name("informed.csv")  # the table's informed flags
        fit.summary()[["parameter", "method", "width_ratio", "informed"]].to_csv(
            informed, index=False
        )
        print(f"wrote {informed}")
    table = res["table"]
    print(
        f"calibrated in {fit.seconds:.0f} s ({fit.abc.stop_reason}); "
        f"{int(table['inside_band'].sum())}/{len(table)} documented statistics inside the "
        f"predictive 90% band; report: {out / 'report.md'}"
    )
    return 0
