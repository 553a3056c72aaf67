"""The parameters each policy's declaration names (sim/core/policies.py), and the
documented side of the replay's tables (sim/history/replay.py).

summary.md says a difference between policies "rests on" the parameters of
:data:`sim.core.policies.REGISTRY`, so every name must be a table parameter (a
per-group one by its prefix, as :func:`~sim.core.policies.judgement_parameters`
resolves it), and the rules a policy's action goes through must be named: the red line a
policy draws when it answers deaths only (:func:`sim.core.rules.militia.red_line_update`), the
deniability that decides what ``answer_attributed`` can attribute
(:func:`sim.core.rules.militia.attributed`). The behavioural checks run small ensembles with
common random numbers: a named parameter moves the policy's outcomes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.core.params import GROUPS, TABLE, Params
from sim.core.policies import REGISTRY, get_policy, judgement_parameters
from sim.core.policies import REGISTRY as CATALOGUE
from sim.engines.ensemble import run_ensemble
from sim.inputs.scenario import scenario_from_dict

SCENARIO = scenario_from_dict({"name": "catalogue", "start": "2021-01-01", "days": 365})
N = 200


def resolves(name: str) -> list[str]:
    """Table names a catalogue name stands for, as judgement_parameters resolves them."""
    return [n for n in TABLE if n == name or n.startswith(name + ".")]


def outcomes(policy: str, **overrides):
    params = Params.build(N, overrides)
    r = run_ensemble(
        SCENARIO, get_policy(policy), params, np.random.default_rng(3), keep_daily=False
    )
    return r.outcomes


def moved(policy: str, base: dict, **changed) -> bool:
    """Whether changing ``changed`` moves any outcome of ``policy`` (same draws)."""
    a, b = outcomes(policy, **base), outcomes(policy, **base, **changed)
    return any(not np.array_equal(np.asarray(a[c]), np.asarray(b[c]), equal_nan=True) for c in a)


@pytest.mark.parametrize("policy", list(CATALOGUE))
def test_every_named_parameter_is_in_the_table(policy):
    d = CATALOGUE[policy]
    assert len(set(d.parameters)) == len(d.parameters), "a parameter is named twice"
    for p in d.parameters:
        assert resolves(p), (policy, p)
    # the per-group names stand for every group, not a subset
    for p in d.parameters:
        rows = resolves(p)
        if rows != [p]:
            assert rows == [f"{p}.{g}" for g in GROUPS], (policy, p)


def test_an_incomplete_declaration_is_refused():
    from sim.core.policies import Policy, register

    class Half(Policy):
        name = "half_declared"
        label = "Half"
        trigger = action = source = "x"
        colour = "#123456"

    with pytest.raises(ValueError, match="a compiled rule"):
        register(Half)  # no rule

    class Unknown(Half):
        rule = CATALOGUE["do_nothing"].rule
        parameters = ("no_such_parameter",)

    with pytest.raises(ValueError, match="unknown parameters"):
        register(Unknown)
    with pytest.raises(ValueError, match="lacks label"):
        register(type("Nameless", (Unknown,), {"label": "", "parameters": ()}))
    assert "half_declared" not in REGISTRY


def test_casualty_threshold_names_the_red_line_and_lethality_fear():
    names = CATALOGUE["casualty_threshold"].parameters
    red_line = [n for n in TABLE if n.startswith("red_line_")]
    assert len(red_line) == 3
    assert set(red_line) <= set(names)
    assert "lethality_fear" in names
    # the red line it draws moves its outcomes (a strike for deaths only, harassment let go)
    assert moved("casualty_threshold", {}, red_line_restraint=TABLE["red_line_restraint"].high)
    assert moved("casualty_threshold", {}, red_line_weight=TABLE["red_line_weight"].high)


def test_answer_attributed_names_deniability_which_moves_it():
    names = CATALOGUE["answer_attributed"].parameters
    assert "deniability" in names
    assert resolves("deniability") == [f"deniability.{g}" for g in GROUPS]
    assert "deniability" in judgement_parameters("answer_attributed") or all(
        TABLE[f"deniability.{g}"].informed for g in GROUPS
    )
    hi = {f"deniability.{g}": TABLE[f"deniability.{g}"].high for g in GROUPS}
    assert moved("answer_attributed", {}, **hi)


def test_strikes_on_iran_name_their_intensity():
    # hold_iran_accountable and tit-for-tat strike Iran with intensity_iran (their rules)
    for policy in ("hold_iran_accountable", "tit_for_tat", "generous_tit_for_tat"):
        assert "intensity_iran" in CATALOGUE[policy].parameters, policy
    assert moved("hold_iran_accountable", {}, intensity_iran=3.0)
    # tit-for-tat strikes Iran only after an Iranian strike: make Iran aggrieved by strikes on
    # its partners' fighters, and quick to strike
    iran_strikes = {
        "iran_fighters_grievance": 0.1,
        "iran_strike_threshold": 0.0,
        "iran_strike_rate": 1.0,
    }
    assert moved("tit_for_tat", iran_strikes, intensity_iran=3.0)


@pytest.mark.parametrize(
    ("policy", "name", "value"),
    [
        ("strike_syria", "red_line_restraint", None),
        ("strike_iraq", "militia_killed_per_intensity", None),
        ("tit_for_tat", "sovereignty_cost_syria", None),
        ("tit_for_tat", "collateral_harm", None),
        ("decapitation", "militia_killed_decapitation", None),
        ("decapitation", "unattributed_blame", None),
        ("escalate_syria", "revenge_spillover", None),
    ],
)
def test_a_named_parameter_moves_its_policy(policy, name, value):
    assert name in CATALOGUE[policy].parameters
    p = TABLE[name]
    v = value if value is not None else (p.high if p.default != p.high else p.low)
    assert moved(policy, {}, **{name: v})


# --- the documented side of the replay's summary ----------------------------------------------


def window_totals(start: str, end: str) -> dict[str, float]:
    from sim.history.replay import record_totals
    from sim.inputs.record import load_record

    s, e = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return record_totals(load_record("seeds").events, s, (e - s).days + 1)


def test_record_totals_count_militia_killed_by_us_strikes():
    # 25 KH members on 2019-12-29 (Foreign Policy); al-Muhandis on 2020-01-03, not Soleimani
    tot = window_totals("2019-12-27", "2020-01-10")
    assert tot["militia_killed"] == 26
    assert window_totals("2019-12-29", "2019-12-29")["militia_killed"] == 25
    assert window_totals("2020-01-03", "2020-01-03")["militia_killed"] == 1
    # the strike the record gives a figure for (Vox 2024: "killed four")
    assert window_totals("2024-07-29", "2024-08-04")["militia_killed"] == 4
    # the 2020-03-12 strikes state no figure: no number is made up
    assert np.isnan(window_totals("2020-03-12", "2020-03-12")["militia_killed"])
    # no US strike in the window: none killed by one
    assert window_totals("2019-12-27", "2019-12-28")["militia_killed"] == 0


def test_record_totals_count_coalition_killed_in_attacks():
    # a British servicewoman at Taji on 2020-03-11 (Foreign Policy), not the 2020-03-14
    # attack's wounded Iraqi soldiers (others_wounded)
    assert window_totals("2020-03-01", "2020-03-31")["coalition_killed"] == 1
    # a Filipino contractor at Erbil on 2021-02-15 (Vox 2021)
    assert window_totals("2021-02-15", "2021-02-15")["coalition_killed"] == 1
    # the K-1 attack of 2019-12-27 states nobody else killed: not a number
    assert np.isnan(window_totals("2019-12-27", "2019-12-27")["coalition_killed"])
    # the 25 KH members killed by the US are not coalition members
    assert window_totals("2019-12-29", "2019-12-29")["coalition_killed"] == 0


def test_replay_summary_shows_the_documented_losses_and_a_dash_where_none_is_stated():
    import pandas as pd

    from sim.analysis.summaries import TOTALS, replay_summary

    runs = pd.DataFrame({"militia_killed": [20, 30], "coalition_killed": [0, 1]})
    md = replay_summary(
        runs, scenario="s", start=dt.date(2020, 3, 1), end=dt.date(2020, 3, 31), seed=1,
        forced=["us"], record_totals={"militia_killed": float("nan"), "coalition_killed": 1.0},
    )  # fmt: skip
    lines = {ln.split("|")[1].strip(): ln for ln in md.splitlines() if ln.startswith("|")}
    assert lines[TOTALS["militia_killed"]].rstrip(" |").endswith("–")
    assert lines[TOTALS["coalition_killed"]].rstrip(" |").endswith("1")


def test_record_totals_count_us_casualties_and_the_forced_strikes():
    # Oct 2019 - May 2021: K-1 (1 contractor) and Taji (2 Americans); the non-hostile death of
    # 2021-03-03 is out by default (sim.inputs.record.load_record)
    tot = window_totals("2019-10-01", "2021-05-31")
    assert tot["us_killed"] == 3
    # Iran's missiles on 2020-01-08 ("dozens", at least 24 wounded) and Taji's 3 on 2020-03-14
    assert tot["us_wounded"] >= 27
    # one documented Iranian direct strike; the US struck on 2019-12-29, 2020-01-03,
    # 2020-03-12 and 2021-02-25
    assert tot["iran_strikes"] == 1
    assert tot["us_strikes"] == 4
    # the forced replay does what the record says: its simulated counts equal these
    from sim.history.replay import replay
    from sim.inputs.record import load_record

    res = replay(load_record("seeds").events, dt.date(2019, 10, 1), dt.date(2021, 5, 31), 50, 1,
                 force=["us", "iran"], posterior=False)  # fmt: skip
    assert (res.runs["us_strikes"] == tot["us_strikes"]).all()
    assert (res.runs["iran_strikes"] == tot["iran_strikes"]).all()


def test_replay_summary_names_the_forced_truces_in_words():
    import pandas as pd

    from sim.analysis.summaries import replay_summary

    md = replay_summary(pd.DataFrame({"attacks_total": [1, 2]}), scenario="s",
                        start=dt.date(2020, 10, 1), end=dt.date(2020, 11, 30), seed=1,
                        forced=["us", "militia_truce"])  # fmt: skip
    assert "the United States, the militias' declared truces" in md
    assert "militia_truce" not in md
