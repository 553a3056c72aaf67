"""``escalation validate``: score the model's out-of-sample predictions on the held-out record.

For each held-out window (``sim/validation/settings.py``), replays the documented history up to
the window's start and predicts the window's count with the documented US actions forced; fits
a constant-rate, a Hawkes and a persistence baseline to the training record; scores all of them
against the documented range (coverage of the 50% and 90% intervals, log score, interval CRPS,
with Monte Carlo errors). Writes ``scores.csv``/``.parquet``, ``comparison.csv``,
``totals.csv``, ``samples.parquet``, ``intervals.png``, ``summary.md`` and ``manifest.json``
into DIR (``docs/validation.md``).

Example (the pre-registered runs and seed)::

    escalation validate --runs 1000 --seed 20261201 --out results/validation
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from sim.cli.common import add_overwrite_argument, add_record_argument, positive_int, seed_int
from sim.inputs.record import legacy_tables, load_record
from sim.validation.heldout import load_heldout
from sim.validation.report import check_out, write_outputs
from sim.validation.settings import SETTINGS
from sim.validation.validate import validate


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    p = sub.add_parser(
        "validate",
        help="score out-of-sample predictions on the held-out record against simple baselines",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    p.add_argument(
        "--runs",
        type=positive_int,
        default=SETTINGS.runs,
        help=f"runs per window (default {SETTINGS.runs}, the pre-registered number)",
    )
    p.add_argument(
        "--seed",
        type=seed_int,
        default=SETTINGS.seed,
        help=f"seed (default {SETTINGS.seed}, the pre-registered seed)",
    )
    p.add_argument("--out", metavar="DIR", required=True, help="output directory")
    add_overwrite_argument(p)
    add_record_argument(
        p, "seeds", "the training record of the pre-registered validation; the full record "
        "holds the held-out rows"
    )  # fmt: skip
    p.add_argument("--heldout", metavar="FILE", help="held-out events (default: packaged)")
    p.add_argument(
        "--heldout-periods", metavar="FILE", help="held-out period counts (default: packaged)"
    )
    p.set_defaults(func=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Validate and write the outputs."""
    out = Path(args.out)
    check_out(out, args.overwrite)
    training = legacy_tables(load_record(args.record))
    heldout = load_heldout(args.heldout, args.heldout_periods)
    res = validate(args.runs, args.seed, training=training, heldout=heldout,
                   progress=lambda s: print(s, file=sys.stderr))  # fmt: skip
    command = "escalation " + shlex.join(sys.argv[1:]) if sys.argv else ""
    write_outputs(res, out, args.overwrite, command)
    tot = res.evaluation.totals
    cols = ["quantity", "model", "cover50", "cover90", "log_score", "crps"]
    print(tot[cols].round(2).to_string(index=False))
    print(f"validated in {res.seconds:.0f} s; report: {out / 'summary.md'}")
    return 0
