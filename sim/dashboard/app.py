"""The interactive dashboard: one run of the Mesa model, day by day, in a Solara page.

Start it with ``escalation dashboard``. In the sidebar a student picks a scenario and a US policy
(what it does is shown beneath, from its declaration in :mod:`sim.core.policies`), sets the seed
and, if they want, moves some of the main parameters away from the scenario's values; Reset builds a
run with them, Step advances it one day and ▶ plays it (the plots are redrawn every
:data:`RENDER_EVERY` days while it plays, so that a year plays in seconds). The page shows

1. the escalation ladder: the highest rung reached each day (:data:`sim.core.ladder.RUNG_LABELS`);
2. militia attacks per day and cumulative US killed and wounded;
3. each actor's state: Iran's grievance and push, Iraqi pressure, US air defence, and each
   militia group's grievance and fear;
4. the day's date and what happened, in words, and the run's parameters (which ones a slider
   set);
5. a Monte Carlo panel that runs the ensemble engine (:func:`sim.engines.ensemble.run_ensemble`)
   1,000 times with the same settings and shows the distribution of attacks, US killed and the
   highest rung.

Both engines call the same rulebook (:mod:`sim.core.rules`); nothing here changes a rule. The
run and its inputs live in :mod:`sim.dashboard.model`, the figures in
:mod:`sim.dashboard.figures`. The model is built per browser session (:func:`Page`), so two
students on one server do not share a run.
"""

from __future__ import annotations

import time

import numpy as np
import solara

from sim.dashboard.figures import (
    actors_figure,
    attacks_figure,
    ladder_figure,
    monte_carlo,
    monte_carlo_figure,
)
from sim.dashboard.model import (
    DEFAULT_CHOICE,
    DEFAULT_SEED,
    MC_RUNS,
    SCENARIO_DIR,
    SCENARIO_POLICY,
    SLIDERS,
    DashboardModel,
    Settings,
    describe_day,
    initial_choice,
    load_choice,
    make_settings,
    policy_choices,
    policy_text,
    scenario_choices,
    slider_specs,
    status_html,
)
from sim.inputs.scenario import ScenarioError

#: Days simulated between two redraws of the plots while playing (Step redraws every day):
#: 20 days, so that one simulated year plays in under 20 s even on a busy machine.
RENDER_EVERY = 20
#: The actors' figure (the dearest to draw) is redrawn every this many redraws while playing.
ACTORS_EVERY = 3
TITLE = "Escalation in Iraq: the US, Iran, the militias and Baghdad, one run day by day"
#: The text of the day counter (the browser test looks for it).
COUNTER = "Simulated day: "

CSS = """
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slider .v-input__slot > .v-label {
    flex-basis: 100%; max-width: 100%; white-space: normal; height: auto; line-height: 1.3;
    font-size: 14px; margin-bottom: 2px;
}
.escalation-status { font-size: 15px; line-height: 1.45; padding: 4px 8px; }
.escalation-status h3 { font-size: 18px; margin: 6px 0; }
"""

__all__ = [
    "ACTORS_EVERY",
    "COUNTER",
    "DEFAULT_CHOICE",
    "DEFAULT_SEED",
    "MC_RUNS",
    "RENDER_EVERY",
    "SCENARIO_DIR",
    "SCENARIO_POLICY",
    "SLIDERS",
    "DashboardModel",
    "Page",
    "Settings",
    "actors_figure",
    "attacks_figure",
    "describe_day",
    "ladder_figure",
    "load_choice",
    "make_settings",
    "monte_carlo",
    "monte_carlo_figure",
    "policy_choices",
    "scenario_choices",
    "status_html",
]


@solara.component
def Plot(make, model: DashboardModel, key: tuple):
    """A figure of the model, updated and turned into an image only when ``key`` changes
    (drawn under the model's lock: ▶ may be stepping it in another thread)."""

    def draw():
        with model.lock:
            return make(model)

    fig = solara.use_memo(draw, [key])
    # fast PNG compression: the images are sent once and replaced after a few days
    return solara.FigureMatplotlib(
        fig, format="png", dependencies=[key], pil_kwargs={"compress_level": 1}
    )


def _moved(overrides: solara.Reactive[dict], kw: str, value: float, spec: dict) -> None:
    """Record a slider's value as an override, unless it is only the slider snapping its
    starting value to its step (which it reports as a change when it appears)."""
    if kw not in overrides.value and abs(value - spec["start"]) <= spec["step"] / 2 + 1e-12:
        return
    overrides.set({**overrides.value, kw: value})


