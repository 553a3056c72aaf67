"""The record's first format, two files: the format the five articles' rows were first written
in, before the record became a folder (:mod:`sim.inputs.record`).

The record's tests read the original files in it (``tests/data/five_articles_events.csv``,
``five_articles_period_counts.csv``) to check the migrated rows against them; a user's records
in this format still load: an event table with a ``country`` and one ``source`` column,
and period counts with ``actor``, ``action`` and ``unit`` instead of a theatre, a kind and a
counter. Both files are validated on loading; a bad file raises :class:`RecordError`, which
names the file, the line (header = line 1) and the field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sim.core.ladder import ACTIONS
from sim.inputs.record_schema import (
    ACTORS,
    ATTACK_ACTIONS,
    ATTACKER_ACTORS,
    CASUALTY_FIELDS,
    ID_PATTERN,
    NON_HOSTILE_FIELD,
    PRECISIONS,
    US_COALITION_TARGETS,
    PathArg,
    RecordError,
    check_choice,
    check_day,
    check_int,
    check_required,
    check_rows,
    day_series,
    parse_date,
    read_rows,
)

#: Columns of the event table, in file order. ``note`` and ``us_killed_non_hostile`` may be
#: absent; all others are required.
EVENT_COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "date_precision",
    "actor",
    "target",
    "location",
    "country",
    "action",
    "weapon",
    *CASUALTY_FIELDS,
    "claimed_by",
    "responds_to",
    "source",
    "note",
)
#: Columns of the period counts, in file order. ``note`` may be absent.
PERIOD_COLUMNS: tuple[str, ...] = (
    "id",
    "start",
    "end",
    "actor",
    "action",
    "count_low",
    "count_high",
    "unit",
    "statement",
    "source",
    "note",
)
#: The ``action`` value of a period count that covers attacks of any severity.
ANY_ATTACK = "any_attack"


def _check_id(path: Path, line: int, value: str, seen: dict[str, int]) -> None:
    if not value:
        raise RecordError(path, line, "id", "id is empty")
    if not ID_PATTERN.fullmatch(value):
        raise RecordError(
            path, line, "id", f"{value!r} is not a slug (lower-case letters, digits, '-', '_')"
        )
    if value in seen:
        message = f"duplicate id {value!r} (first used on line {seen[value]})"
        raise RecordError(path, line, "id", message)
    seen[value] = line


def drop_non_hostile(frame: pd.DataFrame) -> None:
    """Take non-hostile deaths off ``us_killed``; an attack left without casualties becomes a
    harassment attack (in place)."""
    nh = frame[NON_HOSTILE_FIELD].fillna(0)
    hit = nh > 0
    if not hit.any():
        return
    frame.loc[hit, "us_killed"] = frame.loc[hit, "us_killed"] - nh[hit]
    hurt = (frame["us_killed"].fillna(0) > 0) | (frame["us_wounded"].fillna(0) > 0)
    frame.loc[hit & ~hurt & (frame["action"] == "lethal_attack"), "action"] = "harassment_attack"


def load_events(path: PathArg, include_non_hostile_deaths: bool = False) -> pd.DataFrame:
    """Load and validate an event table in the first format.

    Parameters
    ----------
    path : str or path-like
        A CSV file with the columns of :data:`EVENT_COLUMNS` (and perhaps a last column
        ``us_killed_non_hostile``).
    include_non_hostile_deaths : bool
        Whether Americans who did not die of hostile fire count in ``us_killed`` (see
        :func:`sim.inputs.record.load_record`).

    Returns
    -------
    pandas.DataFrame
        One row per event, in file order, with the file's columns (casualty columns as nullable
        ``Int64``) and the derived columns ``day`` (first day of the known period), ``rung``,
        ``is_attack`` and ``in_iraq`` (``country == "Iraq"``), as in
        :func:`sim.inputs.record.load_record`.

    Raises
    ------
    RecordError
        If a column is missing; an id is empty, malformed or repeated; a date is invalid or does
        not match its ``date_precision``; an actor, ``claimed_by`` or action code is unknown; a
        casualty field is not a whole number >= 0 or empty; the dates are not in non-decreasing
        order; or ``responds_to`` names no event or a later-dated one.
    """
    if path is None:
        raise RecordError("(none)", 0, "(file)", "no file given")
    file = Path(path)
    columns = (*EVENT_COLUMNS, NON_HOSTILE_FIELD)
    rows = read_rows(file, columns, optional=("note", NON_HOSTILE_FIELD))
    check_rows(file, rows, "events")
    seen: dict[str, int] = {}
    days: list[pd.Timestamp] = []
    casualties: dict[str, list[int | None]] = {f: [] for f in (*CASUALTY_FIELDS, NON_HOSTILE_FIELD)}
    prev: tuple[pd.Timestamp, str, int] | None = None
    for line, row in rows:
        _check_id(file, line, row["id"], seen)
        check_choice(file, line, "date_precision", row["date_precision"], tuple(PRECISIONS))
        parsed = parse_date(row["date"])
        if parsed is None:
            message = f"{row['date']!r} is not a valid date (expected YYYY-MM-DD, YYYY-MM or YYYY)"
            raise RecordError(file, line, "date", message)
        day, shape = pd.Timestamp(check_day(file, line, "date", parsed[0])), parsed[1]
        want = PRECISIONS[row["date_precision"]]
        if shape != want:
            message = (
                f"{row['date']!r} does not match date_precision {row['date_precision']!r} "
                f"(expected {want})"
            )
            raise RecordError(file, line, "date", message)
        if prev is not None and day < prev[0]:
            message = (
                f"date out of order: {row['date']!r} is earlier than {prev[1]!r} on line {prev[2]}"
            )
            raise RecordError(file, line, "date", message)
        prev = (day, row["date"], line)
        days.append(day)
        check_choice(file, line, "actor", row["actor"], ACTORS)
        check_required(file, line, "country", row["country"])
        check_choice(file, line, "action", row["action"], tuple(ACTIONS))
        for field in (*CASUALTY_FIELDS, NON_HOSTILE_FIELD):
            casualties[field].append(check_int(file, line, field, row[field]))
        nh, killed = casualties[NON_HOSTILE_FIELD][-1], casualties["us_killed"][-1]
        if nh and (killed is None or nh > killed):
            message = f"{nh} non-hostile deaths but us_killed is {killed if killed else 'empty'}"
            raise RecordError(file, line, NON_HOSTILE_FIELD, message)
        check_choice(file, line, "claimed_by", row["claimed_by"], ACTORS, empty_ok=True)
        check_required(file, line, "source", row["source"])

    day_of = {row["id"]: day for (_, row), day in zip(rows, days, strict=True)}
    for (line, row), day in zip(rows, days, strict=True):
        ref = row["responds_to"]
        if not ref:
            continue
        if ref == row["id"]:
            raise RecordError(file, line, "responds_to", f"event {ref!r} responds to itself")
        if ref not in day_of:
            raise RecordError(file, line, "responds_to", f"{ref!r} is not the id of any event")
        if day_of[ref] > day:
            message = f"{ref!r} is dated after this event ({day_of[ref].date()} > {day.date()})"
            raise RecordError(file, line, "responds_to", message)

    columns = [c for c in EVENT_COLUMNS if c not in CASUALTY_FIELDS]
    frame = pd.DataFrame({c: [row[c] for _, row in rows] for c in columns}, dtype=object)
    for field in (*CASUALTY_FIELDS, NON_HOSTILE_FIELD):
        frame[field] = pd.array(casualties[field], dtype="Int64")
    frame = frame[[*EVENT_COLUMNS, NON_HOSTILE_FIELD]]
    if not include_non_hostile_deaths:
        drop_non_hostile(frame)
    frame["day"] = day_series(days)
    frame["rung"] = [int(ACTIONS[a]) for a in frame["action"]]
    frame["is_attack"] = (
        frame["actor"].isin(ATTACKER_ACTORS)
        & frame["action"].isin(ATTACK_ACTIONS)
        & frame["target"].isin(US_COALITION_TARGETS)
    )
    frame["in_iraq"] = frame["country"] == "Iraq"
    return frame


def load_period_counts(path: PathArg) -> pd.DataFrame:
    """Load and validate period counts in the first format.

    Parameters
    ----------
    path : str or path-like
        A CSV file with the columns of :data:`PERIOD_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        One row per statement, with ``start`` and ``end`` as Timestamps (inclusive) and
        ``count_low`` / ``count_high`` as nullable ``Int64`` (``count_high`` is ``<NA>`` for an
        open-ended statement such as "more than 100"). ``unit`` says what is counted (attacks,
        rockets, us_wounded, ...).

    Raises
    ------
    RecordError
        If a column is missing; an id is empty, malformed or repeated; ``start`` or ``end`` is not
        a valid YYYY-MM-DD date or ``start`` is after ``end``; the actor or the action (a code of
        ``sim.core.ladder.ACTIONS`` or ``any_attack``) is unknown; or the counts are not whole
        numbers >= 0 with ``count_low <= count_high``.
    """
    if path is None:
        raise RecordError("(none)", 0, "(file)", "no file given")
    file = Path(path)
    rows = read_rows(file, PERIOD_COLUMNS, optional=("note",))
    check_rows(file, rows, "count statements")
    seen: dict[str, int] = {}
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    lows: list[int | None] = []
    highs: list[int | None] = []
    for line, row in rows:
        _check_id(file, line, row["id"], seen)
        bounds = []
        for field in ("start", "end"):
            parsed = parse_date(row[field])
            if parsed is None or parsed[1] != "YYYY-MM-DD":
                raise RecordError(
                    file, line, field, f"{row[field]!r} is not a valid date (expected YYYY-MM-DD)"
                )
            bounds.append(check_day(file, line, field, parsed[0]))
        if bounds[0] > bounds[1]:
            raise RecordError(
                file, line, "end", f"end {row['end']!r} is before start {row['start']!r}"
            )
        starts.append(bounds[0])
        ends.append(bounds[1])
        check_choice(file, line, "actor", row["actor"], ACTORS)
        check_choice(file, line, "action", row["action"], (*ACTIONS, ANY_ATTACK))
        low = check_int(file, line, "count_low", row["count_low"], empty_ok=False)
        high = check_int(file, line, "count_high", row["count_high"])
        if low is not None and high is not None and high < low:
            raise RecordError(
                file, line, "count_high", f"count_high {high} is below count_low {low}"
            )
        lows.append(low)
        highs.append(high)
        check_required(file, line, "unit", row["unit"])
        check_required(file, line, "statement", row["statement"])
        check_required(file, line, "source", row["source"])

    frame = pd.DataFrame({c: [row[c] for _, row in rows] for c in PERIOD_COLUMNS}, dtype=object)
    frame["start"] = day_series(starts)
    frame["end"] = day_series(ends)
    frame["count_low"] = pd.array(lows, dtype="Int64")
    frame["count_high"] = pd.array(highs, dtype="Int64")
    return frame
