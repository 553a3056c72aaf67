"""Figures for papers and classes: one experiment (:func:`figure_run`) or a policy comparison
(:func:`figures_compare`).

Every figure is written twice, as PNG (200 dpi, for screens and slides) and as PDF (vector, for
papers), with a fixed size so that layouts do not shift between runs. Conventions shared by all
figures:

* each policy keeps one colour in every figure (:func:`policy_colors`; Okabe & Ito 2008
  colour-blind-safe hues extended with Tol's muted scheme), and policies are also named in
  text, so colour is never the only cue;
* escalation rungs use one sequential ramp from quiet (pale) to war (dark red)
  (:func:`rung_colors`);
* a footnote names the scenario, the number of runs per policy and that runs share random draws
  across policies (common random numbers) and are a model experiment, not a forecast.

Inputs are the tables of :mod:`sim.analysis.metrics`: daily quantiles from
:meth:`sim.analysis.metrics.DailyHistogram.quantiles`, per-run outcomes (one row per policy × run)
and the
summary of :func:`sim.analysis.metrics.summarise_outcomes`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.metrics import policy_label, wilson_interval
from sim.core.ladder import RUNG_LABELS

DPI = 200

#: Colours of the built-in policies (Okabe & Ito 2008; Tol 2021 "muted" for the extra hues).
#: Related policies share a hue family: Syria strikes orange/vermillion, tit-for-tat blues.
POLICY_COLORS: dict[str, str] = {
    "do_nothing": "#555555",
    "strike_syria": "#E69F00",
    "escalate_syria": "#D55E00",
    "strike_iraq": "#882255",
    "casualty_threshold": "#CC79A7",
    "hold_iran_accountable": "#332288",
    "iraqi_accountability": "#999933",
    "regional_deal": "#009E73",
    "decapitation": "#000000",
    "tit_for_tat": "#0072B2",
    "generous_tit_for_tat": "#56B4E9",
}
#: Colours given, in order, to policies without a fixed colour (user policies).
EXTRA_COLORS: tuple[str, ...] = ("#44AA99", "#AA4499", "#117733", "#DDCC77", "#88CCEE", "#661100")

#: Text of the footnote's caveat.
CAVEAT = "Runs share random draws across policies (common random numbers). Not a forecast."

_RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.axisbelow": True,
    "pdf.fonttype": 42,  # embed TrueType: editable text in the PDF
    "svg.fonttype": "none",
}


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def policy_colors(policies: Sequence[str]) -> dict[str, str]:
    """Colour of each policy: fixed for the built-ins, the extra colours in turn for others."""
    out, k = {}, 0
    for p in policies:
        if p in POLICY_COLORS:
            out[p] = POLICY_COLORS[p]
        else:
            out[p] = EXTRA_COLORS[k % len(EXTRA_COLORS)]
            k += 1
    return out


def rung_colors() -> list:
    """Ten colours from quiet (pale yellow) to war (near black): matplotlib's perceptually
    uniform "inferno" ramp reversed (van der Walt & Smith 2015), monotone in lightness, so the
    order survives colour blindness and grey-scale print."""
    cmap = matplotlib.colormaps["inferno_r"]
    return [cmap(x) for x in np.linspace(0.02, 0.9, len(RUNG_LABELS))]


def _text_color(rgba) -> str:
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _dates(scenario) -> np.ndarray:
    return np.asarray(scenario.dates())


def _since(scenario) -> str:
    return pd.Timestamp(_dates(scenario)[0]).strftime("%-d %b %Y")


def _period(scenario) -> str:
    d = _dates(scenario)
    start = pd.Timestamp(d[0]).strftime("%-d %b %Y")
    end = pd.Timestamp(d[-1]).strftime("%-d %b %Y")
    return f"{start} – {end}"


def _footnote(
    foot: SubFigure,
    scenario,
    runs: int | str | None,
    seed: int | None = None,
    extra: str = "",
    per: str = " per policy",
) -> None:
    """The footnote: scenario, period, runs, seed, ``extra``, and the caveat (wrapped)."""
    parts = [f"Scenario “{scenario.name}”, {_period(scenario)}."]
    if runs is not None:
        parts.append(f"{runs:,} runs{per}." if isinstance(runs, int) else f"{runs}.")
    if seed is not None:
        parts.append(f"Seed {seed}.")
    if extra:
        parts.append(extra)
    parts.append(CAVEAT if per else "A model experiment, not a forecast.")
    width_in = foot.get_figure(root=True).get_figwidth()
    text = textwrap.fill(" ".join(parts), width=int(width_in * 16))
    foot.text(
        0.008, 0.92, text, fontsize=7.5, color="#444444", ha="left", va="top", linespacing=1.35
    )


#: Height of the footnote strip, inches.
_FOOT_IN = 0.42


def _new_figure(figsize: tuple[float, float]) -> tuple[Figure, SubFigure, SubFigure]:
    """A figure (no pyplot: no global state, any backend) split into a body with constrained
    layout and a footnote strip of fixed height at the bottom."""
    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.05, w_pad=0.05, hspace=0.0)
    h = figsize[1]
    body, foot = fig.subfigures(2, 1, height_ratios=[h - _FOOT_IN, _FOOT_IN])
    return fig, body, foot


def _save(fig: Figure, path: Path) -> list[Path]:
    """Write ``path`` (its format from the suffix, PNG if none) and a PDF beside a PNG."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    out = [path]
    if path.suffix.lower() == ".png":
        pdf = path.with_suffix(".pdf")
        fig.savefig(pdf)
        out.append(pdf)
    return out


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