@solara.component
def Sliders(scenario_name: str, overrides: solara.Reactive[dict]):
    """One slider per parameter of :data:`SLIDERS`, starting at the scenario's value; a moved
    slider overrides its parameter (in bold), the button puts them all back."""
    try:
        scenario = load_choice(scenario_name)
    except ScenarioError:
        scenario = load_choice(DEFAULT_CHOICE)
    specs = slider_specs(scenario)
    moved = overrides.value
    for kw, sp in specs.items():
        value = float(moved.get(kw, sp["start"]))
        state = "set by you" if kw in moved else f"{sp['source']}"
        solara.SliderFloat(
            f"{sp['title']}: {value:.3g} {sp['unit']} ({state})",
            value=value,
            min=sp["min"],
            max=sp["max"],
            step=sp["step"],
            thumb_label=False,
            on_value=lambda v, kw=kw, sp=sp: _moved(overrides, kw, float(v), sp),
        )
    solara.Button(
        "Back to the scenario's values",
        text=True,
        disabled=not moved,
        on_click=lambda: overrides.set({}),
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
    with solara.Column(style={"padding": "4px 8px"}):
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


@solara.component
def Page():
    """The dashboard; the model is built once per browser session, rebuilt by Reset."""
    scenario_name = solara.use_reactive(initial_choice())
    policy_label = solara.use_reactive(SCENARIO_POLICY)
    seed = solara.use_reactive(str(DEFAULT_SEED))
    overrides = solara.use_reactive({})
    first = solara.use_memo(lambda: DashboardModel(scenario_name=initial_choice()), [])
    model = solara.use_reactive(first)
    frame = solara.use_reactive(0)
    playing = solara.use_reactive(False)

    def reset() -> None:
        playing.set(False)
        model.set(DashboardModel(scenario_name.value, policy_label.value, seed.value,
                                 **overrides.value))  # fmt: skip
        frame.set(frame.value + 1)

    def step() -> None:
        model.value.step()
        frame.set(frame.value + 1)

    def play_loop() -> None:
        m = model.value
        while playing.value and m.t < m.config.days:
            m.step()
            if m.t % RENDER_EVERY == 0 or m.t >= m.config.days:
                frame.set(frame.value + 1)  # redraws the page in this thread, then goes on
            time.sleep(0.001)
        if playing.value:
            playing.set(False)
        frame.set(frame.value + 1)

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    m = model.value
    done = m.t >= m.config.days
    solara.Style(CSS)
    solara.Title("Escalation dashboard")
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        with solara.Card("Run"):
            with solara.Row():
                solara.Button("Reset", color="primary", on_click=reset)
                solara.Button("❚❚" if playing.value else "▶", color="primary",
                              disabled=done and not playing.value,
                              on_click=lambda: playing.set(not playing.value))  # fmt: skip
                solara.Button("Step", color="primary", on_click=step,
                              disabled=playing.value or done)  # fmt: skip
            solara.Text(f"{COUNTER}{m.t} of {m.config.days}", style={"font-size": "16px"})
            solara.Select("Scenario (scenarios/*.yaml)", values=scenario_choices(),
                          value=scenario_name)  # fmt: skip
            solara.Select("US response policy", values=list(policy_choices()), value=policy_label)
            chosen = make_settings(scenario_name.value, policy_label.value, DEFAULT_SEED)
            # plain text: solara.Markdown would ask a CDN for its diagram library
            solara.Text(policy_text(chosen.policy), style={"font-size": "13px"})
            solara.InputText("Seed (whole number)", value=seed)
            solara.Text("Press Reset to apply a change.", style={"font-size": "13px"})
        with solara.Card("Parameters"):
            Sliders(scenario_name.value, overrides)
    every = ACTORS_EVERY if playing.value else 1
    key = (id(m), frame.value)
    with solara.Columns([1, 1]):
        with solara.Column():
            Plot(ladder_figure, m, key)
            Plot(actors_figure, m, (id(m), frame.value // every, m.t if every == 1 else 0))
        with solara.Column():
            Plot(attacks_figure, m, key)
            with m.lock:
                status = status_html(m)
            solara.HTML(tag="div", unsafe_innerHTML=status,
                        classes=["escalation-status"])  # fmt: skip
    MonteCarloPanel(m)
