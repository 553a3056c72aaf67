"""``escalation record [DIR]``: validate a record (a folder, or ``seeds`` or ``full`` of the
packaged one) and print a readable summary, its monthly series or their figure; or import an
ACLED export as a record.

The summary counts what the model is calibrated to: attacks on US or coalition targets in Iraq
and the actions of the model's actors (the US, Iran, the militias, the Iraqi government). Rows
about third parties or places outside the model (the Israel–Hamas war, strikes in Beirut or
Tehran by others, attacks outside the theatres) are context: they are listed apart and counted
in nothing else. ``--json`` prints the same as JSON.

--monthly prints each series month by month (docs/record.md, "The monthly series"): the best
estimate and the bounds the record supports, for the default basis or one counter (--counter),
as Markdown or CSV (--format). --plot FILE draws them: monthly attacks by theatre with their
bounds, the US strikes by place, the declared truces and the major shocks.

Examples::

    escalation record full --monthly --format csv > monthly.csv
    escalation record --plot record.png
    escalation record import-acled acled_iraq_syria.csv --out my_record
    escalation record my_record --monthly
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pandas as pd

from sim.analysis.tables import csv_table, markdown_table, text_table
from sim.cli.common import check_out_file, description
from sim.errors import UserError
from sim.experiments.store import failure_reason
from sim.inputs.record import Record, load_record, summarise, uncovered_months

#: Actors of the record that the model has (anything else is a third party).
MODEL_ACTORS = ("us", "iran", "iraq_gov", "militia", "unknown", "badr")
#: The sub-command of ``record`` that imports an ACLED export.
IMPORT_ACLED = "import-acled"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``record`` sub-command."""
    p = sub.add_parser(
        "record",
        help="validate a record and summarise it, print its monthly series or draw them; "
        "import an ACLED export",
        description=description(__doc__),
    )
    p.add_argument(
        "record", nargs="?", default="full", metavar="DIR|seeds|full|import-acled",
        help="a record folder, or 'seeds' (the five articles' rows) or 'full' (the packaged "
        "record) (default: full); 'import-acled FILE --out DIR' imports an ACLED export",
    )  # fmt: skip
    p.add_argument("file", nargs="?", metavar="FILE", help="the ACLED export (import-acled)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--monthly", action="store_true",
        help="print the monthly series: best estimate and bounds, by theatre and kind",
    )  # fmt: skip
    p.add_argument(
        "--counter", default="basis",
        choices=("basis", "official", "tracker", "press", "claims", "article"),
        help="whose count statements bound the months: the default basis (official where "
        "there is one, then tracker, press, the five articles; claims never) or one counter",
    )  # fmt: skip
    p.add_argument(
        "--format", choices=("markdown", "csv"), default="markdown",
        help="--monthly as Markdown tables or as one tidy CSV table",
    )  # fmt: skip
    p.add_argument(
        "--plot", metavar="FILE", help="draw the monthly series to FILE (.png, .pdf or .svg)"
    )
    p.add_argument("--out", metavar="DIR", help="the record folder import-acled writes")
    p.set_defaults(func=run)


def is_context(events: pd.DataFrame) -> pd.Series:
    """Rows about third parties (an actor the model does not have: a third party, the umbrella
    of claims aside) or attacks outside the theatres (theatre ``other``: the rockets on Bagram,
    Afghanistan)."""
    from sim.core.params import GROUPS

    actors = {*MODEL_ACTORS, *GROUPS, "islamic_resistance_iraq", "kataib_sayyid_al_shuhada",
              "pmf"}  # fmt: skip
    third = ~events["actor"].isin(actors)
    abroad = events["is_attack"] & (events["theatre"] == "other") & (events["actor"] != "us")
    return third | abroad


def _date(x) -> str:
    return pd.Timestamp(x).date().isoformat()


def summary(record: Record) -> dict[str, object]:
    """The summary: model rows through :func:`sim.inputs.record.summarise`, context apart, and
    the count statements by counter and kind."""
    events = record.events
    ctx = is_context(events)
    model = events[~ctx]
    s = summarise(model)
    from sim.inputs.monthly import event_series

    series = event_series(model).value_counts()
    counts = record.counts
    out: dict[str, object] = {
        "rows": len(events),
        "first_date": _date(events["day"].min()),
        "last_date": _date(events["day"].max()),
        "model_rows": len(model),
        "seed_rows": int((events["seed"] != "").sum()),
        "attacks_by_series": {
            n: int(series.get(n, 0))
            for n in ("iraq_base_attacks", "iraq_convoy_bombs", "syria_attacks", "jordan_attacks")
        },
        **{k: v for k, v in s.items() if k not in ("n_events", "first_date", "last_date")},
        "count_statements": len(counts),
        "statements_by_counter": {
            str(k): int(v) for k, v in counts["counter"].value_counts().sort_index().items()
        },
        "statements_by_kind": {
            str(k): int(v) for k, v in counts["kind"].value_counts().sort_index().items()
        },
        "gaps": len(record.gaps),
        "uncovered_months": [f"{m} {th}" for m, th in uncovered_months(record)],
        "context_rows": [
            {
                "date": _date(r.day),
                "actor": r.actor,
                "action": r.action,
                "target": r.target,
                "location": r.location,
            }
            for r in events[ctx].itertuples()
        ],
    }
    return out


