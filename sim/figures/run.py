"""The figure of one experiment (``escalation run``): a fan chart of militia attacks over time,
the share of runs by the worst militia attack and by the strongest US action (the two sides of
the ladder apart, :mod:`sim.analysis.ladders`; style: :mod:`sim.figures.style`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.ladders import (
    ACTION_LEVELS,
    ATTACK_LEVELS,
    level_shares,
    strongest_action,
    worst_attack,
)
from sim.core.policies import describe
from sim.core.policies import label as policy_label
from sim.figures.style import (
    _RC,
    PAGE_IN,
    UNCERTAINTY,
    _date_axis,
    _dates,
    _footnote,
    _new_figure,
    _pct,
    _save,
    _since,
    nice_ticks,
    rung_colors,
)


def _metric(quantiles: pd.DataFrame, metric: str) -> pd.DataFrame:
    q = quantiles[quantiles["metric"] == metric].sort_values("day")
    if q.empty:
        raise ValueError(f"the quantile table has no rows for metric '{metric}'")
    return q


def _fan(ax, dates: np.ndarray, q: pd.DataFrame, color: str, label_bands: bool = True) -> None:
    """Fan chart: 5–95% and 25–75% bands of runs and the median (Britton et al. 1998)."""
    x = dates[q["day"].to_numpy()]
    ax.fill_between(
        x,
        q["q05"],
        q["q95"],
        color=color,
        alpha=0.18,
        lw=0,
        step=None,
        label="90% of runs (5th–95th percentile)" if label_bands else None,
    )
    ax.fill_between(
        x,
        q["q25"],
        q["q75"],
        color=color,
        alpha=0.38,
        lw=0,
        label="middle 50% of runs" if label_bands else None,
    )
    ax.plot(x, q["q50"], color=color, lw=1.6, label="median run" if label_bands else None)


def _shock_lines(ax, scenario, labels: bool = True) -> None:
    """Dotted lines at the scenario's shocks, with their labels (text before any bracket)."""
    d = _dates(scenario)
    lo, hi = d[0], d[-1]
    ymax = ax.get_ylim()[1]
    for i, s in enumerate(getattr(scenario, "shocks", []) or []):
        x = np.datetime64(s.start)
        if not lo <= x <= hi:
            continue
        ax.axvline(x, color="#777777", lw=0.8, ls=":", zorder=0)
        if labels and s.label:
            text = s.label.split("(")[0].strip()
            if len(text) > 48:
                text = text[:46].rstrip() + "…"
            ax.text(
                x,
                ymax * (0.98 - 0.07 * (i % 2)),
                " " + text,
                fontsize=7,
                color="#555555",
                va="top",
                ha="left",
                rotation=0,
            )


