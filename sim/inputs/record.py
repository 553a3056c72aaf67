"""The documented record: loading, validation, selections and simple summaries.

The record is package data, the folder ``sim/data/record/`` of three CSV files
(:mod:`sim.inputs.record_schema`; every column is described in ``docs/record.md``):
``events.csv`` (one row per event), ``counts.csv`` (statements about counts over a period, as
intervals, each with the counter who counted) and ``gaps.csv`` (months and theatres for which no
count statement was found). The five news articles the model was first calibrated to are kept in
it and marked (column ``seed``), so that the five-article fit can still be run:
``load_record("seeds")``. Every file is validated on loading; a bad record raises
:class:`RecordError`, which names the file, the line (header = line 1) and the field.

Dates are written as precisely as they are known: ``YYYY-MM-DD`` for ``day`` and ``week``
precision (``week``: the day is a best estimate, known to within about a week; the row's note
says how it was worked out), ``YYYY-MM`` for ``month`` and ``YYYY`` for ``year``. The derived
column ``day`` is the first day of the known period. Casualty fields are integers or empty:
empty means the sources do not say, 0 means they say none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from sim.core.ladder import ACTIONS
from sim.inputs.record_schema import (
    ACTION_CODES,
    ACTION_THEATRE,
    ACTORS,
    ARTICLE_COUNTER,
    ARTICLE_FILE,
    ATTACK_ACTIONS,
    ATTACKER_ACTORS,
    CASUALTY_FIELDS,
    COUNT_ACTION_FIELD,
    COUNT_FIELDS,
    COUNT_THEATRES,
    COUNTERS,
    COUNTS_FILE,
    EVENT_FIELDS,
    EVENTS_FILE,
    GAP_FIELDS,
    GAPS_FILE,
    KINDS,
    MAX_RECORD_BYTES,
    NAMED_GROUPS,
    NON_HOSTILE_FIELD,
    PRECISIONS,
    RECORD_END,
    RECORD_START,
    SEEDS,
    TARGETS,
    THEATRES,
    URL_PREFIXES,
    US_COALITION_TARGETS,
    US_STRIKE_ACTIONS,
    WEAPONS,
    PathArg,
    RecordError,
    check_choice,
    check_day,
    check_id,
    check_int,
    check_required,
    day_series,
    parse_date,
    read_rows,
)
from sim.inputs.record_v1 import (
    ANY_ATTACK,
    EVENT_COLUMNS,
    PERIOD_COLUMNS,
    drop_non_hostile,
    load_events,
    load_period_counts,
)

#: Re-exported: the format is defined in :mod:`sim.inputs.record_schema`, the first format
#: (the five articles' original files') in :mod:`sim.inputs.record_v1`.
__all__ = [
    "ANY_ATTACK",
    "ATTACKER_ACTORS",
    "ATTACK_ACTIONS",
    "CASUALTY_FIELDS",
    "COUNTS_FILE",
    "COUNT_FIELDS",
    "COVERED_THEATRES",
    "COVERING_KINDS",
    "EVENTS_FILE",
    "EVENT_COLUMNS",
    "EVENT_FIELDS",
    "GAPS_FILE",
    "GAP_FIELDS",
    "MAX_RECORD_BYTES",
    "NAMED_GROUPS",
    "PERIOD_COLUMNS",
    "PRECISIONS",
    "RECORD_END",
    "RECORD_START",
    "SELECTIONS",
    "US_COALITION_TARGETS",
    "US_STRIKE_ACTIONS",
    "PathArg",
    "Record",
    "RecordError",
    "events_between",
    "legacy_tables",
    "load_events",
    "load_period_counts",
    "load_record",
    "model_attack_statements",
    "monthly_attack_counts",
    "packaged_record_dir",
    "read_rows",
    "summarise",
    "uncovered_months",
    "write_record",
]

#: The named selections of :func:`load_record`.
SELECTIONS: tuple[str, ...] = ("full", "seeds")
#: The packaged record's folder inside ``sim/data``.
RECORD_FOLDER = "record"


def packaged_record_dir() -> Path:
    """The packaged record's folder, ``sim/data/record``."""
    return Path(str(resources.files("sim").joinpath("data", RECORD_FOLDER)))


