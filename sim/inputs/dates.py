"""The calendar the model accepts: the years a date may fall in, and the longest simulated span.

Every date a user gives is checked where it is read, against :data:`FIRST_DAY` to
:data:`LAST_DAY` (1 January 1990 to 31 December 2100), with one message naming the file and the
field or the option: a scenario's ``start``, the last day of its period and its shocks'
``start`` and ``end`` (:mod:`sim.inputs.scenario`); a record row's ``date``, ``published``, a
count's ``start`` and ``end``, a gap's ``month`` (:mod:`sim.inputs.record`,
:mod:`sim.inputs.record_v1`) and an ACLED export's ``event_date`` (:mod:`sim.inputs.acled`);
``replay --start/--end`` and ``branch --at/--start``, and the last day ``branch --horizon``
reaches (:mod:`sim.history.replay`).

Why these years: the model is about US forces in Iraq and Syria and the groups that attack them;
the record's earliest rows (background, before the monthly series) are from 2015, and the first
Gulf war (1990-91) is the earliest setting anyone could give it. 2100 leaves room for any
scenario of the future, while every date stays well inside what the tables' date types hold
(pandas' nanosecond timestamps end in 2262; a year 9999 or 0001 used to end in an overflow).

:data:`MAX_DAYS` is the longest simulated period: a scenario's ``days``, a replay's window and
``branch --horizon`` (ten years). A longer one is not a question the model was built for (its
parameters describe years of the 2019-2024 conflict), and the daily traces of replay and branch
(days × runs) would grow out of proportion.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

#: The first and last years a date may fall in (inclusive).
FIRST_YEAR, LAST_YEAR = 1990, 2100
FIRST_DAY = dt.date(FIRST_YEAR, 1, 1)
LAST_DAY = dt.date(LAST_YEAR, 12, 31)
#: The longest simulated period, days (a scenario's ``days``, a replay window, ``--horizon``).
MAX_DAYS = 3650

_YMD = re.compile(r"\s*(\d{1,4})-(\d{1,2})-(\d{1,2})\s*")


def range_problem(day: dt.date) -> str | None:
    """Why ``day`` is outside the years the model accepts, or None if it is inside."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"{day.isoformat()} is outside the years the model accepts ({FIRST_YEAR}-{LAST_YEAR})"


def calendar_problem(text: str) -> str:
    """Why ``text`` is not a ``YYYY-MM-DD`` calendar date, in words ("2021 is not a leap year:
    February 2021 has 28 days"); the expected form if it does not look like one."""
    m = _YMD.fullmatch(str(text))
    if m is None:
        return "expected YYYY-MM-DD"
    year, month, day = (int(g) for g in m.groups())
    if year < 1:
        return "there is no year 0"
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    last = calendar.monthrange(year, month)[1]
    if day < 1 or day > last:
        name = calendar.month_name[month]
        if month == 2 and day == 29:
            return f"{year} is not a leap year: February {year} has 28 days"
        return f"{name} {year} has {last} days"
    return "expected YYYY-MM-DD"


def parse_day(text: str | dt.date, what: str) -> dt.date:
    """A ``YYYY-MM-DD`` date inside the accepted years.

    Raises
    ------
    ValueError
        starting with ``what`` (the option or field), saying why: not a calendar date (with
        the reason: :func:`calendar_problem`) or outside :data:`FIRST_DAY` to :data:`LAST_DAY`.
    """
    if isinstance(text, dt.datetime):
        raise ValueError(f"{what}: expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(text, dt.date):
        day = text
    else:
        try:
            day = dt.date.fromisoformat(str(text).strip())
        except ValueError:
            problem = calendar_problem(str(text))
            raise ValueError(f"{what}: {text!r} is not a valid date ({problem})") from None
    problem = range_problem(day)
    if problem is not None:
        raise ValueError(f"{what}: {problem}")
    return day


def last_day_problem(start: dt.date, days: int) -> str | None:
    """Why a period of ``days`` days from ``start`` cannot be simulated (longer than
    :data:`MAX_DAYS`, or ending after :data:`LAST_DAY`), or None."""
    if days > MAX_DAYS:
        return f"{days:,} days is longer than the longest simulated period ({MAX_DAYS:,} days)"
    if (LAST_DAY - start).days + 1 < days:
        end = start + dt.timedelta(days=days - 1)
        return f"the period would end on {end}, after the last day the model accepts ({LAST_DAY})"
    return None