def _date_axis(ax) -> None:
    loc = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=False))


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


# --------------------------------------------------------------------------------------------
# One experiment
# --------------------------------------------------------------------------------------------


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
    color = POLICY_COLORS.get(policy or "", "#0072B2")
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


def _pct(s: float) -> str:
    if s == 0:
        return "0%"
    if s < 0.001:
        return "<0.1%"
    return f"{100 * s:.1f}%" if s < 0.1 else f"{100 * s:.0f}%"


# --------------------------------------------------------------------------------------------
# Policy comparison
# --------------------------------------------------------------------------------------------

#: Panels of ``outcomes_by_policy.png``: column -> (title, x label).
COMPARE_OUTCOMES: dict[str, tuple[str, str]] = {
    "attacks_total": ("Militia attacks", "attacks on US forces per run"),
    "us_killed": ("Americans killed", "deaths per run"),
    "us_wounded": ("Americans wounded", "people wounded per run"),
    "us_strikes": ("US strikes", "strikes per run"),
}

#: Panels of ``paired_differences.png``: outcome -> (title, x label, scale).
DIFF_OUTCOMES: dict[str, tuple[str, str, float]] = {
    "attacks_total": ("Militia attacks", "change in attacks per run", 1.0),
    "us_killed": ("Americans killed", "change in deaths per run", 1.0),
    "us_strikes": ("US strikes", "change in strikes per run", 1.0),
    "any_us_death": ("Any American killed", "change in chance (% points)", 100.0),
    "direct_exchange": ("Direct US–Iran strike", "change in chance (% points)", 100.0),
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
      wounded, and US strikes, per policy (5–95% and 25–75% of runs, median, mean);
    * ``fan_by_policy`` — cumulative militia attacks over time, one small panel per policy,
      shared y-axis, the baseline's median dashed in every panel (needs
      ``quantiles_by_policy``, the tables of :meth:`sim.analysis.metrics.DailyHistogram.quantiles`);
    * ``rung_by_policy`` — share of runs by highest rung reached, stacked bars per policy;
    * ``survival_first_death`` — share of runs with no American killed yet, by date: the
      Kaplan–Meier estimate, which with every run followed to the horizon (censored there
      only) is the empirical survival function (:func:`survival_curve`), with pointwise 95%
      Wilson bands; and the share at the horizon per policy;
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


def _policy_axis(ax, order: Sequence[str], baseline: str | None = None) -> None:
    """Policies top to bottom on the y-axis, the baseline's label in bold above a thin rule."""
    y = np.arange(len(order))
    ax.set_yticks(y, [policy_label(p) for p in order])
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    if baseline is not None and order and order[0] == baseline:
        ax.get_yticklabels()[0].set_fontweight("bold")


def _baseline_rule(ax, order: Sequence[str], baseline: str) -> None:
    if len(order) > 1 and order[0] == baseline:
        ax.axhline(0.5, color="#bbbbbb", lw=0.7, zorder=0)


def _outcomes_by_policy(outcomes, order, colors, scenario, runs, seed) -> Figure:
    cols = [c for c in COMPARE_OUTCOMES if c in outcomes]
    height = 1.6 + 0.36 * len(order)
    fig, body, foot = _new_figure((12.0, height))
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
        ax.set_xlabel(xlabel)
        ax.set_xlim(left=-0.02 * max(1.0, ax.get_xlim()[1]))
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
        f"Attacks, American casualties and US strikes, {_period(scenario)}, by US policy",
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
    handles = [Patch(color=colors[k], label=f"{k} {RUNG_LABELS[k]}") for k in range(10)]
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