@dataclass(frozen=True)
class Record:
    """A validated record: its three tables and where they came from.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per event (:func:`load_record` lists the columns).
    counts : pandas.DataFrame
        One row per count statement.
    gaps : pandas.DataFrame
        One row per month and theatre without a count statement.
    name : str
        What was loaded, in words (for messages and manifests).
    """

    events: pd.DataFrame
    counts: pd.DataFrame
    gaps: pd.DataFrame
    name: str = "a record"
    _key: list[str] = field(default_factory=list, repr=False, compare=False)

    @property
    def key(self) -> str:
        """A digest of the three tables' contents (the cache key of the monthly series)."""
        if not self._key:
            h = hashlib.sha256()
            for frame in (self.events, self.counts, self.gaps):
                h.update(",".join(map(str, frame.columns)).encode())
                h.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy())
            self._key.append(h.hexdigest())
        return self._key[0]

    def seeds(self) -> Record:
        """The rows of the five articles (``seed`` set); no gaps (they describe the compiled
        rows' coverage)."""
        ev = self.events[self.events["seed"] != ""].reset_index(drop=True)
        co = self.counts[self.counts["seed"] != ""].reset_index(drop=True)
        return Record(ev, co, self.gaps.iloc[0:0], f"the five articles' rows of {self.name}")


# --- field checks ----------------------------------------------------------------------------


def _date_row(path: Path, line: int, row: dict[str, str]) -> dt.date:
    check_choice(path, line, "date_precision", row["date_precision"], tuple(PRECISIONS))
    parsed = parse_date(row["date"])
    if parsed is None:
        message = f"{row['date']!r} is not a valid date (expected YYYY-MM-DD, YYYY-MM or YYYY)"
        raise RecordError(path, line, "date", message)
    want = PRECISIONS[row["date_precision"]]
    if parsed[1] != want:
        message = (
            f"{row['date']!r} does not match date_precision {row['date_precision']!r} "
            f"(expected {want})"
        )
        raise RecordError(path, line, "date", message)
    if parsed[0] > RECORD_END:
        message = (
            f"{row['date']!r} is after {RECORD_END} (the record stops there; later events are "
            "reserved as an independent test)"
        )
        raise RecordError(path, line, "date", message)
    return check_day(path, line, "date", parsed[0])


def _check_published(path: Path, line: int, field: str, value: str) -> None:
    parsed = parse_date(value)
    if parsed is None or parsed[1] == "YYYY":
        raise RecordError(
            path, line, field, f"{value!r} is not a valid date (expected YYYY-MM-DD or YYYY-MM)"
        )
    if parsed[0] > RECORD_END:
        message = (
            f"{value!r} is after {RECORD_END}: reporting published later is reserved as an "
            "independent test and is not compiled"
        )
        raise RecordError(path, line, field, message)
    check_day(path, line, field, parsed[0])


def _check_source(path: Path, line: int, row: dict[str, str]) -> None:
    """The source columns of an event or a count statement."""
    check_choice(path, line, "seed", row["seed"], SEEDS, empty_ok=True)
    check_required(path, line, "outlet", row["outlet"])
    _check_published(path, line, "published", row["published"])
    check_required(path, line, "headline", row["headline"])
    if (row["url"] and not row["url"].startswith(URL_PREFIXES)) or (
        not row["seed"] and not row["url"]
    ):
        message = (
            f"{row['url']!r} is not an address (http:// or https://); every row but the five "
            "articles' needs one"
        )
        raise RecordError(path, line, "url", message)
    for part in filter(None, (s.strip() for s in row["also"].split(" | "))):
        bits = [b.strip() for b in part.split("; ")]
        where = bits[-1] if bits else ""
        article = bool(row["seed"]) and ARTICLE_FILE.fullmatch(where) is not None
        if len(bits) < 4 or not (where.startswith(URL_PREFIXES) or article):
            message = f"{part[:60]!r} is not 'outlet; published; headline; url'"
            raise RecordError(path, line, "also", message)
        published = parse_date(bits[1])
        if published is not None and published[0] > RECORD_END:
            raise RecordError(path, line, "also", f"a source published after {RECORD_END}")
        if published is not None:
            check_day(path, line, "also", published[0])


