"""The held-out record and its scoring windows.

The held-out record is package data beside the training record, in the same format and read by
the same validating loader (:mod:`sim.inputs.record`): ``sim/data/heldout_events.csv`` and
``sim/data/heldout_period_counts.csv``, compiled from public reporting outside the five
articles (``docs/validation.md``). Only ``escalation validate`` reads it; the calibration never
does (``tests/test_validate.py`` checks that its output does not change without it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from sim.errors import UserError
from sim.inputs.record import load_events, load_period_counts
from sim.validation.settings import TRACE_FIELD, WINDOWS, WindowSpec

HELDOUT_EVENTS = "heldout_events.csv"
HELDOUT_PERIODS = "heldout_period_counts.csv"


def packaged(name: str) -> Path:
    """Path of a file in the package data directory ``sim/data``."""
    return Path(str(resources.files("sim").joinpath("data", name)))


def load_heldout(
    events: str | Path | None = None, periods: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The held-out events and period counts (default: the packaged files), validated."""
    return (
        load_events(events if events is not None else packaged(HELDOUT_EVENTS)),
        load_period_counts(periods if periods is not None else packaged(HELDOUT_PERIODS)),
    )


@dataclass(frozen=True)
class Window:
    """A scoring window with its documented range."""

    spec: WindowSpec
    start: dt.date
    end: dt.date
    low: int
    high: int | None  # None: open above
    statement: str
    source: str

    @property
    def name(self) -> str:
        return self.spec.row

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def documented(self) -> str:
        if self.high is None:
            return f">= {self.low}"
        return f"{self.low}" if self.low == self.high else f"{self.low}..{self.high}"


def windows(periods: pd.DataFrame, specs: Sequence[WindowSpec] = WINDOWS) -> list[Window]:
    """The scoring windows: each spec's row of the held-out period counts."""
    rows = periods.set_index("id")
    out = []
    for s in specs:
        if s.row not in rows.index:
            raise UserError(f"held-out period counts: no row with id {s.row!r} (a scoring window)")
        if s.quantity not in TRACE_FIELD:
            raise UserError(f"scoring window {s.row!r}: unknown quantity {s.quantity!r}")
        r = rows.loc[s.row]
        high = None if pd.isna(r["count_high"]) else int(r["count_high"])
        out.append(Window(s, r["start"].date(), r["end"].date(), int(r["count_low"]), high,
                          str(r["statement"]), str(r["source"])))  # fmt: skip
    return out


def combined_events(training: pd.DataFrame, heldout: pd.DataFrame) -> pd.DataFrame:
    """Training and held-out events in one table ordered by day, for the forcing of the US
    actions (and, in the histories, Iran's direct strikes and the vote). Ids must not repeat."""
    dup = sorted(set(training["id"]) & set(heldout["id"]))
    if dup:
        raise UserError(f"held-out events repeat training ids: {', '.join(dup[:5])}")
    both = pd.concat([training, heldout], ignore_index=True)
    return both.sort_values("day", kind="stable", ignore_index=True)
