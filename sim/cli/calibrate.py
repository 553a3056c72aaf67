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

from sim.analysis.summaries import calibrate_summary, calibration_warnings
from sim.calibration.calibrate import calibrate
from sim.calibration.report import write_report
from sim.calibration.settings import SEGMENTS, SETTINGS
from sim.cli.common import (
    add_allow_large_argument,
    add_overwrite_argument,
    add_record_argument,
    check_out_file,
    description,
    positive_int,
    seed_int,
    staged_out_dir,
)
from sim.experiments import budget
from sim.experiments.provenance import write_manifest
from sim.history.replay import parse_date, setting_info
from sim.inputs.posterior import write_posterior
from sim.inputs.record import load_record


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
    """Calibrate, write the report, optionally ship the posterior."""
    record = load_record(args.record)
    events, periods = record.events, record.counts
    until = parse_date(args.until, "--until") if args.until is not None else None
    days = sum((seg.end - seg.start).days + 1 for seg in SEGMENTS)
    held = max(min(args.particles, SETTINGS.batch) * SETTINGS.replicates, args.ppc_runs)
    sims = args.particles * SETTINGS.replicates * (args.generations + 1) + args.ppc_runs
    what = (
        f"{args.particles:,} particles × {SETTINGS.replicates} runs × up to "
        f"{args.generations + 1:,} generations × {days:,} days (at least one try a particle)"
    )
    cost = budget.trace_cost(what, held, days, sims * days)
    budget.check(cost, f"--particles {args.particles}", args.allow_large)
    out = Path(args.out)
    target = None
    if args.write_posterior is not None:
        target = check_out_file(args.write_posterior, "--write-posterior", ".csv")
    with staged_out_dir(out, args.overwrite) as tmp:
        fit = calibrate(
            events, periods, until=until, seed=args.seed, particles=args.particles,
            generations=args.generations, rows=args.rows,
            progress=lambda s: print(s, file=sys.stderr),
        )  # fmt: skip
        command = "escalation " + shlex.join(sys.argv[1:]) if sys.argv else ""
        res = write_report(fit, tmp, events, periods, ppc_runs=args.ppc_runs, command=command)
        first = min(seg.start for seg in SEGMENTS)
        table = res["table"]
        (tmp / "summary.md").write_text(
            calibrate_summary(
                start=first, end=fit.until, seed=args.seed, particles=args.particles,
                draws=len(fit.posterior), stop_reason=fit.abc.stop_reason,
                inside=int(table["inside_band"].sum()), statistics=len(table),
                seconds=fit.seconds, windows=[(seg.start, seg.end) for seg in SEGMENTS],
                ess=fit.abc.last.ess, acceptance=fit.abc.last.acceptance,
            ),
            encoding="utf-8",
        )  # fmt: skip
        write_manifest(
            tmp, "calibrate", command=command, seed=args.seed, runs=args.particles,
            scenario_name="documented record", scenario_file=None, start=first,
            end=fit.until, policies=None,
            details={"until": fit.until, "record": args.record, "record_name": record.name,
                     "particles": args.particles, "generations": args.generations,
                     "rows": args.rows, "ppc_runs": args.ppc_runs,
                     "seconds": round(fit.seconds, 1), "stop_reason": fit.abc.stop_reason,
                     **setting_info(None),
                     "segment_settings": {g.name: setting_info(g.scenario) for g in SEGMENTS}},
        )  # fmt: skip
    if target is not None:
        write_posterior(fit.posterior, target)
        print(f"wrote {target} ({len(fit.posterior)} draws)")
        # the verdicts the parameter table reads (sim/data/posterior_informed.csv for the
        # shipped posterior)
        informed = target.with_name(f"{target.stem}_informed.csv")
        cols = ["parameter", "method", "width_ratio", "informed"]
        write_posterior(fit.summary()[cols], informed)
        print(f"wrote {informed} (which parameters the record informs)")
    for w in calibration_warnings(fit.abc.last.ess, fit.abc.last.acceptance, len(fit.posterior)):
        print(w, file=sys.stderr)
    print(
        f"calibrated in {fit.seconds:.0f} s ({fit.abc.stop_reason}); "
        f"{int(table['inside_band'].sum())}/{len(table)} documented statistics inside the "
        f"predictive 90% band; report: {out / 'report.md'}"
    )
    return 0
