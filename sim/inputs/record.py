"""The documented event record: loading, validation and simple summaries.

The record is package data: ``sim/data/events.csv`` (one row per dated or datable event in the
five source articles) and ``sim/data/period_counts.csv`` (the articles' statements about
aggregates, such as "about three dozen" attacks). Both files are validated on loading; a bad
record raises :class:`RecordError`, which names the file, the line (header = line 1) and the
field.

Dates are written as precisely as they are known: ``YYYY-MM-DD`` for ``day`` and ``week``
precision (``week`` means the day is a best estimate, known to within about a week; the row's
note says how it was worked out), ``YYYY-MM`` for ``month`` and ``YYYY`` for ``year``. The derived
column ``day`` is the first day of the known period, and the file must be in non-decreasing
order of ``day``.

Casualty fields are integers or empty: empty means the sources do not say, 0 means they say none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from sim.core.ladder import ACTIONS
from sim.inputs.record_schema import (
    ALL_ACTORS,
    ANY_ATTACK,
    ATTACK_ACTIONS,
    ATTACKER_ACTORS,
    CASUALTY_FIELDS,
    DATE_SHAPES,
    EVENT_COLUMNS,
    ID_PATTERN,
    INT_PATTERN,
    MAX_RECORD_BYTES,
    NAMED_GROUPS,
    NON_HOSTILE_FIELD,
    PERIOD_COLUMNS,
    PRECISIONS,
    US_COALITION_TARGETS,
    US_STRIKE_ACTIONS,
    PathArg,
    RecordError,
    read_rows,
)

#: Re-exported: the format is defined in :mod:`sim.inputs.record_schema`.
__all__ = [
    "ALL_ACTORS",
    "ANY_ATTACK",
    "ATTACKER_ACTORS",
    "ATTACK_ACTIONS",
    "CASUALTY_FIELDS",
    "EVENT_COLUMNS",
    "MAX_RECORD_BYTES",
    "NAMED_GROUPS",
    "PERIOD_COLUMNS",
    "PRECISIONS",
    "US_COALITION_TARGETS",
    "US_STRIKE_ACTIONS",
    "PathArg",
    "RecordError",
    "events_between",
    "load_events",
    "load_period_counts",
    "monthly_attack_counts",
    "read_rows",
    "summarise",
]


def _resolve(path: PathArg, name: str) -> Path:
    if path is not None:
        return Path(path)
    return Path(str(resources.files("sim").joinpath("data", name)))


# --- field checks ----------------------------------------------------------------------------


def _parse_date(text: str) -> tuple[pd.Timestamp, str] | None:
    """Return (start of the period, shape) for a YYYY-MM-DD, YYYY-MM or YYYY date, else None."""
    for shape, pattern in DATE_SHAPES.items():
        m = pattern.fullmatch(text)
        if m is None:
            continue
        parts = [int(g) for g in m.groups()] + [1] * (3 - len(m.groups()))
        try:
            return pd.Timestamp(dt.date(*parts)), shape
        except ValueError:
            return None
    return None


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


def _check_choice(
    path: Path, line: int, field: str, value: str, allowed: Sequence[str], empty_ok: bool = False
) -> None:
    if empty_ok and not value:
        return
    if value not in allowed:
        raise RecordError(
            path, line, field, f"{value!r} is not one of the known codes ({', '.join(allowed)})"
        )


def _check_int(path: Path, line: int, field: str, value: str, empty_ok: bool = True) -> int | None:
    if not value:
        if empty_ok:
            return None
        raise RecordError(path, line, field, "a whole number >= 0 is required")
    if not INT_PATTERN.fullmatch(value):
        what = "or empty" if empty_ok else "is required"
        raise RecordError(path, line, field, f"{value!r} is not a whole number >= 0 ({what})")
    return int(value)


def _check_required(path: Path, line: int, field: str, value: str) -> None:
    if not value:
        raise RecordError(path, line, field, "value is empty")


# --- events ----------------------------------------------------------------------------------


def load_events(path: PathArg = None, include_non_hostile_deaths: bool = False) -> pd.DataFrame:
    """Load and validate the event record.

    Parameters
    ----------
    path : str or path-like, optional
        A CSV file with the columns of :data:`EVENT_COLUMNS` (and perhaps a last column
        ``us_killed_non_hostile``). None (the default) loads the
        packaged record, ``sim/data/events.csv``.
    include_non_hostile_deaths : bool
        Whether Americans who did not die of hostile fire (column ``us_killed_non_hostile``: the
        contractor's cardiac death while sheltering from rockets at al-Asad, 3 March 2021, Vox
        2021) count in ``us_killed``. By default they do not: the model's casualties are hostile
        fire, so such a death is taken off ``us_killed`` and an attack left with nobody killed
        or wounded is coded ``harassment_attack`` (with its rung).

    Returns
    -------
    pandas.DataFrame
        One row per event, in file order, with the file's columns (text columns as ``str``,
        empty where blank; casualty columns as nullable ``Int64``, ``<NA>`` where unknown) and the
        derived columns ``day`` (Timestamp, first day of the known period), ``rung`` (int, from
        ``sim.core.ladder.ACTIONS``), ``is_attack`` (an attack by a militia, a named group or an
        unknown actor on a US or coalition target) and ``in_iraq`` (``country == "Iraq"``).

    Raises
    ------
    RecordError
        If a column is missing; an id is empty, malformed or repeated; a date is invalid or does
        not match its ``date_precision``; an actor, ``claimed_by`` or action code is unknown; a
        casualty field is not a whole number >= 0 or empty; the dates are not in non-decreasing
        order; or ``responds_to`` names no event or a later-dated one.
    """
    file = _resolve(path, "events.csv")
    columns = (*EVENT_COLUMNS, NON_HOSTILE_FIELD)
    rows = read_rows(file, columns, optional=("note", NON_HOSTILE_FIELD))
    seen: dict[str, int] = {}
    days: list[pd.Timestamp] = []
    casualties: dict[str, list[int | None]] = {f: [] for f in (*CASUALTY_FIELDS, NON_HOSTILE_FIELD)}
    prev: tuple[pd.Timestamp, str, int] | None = None
    for line, row in rows:
        _check_id(file, line, row["id"], seen)
        _check_choice(file, line, "date_precision", row["date_precision"], tuple(PRECISIONS))
        parsed = _parse_date(row["date"])
        if parsed is None:
            message = f"{row['date']!r} is not a valid date (expected YYYY-MM-DD, YYYY-MM or YYYY)"
            raise RecordError(file, line, "date", message)
        day, shape = parsed
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
        _check_choice(file, line, "actor", row["actor"], ALL_ACTORS)
        _check_required(file, line, "country", row["country"])
        _check_choice(file, line, "action", row["action"], tuple(ACTIONS))
        for field in (*CASUALTY_FIELDS, NON_HOSTILE_FIELD):
            casualties[field].append(_check_int(file, line, field, row[field]))
        nh, killed = casualties[NON_HOSTILE_FIELD][-1], casualties["us_killed"][-1]
        if nh and (killed is None or nh > killed):
            message = f"{nh} non-hostile deaths but us_killed is {killed if killed else 'empty'}"
            raise RecordError(file, line, NON_HOSTILE_FIELD, message)
        _check_choice(file, line, "claimed_by", row["claimed_by"], ALL_ACTORS, empty_ok=True)
        _check_required(file, line, "source", row["source"])

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
        _drop_non_hostile(frame)
    frame["day"] = pd.to_datetime(pd.Series(days, dtype="datetime64[ns]"))
    frame["rung"] = [int(ACTIONS[a]) for a in frame["action"]]
    frame["is_attack"] = (
        frame["actor"].isin(ATTACKER_ACTORS)
        & frame["action"].isin(ATTACK_ACTIONS)
        & frame["target"].isin(US_COALITION_TARGETS)
    )
    frame["in_iraq"] = frame["country"] == "Iraq"
    return frame


def _drop_non_hostile(frame: pd.DataFrame) -> None:
    """Take non-hostile deaths off ``us_killed``; an attack left without casualties becomes a
    harassment attack (in place)."""
    nh = frame[NON_HOSTILE_FIELD].fillna(0)
    hit = nh > 0
    if not hit.any():
        return
    frame.loc[hit, "us_killed"] = frame.loc[hit, "us_killed"] - nh[hit]
    hurt = (frame["us_killed"].fillna(0) > 0) | (frame["us_wounded"].fillna(0) > 0)
    frame.loc[hit & ~hurt & (frame["action"] == "lethal_attack"), "action"] = "harassment_attack"


# --- period counts ---------------------------------------------------------------------------


def load_period_counts(path: PathArg = None) -> pd.DataFrame:
    """Load and validate the aggregate statements of the record.

    Parameters
    ----------
    path : str or path-like, optional
        A CSV file with the columns of :data:`PERIOD_COLUMNS`. None (the default) loads the
        packaged ``sim/data/period_counts.csv``.

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
        numbers
        >= 0 with ``count_low <= count_high``.
    """
    file = _resolve(path, "period_counts.csv")
    rows = read_rows(file, PERIOD_COLUMNS, optional=("note",))
    seen: dict[str, int] = {}
    starts: list[pd.Timestamp] = []
    ends: list[pd.Timestamp] = []
    lows: list[int | None] = []
    highs: list[int | None] = []
    for line, row in rows:
        _check_id(file, line, row["id"], seen)
        bounds = []
        for field in ("start", "end"):
            parsed = _parse_date(row[field])
            if parsed is None or parsed[1] != "YYYY-MM-DD":
                raise RecordError(
                    file, line, field, f"{row[field]!r} is not a valid date (expected YYYY-MM-DD)"
                )
            bounds.append(parsed[0])
        if bounds[0] > bounds[1]:
            raise RecordError(
                file, line, "end", f"end {row['end']!r} is before start {row['start']!r}"
            )
        starts.append(bounds[0])
        ends.append(bounds[1])
        _check_choice(file, line, "actor", row["actor"], ALL_ACTORS)
        _check_choice(file, line, "action", row["action"], (*ACTIONS, ANY_ATTACK))
        low = _check_int(file, line, "count_low", row["count_low"], empty_ok=False)
        high = _check_int(file, line, "count_high", row["count_high"])
        if low is not None and high is not None and high < low:
            raise RecordError(
                file, line, "count_high", f"count_high {high} is below count_low {low}"
            )
        lows.append(low)
        highs.append(high)
        _check_required(file, line, "unit", row["unit"])
        _check_required(file, line, "statement", row["statement"])
        _check_required(file, line, "source", row["source"])

    frame = pd.DataFrame({c: [row[c] for _, row in rows] for c in PERIOD_COLUMNS}, dtype=object)
    frame["start"] = pd.to_datetime(pd.Series(starts, dtype="datetime64[ns]"))
    frame["end"] = pd.to_datetime(pd.Series(ends, dtype="datetime64[ns]"))
    frame["count_low"] = pd.array(lows, dtype="Int64")
    frame["count_high"] = pd.array(highs, dtype="Int64")
    return frame


# --- summaries -------------------------------------------------------------------------------


def _attacks_in_iraq(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["is_attack"] & events["in_iraq"]]


def summarise(events: pd.DataFrame) -> dict[str, object]:
    """Headline figures of an event table from :func:`load_events`.

    Parameters
    ----------
    events : pandas.DataFrame
        The output of :func:`load_events` (or a subset of it).

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


def monthly_attack_counts(events: pd.DataFrame) -> pd.Series:
    """Documented attacks in Iraq per calendar month.

    Parameters
    ----------
    events : pandas.DataFrame
        The output of :func:`load_events`.

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
    """Events whose ``day`` lies between ``start`` and ``end``, both inclusive.

    Parameters
    ----------
    events : pandas.DataFrame
        The output of :func:`load_events`.
    start, end : str, datetime.date or pandas.Timestamp
        The bounds (a string is parsed by ``pandas.Timestamp``, e.g. ``"2020-01-01"``).

    Returns
    -------
    pandas.DataFrame
        The matching rows, in record order. An event known only to the month or year is placed
        at the start of that period.
    """
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    return events[(events["day"] >= lo) & (events["day"] <= hi)]
