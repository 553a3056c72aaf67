"""Figures of the rolling-origin forecast evaluation (``escalation validate``), in the style of
:mod:`sim.figures.style`:

* :func:`scores_by_origin_figure`: at each origin, each agent model's score minus the best
  baseline's (bars; above zero the model did better), per score and mode;
* :func:`fans_figure`: per series, each model's forecasts at every origin (the central 50% and
  90% intervals and the median of the months 1-3 ahead) against the documented monthly series
  (best estimate and the interval the record supports).

Both take plain tables (the evaluation's score and quantile tables), so they do not depend on
how the forecasts were made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator

from sim.figures.style import GRID, OKABE_ITO, RC, _new_figure, footnote_text

#: Colours of the models (the agent models first, the baselines after).
MODEL_COLORS: dict[str, str] = {
    "agent": OKABE_ITO["vermillion"],
    "agent_articles": OKABE_ITO["purple"],
    "zero": OKABE_ITO["grey"],
    "last_poisson": OKABE_ITO["orange"],
    "last_negbin": OKABE_ITO["yellow"],
    "conflictology": OKABE_ITO["green"],
    "negbin": OKABE_ITO["blue"],
    "hawkes": OKABE_ITO["sky"],
}
#: Readable names of the scores, with the direction of "better".
SCORE_LABELS: dict[str, str] = {
    "log_score": "log score (higher is better)",
    "crps": "CRPS (lower is better)",
}
DOCUMENTED = "#333333"
#: The fans' y-axis reaches this multiple of the series' largest best estimate (a forecast
#: reaching higher is cut at the top).
TOP_FACTOR = 1.6
#: The modes in words.
MODE_WORDS: dict[str, str] = {
    "given_us_actions": "given the US actions",
    "unconditional": "unconditional",
}


def model_color(name: str) -> str:
    """The colour of a model (black for one not in :data:`MODEL_COLORS`)."""
    return MODEL_COLORS.get(name, OKABE_ITO["black"])


def _dates(values) -> np.ndarray:
    return mdates.date2num(pd.to_datetime(pd.Series(list(values))))


def scores_by_origin_figure(
    diffs: pd.DataFrame,
    best: Mapping[str, str],
    labels: Mapping[str, str],
    foot: Sequence[str],
) -> Figure:
    """Bars of each agent model's score minus the best baseline's at each origin.

    Parameters
    ----------
    diffs : columns ``model, mode, origin, score, gain``: the gain is the model's score minus
        the baseline's for the log score and the baseline's minus the model's for the CRPS
        (positive: the model did better), summed over the targets both forecast at the origin
    best : mode -> the best baseline's name
    labels : model -> its name in words
    foot : sentences of the footnote
    """
    scores = [s for s in SCORE_LABELS if s in set(diffs["score"])]
    modes = list(best)
    models = list(dict.fromkeys(diffs["model"]))
    with _rc():
        fig, body, note = _new_figure((11.0, 2.6 * len(scores) + 1.1))
        axes = body.subplots(len(scores), len(modes), squeeze=False, sharex=True)
        width = 60.0 / max(len(models), 1)
        for r, score in enumerate(scores):
            for c, mode in enumerate(modes):
                ax = axes[r, c]
                sel = diffs[(diffs["score"] == score) & (diffs["mode"] == mode)]
                for k, m in enumerate(models):
                    g = sel[sel["model"] == m].sort_values("origin")
                    x = _dates(g["origin"]) + (k - (len(models) - 1) / 2) * width + 45
                    ax.bar(x, g["gain"], width=width * 0.95, color=model_color(m),
                           label=labels.get(m, m))  # fmt: skip
                ax.axhline(0, color="#333333", lw=0.8)
                ax.grid(axis="y", **GRID)
                name = SCORE_LABELS[score].split(" (")[0]
                name = name[0].upper() + name[1:]
                ax.set_title(f"{name}, {MODE_WORDS.get(mode, mode)}: against "
                             f"{labels.get(best[mode], best[mode])}", loc="left",
                             fontsize=9)  # fmt: skip
                if c == 0:
                    ax.set_ylabel(f"gain in {name}\n(above 0: model better)")
                _year_axis(ax)
        handles, names = axes[0, 0].get_legend_handles_labels()
        body.legend(handles, names, loc="outside lower center", ncols=len(models),
                    frameon=False)  # fmt: skip
        body.suptitle("Each agent model against the best baseline, origin by origin")
        footnote_text(note, foot)
    return fig


def _rc():
    return matplotlib.rc_context(RC)


def _year_axis(ax) -> None:
    """Years on the x-axis: a labelled tick each January 2020-2025, a small one each quarter
    (fixed positions: date locators recompute them at every draw, which is slow)."""
    years = [pd.Timestamp(y, 1, 1) for y in range(2020, 2026)]
    quarters = [pd.Timestamp(y, m, 1) for y in range(2019, 2025) for m in (4, 7, 10)]
    ax.xaxis.set_major_locator(FixedLocator(mdates.date2num(years)))
    ax.xaxis.set_major_formatter(FixedFormatter([str(y.year) for y in years]))
    ax.xaxis.set_minor_locator(FixedLocator(mdates.date2num(quarters)))
    ax.set_xlim(
        mdates.date2num(pd.Timestamp(2019, 9, 1)), mdates.date2num(pd.Timestamp(2024, 10, 1))
    )


def _documented(ax, observed: pd.DataFrame) -> None:
    """The record's monthly series: the interval it supports (grey band; where nothing caps a
    month, its lower bound only, dotted) and the best estimate (line)."""
    x = _dates(observed["month"]) + 15
    lo = observed["low"].to_numpy(float)
    hi = observed["high"].to_numpy(float)
    capped = np.isfinite(hi)
    ax.fill_between(x, lo, np.where(capped, hi, lo), where=capped, step="mid", color="#D9D9D9",
                    lw=0, zorder=0)  # fmt: skip
    ax.step(x, np.where(capped, np.nan, lo), where="mid", color="#888888", lw=0.8, ls=":",
            zorder=3)  # fmt: skip
    ax.step(x, observed["best"], where="mid", color=DOCUMENTED, lw=1.1, zorder=3)


def _fan(ax, q: pd.DataFrame, color: str) -> None:
    for _, g in q.groupby("origin", sort=True):
        g = g.sort_values("month")
        x0 = _dates(g["month"])
        x = np.append(x0, x0[-1] + 30)

        def edges(col: str, g: pd.DataFrame = g) -> np.ndarray:
            v = g[col].to_numpy(float)
            return np.append(v, v[-1])

        ax.fill_between(x, edges("q05"), edges("q95"), step="post", color=color, alpha=0.22,
                        lw=0, zorder=1)  # fmt: skip
        ax.fill_between(x, edges("q25"), edges("q75"), step="post", color=color, alpha=0.45,
                        lw=0, zorder=2)  # fmt: skip
        ax.step(x, edges("q50"), where="post", color=color, lw=0.9, zorder=4)
        ax.axvline(x0[0], color="#BBBBBB", lw=0.4, zorder=0)


def fans_figure(
    quantiles: pd.DataFrame,
    observed: pd.DataFrame,
    models: Sequence[str],
    mode: str,
    series_labels: Mapping[str, str],
    labels: Mapping[str, str],
    foot: Sequence[str],
) -> Figure:
    """Per series (rows) and model (columns): the forecasts' fans at every origin in ``mode``
    against the documented monthly series.

    Parameters
    ----------
    quantiles : columns ``model, mode, series, origin, month, q05, q25, q50, q75, q95``
    observed : columns ``series, month, best, low, high``
    """
    series = list(series_labels)
    with _rc():
        fig, body, note = _new_figure((4.0 * len(models) + 0.6, 2.1 * len(series) + 1.2))
        axes = body.subplots(len(series), len(models), squeeze=False, sharex=True)
        q = quantiles[quantiles["mode"] == mode]
        for r, s in enumerate(series):
            obs = observed[observed["series"] == s].sort_values("month")
            qs = q[q["series"] == s]
            top = TOP_FACTOR * max(float(obs["best"].max()), 1.0)
            for c, m in enumerate(models):
                ax = axes[r, c]
                _documented(ax, obs)
                qm = qs[qs["model"] == m]
                if len(qm):
                    _fan(ax, qm, model_color(m))
                else:
                    ax.text(0.5, 0.55, "not forecast\n(the model has no such theatre)",
                            transform=ax.transAxes, ha="center", va="center", fontsize=8,
                            color="#666666")  # fmt: skip
                ax.set_ylim(0, top)
                ax.grid(axis="y", **GRID)
                if r == 0:
                    ax.set_title(labels.get(m, m), fontsize=9.5)
                if c == 0:
                    ax.set_ylabel(series_labels[s] + "\na month")
                _year_axis(ax)
        body.suptitle(f"Forecasts 1-3 months ahead at each origin ({MODE_WORDS.get(mode, mode)}) "
                      "against the record's monthly series")  # fmt: skip
        footnote_text(note, foot)
    return fig
