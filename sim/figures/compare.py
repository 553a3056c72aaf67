"""The figures of a policy comparison (``escalation compare``), in the style of
:mod:`sim.figures.style`: outcomes by policy, attacks over time by policy, the highest rung by
policy, time to the first US death and the paired differences against the reference policy
(:mod:`sim.figures.differences` draws the last two)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.core import outcomes as declared
from sim.core.ladder import RUNG_LABELS
from sim.core.policies import label as policy_label
from sim.figures.differences import EVENT_OUTCOMES, _paired_differences, _survival, _time_to_events
from sim.figures.run import _fan, _metric
from sim.figures.style import (
    _RC,
    POLICY_COLORS,
    _baseline_rule,
    _date_axis,
    _dates,
    _footnote,
    _new_figure,
    _period,
    _policy_axis,
    _save,
    _since,
    _text_color,
    policy_colors,
    rung_colors,
)


def _order_policies(outcomes: pd.DataFrame, baseline: str, key: str = "attacks_total") -> list:
    """The baseline first, then the other policies by mean ``key`` (lowest first)."""
    pols = list(pd.unique(outcomes["policy"]))
    means = outcomes.groupby("policy", sort=False, observed=True)[key].mean()
    others = sorted((p for p in pols if p != baseline), key=lambda p: (means[p], p))
    return ([baseline] if baseline in pols else []) + others


def _n_runs_text(outcomes: pd.DataFrame) -> int | str:
    n = outcomes.groupby("policy", observed=True).size()
    if n.nunique() == 1:
        return int(n.iloc[0])
    return f"{int(n.min()):,}–{int(n.max()):,} runs per policy"


#


#: Panels of ``outcomes_by_policy.png`` (tag ``figure_outcomes`` of :mod:`sim.core.outcomes`):
#: column -> (title, its label on lines short enough for a panel; x label).
COMPARE_OUTCOMES: dict[str, tuple[str, str]] = {
    o.name: (textwrap.fill(o.label, 26), f"{o.unit} per run")
    for o in declared.tagged("figure_outcomes")
}


def compare_figures(
    quantiles_by_policy: Mapping[str, pd.DataFrame],
    outcomes: pd.DataFrame,
    summary: pd.DataFrame,
    scenario,
    *,
    baseline: str = "do_nothing",
    seed: int | None = None,
) -> dict[str, Figure]:
    """The figures of a policy comparison, keyed by file stem (see :func:`figures_compare`)."""
    order = _order_policies(outcomes, baseline)
    colors = policy_colors([*POLICY_COLORS, *order])
    runs = _n_runs_text(outcomes)
    figs: dict[str, Figure] = {}
    with matplotlib.rc_context(_RC):
        figs["outcomes_by_policy"] = _outcomes_by_policy(
            outcomes, order, colors, scenario, runs, seed
        )
        qs = {p: quantiles_by_policy[p] for p in order if p in quantiles_by_policy}
        if qs:
            figs["fan_by_policy"] = _fan_by_policy(qs, baseline, colors, scenario, runs, seed)
        figs["rung_by_policy"] = _rung_by_policy(outcomes, order, scenario, runs, seed)
        figs["survival_first_death"] = _survival(outcomes, order, colors, scenario, runs, seed)
        if any(c in outcomes for c in EVENT_OUTCOMES):
            figs["time_to_events"] = _time_to_events(outcomes, order, colors, scenario, runs, seed)
        if baseline in order and len(order) > 1:
            figs["paired_differences"] = _paired_differences(
                summary, order, baseline, colors, scenario, runs, seed
            )
    return figs


def figures_compare(
    quantiles_by_policy: Mapping[str, pd.DataFrame],
    outcomes: pd.DataFrame,
    summary: pd.DataFrame,
    scenario,
    outdir: Path,
    *,
    baseline: str = "do_nothing",
    seed: int | None = None,
) -> list[Path]:
    """The figures of a policy comparison, each as PNG (200 dpi) and PDF (vector).

    Writes into ``outdir``:

    * ``outcomes_by_policy`` — distribution over runs of militia attacks, Americans killed and
      wounded, US strikes, coalition members and contractors killed and militia members
      killed, per policy (5–95% and 25–75% of runs, median, mean);
    * ``fan_by_policy`` — cumulative militia attacks over time, one small panel per policy,
      shared y-axis, the baseline's median dashed in every panel (needs
      ``quantiles_by_policy``, the tables of :meth:`sim.analysis.metrics.DailyHistogram.quantiles`);
    * ``rung_by_policy`` — share of runs by highest rung reached, stacked bars per policy;
    * ``survival_first_death`` — share of runs with no American killed yet, by date: the
      Kaplan–Meier estimate, which with every run followed to the horizon (censored there
      only) is the empirical survival function (:func:`sim.analysis.stats.survival_curve`),
      with pointwise 95% Wilson bands; and the share at the horizon per policy;
    * ``time_to_events`` — share of runs in which Iran has struck US forces directly, a war
      has begun and US forces have left, by date (one minus the Kaplan–Meier survival curve);
    * ``paired_differences`` — forest plot of the paired difference against ``baseline`` with
      95% bootstrap intervals, read from ``summary``
      (:func:`sim.analysis.metrics.summarise_outcomes`);
      only when the baseline and another policy are present.

    Policies are ordered the same way in every figure: the baseline first, then by mean militia
    attacks (lowest first), and keep one colour each (:func:`policy_colors`).

    Returns
    -------
    The paths written: for each figure its PNG, then its PDF.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    figs = compare_figures(
        quantiles_by_policy, outcomes, summary, scenario, baseline=baseline, seed=seed
    )
    paths: list[Path] = []
    with matplotlib.rc_context(_RC):
        for name, fig in figs.items():
            paths += _save(fig, outdir / f"{name}.png")
    return paths