def _check_casualties(path: Path, line: int, row: dict[str, str]) -> dict[str, int | None]:
    values = {f: check_int(path, line, f, row[f]) for f in (*CASUALTY_FIELDS, NON_HOSTILE_FIELD)}
    nh, killed = values[NON_HOSTILE_FIELD], values["us_killed"]
    if nh and (killed is None or nh > killed):
        message = f"{nh} non-hostile deaths but us_killed is {killed if killed else 'empty'}"
        raise RecordError(path, line, NON_HOSTILE_FIELD, message)
    return values


# --- the three files -------------------------------------------------------------------------


def _read_events(
    path: Path, seen: dict[str, tuple[str, int]], include_non_hostile_deaths: bool
) -> pd.DataFrame:
    rows = read_rows(path, EVENT_FIELDS, optional=(), strict=True)
    days: list[dt.date] = []
    casualties: dict[str, list[int | None]] = {f: [] for f in (*CASUALTY_FIELDS, NON_HOSTILE_FIELD)}
    last: tuple[str, int] | None = None
    for line, row in rows:
        check_id(path, line, row["id"], seen)
        day = _date_row(path, line, row)
        if last is not None and row["date"] < last[0]:
            message = (
                f"date out of order: {row['date']!r} comes after {last[0]!r} (line {last[1]}); "
                "the file is in non-decreasing order of date"
            )
            raise RecordError(path, line, "date", message)
        if last is None or row["date"] > last[0]:
            last = (row["date"], line)
        days.append(day)
        check_choice(path, line, "actor", row["actor"], ACTORS)
        check_choice(path, line, "target", row["target"], TARGETS)
        check_choice(path, line, "theatre", row["theatre"], THEATRES)
        check_choice(path, line, "action", row["action"], ACTION_CODES)
        check_choice(path, line, "weapon", row["weapon"], WEAPONS)
        place = ACTION_THEATRE.get(row["action"])
        if place is not None and row["theatre"] != place:
            message = f"{row['action']} happens in {place}, not in {row['theatre']!r}"
            raise RecordError(path, line, "theatre", message)
        for f, v in _check_casualties(path, line, row).items():
            casualties[f].append(v)
        check_choice(path, line, "claimed_by", row["claimed_by"], ACTORS, empty_ok=True)
        _check_source(path, line, row)

    day_of = {row["id"]: day for (_, row), day in zip(rows, days, strict=True)}
    for (line, row), day in zip(rows, days, strict=True):
        ref = row["responds_to"]
        if not ref:
            continue
        if ref == row["id"]:
            raise RecordError(path, line, "responds_to", f"event {ref!r} responds to itself")
        if ref not in day_of:
            raise RecordError(path, line, "responds_to", f"{ref!r} is not the id of any event")
        if day_of[ref] > day:
            message = f"{ref!r} is dated after this event ({day_of[ref]} > {day})"
            raise RecordError(path, line, "responds_to", message)

    text = [c for c in EVENT_FIELDS if c not in (*CASUALTY_FIELDS, NON_HOSTILE_FIELD)]
    frame = pd.DataFrame({c: [row[c] for _, row in rows] for c in text}, dtype=object)
    for f in (*CASUALTY_FIELDS, NON_HOSTILE_FIELD):
        frame[f] = pd.array(casualties[f], dtype="Int64")
    frame = frame[list(EVENT_FIELDS)]
    if not include_non_hostile_deaths:
        drop_non_hostile(frame)
    frame["day"] = day_series(days)
    frame["rung"] = [int(ACTIONS[a]) for a in frame["action"]]
    frame["is_attack"] = (
        frame["actor"].isin(ATTACKER_ACTORS)
        & frame["action"].isin(ATTACK_ACTIONS)
        & frame["target"].isin(US_COALITION_TARGETS)
    )
    frame["in_iraq"] = frame["theatre"] == "iraq"
    return frame


