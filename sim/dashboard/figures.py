"""The dashboard's figures: pure functions of the model, testable without a browser.

Each figure is drawn once per session and then updated in place (:func:`_live`): redrawing from
scratch after every step costs about twice as much. Colours are the Okabe & Ito palette of
:mod:`sim.figures.style`; fonts are sized for a screen at arm's length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.core.ladder import RUNG_LABELS
from sim.core.params import GROUP_LABELS
from sim.dashboard.model import MC_RUNS, Settings
from sim.engines.ensemble import Result, run_ensemble
from sim.engines.mesa.model import EscalationModel
from sim.experiments.sampling import chunk_rngs, dashboard_params
from sim.figures.style import OKABE_ITO

GREY, ORANGE, GREEN, BLUE, VERMILLION, PURPLE = (
    OKABE_ITO[k] for k in ("grey", "orange", "green", "blue", "vermillion", "purple")
)
GROUP_STYLE: dict[str, tuple[str, str]] = {
    "kataib_hezbollah": (VERMILLION, "-"),
    "harakat_nujaba": (ORANGE, "--"),
    "asaib_ahl_al_haq": (BLUE, "-."),
    "front_groups": (GREEN, ":"),
}
#: Base font size of the dashboard's figures (points).
FONT = 10


def _month_ticks(start: dt.date, days: int, max_ticks: int = 7) -> tuple[list[int], list[str]]:
    """Day numbers of month starts within the period, and their labels ("Jan 2021", "Feb").

    Fixed ticks instead of matplotlib's date locators: a redraw after each step stays cheap.
    """
    firsts = []
    y, m = start.year, start.month
    end = start + dt.timedelta(days=days)
    while True:
        first = dt.date(y, m, 1)
        if first > end:
            break
        if first >= start:
            firsts.append(first)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    every = max(1, -(-len(firsts) // max_ticks))
    firsts = firsts[::every]
    ticks = [(d - start).days + 1 for d in firsts]
    labels = [
        f"{d:%b}\n{d:%Y}" if i == 0 or d.month <= every else f"{d:%b}" for i, d in enumerate(firsts)
    ]
    return ticks, labels


def _day_axis(ax, model: EscalationModel, labels: bool = True) -> None:
    """x axis: day of the scenario (day 1 = its start date), labelled with months."""
    ticks, names = _month_ticks(model.config.start, model.config.days)
    ax.set_xticks(ticks, names if labels else [])
    ax.set_xlim(0, model.config.days + 0.5)


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=100)


def _style(ax) -> None:
    ax.tick_params(labelsize=FONT)
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.spines[["top", "right"]].set_visible(False)


def _series(model: EscalationModel) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Day numbers 0..t and the model reporters as arrays (row 0 = the start state)."""
    df = model.datacollector.get_model_vars_dataframe()
    return np.arange(len(df)), {c: df[c].to_numpy() for c in df.columns}


def _live(model: EscalationModel, name: str, setup: Callable[[EscalationModel], dict]) -> dict:
    """The model's figure ``name`` with its artists, drawn once by ``setup`` and then updated.

    Redrawing a figure from scratch after every step costs about twice as much (new axes,
    new tick objects); on a busy machine that makes Play crawl.
    """
    figures = model.__dict__.setdefault("_dashboard_figures", {})
    if name not in figures:
        figures[name] = setup(model)
    return figures[name]


def _segments(x: np.ndarray, heights: np.ndarray) -> list[np.ndarray]:
    hit = heights > 0
    return [np.array([[d, 0.0], [d, h]]) for d, h in zip(x[hit], heights[hit], strict=True)]


_LADDER_KINDS = (
    ((1, 1), GREY, "protests"),
    ((2, 4), ORANGE, "militia attack"),
    ((5, 7), BLUE, "US strike"),
    ((8, 9), VERMILLION, "direct US–Iran"),
)


def _ladder_setup(model: EscalationModel) -> dict:
    fig = _figure(6.4, 4.0)
    fig.subplots_adjust(left=0.33, right=0.98, top=0.8, bottom=0.12)
    ax = fig.add_subplot()
    (line,) = ax.plot([], [], drawstyle="steps-mid", color=GREY, linewidth=0.8)
    dots = [
        ax.scatter([], [], s=14, color=colour, label=label, zorder=3)
        for _, colour, label in _LADDER_KINDS
    ]
    ax.legend(fontsize=FONT - 1, loc="lower left", bbox_to_anchor=(-0.5, 1.0), frameon=False,
              ncol=4, handletextpad=0.1, columnspacing=0.8, borderaxespad=0.2)  # fmt: skip
    ax.set_yticks(range(10), [f"{r} {RUNG_LABELS[r]}" for r in range(10)])
    ax.set_ylim(-0.4, 10.2)
    _day_axis(ax, model)
    _style(ax)
    fig.suptitle("Escalation ladder: highest rung each day", fontsize=FONT + 2, x=0.02,
                 ha="left", y=0.98)  # fmt: skip
    return {"fig": fig, "line": line, "dots": dots}


