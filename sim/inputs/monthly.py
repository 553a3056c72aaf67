"""The record month by month: for each series and month, the bounds the record supports and a
best estimate, per counter (``docs/record.md``, "The monthly series").

Each series (:data:`SERIES`) has one unknown count per month from October 2019 to August 2024.
The record constrains them in two ways:

* its **events** are lower bounds: the month holds at least the documented events of the series
  (an event dated to the day or the week, to the month, or to the year bounds that day, month or
  year);
* its **count statements** are intervals: ``count_low <= (the count over the statement's period
  of the series its theatre and kind sum) <= count_high``. A statement's period rarely starts on
  the first of a month, so the months are split at the statements' dates and the unknowns are the
  counts of these pieces: a statement covers whole pieces, exactly, whatever the timing within
  the month (nothing assumes a steady rate within a month). A statement whose counted quantity
  is part of the series' (one group's attacks, one action, casualties in one theatre of a sum)
  gives only its lower side, one whose quantity contains the series' (targets struck, for the
  number of strikes) only its upper side; :func:`statement_terms` says which.

Counters (``official``, ``tracker``, ``press``, ``claims``, ``article``) are kept apart: each
gets its own bounds from its own statements (and the events). The default **basis** takes, for
each month of each series, the statements of the first counter in :data:`BASIS_ORDER` that
speaks of it; a statement of a later counter enters only if no month of a series it covers is
spoken of by an earlier one. Militia claims never enter the basis.

Statements that cannot all hold (two tallies of the same months that do not overlap, a "no
attacks" that a documented attack contradicts) get slack variables: the smallest total slack is
found first, and the statements left with slack are reported (:attr:`Monthly.conflicts`). The
lower and upper bound of each month are then a linear programme (HiGHS, through the
``highspy`` package; :class:`_Bounds`) minimising and maximising it with the total slack held at
its minimum; the upper bound is unbounded where nothing caps the month. The best
estimate is the feasible point with the smallest total variation (the sum over months of
``|x_m - x_{m-1}|``, per series) plus a cost on the counts: :data:`TINY` on a month that
statements cap, :data:`UNCAPPED_COST` on one they do not (so such a month keeps the least the
record requires instead of a neighbour's level); a month that no statement or event informs is
marked ``interpolated``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from sim.errors import UserError
from sim.inputs.record import Record
from sim.inputs.record_schema import (
    ATTACK_ACTIONS,
    ATTACKER_ACTORS,
    COUNT_ACTION_FIELD,
    RECORD_END,
    RECORD_START,
    US_COALITION_TARGETS,
)


@dataclass(frozen=True)
class Series:
    """One monthly series: its name, theatre, kind, the group of series that count statements
    can sum over, and a label in words."""

    name: str
    theatre: str
    kind: str
    group: str
    label: str


def _series() -> tuple[Series, ...]:
    out = [
        Series("iraq_base_attacks", "iraq", "base_attacks", "attacks",
               "Iraq: attacks on bases and forces"),
        Series("iraq_convoy_bombs", "iraq", "convoy_bombs", "attacks",
               "Iraq: bombs on supply convoys"),
        Series("syria_attacks", "syria", "attacks", "attacks", "Syria: attacks"),
        Series("jordan_attacks", "jordan", "attacks", "attacks", "Jordan: attacks"),
    ]  # fmt: skip
    for place in ("iraq", "syria", "iran"):
        out.append(
            Series(
                f"{place}_us_strikes_facilities",
                place,
                "us_strikes_facilities",
                "us_strikes",
                f"US strikes in {place.title()}: facilities, forces",
            )
        )
        out.append(Series(f"{place}_us_strikes_leaders", place, "us_strikes_leaders",
                          "us_strikes", f"US strikes in {place.title()}: leaders"))  # fmt: skip
    for place in ("iraq", "syria", "jordan"):
        out.append(Series(f"{place}_iran_direct_strikes", place, "iran_direct_strikes", "iran",
                          f"Iran's direct strikes, {place.title()}"))  # fmt: skip
    for kind, what in (("us_killed", "Americans killed"), ("us_wounded", "Americans wounded")):
        for place in ("iraq", "syria", "jordan"):
            out.append(Series(f"{place}_{kind}", place, kind, kind, f"{what}, {place.title()}"))
    out.append(Series("truce_days", "iraq+syria+jordan", "truce_days", "truces",
                      "Days under a declared truce"))  # fmt: skip
    return tuple(out)


#: Every monthly series, in table order.
SERIES: tuple[Series, ...] = _series()
BY_NAME: dict[str, Series] = {s.name: s for s in SERIES}
#: The months of the series.
MONTHS: pd.PeriodIndex = pd.period_range(RECORD_START, RECORD_END, freq="M")
#: The counters in the order the default basis prefers them; ``claims`` never enters it.
BASIS_ORDER: tuple[str, ...] = ("official", "tracker", "press", "article")
#: The name of the default basis in the ``counter`` column.
BASIS = "basis"
#: Every value of the ``counter`` column.
COUNTER_NAMES: tuple[str, ...] = (BASIS, "official", "tracker", "press", "claims", "article")
#: Cost of the total in the best estimate, beside its total variation: enough to choose the
#: lowest among equally smooth solutions, too little to trade any smoothness for it.
TINY = 1e-3
#: Cost of each unit in a month that no statement caps, in the best estimate: more than the two
#: units of variation a raised month can save, so such a month is never raised for smoothness
#: alone (a month that only events inform keeps the least the record requires).
UNCAPPED_COST = 2.0 + TINY
#: Actors of a statement that counts everyone's attacks (a named group counts part of them).
WHOLE_ATTACKERS: tuple[str, ...] = ("militia", "unknown", "islamic_resistance_iraq")
#: Columns of the tidy table.
COLUMNS: tuple[str, ...] = (
    "series",
    "theatre",
    "kind",
    "month",
    "counter",
    "low",
    "best",
    "high",
    "informed_by",
    "statements",
)
#: A declared truce whose record row is dated to the month only, placed on days (the same
#: placing as the replay's forcing, :data:`sim.history.replay.TRUCE_DAYS`).
TRUCE_DAYS: dict[str, tuple[str, str]] = {
    "2020-10-kh-conditional-ceasefire": ("2020-10-11", "2020-11-16"),
}

_ATTACK_PARTS = {
    "attacks": {"iraq": ("iraq_base_attacks", "iraq_convoy_bombs"), "syria": ("syria_attacks",),
                "jordan": ("jordan_attacks",)},
    "base_attacks": {"iraq": ("iraq_base_attacks",), "syria": ("syria_attacks",),
                     "jordan": ("jordan_attacks",)},
    "convoy_bombs": {"iraq": ("iraq_convoy_bombs",)},
}  # fmt: skip


def statement_terms(row: pd.Series | dict) -> tuple[tuple[str, ...], bool, bool, str]:
    """The series a count statement sums, whether its lower and its upper side bound that sum,
    and, if it bounds nothing, why.

    * Attacks (``attacks`` = base attacks + convoy bombs in Iraq, all attacks in Syria and
      Jordan; ``base_attacks``; ``convoy_bombs``, Iraq only): both sides when everyone's attacks
      are counted (actor ``militia``, ``unknown`` or ``islamic_resistance_iraq``); the lower
      side only for one named group's or one action's.
    * US strikes (``us_strikes``, actor ``us``): facilities and leaders of the theatres, both
      sides; ``us_strike_targets``: the upper side (a strike hits at least one target);
      ``leaders_killed``: the upper side of the strikes on leaders (each kills at least one).
    * Iran's direct strikes, Americans killed and wounded: per theatre, both sides; the lower
      side only for one actor's or one action's (Iran's missiles of 8 January 2020 wounded
      "more than 100": at least that many Americans were wounded that month in Iraq).
    * Truce days: both sides when all the militias are counted, else the lower side.
    * Anything else (rockets, troops, people killed, contractors, the theatre ``other``) bounds
      no series.
    """
    kind, theatre, actor = row["kind"], row["theatre"], row["actor"]
    action = row.get(COUNT_ACTION_FIELD, "") or ""
    places = theatre.split("+")
    if theatre == "other":
        return (), False, False, "a place outside the theatres"
    if kind in _ATTACK_PARTS:
        names = tuple(n for p in places for n in _ATTACK_PARTS[kind].get(p, ()))
        whole = actor in WHOLE_ATTACKERS and not action
        return names, True, whole, "" if names else f"no {kind} series in {theatre}"
    if kind in ("us_strikes", "us_strike_targets", "leaders_killed"):
        if actor != "us":
            return (), False, False, f"{kind} by {actor}, not by the US"
        want = ("leaders",) if kind == "leaders_killed" else ("facilities", "leaders")
        names = tuple(
            f"{p}_us_strikes_{w}" for p in places for w in want if p in ("iraq", "syria", "iran")
        )
        lower = kind == "us_strikes" and not action
        return names, lower, True, "" if names else f"no US strikes series in {theatre}"
    if kind in ("iran_direct_strikes", "us_killed", "us_wounded"):
        names = tuple(f"{p}_{kind}" for p in places if p in ("iraq", "syria", "jordan"))
        whole = not action and (actor in WHOLE_ATTACKERS or kind == "iran_direct_strikes")
        return names, True, whole, "" if names else f"no {kind} series in {theatre}"
    if kind == "truce_days":
        return ("truce_days",), True, actor in WHOLE_ATTACKERS, ""
    return (), False, False, f"the kind {kind!r} is not a monthly series"


# --- the events as lower bounds ----------------------------------------------------------------


def event_series(events: pd.DataFrame) -> pd.Series:
    """The monthly series each event counts in (empty: none), except truces and casualties.

    Attacks by a militia, a named group or an unknown actor on US or coalition forces,
    facilities, personnel or supply convoys: by theatre, bombs on convoys (``logistics_convoy``)
    apart in Iraq. US strikes (``us_strike_iraq``, ``us_strike_syria``, ``us_strike_iran``;
    ``decapitation``: on leaders) by the theatre they hit. Iran's direct strikes on US or
    coalition targets, by theatre. A clash (``us_clash_syria``) is not a strike.
    """
    out = pd.Series("", index=events.index, dtype=object)
    attack = (
        events["actor"].isin(ATTACKER_ACTORS)
        & events["action"].isin(ATTACK_ACTIONS)
        & events["target"].isin((*US_COALITION_TARGETS, "logistics_convoy"))
    )
    convoy = events["target"] == "logistics_convoy"
    th = events["theatre"]
    out[attack & (th == "iraq") & ~convoy] = "iraq_base_attacks"
    out[attack & (th == "iraq") & convoy] = "iraq_convoy_bombs"
    out[attack & (th == "syria")] = "syria_attacks"
    out[attack & (th == "jordan")] = "jordan_attacks"
    us = events["actor"] == "us"
    struck = us & events["action"].isin(("us_strike_iraq", "us_strike_syria", "us_strike_iran"))
    for place in ("iraq", "syria", "iran"):
        out[struck & (th == place)] = f"{place}_us_strikes_facilities"
        out[us & (events["action"] == "decapitation") & (th == place)] = (
            f"{place}_us_strikes_leaders"
        )
    iran = (
        (events["actor"] == "iran")
        & (events["action"] == "iran_state_strike")
        & events["target"].isin(US_COALITION_TARGETS)
    )
    for place in ("iraq", "syria", "jordan"):
        out[iran & (th == place)] = f"{place}_iran_direct_strikes"
    return out


def truce_spans(events: pd.DataFrame) -> list[tuple[str, dt.date, dt.date, bool]]:
    """The documented truces: (id, first day, last day, ended) of each ``ceasefire`` row by a
    militia, a named group or an unknown actor dated to the day (or placed on days by
    :data:`TRUCE_DAYS`). A truce ends the day before the first dated row that ``responds_to``
    it; one that no row answers is documented for its first day only (``ended`` False)."""
    rows = events[(events["action"] == "ceasefire") & events["actor"].isin(ATTACKER_ACTORS)]
    dated = events[events["date_precision"].isin(("day", "week"))]
    out = []
    for _, r in rows.iterrows():
        placed = TRUCE_DAYS.get(r["id"])
        if placed is not None:
            first, last = (dt.date.fromisoformat(d) for d in placed)
            out.append((r["id"], first, last, True))
            continue
        if r["date_precision"] not in ("day", "week"):
            continue
        first = r["day"].date()
        ends = dated[dated["responds_to"] == r["id"]]
        if len(ends):
            last = max(first, ends["day"].min().date() - dt.timedelta(days=1))
            out.append((r["id"], first, last, True))
        else:
            out.append((r["id"], first, first, False))
    return out


@dataclass
class _Lower:
    """What the events say, by series: the documented events per day (events dated to the day),
    per month (dated at least to the month) and per year (dated to the year only, with the
    events of that year dated more finely), and the documented truce days."""

    day: dict[str, list[tuple[int, int]]]  # name -> (day number, events)
    month: dict[tuple[str, int], int]  # (name, month index) -> events
    year: dict[tuple[str, int], int]  # (name, year) -> events, when some are dated to the year
    truce: list[tuple[int, int]]  # (first day number, last day number + 1)


def _day(d: dt.date) -> int:
    return d.toordinal()


#: First day number of each month of :data:`MONTHS`, and the day after the record's end.
_MONTH_STARTS = np.array(
    [_day(p.start_time.date()) for p in MONTHS] + [_day(RECORD_END + dt.timedelta(days=1))]
)


def _month_index(day_number: int) -> int:
    return int(np.searchsorted(_MONTH_STARTS, day_number, side="right")) - 1


def _lower_bounds(events: pd.DataFrame) -> _Lower:
    low = _Lower({}, {}, {}, [])
    first, last = _day(RECORD_START), _day(RECORD_END)
    names = event_series(events)
    year_only: dict[tuple[str, int], int] = {}

    def add(name: str, r: dict, n: int) -> None:
        if n <= 0:
            return
        d = _day(r["day"].date())
        if r["date_precision"] == "year":
            if r["day"].year > RECORD_START.year:  # the whole year lies in the record
                key = (name, r["day"].year)
                year_only[key] = year_only.get(key, 0) + n
            return
        if not first <= d <= last:
            return
        key = (name, _month_index(d))
        low.month[key] = low.month.get(key, 0) + n
        if r["date_precision"] == "day":
            low.day.setdefault(name, []).append((d, n))

    for r, name in zip(events.to_dict("records"), names, strict=True):
        if name:
            add(name, r, 1)
        hostile = r["actor"] in ATTACKER_ACTORS or r["actor"] == "iran"
        if hostile and r["theatre"] in ("iraq", "syria", "jordan"):
            for kind in ("us_killed", "us_wounded"):
                if not pd.isna(r[kind]):
                    add(f"{r['theatre']}_{kind}", r, int(r[kind]))
    for (name, year), n in year_only.items():
        finer = sum(k for (s, m), k in low.month.items() if s == name and MONTHS[m].year == year)
        low.year[(name, year)] = n + finer
    for _, a, b, _ended in truce_spans(events):
        lo, hi = max(_day(a), first), min(_day(b), last)
        if lo <= hi:
            low.truce.append((lo, hi + 1))
    return low


# --- the statements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Statement:
    id: str
    counter: str
    names: tuple[str, ...]
    start: int  # day numbers, inclusive
    end: int
    low: float | None  # None: the side bounds nothing
    high: float | None
    cumulative: bool = False  # a running tally since a fixed start

    def cells(self) -> set[tuple[str, int]]:
        months = range(_month_index(self.start), _month_index(self.end) + 1)
        return {(n, m) for n in self.names for m in months}


def _statements(counts: pd.DataFrame) -> tuple[list[_Statement], list[dict[str, str]]]:
    """The count statements as constraints, and those that bound no series (with why)."""
    used, unused = [], []
    for r in counts.to_dict("records"):
        names, lower, upper, why = statement_terms(r)
        start, end = r["start"].date(), r["end"].date()
        if names and end < RECORD_START:
            names, why = (), "before October 2019"
        if names and start < RECORD_START and lower:
            lower = False  # the months before the record may hold part of the count
            why = "only its upper side bounds the record's months (it starts before October 2019)"
        lo = float(r["count_low"]) if lower and int(r["count_low"]) > 0 else None
        hi = float(r["count_high"]) if upper and not pd.isna(r["count_high"]) else None
        if not names or (lo is None and hi is None):
            reason = why or "its only side is open (at least 0, or no upper end)"
            if names:
                reason = f"{reason}; its only usable side is open"
            unused.append({"statement": r["id"], "counter": r["counter"], "why": reason})
            continue
        first = _day(max(start, RECORD_START))
        used.append(_Statement(r["id"], r["counter"], names, first, _day(end), lo, hi,
                               r["cumulative"] == "yes"))  # fmt: skip
    return used, unused


def _ranked_later(s: _Statement) -> tuple[int, float, float]:
    """Order of running tallies from the latest: the later end, then (the same day) the higher
    count."""
    low = -1.0 if s.low is None else s.low
    high = math.inf if s.high is None else s.high
    return (s.end, low, high)


def supersede(statements: Sequence[_Statement]) -> tuple[list[_Statement], list[dict[str, str]]]:
    """The statements with the sides that a later running tally contradicts left out, and what
    was left out (``docs/record.md``, "The monthly series").

    Two running tallies (``cumulative`` yes) of the same counter, series and start cannot both
    hold when the one ending no later states more than the other allows. A running tally only
    grows, so one of them is wrong: a count repeated after it was overtaken, or a revision that
    adds injuries reported days late. The later one stands -- the one that ends later, or,
    ending the same day, the higher (the count taken later) -- and the earlier loses the side
    the later contradicts: its lower side when it ends earlier and states more than the later
    allows; its upper side when it ends the same day and the later states more. Tallies are
    taken from the latest back, each checked against those already kept. A tally that merely
    repeats an old figure under a later date is a coding error, corrected in the record, not
    left to this rule.
    """
    final = {s.id: s for s in statements}
    gone: list[dict[str, str]] = []
    groups: dict[tuple, list[_Statement]] = {}
    for s in statements:
        if s.cumulative:
            groups.setdefault((s.counter, s.names, s.start), []).append(s)
    for tallies in groups.values():
        kept: list[_Statement] = []
        for s in sorted(tallies, key=_ranked_later, reverse=True):
            for k in kept:
                earlier_says_more = s.end < k.end and _above(s.low, k.high)
                same_day_later_says_more = s.end == k.end and _above(k.low, s.high)
                if earlier_says_more or same_day_later_says_more:
                    side = "low" if earlier_says_more else "high"
                    s = dataclasses.replace(s, **{side: None})
                    gone.append({"statement": s.id, "side": side, "superseded_by": k.id})
            final[s.id] = s
            if s.low is not None or s.high is not None:
                kept.append(s)
    out = [final[s.id] for s in statements]
    return [s for s in out if s.low is not None or s.high is not None], gone


def _above(low: float | None, high: float | None) -> bool:
    """Whether a lower side exceeds an upper side (both present)."""
    return low is not None and high is not None and low > high


def basis_statements(statements: Sequence[_Statement]) -> list[_Statement]:
    """The default basis (module docstring): counter by counter in :data:`BASIS_ORDER`, a
    statement enters if no month of a series it covers is covered by an earlier counter's;
    then the sides that a later running tally of the same counter contradicts are left out
    (:func:`supersede`)."""
    return table_statements(statements, BASIS)[0]


def table_statements(
    statements: Sequence[_Statement], counter: str
) -> tuple[list[_Statement], list[dict[str, str]]]:
    """The statements the table of ``counter`` (or of the basis) meets, and the sides left out
    as superseded (:func:`supersede`)."""
    if counter == BASIS:
        return supersede(_basis_choice(statements))
    return supersede([s for s in statements if s.counter == counter])


def _basis_choice(statements: Sequence[_Statement]) -> list[_Statement]:
    taken: set[tuple[str, int]] = set()
    out = []
    for counter in BASIS_ORDER:
        new: set[tuple[str, int]] = set()
        for s in statements:
            if s.counter != counter:
                continue
            cells = s.cells()
            if cells & taken:
                continue
            out.append(s)
            new |= cells
        taken |= new
    return out


# --- one group of series, one set of statements ------------------------------------------------


#: Kinds of rows of a :class:`_Problem`.
_MONTH_ROW, _YEAR_ROW, _LOW_ROW, _HIGH_ROW = 0, 1, 2, 3


@dataclass
class _Problem:
    """The linear constraints of one group of series: columns are the pieces of each series'
    months (then one slack column per statement side); rows are ``A x <= b``."""

    names: list[str]
    pieces: list[np.ndarray]  # per series: first day number of each piece, and the end
    col0: list[int]
    n_y: int
    lb: np.ndarray
    ub: np.ndarray
    A: sparse.csr_matrix
    b: np.ndarray
    kind: np.ndarray  # per row: _MONTH_ROW, _YEAR_ROW, _LOW_ROW or _HIGH_ROW
    slack_rows: list[tuple[int, str, str]]  # per slack column: its row, statement, side
    need: dict[tuple[int, int], int]  # (series index, month) -> events of the month

    def __post_init__(self) -> None:
        self._edges = [np.searchsorted(p[:-1], _MONTH_STARTS) + c
                       for p, c in zip(self.pieces, self.col0, strict=False)]  # fmt: skip

    def month_cols(self, i: int, m: int) -> np.ndarray:
        """The columns of the pieces of month ``m`` of series ``i``."""
        return np.arange(self._edges[i][m], self._edges[i][m + 1])


def _pieces(names: list[str], statements: list[_Statement], low: _Lower) -> list[np.ndarray]:
    out = []
    for name in names:
        cuts = set(_MONTH_STARTS.tolist())
        for s in statements:
            if name in s.names:
                cuts |= {s.start, s.end + 1}
        if name == "truce_days":
            for a, z in low.truce:
                cuts |= {a, z}
        out.append(np.array(sorted(cuts), dtype=np.int64))
    return out


def _problem(names: list[str], statements: list[_Statement], low: _Lower) -> _Problem:
    pieces = _pieces(names, statements, low)
    col0 = np.r_[0, np.cumsum([len(p) - 1 for p in pieces])].tolist()
    n = col0[-1]
    lb, ub = np.zeros(n), np.full(n, np.inf)
    rows: list[tuple[list[int], float, float, int]] = []  # (columns, sign, bound, kind)
    need: dict[tuple[int, int], int] = {}
    shell = _Problem(names, pieces, col0, n, lb, ub, sparse.csr_matrix((0, n)), np.zeros(0),
                     np.zeros(0, dtype=int), [], need)  # fmt: skip
    for i, name in enumerate(names):
        p = pieces[i]
        if name == "truce_days":
            ub[col0[i] : col0[i + 1]] = np.diff(p)
            for a, z in low.truce:
                j, k = np.searchsorted(p, a), np.searchsorted(p, z)
                lb[col0[i] + j : col0[i] + k] = np.diff(p)[j:k]
            continue
        for d, k in low.day.get(name, []):
            lb[col0[i] + int(np.searchsorted(p, d, side="right")) - 1] += k
        for m in range(len(MONTHS)):
            want = low.month.get((name, m), 0)
            mc = shell.month_cols(i, m)
            if want:
                need[(i, m)] = want
            if want > lb[mc].sum():
                rows.append((mc.tolist(), -1.0, -float(want), _MONTH_ROW))
        for (nm, year), want in low.year.items():
            if nm == name:
                yc = [shell.month_cols(i, m) for m in range(len(MONTHS)) if MONTHS[m].year == year]
                rows.append((np.concatenate(yc).tolist(), -1.0, -float(want), _YEAR_ROW))
    slack_rows: list[tuple[int, str, str]] = []
    for s in statements:
        cols: list[int] = []
        for i, name in enumerate(names):
            if name in s.names:
                p = pieces[i]
                a, z = np.searchsorted(p, s.start), np.searchsorted(p, s.end + 1)
                cols += range(col0[i] + a, col0[i] + z)
        if s.low is not None:
            rows.append((cols, -1.0, -s.low, _LOW_ROW))
            slack_rows.append((len(rows) - 1, s.id, "low"))
        if s.high is not None:
            rows.append((cols, 1.0, s.high, _HIGH_ROW))
            slack_rows.append((len(rows) - 1, s.id, "high"))
    n_s = len(slack_rows)
    data, ri, ci = [], [], []
    for r, (cols, sign, _, _) in enumerate(rows):
        data += [sign] * len(cols)
        ri += [r] * len(cols)
        ci += cols
    for k, (r, _, _) in enumerate(slack_rows):
        data.append(-1.0)
        ri.append(r)
        ci.append(n + k)
    A = sparse.csr_matrix((data, (ri, ci)), shape=(len(rows), n + n_s))
    return _Problem(
        names, pieces, col0, n, np.r_[lb, np.zeros(n_s)], np.r_[ub, np.full(n_s, np.inf)], A,
        np.array([r[2] for r in rows]), np.array([r[3] for r in rows], dtype=int), slack_rows,
        need,
    )  # fmt: skip


class _Bounds:
    """Minimise several objectives over one feasible set (the bound programmes of a part).

    One HiGHS model (the ``highspy`` package: ``addVars``, ``addRows``, then ``changeColsCost``
    and ``run`` for each objective) is built once; HiGHS re-solves it from the previous optimal
    basis after each change of objective. Returns -inf for an objective unbounded below.
    """

    def __init__(self, A: sparse.csr_matrix, b: np.ndarray, lb: np.ndarray, ub: np.ndarray):
        inf = highspy.kHighsInf
        n, m = A.shape[1], A.shape[0]
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.index = np.arange(n, dtype=np.int32)
        self._check("addVars", self.highs.addVars(
            n, lb.astype(float), np.where(np.isinf(ub), inf, ub).astype(float)))  # fmt: skip
        if m:
            self._check("addRows", self.highs.addRows(
                m, np.full(m, -inf), b.astype(float), A.nnz, A.indptr[:-1].astype(np.int32),
                A.indices.astype(np.int32), A.data.astype(float)))  # fmt: skip

    @staticmethod
    def _check(call: str, status: highspy.HighsStatus) -> None:
        if status != highspy.HighsStatus.kOk:
            raise RuntimeError(f"the monthly bounds' linear programme: HiGHS {call} gave {status}")

    def solve(self, c: np.ndarray) -> tuple[float, np.ndarray]:
        """(minimum, a minimiser) of ``c @ x``; (-inf, zeros) when unbounded below.

        Raises
        ------
        RuntimeError
            When HiGHS ends with neither an optimum nor unboundedness (the programmes are
            feasible by construction: every statement side has a slack).
        """
        self._check("changeColsCost", self.highs.changeColsCost(len(c), self.index,
                                                                c.astype(float)))  # fmt: skip
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(self.highs.getSolution().col_value, dtype=float)
            return float(self.highs.getInfo().objective_function_value), x
        if status in (highspy.HighsModelStatus.kUnbounded,
                      highspy.HighsModelStatus.kUnboundedOrInfeasible):  # fmt: skip
            return -math.inf, np.zeros(len(c))
        raise RuntimeError(f"the monthly bounds' linear programme: HiGHS ended with {status}")

    def minimum(self, c: np.ndarray) -> float:
        """The minimum of ``c @ x`` (-inf when unbounded below)."""
        return self.solve(c)[0]


@dataclass
class _Part:
    """A connected part of the constraints: its columns, rows (with the slack budget row) and
    smallest total slack."""

    cols: np.ndarray
    A: sparse.csr_matrix
    b: np.ndarray
    s_min: float


@dataclass
class _Solution:
    low: np.ndarray  # (series, month)
    best: np.ndarray
    high: np.ndarray
    conflicts: list[dict[str, object]]


def _parts(prob: _Problem, statements: list[_Statement]) -> tuple[np.ndarray, dict, list]:
    """The connected parts (a label per column), each with its smallest total slack, and the
    statement sides left short at it."""
    A, n_y = prob.A, prob.n_y
    n = A.shape[1]
    if A.shape[0]:
        graph = sparse.bmat([[None, A.T], [A, None]], format="csr")
        label = connected_components(graph, directed=False)[1]
        col_part, row_part = label[:n], label[n:]
    else:
        col_part, row_part = np.arange(n), np.zeros(0, dtype=int)
    by_id = {s.id: s for s in statements}
    parts: dict[int, _Part] = {}
    conflicts: list[dict[str, object]] = []
    for lab in np.unique(row_part):
        cols = np.flatnonzero(col_part == lab)
        rows = np.flatnonzero(row_part == lab)
        a, b = A[rows][:, cols], prob.b[rows]
        slack = cols >= n_y
        s_min = 0.0
        if slack.any():
            s_min, x = _Bounds(a, b, prob.lb[cols], prob.ub[cols]).solve(slack.astype(float))
            for k in np.flatnonzero(slack & (x > 1e-6)):
                _, sid, side = prob.slack_rows[cols[k] - n_y]
                st = by_id[sid]
                conflicts.append({"statement": sid, "side": side, "low": st.low,
                                  "high": st.high, "short_by": round(float(x[k]), 3)})  # fmt: skip
            a = sparse.vstack([a, sparse.csr_matrix(slack.astype(float)[None, :])], format="csr")
            b = np.append(b, s_min + 1e-7 * max(1.0, s_min))
        parts[int(lab)] = _Part(cols, a, b, s_min)
    return col_part, parts, conflicts


def _solve(prob: _Problem, statements: list[_Statement]) -> _Solution:
    """Bounds of every month of every series (per connected part of the constraints, with its
    slack at its minimum) and the best estimate (one programme for the group)."""
    n_series, n_m = len(prob.names), len(MONTHS)
    col_part, parts, conflicts = _parts(prob, statements)
    A = prob.A
    coo = A.tocoo()
    kinds = prob.kind[coo.row]
    stated_low = np.zeros(A.shape[1], dtype=bool)  # a statement's lower side or a year's events
    stated_low[coo.col[np.isin(kinds, (_LOW_ROW, _YEAR_ROW)) & (coo.data < 0)]] = True
    stated_high = np.zeros(A.shape[1], dtype=bool)
    stated_high[coo.col[(kinds == _HIGH_ROW) & (coo.data > 0)]] = True
    capped = stated_high | ~np.isinf(prob.ub)
    low = np.zeros((n_series, n_m))
    high = np.zeros((n_series, n_m))
    tasks: dict[int, list[tuple[np.ndarray, int, int, float]]] = {}  # part -> (c, i, m, sign)
    for i in range(n_series):
        for m in range(n_m):
            mc = prob.month_cols(i, m)
            if not stated_low[mc].any():
                low[i, m] = max(prob.lb[mc].sum(), prob.need.get((i, m), 0))
            if not capped[mc].all():
                high[i, m] = math.inf
            for lab in np.unique(col_part[mc]):
                sel = mc[col_part[mc] == lab]
                part = parts.get(int(lab))
                if part is None:  # a piece no row touches
                    if high[i, m] != math.inf:
                        high[i, m] += prob.ub[sel].sum()
                    continue
                c = np.isin(part.cols, sel).astype(float)
                if stated_low[mc].any():
                    tasks.setdefault(int(lab), []).append((c, i, m, 1.0))
                if high[i, m] != math.inf:
                    tasks.setdefault(int(lab), []).append((-c, i, m, -1.0))
    for lab, todo in tasks.items():
        part = parts[lab]
        solver = _Bounds(part.A, part.b, prob.lb[part.cols], prob.ub[part.cols])
        for c, i, m, sign in todo:
            v = solver.minimum(c)
            if sign > 0:
                low[i, m] += v
            elif math.isinf(v):
                high[i, m] = math.inf
            else:
                high[i, m] -= v
    cost = np.where(
        np.array([[stated_high[prob.month_cols(i, m)].all() for m in range(n_m)]
                  for i in range(n_series)]), TINY, UNCAPPED_COST)  # fmt: skip
    best = _best(prob, parts, cost)
    return _Solution(low, best, high, conflicts)


def _best(prob: _Problem, parts: dict[int, _Part], cost: np.ndarray) -> np.ndarray:
    """The feasible point of smallest total variation plus ``cost`` times each month, with every
    part's slack at its minimum; the months' totals (series, month)."""
    n_y, n_series, n_m = prob.n_y, len(prob.names), len(MONTHS)
    n = prob.A.shape[1]
    ri, ci = [], []
    for i in range(n_series):
        for m in range(n_m):
            mc = prob.month_cols(i, m)
            ri += [i * n_m + m] * len(mc)
            ci += mc.tolist()
    M = sparse.csr_matrix((np.ones(len(ri)), (ri, ci)), shape=(n_series * n_m, n))
    pairs = [(i * n_m + m, i * n_m + m - 1) for i in range(n_series) for m in range(1, n_m)]
    n_t = len(pairs)
    idx = np.arange(n_t)
    D = sparse.csr_matrix(
        (np.r_[np.ones(n_t), -np.ones(n_t)],
         (np.r_[idx, idx], np.r_[[a for a, _ in pairs], [z for _, z in pairs]])),
        shape=(n_t, n_series * n_m),
    ) @ M  # fmt: skip
    eye = sparse.identity(n_t, format="csr")
    blocks = [sparse.hstack([D, -eye]), sparse.hstack([-D, -eye])]
    b = [np.zeros(n_t), np.zeros(n_t)]
    for part in parts.values():
        a = part.A.tocsr()
        full = sparse.csr_matrix((a.data, part.cols[a.indices], a.indptr), shape=(a.shape[0], n))
        blocks.append(sparse.hstack([full, sparse.csr_matrix((a.shape[0], n_t))]))
        b.append(part.b)
    A = sparse.vstack(blocks, format="csr")
    c = np.r_[cost.ravel() @ M, np.ones(n_t)]
    c[n_y:n] = 0.0
    solver = _Bounds(A, np.concatenate(b), np.r_[prob.lb, np.zeros(n_t)],
                     np.r_[prob.ub, np.full(n_t, np.inf)])  # fmt: skip
    _, x = solver.solve(c)
    return (M @ x[:n]).reshape(n_series, n_m)


# --- the table ---------------------------------------------------------------------------------


@dataclass
class Monthly:
    """The monthly series of a record.

    Attributes
    ----------
    table : pandas.DataFrame
        The tidy table (:data:`COLUMNS`): one row per series, month and counter (the default
        basis ``basis`` and each counter); ``low`` and ``high`` whole numbers (``high`` inf where
        nothing caps the month), ``best`` the best estimate, ``informed_by`` ``statements``,
        ``events``, ``statements and events`` or ``interpolated``, ``statements`` the ids of the
        statements covering the month (``; ``-separated).
    conflicts : pandas.DataFrame
        Statements a counter's (or the basis') statements and the events cannot all meet: one
        row per statement side left short at the smallest total slack (counter, statement,
        side, its bounds, short_by).
    unused : pandas.DataFrame
        Statements that bound no monthly series, with why.
    superseded : pandas.DataFrame
        Sides of running tallies that a table (the basis' or a counter's) leaves out because a
        later tally of the same counter contradicts them (:func:`supersede`): counter,
        statement, side, superseded_by.
    """

    table: pd.DataFrame
    conflicts: pd.DataFrame
    unused: pd.DataFrame
    superseded: pd.DataFrame


def _group_names() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in SERIES:
        out.setdefault(s.group, []).append(s.name)
    return out


def _table_rows(
    counter: str, statements: list[_Statement], low: _Lower, rows: list, conf: list, solved: dict
) -> None:
    for names in _group_names().values():
        mine = [s for s in statements if set(s.names) & set(names)]
        key = (tuple(names), tuple(mine))
        if key not in solved:  # counters with the same statements share one solution
            solved[key] = _solve(_problem(names, mine, low), mine)
        sol = solved[key]
        for c in sol.conflicts:
            conf.append({"counter": counter, **c})
        cover: dict[tuple[str, int], list[str]] = {}
        for s in mine:
            for cell in s.cells():
                cover.setdefault(cell, []).append(s.id)
        for i, name in enumerate(names):
            ser = BY_NAME[name]
            for m, month in enumerate(MONTHS):
                ids = cover.get((name, m), [])
                ev = low.month.get((name, m), 0) > 0 or (
                    name == "truce_days" and any(
                        a < _MONTH_STARTS[m + 1] and z > _MONTH_STARTS[m] for a, z in low.truce)
                )  # fmt: skip
                informed = (
                    "statements and events" if ids and ev else "statements" if ids
                    else "events" if ev else "interpolated"
                )  # fmt: skip
                lo = math.ceil(sol.low[i, m] - 1e-6)
                hi = sol.high[i, m]
                hi = math.inf if math.isinf(hi) else math.floor(hi + 1e-6)
                best = min(max(round(float(sol.best[i, m]), 2), lo), hi)
                rows.append((name, ser.theatre, ser.kind, month, counter, lo, best, hi, informed,
                             "; ".join(ids)))  # fmt: skip


@dataclass
class _State:
    """What a record's monthly series are computed from, and the counters done so far."""

    low: _Lower
    statements: list[_Statement]
    unused: pd.DataFrame
    done: dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]
    solved: dict


