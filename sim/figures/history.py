"""Figures of ``escalation replay`` and ``escalation branch`` in the style of
:mod:`sim.figures.style`: readable names (policy labels, US actions in words), one palette, the
legend outside the data, event markers in a strip of their own above the plot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core import ladder
from sim.core.policies import label as policy_label
from sim.figures.style import (
    GRID,
    OKABE_ITO,
    RC,
    _date_axis,
    _new_figure,
    _save,
    footnote_text,
    policy_colors,
)

#: The US actions of the record in words (their ``words``, :data:`sim.core.ladder.US_ACTIONS`).
US_ACTION_TEXT: dict[int, str] = {k: a.words for k, a in enumerate(ladder.US_ACTIONS)}
#: Who an actor name of ``--force`` is.
ACTOR_TEXT = {
    "us": "the United States",
    "iran": "Iran",
    "iraq_gov": "the Iraqi government",
    "militia_truce": "the militias' truces",
}
#: The pseudo-policy of a branch that keeps the documented US actions.
RECORD_LABEL = "As documented"

SIM, DOC = OKABE_ITO["blue"], OKABE_ITO["vermillion"]


def _branch_label(name: str) -> str:
    return RECORD_LABEL if name == "record" else policy_label(name)


def _period(start: dt.date, end: dt.date) -> str:
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"


def replay_figure(res, forced: list[str]) -> Figure:
    """Weekly militia attacks and US casualties: simulated median and 90% band of runs, the
    documented counts, and the US actions of the record numbered above the plot."""
    wk = res.weekly
    x = pd.to_datetime(wk["week_start"])
    start, end = res.setting.start, res.setting.end
    with matplotlib.rc_context(RC):
        fig, body, foot = _new_figure((11.0, 6.6))
        axes = body.subplots(2, 1, sharex=True)
        for ax, name, ylabel in (
            (axes[0], "attacks", "Militia attacks per week"),
            (axes[1], "us_casualties", "Americans killed + wounded\nper week"),
        ):
            ax.fill_between(x, wk[f"{name}_p05"], wk[f"{name}_p95"], step="post", color=SIM,
                            alpha=0.22, lw=0, label="simulated: 90% of runs")  # fmt: skip
            ax.step(x, wk[f"{name}_p50"], where="post", color=SIM, lw=1.6,
                    label="simulated: median run")  # fmt: skip
            doc = wk[f"{name}_record"] > 0
            ax.plot(x[doc] + pd.Timedelta(days=3.5), wk.loc[doc, f"{name}_record"], "D",
                    color=DOC, ms=5, mec="white", mew=0.5,
                    label="documented (a lower bound)")  # fmt: skip
            ax.set_ylabel(ylabel)
            ax.set_ylim(bottom=0)
            ax.grid(axis="y", **GRID)
        notes = _action_strip(axes, res)
        _date_axis(axes[1])
        axes[1].set_xlim(pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1))
        handles, labels = axes[0].get_legend_handles_labels()
        if notes:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color="#333333", ls=":", lw=1))
            labels.append("US action of the record (numbered above)")
        body.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False)
        who = ", ".join(ACTOR_TEXT.get(a, a) for a in forced) or "nobody"
        body.suptitle(f"Replay of {_period(start, end)}: weekly attacks and US casualties",
                      x=0.01, ha="left")  # fmt: skip
        parts = [f"{res.trace.params.n:,} runs; actions fixed to the record: {who}; the others "
                 "are simulated."]  # fmt: skip
        if notes:
            parts.append("US actions: " + "; ".join(notes) + ".")
        parts.append("A model experiment, not a forecast.")
        footnote_text(foot, parts)
    return fig


def _action_strip(axes, res) -> list[str]:
    """Dotted lines at the forced US actions and their numbers in a strip above the top panel,
    staggered on three levels so that close numbers do not overlap. Returns the notes."""
    us = res.forcing.us
    notes: list[str] = []
    if us is None:
        return notes
    last: list[pd.Timestamp | None] = [None, None, None]
    span = (res.setting.end - res.setting.start).days + 1
    gap = pd.Timedelta(days=max(3, span // 45))
    for t in np.nonzero(us)[0]:
        day = pd.Timestamp(res.setting.start) + pd.Timedelta(days=int(t))
        for ax in axes:
            ax.axvline(day, color="#333333", ls=":", lw=0.9, zorder=0)
        k = len(notes) + 1
        level = next((i for i, d in enumerate(last) if d is None or day - d > gap), k % 3)
        last[level] = day
        axes[0].annotate(str(k), (day, 1.02 + 0.09 * level), xycoords=("data", "axes fraction"),
                         ha="center", va="bottom", fontsize=7.5, annotation_clip=False,
                         bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#999999",
                               "lw": 0.5})  # fmt: skip
        what = US_ACTION_TEXT[int(us[t])]
        notes.append(f"{k} {what}, {day:%-d %b %Y}")
    return notes


def plot_replay(res, path: Path, forced: list[str]) -> list[Path]:
    """Write :func:`replay_figure` as PNG (and PDF beside it)."""
    fig = replay_figure(res, forced)
    with matplotlib.rc_context(RC):
        return _save(fig, Path(path))


def branch_figure(res, events: pd.DataFrame) -> Figure:
    """History up to the branch date (grey) and cumulative attacks and US casualties under
    each policy after it (median and 90% band of runs, common random numbers)."""
    from sim.history.replay import record_daily

    names = list(res.futures)
    colors = policy_colors([n for n in names if n != "record"])
    colors["record"] = DOC  # the colour of the record in every history figure
    h = res.history
    base = {"attacks": 0.0, "cas": 0.0}

    def cum(tr) -> dict[str, np.ndarray]:
        return {
            "attacks": np.cumsum(tr.series["attacks"], axis=0).astype(float),
            "cas": np.cumsum(tr.series["killed"] + tr.series["wounded"], axis=0).astype(float),
        }

    with matplotlib.rc_context(RC):
        fig, body, foot = _new_figure((11.0, 6.8))
        axes = body.subplots(2, 1, sharex=True)
        if h is not None:
            c = cum(h)
            for ax, key in zip(axes, ("attacks", "cas"), strict=True):
                q = np.percentile(c[key], [5, 50, 95], axis=1)
                ax.fill_between(h.dates, q[0], q[2], color="0.6", alpha=0.35, lw=0,
                                label="history, simulated with the record's actions: 90% of "
                                "runs")  # fmt: skip
                ax.plot(h.dates, q[1], color="0.35", lw=1.2)
                base[key] = c[key][-1]
            rec = record_daily(events, h.start, h.days)
            axes[0].step(rec.index, rec["attacks"].cumsum(), where="post", color=DOC, lw=1.2,
                         label="documented attacks (a lower bound)")  # fmt: skip
        styles = ["-", (0, (5, 2)), (0, (1, 1.2)), (0, (6, 2, 1, 2))]
        for i, (name, tr) in enumerate(res.futures.items()):
            c = cum(tr)
            for ax, key in zip(axes, ("attacks", "cas"), strict=True):
                q = np.percentile(base[key] + c[key], [5, 50, 95], axis=1)
                ax.fill_between(tr.dates, q[0], q[2], color=colors[name], alpha=0.12, lw=0)
                ax.plot(tr.dates, q[1], color=colors[name], lw=1.8, ls=styles[i % 4],
                        label=_branch_label(name))  # fmt: skip
        for ax in axes:
            ax.axvline(pd.Timestamp(res.at), color="#333333", lw=1)
            ax.grid(axis="y", **GRID)
            ax.set_ylim(bottom=0)
        axes[0].annotate(f" branch: {res.at:%-d %b %Y}", (pd.Timestamp(res.at), 1.0),
                         xycoords=("data", "axes fraction"), va="bottom", ha="left",
                         fontsize=8, annotation_clip=False)  # fmt: skip
        axes[0].set_ylabel("Militia attacks,\nrunning total")
        axes[1].set_ylabel("Americans killed + wounded,\nrunning total")
        _date_axis(axes[1])
        handles, labels = axes[0].get_legend_handles_labels()
        body.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
        n = next(iter(res.futures.values())).params.n
        body.suptitle(f"What if: branches from {res.at:%-d %B %Y} under each US policy",
                      x=0.01, ha="left")  # fmt: skip
        footnote_text(foot, [
            f"Lines: median run; bands: 90% of runs. {n:,} runs per policy, the same random "
            f"draws for every policy (common random numbers). “{RECORD_LABEL}” keeps the "
            "record's US actions after the branch date. A model experiment, not a forecast."
        ])  # fmt: skip
    return fig


def plot_branch(res, events: pd.DataFrame, path: Path) -> list[Path]:
    """Write :func:`branch_figure` as PNG (and PDF beside it)."""
    fig = branch_figure(res, events)
    with matplotlib.rc_context(RC):
        return _save(fig, Path(path))


__all__ = ["branch_figure", "plot_branch", "plot_replay", "replay_figure"]
