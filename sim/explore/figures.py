"""Figures of an exploration: regret by policy and outcome, ranking stability, PRIM's box.

matplotlib only, no ``matplotlib.use()`` (that would break inline notebook figures; the
command line runs under whatever backend is set, Agg in tests). Colours and policy labels are
the project's (:func:`sim.figures.plots.policy_colors`, Okabe & Ito 2008).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from sim.analysis.metrics import policy_label
from sim.core import outcomes as declared
from sim.explore.decisions import regret_table
from sim.explore.discovery import Discovery
from sim.explore.runner import EXPLORE_OUTCOMES
from sim.figures.plots import policy_colors
from sim.figures.style import DPI, OKABE_ITO, UNCERTAINTY

GREY = "#555555"
#: boxplot's keyword for horizontal boxes (``vert`` before matplotlib 3.10)
_HORIZONTAL: dict = (
    {"orientation": "horizontal"}
    if tuple(int(v) for v in matplotlib.__version__.split(".")[:2]) >= (3, 10)
    else {"vert": False}
)
#: Outcomes of the regret figure unless told otherwise (a panel each; tag ``regret`` of
#: :mod:`sim.core.outcomes`).
REGRET_OUTCOMES: tuple[str, ...] = tuple(o.name for o in declared.tagged("regret"))


def outcome_name(o: str) -> str:
    """An explored outcome's readable name (its declared label), never its column name."""
    if o in declared.OUTCOMES:
        return declared.label(o)
    if o in declared.RESTRICTED_MEANS:
        return declared.RESTRICTED_MEANS[o].label
    return EXPLORE_OUTCOMES.get(o, o)


#: Colours of the ranks in the ranking figure: the first three apart, then two greys (the
#: upper and the lower half of the rest): few enough shades to tell apart.
RANK_COLORS: tuple[str, ...] = (OKABE_ITO["blue"], OKABE_ITO["sky"], OKABE_ITO["green"],
                                "#BBBBBB", "#E4E4E4")  # fmt: skip


def rank_bins(k: int) -> list[tuple[str, list[int]]]:
    """The ranks 1…k grouped for the ranking figure: 1st, 2nd and 3rd alone, then the rest in
    an upper and a lower half (label, ranks)."""
    names = {1: "1st (best)", 2: "2nd", 3: "3rd"}
    bins = [(names[r], [r]) for r in range(1, min(k, 3) + 1)]
    rest = list(range(4, k + 1))
    if rest:
        mid = (len(rest) + 1) // 2
        upper, lower = rest[:mid], rest[mid:]
        bins.append((f"{upper[0]}th–{upper[-1]}th" if len(upper) > 1 else f"{upper[0]}th", upper))
        if lower:
            bins.append((f"{lower[0]}th–{lower[-1]}th" if len(lower) > 1 else f"{lower[0]}th",
                         lower))  # fmt: skip
    return bins


def _note(fig, text: str, width: int = 150) -> None:
    fig.text(0.01, 0.005, textwrap.fill(text, width), fontsize=7, color=GREY, va="bottom")


