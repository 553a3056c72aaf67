"""The record month by month (``escalation record --plot FILE``), in the style of
:mod:`sim.figures.style`: one panel per attack series (Iraq: bases and forces; Iraq: supply
convoys; Syria; Jordan) with the bounds the record supports as bands and the best estimate as a
line, a panel of the US strikes by place, the declared truces shaded and the major shocks marked
and named across every panel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.figures.style import GRID, OKABE_ITO, RC, _new_figure, _save, footnote_text
from sim.inputs.monthly import BY_NAME, MONTHS, monthly_table, truce_spans
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
BAND_ALPHA = 0.28


def _month_mid(months: pd.PeriodIndex) -> np.ndarray:
    """The middle of each month, as matplotlib dates."""
    start = months.to_timestamp(how="start")
    end = months.to_timestamp(how="end")
    return mdates.date2num(start + (end - start) / 2)


def _shocks(ax) -> None:
    for day, _text in SHOCKS:
        x = mdates.date2num(pd.Timestamp(day))
        ax.axvline(x, color="#333333", lw=0.7, ls=(0, (4, 2)), zorder=1)


def _shock_labels(ax) -> None:
    """The shocks' names in a strip of their own, on staggered lines so that close dates do not
    overlap; a label near the right edge ends at its line."""
    ax.set_axis_off()
    ax.set_ylim(0, 1)
    lo, hi = ax.get_xlim()
    for k, (day, text) in enumerate(SHOCKS):
        x = mdates.date2num(pd.Timestamp(day))
        y = 0.78 - 0.3 * (k % 3)
        right = x > lo + 0.7 * (hi - lo)
        ax.plot([x, x], [0, y], color="#333333", lw=0.7, ls=(0, (4, 2)))
        label = f"{text}, {pd.Timestamp(day):%-d %b %Y}"
        ax.text(x + (-6 if right else 6), y, label, ha="right" if right else "left",
                va="center", fontsize=7.5, color="#222222")  # fmt: skip


def _truces(ax, spans: list[tuple[str, dt.date, dt.date, bool]]) -> None:
    for _id, first, last, ended in spans:
        a = mdates.date2num(pd.Timestamp(first))
        z = mdates.date2num(pd.Timestamp(last) + pd.Timedelta(days=1))
        if ended:
            ax.axvspan(a, z, color=TRUCE_COLOR, lw=0, zorder=0)
        else:
            ax.axvline(a, color="#4A9E5C", lw=1.2, zorder=0)


def _attack_panel(ax, table: pd.DataFrame, name: str, color: str) -> None:
    rows = table[table["series"] == name].sort_values("month")
    x = _month_mid(pd.PeriodIndex(rows["month"]))
    low, best, high = (rows[c].to_numpy(float) for c in ("low", "best", "high"))
    informed = (rows["informed_by"] != "interpolated").to_numpy()
    finite = np.isfinite(high)
    top = max(np.nanmax(np.where(finite, high, low)), np.nanmax(best), 1.0)
    top = min(top, 3.0 * max(np.nanmax(best), np.nanmax(low), 1.0))  # a wide bound stays legible
    ax.fill_between(x, low, np.where(finite, np.minimum(high, top * 1.08), np.nan), step="mid",
                    color=color, alpha=BAND_ALPHA, lw=0, zorder=2)  # fmt: skip
    # months with no upper bound: the documented minimum with an arrow (at least this many)
    open_ = ~finite & (low > 0)
    ax.scatter(x[open_], low[open_], marker="^", s=14, color=color, zorder=4, lw=0)
    ax.plot(x, np.where(informed, best, np.nan), color=color, lw=1.3, zorder=3,
            drawstyle="steps-mid")  # fmt: skip
    # months nothing informs: the interpolated estimate, dotted
    ax.plot(x, best, color=color, lw=0.9, ls=(0, (1, 1.5)), zorder=2.5, drawstyle="steps-mid")
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


def record_figure(record: Record, counter: str = "basis") -> Figure:
    """The monthly attacks by theatre with their bounds, the US strikes by place, the declared
    truces and the major shocks (:mod:`sim.inputs.monthly`, counter ``counter``)."""
    table = monthly_table(record, counter)
    spans = truce_spans(record.events)
    with matplotlib.rc_context(RC):
        fig, body, foot = _new_figure((7.0, 8.6))
        ratios = [0.42, 1.45, 1.0, 1.25, 0.8, 1.0]
        strip, *axes = body.subplots(
            len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios}
        )
        lo = mdates.date2num(pd.Timestamp(RECORD_START))
        hi = mdates.date2num(pd.Timestamp(RECORD_END) + pd.Timedelta(days=1))
        axes[-1].set_xlim(lo, hi)
        _shock_labels(strip)
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
            Line2D([], [], color=grey, lw=0.9, ls=(0, (1, 1.5)),
                   label="interpolated: no statement or event"),
            Patch(color=TRUCE_COLOR, label="declared truce"),
            Line2D([], [], color="#4A9E5C", lw=1.2, label="truce declared, end not documented"),
            *[Patch(color=c, label=f"US strike, {p.title()}") for p, c in STRIKE_PLACES.items()],
            Patch(facecolor="white", edgecolor=grey, hatch="////", label="on leaders"),
        ]  # fmt: skip
        body.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False,
                    fontsize=7.5)  # fmt: skip
        footnote_text(foot, [
            f"{record.name}: {len(record.events)} events, {len(record.counts)} count "
            "statements, per calendar month. Bands: the least and most each month can hold given "
            "the count statements and events; line: the smoothest estimate within them.",
        ])  # fmt: skip
    return fig


def plot_record(record: Record, path: Path, counter: str = "basis") -> list[Path]:
    """Write :func:`record_figure` to ``path`` (and a PDF beside a PNG)."""
    return _save(record_figure(record, counter), path)