#: Monthly series already computed, by the record's contents (:attr:`Record.key`).
_CACHE: dict[str, _State] = {}
_CACHE_SIZE = 8
_CONFLICT_COLUMNS = ["counter", "statement", "side", "low", "high", "short_by"]
_SUPERSEDED_COLUMNS = ["counter", "statement", "side", "superseded_by"]


def _state(record: Record) -> _State:
    key = record.key
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        statements, unused = _statements(record.counts)
        _CACHE[key] = _State(_lower_bounds(record.events), statements,
                             pd.DataFrame(unused, columns=["statement", "counter", "why"]), {},
                             {})  # fmt: skip
    return _CACHE[key]


def _counter(state: _State, counter: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The table, the conflicts and the superseded sides of one counter (or the basis),
    computed once."""
    if counter not in state.done:
        chosen, gone = table_statements(state.statements, counter)
        rows: list[tuple] = []
        conf: list[dict[str, object]] = []
        _table_rows(counter, chosen, state.low, rows, conf, state.solved)
        table = pd.DataFrame(rows, columns=list(COLUMNS))
        table["low"] = table["low"].astype("int64")
        table["high"] = table["high"].astype(float)
        state.done[counter] = (
            table,
            pd.DataFrame(conf, columns=_CONFLICT_COLUMNS),
            pd.DataFrame([{"counter": counter, **g} for g in gone], columns=_SUPERSEDED_COLUMNS),
        )
    return state.done[counter]


def _check_counter(counter: str) -> None:
    if counter not in COUNTER_NAMES:
        raise UserError(f"--counter: {counter!r} is not one of {', '.join(COUNTER_NAMES)}")


def monthly(record: Record, counters: Sequence[str] = COUNTER_NAMES) -> Monthly:
    """The monthly series of a record for some counters (default: the basis and every counter),
    computed once per record's contents and counter.

    Raises
    ------
    UserError
        For a counter not in :data:`COUNTER_NAMES`.
    """
    for c in counters:
        _check_counter(c)
    state = _state(record)
    done = [_counter(state, c) for c in counters]
    table, conflicts, superseded = (
        pd.concat(parts, ignore_index=True) for parts in zip(*done, strict=True)
    )
    return Monthly(table, conflicts, state.unused.copy(), superseded)


def monthly_table(record: Record, counter: str | None = BASIS) -> pd.DataFrame:
    """The tidy monthly table of a record (:class:`Monthly`), for one counter (default: the
    basis; None: the basis and every counter).

    Parameters
    ----------
    record : a record from :func:`sim.inputs.record.load_record`
    counter : ``basis``, ``official``, ``tracker``, ``press``, ``claims``, ``article`` or None

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: ``series`` (a name of :data:`SERIES`), ``theatre``, ``kind``,
        ``month`` (monthly Period, October 2019 to August 2024), ``counter``, ``low``, ``best``,
        ``high`` (inf where nothing caps the month), ``informed_by``, ``statements``.
    """
    return monthly(record, COUNTER_NAMES if counter is None else (counter,)).table