def regret_figure(
    outcomes: pd.DataFrame,
    order: Sequence[str],
    names: Sequence[str] = REGRET_OUTCOMES,
    note: str = "",
):
    """Per outcome, the distribution of each policy's regret across worlds: box = quartiles,
    whiskers = 5th–95th percentiles, diamond = the largest regret (what minimax minimises)."""
    import matplotlib.pyplot as plt

    names = [o for o in names if o in outcomes.columns]
    ncol = min(3, len(names))
    nrow = -(-len(names) // ncol)
    fig, axes = plt.subplots(
        nrow,
        ncol,
        figsize=(4.4 * ncol, 0.28 * len(order) * nrow + 1.6 * nrow + 0.6),
        squeeze=False,
        layout="constrained",
        sharey=True,
    )
    colors = policy_colors(order)
    for ax, o in zip(axes.flat, names, strict=False):
        r = regret_table(outcomes, o)[list(order)]
        y = np.arange(len(order))[::-1]
        bp = ax.boxplot(
            [r[p].to_numpy() for p in order],
            positions=y,
            **_HORIZONTAL,
            whis=(5, 95),
            widths=0.6,
            patch_artist=True,
            showfliers=False,
            medianprops={"color": "white", "lw": 1.4},
        )
        for patch, p in zip(bp["boxes"], order, strict=True):
            patch.set_facecolor(colors[p])
            patch.set_alpha(0.75)
        ax.plot(r.max(axis=0).to_numpy(), y, "D", color="#D55E00", ms=4, label="largest regret")
        top = float(np.nanmax(r.to_numpy())) if r.size else 0.0
        ax.set_xlim(0, top * 1.05 if top > 0 else 1)
        if top == 0:
            ax.text(
                0.5,
                0.5,
                "no policy differs",
                transform=ax.transAxes,
                ha="center",
                color=GREY,
                fontsize=8,
            )
        ax.set_yticks(y, [policy_label(p) for p in order], fontsize=8)
        ax.set_title(textwrap.fill(outcome_name(o), 44), fontsize=8.5, loc="left")
        ax.set_xlabel("regret (distance to the best policy of the world)", fontsize=8)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_axis_off()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=8, frameon=False)
    fig.suptitle("Regret of each policy across the explored worlds", fontsize=12, weight="bold")
    note = (note + " " if note else "") + UNCERTAINTY["worlds"]
    if note:
        _note(fig, note)
        fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
    return fig


def ranking_figure(rank: pd.DataFrame, outcome: str, note: str = ""):
    """Stacked bars: for each policy (ranked by minimax regret) the share of worlds in which it
    is 1st, 2nd, … on ``outcome``."""
    import matplotlib.pyplot as plt

    cols = [c for c in rank.columns if c.startswith("rank_")]
    k = len(cols)
    fig, ax = plt.subplots(figsize=(7.2, 0.3 * len(rank) + 2.0), layout="constrained")
    y = np.arange(len(rank))[::-1]
    left = np.zeros(len(rank))
    for (name, ranks), color in zip(rank_bins(k), RANK_COLORS, strict=False):
        v = sum(rank[f"rank_{r}"].to_numpy() for r in ranks if f"rank_{r}" in rank)
        ax.barh(y, v, left=left, color=color, edgecolor="white", lw=0.4, label=name)
        left += v
    labels = [f"{r.rank}. {policy_label(r.policy)}" for r in rank.itertuples()]
    ax.set_yticks(y, labels, fontsize=8.5)
    for yi, r in zip(y, rank.itertuples(), strict=True):
        ax.text(1.01, yi, f"best in {r.share_best:.0%}", va="center", fontsize=7.5)
    ax.set_xlim(0, 1)
    name = outcome_name(outcome)
    ax.set_xlabel(textwrap.fill(f"share of explored worlds at each rank (1st = best): {name}",
                                80))  # fmt: skip
    ax.legend(
        title="rank",
        ncol=5,
        fontsize=7,
        title_fontsize=7.5,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.17),
    )
    fig.suptitle(
        textwrap.fill(f"How stable is the ranking? Policies by minimax regret on {name}", 70),
        fontsize=10.5,
        weight="bold",
        x=0.01,
        ha="left",
    )
    note = (note + " " if note else "") + UNCERTAINTY["worlds"]
    if note:
        _note(fig, note, 120)
        fig.get_layout_engine().set(rect=(0, 0.05, 1, 0.95))
    return fig