def survival_curve(first_death_day: np.ndarray, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Share of runs with no US death by the end of each day, and the number of runs.

    Every run is followed to the horizon (censored only there), so the Kaplan–Meier estimator
    reduces to the empirical survival function: S(t) = #{runs whose first death is after day t}
    / n (Kaplan & Meier 1958). NaN means no death within the horizon.
    """
    fd = np.asarray(first_death_day, dtype=float)
    n = len(fd)
    died = fd[~np.isnan(fd)].astype(int)
    deaths_by_day = np.bincount(np.clip(died, 0, days - 1), minlength=days)[:days]
    return 1.0 - np.cumsum(deaths_by_day) / max(n, 1), n


def _survival(outcomes, order, colors, scenario, runs, seed) -> Figure:
    dates = _dates(scenario)
    days = len(dates)
    fig, body, foot = _new_figure((12.0, 6.6))
    ax, ax_end = body.subplots(1, 2, width_ratios=[1.6, 1])
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
    ax.set_title("(a) Time to the first American death", loc="left")
    ax.grid(color="#ececec", lw=0.6)
    # legend sorted by the share at the horizon, highest first (the order of the curves)
    h, lab = ax.get_legend_handles_labels()
    rank = np.argsort([-ends[p][0] for p in order], kind="stable")
    ax.legend(
        [h[j] for j in rank],
        [lab[j] for j in rank],
        loc="upper left",
        bbox_to_anchor=(0.0, -0.13),
        ncols=3,
        frameon=False,
        fontsize=8,
        handlelength=3.0,
        title="US policy (ordered by the share at the end, highest first)",
        title_fontproperties={"weight": "bold", "size": 8},
        alignment="left",
    )

    for i, p in enumerate(order):
        s, lo, hi = ends[p]
        ax_end.hlines(i, 100 * lo, 100 * hi, color=colors[p], lw=2.2)
        ax_end.plot(100 * s, i, "o", color=colors[p], ms=5)
        ax_end.text(100 * hi + 1.5, i, f"{100 * s:.0f}%", va="center", fontsize=7.5)
    _policy_axis(ax_end, order, order[0])
    _baseline_rule(ax_end, order, order[0])
    ax_end.set_xlim(0, 105)
    ax_end.set_xlabel("Share of runs (%), with 95% interval")
    end = pd.Timestamp(dates[-1]).strftime("%-d %b %Y")
    ax_end.set_title(f"(b) No American killed by {end}", loc="left")
    ax_end.grid(axis="x", color="#ececec", lw=0.6)
    body.suptitle("How long until the first American is killed, by US policy", x=0.01, ha="left")
    _footnote(foot, scenario, runs, seed, extra="Shaded: pointwise 95% Wilson intervals.")
    return fig


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
    height = 1.9 + 0.36 * len(others)
    fig, body, foot = _new_figure((13.0, height))
    axes = np.atleast_1d(body.subplots(1, len(cols), sharey=True))
    by = summary.set_index(["policy", "outcome"])
    for ax, col in zip(axes, cols, strict=True):
        title, xlabel, scale = DIFF_OUTCOMES[col]
        for i, p in enumerate(others):
            if (p, col) not in by.index:
                continue
            r = by.loc[(p, col)]
            d, lo, hi = (scale * float(r[c]) for c in ("diff", "diff_lo", "diff_hi"))
            if not np.isfinite(d):
                continue
            ax.hlines(i, lo, hi, color=colors[p], lw=2.0)
            ax.plot(d, i, "o", color=colors[p], ms=4.8, mec="white", mew=0.5)
            ax.annotate(
                _signed(d),
                (d, i),
                xytext=(0, 4.5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=6.5,
                color="#333333",
            )
        ax.axvline(0, color="#333333", lw=0.9)
        ax.set_title(title, loc="left", fontsize=9.5)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#e8e8e8", lw=0.6)
        ax.margins(x=0.08)
        ax.xaxis.set_major_locator(mticker.MaxNLocator(5, symmetric=False))
    _policy_axis(axes[0], others)
    axes[0].set_ylim(len(others) - 0.5, -0.8)  # room for the value above the top dot
    for ax in axes[1:]:
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
            "Dot: mean of (policy − baseline) over the same runs; line: 95% bootstrap interval"
            + (f" ({nb:,} resamples of runs)." if nb else ".")
        ),
    )
    return fig


__all__: list[Any] = [
    "CAVEAT",
    "DPI",
    "POLICY_COLORS",
    "compare_figures",
    "figure_run",
    "figures_compare",
    "policy_colors",
    "run_figure",
    "rung_colors",
    "survival_curve",
]