def ladder_figure(model: EscalationModel) -> Figure:
    """The escalation ladder: the highest rung reached on each day so far."""
    live = _live(model, "ladder", _ladder_setup)
    days, v = _series(model)
    x, rung = days[1:], v["rung"][1:]
    live["line"].set_data(x, rung)
    for dots, ((lo, hi), _, _) in zip(live["dots"], _LADDER_KINDS, strict=True):
        mask = (rung >= lo) & (rung <= hi)
        dots.set_offsets(np.column_stack([x[mask], rung[mask]]))
    return live["fig"]


def _attacks_setup(model: EscalationModel) -> dict:
    fig = _figure(6.4, 4.0)
    fig.subplots_adjust(left=0.15, right=0.98, top=0.9, bottom=0.12, hspace=0.3)
    top, bottom = fig.subplots(2, 1)
    bars = top.vlines([], [], [], color=ORANGE, linewidth=2)
    top.set_ylabel("attacks\nper day", fontsize=FONT)
    top.yaxis.set_major_locator(MaxNLocator(3, integer=True))
    title = top.set_title("", fontsize=FONT + 2, loc="left")
    (wounded,) = bottom.plot(
        [], [], drawstyle="steps-post", color=BLUE, linestyle="--", label="wounded"
    )
    (killed,) = bottom.plot([], [], drawstyle="steps-post", color=VERMILLION, label="killed")
    bottom.set_ylabel("US personnel,\ncumulative", fontsize=FONT)
    bottom.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    bottom.legend(fontsize=FONT - 1, loc="lower right", bbox_to_anchor=(1.0, 0.97), ncol=2,
                  frameon=False, borderaxespad=0)  # fmt: skip
    for ax in (top, bottom):
        _style(ax)
    _day_axis(top, model, labels=False)
    _day_axis(bottom, model)
    return {"fig": fig, "top": top, "bottom": bottom, "bars": bars, "title": title,
            "killed": killed, "wounded": wounded}  # fmt: skip


def attacks_figure(model: EscalationModel) -> Figure:
    """Militia attacks per day (top) and cumulative US killed and wounded (bottom)."""
    live = _live(model, "attacks", _attacks_setup)
    days, v = _series(model)
    attacks = v["attacks"][1:]
    live["bars"].set_segments(_segments(days[1:], attacks))
    live["top"].set_ylim(0, max(2, int(attacks.max()) if len(attacks) else 0) + 0.5)
    live["title"].set_text(f"Militia attacks ({int(attacks.sum())} so far) and US casualties")
    killed, wounded = v["us_killed_total"], v["us_wounded_total"]
    live["killed"].set_data(days, killed)
    live["wounded"].set_data(days, wounded)
    live["bottom"].set_ylim(0, max(5, int(wounded.max()), int(killed.max())) * 1.1)
    return live["fig"]


def _actors_setup(model: EscalationModel) -> dict:
    fig = _figure(6.4, 4.8)
    fig.subplots_adjust(left=0.11, right=0.98, top=0.94, bottom=0.2, hspace=0.45, wspace=0.3)
    axes = fig.subplots(2, 2)
    (iran, iraq), (griev, fear) = axes
    lines: dict[str, object] = {}
    (lines["iran_grievance"],) = iran.plot([], [], color=VERMILLION,
                                           label="grievance (Soleimani = 1)")  # fmt: skip
    (lines["iran_push"],) = iran.plot([], [], color=PURPLE, linestyle="--",
                                      label="push (log-hazard)")  # fmt: skip
    iran.axhline(0, color="black", linewidth=0.5)
    iran.set_title("Iran", fontsize=FONT + 1, loc="left")
    (lines["iraq_pressure"],) = iraq.plot([], [], color=GREEN, label="Iraqi pressure (units)")
    iraq.axhline(float(model.p.vote_threshold[0]), color=GREEN, linestyle=":", linewidth=1,
                 label="expulsion-vote threshold")  # fmt: skip
    (lines["air_defence"],) = iraq.plot([], [], color=BLUE, linestyle="--",
                                        label="US air defence (share)")  # fmt: skip
    iraq.set_title("Iraq and the US", fontsize=FONT + 1, loc="left")
    groups = {}
    for m in model.militias:
        colour, style = GROUP_STYLE[m.group]
        label = GROUP_LABELS[m.group]
        groups[m.unique_id] = (
            griev.plot([], [], color=colour, linestyle=style, label=label)[0],
            fear.plot([], [], color=colour, linestyle=style, label=label)[0],
        )
    griev.set_title("Militia grievance", fontsize=FONT + 1, loc="left")
    fear.set_title("Militia fear", fontsize=FONT + 1, loc="left")
    griev.set_ylabel("revenge attacks/day", fontsize=FONT - 1)
    fear.set_ylabel("log-hazard", fontsize=FONT - 1)
    for ax, legend in ((iran, True), (iraq, True), (griev, False), (fear, False)):
        _style(ax)
        ax.yaxis.set_major_locator(MaxNLocator(4))
        _day_axis(ax, model, labels=not legend)
        if legend:
            ax.legend(fontsize=FONT - 1, loc="upper left", frameon=False, handlelength=1.5)
    handles, labels = griev.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=FONT - 1, frameon=False)
    return {"fig": fig, "axes": (iran, iraq, griev, fear), "lines": lines, "groups": groups}