def prim_figure(d: Discovery, note: str = ""):
    """Left: PRIM's peeling trajectory, coverage against density, colour = restricted
    dimensions, the chosen box circled. Right: the chosen box's limits within each restricted
    parameter's explored range."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    fig, (a1, a2) = plt.subplots(
        1, 2, figsize=(11, 4.8), layout="constrained", gridspec_kw={"width_ratios": [1, 1.2]}
    )
    t = d.trajectory
    lim = d.limits
    qp = np.fmin(lim["qp_lower"].to_numpy(dtype=float), lim["qp_upper"].to_numpy(dtype=float))
    strong = qp <= 0.05
    found = bool(strong.any())  # a box none of whose restrictions is significant is no finding
    sc = a1.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    a1.scatter(
        [d.coverage],
        [d.density],
        s=140,
        facecolors="none",
        edgecolors="#D55E00" if found else GREY,
        lw=1.6,
        ls="-" if found else "--",
        label=(f"chosen box (coverage {d.coverage:.0%}, density {d.density:.0%})" if found
               else "last box peeled: no restriction significant, no box chosen"),
    )  # fmt: skip
    fig.colorbar(sc, ax=a1, label="restricted parameters")
    a1.set_xlabel("coverage (share of the worlds of interest inside the box)")
    a1.set_ylabel("density (share of the box's worlds of interest)")
    a1.set_xlim(0, 1.02)
    a1.set_ylim(0, 1.02)
    a1.legend(fontsize=7.5, loc="lower left", frameon=False)
    a1.set_title("The peeling trade-off", fontsize=10, loc="left")
    y = np.arange(len(lim))[::-1]
    span = (lim["explored_high"] - lim["explored_low"]).replace(0, 1).to_numpy()
    lo = (lim["min"] - lim["explored_low"]).to_numpy() / span
    hi = (lim["max"] - lim["explored_low"]).to_numpy() / span
    a2.barh(y, np.ones(len(lim)), color="#eeeeee", edgecolor="#bbbbbb", height=0.6)
    colors = np.where(strong, "#0072B2", "#9ECAE9")
    a2.barh(y, hi - lo, left=lo, color=colors, height=0.6)
    a2.legend(
        handles=[
            Patch(color="#0072B2", label="restriction with quasi-p ≤ 0.05"),
            Patch(color="#9ECAE9", label="weak restriction (quasi-p > 0.05)"),
        ],
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=2,
        frameon=False,
    )
    for yi, r, lo_i, hi_i in zip(y, lim.itertuples(), lo, hi, strict=True):
        if r.min > r.explored_low:
            a2.text(lo_i, yi + 0.36, f"≥ {r.min:.3g}", fontsize=7, ha="left")
        if r.max < r.explored_high:
            a2.text(hi_i, yi + 0.36, f"≤ {r.max:.3g}", fontsize=7, ha="right")
    labels = [
        f"{n}\n(quasi-p {q:.1g})" if np.isfinite(q) else n
        for n, q in zip(lim["parameter"], qp, strict=True)
    ]
    a2.set_yticks(y, labels, fontsize=7.5)
    a2.set_xlim(0, 1)
    a2.set_xlabel("position within the explored range (0 = low end, 1 = high end)")
    a2.set_title("The chosen box's limits" if found else
                 "No box: no restriction has quasi-p ≤ 0.05", fontsize=10, loc="left")  # fmt: skip
    fig.suptitle(textwrap.fill(d.question, 100), fontsize=11.5, weight="bold")
    _note(
        fig,
        (note + " " if note else "") + f"Scenario discovery with the EMA Workbench's "
        f"PRIM; {d.n_interest:,} of {d.n_worlds:,} worlds are of interest.",
        150,
    )
    fig.get_layout_engine().set(rect=(0, 0.05, 1, 0.95))
    return fig


def save(fig, path: Path) -> list[Path]:
    """Write a figure as PNG and PDF and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fig.savefig(path.with_suffix(".png"), dpi=DPI)
    fig.savefig(path.with_suffix(".pdf"))
    plt.close(fig)
    return [path.with_suffix(".png"), path.with_suffix(".pdf")]
