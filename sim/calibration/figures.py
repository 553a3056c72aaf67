"""Figures of a calibration report: posterior marginals against the priors, the sampler's
diagnostics, the posterior predictive check of the monthly attacks and the 2024 check."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.calibrate import Fit
from sim.calibration.design import Design
from sim.calibration.priors import ABC_PRIORS, BASE_RATE_SCALE
from sim.calibration.statistics import dated
from sim.core.params import TABLE
from sim.history.replay import PALETTE, Trace
from sim.inputs.record import monthly_attack_counts


def _plt():
    # no matplotlib.use(): pyplot falls back to Agg without a display, and forcing it would
    # switch off inline figures in a notebook
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9})
    return plt


def plot_marginals(fit: Fit, path: Path) -> None:
    """Posterior marginals (histograms) against the priors (lines)."""
    plt = _plt()
    names = [p.name for p in ABC_PRIORS] + list(fit.exact)
    ncol = 4
    nrow = math.ceil(len(names) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(11, 2.3 * nrow), constrained_layout=True)
    last = fit.abc.last
    for ax, name in zip(axes.flat, names, strict=False):
        if name in fit.exact:
            gp = fit.exact[name]
            prior = gp.prior
            x = gp.grid
            dens = gp.density / np.gradient(x)
            ax.fill_between(x, dens, color=PALETTE[0], alpha=0.4, label="posterior")
            title = f"{name}\n(exact likelihood, n = {len(gp.data)})"
        else:
            j = [p.name for p in ABC_PRIORS].index(name)
            prior = ABC_PRIORS[j]
            ax.hist(last.particles[:, j], bins=30, weights=last.weights, density=True,
                    color=PALETTE[0], alpha=0.6, label="posterior")  # fmt: skip
            title = f"{name}\n(ABC-SMC)"
        x = np.linspace(prior.low, prior.high, 400)[1:-1]
        ax.plot(x, prior.dist.pdf(x), color=PALETTE[1], lw=1.5, label="prior")
        ax.axvline(prior.mode, color="k", ls=":", lw=1, label="table default")
        ax.set_title(title, fontsize=9)
        ax.set_yticks([])
        unit = "× default rates" if name == BASE_RATE_SCALE else TABLE[name].unit
        ax.set_xlabel(unit if len(unit) < 40 else unit[:37] + "...", fontsize=8)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, frameon=False)
    fig.suptitle(
        f"Posterior (bars/shade) vs prior (line) of the fitted parameters; record up to "
        f"{fit.until}, seed {fit.seed}", fontsize=10,
    )  # fmt: skip
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_diagnostics(fit: Fit, path: Path) -> None:
    """Tolerance, acceptance rate and ESS per generation."""
    plt = _plt()
    gens = fit.abc.generations[1:]
    g = np.arange(1, len(gens) + 1)
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), constrained_layout=True)
    axes[0].plot(g, [x.epsilon for x in gens], "o-", color=PALETTE[0])
    axes[0].set_ylabel("tolerance ε (scaled distance)")
    axes[1].plot(g, [100 * x.acceptance for x in gens], "o-", color=PALETTE[1])
    axes[1].set_ylabel("acceptance rate (%)")
    axes[2].plot(g, [x.ess for x in gens], "o-", color=PALETTE[2])
    axes[2].set_ylabel("effective sample size")
    axes[2].set_ylim(0, None)
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.set_xlabel("generation")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    fig.suptitle(f"ABC-SMC diagnostics ({len(fit.abc.last.weights)} particles)", fontsize=10)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_predictive(
    design: Design,
    traces: dict[str, Trace],
    events: pd.DataFrame,
    path: Path,
    title: str,
) -> None:
    """Monthly attack counts: simulated 90 % band and median, the documented monthly counts
    (a lower bound), the documented period counts and the key events."""
    plt = _plt()
    import matplotlib.dates as mdates

    segs = list(traces)
    fig, axes = plt.subplots(
        1, len(segs), figsize=(11 if len(segs) > 1 else 9, 5), layout="constrained",
        gridspec_kw={"width_ratios": [traces[s].days for s in segs]}, squeeze=False,
    )  # fmt: skip
    doc = monthly_attack_counts(events)
    notes: list[str] = []
    for ax, name in zip(axes[0], segs, strict=True):
        tr = traces[name]
        month = tr.dates.to_period("M")
        att = pd.DataFrame(tr.series["attacks"]).groupby(month).sum()
        full = att.index[[(month == m).sum() >= 28 for m in att.index]]
        att = att.loc[full]
        x = att.index.to_timestamp() + pd.Timedelta(days=14)
        q = np.percentile(att.to_numpy(float), [5, 50, 95], axis=1)
        ax.fill_between(x, q[0], q[2], color=PALETTE[0], alpha=0.25, label="simulated 90% band")
        ax.plot(x, q[1], color=PALETTE[0], lw=1.5, label="simulated median")
        d = doc.reindex(att.index, fill_value=0)
        ax.plot(x, d.to_numpy(), "D", color=PALETTE[1], ms=5,
                label="documented attacks (lower bound)")  # fmt: skip
        for s in design.stats:
            if s.segment != name or s.kind != "period count" or not s.name.startswith("attacks"):
                continue
            a, b = s.name.split(" ")[1], s.name.split(" ")[3]
            a, b = pd.Timestamp(a), pd.Timestamp(b)
            days = (b - a).days + 1
            if days < 25:
                continue
            per_month = [s.low * 30.4 / days, (s.high if np.isfinite(s.high) else s.low) * 30.4
                         / days]  # fmt: skip
            ax.hlines(per_month, a, b, color=PALETTE[2], lw=1.2,
                      linestyles="--" if np.isfinite(s.high) else ":")  # fmt: skip
        ev = dated(events[(events["day"] >= tr.dates[0]) & (events["day"] <= tr.dates[-1])])
        key = ev[ev["action"].isin(("us_strike_syria", "us_strike_iraq", "decapitation",
                                    "iran_state_strike", "expulsion_vote"))
                 & ev["actor"].isin(("us", "iran", "iraq_gov"))]  # fmt: skip
        for _, r in key.iterrows():
            k = len(notes) + 1
            ax.axvline(r["day"], color=PALETTE[7], ls=":", lw=0.8)
            y = 0.98 - 0.06 * (k % 2)
            ax.annotate(
                str(k),
                (r["day"], y),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="top",
                fontsize=7,
                bbox={"fc": "white", "ec": "none", "pad": 0.5},
            )
            notes.append(f"{k} {r['action'].replace('_', ' ')} {r['day']:%d %b %Y}")
        loc = mdates.MonthLocator() if tr.days < 400 else mdates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        ax.set_title(f"window {name}", fontsize=9)
        ax.set_ylabel("attacks per month")
        ax.grid(alpha=0.3)
    axes[0][0].plot([], [], "--", color=PALETTE[2], label="documented period count, per month")
    axes[0][0].plot([], [], ":", color=PALETTE[2], label="documented lower bound, per month")
    axes[0][0].legend(loc="upper center", bbox_to_anchor=(0.6, 0.93), fontsize=7, framealpha=0.9)
    lines, cur = [], ""
    for note in notes:
        if len(cur) + len(note) > 150:
            lines.append(cur)
            cur = ""
        cur += ("; " if cur else "") + note
    lines.append(cur)
    fig.supxlabel("Dotted lines, documented events: " + "\n".join(lines), fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_heldout(ho: dict, path: Path) -> None:
    """Predicted attacks in the week after the 30 July 2024 strike, with and without it."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.2), constrained_layout=True)
    a, b = ho["attacks_week"], ho["attacks_week_no_strike"]
    bins = np.arange(0, max(a.max(), b.max()) + 2) - 0.5
    ax.hist(b, bins=bins, density=True, color=PALETTE[5], alpha=0.6,
            label="without the strike (counterfactual)")  # fmt: skip
    ax.hist(a, bins=bins, density=True, histtype="step", lw=2, color=PALETTE[0],
            label="with the documented strike")  # fmt: skip
    ax.axvline(1, color=PALETTE[1], lw=2, ls="--", label="documented: 1 attack (lower bound)")
    ax.set_xlabel("militia attacks, 31 Jul - 6 Aug 2024 (documented: al-Asad, 5 Aug)")
    ax.set_ylabel("share of runs")
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("Held-out 2024: predictive distribution from the posterior fitted to 2019-2021",
                 fontsize=9)  # fmt: skip
    fig.savefig(path, dpi=150)
    plt.close(fig)
