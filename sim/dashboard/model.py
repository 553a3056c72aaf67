"""The dashboard's run: the sidebar's inputs, the Mesa model of one session, the day in words.

Parameters follow the reproducibility contract of :mod:`sim.experiments.sampling`: the seed
gives chunk 0's generators, and the run draws its parameters as the scenario's runs do (the
calibrated posterior where the scenario asks for it, the scenario's own values, the table's
defaults). A slider overrides its parameter only once it has been moved
(:attr:`Settings.overrides`); until then it shows the value the scenario's runs are centred
on and the run keeps its own draw. Both rules are those of :mod:`sim.experiments.sampling`
(:func:`~sim.experiments.sampling.start_values`, :func:`~sim.experiments.sampling.moved_controls`,
:func:`~sim.experiments.sampling.dashboard_params`), which the Monte Carlo panel uses too.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from dataclasses import dataclass, field

import numpy as np

from sim.core.ladder import RUNG_LABELS, SEV_HARASSMENT, SEV_INJURY, US_ACTIONS
from sim.core.params import GROUP_LABELS, GROUPS, TABLE
from sim.core.policies import REGISTRY, Policy, get_policy
from sim.engines.mesa.model import DEFAULT_SCENARIO, EscalationModel
from sim.errors import UserError
from sim.experiments.sampling import (
    chunk_rngs,
    dashboard_params,
    moved_controls,
    scenario_posterior,
    start_values,
)
from sim.inputs.packaged import scenario_dir
from sim.inputs.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

#: The shipped scenarios (package data, found from any folder).
SCENARIO_DIR = scenario_dir()
#: The built-in one-year scenario from 1 October 2019
#: (:data:`sim.engines.mesa.model.DEFAULT_SCENARIO`).
DEFAULT_CHOICE = "default"
#: The first entry of the policy menu: run the policy the scenario file names.
SCENARIO_POLICY = "As in the scenario file"
#: The seed the page starts with: the command line's default (``--seed 1``), one default seed
#: everywhere a user meets one.
DEFAULT_SEED = 1
#: Size of the Monte Carlo ensemble behind the button.
MC_RUNS = 1000

#: Slider keyword → (parameter table name, title). Ranges and units come from
#: :data:`sim.core.params.TABLE`.
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


def slider_specs(scenario: Scenario) -> dict[str, dict]:
    """For each slider: ``min``, ``max``, ``step``, ``start`` and ``source`` (where the start
    comes from, :func:`sim.experiments.sampling.start_values`), unit and title."""
    start = start_values(scenario, [name for name, _ in SLIDERS.values()])
    out = {}
    for kw, (name, title) in SLIDERS.items():
        p = TABLE[name]
        out[kw] = {"name": name, "title": title, "unit": p.unit, "min": p.low, "max": p.high,
                   "step": _slider_step(p.low, p.high), "start": start[name][0],
                   "source": start[name][1]}  # fmt: skip
    return out


def policy_text(policy: Policy) -> str:
    """What the policy does, in one sentence (its declaration, :mod:`sim.core.policies`)."""
    d = type(policy)
    if not d.trigger:
        return f"{d.label or d.name}: a user policy." + (
            f" Source: {d.source}." if d.source else ""
        )
    return f"Trigger: {d.trigger}. The US: {d.action}. Source: {d.source}."


@dataclass
class Settings:
    """Everything that defines a run besides the day: shared by the run and the Monte Carlo."""

    scenario_name: str
    scenario: Scenario
    policy: Policy
    seed: int
    #: parameter name -> value of the sliders that were moved
    #: (:func:`sim.experiments.sampling.moved_controls`)
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

    ``overrides``: parameter name -> the value of its slider (None: not moved); a value at the
    slider's starting value overrides nothing (:func:`sim.experiments.sampling.moved_controls`).
    A seed that is not a whole number ≥ 0, a scenario file (or its posterior) that does not
    load, or an unknown policy fall back to the default and leave a warning for the page.
    """
    warnings: list[str] = []
    try:
        scenario = load_choice(scenario_name)
        moved = moved_controls(scenario, overrides or {})
    except UserError as exc:  # ScenarioError, PosteriorError
        warnings.append(f"Scenario not loaded, using the default one instead: {exc}")
        scenario_name, scenario = DEFAULT_CHOICE, load_choice(DEFAULT_CHOICE)
        moved = moved_controls(scenario, overrides or {})
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
    return Settings(scenario_name, scenario, policy, seed_value, moved, warnings)


