"""Running an exploration (sim.explore.runner, ``escalation explore``, ``compare --robustness``)
at tiny sizes: common random numbers across policies within a world, the same numbers on 1
and 2 workers, resume, clear errors before any work, and the robustness columns."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis.metrics import summarise_outcomes
from sim.cli.main import main
from sim.core.policies import DoNothing
from sim.errors import UserError
from sim.experiments.experiment import Experiment, run_experiment
from sim.experiments.store import partial_dir
from sim.explore import runner as R
from sim.explore.robustness import (
    add_robustness,
    can_decide,
    deciding_parameter,
    robustness_columns,
    robustness_markdown,
)
from sim.explore.runner import Exploration, run_exploration
from sim.inputs.scenario import load_scenario


class SilentTwin(DoNothing):
    """do_nothing under another name: with common random numbers it must give the very same
    outcomes in every world and replication."""

    name = "silent_twin"


TWIN = f"{__name__}:SilentTwin"


def _ex(path, policies=("do_nothing", "strike_syria"), worlds=12, reps=3, **kw):
    kw.setdefault("chunk_worlds", 5)
    return Exploration(
        load_scenario(path), tuple(policies), worlds, reps, seed=7, scenario_path=str(path), **kw
    )


def test_common_random_numbers_across_policies_within_a_world(tmp_path, short_scenario):
    path = short_scenario(days=60)
    res = run_exploration(
        _ex(path, ("do_nothing", TWIN, "strike_syria")), tmp_path / "a", workers=1, progress=False
    )
    o = res.outcomes.assign(policy=res.outcomes["policy"].astype(str))
    a = o[o.policy == "do_nothing"].drop(columns="policy").reset_index(drop=True)
    b = o[o.policy == TWIN].drop(columns="policy").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)  # same draws, same parameters, same outcomes
    assert a["attacks_total"].nunique() > 1  # ... while the worlds do differ
    # a policy's numbers do not depend on which other policies run beside it
    alone = run_exploration(
        _ex(path, ("strike_syria",)), tmp_path / "b", workers=1, progress=False
    ).outcomes
    pd.testing.assert_frame_equal(
        alone.drop(columns="policy"),
        o[o.policy == "strike_syria"].drop(columns="policy").reset_index(drop=True),
    )
    # the tables on disk
    worlds = pd.read_parquet(tmp_path / "a" / "worlds.parquet")
    assert list(worlds["world"]) == list(range(12))
    assert len(pd.read_parquet(tmp_path / "a" / "outcomes.parquet")) == 12 * 3
    m = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert m["kind"] == "explore" and m["chunks_per_policy"] == 3 and m["runs"] == 12 * 3
    assert m["runs_total"] == 12 * 3 * 3 and m["policies"] == ["do_nothing", TWIN, "strike_syria"]
    assert set(m["explored"]) == set(res.exploration.spec.explored)


def test_same_numbers_on_one_and_two_workers_and_after_resume(
    tmp_path, short_scenario, monkeypatch
):
    ex = _ex(short_scenario(days=40))
    ref = run_exploration(ex, tmp_path / "one", workers=1, progress=False)
    two = run_exploration(ex, tmp_path / "two", workers=2, progress=False)
    assert two.manifest["executor"] == "processes"
    pd.testing.assert_frame_equal(ref.outcomes, two.outcomes)
    pd.testing.assert_frame_equal(ref.worlds, two.worlds)

    real, calls = R.run_world_chunk, []

    def interrupted(task):
        if len(calls) == 4:
            raise KeyboardInterrupt
        calls.append(task.chunk)
        return real(task)

    monkeypatch.setattr(R, "run_world_chunk", interrupted)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        run_exploration(ex, out, workers=1, progress=False)
    assert not out.exists() and len(list(partial_dir(out).glob("chunks/*/*.parquet"))) == 4
    calls.clear()
    monkeypatch.setattr(R, "run_world_chunk", lambda t: (calls.append(t.chunk), real(t))[1])
    with pytest.raises(UserError, match="different exploration"):
        run_exploration(_ex(short_scenario(days=40), reps=4), out, workers=1, resume=True)
    res = run_exploration(ex, out, workers=1, progress=False, resume=True)
    assert len(calls) == 2 * 3 - 4 and res.manifest["resumed"] is True
    pd.testing.assert_frame_equal(res.outcomes, ref.outcomes)


def test_explore_command_writes_tables_figures_and_discovery(tmp_path, short_scenario, capsys):
    out = tmp_path / "ex"
    scenario = short_scenario(days=90)
    code = main(
        [
            "explore",
            str(scenario),
            "--policies",
            "do_nothing,strike_syria,decapitation",
            "--worlds",
            "40",
            "--replications",
            "2",
            "--seed",
            "3",
            "--out",
            str(out),
            "--workers",
            "1",
            "--quiet",
            "--satisfy",
            "us_killed<=1",
            "--discover-policy",
            "decapitation",
        ]
    )
    assert code == 0
    files = set(json.loads((out / "manifest.json").read_text())["files"])
    for f in (
        "worlds.parquet",
        "outcomes.parquet",
        "regret.csv",
        "ranking.csv",
        "decisions.md",
        "summary.md",
        "regret.png",
        "ranking.png",
    ):
        assert f in files
    rank = pd.read_csv(out / "ranking.csv")
    assert sorted(rank["policy"]) == ["decapitation", "do_nothing", "strike_syria"]
    assert rank["share_best"].between(0, 1).all()
    md = (out / "decisions.md").read_text()
    assert "When does decapitation miss the thresholds (us_killed<=1)?" in md
    if "prim_decapitation_box.csv" in files:  # unless no world, or every world, fails
        box = pd.read_csv(out / "prim_decapitation_box.csv")
        assert {"parameter", "min", "max", "qp_lower"} <= set(box.columns)
    # what compare --robustness does with its summary: the sign shares beside the differences
    exp = Experiment(load_scenario(scenario), ("do_nothing", "decapitation"), runs=60, seed=1)
    runs = run_experiment(exp, tmp_path / "cmp", workers=1, progress=False).outcomes
    summary = add_robustness(summarise_outcomes(runs, n_boot=50), out, tmp_path)
    rows = summary[(summary.policy == "decapitation") & summary["diff"].notna()]
    assert {"sign_share", "sign_reversed", "sign_robust", "decided_by"} <= set(summary.columns)
    assert rows["sign_share"].dropna().between(0, 1).all() and len(rows["sign_share"].dropna())
    assert (
        "| Decapitation (`decapitation`) | us_killed |" in (tmp_path / "robustness.md").read_text()
    )
    # through the command: summary.md says it too, and names the exploration
    capsys.readouterr()
    argv = ["compare", str(scenario), "--policies", "decapitation", "--runs", "60", "--seed",
            "1", "--workers", "1", "--quiet", "--robustness", str(out)]  # fmt: skip
    assert main([*argv, "--out", str(tmp_path / "cmp2")]) == 0
    md = (tmp_path / "cmp2" / "summary.md").read_text(encoding="utf-8")
    assert "## Robustness across the explored worlds" in md and f"`{out}`" in md
    assert "paired differences keep their sign in at least 90% of the worlds" in md
    assert md.index("## Robustness") < md.index("## The policies")
    # an exploration of another scenario (here: another period) is refused before any run
    other = short_scenario(days=60, name="other")
    argv[1] = str(other)
    assert main([*argv, "--out", str(tmp_path / "cmp3")]) == 2
    err = capsys.readouterr().err
    assert "explored scenario 'short'" in err and "differs from 'other'" in err
    assert "Traceback" not in err and not (tmp_path / "cmp3").exists()


def test_a_small_exploration_runs_and_says_that_discovery_was_skipped(
    tmp_path, short_scenario, capsys
):
    """8 worlds are too few for PRIM and CART: the exploration still writes its decision
    tables and says in decisions.md and on the terminal why there is no box."""
    out = tmp_path / "small"
    argv = ["explore", str(short_scenario(days=30)), "--policies", "do_nothing,strike_syria",
            "--worlds", "8", "--replications", "2", "--seed", "1", "--workers", "1",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    cap = capsys.readouterr()
    printed = cap.out
    assert "scenario discovery for" in printed and "8 worlds are too few" in printed
    # too small for what it reports: said on the terminal and in the report
    assert "warning: 8 worlds (under 100)" in cap.err
    assert "warning: 2 replications per world (under 50)" in cap.err
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "**Warning**: 8 worlds (under 100)" in summary
    md = (out / "decisions.md").read_text(encoding="utf-8")
    assert "Skipped, 8 worlds are too few for scenario discovery" in md
    assert "--worlds 20 or more" in md
    assert len(pd.read_csv(out / "ranking.csv")) == 2
    assert not any(f.name.startswith("prim_") for f in out.iterdir())


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--satisfy", "us_kiled<=1"], "--satisfy: unknown outcome 'us_kiled'"),
        (["--discover", "war>>1"], "--discover: 'war>>1' is not of the form"),
        (["--bounds", "BOUNDS"], "unknown parameter 'revenge_atacks'"),
        (["--bounds", "LATIN1"], "latin1.yaml: not UTF-8 text (line 1"),
        (["--bounds", "FOLDER"], ": is a folder, not a bounds file"),
        (["--discover-policy", "decapitation"], "--discover-policy: 'decapitation' is not"),
    ],
)
def test_explore_refuses_bad_input_before_any_work(
    tmp_path, short_scenario, capsys, extra, message
):
    bounds = tmp_path / "bounds.yaml"
    bounds.write_text("revenge_atacks: [1, 2]\n")
    (tmp_path / "latin1.yaml").write_bytes(b"p_lethal: [0.01, 0.2]  # caf\xe9\n")
    files = {"BOUNDS": bounds, "LATIN1": tmp_path / "latin1.yaml", "FOLDER": tmp_path}
    extra = [str(files.get(e, e)) for e in extra]
    out = tmp_path / "never"
    code = main(
        [
            "explore",
            str(short_scenario()),
            "--policies",
            "do_nothing",
            "--worlds",
            "4",
            "--out",
            str(out),
            *extra,
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists() and not partial_dir(out).exists()


def _fake_exploration(
    d, diffs: np.ndarray, a: np.ndarray, decider: str = "revenge_attacks", replications: int = 0
):
    """An exploration directory by hand: worlds with parameters ``decider`` = a (decides) and
    iran_direction (noise); us_killed of do_nothing 1, of strike_syria 1 + diffs; militia
    killed 0 under both in every world."""
    d.mkdir()
    rng = np.random.default_rng(0)
    n = len(a)
    pd.DataFrame({"world": range(n), decider: a, "iran_direction": rng.random(n)}).to_parquet(
        d / "worlds.parquet"
    )
    rows = [
        {"world": w, "policy": p, "us_killed": 1.0 + (diffs[w] if p != "do_nothing" else 0),
         "militia_killed": 0.0}
        for w in range(n)
        for p in ("do_nothing", "strike_syria")
    ]  # fmt: skip
    pd.DataFrame(rows).to_parquet(d / "outcomes.parquet")
    man = {"kind": "explore", **({"replications": replications} if replications else {})}
    (d / "manifest.json").write_text(json.dumps(man))


def test_robustness_share_and_the_deciding_parameter(tmp_path):
    n = 200
    a = np.linspace(0, 10, n)
    summary = pd.DataFrame(
        {
            "policy": ["do_nothing", "strike_syria", "strike_syria"],
            "outcome": ["us_killed", "us_killed", "war"],
            "diff": [np.nan, 0.5, 0.1],
        }
    )
    # the sign flips where revenge_attacks > 7: holds in 70% of the worlds
    _fake_exploration(tmp_path / "flip", np.where(a > 7, -1.0, 1.0), a)
    rob = robustness_columns(tmp_path / "flip", summary).set_index("outcome")
    assert rob.loc["us_killed", "sign_share"] == pytest.approx((a <= 7).mean())
    assert rob.loc["us_killed", "sign_reversed"] == pytest.approx((a > 7).mean())
    assert not rob.loc["us_killed", "sign_robust"]
    assert rob.loc["us_killed", "decided_by"] == "revenge_attacks"
    assert np.isnan(rob.loc["war", "sign_share"]) and pd.isna(rob.loc["war", "sign_robust"])
    # a difference of the same sign in 95% of the worlds is robust, and nothing decides it
    _fake_exploration(tmp_path / "hold", np.where(a > 9.5, -1.0, 1.0), a)
    rob = robustness_columns(tmp_path / "hold", summary).set_index("outcome")
    assert rob.loc["us_killed", "sign_robust"] and rob.loc["us_killed", "decided_by"] == ""


def test_robustness_leaves_out_rows_that_are_the_same_constant_everywhere(tmp_path):
    a = np.linspace(0, 10, 100)
    summary = pd.DataFrame(
        {
            "policy": ["strike_syria"] * 2,
            "outcome": ["us_killed", "militia_killed"],
            "diff": [0.5, 0.0],
            "diff_lo": [0.4, 0.0],
            "diff_hi": [0.6, 0.0],
        }
    )
    _fake_exploration(tmp_path / "x", np.ones(100), a)
    rob = robustness_columns(tmp_path / "x", summary).set_index("outcome")
    # 0 against 0 in every world is not counted robust: it is left out
    assert np.isnan(rob.loc["militia_killed", "sign_share"])
    assert pd.isna(rob.loc["militia_killed", "sign_robust"])
    assert rob.loc["militia_killed", "note"] == "the same in every world"
    md = robustness_markdown(summary, rob.reset_index(), "x")
    assert "| militia_killed |" not in md and "Left out: 1 rows" in md


@pytest.mark.parametrize(
    "decider",
    ["intensity_decapitation", "militia_killed_decapitation"],
    ids=["another policy's action", "an outcome-only count"],
)
def test_robustness_names_no_parameter_that_no_rule_reads(tmp_path, decider):
    """A parameter of an action strike_syria never takes, or one that only scales a count,
    cannot decide its Americans killed, however well it separates the worlds."""
    n = 200
    a = np.linspace(0, 10, n)
    summary = pd.DataFrame({"policy": ["strike_syria"], "outcome": ["us_killed"], "diff": [0.5]})
    _fake_exploration(tmp_path / "x", np.where(a > 7, -1.0, 1.0), a, decider=decider)
    rob = robustness_columns(tmp_path / "x", summary).set_index("outcome")
    assert not rob.loc["us_killed", "sign_robust"]
    assert rob.loc["us_killed", "decided_by"] == ""
    assert can_decide("revenge_attacks", "strike_syria", "do_nothing", "us_killed")
    assert not can_decide(decider, "strike_syria", "do_nothing", "us_killed")
    assert can_decide("militia_killed_decapitation", "decapitation", "do_nothing", "militia_killed")


def test_deciding_parameter_needs_a_score_above_the_threshold():
    flat = pd.Series({f"p{k}": 1 / 20 for k in range(20)})  # nothing stands out
    assert deciding_parameter(flat, "strike_syria", "do_nothing", "us_killed")[0] == ""
    peaked = pd.Series({"revenge_attacks": 0.6, **{f"p{k}": 0.4 / 19 for k in range(19)}})
    assert deciding_parameter(peaked, "strike_syria", "do_nothing", "us_killed") == (
        "revenge_attacks",
        0.6,
    )


def test_robustness_warns_when_monte_carlo_noise_may_flip_signs(tmp_path):
    """With 5 replications per world, differences of ±0.1 Americans killed are within the
    noise of a world's mean (Poisson variance about 2/5): the report says so."""
    n = 100
    a = np.linspace(0, 10, n)
    summary = pd.DataFrame({"policy": ["strike_syria"], "outcome": ["us_killed"],
                            "diff": [0.1], "diff_lo": [0.0], "diff_hi": [0.2]})  # fmt: skip
    diffs = np.where(np.random.default_rng(1).random(n) < 0.7, 0.1, -0.1)
    _fake_exploration(tmp_path / "x", diffs, a, replications=5)
    rob = robustness_columns(tmp_path / "x", summary)
    assert rob["noise_share"].iloc[0] == pytest.approx(1.0)
    md = robustness_markdown(summary, rob, "x")
    assert "5 replications per world, fewer than 50" in md
    assert "Monte Carlo noise accounts for more than 25%" in md


def test_compare_robustness_refuses_a_directory_that_is_no_exploration(
    tmp_path, short_scenario, capsys
):
    code = main(
        [
            "compare",
            str(short_scenario()),
            "--policies",
            "do_nothing",
            "--runs",
            "10",
            "--out",
            str(tmp_path / "c"),
            "--robustness",
            str(tmp_path),
        ]
    )
    assert code == 2
    assert "not the result directory of `escalation explore`" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_ctrl_c_message_names_the_partial_results_and_the_resume_command(capsys):
    from sim.cli.options import interrupted

    assert interrupted("res/x", ["escalation", "explore", "my scenario.yaml"]) == 130
    err = capsys.readouterr().err
    assert "partial results kept in res/x.partial" in err
    assert "escalation explore 'my scenario.yaml' --resume" in err and err.count("\n") == 1
    assert interrupted("res/x", None) == 130
    assert "the same command with --resume" in capsys.readouterr().err
