"""``escalation calibrate``: fit the rule parameters to the documented record.

Fits the parameters to the documented record with approximate Bayesian computation (ABC-SMC)
and writes report.md (parameter table, convergence diagnostics, posterior predictive check and,
with --until before 30 July 2024, the held-out 2024 check), its figures, posterior.csv, the
tables, summary.md and manifest.json into --out. --record chooses the record: by default the
five articles' rows ("seeds"), the record the shipped posterior was fitted to. --write-posterior
PATH also writes the posterior to PATH (atomically), and the informed flags to
STEM_informed.csv beside it; a scenario draws from it with "posterior: PATH". In a checkout,
--write-posterior sim/data/posterior.csv replaces the posterior the package ships. Example:

    escalation calibrate --seed 1 --out results/calibration --write-posterior my_posterior.csv
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from sim import api
from sim.analysis.summaries import calibration_warnings
from sim.calibration.settings import SETTINGS
from sim.cli.common import (
    add_allow_large_argument,
    add_overwrite_argument,
    add_record_argument,
    check_out_dir,
    check_out_file,
    description,
    positive_int,
    seed_int,
)
from sim.inputs.posterior import write_posterior


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` sub-command."""
    p = sub.add_parser(
        "calibrate",
        help="fit the parameters to the documented record (ABC-SMC) and write a report",
        description=description(__doc__),
    )
    add_record_argument(
        p, "seeds", "the five articles' rows, the record the shipped posterior "
        "sim/data/posterior.csv was fitted to, so that the default run reproduces it"
    )  # fmt: skip
    p.add_argument("--until", metavar="DATE", help="use the record up to this day (YYYY-MM-DD)")
    p.add_argument("--seed", type=seed_int, default=1, help="calibration seed")
    p.add_argument("--out", metavar="DIR", default="results/calibration", help="result directory")
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
        help="posterior draws written",
    )
    p.add_argument(
        "--ppc-runs",
        type=positive_int,
        default=SETTINGS.ppc_runs,
        help="runs of the predictive check",
    )
    p.add_argument(
        "--write-posterior",
        metavar="PATH",
        default=None,
        help="also write the posterior to PATH (a .csv file, written atomically; a scenario "
        "uses it with 'posterior: PATH')",
    )
    add_overwrite_argument(p)
    add_allow_large_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Calibrate (:func:`sim.api.calibrate`), write the report, optionally ship the posterior."""
    out = Path(args.out)
    check_out_dir(out, args.overwrite)  # refuse an unusable --out before the fit
    target = None
    if args.write_posterior is not None:
        target = check_out_file(args.write_posterior, "--write-posterior", ".csv")
    command = "escalation " + shlex.join(sys.argv[1:]) if sys.argv else ""
    cal = api.calibrate(
        args.record, args.seed, until=args.until, particles=args.particles,
        generations=args.generations, rows=args.rows, ppc_runs=args.ppc_runs,
        allow_large=args.allow_large, progress=lambda s: print(s, file=sys.stderr),
        command=command,
    )  # fmt: skip
    cal.save(out, overwrite=args.overwrite)
    if target is not None:
        write_posterior(cal.posterior, target)
        print(f"wrote {target} ({len(cal.posterior)} draws)")
        # the verdicts the parameter table reads (sim/data/posterior_informed.csv for the
        # shipped posterior)
        informed = target.with_name(f"{target.stem}_informed.csv")
        cols = ["parameter", "method", "width_ratio", "informed"]
        write_posterior(cal.parameters()[cols], informed)
        print(f"wrote {informed} (which parameters the record informs)")
    fit = cal.fit
    for w in calibration_warnings(fit.abc.last.ess, fit.abc.last.acceptance, len(fit.posterior)):
        print(w, file=sys.stderr)
    inside, statistics = cal.inside
    print(
        f"calibrated in {cal.fit.seconds:.0f} s ({cal.fit.abc.stop_reason}); "
        f"{inside}/{statistics} documented statistics inside the "
        f"predictive 90% band; report: {out / 'report.md'}"
    )
    return 0
