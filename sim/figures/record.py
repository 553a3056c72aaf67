"""The record month by month (``escalation record --plot FILE``), in the style of
:mod:`sim.figures.style`: one panel per attack series (Iraq: bases and forces; Iraq: supply
convoys; Syria; Jordan) with the bounds the record supports as bands and the best estimate as a
line, a panel of the US strikes by place, the declared truces shaded, and the major shocks and
the truces numbered and lettered in a key above the panels. Months that no statement or event
informs are hatched (nothing is known of them); months that statements bound at zero carry a
thick line at zero. The caption says which counter's statements are shown and how to read the
bands and the flat stretches of the best estimate (``docs/record.md``, "The monthly
series")."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.core.params import GROUP_LABELS
from sim.figures.style import GRID, OKABE_ITO, RC, _new_figure, _save, footnote_text
from sim.inputs.monthly import BASIS_ORDER, BY_NAME, MONTHS, monthly_table, truce_spans
from sim.inputs.record import Record
from sim.inputs.record_schema import RECORD_END, RECORD_START

#: The attack panels: series and colour.
ATTACK_PANELS: tuple[tuple[str, str], ...] = (
    ("iraq_base_attacks", OKABE_ITO["vermillion"]),
    ("iraq_convoy_bombs", OKABE_ITO["orange"]),
    ("syria_attacks", OKABE_ITO["purple"]),
    ("jordan_attacks", OKABE_ITO["green"]),
)
#: The US strikes by place: colour of each place.
STRIKE_PLACES: dict[str, str] = {
    "iraq": OKABE_ITO["blue"],
    "syria": OKABE_ITO["sky"],
    "iran": OKABE_ITO["black"],
}
#: The shocks named on the figure: the killing of Soleimani and al-Muhandis (3 January 2020),
#: Hamas's attack on Israel and the Gaza war (7 October 2023), the drone that killed three US
#: soldiers at Tower 22, Jordan (28 January 2024), and Haniyeh's killing in Tehran (31 July
#: 2024); the dates of the record's rows of these events.
SHOCKS: tuple[tuple[str, str], ...] = (
    ("2020-01-03", "Soleimani killed"),
    ("2023-10-07", "Gaza war begins"),
    ("2024-01-28", "Tower 22: 3 US soldiers killed"),
    ("2024-07-31", "Haniyeh killed"),
)
TRUCE_COLOR = "#CFE8D5"
TRUCE_EDGE = "#4A9E5C"
BAND_ALPHA = 0.28
#: Hatching of the months that no statement or event informs.
UNKNOWN_HATCH = dict(facecolor="none", edgecolor="#C4C4C4", hatch="////", lw=0.0)
#: Names of the attackers of a truce row, for the key.
TRUCE_ACTORS: dict[str, str] = {
    **GROUP_LABELS,
    "islamic_resistance_iraq": "Islamic Resistance in Iraq",
    "militia": "militias",
    "unknown": "unnamed attackers",
}


def _month_mid(months: pd.PeriodIndex) -> np.ndarray:
    """The middle of each month, as matplotlib dates."""
    start = months.to_timestamp(how="start")
    end = months.to_timestamp(how="end")
    return mdates.date2num(start + (end - start) / 2)


def _month_edges(months: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray]:
    """The first day of each month and of the next, as matplotlib dates."""
    return (mdates.date2num(months.to_timestamp(how="start")),
            mdates.date2num((months + 1).to_timestamp(how="start")))  # fmt: skip


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    out, start = [], None
    for i, m in enumerate([*mask, False]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i - 1))
            start = None
    return out


def _day(day: str | dt.date) -> float:
    return float(mdates.date2num(pd.Timestamp(day)))


def _shocks(ax) -> None:
    for day, _text in SHOCKS:
        ax.axvline(_day(day), color="#333333", lw=0.7, ls=(0, (4, 2)), zorder=1)


def _fmt(day: dt.date | str) -> str:
    return f"{pd.Timestamp(day):%-d %b %Y}"


def _truce_label(events: pd.DataFrame, ident: str, first: dt.date, last: dt.date,
                 ended: bool) -> str:  # fmt: skip
    actor = events.loc[events["id"] == ident, "actor"].iloc[0]
    who = TRUCE_ACTORS.get(actor, actor.replace("_", " "))
    when = f"{_fmt(first)} – {_fmt(last)}" if ended else f"from {_fmt(first)}, end not recorded"
    return f"{who}, {when}"


def _key_strip(ax, events: pd.DataFrame, spans: list[tuple[str, dt.date, dt.date, bool]]) -> None:
    """The strip above the panels: a numbered marker on each shock's line and a lettered one
    at the start of each truce (on a lower row, so close dates do not overlap), and the key of
    both as wrapped text above them (names beside close dates would overlap)."""
    ax.set_axis_off()
    ax.set_ylim(0, 1)
    lo = ax.get_xlim()[0]
    marker = dict(ha="center", va="center", fontsize=6.5, fontweight="bold", color="white")
    key = []
    for k, (day, text) in enumerate(SHOCKS, start=1):
        x = _day(day)
        ax.plot([x, x], [0, 0.24], color="#333333", lw=0.7, ls=(0, (4, 2)))
        ax.text(x, 0.24, str(k), **marker,
                bbox=dict(boxstyle="circle,pad=0.18", fc="#333333", ec="none"))  # fmt: skip
        key.append(f"{k} {text}, {_fmt(day)}")
    truces = []
    for k, (ident, first, last, ended) in enumerate(spans):
        letter = chr(ord("A") + k)
        ax.text(_day(first), 0.06, letter, **marker,
                bbox=dict(boxstyle="square,pad=0.2", fc=TRUCE_EDGE, ec="none"))  # fmt: skip
        truces.append(f"{letter} {_truce_label(events, ident, first, last, ended)}")
    text = "Shocks: " + ";  ".join(key) + "."
    if truces:
        text += "  Declared truces: " + ";  ".join(truces) + "."
    width = int((ax.get_figure(root=True).get_figwidth() - 0.8) * 17)
    ax.text(lo, 1.0, textwrap.fill(text, width=width), ha="left", va="top", fontsize=7,
            color="#222222", linespacing=1.3, in_layout=False)  # fmt: skip


def _truces(ax, spans: list[tuple[str, dt.date, dt.date, bool]]) -> None:
    """Declared truces: shaded from their first to their last day; a truce whose end the
    record does not give, a line on its first day."""
    for _id, first, last, ended in spans:
        a = _day(first)
        z = _day(pd.Timestamp(last) + pd.Timedelta(days=1))
        if ended:
            ax.axvspan(a, z, color=TRUCE_COLOR, lw=0, zorder=0)
        else:
            ax.axvline(a, color=TRUCE_EDGE, lw=1.2, zorder=0)


def _attack_panel(ax, table: pd.DataFrame, name: str, color: str) -> None:
    rows = table[table["series"] == name].sort_values("month")
    months = pd.PeriodIndex(rows["month"])
    x = _month_mid(months)
    starts, ends = _month_edges(months)
    low, best, high = (rows[c].to_numpy(float) for c in ("low", "best", "high"))
    unknown = (rows["informed_by"] == "interpolated").to_numpy()
    finite = np.isfinite(high)
    top = max(np.nanmax(np.where(finite, high, low)), np.nanmax(best), 1.0)
    top = min(top, 3.0 * max(np.nanmax(best), np.nanmax(low), 1.0))  # a wide bound stays legible
    # months nothing informs: hatched over the panel's height, no estimate drawn
    for a, z in _runs(unknown):
        ax.axvspan(starts[a], ends[z], zorder=0.5, **UNKNOWN_HATCH)
    shown = ~unknown
    ax.fill_between(x, low, np.where(finite & shown, np.minimum(high, top * 1.08), np.nan),
                    step="mid", color=color, alpha=BAND_ALPHA, lw=0, zorder=2)  # fmt: skip
    # months that statements bound at zero: a thick line on the axis
    for a, z in _runs(shown & (high == 0)):
        ax.plot([starts[a], ends[z]], [0, 0], color=color, lw=3.2, zorder=3.5,
                solid_capstyle="butt", clip_on=False)  # fmt: skip
    # months with no upper bound: the documented minimum with an arrow (at least this many)
    open_ = ~finite & (low > 0)
    ax.scatter(x[open_], low[open_], marker="^", s=14, color=color, zorder=4, lw=0)
    ax.plot(x, np.where(shown, best, np.nan), color=color, lw=1.3, zorder=3,
            drawstyle="steps-mid")  # fmt: skip
    ax.set_ylim(0, top * 1.1)
    ax.set_title(BY_NAME[name].label, loc="left", fontsize=9, pad=2)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4, integer=True))
    ax.grid(axis="y", **GRID)


def _strike_panel(ax, table: pd.DataFrame) -> None:
    x = _month_mid(MONTHS)
    width = 24.0  # days
    bottom = np.zeros(len(MONTHS))
    for place, color in STRIKE_PLACES.items():
        for kind, hatch in (("facilities", None), ("leaders", "////")):
            rows = table[table["series"] == f"{place}_us_strikes_{kind}"].sort_values("month")
            v = rows["best"].to_numpy(float)
            if not v.any():
                continue
            ax.bar(x, v, width=width, bottom=bottom, color=color, hatch=hatch,
                   edgecolor="white" if hatch else color, lw=0.0, zorder=3)  # fmt: skip
            bottom += v
    ax.set_ylim(0, max(bottom.max() * 1.15, 1.0))
    ax.set_title("US strikes (events per month, best estimate), by place", loc="left",
                 fontsize=9, pad=2)  # fmt: skip
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4, integer=True))
    ax.grid(axis="y", **GRID)


def _flat_stretch(table: pd.DataFrame, least: int = 6) -> str:
    """The longest stretch of at least ``least`` months over which an attack series' best
    estimate stays at one level above zero, in words (empty if none)."""
    found: tuple[int, str] = (0, "")
    for name, _color in ATTACK_PANELS:
        rows = table[table["series"] == name].sort_values("month")
        best = rows["best"].to_numpy(float)
        months = list(rows["month"])
        same = np.r_[False, np.isclose(best[1:], best[:-1])] & (best > 0)
        for a, z in _runs(same):
            n = z - a + 2  # the run marks each month equal to the one before it
            if n >= max(least, found[0] + 1):
                first, last = months[a - 1], months[z]
                found = (n, f"{BY_NAME[name].label}, {first:%b %Y} – {last:%b %Y}: "
                            f"{best[z]:.1f} a month")  # fmt: skip
    return found[1]


def _caption(record: Record, counter: str) -> list[str]:
    """The caption: what is shown, which counter's statements, how to read bands, lines,
    hatching and flat stretches."""
    flat = _flat_stretch(monthly_table(record, counter))
    if counter == "basis":
        order = ", ".join(BASIS_ORDER)
        whose = (f"Default basis: each month takes the count statements of the first counter "
                 f"that speaks of it ({order}; never militia claims).")  # fmt: skip
    else:
        whose = f"Only the {counter} counter's statements, with every event."
    name = record.name[:1].upper() + record.name[1:]
    gaps = " (gaps.csv lists the months for which no count was found)" if len(record.gaps) else ""
    return [
        f"{name}: {len(record.events)} events, {len(record.counts)} count statements, "
        "per calendar month.",
        whose,
        "Bands: the least and the most each month can hold given those statements and the "
        "documented events (cut at a panel's top; a triangle: at least this many, nothing caps "
        "the month). Line: the smoothest estimate inside the bands; a statement spanning many "
        "months is spread evenly, so a flat stretch is its average, not a monthly count"
        + (f" ({flat})." if flat else "."),
        f"Hatched: no statement and no event, nothing known{gaps}. A thick line at zero: "
        "statements that there were none.",
    ]


def record_figure(record: Record, counter: str = "basis") -> Figure:
    """The monthly attacks by theatre with their bounds, the US strikes by place, the declared
    truces and the major shocks (:mod:`sim.inputs.monthly`, counter ``counter``)."""
    table = monthly_table(record, counter)
    spans = truce_spans(record.events)
    with matplotlib.rc_context(RC):
        fig, body, foot = _new_figure((7.0, 9.9), foot_in=1.2)
        ratios = [0.95, 1.45, 1.0, 1.25, 0.8, 1.0]
        strip, *axes = body.subplots(
            len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios}
        )
        lo = _day(RECORD_START)
        hi = _day(RECORD_END + dt.timedelta(days=1))
        axes[-1].set_xlim(lo, hi)
        _key_strip(strip, record.events, spans)
        for ax, (name, color) in zip(axes, ATTACK_PANELS, strict=False):
            _truces(ax, spans)
            _shocks(ax)
            _attack_panel(ax, table, name, color)
            ax.set_ylabel("attacks")
        _truces(axes[-1], spans)
        _shocks(axes[-1])
        _strike_panel(axes[-1], table)
        axes[-1].set_ylabel("strikes")
        axes[-1].xaxis.set_major_locator(mdates.YearLocator())
        axes[-1].xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        basis = "the default basis" if counter == "basis" else f"{counter} statements only"
        body.suptitle(f"Attacks on US forces by theatre and US strikes, month by month ({basis})",
                      fontsize=10.5, x=0.01, ha="left")  # fmt: skip
        grey = OKABE_ITO["grey"]
        handles = [
            Line2D([], [], color=grey, lw=1.3, label="best estimate"),
            Patch(color=grey, alpha=BAND_ALPHA, lw=0, label="bounds the record supports"),
            Line2D([], [], color=grey, marker="^", lw=0, ms=4,
                   label="at least (no upper bound)"),
            Line2D([], [], color=grey, lw=3.2, solid_capstyle="butt",
                   label="stated: none that month"),
            Patch(label="nothing known (no statement, no event)", **UNKNOWN_HATCH),
            Patch(color=TRUCE_COLOR, label="declared truce (A, B, ...)"),
            Line2D([], [], color=TRUCE_EDGE, lw=1.2, label="truce declared, end not recorded"),
            Line2D([], [], color="#333333", lw=0.7, ls=(0, (4, 2)), label="shock (1, 2, ...)"),
            *[Patch(color=c, label=f"US strike, {p.title()}") for p, c in STRIKE_PLACES.items()],
            Patch(facecolor="white", edgecolor=grey, hatch="////", label="US strike on leaders"),
        ]  # fmt: skip
        body.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False,
                    fontsize=7.5)  # fmt: skip
        footnote_text(foot, _caption(record, counter))
    return fig


def plot_record(record: Record, path: Path, counter: str = "basis") -> list[Path]:
    """Write :func:`record_figure` to ``path`` (and a PDF beside a PNG)."""
    return _save(record_figure(record, counter), path)
