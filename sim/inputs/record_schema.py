"""The event record's format: its columns and codes, its error, and the CSV reader.

The loaders and the checks of each field are in :mod:`sim.inputs.record`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from sim.core.ladder import ACTORS
from sim.errors import UserError

#: Named militia groups allowed as actors besides the generic codes of ``sim.core.ladder.ACTORS``.
NAMED_GROUPS: tuple[str, ...] = (
    "kataib_hezbollah",
    "harakat_nujaba",
    "asaib_ahl_al_haq",
    "front_groups",
    "badr",
    "pmf",
)

#: Every actor code the record accepts (columns ``actor`` and ``claimed_by``).
ALL_ACTORS: tuple[str, ...] = (*ACTORS, *NAMED_GROUPS)

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
#: Target codes that are US or coalition personnel or facilities.
US_COALITION_TARGETS: tuple[str, ...] = (
    "us_forces",
    "us_embassy",
    "us_contractors",
    "coalition_forces",
)
#: Kinetic US actions, the "US strikes" that :func:`summarise` counts by kind.
US_STRIKE_ACTIONS: tuple[str, ...] = (
    "us_strike_syria",
    "us_strike_iraq",
    "decapitation",
    "us_strike_iran",
)

CASUALTY_FIELDS: tuple[str, ...] = ("us_killed", "us_wounded", "others_killed", "others_wounded")

#: Americans counted in ``us_killed`` who did not die of hostile fire (the contractor's cardiac
#: death while sheltering from rockets, 3 March 2021): an optional last column of
#: ``events.csv`` (absent or empty: none).
NON_HOSTILE_FIELD = "us_killed_non_hostile"
#: Columns of ``events.csv``, in file order. ``note`` may be absent; all others are required.
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
#: Columns of ``period_counts.csv``, in file order. ``note`` may be absent.
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

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
INT_PATTERN = re.compile(r"\d+")
DATE_SHAPES: dict[str, re.Pattern[str]] = {
    "YYYY-MM-DD": re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    "YYYY-MM": re.compile(r"(\d{4})-(\d{2})"),
    "YYYY": re.compile(r"(\d{4})"),
}

PathArg = str | PathLike[str] | None

#: Record files larger than this are refused unread (the packaged record is a few kB).
MAX_RECORD_BYTES = 20_000_000


class RecordError(UserError):
    """A record file that fails validation.

    Parameters
    ----------
    path : str or path-like
        The file.
    line : int
        1-based line number in the file (the header is line 1).
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


def read_rows(
    path: Path, columns: Sequence[str], optional: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV file into (line number, row) pairs, checking the header and field counts.

    The file must be UTF-8 text (a byte-order mark is allowed) of at most
    :data:`MAX_RECORD_BYTES`; anything else raises :class:`RecordError` naming the file.
    """
    if "\x00" in str(path):
        raise RecordError(repr(str(path)), 0, "(file)", "a file name cannot contain a NUL byte")
    try:
        if Path(path).is_dir():
            raise RecordError(path, 0, "(file)", "is a folder, not a CSV file")
        size = Path(path).stat().st_size
        if size > MAX_RECORD_BYTES:
            raise RecordError(
                path, 0, "(file)", f"{size:,} bytes is too large (at most {MAX_RECORD_BYTES:,})"
            )
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RecordError(path, 0, "(file)", f"cannot read the record ({exc.strerror})") from None
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
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        for col in columns:
            if col not in header and col not in optional:
                raise RecordError(path, 1, col, "required column is missing")
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise RecordError(path, 1, dupes[0], "column appears more than once")
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
