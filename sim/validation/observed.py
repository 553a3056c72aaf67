"""The record as the rolling-origin evaluation sees it: the rows visible at an origin, and the
protocol's series month by month.

* **Visibility** (:data:`sim.validation.protocol.VISIBILITY`). A row of the record is visible at
  origin ``o`` when what it reports ended before ``o`` and it was published before ``o``
  (:func:`visible_record`). What a row reports ends on its date's last day: an event dated to
  the day (or the week) on that day, one dated to the month or the year on the month's or the
  year's last day (it may have happened on any day of it); a count statement on its ``end``; a
  month of ``gaps.csv`` on the month's last day. A row was published on the earliest date among
  its ``published`` and the sources listed in ``also`` (each a publication of what the row
  reports: the five articles' rows, published in 2020-2024, list the earlier reports of the
  events they retell); a publication date known only to the month counts as the month's last
  day.
* **The protocol's series** (:data:`sim.validation.protocol.SERIES`, pairs of a theatre and a
  kind of the record's monthly table) are sums of the monthly series of
  :mod:`sim.inputs.monthly` (:func:`series_names`). A month's best estimate is the sum of the
  best estimates, and its interval the sum of the lows and of the highs: a bound of the sum that
  may be wider than the tightest one the statements allow jointly (a statement that counts the
  base attacks and convoy bombs of Iraq together bounds each part alone by the whole). The
  documented interval is then rounded to whole counts as the protocol says
  (:func:`documented_interval`). The US strikes a month (the baselines' covariate) are the best
  estimates of the US strike series of every theatre, on facilities and on leaders.

The record's ``us_killed`` of the monthly table counts hostile deaths only, as the protocol
asks: the loader takes the non-hostile deaths of ``us_killed_non_hostile`` off ``us_killed``
(:func:`sim.inputs.record.load_record`, its default), and the monthly series count the deaths
of attacks by militias, named groups, unknown actors and Iran only.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.inputs.monthly import BY_NAME, monthly_table
from sim.inputs.record import Record
from sim.inputs.record_schema import parse_date
from sim.validation.forecasters import add_months
from sim.validation.protocol import FIT_START, RECORD_END, SERIES
from sim.validation.rolling import MonthlyTable, Observed

#: The kinds of the monthly table's US strike series (the baselines' covariate).
STRIKE_KINDS: tuple[str, ...] = ("us_strikes_facilities", "us_strikes_leaders")


def _last_day(day: dt.date, shape: str) -> dt.date:
    if shape == "YYYY":
        return dt.date(day.year, 12, 31)
    if shape == "YYYY-MM":
        return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


def ended_day(text: str) -> dt.date:
    """The last day of the period a date names (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``)."""
    parsed = parse_date(str(text))
    if parsed is None:
        raise ValueError(f"{text!r} is not a date")
    return _last_day(*parsed)


def published_day(published: str, also: str = "") -> dt.date:
    """The day a row was first published: the earliest of its ``published`` and the dates of
    the sources in ``also`` (``outlet; published; headline; url`` entries separated by ``|``),
    each counted as its last day when known only to the month. Entries whose date cannot be
    read are left out."""
    days = [ended_day(published)]
    for part in filter(None, (p.strip() for p in str(also).split(" | "))):
        bits = [b.strip() for b in part.split("; ")]
        if len(bits) >= 2 and parse_date(bits[1]) is not None:
            days.append(ended_day(bits[1]))
    return min(days)


def _visible_rows(frame: pd.DataFrame, ended: pd.Series, origin: dt.date) -> pd.DataFrame:
    published = [
        published_day(p, a) for p, a in zip(frame["published"], frame["also"], strict=True)
    ]
    keep = np.array([e < origin for e in ended], dtype=bool) & np.array(
        [p < origin for p in published], dtype=bool
    )
    return frame[keep].reset_index(drop=True)


def visible_record(record: Record, origin: dt.date) -> Record:
    """The rows of ``record`` visible at ``origin`` (the module docstring): events that ended
    and were published before it, count statements whose period ended and that were published
    before it, and the months of ``gaps.csv`` that ended before it."""
    ev = record.events
    ev_end = pd.Series([ended_day(d) for d in ev["date"]], index=ev.index, dtype=object)
    co = record.counts
    co_end = pd.Series([e.date() for e in co["end"]], index=co.index, dtype=object)
    gaps = record.gaps
    gap_end = [p.end_time.date() < origin for p in gaps["month"]]
    return Record(
        _visible_rows(ev, ev_end, origin),
        _visible_rows(co, co_end, origin),
        gaps[np.array(gap_end, dtype=bool)].reset_index(drop=True),
        f"the rows of {record.name} visible at {origin}",
    )


# --- the protocol's series ---------------------------------------------------------------------


def series_names(series: str) -> tuple[str, ...]:
    """The monthly series (:data:`sim.inputs.monthly.SERIES`) a protocol series sums."""
    out = []
    for theatre, kind in SERIES[series]:
        names = [n for n, s in BY_NAME.items() if s.kind == kind and theatre in ("*", s.theatre)]
        if not names:
            raise ValueError(f"no monthly series of kind {kind!r} in theatre {theatre!r}")
        out += names
    return tuple(out)


def strike_names() -> tuple[str, ...]:
    """The monthly series of US strikes (every theatre; facilities and leaders)."""
    return tuple(n for n, s in BY_NAME.items() if s.kind in STRIKE_KINDS)


def documented_interval(
    low: np.ndarray, best: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The protocol's documented interval of each month: ``[ceil(low), floor(high)]`` (counts
    are whole numbers); where that holds no whole number, the whole number nearest to the best
    estimate (both ends)."""
    lo = np.ceil(np.asarray(low, dtype=float) - 1e-9)
    hi = np.floor(np.asarray(high, dtype=float) + 1e-9)
    empty = lo > hi
    nearest = np.round(np.asarray(best, dtype=float))
    return np.where(empty, nearest, lo) + 0.0, np.where(empty, nearest, hi) + 0.0