def run_figure(
    quantiles: pd.DataFrame,
    outcomes: pd.DataFrame,
    scenario,
    *,
    runs: int | None = None,
    seed: int | None = None,
    policy: str | None = None,
) -> Figure:
    """One policy's experiment: (a) fan chart of cumulative militia attacks over the calendar
    dates of the scenario, (b) share of runs by the worst militia attack, (c) share of runs by
    the strongest US action.

    Parameters
    ----------
    quantiles : :meth:`sim.analysis.metrics.DailyHistogram.quantiles` (uses metric ``cum_attacks``)
    outcomes : per-run outcomes with the counts that :mod:`sim.analysis.ladders` reads (and
        ``policy``; filtered to ``policy`` when given)
    scenario : the :class:`sim.inputs.scenario.Scenario` (name, dates, shocks)
    runs, seed, policy : shown in the title and footnote; ``runs`` defaults to the number of
        rows of ``outcomes``, ``policy`` to the single policy in ``outcomes`` or the scenario's

    Returns
    -------
    The figure (three axes); :func:`figure_run` writes it.
    """
    if policy is None:
        pols = pd.unique(outcomes["policy"]) if "policy" in outcomes else []
        policy = pols[0] if len(pols) == 1 else getattr(scenario, "policy", None)
    if policy is not None and "policy" in outcomes and (outcomes["policy"] == policy).any():
        outcomes = outcomes[outcomes["policy"] == policy]
    runs = len(outcomes) if runs is None else int(runs)
    declared = describe(str(policy)) if policy else None
    color = declared.colour if declared is not None and declared.colour else "#0072B2"
    if policy == "do_nothing":
        color = "#0072B2"  # the grey of the comparison figures is too dull alone
    dates = _dates(scenario)

    with matplotlib.rc_context(_RC):
        fig, body, foot = _new_figure((PAGE_IN, 5.0), foot_in=0.5)
        grid = body.add_gridspec(2, 2, width_ratios=[1.15, 1], height_ratios=[5, 6])
        ax_a = body.add_subplot(grid[:, 0])
        ax_b = body.add_subplot(grid[0, 1])
        ax_c = body.add_subplot(grid[1, 1])

        q = _metric(quantiles, "cum_attacks")
        _fan(ax_a, dates, q, color)
        ax_a.set_ylim(0, max(1.0, float(q["q95"].max())) * 1.12)
        ax_a.set_xlim(dates[0], dates[-1])
        _shock_lines(ax_a, scenario)
        _date_axis(ax_a)
        ax_a.set_ylabel(f"Militia attacks on US forces\nsince {_since(scenario)}")
        ax_a.set_xlabel("Date")
        ax_a.set_title("(a) Militia attacks over time\n(running total)", loc="left", fontsize=9)
        ax_a.legend(loc="upper left", bbox_to_anchor=(0.0, 0.86), frameon=False, fontsize=7)
        ax_a.grid(axis="y", color="#e5e5e5", lw=0.6)

        colors = rung_colors()
        for ax, levels, of, title in (
            (ax_b, ATTACK_LEVELS, worst_attack, "(b) Worst militia attack"),
            (ax_c, ACTION_LEVELS, strongest_action, "(c) Strongest US action"),
        ):
            share = level_shares(of(outcomes), len(levels))
            y = np.arange(len(levels))
            ax.barh(y, 100 * share, color=[colors[r] for _, _, r in levels], edgecolor="#666666",
                    lw=0.4)  # fmt: skip
            ax.set_yticks(y, [lab for _, lab, _ in levels], fontsize=7)
            ax.invert_yaxis()
            xmax = max(10.0, 100 * share.max() * 1.3)
            ax.set_xlim(0, xmax)
            nice_ticks(ax, "x", 3)
            for k, s in enumerate(share):
                ax.text(100 * s + xmax * 0.02, k, _pct(s), va="center", fontsize=7,
                        color="black" if s > 0 else "#999999")  # fmt: skip
            ax.set_xlabel("Share of runs (%)")
            ax.set_title(title, loc="left", fontsize=9)
            ax.grid(axis="x", color="#e5e5e5", lw=0.6)

        label = policy_label(policy) if policy else "(policy not given)"
        body.suptitle(
            textwrap.fill(f"Militia attacks and escalation under the US policy “{label}”", 62),
            x=0.01,
            ha="left",
            fontsize=11,
        )
        _footnote(
            foot,
            scenario,
            runs,
            seed,
            extra="Bands: 5th–95th and 25th–75th percentiles of runs, day by day. "
            + UNCERTAINTY["spread"],
            per="",
        )
        return fig


def figure_run(
    quantiles: pd.DataFrame,
    outcomes: pd.DataFrame,
    scenario,
    path: Path,
    *,
    runs: int | None = None,
    seed: int | None = None,
    policy: str | None = None,
) -> Path:
    """Write :func:`run_figure` to ``path`` (PNG, 200 dpi) and a PDF beside it.

    Returns the path of the PNG.
    """
    fig = run_figure(quantiles, outcomes, scenario, runs=runs, seed=seed, policy=policy)
    with matplotlib.rc_context(_RC):
        return _save(fig, path)[0]


__all__ = ["figure_run", "run_figure"]