def _read_counts(path: Path, seen: dict[str, tuple[str, int]]) -> pd.DataFrame:
    rows = read_rows(path, COUNT_FIELDS, optional=(COUNT_ACTION_FIELD,), strict=True)
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    lows: list[int | None] = []
    highs: list[int | None] = []
    for line, row in rows:
        check_id(path, line, row["id"], seen)
        bounds = []
        for f in ("start", "end"):
            parsed = parse_date(row[f])
            if parsed is None or parsed[1] != "YYYY-MM-DD":
                raise RecordError(
                    path, line, f, f"{row[f]!r} is not a valid date (expected YYYY-MM-DD)"
                )
            bounds.append(check_day(path, line, f, parsed[0]))
        if bounds[0] > bounds[1]:
            raise RecordError(
                path, line, "end", f"end {row['end']!r} is before start {row['start']!r}"
            )
        if bounds[1] > RECORD_END:
            message = (
                f"{row['end']!r} is after {RECORD_END} (the record stops there; later periods "
                "are reserved as an independent test)"
            )
            raise RecordError(path, line, "end", message)
        starts.append(bounds[0])
        ends.append(bounds[1])
        check_choice(path, line, "theatre", row["theatre"], COUNT_THEATRES)
        check_choice(path, line, "kind", row["kind"], KINDS)
        check_choice(path, line, "actor", row["actor"], ACTORS)
        check_choice(path, line, "counter", row["counter"], COUNTERS)
        if (row["counter"] == ARTICLE_COUNTER) != bool(row["seed"]):
            message = (
                "the counter 'article' is that of the five articles' rows (seed set), and theirs "
                "only"
            )
            raise RecordError(path, line, "counter", message)
        check_choice(path, line, COUNT_ACTION_FIELD, row[COUNT_ACTION_FIELD], ACTION_CODES, True)
        low = check_int(path, line, "count_low", row["count_low"], empty_ok=False)
        high = check_int(path, line, "count_high", row["count_high"])
        if low is not None and high is not None and high < low:
            raise RecordError(
                path, line, "count_high", f"count_high {high} is below count_low {low}"
            )
        lows.append(low)
        highs.append(high)
        check_choice(path, line, "cumulative", row["cumulative"], ("yes",), empty_ok=True)
        check_required(path, line, "statement", row["statement"])
        _check_source(path, line, row)
    columns = [*COUNT_FIELDS, COUNT_ACTION_FIELD]
    frame = pd.DataFrame({c: [row[c] for _, row in rows] for c in columns}, dtype=object)
    frame["start"] = day_series(starts)
    frame["end"] = day_series(ends)
    frame["count_low"] = pd.array(lows, dtype="Int64")
    frame["count_high"] = pd.array(highs, dtype="Int64")
    return frame


def _read_gaps(path: Path) -> pd.DataFrame:
    rows = read_rows(path, GAP_FIELDS, optional=(), strict=True)
    months = []
    for line, row in rows:
        parsed = parse_date(row["month"])
        if parsed is None or parsed[1] != "YYYY-MM":
            raise RecordError(path, line, "month", f"{row['month']!r} is not a month (YYYY-MM)")
        if parsed[0] > RECORD_END:
            raise RecordError(path, line, "month", f"{row['month']!r} is after {RECORD_END}")
        check_day(path, line, "month", parsed[0])
        check_choice(path, line, "theatre", row["theatre"], ("iraq", "syria"))
        months.append(pd.Period(parsed[0], freq="M"))
    frame = pd.DataFrame({c: [row[c] for _, row in rows] for c in GAP_FIELDS}, dtype=object)
    frame["month"] = pd.PeriodIndex(months, freq="M") if months else pd.PeriodIndex([], freq="M")
    return frame