def _pivot(
    tidy: pd.DataFrame, names: Sequence[str], months: pd.PeriodIndex, col: str
) -> np.ndarray:
    sel = tidy[tidy["series"].isin(names)]
    wide = sel.pivot_table(index="month", columns="series", values=col, aggfunc="sum")
    wide = wide.reindex(index=months, columns=list(names))
    return wide.to_numpy(dtype=float).sum(axis=1)


def table_from_monthly(
    tidy: pd.DataFrame, start: dt.date = FIT_START, end: dt.date = RECORD_END
) -> MonthlyTable:
    """The protocol's series and the US strikes month by month from ``start`` to ``end``'s
    month, from a tidy monthly table (:func:`sim.inputs.monthly.monthly_table`, one counter)."""
    months = pd.period_range(start, end, freq="M")
    series = {}
    for name in SERIES:
        names = series_names(name)
        best = _pivot(tidy, names, months, "best")
        lo, hi = documented_interval(
            _pivot(tidy, names, months, "low"), best, _pivot(tidy, names, months, "high")
        )
        series[name] = Observed(best, lo, hi)
    strikes = _pivot(tidy, strike_names(), months, "best")
    return MonthlyTable(start, series, strikes)


def observed_table(record: Record) -> MonthlyTable:
    """The observed values of every scored month: the whole record's default basis
    (:func:`sim.inputs.monthly.monthly_table`), October 2019 to August 2024."""
    return table_from_monthly(monthly_table(record))


def visible_table(visible: Record, origin: dt.date) -> MonthlyTable:
    """What the baselines are fitted on at ``origin``: the monthly table of the rows visible at
    the origin (``visible``, from :func:`visible_record`; rebuilt from those rows, not cut from
    the whole record's table), months from :data:`sim.validation.protocol.FIT_START` to the
    month before the origin."""
    if origin <= FIT_START:
        raise ValueError(f"no month before the origin {origin}")
    return table_from_monthly(monthly_table(visible), FIT_START, add_months(origin, -1))
