"""The figure of one experiment (``escalation run``): a fan chart of militia attacks over time
and the share of runs by the highest rung reached (style: :mod:`sim.figures.style`)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.ladder import RUNG_LABELS
from sim.core.policies import describe
from sim.core.policies import label as policy_label
from sim.figures.style import (
    _RC,
    _date_axis,
    _dates,
    _footnote,
    _new_figure,
    _pct,
    _save,
    _since,
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
    dates of the scenario, (b) share of runs by the highest escalation rung reached.

    Parameters
    ----------
    quantiles : :meth:`sim.analysis.metrics.DailyHistogram.quantiles` (uses metric ``cum_attacks``)
    outcomes : per-run outcomes with column ``max_rung`` (and ``policy``; filtered to
        ``policy`` when given)
    scenario : the :class:`sim.inputs.scenario.Scenario` (name, dates, shocks)
    runs, seed, policy : shown in the title and footnote; ``runs`` defaults to the number of
        rows of ``outcomes``, ``policy`` to the single policy in ``outcomes`` or the scenario's

    Returns
    -------
    The figure (two axes); :func:`figure_run` writes it.
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
        fig, body, foot = _new_figure((11.0, 4.8))
        ax_a, ax_b = body.subplots(1, 2, width_ratios=[1.55, 1])

        q = _metric(quantiles, "cum_attacks")
        _fan(ax_a, dates, q, color)
        ax_a.set_ylim(0, max(1.0, float(q["q95"].max())) * 1.12)
        ax_a.set_xlim(dates[0], dates[-1])
        _shock_lines(ax_a, scenario)
        _date_axis(ax_a)
        ax_a.set_ylabel(f"Militia attacks on US forces since {_since(scenario)}")
        ax_a.set_xlabel("Date")
        ax_a.set_title("(a) Militia attacks over time (running total)", loc="left")
        ax_a.legend(loc="upper left", bbox_to_anchor=(0.0, 0.86), frameon=False)
        ax_a.grid(axis="y", color="#e5e5e5", lw=0.6)

        rung = outcomes["max_rung"].to_numpy().astype(int)
        share = np.bincount(np.clip(rung, 0, 9), minlength=10)[:10] / max(len(rung), 1)
        colors = rung_colors()
        y = np.arange(10)
        ax_b.barh(y, 100 * share, color=colors, edgecolor="#666666", lw=0.4)
        ax_b.set_yticks(y, [f"{k}  {RUNG_LABELS[k]}" for k in range(10)])
        ax_b.invert_yaxis()
        xmax = max(10.0, 100 * share.max() * 1.22)
        ax_b.set_xlim(0, xmax)
        for k, s in enumerate(share):
            ax_b.text(
                100 * s + xmax * 0.01,
                k,
                _pct(s),
                va="center",
                fontsize=8,
                color="black" if s > 0 else "#999999",
            )
        ax_b.set_xlabel("Share of runs (%)")
        ax_b.set_title("(b) Highest rung reached", loc="left")
        ax_b.grid(axis="x", color="#e5e5e5", lw=0.6)

        label = policy_label(policy) if policy else "(policy not given)"
        body.suptitle(
            f"Militia attacks and escalation under the US policy “{label}”", x=0.01, ha="left"
        )
        _footnote(
            foot,
            scenario,
            runs,
            seed,
            extra="Bands: 5th–95th and 25th–75th percentiles of runs, day by day.",
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