def _resolve(which: str | Path) -> tuple[Path, bool, str]:
    """(folder, seeds only, name) of a selection or a folder."""
    if isinstance(which, str) and which in SELECTIONS:
        name = "the packaged record (sim/data/record)"
        return packaged_record_dir(), which == "seeds", name
    text = str(which)
    if "\x00" in text:
        raise RecordError(repr(text), 0, "(file)", "a folder name cannot contain a NUL byte")
    folder = Path(which)
    if not folder.is_dir():
        what = "is a file, not a record folder" if folder.exists() else "no such folder"
        message = (
            f"{what} (a record is a folder holding {EVENTS_FILE}, {COUNTS_FILE} and "
            f"{GAPS_FILE}; or name a selection of the packaged record: {', '.join(SELECTIONS)})"
        )
        raise RecordError(folder, 0, "(folder)", message)
    return folder, False, str(folder)


def load_record(which: str | Path = "full", include_non_hostile_deaths: bool = False) -> Record:
    """Load and validate a record.

    Parameters
    ----------
    which : str or path-like
        ``"full"`` (default): the packaged record, ``sim/data/record``; ``"seeds"``: its rows
        from the five articles (``seed`` set), the record the shipped posterior was fitted to;
        anything else: a folder holding ``events.csv``, ``counts.csv`` and ``gaps.csv``
        (``./seeds`` for a folder of that name).
    include_non_hostile_deaths : bool
        Whether Americans who did not die of hostile fire (column ``us_killed_non_hostile``: the
        contractor's cardiac death while sheltering from rockets at al-Asad, 3 March 2021, Vox
        2021) count in ``us_killed``. By default they do not: the model's casualties are hostile
        fire, so such a death is taken off ``us_killed`` and an attack left with nobody killed
        or wounded is coded ``harassment_attack`` (with its rung).

    Returns
    -------
    Record
        ``events``: the file's columns (text as ``str``, empty where blank; casualties as
        nullable ``Int64``, ``<NA>`` where not stated), in file order, and the derived columns
        ``day`` (Timestamp, first day of the known period), ``rung`` (from
        ``sim.core.ladder.ACTIONS``), ``is_attack`` (an attack by a militia, a named group or an
        unknown actor on US or coalition forces, facilities or personnel; bombs on logistics
        convoys are not) and ``in_iraq`` (``theatre == "iraq"``). ``counts``: the file's
        columns, ``start`` and ``end`` as Timestamps (inclusive), ``count_low`` and
        ``count_high`` as ``Int64`` (``<NA>``: open above) and ``action`` (empty when the file
        has no such column). ``gaps``: ``month`` (monthly Period), ``theatre``, ``note``.

    Raises
    ------
    RecordError
        If the folder or a file is missing or unreadable, or a row breaks the format
        (``docs/record.md``, "The format"): the message names the file, the line and the field.
    """
    folder, seeds_only, name = _resolve(which)
    seen: dict[str, tuple[str, int]] = {}
    events = _read_events(folder / EVENTS_FILE, seen, include_non_hostile_deaths)
    counts = _read_counts(folder / COUNTS_FILE, seen)
    gaps = _read_gaps(folder / GAPS_FILE)
    if events.empty and counts.empty:  # a record of nothing: a folder cut short, or the wrong one
        raise RecordError(
            folder / EVENTS_FILE, 0, "(file)",
            f"no events and no count statements (neither {EVENTS_FILE} nor {COUNTS_FILE} has a "
            "row below its header)",
        )  # fmt: skip
    record = Record(events, counts, gaps, name)
    return record.seeds() if seeds_only else record


# --- writing ---------------------------------------------------------------------------------


