"""The record's format: its files, columns and codes, its error, and the CSV reader.

The record is a folder of three CSV files (``docs/record.md`` describes every column):
``events.csv`` (one row per event), ``counts.csv`` (statements about counts over a period, as
intervals) and ``gaps.csv`` (months and theatres for which no count statement was found). The
loader and the checks of each field are in :mod:`sim.inputs.record`; the earlier two-file format
that the five articles' rows were first written in is in :mod:`sim.inputs.record_v1`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import pandas as pd

from sim.core.ladder import ACTIONS as LADDER_ACTIONS
from sim.core.ladder import ACTORS as LADDER_ACTORS
from sim.errors import UserError
from sim.inputs.dates import range_problem
from sim.inputs.files import FileProblem, read_file_bytes

#: The last day the record speaks of. Reporting published after it, and events after it, are
#: reserved as an independent test of forecasts: nothing dated or published later is compiled
#: into the record, and the loader refuses it (fields ``date``, ``end``, ``published``).
RECORD_END = dt.date(2024, 8, 31)
#: The first month of the monthly series (the record covers October 2019 to ``RECORD_END``;
#: events before it are kept as background and enter no monthly series).
RECORD_START = dt.date(2019, 10, 1)

#: The three files of a record folder.
EVENTS_FILE, COUNTS_FILE, GAPS_FILE = "events.csv", "counts.csv", "gaps.csv"

#: Casualty columns of ``events.csv``: whole numbers or empty (empty: not stated; 0: none).
CASUALTY_FIELDS: tuple[str, ...] = ("us_killed", "us_wounded", "others_killed", "others_wounded")
#: Americans in ``us_killed`` not killed by hostile fire (the contractor's cardiac death while
#: sheltering from rockets at al-Asad, 3 March 2021).
NON_HOSTILE_FIELD = "us_killed_non_hostile"
#: The source columns, shared by events and counts.
SOURCE_FIELDS: tuple[str, ...] = ("seed", "outlet", "published", "headline", "url", "also", "note")

#: Columns of ``events.csv``, in file order.
EVENT_FIELDS: tuple[str, ...] = (
    "id",
    "date",
    "date_precision",
    "actor",
    "target",
    "theatre",
    "location",
    "action",
    "weapon",
    *CASUALTY_FIELDS,
    NON_HOSTILE_FIELD,
    "claimed_by",
    "responds_to",
    *SOURCE_FIELDS,
)
#: Columns of ``counts.csv``, in file order.
COUNT_FIELDS: tuple[str, ...] = (
    "id",
    "start",
    "end",
    "theatre",
    "kind",
    "actor",
    "counter",
    "counted_by",
    "count_low",
    "count_high",
    "cumulative",
    "statement",
    *SOURCE_FIELDS,
)
#: An optional last column of ``counts.csv`` (an extension of the compilers' format): the event
#: action the count is restricted to (``lethal_attack``: a count of lethal attacks; the rockets
#: of an ``injury_attack``), empty for a count of the whole kind.
COUNT_ACTION_FIELD = "action"
#: Columns of ``gaps.csv``, in file order.
GAP_FIELDS: tuple[str, ...] = ("month", "theatre", "note")

#: Named militia groups (actors, targets and claimants besides the generic codes).
NAMED_GROUPS: tuple[str, ...] = (
    "kataib_hezbollah",
    "harakat_nujaba",
    "asaib_ahl_al_haq",
    "kataib_sayyid_al_shuhada",
    "badr",
    "pmf",
    "front_groups",
    "islamic_resistance_iraq",
)
#: Every actor code (columns ``actor`` and ``claimed_by``).
ACTORS: tuple[str, ...] = (*LADDER_ACTORS, *NAMED_GROUPS)
#: Every target code.
TARGETS: tuple[str, ...] = (
    "us_forces",
    "us_embassy",
    "us_contractors",
    "coalition_forces",
    "logistics_convoy",
    "us_presence",
    "iran_quds_force",
    "iraqi_security_forces",
    "israel",
    "hezbollah",
    "hamas",
    "none",
    *ACTORS,
)
#: Where an event happened.
THEATRES: tuple[str, ...] = ("iraq", "syria", "jordan", "iran", "other")
#: What a count statement covers: one theatre or a sum of theatres. ``other`` (a place outside
#: the four theatres: the rockets on Bagram, Afghanistan, in one article) extends the compilers'
#: list.
COUNT_THEATRES: tuple[str, ...] = (
    "iraq",
    "syria",
    "jordan",
    "iran",
    "iraq+syria",
    "iraq+syria+jordan",
    "other",
)
#: The action codes: those of the escalation ladder (``sim.core.ladder.ACTIONS``, whose rungs
#: they carry).
ACTION_CODES: tuple[str, ...] = tuple(LADDER_ACTIONS)
WEAPONS: tuple[str, ...] = (
    "rocket",
    "katyusha",
    "grad",
    "mortar",
    "drone",
    "ballistic_missile",
    "missile",
    "ied",
    "small_arms",
    "arson",
    "airstrike",
    "mixed",
    "crowd",
    "none",
    "unknown",
)
#: What a count statement counts. The last five extend the compilers' list: rockets fired,
#: troops deployed, people killed (by a US strike), contractors (of unstated nationality) wounded,
#: so that the five articles' figures keep their meaning; and attacks counted under a rule wider
#: than the attack series' (the Lead Inspector General's "attacks on U.S. interests").
KINDS: tuple[str, ...] = (
    "base_attacks",
    "convoy_bombs",
    "attacks",
    "us_strikes",
    "us_strike_targets",
    "leaders_killed",
    "iran_direct_strikes",
    "us_killed",
    "us_wounded",
    "truce_days",
    "rockets",
    "troops",
    "people_killed",
    "contractors_wounded",
    "attacks_wider",
)
COUNTERS: tuple[str, ...] = ("official", "tracker", "press", "claims", "article")
#: The counter of the five articles' statements, and only of theirs.
ARTICLE_COUNTER = "article"
#: The five articles' file numbers (``../shared/sources/NNN_*.txt``), the values of ``seed``.
SEEDS: tuple[str, ...] = ("000", "001", "002", "003", "004")
#: US actions and the theatre each must happen in.
ACTION_THEATRE: dict[str, str] = {
    "us_strike_syria": "syria",
    "us_strike_iraq": "iraq",
    "us_clash_syria": "syria",
}

#: Date precisions and the date shape each one requires.
PRECISIONS: dict[str, str] = {
    "day": "YYYY-MM-DD",
    "week": "YYYY-MM-DD",
    "month": "YYYY-MM",
    "year": "YYYY",
}
#: Actions that count as an attack, when done by an attacker on a US or coalition target.
ATTACK_ACTIONS: tuple[str, ...] = ("harassment_attack", "injury_attack", "lethal_attack")
#: Actors whose attacks count (militias, named groups, and unattributed attacks).
ATTACKER_ACTORS: tuple[str, ...] = ("militia", "unknown", *NAMED_GROUPS)
#: Target codes that are US or coalition personnel or facilities (the model's attacks; a bomb
#: on a logistics convoy, ``logistics_convoy``, is a series of its own).
US_COALITION_TARGETS: tuple[str, ...] = (
    "us_forces",
    "us_embassy",
    "us_contractors",
    "coalition_forces",
)
#: Kinetic US actions, the "US strikes" that :func:`sim.inputs.record.summarise` counts by kind.
US_STRIKE_ACTIONS: tuple[str, ...] = (
    "us_strike_syria",
    "us_strike_iraq",
    "decapitation",
    "us_strike_iran",
)

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
INT_PATTERN = re.compile(r"\d+")
URL_PREFIXES = ("http://", "https://")
#: An article of the five in an ``also`` entry of a seed row, in place of an address.
ARTICLE_FILE = re.compile(r"\d{3}_[0-9a-f]+\.txt")
DATE_SHAPES: dict[str, re.Pattern[str]] = {
    "YYYY-MM-DD": re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    "YYYY-MM": re.compile(r"(\d{4})-(\d{2})"),
    "YYYY": re.compile(r"(\d{4})"),
}

PathArg = str | PathLike[str] | None

#: Record files larger than this are refused unread.
MAX_RECORD_BYTES = 20_000_000
#: The largest whole number a record cell may hold (a casualty count, a count statement's
#: bound): far above any count of the conflict (the largest statements count attacks in the
#: hundreds), and small enough for every integer type the tables use.
MAX_RECORD_NUMBER = 1_000_000


class RecordError(UserError):
    """A record file that fails validation.

    Parameters
    ----------
    path : str or path-like
        The file.
    line : int
        1-based line number in the file (the header is line 1; 0: the file as a whole).
    field : str
        The column at fault.
    message : str
        What is wrong.

    Attributes
    ----------
    path : pathlib.Path
    line : int
    field : str
    message : str
    """

    def __init__(self, path: str | PathLike[str], line: int, field: str, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.field = field
        self.message = message
        where = f"line {line}, field '{field}'" if line else "file"
        super().__init__(f"{self.path.name}, {where}: {message}")


# --- reading ---------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """A record file's text: a regular file (:func:`sim.inputs.files.read_file_bytes`), UTF-8
    (a byte-order mark is allowed), at most :data:`MAX_RECORD_BYTES`, no NUL byte; anything else
    raises :class:`RecordError`."""
    if "\x00" in str(path):
        raise RecordError(repr(str(path)), 0, "(file)", "a file name cannot contain a NUL byte")
    try:
        raw = read_file_bytes(path, "CSV file", MAX_RECORD_BYTES)
    except FileProblem as exc:
        raise RecordError(path, 0, "(file)", str(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RecordError(
            path, 0, "(file)", f"not UTF-8 text (line {line}, byte {exc.start}); save it as UTF-8"
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise RecordError(path, line, "(file)", "contains a NUL byte: binary data, not CSV text")
    return text


def read_rows(
    path: Path,
    columns: Sequence[str],
    optional: Sequence[str],
    strict: bool = False,
) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV file into (line number, row) pairs, checking the header and field counts.

    Parameters
    ----------
    path : pathlib.Path
        The file (see :func:`read_text` for what is refused).
    columns : the columns every row has (in any order)
    optional : columns that may be absent (then empty in every row)
    strict : refuse a column that is neither in ``columns`` nor in ``optional``

    Rows whose cells are all blank are skipped; cells are stripped of surrounding spaces.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        for col in columns:
            if col not in header and col not in optional:
                raise RecordError(path, 1, col, "required column is missing")
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise RecordError(path, 1, dupes[0], "column appears more than once")
        if strict:
            unknown = [h for h in header if h not in columns and h not in optional]
            if unknown:
                raise RecordError(
                    path, 1, unknown[0], f"unknown column (known: {', '.join(columns)})"
                )
        rows: list[tuple[int, dict[str, str]]] = []
        last = reader.line_num
        for cells in reader:
            line, last = last + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                field = header[len(cells)] if len(cells) < len(header) else "(extra)"
                raise RecordError(
                    path, line, field, f"expected {len(header)} fields, found {len(cells)}"
                )
            row = {h: c.strip() for h, c in zip(header, cells, strict=True)}
            for col in optional:
                row.setdefault(col, "")
            rows.append((line, row))
    except csv.Error as exc:
        raise RecordError(path, reader.line_num + 1, "(file)", f"not valid CSV ({exc})") from None
    return rows


# --- field checks ----------------------------------------------------------------------------


def parse_date(text: str) -> tuple[dt.date, str] | None:
    """(first day of the period, shape) of a YYYY-MM-DD, YYYY-MM or YYYY date; None if the text
    is not one of these shapes or not a calendar date."""
    for shape, pattern in DATE_SHAPES.items():
        m = pattern.fullmatch(text)
        if m is None:
            continue
        parts = [int(g) for g in m.groups()] + [1] * (3 - len(m.groups()))
        try:
            return dt.date(*parts), shape
        except ValueError:
            return None
    return None


def day_series(days: Sequence[dt.date]) -> pd.Series:
    """Dates as a ``datetime64[ns]`` Series (the derived columns ``day``, ``start``, ``end``)."""
    return pd.Series(pd.to_datetime([pd.Timestamp(d) for d in days]), dtype="datetime64[ns]")


def check_id(path: Path, line: int, value: str, seen: dict[str, tuple[str, int]]) -> None:
    """A unique slug; ``seen`` maps the ids met so far (in any file of the record) to their file
    name and line."""
    if not value:
        raise RecordError(path, line, "id", "id is empty")
    if not ID_PATTERN.fullmatch(value):
        raise RecordError(
            path, line, "id", f"{value!r} is not a slug (lower-case letters, digits, '-', '_')"
        )
    if value in seen:
        name, first = seen[value]
        where = f"line {first}" if name == path.name else f"{name}, line {first}"
        raise RecordError(path, line, "id", f"duplicate id {value!r} (first used on {where})")
    seen[value] = (path.name, line)


def check_choice(
    path: Path, line: int, field: str, value: str, allowed: Sequence[str], empty_ok: bool = False
) -> None:
    """One of ``allowed`` (or empty, with ``empty_ok``)."""
    if empty_ok and not value:
        return
    if value not in allowed:
        raise RecordError(
            path, line, field, f"{value!r} is not one of the known codes ({', '.join(allowed)})"
        )


def check_int(path: Path, line: int, field: str, value: str, empty_ok: bool = True) -> int | None:
    """A whole number >= 0 (None for an empty cell, with ``empty_ok``)."""
    if not value:
        if empty_ok:
            return None
        raise RecordError(path, line, field, "a whole number >= 0 is required")
    if not INT_PATTERN.fullmatch(value):
        what = "or empty" if empty_ok else "is required"
        raise RecordError(path, line, field, f"{value!r} is not a whole number >= 0 ({what})")
    digits = value.lstrip("0")
    if len(digits) > len(str(MAX_RECORD_NUMBER)) or int(digits or "0") > MAX_RECORD_NUMBER:
        shown = value if len(value) <= 20 else f"{value[:12]}... ({len(value)} digits)"
        message = (
            f"{shown} is larger than any count a record can hold (at most {MAX_RECORD_NUMBER:,})"
        )
        raise RecordError(path, line, field, message)
    return int(value)


def check_day(path: Path, line: int, field: str, day: dt.date) -> dt.date:
    """A date inside the years the model accepts (:mod:`sim.inputs.dates`)."""
    problem = range_problem(day)
    if problem is not None:
        raise RecordError(path, line, field, problem)
    return day


def check_rows(path: Path, rows: Sequence[object], what: str) -> None:
    """At least one row below the header (a file of ``what`` with none is not a record of
    anything: more likely a file cut short or the wrong file)."""
    if not rows:
        raise RecordError(path, 0, "(file)", f"no {what}: the file has a header but no rows")


def check_required(path: Path, line: int, field: str, value: str) -> None:
    """A non-empty cell."""
    if not value:
        raise RecordError(path, line, field, "value is empty")