def needs_log_scale(values: Sequence[np.ndarray], ratio: float = 5.0) -> bool:
    """Whether one outcome's policies differ by an order of magnitude or more: the largest
    95th percentile is at least ``ratio`` times the median policy's (and above 10), so that a
    linear axis would squash the others against zero (a wounded count of hundreds under one
    policy against tens under the others)."""
    tops = np.array([np.quantile(v, 0.95, method="inverted_cdf") for v in values if len(v)])
    if len(tops) < 2 or tops.max() <= 10:
        return False
    return bool(tops.max() >= ratio * max(float(np.median(tops)), 1.0))


def _outcomes_by_policy(outcomes, order, colors, scenario, runs, seed) -> Figure:
    cols = [c for c in COMPARE_OUTCOMES if c in outcomes]
    height = 1.6 + 0.36 * len(order)
    fig, body, foot = _new_figure((max(12.0, 2.35 * len(cols) + 2.0), height))
    axes = np.atleast_1d(body.subplots(1, len(cols), sharey=True))
    groups = {p: g for p, g in outcomes.groupby("policy", sort=False, observed=True)}
    for ax, col in zip(axes, cols, strict=True):
        for i, p in enumerate(order):
            v = groups[p][col].to_numpy()
            q05, q25, q50, q75, q95 = np.quantile(
                v, [0.05, 0.25, 0.5, 0.75, 0.95], method="inverted_cdf"
            )
            c = colors[p]
            ax.hlines(i, q05, q95, color=c, lw=1.2, alpha=0.9)
            ax.hlines(i, q25, q75, color=c, lw=6.5, alpha=0.55)
            ax.plot([q50, q50], [i - 0.22, i + 0.22], color=c, lw=1.8)
            ax.plot(v.mean(), i, marker="D", ms=4.2, mfc="white", mec=c, mew=1.3)
        title, xlabel = COMPARE_OUTCOMES[col]
        ax.set_title(title, loc="left")
        if needs_log_scale([groups[p][col].to_numpy() for p in order]):
            ax.set_xscale("symlog", linthresh=1.0, linscale=0.5)
            ax.set_xlim(left=0)
            ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
            xlabel += " (log scale)"
        else:
            ax.set_xlim(left=-0.02 * max(1.0, ax.get_xlim()[1]))
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#e8e8e8", lw=0.6)
        _baseline_rule(ax, order, order[0])
    _policy_axis(axes[0], order, order[0])
    for ax in axes[1:]:
        ax.tick_params(axis="y", length=0)
    handles = [
        Line2D([], [], color="#555555", lw=1.2, label="90% of runs (5th–95th percentile)"),
        Line2D([], [], color="#555555", lw=6.5, alpha=0.55, label="middle 50% of runs"),
        Line2D([], [], color="#555555", lw=0, marker="|", ms=9, mew=1.8, label="median"),
        Line2D(
            [], [], color="#555555", lw=0, marker="D", ms=4.2, mfc="white", mew=1.3, label="mean"
        ),
    ]
    body.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
    body.suptitle(
        f"Attacks, casualties and US strikes, {_period(scenario)}, by US policy",
        x=0.01,
        ha="left",
    )
    _footnote(foot, scenario, runs, seed)
    return fig