class DashboardModel(EscalationModel):
    """The Mesa model with the sidebar's inputs as keyword arguments, and a diary of events.

    The rules are those of :class:`sim.engines.mesa.model.EscalationModel`; this class only
    translates the inputs (scenario menu entry, policy label, seed text, the values of the
    sliders that were moved: None for the others) and writes down each day's events in words.
    """

    def __init__(
        self,
        scenario_name: str = DEFAULT_CHOICE,
        policy_label: str = SCENARIO_POLICY,
        seed: str | int = DEFAULT_SEED,
        kh_base_rate: float | None = None,
        self_excitation: float | None = None,
        revenge_attacks: float | None = None,
        deterrence_strength: float | None = None,
        iran_direction: float | None = None,
        p_lethal: float | None = None,
        response_delay: float | None = None,
        sovereignty_cost_iraq: float | None = None,
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
        controls = {SLIDERS[kw][0]: v for kw, v in given.items()}
        settings = make_settings(scenario_name, policy_label, seed, controls)
        draws_rng, params_rng = chunk_rngs(settings.seed, 0)
        params, _ = dashboard_params(settings.scenario, settings.overrides, 1, params_rng)
        super().__init__(settings.scenario, settings.policy, params, rng=draws_rng)
        self.settings = settings
        #: (date, sentence) for every day on which something happened, oldest first
        self.diary: list[tuple[dt.date, str]] = []
        #: held by :meth:`step` and by whoever reads the run to draw it: the page may redraw in
        #: one thread while ▶ steps the run in another, and must not see half a day
        self.lock = threading.RLock()

    @property
    def current_date(self) -> dt.date | None:
        """Date of the last simulated day (None before the first step)."""
        return self.config.start + dt.timedelta(days=self.t - 1) if self.t else None

    def step(self) -> None:
        """One day of :meth:`EscalationModel.step`, then a line in the diary (under
        :attr:`lock`)."""
        with self.lock:
            if self.t >= self.config.days:
                super().step()
                return
            us, iraq = self.us, self.iraq
            before = (bool(iraq.voted[0]), bool(us.withdrawn[0]), bool(us.war[0]))
            super().step()
            after = (bool(iraq.voted[0]), bool(us.withdrawn[0]), bool(us.war[0]))
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
        claim = "" if day.confidence[0, g] > 0 else " (unattributed)"
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
    diary = US_ACTIONS[int(day.action[0])].diary  # "" for none and the daily talks
    if diary:
        parts.append(diary.format(target=GROUP_LABELS[GROUPS[int(day.target[0])]]))
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
        f"<b>{e(policy)}</b>, seed {s.seed}.</p>",
        f"<p style='color:#444'>{e(policy_text(s.policy))}</p>",
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
        f"{int(o['us_strikes'][0])} US strikes, {int(o['militia_killed'][0])} militia members "
        f"killed by them; {int(o['coalition_killed'][0])} coalition members or contractors "
        f"killed; highest rung {rung} ({e(RUNG_LABELS[rung])}). "
        f"Iraqi vote to expel US forces: {'yes' if model.iraq.voted[0] else 'no'}; "
        f"US withdrawn: {'yes' if model.us.withdrawn[0] else 'no'}.</p>"
    )
    if model.diary:
        items = "".join(
            f"<li>{d:%Y-%m-%d}: {e(text)}</li>" for d, text in reversed(model.diary[-recent:])
        )
        parts.append(f"<p><b>Latest events</b></p><ul>{items}</ul>")
    rows = []
    for name, title in SLIDERS.values():
        value = f"{model.p.flat[name][0]:.3g} {e(TABLE[name].unit)}"
        if name in s.overrides:
            rows.append(f"<li><b>{e(title)}: {value}</b> (set by its slider)</li>")
        else:
            rows.append(f"<li>{e(title)}: {value}</li>")
    moved = len([n for n, _ in SLIDERS.values() if n in s.overrides])
    others = (
        "drawn once from the calibrated posterior"
        if scenario_posterior(sc) is not None
        else "the parameter table's defaults"
    )
    parts.append(
        f"<p><b>This run's parameters</b> ({moved} of {len(SLIDERS)} set by a slider; a "
        "slider counts once it is moved, then Reset applies it)</p>"
        f"<ul>{''.join(rows)}</ul><p style='color:#555'>The others: {others}, and the "
        "scenario's own values. One run is one draw of chance: the Monte Carlo panel shows the "
        "spread. The model explores assumptions; it is not a forecast.</p>"
    )
    return "".join(parts)
