"""A policy is one declaration (:mod:`sim.core.policies`): the compiled dispatcher is generated
from the registry, every figure and report reads the declaration, and a user's policy named by
import path keeps its label, source and colour everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.core import ladder
from sim.core.layout import new_rows
from sim.core.params import Params
from sim.core.policies import REGISTRY, decide, describe, get_policy, label, policy_class

ROOT = Path(__file__).resolve().parents[1]

USER = '''
import numpy as np
from sim.core.policies import Decision, Policy


class Sanctions(Policy):
    """Presses Baghdad after every attack (a user's policy in numpy)."""

    name = "sanctions"
    label = "Sanction militia leaders"
    trigger = "any attack"
    action = "presses Baghdad"
    source = "a user's reading of the Daily Beast 2021"
    colour = "#123456"

    def decide(self, obs, params, u):
        hit = np.asarray(obs.pending_severity) > 0
        return Decision(np.where(hit, 5, 0), np.where(hit, 1.0, 0.0), np.zeros(len(hit), bool))


class Plain(Policy):
    name = "plain"

    def decide(self, obs, params, u):
        n = len(obs.pending_severity)
        return Decision(np.zeros(n, np.int64), np.zeros(n), np.zeros(n, bool))


class Other(Plain):
    name = "other"
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "user_policies_decl.py").write_text(USER)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "user_policies_decl"


def test_the_dispatcher_runs_each_declared_rule_by_its_registry_place():
    rng = np.random.default_rng(4)
    rows = new_rows(Params.build(1, {"forgiveness": 0.5, "attribution_threshold": 0.5}))[0]
    codes = [cls.code for cls in REGISTRY.values()]
    assert codes == list(range(len(REGISTRY)))  # numbered by the registry, not by hand
    seen = set()
    for _ in range(300):
        args = (
            int(rng.integers(0, 4)),
            int(rng.integers(-1, 4)),
            float(rng.random()),
            int(rng.integers(0, 3)),
            bool(rng.random() < 0.3),
            rows,
            float(rng.random()),
        )
        for cls in REGISTRY.values():
            got = decide(cls.code, *args)
            assert got == cls.rule(*args), cls.name
            seen.add(got[0])
    assert decide(len(REGISTRY), *args) == (ladder.US_NONE, 0.0, False)
    assert len(seen) >= 6  # the rules were reached with actions of several kinds
    # no hand-numbered dispatch anywhere in the compiled core
    for f in (ROOT / "sim" / "core").rglob("*.py"):
        assert not re.search(r"code\s*==\s*\d", f.read_text(encoding="utf-8")), f.name


def test_every_built_in_policy_declares_what_the_reports_and_figures_show():
    from sim.figures.style import EXTRA_COLORS, POLICY_COLORS

    for name, cls in REGISTRY.items():
        for field in ("label", "trigger", "action", "source", "colour"):
            assert getattr(cls, field), (name, field)
        assert POLICY_COLORS[name] == cls.colour
    colours = [c.upper() for c in POLICY_COLORS.values()]
    assert len(set(colours)) == len(colours)  # answer_attributed has one of its own
    assert not set(colours) & {c.upper() for c in EXTRA_COLORS}


def test_every_us_action_has_words_for_the_figures_and_the_dashboard():
    from sim.figures.history import US_ACTION_TEXT

    for code, action in enumerate(ladder.US_ACTIONS):
        assert US_ACTION_TEXT[code] and US_ACTION_TEXT[code] != action.name, action.name
    for code in (ladder.US_DECAPITATION_IRAN, ladder.US_NEGOTIATE, ladder.US_DIPLOMACY):
        assert US_ACTION_TEXT[code]  # named in words, not by identifier
    # a kinetic action has a diary line naming its target where it hits militias
    for a in ladder.US_ACTIONS:
        if a.hits_militia:
            assert "{target}" in a.diary, a.name


def test_a_user_policy_by_import_path_keeps_its_label_source_and_colour(user_module):
    from sim.analysis.report import policy_definitions_markdown
    from sim.figures.style import POLICY_COLORS, policy_colors

    path = f"{user_module}:Sanctions"
    assert label(path) == "Sanction militia leaders"
    assert describe(path) is policy_class(path)
    table = policy_definitions_markdown(["do_nothing", path, f"{user_module}:Plain"])
    assert "Sanction militia leaders" in table and "Daily Beast 2021" in table
    assert f"{user_module}:Plain" in table and "(user policy)" in table
    c = policy_colors(["do_nothing", path, f"{user_module}:Plain", f"{user_module}:Other"])
    assert c[path] == "#123456"
    # the user policies without a colour get two different colours, neither a built-in's
    plain, other = c[f"{user_module}:Plain"], c[f"{user_module}:Other"]
    assert plain != other
    assert not {plain, other} & set(POLICY_COLORS.values())
    assert get_policy(path).decide is not None


def test_a_user_policy_keeps_its_label_in_the_comparison_figures(user_module):
    import pandas as pd

    from sim.analysis.outcomes import summarise_outcomes
    from sim.engines.ensemble import run_ensemble
    from sim.figures.compare import compare_figures
    from sim.inputs.scenario import scenario_from_dict

    path = f"{user_module}:Sanctions"
    sc = scenario_from_dict({"name": "x", "start": "2021-01-01", "days": 60})
    frames = []
    for p in ("do_nothing", path):
        r = run_ensemble(sc, get_policy(p), Params.build(40), np.random.default_rng(1))
        frames.append(pd.DataFrame({"policy": p, "run": np.arange(40), **r.outcomes}))
    outcomes = pd.concat(frames, ignore_index=True)
    summary = summarise_outcomes(outcomes, n_boot=50, horizon=sc.days)
    figs = compare_figures({}, outcomes, summary, sc)
    ticks = [t.get_text() for t in figs["outcomes_by_policy"].axes[0].get_yticklabels()]
    assert ticks == ["Do nothing", "Sanction militia leaders"]
    lines = {ln.get_label(): ln.get_color() for ln in figs["survival_first_death"].axes[0].lines}
    assert lines["Sanction militia leaders"] == "#123456"
    md = __import__("sim.analysis.report", fromlist=["x"]).summary_markdown(summary)
    assert "Sanction militia leaders" in md and "a user's reading" in md
