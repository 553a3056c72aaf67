"""The interactive dashboard: one run of the Mesa model, day by day, in Mesa's SolaraViz.

Start it with ``escalation dashboard`` (or ``solara run sim/dashboard/app.py``). In the sidebar a
student
picks a scenario and a US policy, sets the seed and the main parameters, and presses Reset to
build a run with them; Step and ▶ advance it one day at a time. The page shows

1. the escalation ladder: the highest rung reached each day (:data:`sim.core.ladder.RUNG_LABELS`);
2. militia attacks per day and cumulative US killed and wounded;
3. each actor's state: Iran's grievance and push, Iraqi pressure, US air defence, and each
   militia group's grievance and fear;
4. the day's date and what happened, in words;
5. a Monte Carlo panel that runs the ensemble engine (:func:`sim.engines.ensemble.run_ensemble`)
1,000
   times with the same settings and shows the distribution of attacks, US killed and the highest
   rung.

Both engines call the same rulebook (:mod:`sim.core.rules`); nothing here changes a rule. Parameters
follow the reproducibility contract of :mod:`sim.experiments.sampling`: the seed gives chunk 0's
generators,
the table's defaults (or a posterior draw, once the calibration ships one) fill the parameters
that no slider sets, then the scenario's values, then the sliders' (the sliders win).

The model is built per browser session (:func:`Page`), so two students on one server do not
share a run.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.core.ladder import (
    RUNG_LABELS,
    SEV_HARASSMENT,
    SEV_INJURY,
    US_DECAPITATION,
    US_PRESS_BAGHDAD,
    US_STRIKE_IRAN,
    US_STRIKE_IRAQ,
    US_STRIKE_SYRIA,
)
from sim.core.params import GROUP_LABELS, GROUPS, TABLE
from sim.core.policies import REGISTRY, Policy, get_policy
from sim.engines.ensemble import Result, run_ensemble
from sim.engines.mesa.model import DEFAULT_SCENARIO, EscalationModel
from sim.experiments.sampling import build_params, chunk_rngs, posterior_draws
from sim.inputs.packaged import scenario_dir
from sim.inputs.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

#: Where the scenario files live: the shipped ``sim/scenarios`` (:mod:`sim.inputs.packaged`).
SCENARIO_DIR = scenario_dir()
#: The built-in one-year scenario from 1 October 2019
#: (:data:`sim.engines.mesa.model.DEFAULT_SCENARIO`).
DEFAULT_CHOICE = "default"
#: The first entry of the policy menu: run the policy the scenario file names.
SCENARIO_POLICY = "As in the scenario file"
DEFAULT_SEED = 42
#: Size of the Monte Carlo ensemble behind the button.
MC_RUNS = 1000

#: Slider keyword → parameter table name. Keywords are Python names because SolaraViz passes
#: them to the model's constructor; ranges and units come from :data:`sim.core.params.TABLE`.
SLIDERS: dict[str, tuple[str, str]] = {
    "kh_base_rate": ("base_rate.kataib_hezbollah", "Kata'ib Hezbollah background rate"),
    "self_excitation": ("self_excitation", "Self-excitation"),
    "revenge_attacks": ("revenge_attacks", "Revenge after a US strike"),
    "deterrence_strength": ("deterrence_strength", "Deterrence of a US strike"),
    "iran_direction": ("iran_direction", "Iranian direction of its partners"),
    "p_lethal": ("p_lethal", "Lethality of an undefended attack"),
    "response_delay": ("response_delay", "US response delay"),
    "sovereignty_cost_iraq": ("sovereignty_cost_iraq", "Iraqi cost of a US strike in Iraq"),
}

# Okabe–Ito colours (colour-blind safe).
GREY, ORANGE, SKY, GREEN, BLUE, VERMILLION, PURPLE = (
    "#777777",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
)
GROUP_STYLE: dict[str, tuple[str, str]] = {
    "kataib_hezbollah": (VERMILLION, "-"),
    "harakat_nujaba": (ORANGE, "--"),
    "asaib_ahl_al_haq": (BLUE, "-."),
    "front_groups": (GREEN, ":"),
}
FONT = 8


# --------------------------------------------------------------------------------------------
# Choices in the sidebar
# --------------------------------------------------------------------------------------------
def scenario_choices() -> list[str]:
    """``"default"`` and the stem of every ``scenarios/*.yaml`` beside the package."""
    files = sorted(SCENARIO_DIR.glob("*.yaml")) if SCENARIO_DIR.is_dir() else []
    return [DEFAULT_CHOICE, *(f.stem for f in files)]


def policy_choices() -> dict[str, str]:
    """Menu label → registered policy name; the first entry ("" name) keeps the scenario's."""
    out = {SCENARIO_POLICY: ""}
    out.update({cls.label or name: name for name, cls in REGISTRY.items()})
    return out


def initial_choice() -> str:
    """The scenario selected when the page opens: the baseline if it is there."""
    return "baseline" if "baseline" in scenario_choices() else DEFAULT_CHOICE


def load_choice(choice: str) -> Scenario:
    """The scenario behind a menu entry (raises :class:`ScenarioError` for a bad file)."""
    if choice == DEFAULT_CHOICE:
        return scenario_from_dict(DEFAULT_SCENARIO)
    path = SCENARIO_DIR / f"{choice}.yaml"
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    return load_scenario(path)


def _slider_step(low: float, high: float) -> float:
    """A round step of about 1/100 of the range."""
    raw = (high - low) / 100
    return float(10 ** np.floor(np.log10(raw))) if raw > 0 else 0.01


def model_params() -> dict[str, dict]:
    """SolaraViz's ``model_params``: the inputs of the sidebar's "Model Parameters" card."""
    params: dict[str, dict] = {
        "scenario_name": {
            "type": "Select",
            "value": initial_choice(),
            "values": scenario_choices(),
            "label": "Scenario (scenarios/*.yaml)",
        },
        "policy_label": {
            "type": "Select",
            "value": SCENARIO_POLICY,
            "values": list(policy_choices()),
            "label": "US response policy",
        },
        "seed": {"type": "InputText", "value": str(DEFAULT_SEED), "label": "Seed (whole number)"},
    }
    for kw, (name, title) in SLIDERS.items():
        p = TABLE[name]
        params[kw] = {
            "type": "SliderFloat",
            "value": p.default,
            "min": p.low,
            "max": p.high,
            "step": _slider_step(p.low, p.high),
            "label": f"{title} [{p.unit}]",
        }
    return params


# --------------------------------------------------------------------------------------------
# The model of one session
# --------------------------------------------------------------------------------------------
@dataclass
class Settings:
    """Everything that defines a run besides the day: shared by the run and the Monte Carlo."""

    scenario_name: str
    scenario: Scenario
    policy: Policy
    seed: int
    overrides: dict[str, float]
    #: problems with the inputs, shown on the page (a bad seed, a scenario that did not load)
    warnings: list[str] = field(default_factory=list)

    def key(self) -> tuple:
        """Identity of the settings (the Monte Carlo panel marks results of other settings)."""
        return (
            self.scenario_name,
            self.policy.name,
            self.seed,
            tuple(sorted(self.overrides.items())),
        )


def make_settings(
    scenario_name: str = DEFAULT_CHOICE,
    policy_label: str = SCENARIO_POLICY,
    seed: str | int = DEFAULT_SEED,
    overrides: dict[str, float] | None = None,
) -> Settings:
    """Turn the sidebar's values into :class:`Settings`, never raising on bad input.

    A seed that is not a whole number ≥ 0, a scenario file that does not load, or an unknown
    policy fall back to the default and leave a warning for the page.
    """
    warnings: list[str] = []
    try:
        scenario = load_choice(scenario_name)
    except ScenarioError as exc:
        warnings.append(f"Scenario not loaded, using the default one instead: {exc}")
        scenario_name, scenario = DEFAULT_CHOICE, load_choice(DEFAULT_CHOICE)
    name = policy_choices().get(policy_label, policy_label) or scenario.policy
    try:
        policy = get_policy(name)
    except ValueError as exc:
        warnings.append(f"{exc}; using the scenario's policy instead")
        policy = get_policy(scenario.policy)
    try:
        seed_value = int(str(seed).strip())
        if seed_value < 0:
            raise ValueError
    except ValueError:
        warnings.append(f"Seed '{seed}' is not a whole number ≥ 0; using {DEFAULT_SEED}.")
        seed_value = DEFAULT_SEED
    return Settings(scenario_name, scenario, policy, seed_value, dict(overrides or {}), warnings)


def _default(kw: str) -> float:
    return TABLE[SLIDERS[kw][0]].default


class DashboardModel(EscalationModel):
    """The Mesa model with the sidebar's inputs as keyword arguments, and a diary of events.

    SolaraViz rebuilds the model with these keywords when Reset is pressed. The rules are those
    of :class:`sim.engines.mesa.model.EscalationModel`; this class only translates the inputs
    (scenario menu
    entry, policy label, seed text, slider values) and writes down each day's events in words.
    """

    def __init__(
        self,
        scenario_name: str = DEFAULT_CHOICE,
        policy_label: str = SCENARIO_POLICY,
        seed: str | int = DEFAULT_SEED,
        kh_base_rate: float = _default("kh_base_rate"),
        self_excitation: float = _default("self_excitation"),
        revenge_attacks: float = _default("revenge_attacks"),
        deterrence_strength: float = _default("deterrence_strength"),
        iran_direction: float = _default("iran_direction"),
        p_lethal: float = _default("p_lethal"),
        response_delay: float = _default("response_delay"),
        sovereignty_cost_iraq: float = _default("sovereignty_cost_iraq"),
    ) -> None:
        given = {
            "kh_base_rate": kh_base_rate,
            "self_excitation": self_excitation,
            "revenge_attacks": revenge_attacks,
            "deterrence_strength": deterrence_strength,
            "iran_direction": iran_direction,
            "p_lethal": p_lethal,
            "response_delay": response_delay,
            "sovereignty_cost_iraq": sovereignty_cost_iraq,
        }
        overrides = {SLIDERS[kw][0]: float(v) for kw, v in given.items()}
        settings = make_settings(scenario_name, policy_label, seed, overrides)
        draws_rng, params_rng = chunk_rngs(settings.seed, 0)
        params = build_params(settings.scenario, 1, params_rng, overrides=settings.overrides)
        super().__init__(settings.scenario, settings.policy, params, rng=draws_rng)
        self.settings = settings
        #: (date, sentence) for every day on which something happened, oldest first
        self.diary: list[tuple[dt.date, str]] = []

    @property
    def current_date(self) -> dt.date | None:
        """Date of the last simulated day (None before the first step)."""
        return self.config.start + dt.timedelta(days=self.t - 1) if self.t else None

    def step(self) -> None:
        """One day of :meth:`EscalationModel.step`, then a line in the diary."""
        if self.t >= self.config.days:
            super().step()
            return
        before = (bool(self.iraq.voted[0]), bool(self.us.withdrawn[0]), bool(self.us.war[0]))
        super().step()
        after = (bool(self.iraq.voted[0]), bool(self.us.withdrawn[0]), bool(self.us.war[0]))
        text = describe_day(self, before, after)
        if text:
            self.diary.append((self.current_date, text))


# --------------------------------------------------------------------------------------------
# The day in words
# --------------------------------------------------------------------------------------------
def _people(n: int, word: str) -> str:
    return f"{n} {word}"


def describe_day(
    model: EscalationModel, before: tuple[bool, bool, bool], after: tuple[bool, bool, bool]
) -> str:
    """What happened on the model's last day, as one sentence ("" for a quiet day).

    ``before``/``after`` are (expulsion voted, US withdrawn, war) around the day.
    """
    day = model.today
    parts: list[str] = []
    for g, name in enumerate(GROUPS):
        sev = int(day.severity[0, g])
        if sev == 0:
            continue
        who = GROUP_LABELS[name]
        claim = "" if bool(day.named[0, g]) else " (unattributed)"
        if sev == SEV_HARASSMENT:
            what = "no casualties"
        elif sev == SEV_INJURY:
            what = _people(int(day.wounded[0, g]), "wounded")
        else:
            k, w = int(day.killed[0, g]), int(day.wounded[0, g])
            what = _people(k, "killed") + (f", {w} wounded" if w else "")
        parts.append(f"{who} attack{claim}, {what}")
    if bool(day.iran_struck[0]):
        k, w = int(day.iran_killed[0]), int(day.iran_wounded[0])
        parts.append(f"Iranian missile strike on US forces, {k} killed, {w} wounded")
    action = int(day.us_action[0])
    target = GROUP_LABELS[GROUPS[int(day.target[0])]]
    us_text = {
        US_STRIKE_SYRIA: f"US strike in Syria on {target}",
        US_STRIKE_IRAQ: f"US strike inside Iraq on {target}",
        US_DECAPITATION: f"US decapitation strike on the leaders of {target}",
        US_STRIKE_IRAN: "US strike on Iranian forces",
        US_PRESS_BAGHDAD: "US presses Baghdad to prosecute the attackers",
    }
    if action in us_text:
        parts.append(us_text[action])
    if bool(day.prosecuted[0]):
        parts.append("Baghdad charges militia members")
    if bool(day.protested[0]):
        parts.append("protests and threats against the US presence")
    labels = (
        "the Iraqi parliament votes to expel US forces",
        "US forces withdraw from Iraq",
        "sustained US–Iran war begins",
    )
    parts += [lab for b, a, lab in zip(before, after, labels, strict=True) if a and not b]
    return "; ".join(parts)


def status_html(model: DashboardModel, recent: int = 8) -> str:
    """The text panel, as HTML: settings, the day's date and events, totals, latest events and
    the values of the sliders' parameters in this run."""
    s, sc = model.settings, model.config
    e = html.escape
    policy = s.policy.label or s.policy.name
    parts = [
        f"<p><b>{e(sc.name)}</b> ({sc.start:%d %b %Y} – {sc.end:%d %b %Y}) under "
        f"<b>{e(policy)}</b>, seed {s.seed}.</p>"
    ]
    parts += [f"<p style='color:#b00020'>⚠ {e(w)}</p>" for w in s.warnings]
    date = model.current_date
    if date is None:
        parts.append(
            "<h3>Day 0: nothing simulated yet</h3><p>Press <b>Step</b> for one day or "
            "<b>▶</b> to play. Changed a setting in the sidebar? Press <b>Reset</b> to apply "
            "it.</p>"
        )
    else:
        today = model.diary[-1][1] if model.diary and model.diary[-1][0] == date else "quiet"
        parts.append(
            f"<h3>Day {model.t} of {sc.days}: {date:%a %d %b %Y}</h3>"
            f"<p>{e(today[0].upper() + today[1:])}.</p>"
        )
    o = model.tally.out
    rung = int(o["max_rung"][0])
    parts.append(
        f"<p><b>So far:</b> {int(o['attacks_total'][0])} militia attacks, "
        f"{int(o['us_killed'][0])} US killed, {int(o['us_wounded'][0])} wounded, "
        f"{int(o['us_strikes'][0])} US strikes; highest rung {rung} ({e(RUNG_LABELS[rung])}). "
        f"Iraqi vote to expel US forces: {'yes' if model.iraq.voted[0] else 'no'}; "
        f"US withdrawn: {'yes' if model.us.withdrawn[0] else 'no'}.</p>"
    )
    if model.diary:
        items = "".join(
            f"<li>{d:%Y-%m-%d}: {e(text)}</li>" for d, text in reversed(model.diary[-recent:])
        )
        parts.append(f"<p><b>Latest events</b></p><ul>{items}</ul>")
    rows = "".join(
        f"<li>{e(title)}: {model.p.flat[name][0]:g} {e(TABLE[name].unit)}</li>"
        for name, title in SLIDERS.values()
    )
    others = (
        "one draw from the calibrated posterior (sim/data/posterior.csv)"
        if sc.posterior and posterior_draws() is not None
        else "the parameter table's defaults"
    )
    parts.append(
        f"<p><b>This run's slider parameters</b> (press Reset after moving a slider)</p>"
        f"<ul>{rows}</ul><p style='color:#555'>Other parameters: {others}, then the "
        "scenario's values. One run is one draw of chance: the Monte Carlo panel shows the "
        "spread. The model explores assumptions; it is not a forecast.</p>"
    )
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Figures (pure functions of the model, testable without a browser)
# --------------------------------------------------------------------------------------------
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
    fig = _figure(5.6, 3.4)
    fig.subplots_adjust(left=0.3, right=0.98, top=0.9, bottom=0.14)
    ax = fig.add_subplot()
    (line,) = ax.plot([], [], drawstyle="steps-mid", color=GREY, linewidth=0.8)
    dots = [
        ax.scatter([], [], s=14, color=colour, label=label, zorder=3)
        for _, colour, label in _LADDER_KINDS
    ]
    ax.legend(fontsize=FONT - 1, loc="upper left", frameon=False, ncol=4, handletextpad=0.1)
    ax.set_yticks(range(10), [f"{r} {RUNG_LABELS[r]}" for r in range(10)])
    ax.set_ylim(-0.4, 10.2)
    _day_axis(ax, model)
    _style(ax)
    ax.set_title("Escalation ladder: highest rung each day", fontsize=FONT + 2, loc="left")
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
    fig = _figure(5.6, 3.4)
    fig.subplots_adjust(left=0.13, right=0.98, top=0.9, bottom=0.14, hspace=0.25)
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
    live["bottom"].set_ylim(0, max(5, int(wounded.max())) * 1.1)
    return live["fig"]


def _actors_setup(model: EscalationModel) -> dict:
    fig = _figure(5.6, 3.9)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.93, bottom=0.2, hspace=0.35, wspace=0.22)
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
    griev.set_title("Militia grievance (revenge attacks/day)", fontsize=FONT + 1, loc="left")
    fear.set_title("Militia fear (log-hazard)", fontsize=FONT + 1, loc="left")
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

    Parameters the sliders set are fixed in every run; the others come from the table's
    defaults, or from the calibrated posterior once one is shipped (:func:`build_params`).
    """
    draws_rng, params_rng = chunk_rngs(settings.seed, 0)
    params = build_params(settings.scenario, n, params_rng, overrides=settings.overrides)
    return run_ensemble(settings.scenario, settings.policy, params, draws_rng, keep_daily=False)


def monte_carlo_figure(result: Result) -> Figure:
    """Histograms of attacks and US killed per run, and the share of runs by highest rung."""
    out = result.outcomes
    n = len(out["attacks_total"])
    fig = _figure(5.6, 3.3)
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


# --------------------------------------------------------------------------------------------
# Page components
# --------------------------------------------------------------------------------------------
def _figure_component(make: Callable[[EscalationModel], Figure]) -> Callable:
    """A SolaraViz component that redraws ``make(model)`` after every step."""

    def component(model: EscalationModel):
        update_counter.get()
        fig = make(model)
        return solara.FigureMatplotlib(
            fig, format="png", dependencies=[id(model), model.steps, update_counter.value]
        )

    component.__name__ = make.__name__.replace("_figure", "").title() + "Plot"
    return component


LadderPlot = _figure_component(ladder_figure)
AttacksPlot = _figure_component(attacks_figure)
ActorsPlot = _figure_component(actors_figure)


def StatusText(model: DashboardModel):
    """The day's date and what happened (re-rendered after every step)."""
    update_counter.get()
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=status_html(model),
        style="font-size: 13px; line-height: 1.35; padding: 4px 8px; height: 380px; "
        "overflow-y: auto",
    )


@solara.component
def MonteCarloPanel(model: DashboardModel):
    """A button that runs :data:`MC_RUNS` ensemble runs with the settings of the current run."""
    result, set_result = solara.use_state(None)  # (settings key, Result, seconds, Settings)

    def run(settings: Settings) -> None:
        t0 = time.perf_counter()
        res = monte_carlo(settings)
        set_result((settings.key(), res, time.perf_counter() - t0, settings))

    task = solara.lab.use_task(run, dependencies=None)
    with solara.Column(style={"padding": "4px 8px", "height": "380px", "overflow-y": "auto"}):
        solara.Button(
            f"Run {MC_RUNS:,} runs with these settings",
            color="primary",
            on_click=lambda: task(model.settings),
            disabled=task.pending,
        )
        if task.pending:
            solara.Text("Running the ensemble engine …")
            solara.ProgressLinear(True)
        if task.error:
            solara.Error(f"The Monte Carlo run failed: {task.exception}")
        if result is None:
            if not task.pending:
                solara.Text(
                    f"Runs the ensemble engine {MC_RUNS:,} times with the current scenario, "
                    "policy, seed and sliders (press Reset first if you changed them) and shows "
                    "how the outcomes spread: one run is one draw of chance."
                )
            return
        key, res, seconds, settings = result
        out = res.outcomes
        p_death = 100 * float(np.mean(out["us_killed"] > 0))
        text = (
            f"Monte Carlo: {len(out['attacks_total']):,} runs of {settings.scenario.name} under "
            f"{settings.policy.label or settings.policy.name}, seed {settings.seed} "
            f"({seconds:.1f} s). At least one US death in {p_death:.0f}% of runs."
        )
        solara.Text(text)
        if key != model.settings.key():
            solara.Warning("The settings have changed since: press the button again.")
        solara.FigureMatplotlib(monte_carlo_figure(res), format="png", dependencies=[key, id(res)])


COMPONENTS = [LadderPlot, AttacksPlot, StatusText, ActorsPlot, MonteCarloPanel]
TITLE = "Escalation in Iraq: the US, Iran, the militias and Baghdad, one run day by day"

# Mesa's sliders put a long label beside the track and squeeze it; put labels above instead.
SIDEBAR_CSS = """
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slider .v-input__slot > .v-label {
    flex-basis: 100%; max-width: 100%; white-space: normal; height: auto; line-height: 1.25;
    font-size: 13px; margin-bottom: 2px;
}
"""


@solara.component
def Page():
    """The dashboard; the model is built once per browser session, rebuilt by Reset."""
    params = model_params()
    initial = {k: v["value"] for k, v in params.items()}
    model = solara.use_memo(lambda: DashboardModel(**initial), [])
    solara.Style(SIDEBAR_CSS)
    SolaraViz(model, components=COMPONENTS, model_params=params, name=TITLE, play_interval=150)