def _print_summary(record: Record, s: dict[str, object]) -> None:
    print(
        f"{record.name}: valid, {s['rows']} events from {s['first_date']} to {s['last_date']} "
        f"({s['seed_rows']} from the five articles), {s['count_statements']} count statements, "
        f"{s['gaps']} months without a count"
    )
    uncovered = s["uncovered_months"]
    if uncovered:
        shown = ", ".join(uncovered[:6]) + (", ..." if len(uncovered) > 6 else "")
        print(f"Months of Iraq or Syria with neither an attack count nor a gaps.csv row: "
              f"{len(uncovered)} ({shown})")  # fmt: skip
    else:
        print("Every month of Iraq and Syria has an attack count or a gaps.csv row")
    print()
    a = s["attacks_by_series"]
    print(f"Attacks on US or coalition targets in Iraq: {s['n_attacks']} "
          f"({s['n_lethal_attacks']} lethal); bombs on supply convoys in Iraq: "
          f"{a['iraq_convoy_bombs']}; attacks in Syria: {a['syria_attacks']}, in Jordan: "
          f"{a['jordan_attacks']} (documented events, lower bounds)")  # fmt: skip
    print(f"Americans killed: {s['us_killed']}; wounded: at least {s['us_wounded_low']}")
    strikes = s["us_strikes"]
    print(
        f"US strikes: {strikes['us_strike_syria']} in Syria, {strikes['us_strike_iraq']} inside "
        f"Iraq, {strikes['decapitation']} decapitation, {strikes['us_strike_iran']} on Iran"
    )
    if s["count_statements"]:
        by = ", ".join(f"{k} {v}" for k, v in s["statements_by_counter"].items())
        print(f"Count statements by counter: {by}")
    print()
    print(f"Rows of the model's actors ({s['model_rows']}), by action:")
    rows = [[a, str(n)] for a, n in s["by_action"].items()]
    print(text_table(["action", "rows"], rows))
    ctx = s["context_rows"]
    print()
    print(f"Context rows (third parties, or attacks outside Iraq), counted above in nothing "
          f"({len(ctx)}):")  # fmt: skip
    if ctx:
        body = [[c["date"], c["actor"], c["action"], c["target"], c["location"]] for c in ctx]
        print(text_table(["date", "actor", "action", "target", "location"], body, wrap=(4,)))


# --- the monthly series ----------------------------------------------------------------------

#: The tables of --monthly: a title and the series of each.
MONTHLY_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Attacks on US or coalition forces",
     ("iraq_base_attacks", "iraq_convoy_bombs", "syria_attacks", "jordan_attacks")),
    ("US strikes (events)",
     ("iraq_us_strikes_facilities", "iraq_us_strikes_leaders", "syria_us_strikes_facilities",
      "syria_us_strikes_leaders", "iran_us_strikes_facilities", "iran_us_strikes_leaders")),
    ("Iran's direct strikes on US forces",
     ("iraq_iran_direct_strikes", "syria_iran_direct_strikes", "jordan_iran_direct_strikes")),
    ("Americans killed", ("iraq_us_killed", "syria_us_killed", "jordan_us_killed")),
    ("Americans wounded", ("iraq_us_wounded", "syria_us_wounded", "jordan_us_wounded")),
    ("Days under a declared truce", ("truce_days",)),
)  # fmt: skip


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def cell(row: pd.Series) -> str:
    """A month in a Markdown table: ``best (low–high)``, ``best (≥ low)`` when nothing caps it,
    the exact figure alone when the bounds meet; ``~`` before a month nothing informs."""
    lo, hi, best = int(row["low"]), row["high"], float(row["best"])
    mark = "~" if row["informed_by"] == "interpolated" else ""
    if math.isinf(hi):
        return f"{mark}{_num(best)} (≥ {lo})"
    if lo == hi:
        return f"{mark}{lo}"
    return f"{mark}{_num(best)} ({lo}–{int(hi)})"


