"""Figures of a comparison that read the survival analysis and the paired differences: time to
the first US death (:func:`_survival`), how soon Iran strikes, war begins and US forces leave
(:func:`_time_to_events`), and the forest plot of differences from the reference policy
(:func:`_paired_differences`)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.stats import survival_curve, wilson_interval
from sim.core import outcomes as declared
from sim.core.policies import label as policy_label
from sim.figures.style import (
    PAGE_IN,
    UNCERTAINTY,
    _baseline_rule,
    _date_axis,
    _dates,
    _footnote,
    _new_figure,
    _policy_axis,
    nice_ticks,
)

#: Panels of ``paired_differences.png`` (tag ``figure_differences`` of
#: :mod:`sim.core.outcomes`): outcome -> (title, x label, scale); a share's difference in
#: percentage points.
DIFF_OUTCOMES: dict[str, tuple[str, str, float]] = {
    o.name: (textwrap.fill(o.label, 24), "change in chance (% points)", 100.0)
    if o.kind == declared.SHARE
    else (textwrap.fill(o.label, 24), f"change in {o.unit} per run", 1.0)
    for o in declared.tagged("figure_differences")
}


def _survival(outcomes, order, colors, scenario, runs, seed) -> Figure:
    dates = _dates(scenario)
    days = len(dates)
    fig, body, foot = _new_figure((PAGE_IN, 4.2 + 0.16 * len(order)), foot_in=0.5)
    ax, ax_end = body.subplots(1, 2, width_ratios=[1.25, 1])
    by = outcomes.groupby("policy", observed=True)
    groups = {p: g["first_death_day"].to_numpy() for p, g in by}
    styles = ["-", (0, (5, 2)), (0, (1, 1.2)), (0, (6, 2, 1, 2))]
    ends = {}
    for i, p in enumerate(order):
        s, n = survival_curve(groups[p], days)
        lo, hi = wilson_interval(np.round(s * n), n)
        ax.fill_between(dates, 100 * lo, 100 * hi, color=colors[p], alpha=0.12, lw=0, step="post")
        ax.step(
            dates,
            100 * s,
            where="post",
            color=colors[p],
            lw=1.5,
            ls=styles[i % 4],
            label=policy_label(p),
        )
        ends[p] = (s[-1], lo[-1], hi[-1])
    ax.set_xlim(dates[0], dates[-1])
    ax.set_ylim(0, 101)
    _date_axis(ax)
    ax.set_xlabel("Date")
    ax.set_ylabel("Runs with no American killed yet (%)")
    ax.set_title("(a) Time to the first\nAmerican death", loc="left")
    ax.grid(color="#ececec", lw=0.6)
    # legend sorted by the share at the horizon, highest first (the order of the curves)
    h, lab = ax.get_legend_handles_labels()
    rank = np.argsort([-ends[p][0] for p in order], kind="stable")
    body.legend(
        [h[j] for j in rank],
        [lab[j] for j in rank],
        loc="outside lower center",
        ncols=3,
        frameon=False,
        fontsize=7,
        handlelength=2.6,
        title="US policy (ordered by the share with no death at the end, highest first)",
        title_fontproperties={"weight": "bold", "size": 7.5},
    )

    for i, p in enumerate(order):
        s, lo, hi = ends[p]
        ax_end.hlines(i, 100 * lo, 100 * hi, color=colors[p], lw=2.2)
        ax_end.plot(100 * s, i, "o", color=colors[p], ms=5)
        ax_end.text(100 * hi + 1.5, i, f"{100 * s:.0f}%", va="center", fontsize=7)
    _policy_axis(ax_end, order, order[0])
    ax_end.tick_params(axis="y", labelsize=7.5)
    _baseline_rule(ax_end, order, order[0])
    ax_end.set_xlim(0, 105)
    ax_end.set_xlabel("Share of runs (%), 95% interval")
    end = pd.Timestamp(dates[-1]).strftime("%-d %b %Y")
    ax_end.set_title(f"(b) No American killed\nby {end}", loc="left")
    ax_end.grid(axis="x", color="#ececec", lw=0.6)
    body.suptitle(
        "How long until the first American is killed, by US policy", x=0.01, ha="left", fontsize=11
    )
    _footnote(
        foot,
        scenario,
        runs,
        seed,
        extra="Shaded and lines: pointwise 95% Wilson intervals. " + UNCERTAINTY["noise"],
    )
    return fig


#: Panels of ``time_to_events.png`` (tag ``figure_events`` of :mod:`sim.core.outcomes`):
#: days-to outcome -> title.
EVENT_OUTCOMES: dict[str, str] = {
    o.name: f"({'abcdefghij'[k]}) {o.label}" for k, o in enumerate(declared.tagged("figure_events"))
}


#: Two event panels whose curves never differ by more than this many percentage points are drawn
#: as one.
SAME_POINTS = 5.0


def _time_to_events(outcomes, order, colors, scenario, runs, seed) -> Figure:
    """Share of runs in which each event has happened by each date (one minus the Kaplan–Meier
    survival curve, :func:`survival_curve`), per policy; policies in which an event never
    happens are left out of its panel, which says how many they are."""
    dates = _dates(scenario)
    days = len(dates)
    by = {p: g for p, g in outcomes.groupby("policy", observed=True)}
    cols = [c for c in EVENT_OUTCOMES if c in outcomes]
    # a panel whose curves lie within SAME_POINTS percentage points of an earlier panel's on
    # every day under every policy (the war begins days after the first Iranian strike, say) is
    # drawn once, its title naming both
    curves = {
        c: np.concatenate([survival_curve(by[p][c].to_numpy(dtype=float), days)[0] for p in order])
        for c in cols
    }
    same: dict[str, list[str]] = {}
    for c in cols:
        for k in same:
            if np.max(np.abs(curves[c] - curves[k])) <= SAME_POINTS / 100:
                same[k].append(c)
                break
        else:
            same[c] = [c]
    cols = list(same)
    fig, body, foot = _new_figure((PAGE_IN, 3.9), foot_in=0.5)
    axes = np.atleast_1d(body.subplots(1, len(cols), sharey=True))
    styles = ["-", (0, (5, 2)), (0, (1, 1.2)), (0, (6, 2, 1, 2))]
    order = list(order)
    ends: dict[str, float] = {}
    for j, (ax, col) in enumerate(zip(axes, cols, strict=True)):
        here = [p for p in order if np.isfinite(by[p][col].to_numpy(dtype=float)).any()]
        for p in here:
            s, _ = survival_curve(by[p][col].to_numpy(dtype=float), days)
            ax.step(dates, 100 * (1 - s), where="post", color=colors[p], lw=1.3,
                    ls=styles[order.index(p) % 4], label=policy_label(p))  # fmt: skip
            ends[p] = max(ends.get(p, 0.0), 1 - s[-1])
            if len(here) <= 3:  # more end labels would overlap: the legend names them
                ax.annotate(f"{100 * (1 - s[-1]):.0f}%", (dates[-1], 100 * (1 - s[-1])),
                            xytext=(-2, 4), textcoords="offset points", ha="right",
                            fontsize=7, color=colors[p])  # fmt: skip
        if len(here) < len(order):
            rest = "any policy" if not here else f"the other {len(order) - len(here)} policies"
            ax.text(0.97, 0.04, f"never under\n{rest}", transform=ax.transAxes,
                    ha="right", va="bottom", fontsize=7, color="#555555")  # fmt: skip
        ax.set_xlim(dates[0], dates[-1])
        ax.set_ylim(0, 101)
        _date_axis(ax)
        ax.tick_params(axis="x", labelsize=7)
        names = [declared.label(c) for c in same[col]]
        title = textwrap.fill(names[0], 34)
        for n in names[1:]:
            title += "\n" + textwrap.fill(f"≈ {n} (±{SAME_POINTS:g} points)", 38)
        ax.set_title(f"({'abcdefghij'[j]}) {title}", loc="left", fontsize=8.5)
        ax.grid(color="#ececec", lw=0.6)
    axes[0].set_ylabel("Runs in which it\nhas happened (%)")
    handles: dict[str, tuple] = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    if handles:
        # highest share at the end (of any panel) first: the order of the curves' ends
        ranked = sorted((p for p in order if policy_label(p) in handles),
                        key=lambda p: (-ends.get(p, 0.0), order.index(p)))  # fmt: skip
        body.legend([handles[policy_label(p)] for p in ranked],
                    [policy_label(p) for p in ranked], loc="outside lower center",
                    ncols=3, frameon=False, fontsize=7, handlelength=2.6,
                    title=_EVENTS_LEGEND,
                    title_fontproperties={"weight": "bold", "size": 7.5})  # fmt: skip
    body.suptitle("How soon Iran strikes, a war begins and US forces leave", x=0.01,
                  ha="left", fontsize=11)  # fmt: skip
    extra = "Kaplan–Meier estimate of the share of runs in which the event has happened."
    _footnote(foot, scenario, runs, seed, extra=extra)
    return fig


_EVENTS_LEGEND = "US policy (ordered by the share of runs with the event by the end, highest first)"
_ON_WHITE = {"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none"}


def _signed(x: float) -> str:
    """A difference for a label: sign, about two significant figures, a true minus."""
    if x == 0:
        return "0"
    a = abs(x)
    s = f"{x:+.0f}" if a >= 10 else f"{x:+.1f}" if a >= 1 else f"{x:+.2f}"
    return s.replace("-", "−")


def _paired_differences(summary, order, baseline, colors, scenario, runs, seed) -> Figure:
    others = [p for p in order if p != baseline]
    cols = [c for c in DIFF_OUTCOMES if (summary["outcome"] == c).any()]
    nrow = 1 if len(cols) <= 5 else 2  # more panels in one row would be too narrow to read
    ncol = int(np.ceil(len(cols) / nrow))
    height = 1.9 + nrow * (0.36 * len(others) + 0.5 * (nrow - 1))
    fig, body, foot = _new_figure((2.3 * ncol + 2.2, height))
    grid = np.atleast_2d(body.subplots(nrow, ncol, sharey=True))
    for ax in grid.ravel()[len(cols) :]:
        ax.axis("off")
    axes = grid.ravel()[: len(cols)]
    by = summary.set_index(["policy", "outcome"])
    for ax, col in zip(axes, cols, strict=True):
        title, xlabel, scale = DIFF_OUTCOMES[col]
        spots: list[tuple[int, float, float, float]] = []
        for i, p in enumerate(others):
            if (p, col) not in by.index:
                continue
            r = by.loc[(p, col)]
            d, lo, hi = (scale * float(r[c]) for c in ("diff", "diff_lo", "diff_hi"))
            if not np.isfinite(d):
                continue
            ax.hlines(i, lo, hi, color=colors[p], lw=2.0)
            ax.plot(d, i, "o", color=colors[p], ms=4.8, mec="white", mew=0.5)
            spots.append((i, d, lo, hi))
        ax.axvline(0, color="#333333", lw=0.9, zorder=1)
        ax.margins(x=0.08)
        nice_ticks(ax, "x", 4)
        x0, x1 = ax.get_xlim()
        for i, d, lo, hi in spots:
            # the value beside its interval, on the side with room, on white: never on the
            # zero line nor on another mark
            right = (x1 - hi) >= (lo - x0)
            ax.annotate(_signed(d), (hi if right else lo, i), xytext=(3 if right else -3, 0),
                        textcoords="offset points", ha="left" if right else "right",
                        va="center", fontsize=6.5, color="#333333", zorder=3,
                        bbox=_ON_WHITE)  # fmt: skip
        ax.set_title(title, loc="left", fontsize=9.5)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#e8e8e8", lw=0.6)
    for k, ax in enumerate(axes):
        if k % ncol == 0:
            _policy_axis(ax, others)
        else:
            ax.tick_params(axis="y", length=0)

    nb = summary.attrs.get("n_boot")
    body.suptitle(
        f"What each policy changes compared with “{policy_label(baseline)}”", x=0.01, ha="left"
    )
    _footnote(
        foot,
        scenario,
        runs,
        seed,
        extra=(
            f"Dot: mean of (policy − {policy_label(baseline)}) over the same runs; line: 95% "
            "bootstrap interval"
            + (f" ({nb:,} resamples of runs)." if nb else ".")
            + " "
            + UNCERTAINTY["noise"]
            + " Across what the record cannot tell: compare --robustness (summary.md)."
        ),
    )
    return fig