def _fan_by_policy(qs, baseline, colors, scenario, runs, seed) -> Figure:
    pols = list(qs)
    ncol = 4 if len(pols) > 6 else min(3, len(pols))
    nrow = int(np.ceil((len(pols) + (1 if len(pols) > 1 else 0)) / ncol))
    fig, body, foot = _new_figure((12.0, 0.7 + 2.35 * nrow))
    axes = np.atleast_1d(body.subplots(nrow, ncol, sharex=True, sharey=True)).ravel()
    dates = _dates(scenario)
    base = _metric(qs[baseline], "cum_attacks") if baseline in qs else None
    ymax = max(float(_metric(q, "cum_attacks")["q95"].max()) for q in qs.values())
    for ax, p in zip(axes, pols, strict=False):
        q = _metric(qs[p], "cum_attacks")
        _fan(ax, dates, q, colors[p], label_bands=False)
        if base is not None and p != baseline:
            ax.plot(
                dates[base["day"].to_numpy()], base["q50"], color="#333333", lw=1.0, ls=(0, (4, 2))
            )
        ax.set_title(policy_label(p), loc="left", fontsize=9.5, color="black")
        ax.grid(axis="y", color="#e8e8e8", lw=0.6)
        end = float(q["q50"].iloc[-1])
        ax.text(
            0.03,
            0.95,
            f"median at the end: {end:,.0f}",
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=7.5,
            color="#333333",
        )
    ax0 = axes[0]
    ax0.set_xlim(dates[0], dates[-1])
    ax0.set_ylim(0, max(1.0, ymax) * 1.05)
    _date_axis(ax0)
    for ax in axes[len(pols) :]:
        ax.axis("off")
    for i, ax in enumerate(axes[: len(pols)]):
        if i % ncol == 0:
            ax.set_ylabel(f"attacks since {_since(scenario)}")
        if i + ncol >= len(pols):  # nothing below: show its dates
            ax.xaxis.set_tick_params(labelbottom=True)
    if len(axes) > len(pols):
        key = axes[len(pols)]
        handles = [
            Patch(color="#777777", alpha=0.25, label="90% of runs (5th–95th pct.)"),
            Patch(color="#777777", alpha=0.5, label="middle 50% of runs"),
            Line2D([], [], color="#777777", lw=1.6, label="median run"),
        ]
        if base is not None:
            handles.append(
                Line2D(
                    [],
                    [],
                    color="#333333",
                    lw=1.0,
                    ls=(0, (4, 2)),
                    label=f"median under “{policy_label(baseline)}”",
                )
            )
        key.legend(
            handles=handles,
            loc="center left",
            frameon=False,
            fontsize=8.5,
            title="How to read each panel",
            title_fontproperties={"weight": "bold"},
            alignment="left",
        )
    body.suptitle("Militia attacks over time, by US policy (running total)", x=0.01, ha="left")
    _footnote(foot, scenario, runs, seed)
    return fig


def _rung_by_policy(outcomes, order, scenario, runs, seed) -> Figure:
    height = 1.9 + 0.36 * len(order)
    fig, body, foot = _new_figure((11.0, height))
    ax = body.subplots()
    colors = rung_colors()
    by = outcomes.groupby("policy", observed=True)
    groups = {p: g["max_rung"].to_numpy().astype(int) for p, g in by}
    for i, p in enumerate(order):
        share = np.bincount(np.clip(groups[p], 0, 9), minlength=10)[:10] / len(groups[p])
        left = 0.0
        for k in range(10):
            w = 100 * share[k]
            if w <= 0:
                continue
            ax.barh(i, w, left=left, color=colors[k], edgecolor="white", lw=0.5, height=0.72)
            if w >= 6:
                ax.text(
                    left + w / 2,
                    i,
                    f"{w:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color=_text_color(colors[k]),
                )
            left += w
    _policy_axis(ax, order, order[0])
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of runs (%) by the highest rung of the escalation ladder reached")
    ax.spines["left"].set_visible(False)
    handles = [
        Patch(facecolor=colors[k], edgecolor="#999999", lw=0.4, label=f"{k} {RUNG_LABELS[k]}")
        for k in range(10)
    ]
    body.legend(
        handles=handles,
        loc="outside lower center",
        ncols=5,
        frameon=False,
        title="Highest rung reached (0 = quiet … 9 = US–Iran war)",
        fontsize=8,
    )
    body.suptitle("How far escalation went, by US policy", x=0.01, ha="left")
    _footnote(foot, scenario, runs, seed)
    return fig