def monthly_markdown(record: Record, counter: str) -> str:
    """The --monthly tables in Markdown, one per group of series, and the statements the
    counter's statements and the events cannot all meet."""
    from sim.inputs.monthly import BY_NAME, monthly

    res = monthly(record, (counter,))
    table = res.table
    out = [
        f"# Monthly series of {record.name} ({counter})",
        "",
        "Each cell: best estimate (least–most the record supports); ≥ where nothing caps the "
        "month; one figure where the bounds meet; ~ marks a month that no statement or event "
        'informs (docs/record.md, "The monthly series").',
    ]
    for title, names in MONTHLY_SECTIONS:
        sub = table[table["series"].isin(names)]
        cells = {n: sub[sub["series"] == n].set_index("month") for n in names}
        months = cells[names[0]].index
        rows = [[str(m)] + [cell(cells[n].loc[m]) for n in names] for m in months]
        out += ["", f"## {title}", "", markdown_table(
            ["month", *[BY_NAME[n].label for n in names]], rows)]  # fmt: skip
    conf = res.conflicts
    out += ["", "## Statements that cannot all hold", ""]
    if conf.empty:
        out.append("None: the statements and the events agree.")
    else:
        out.append(
            "At the smallest total slack, these statements are missed by `short_by` (another "
            "resolution may miss others by as much):"
        )
        out.append("")
        out.append(markdown_table(
            ["statement", "side", "low", "high", "short by"],
            [[r.statement, r.side, "" if pd.isna(r.low) else _num(r.low),
              "" if pd.isna(r.high) else _num(r.high), _num(r.short_by)]
             for r in conf.itertuples()],
        ))  # fmt: skip
    if not res.superseded.empty:
        out += ["", "## Running tallies superseded", "",
                "A later running tally of the same counter contradicts these sides, which the "
                "table leaves out:", "",
                markdown_table(["statement", "side", "superseded by"],
                               [[r.statement, r.side, r.superseded_by]
                                for r in res.superseded.itertuples()])]  # fmt: skip
    return "\n".join(out)


def monthly_csv(record: Record, counter: str) -> str:
    """The tidy table (:func:`sim.inputs.monthly.monthly_table`) as CSV: ``month`` as YYYY-MM,
    an open upper bound empty."""
    from sim.inputs.monthly import COLUMNS, monthly_table

    t = monthly_table(record, counter)
    rows = [
        [r.series, r.theatre, r.kind, str(r.month), r.counter, r.low, _num(r.best),
         "" if math.isinf(r.high) else int(r.high), r.informed_by, r.statements]
        for r in t.itertuples()
    ]  # fmt: skip
    return csv_table(list(COLUMNS), rows)


# --- the command -----------------------------------------------------------------------------


def _import_acled(args: argparse.Namespace) -> int:
    from sim.inputs.acled import import_acled

    if args.file is None:
        raise UserError("record import-acled: name the ACLED export (import-acled FILE --out DIR)")
    if args.out is None:
        raise UserError("record import-acled: --out DIR is required (the record folder to write)")
    res = import_acled(Path(args.file), Path(args.out))
    print(
        f"imported {res.events} events from {args.file} ({res.rows} rows read, {res.skipped} "
        f"outside the mapping) into {args.out}; read it with: escalation record {args.out} "
        "--monthly"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    """Load, validate and summarise (or print the monthly series, or draw them)."""
    if args.record == IMPORT_ACLED:
        return _import_acled(args)
    if args.file is not None:
        raise UserError(f"record: unexpected argument {args.file!r} (one record at a time)")
    if args.out is not None:
        raise UserError("record: --out is for import-acled")
    plot = None
    if args.plot is not None:
        suffix = Path(args.plot).suffix.lower()
        if suffix not in (".png", ".pdf", ".svg"):
            raise UserError(f"--plot {args.plot}: the file name must end in .png, .pdf or .svg")
        plot = check_out_file(args.plot, "--plot", suffix)
    record = load_record(args.record)
    if plot is not None:
        from sim.figures.record import plot_record

        try:
            written = plot_record(record, plot, args.counter)
        except OSError as exc:
            raise UserError(f"--plot {plot}: cannot write it ({failure_reason(exc)})") from None
        print(f"wrote {', '.join(str(p) for p in written)}")
        if not args.monthly:
            return 0
    if args.monthly:
        text = (monthly_csv if args.format == "csv" else monthly_markdown)(record, args.counter)
        print(text, end="" if text.endswith("\n") else "\n")
        return 0
    s = summary(record)
    if args.json:
        print(json.dumps(s, indent=2))
        return 0
    _print_summary(record, s)
    return 0
