"""Each outcome is declared once (:mod:`sim.core.outcomes`), completely, and everything reads it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from sim.core import layout, outcomes
from sim.core.params import Params
from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_every_outcome_is_declared_completely():
    assert outcomes.check() == []
    for name in layout.OUTCOMES:  # the engine's columns
        o = outcomes.OUTCOMES[name]
        assert o.label and o.kind in outcomes.KINDS and o.unit and o.tally, name
    assert tuple(layout.OUTCOMES) == outcomes.ENGINE


@pytest.mark.parametrize("field", ["label", "kind", "unit", "tally", "description"])
def test_an_outcome_without_a_label_or_kind_is_refused(monkeypatch, field):
    bad = dataclasses.replace(outcomes.OUTCOMES["us_killed"], **{field: ""})
    declared = tuple(bad if o.name == "us_killed" else o for o in outcomes.DECLARED)
    monkeypatch.setattr(outcomes, "DECLARED", declared)
    problems = outcomes.check()
    assert problems and all(p.startswith("us_killed:") for p in problems), problems


def test_an_unknown_tag_or_a_sensitivity_outcome_without_its_question_is_refused(monkeypatch):
    o = outcomes.OUTCOMES["truce_days"]
    declared = (
        dataclasses.replace(o, tags=o.tags | {"sumary"}),
        dataclasses.replace(o, name="x", question=""),
    )
    monkeypatch.setattr(outcomes, "DECLARED", declared)
    problems = outcomes.check()
    assert "truce_days: unknown tag 'sumary'" in problems
    assert "x: offered to sensitivity without a question" in problems


def test_every_engine_outcome_is_tallied_by_the_day():
    # each outcome column the engine keeps is written by the tally (sim/core/tally.py)
    text = (ROOT / "sim" / "core" / "tally.py").read_text(encoding="utf-8")
    written = set(re.findall(r"OC\.(\w+)", text))
    missing = [k for k in outcomes.ENGINE if k not in written]
    assert missing == [], f"declared but never tallied: {missing}"
    assert written - set(outcomes.ENGINE) <= set(layout.TALLY_SUMS)


def test_every_report_reads_the_declarations():
    from sim.analysis import outcomes as analysed
    from sim.analysis import report, summaries
    from sim.explore import figures, runner, sensitivity_problem
    from sim.figures import compare as fig_compare
    from sim.figures import differences

    def names(tag):
        return [o.name for o in outcomes.tagged(tag)]

    assert list(report.MD_OUTCOMES) == names("summary")
    assert list(report.MD_DIFFS) == names("differences")
    assert list(summaries.TOTALS) == names("history")
    assert list(fig_compare.COMPARE_OUTCOMES) == names("figure_outcomes")
    assert list(differences.DIFF_OUTCOMES) == names("figure_differences")
    assert list(differences.EVENT_OUTCOMES) == names("figure_events")
    assert [o.name for o in analysed.KEY_OUTCOMES] == names("key_table")
    assert list(figures.REGRET_OUTCOMES) == names("regret")
    assert set(sensitivity_problem.DEFAULT_OUTCOMES) == set(names("sensitivity_default"))
    explored = set(runner.EXPLORE_OUTCOMES)
    for o in outcomes.tagged("explore"):
        if o.kind == outcomes.TIME_TO_EVENT:  # kept as its restricted mean
            assert o.name not in explored and f"{o.name}{outcomes.RESTRICTED}" in explored
        else:
            assert o.name in explored, o.name
    for tag in outcomes.TAGS:
        assert outcomes.tagged(tag), f"no outcome shown in {tag}"
    # a label for every outcome and restricted mean a report can name
    for name in (*report.OUTCOME_LABELS, *sensitivity_problem.OUTCOMES):
        assert outcomes.get(name).label


def test_derived_outcomes_follow_from_the_engine_columns():
    sc = load_scenario("late_2019")
    r = run_ensemble(sc, get_policy("strike_iraq"), Params.build(200), np.random.default_rng(2))
    o = r.outcomes
    got = {name: outcomes.OUTCOMES[name].values(o, sc.days) for name in outcomes.DERIVED}
    np.testing.assert_array_equal(got["any_us_death"], o["us_killed"] > 0)
    np.testing.assert_array_equal(got["us_casualties"], o["us_killed"] + o["us_wounded"])
    assert 0 < got["any_us_strike"].mean() < 1  # both values occur: the check is not vacuous
    for r_name, rm in outcomes.RESTRICTED_MEANS.items():
        v = rm.values(o, sc.days)
        day = o[r_name.removesuffix(outcomes.RESTRICTED)]
        assert ((v >= 0) & (v <= sc.days)).all()
        np.testing.assert_array_equal(v[np.isnan(day)], sc.days)
        np.testing.assert_array_equal(v[~np.isnan(day)], day[~np.isnan(day)])
    # the engine's kinds match the values it returns
    for name in outcomes.of_kind(outcomes.SHARE):
        assert o[name].dtype == bool, name
    for name in outcomes.of_kind(outcomes.COUNT):
        assert o[name].dtype == np.int64, name