def write_record(
    directory: Path,
    events: Sequence[dict[str, object]],
    counts: Sequence[dict[str, object]] = (),
    gaps: Sequence[dict[str, object]] = (),
) -> Path:
    """Write a record folder (the three files, every column of the format, RFC 4180 quoting).

    Rows are dicts by column name; a missing column is written empty. The files are written into
    a temporary folder beside ``directory`` that then takes its name, so a failure leaves no
    half-written record. ``directory`` must not exist or be empty. Returns ``directory``.
    """
    import os
    import shutil
    import tempfile

    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise RecordError(directory, 0, "(folder)", "exists and is not an empty folder")
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        has_action = any(COUNT_ACTION_FIELD in r and r[COUNT_ACTION_FIELD] for r in counts)
        count_cols = [*COUNT_FIELDS, COUNT_ACTION_FIELD] if has_action else list(COUNT_FIELDS)
        for name, cols, rows in (
            (EVENTS_FILE, list(EVENT_FIELDS), events),
            (COUNTS_FILE, count_cols, counts),
            (GAPS_FILE, list(GAP_FIELDS), gaps),
        ):
            frame = pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows], columns=cols)
            frame.to_csv(tmp / name, index=False, lineterminator="\n", encoding="utf-8")
        if directory.exists():
            directory.rmdir()
        os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


# --- readers' views --------------------------------------------------------------------------


def model_attack_statements(counts: pd.DataFrame) -> pd.Series:
    """Which count statements are about the model's one attack series (attacks on US or coalition
    forces and facilities in Iraq).

    In the record (:func:`load_record`): statements of kind ``attacks`` or ``base_attacks`` in
    ``iraq``, not restricted to one action, whoever counted (the five articles' statements are
    of both kinds: "about three dozen" attacks on the bases, "3 attacks in 3 days"). In a table
    of the first format (:func:`load_period_counts`): unit ``attacks``
    and action ``any_attack``.
    """
    if "unit" in counts.columns:
        return (counts["unit"] == "attacks") & (counts["action"] == ANY_ATTACK)
    return (
        counts["kind"].isin(("attacks", "base_attacks"))
        & (counts["theatre"] == "iraq")
        & (counts[COUNT_ACTION_FIELD] == "")
    )


#: Countries of the first format, by theatre.
_COUNTRY = {"iraq": "Iraq", "syria": "Syria", "jordan": "Jordan", "iran": "Iran", "other": "other"}


