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

from sim.analysis.ladders import (
    ACTION_LEVELS,
    ATTACK_LEVELS,
    level_shares,
    strongest_action,
    worst_attack,
)
from sim.core import outcomes as declared
from sim.core.policies import label as policy_label
from sim.figures.differences import EVENT_OUTCOMES, _paired_differences, _survival, _time_to_events
from sim.figures.run import _fan, _metric
from sim.figures.style import (
    _RC,
    PAGE_IN,
    POLICY_COLORS,
    UNCERTAINTY,
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
    nice_ticks,
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
        for kind, name in (("attack", "worst_attack_by_policy"),
                           ("action", "strongest_action_by_policy")):  # fmt: skip
            figs[name] = _levels_by_policy(outcomes, order, scenario, runs, seed, kind)
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
    * ``worst_attack_by_policy`` and ``strongest_action_by_policy`` — share of runs by the
      worst militia attack and by the strongest US action, stacked bars per policy (the two
      sides apart: :mod:`sim.analysis.ladders`);
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
    fig, body, foot = _new_figure((PAGE_IN, 0.9 + 1.75 * nrow), foot_in=0.5)
    # each panel on its own scale (one shared scale flattens all but the highest policy); the
    # baseline's median, dashed in every panel, is the common reference
    axes = np.atleast_1d(body.subplots(nrow, ncol, sharex=True)).ravel()
    dates = _dates(scenario)
    base = _metric(qs[baseline], "cum_attacks") if baseline in qs else None
    for ax, p in zip(axes, pols, strict=False):
        q = _metric(qs[p], "cum_attacks")
        _fan(ax, dates, q, colors[p], label_bands=False)
        if base is not None and p != baseline:
            ax.plot(
                dates[base["day"].to_numpy()], base["q50"], color="#333333", lw=1.0, ls=(0, (4, 2))
            )
        ax.set_title(textwrap.fill(policy_label(p), 22), loc="left", fontsize=8, color="black")
        ax.grid(axis="y", color="#e8e8e8", lw=0.6)
        top = float(q["q95"].max())
        if base is not None:
            top = max(top, float(base["q50"].max()))
        ax.set_ylim(0, max(1.0, top) * 1.22)
        nice_ticks(ax, "y", 4)
        ax.tick_params(labelsize=7)
        end = float(q["q50"].iloc[-1])
        ax.text(0.03, 0.97, f"median at the end: {end:,.0f}", transform=ax.transAxes,
                ha="left", va="top", fontsize=6.5, color="#333333")  # fmt: skip
    ax0 = axes[0]
    ax0.set_xlim(dates[0], dates[-1])
    _date_axis(ax0, maxticks=4)
    for ax in axes[len(pols) :]:
        ax.axis("off")
    for i, ax in enumerate(axes[: len(pols)]):
        if i % ncol == 0:
            ax.set_ylabel(f"attacks since\n{_since(scenario)}", fontsize=7.5)
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
        leg = key.legend(
            handles=handles,
            loc="center left",
            frameon=False,
            fontsize=7,
            title="Each panel on its own scale",
            title_fontproperties={"weight": "bold", "size": 7.5},
            alignment="left",
        )
        leg.set_in_layout(False)  # it may reach into the next empty cell
    body.suptitle(
        "Militia attacks over time, by US policy (running total)", x=0.01, ha="left", fontsize=11
    )
    _footnote(foot, scenario, runs, seed, extra=UNCERTAINTY["spread"])
    return fig


def _levels_by_policy(outcomes, order, scenario, runs, seed, kind: str) -> Figure:
    """Stacked bars, one per policy: the share of runs by the worst militia attack
    (``kind="attack"``) or by the strongest US action (``kind="action"``), read apart
    (:mod:`sim.analysis.ladders`) so that a US strike never hides a lethal attack."""
    if kind == "attack":
        levels, of = ATTACK_LEVELS, worst_attack
        title = "Worst militia attack in a run, by US policy"
        legend = "Worst militia attack or threat in the run"
    else:
        levels, of = ACTION_LEVELS, strongest_action
        title = "Strongest US action in a run, by US policy"
        legend = "Strongest US action in the run"
    height = 1.75 + 0.27 * len(order)
    fig, body, foot = _new_figure((PAGE_IN, height), foot_in=0.5)
    ax = body.subplots()
    colors = rung_colors()
    by = {p: g for p, g in outcomes.groupby("policy", observed=True)}
    for i, p in enumerate(order):
        share = level_shares(of(by[p]), len(levels))
        left = 0.0
        for (_, _, rung), s in zip(levels, share, strict=True):
            w = 100 * s
            if w <= 0:
                continue
            c = colors[rung]
            ax.barh(i, w, left=left, color=c, edgecolor="white", lw=0.5, height=0.72)
            if w >= 7:
                ax.text(left + w / 2, i, f"{w:.0f}%", ha="center", va="center", fontsize=7,
                        color=_text_color(c))  # fmt: skip
            left += w
    _policy_axis(ax, order, order[0])
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of runs (%)")
    ax.spines["left"].set_visible(False)
    handles = [
        Patch(facecolor=colors[rung], edgecolor="#999999", lw=0.4, label=lab)
        for _, lab, rung in levels
    ]
    body.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False,
                title=legend, fontsize=7.5, title_fontsize=8)  # fmt: skip
    body.suptitle(title, x=0.01, ha="left", fontsize=11)
    _footnote(foot, scenario, runs, seed, extra=UNCERTAINTY["none"])
    return fig
