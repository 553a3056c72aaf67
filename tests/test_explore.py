"""Decision measures, world sampling and scenario discovery (sim.explore) on known answers:
hand-computed regret, satisficing and rank tables; PRIM on a synthetic problem whose failure
region is known; Latin hypercube strata; bounds files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.core.params import TABLE
from sim.errors import UserError
from sim.explore.decisions import (
    parse_conditions,
    rank_table,
    ranking,
    regret_summary,
    regret_table,
    satisficing,
)
from sim.explore.discovery import discover, discovery_markdown, min_worlds
from sim.explore.worlds import load_world_bounds, sample_worlds, world_spec
from sim.inputs.posterior import posterior_draws
from sim.inputs.scenario import scenario_from_dict

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"

# Three worlds × three policies, one outcome where less is better (us_killed) and one where
# more is better (prosecutions). Regrets and ranks below are worked out by hand.
VALUES = {
    # world: (a, b, c) for us_killed, then for prosecutions
    0: ((1.0, 3.0, 2.0), (0.0, 2.0, 1.0)),
    1: ((4.0, 2.0, 2.0), (1.0, 1.0, 0.0)),
    2: ((0.0, 5.0, 9.0), (3.0, 0.0, 0.0)),
}
POLICIES = ("a", "b", "c")


@pytest.fixture
def table() -> pd.DataFrame:
    rows = []
    for w, (killed, pros) in VALUES.items():
        for i, p in enumerate(POLICIES):
            rows.append({"world": w, "policy": p, "us_killed": killed[i], "prosecutions": pros[i]})
    return pd.DataFrame(rows)


def test_regret_is_the_distance_to_the_best_policy_of_each_world(table):
    r = regret_table(table, "us_killed")
    expected = [[0, 2, 1], [2, 0, 0], [0, 5, 9]]  # best: 1, 2, 0
    np.testing.assert_array_equal(r[list(POLICIES)].to_numpy(), expected)
    # more prosecutions are better: best is the maximum
    r = regret_table(table, "prosecutions")
    np.testing.assert_array_equal(r[list(POLICIES)].to_numpy(), [[2, 0, 1], [0, 0, 1], [0, 3, 3]])


def test_minimax_regret_and_percentiles(table):
    s = regret_summary(table, ["us_killed"]).set_index("policy")
    assert s["max_regret"].to_dict() == {"a": 2.0, "b": 5.0, "c": 9.0}
    assert s["mean_regret"].to_dict() == pytest.approx({"a": 2 / 3, "b": 7 / 3, "c": 10 / 3})
    assert s["p50_regret"].to_dict() == {"a": 0.0, "b": 2.0, "c": 1.0}
    assert s.loc["a", "p90_regret"] == pytest.approx(1.6)  # linear between 0 and 2
    assert s["minimax"].to_dict() == {"a": True, "b": False, "c": False}


def test_satisficing_share_of_worlds(table):
    cond = parse_conditions("us_killed<=2,prosecutions>=1", ["us_killed", "prosecutions"])
    ok = satisficing(table, cond)
    # a: w0 (1, 0) no; w1 (4, 1) no; w2 (0, 3) yes. b: w0 (3, 2) no; w1 (2, 1) yes; w2 no.
    # c: w0 (2, 1) yes; w1 (2, 0) no; w2 no.
    np.testing.assert_array_equal(
        ok[list(POLICIES)].to_numpy(),
        [[False, False, True], [False, True, False], [True, False, False]],
    )
    rank = ranking(table, "us_killed", cond).set_index("policy")
    assert rank["share_satisficing"].to_dict() == pytest.approx(
        {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}
    )


def test_ranks_ties_and_how_often_the_ranking_holds(table):
    ranks = rank_table(table, "us_killed")
    np.testing.assert_array_equal(
        ranks[list(POLICIES)].to_numpy(), [[1, 3, 2], [3, 1, 1], [1, 2, 3]]
    )
    rank = ranking(table, "us_killed")
    assert list(rank["policy"]) == ["a", "b", "c"]  # by max regret 2 < 5 < 9
    r = rank.set_index("policy")
    assert r["share_best"].to_dict() == pytest.approx({"a": 2 / 3, "b": 1 / 3, "c": 1 / 3})
    # a <= b in worlds 0 and 2; b <= c in worlds 1 (tie) and 2
    assert r.loc["a", "share_beats_next"] == pytest.approx(2 / 3)
    assert r.loc["b", "share_beats_next"] == pytest.approx(2 / 3)
    assert np.isnan(r.loc["c", "share_beats_next"])
    assert r.loc["c", "rank_1"] == pytest.approx(1 / 3) and r.loc["c", "rank_3"] == pytest.approx(
        1 / 3
    )
    assert np.allclose(rank[[f"rank_{k}" for k in (1, 2, 3)]].sum(axis=1), 1)


@pytest.mark.parametrize(
    "text, message",
    [
        ("deaths<=1", "unknown outcome 'deaths'"),
        ("us_killed<=1,", "empty condition"),
        ("us_killed=>1", "is not of the form"),
    ],
)
def test_bad_threshold_is_refused_with_a_clear_message(text, message):
    with pytest.raises(UserError, match=message):
        parse_conditions(text, ["us_killed", "war"])


def test_prim_finds_the_known_failure_box():
    """Failure when a > 0.6 and b < 0.3, whatever c and d: PRIM restricts a and b near those
    limits, leaves c and d free, and the feature scores rank a and b first."""
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.random((1500, 4)), columns=["a", "b", "c", "d"])
    y = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    d = discover(x, y, "synthetic", seed=2)
    lim = d.limits.set_index("parameter")
    assert {"a", "b"} <= set(lim.index)
    assert lim.loc["a", "min"] == pytest.approx(0.6, abs=0.05)
    assert lim.loc["b", "max"] == pytest.approx(0.3, abs=0.05)
    for free in ("c", "d"):  # not restricted, or barely
        if free in lim.index:
            assert lim.loc[free, "max"] - lim.loc[free, "min"] > 0.85
    assert d.coverage >= 0.8 and d.density >= 0.9
    assert set(d.scores.index[:2]) == {"a", "b"}
    traj = d.trajectory
    assert traj["coverage"].iloc[0] == 1 and traj["density"].iloc[0] == pytest.approx(y.mean())


def test_discovery_refuses_a_question_with_nothing_to_find():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    with pytest.raises(UserError, match="no world"):
        discover(x, np.zeros(50, bool), "never")


def test_discovery_needs_enough_worlds_for_a_box_and_says_when_they_are_few():
    """A box must hold a share mass_min (0.05) of the worlds and at least one world: 19 worlds
    are refused with the reason (not sklearn's min_samples_leaf=0 error), 20 run, and the
    report says that boxes from so few worlds are rough."""
    assert min_worlds(0.05) == 20 and min_worlds(0.1) == 10
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.random((20, 2)), columns=["a", "b"])
    y = (x["a"] > 0.5).to_numpy()
    with pytest.raises(UserError, match=r"19 worlds are too few .* at least 20"):
        discover(x.iloc[:19], y[:19], "few")
    d = discover(x, y, "enough", seed=1)
    assert d.n_worlds == 20 and "a" in set(d.limits["parameter"])
    assert "Only 20 worlds: the box and its quasi-p-values are rough" in discovery_markdown(d)
    big = discover(pd.concat([x] * 6, ignore_index=True), np.tile(y, 6), "many", seed=1)
    assert "are rough" not in discovery_markdown(big)


def _scenario(**changes):
    data = yaml.safe_load((BASELINE).read_text(encoding="utf-8"))
    data.update({"days": 30, **changes})
    data["shocks"] = [s for s in data["shocks"] if s["start"].month == 1]  # inside the 30 days
    return scenario_from_dict(data)


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_worlds_explore_the_uninformed_and_draw_the_informed_from_the_posterior(sampler):
    sc = _scenario(params={"revenge_days": 20.0})
    spec = world_spec(sc)
    n = 64
    w = sample_worlds(spec, n, seed=5, sampler=sampler)
    post = posterior_draws()
    for name, p in TABLE.items():
        col = w[name].to_numpy()
        if name == "revenge_days":
            assert (col == 20.0).all()  # the scenario fixes it
        elif not p.informed:
            assert name in spec.explored
            assert col.min() >= p.low and col.max() <= p.high
            # every one of n equal strata of the range holds exactly one world
            strata = np.floor((col - p.low) / (p.high - p.low) * n).clip(0, n - 1)
            if sampler == "lhs":
                assert len(np.unique(strata)) == n
            else:
                assert len(np.unique(strata)) > 0.5 * n
        elif post is not None and name in post.columns:
            np.testing.assert_array_equal(col, post[name].to_numpy()[w["posterior_row"]])
    again = sample_worlds(spec, n, seed=5, sampler=sampler)
    pd.testing.assert_frame_equal(w, again)
    assert not w.equals(sample_worlds(spec, n, seed=6, sampler=sampler))


def test_bounds_file_yaml_and_csv(tmp_path):
    y = tmp_path / "b.yaml"
    y.write_text("revenge_attacks: [1, 2]\niran_direction: 0.5\nkilled_mean: posterior\n")
    b = load_world_bounds(y)
    assert b == {"revenge_attacks": (1.0, 2.0), "iran_direction": 0.5, "killed_mean": "posterior"}
    spec = world_spec(_scenario(), b)
    assert spec.explored["revenge_attacks"] == (1.0, 2.0)
    assert spec.fixed["iran_direction"] == 0.5 and "iran_direction" not in spec.explored
    c = tmp_path / "b.csv"
    c.write_text("parameter,low,high\nrevenge_attacks,1,2\niran_direction,0.5,0.5\n")
    assert load_world_bounds(c) == {"revenge_attacks": (1.0, 2.0), "iran_direction": 0.5}


@pytest.mark.parametrize(
    "text, suffix, message",
    [
        (
            "revenge_atacks: [1, 2]\n",
            ".yaml",
            r"unknown parameter 'revenge_atacks'.*revenge_attacks",
        ),
        ("revenge_attacks: [1, 20]\n", ".yaml", "leaves the table's range"),
        ("revenge_attacks: [2, 1]\n", ".yaml", "low <= high"),
        ("parameter,low,high\nnot_a_param,0,1\n", ".csv", "unknown parameter 'not_a_param'"),
    ],
)
def test_bad_bounds_file_names_the_file_and_the_parameter(tmp_path, text, suffix, message):
    path = tmp_path / f"bounds{suffix}"
    path.write_text(text)
    with pytest.raises(UserError, match=message) as exc:
        load_world_bounds(path)
    assert str(path) in str(exc.value)


def test_worlds_of_interest_any_or_all_conditions(table):
    from sim.explore.discovery import interest

    cond = parse_conditions("us_killed>=2,prosecutions>=1", ["us_killed", "prosecutions"])
    # policy a: us_killed 1, 4, 0; prosecutions 0, 1, 3
    assert list(interest(table, "a", cond, any_of=True)) == [False, True, True]
    assert list(interest(table, "a", cond, any_of=False)) == [False, True, False]
    with pytest.raises(UserError, match="not explored"):
        interest(table, "z", cond)


def test_cart_boxes_are_the_same_from_one_call_to_the_next():
    """Two copies of the deciding parameter make every split a tie between them: the tree must
    break it the same way on every call with the same seed (scikit-learn's default breaks ties
    at random, which reordered and renamed the CART boxes of the same exploration)."""
    rng = np.random.default_rng(5)
    a = rng.random(400)
    x = pd.DataFrame({"a": a, "a_copy": a, "b": rng.random(400)})
    y = (x["a"] > 0.55).to_numpy() & (x["b"] < 0.7).to_numpy()
    first = discover(x, y, "ties", seed=3).cart
    for _ in range(6):
        pd.testing.assert_frame_equal(discover(x, y, "ties", seed=3).cart, first)