def legacy_tables(record: Record) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The record as the first format's two tables (to compare its rows with files of that
    format).

    Events gain ``country`` (from the theatre) and ``source`` (``outlet; headline``). Count
    statements gain ``unit`` and take the first format's ``action``: the statements of
    :func:`model_attack_statements` become ``attacks`` / ``any_attack``; any other keeps its kind
    as the unit and its action.
    """
    ev = record.events.copy()
    ev["country"] = ev["theatre"].map(_COUNTRY)
    ev["source"] = ev["outlet"] + "; " + ev["headline"]
    co = record.counts.copy()
    attacks = model_attack_statements(co)
    co["unit"] = co["kind"].where(~attacks, "attacks")
    co["action"] = co[COUNT_ACTION_FIELD].where(~attacks, ANY_ATTACK)
    co["source"] = co["outlet"] + "; " + co["headline"]
    return ev, co


# --- summaries -------------------------------------------------------------------------------


def _attacks_in_iraq(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["is_attack"] & events["in_iraq"]]


def summarise(events: pd.DataFrame) -> dict[str, object]:
    """Headline figures of an event table (``Record.events``).

    Returns
    -------
    dict
        ``n_events``; ``n_attacks`` (documented attacks on US or coalition targets in Iraq);
        ``n_lethal_attacks`` (of those, lethal); ``us_killed`` (American deaths, all events);
        ``us_wounded_low`` (American wounded, a lower bound: unknown counts add nothing and
        disputed counts enter at their lower documented figure); ``first_date`` and ``last_date``
        (Timestamps, from ``day``); ``by_action`` (count of events per action code, third
        parties' rows left out: Hamas's attack of 7 October 2023 and Israel's killings of Shukr
        and Haniyeh are context, not US decapitations or militia attacks); ``n_context`` (those
        rows) and ``us_strikes`` (count of US strikes per kind, see
        :data:`US_STRIKE_ACTIONS`).
    """
    attacks = _attacks_in_iraq(events)
    us = events[events["actor"] == "us"]
    dyad = events[events["actor"] != "other"]  # third parties (7 Oct 2023, Shukr, Haniyeh)
    return {
        "n_events": len(events),
        "n_attacks": len(attacks),
        "n_lethal_attacks": int((attacks["action"] == "lethal_attack").sum()),
        "us_killed": int(events["us_killed"].sum()),
        "us_wounded_low": int(events["us_wounded"].sum()),
        "first_date": events["day"].min(),
        "last_date": events["day"].max(),
        "by_action": {
            str(a): int(n) for a, n in dyad["action"].value_counts().sort_index().items()
        },
        "n_context": int((events["actor"] == "other").sum()),
        "us_strikes": {kind: int((us["action"] == kind).sum()) for kind in US_STRIKE_ACTIONS},
    }


#: Kinds of count statement that cover a month's attacks (``docs/record.md``, "The series").
COVERING_KINDS: tuple[str, ...] = ("attacks", "base_attacks", "convoy_bombs")
#: The theatres every month of which must be covered.
COVERED_THEATRES: tuple[str, ...] = ("iraq", "syria")


def uncovered_months(record: Record) -> list[tuple[pd.Period, str]]:
    """The months from October 2019 to August 2024 and theatres (Iraq, Syria) that neither a
    count statement of attacks covers nor a ``gaps.csv`` row accounts for.

    A statement covers a month of a theatre when its kind is one of :data:`COVERING_KINDS`, its
    theatre (or sum of theatres) includes the theatre and its period shares at least one day
    with the month, whoever counted. The record must leave none: every month either has a count
    or says, in ``gaps.csv``, that none was found and what was searched.

    Returns
    -------
    list of (pandas.Period, str)
        (month, theatre), in month order; empty when the record covers every month.
    """
    months = pd.period_range(RECORD_START, RECORD_END, freq="M")
    co = record.counts[record.counts["kind"].isin(COVERING_KINDS)]
    gaps = {(pd.Period(m, "M"), th) for m, th in zip(record.gaps["month"], record.gaps["theatre"],
                                                    strict=True)}  # fmt: skip
    out = []
    for month in months:
        first, last = month.start_time, month.end_time.normalize()
        here = co[(co["start"] <= last) & (co["end"] >= first)]
        theatres = {t for th in here["theatre"] for t in th.split("+")}
        out += [(month, th) for th in COVERED_THEATRES
                if th not in theatres and (month, th) not in gaps]  # fmt: skip
    return out


def monthly_attack_counts(events: pd.DataFrame) -> pd.Series:
    """Documented attacks in Iraq per calendar month (the events only; the monthly series with
    the count statements' bounds are :func:`sim.inputs.monthly.monthly_table`).

    Returns
    -------
    pandas.Series
        Integer counts indexed by a monthly ``PeriodIndex`` running from the first to the last
        month with an attack, months without one included as 0. Attacks dated only to the year
        cannot be placed in a month and are left out.
    """
    attacks = _attacks_in_iraq(events)
    attacks = attacks[attacks["date_precision"] != "year"]
    if attacks.empty:
        empty = pd.PeriodIndex([], freq="M", name="month")
        return pd.Series([], index=empty, dtype="int64", name="attacks")
    months = attacks["day"].dt.to_period("M")
    span = pd.period_range(months.min(), months.max(), freq="M", name="month")
    counts = months.value_counts().reindex(span, fill_value=0)
    return counts.astype("int64").rename("attacks")


def events_between(
    events: pd.DataFrame, start: str | dt.date | pd.Timestamp, end: str | dt.date | pd.Timestamp
) -> pd.DataFrame:
    """Events whose ``day`` lies between ``start`` and ``end``, both inclusive (an event known
    only to the month or year is placed at the start of that period), in record order."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    return events[(events["day"] >= lo) & (events["day"] <= hi)]