def actors_figure(model: EscalationModel) -> Figure:
    """Each actor's state: Iran, Iraq and the US (top), the militia groups (bottom)."""
    live = _live(model, "actors", _actors_setup)
    days, v = _series(model)
    for name, line in live["lines"].items():
        line.set_data(days, v[name])
    agents = model.datacollector.get_agent_vars_dataframe()
    for uid, (griev, fear) in live["groups"].items():
        series = agents.xs(uid, level="AgentID")
        griev.set_data(days, series["grievance"].to_numpy())
        fear.set_data(days, series["fear"].to_numpy())
    # Fixed minimum heights, so that a quiet run shows flat lines at zero, not noise; room
    # above the data for the legends of the top panels.
    iran, iraq, griev, fear = live["axes"]
    threshold = float(model.p.vote_threshold[0])
    for ax, least, room in ((iran, 1.0, 1.7), (iraq, max(1.0, threshold), 2.0),
                            (griev, 0.1, 1.1), (fear, 1.0, 1.1)):  # fmt: skip
        ys = np.concatenate([np.asarray(ln.get_ydata(), dtype=float) for ln in ax.get_lines()])
        ys = ys[np.isfinite(ys)]
        low, high = (float(ys.min()), float(ys.max())) if len(ys) else (0.0, 0.0)
        ax.set_ylim(min(0.0, low * 1.1), max(least, high) * room)
    return live["fig"]


def monte_carlo(settings: Settings, n: int = MC_RUNS) -> Result:
    """``n`` runs of the ensemble engine with the dashboard's settings (chunk 0 of the seed).

    Parameters the sliders set are fixed in every run; the others are drawn as the scenario's
    runs draw them (:func:`sim.experiments.sampling.dashboard_params`).
    """
    draws_rng, params_rng = chunk_rngs(settings.seed, 0)
    params, _ = dashboard_params(settings.scenario, settings.overrides, n, params_rng)
    return run_ensemble(settings.scenario, settings.policy, params, draws_rng, keep_daily=False)


def monte_carlo_figure(result: Result) -> Figure:
    """Histograms of attacks and US killed per run, and the share of runs by highest rung."""
    out = result.outcomes
    n = len(out["attacks_total"])
    fig = _figure(6.4, 3.8)
    top = fig.add_gridspec(1, 2, left=0.1, right=0.98, top=0.92, bottom=0.62, wspace=0.3)
    a_att, a_kil = top.subplots()
    a_rung = fig.add_gridspec(1, 1, left=0.33, right=0.95, top=0.47, bottom=0.12).subplots()
    for ax, key, colour, title in (
        (a_att, "attacks_total", ORANGE, "militia attacks per run"),
        (a_kil, "us_killed", VERMILLION, "US killed per run"),
    ):
        v = out[key]
        bins = np.arange(v.min(), v.max() + 2) - 0.5 if v.max() - v.min() < 40 else 30
        ax.hist(v, bins=bins, color=colour, weights=np.full(n, 100 / n))
        ax.axvline(np.median(v), color="black", linewidth=1, linestyle="--")
        ax.set_title(f"{title} (median {np.median(v):g})", fontsize=FONT, loc="left")
        ax.set_ylabel("% of runs", fontsize=FONT)
        ax.xaxis.get_major_locator().set_params(integer=True)
        _style(ax)
    share = np.bincount(out["max_rung"].astype(int), minlength=10)[:10] * 100 / n
    a_rung.barh(range(10), share, color=BLUE)
    a_rung.set_yticks(range(10), [f"{r} {RUNG_LABELS[r]}" for r in range(10)], fontsize=FONT - 1)
    a_rung.set_xlabel("% of runs", fontsize=FONT)
    a_rung.set_title("highest rung reached", fontsize=FONT, loc="left")
    a_rung.set_xlim(0, 100)
    for r, v in enumerate(share):
        if v > 0:
            a_rung.text(v + 1, r, f"{v:.1f}%", va="center", fontsize=FONT - 2)
    _style(a_rung)
    return fig
