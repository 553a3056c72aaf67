"""Tests of the global sensitivity analysis (sim.explore.sensitivity, ``escalation sensitivity``).

Known answers first (the Ishigami function, through the same ``analyse_function`` path the model
study uses), then bad input, then small real runs of the model whose answers follow from the
rules.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.main import main
from sim.errors import UserError
from sim.explore.sensitivity import (
    analyse_function,
    build_problem,
    load_bounds,
    model_function,
    run_sensitivity,
    sample,
)
from sim.inputs.scenario import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"

# --- Ishigami (Ishigami & Homma 1990): y = sin x1 + a sin² x2 + b x3⁴ sin x1, x ~ U(-π, π)³ ---
A, B = 7.0, 0.1
PI = np.pi
ISHIGAMI = {"names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices() -> tuple[np.ndarray, np.ndarray]:
    """Analytic S1 and ST (Sobol' & Levitan 1999; Saltelli et al. 2008, Global Sensitivity
    Analysis: The Primer, §4.7): ≈ (0.3139, 0.4424, 0) and (0.5576, 0.4424, 0.2437)."""
    v1 = 0.5 * (1 + B * PI**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_ishigami_analytic_values_are_the_published_ones() -> None:
    s1, st = ishigami_indices()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)


@pytest.mark.parametrize("seed", [0, 7])
def test_sobol_recovers_ishigami_indices_within_their_intervals(seed: int) -> None:
    df = analyse_function(ishigami, ISHIGAMI, "sobol", 4096, seed)
    assert list(df["parameter"]) == ["x1", "x2", "x3"]
    assert set(df["outcome"]) == {"y"}
    s1, st = ishigami_indices()
    for col, truth in (("S1", s1), ("ST", st)):
        conf = df[f"{col}_conf"].to_numpy()
        # the intervals must be informative, or the check below would be empty
        assert np.all(conf > 0) and np.all(conf < 0.1), conf
        # 2 half-widths of a 95% interval (and 0.01 for the bootstrap's own noise)
        np.testing.assert_array_less(np.abs(df[col].to_numpy() - truth), 2 * conf + 0.01)
    # the interaction x1·x3 is found: x3 matters only through it (S1 ≈ 0, ST ≈ 0.24)
    x3 = df.iloc[2]
    assert abs(x3["S1"]) < 0.05 and x3["ST"] > 0.18


def test_morris_on_ishigami_matches_the_four_level_grid_values() -> None:
    """What is true for Morris on Ishigami, worked out on SALib's 4-level grid.

    The grid is {-π, -π/3, π/3, π} and every step is Δ = 2/3 of the range (from one of the two
    lower levels to the level two above it), and SALib divides each effect by Δ = 2/3:
    * x2: sin² goes 0 ↔ 3/4 on every step, so |EE| = 7·(3/4)/(2/3) = 7.875 always;
    * x1: |Δ sin x1| = √3/2 on every step, times (1 + b x3⁴) with x3⁴ ∈ {π⁴, (π/3)⁴} equally
      often: μ* = 1.5·(√3/2)·(1 + b(π⁴ + π⁴/81)/2) ≈ 7.70;
    * x3: |Δ x3⁴| = π⁴(1 - 1/81), times b|sin x1|, which is √3/2 half the time and 0 otherwise:
      μ* = 1.5·b·π⁴(80/81)·(√3/4) ≈ 6.25.
    So x1 and x2 rank above x3, but only by about 20%, not the wide gap of the Sobol' S1
    (x3's effect is all interaction, which μ* counts in full).
    """
    expect = np.array(
        [
            1.5 * np.sqrt(3) / 2 * (1 + B * (PI**4 + PI**4 / 81) / 2),
            A * 0.75 * 1.5,
            1.5 * B * PI**4 * (80 / 81) * np.sqrt(3) / 4,
        ]
    )
    np.testing.assert_allclose(expect, [7.704, 7.875, 6.249], atol=1e-3)
    df = analyse_function(ishigami, ISHIGAMI, "morris", 1000, 3)
    mu_star, conf = df["mu_star"].to_numpy(), df["mu_star_conf"].to_numpy()
    np.testing.assert_array_less(np.abs(mu_star - expect), 2 * conf + 0.05)
    assert mu_star[2] < min(mu_star[0], mu_star[1])
    assert mu_star[1] == pytest.approx(7.875)  # the same on every step: no spread at all
    assert set(df.columns) >= {"mu_star", "mu_star_conf", "sigma"}


def test_analysis_is_reproducible_for_seed_zero_and_differs_between_seeds() -> None:
    """SALib's sobol analysis ignores seed 0 (``if seed:``); ours stays reproducible."""
    a = analyse_function(ishigami, ISHIGAMI, "sobol", 256, 0)
    b = analyse_function(ishigami, ISHIGAMI, "sobol", 256, 0)
    pd.testing.assert_frame_equal(a, b)
    c = analyse_function(ishigami, ISHIGAMI, "sobol", 256, 1)
    assert not np.allclose(a["S1"], c["S1"])


def test_design_stays_inside_narrower_bounds() -> None:
    prob = {"names": ["a", "b"], "bounds": [[0.2, 0.3], [1.0, 4.0]], "num_vars": 2}
    for method, rows in (("sobol", 64 * 4), ("morris", 64 * 3)):
        x = sample(prob, method, 64, 0)
        assert x.shape == (rows, 2)
        assert x[:, 0].min() >= 0.2 and x[:, 0].max() <= 0.3
        assert x[:, 1].min() >= 1.0 and x[:, 1].max() <= 4.0


# --- bad input -------------------------------------------------------------------------------
def test_unknown_parameter_is_named_with_close_matches() -> None:
    with pytest.raises(UserError, match=r"unknown parameter 'p_lethl'.*'p_lethal'"):
        run_sensitivity(BASELINE, "do_nothing", "sobol", 8, 0, params=["p_lethl"])


def test_too_small_a_sample_and_unknown_method_are_refused() -> None:
    with pytest.raises(UserError, match="N must be at least"):
        analyse_function(ishigami, ISHIGAMI, "sobol", 2, 0)
    with pytest.raises(UserError, match="unknown method 'fast'"):
        analyse_function(ishigami, ISHIGAMI, "fast", 64, 0)


def test_cli_unknown_parameter_exits_2_without_traceback_or_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sens"
    typo = "p_lethal,base_rate.kataib_hezbolah"
    status = main(["sensitivity", str(BASELINE), "--policy", "do_nothing", "--n", "8",
                   "--params", typo, "--out", str(out)])  # fmt: skip
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("escalation: error: ")
    assert "base_rate.kataib_hezbolah" in err and "base_rate.kataib_hezbollah" in err
    assert "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_parameters_fixed_by_the_scenario_are_held_and_excluded() -> None:
    sc = scenario_from_dict(
        {"name": "t", "start": "2021-01-01", "days": 30, "params": {"p_lethal": 0.1}}
    )
    problem, fixed = build_problem(sc)
    assert fixed == {"p_lethal": 0.1}
    assert "p_lethal" not in problem["names"] and "p_injury" in problem["names"]
    with pytest.raises(UserError, match="fixed by the scenario"):
        build_problem(sc, ["p_lethal", "p_injury"])


def test_bounds_file_is_checked_against_the_table(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("p_lethal: [0.01, 0.2]\n")
    assert load_bounds(good) == {"p_lethal": (0.01, 0.2)}
    bad = tmp_path / "bad.yaml"
    bad.write_text("p_lethal: [0.0, 0.9]\n")  # the table allows at most 0.5
    with pytest.raises(UserError, match=r"bad.yaml, field 'p_lethal'.*range"):
        load_bounds(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text("p_letal: [0.0, 0.2]\n")
    with pytest.raises(UserError, match="unknown parameter 'p_letal'"):
        load_bounds(typo)


# --- the model -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


THREE = ["base_rate.kataib_hezbollah", "p_lethal", "intensity_iraq"]


@pytest.fixture(scope="module")
def do_nothing_study(baseline) -> pd.DataFrame:
    return run_sensitivity(baseline, "do_nothing", "sobol", 256, 11, params=THREE, reps=2)


def test_common_random_numbers_give_an_unread_parameter_exactly_zero(do_nothing_study) -> None:
    """Under do_nothing the US never strikes, so no rule reads ``intensity_iraq``. With common
    random numbers, rows that differ only in it give identical outputs, so its indices are
    exactly zero; the US never strikes, so ``us_strikes`` has no variance at all, nor does the
    chance of a direct exchange (Iran's grievance only rises when the US strikes Iran or
    kills a leader, and the baseline has no Iranian pulse)."""
    df = do_nothing_study
    assert sorted(df.attrs["constant"]) == ["direct_exchange", "us_strikes"]
    live = df[~df["outcome"].isin(df.attrs["constant"])]
    inert = live[live["parameter"] == "intensity_iraq"]
    assert len(inert) == 3
    assert (inert["S1"] == 0).all() and (inert["ST"] == 0).all()
    assert np.isfinite(live[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()


def test_without_common_random_numbers_noise_looks_like_an_effect(baseline) -> None:
    """The reason for CRN (sim.explore.sensitivity docstring): with independent draws per run, the
    same unread parameter gets a clearly positive total index (the noise variance)."""
    problem, _ = build_problem(baseline, THREE)
    func = model_function(baseline, "do_nothing", THREE, seed=11, reps=2, crn=False)
    df = analyse_function(func, problem, "sobol", 64, 11)
    st = df[(df["parameter"] == "intensity_iraq") & (df["outcome"] == "attacks_total")]["ST"]
    assert st.item() > 0.05


def test_lethality_matters_more_for_deaths_than_for_attack_counts(do_nothing_study) -> None:
    """Under do_nothing, ``p_lethal`` reaches the attack count only indirectly (deaths make the
    US consolidate bases and add air defence, which lowers exposure), while US deaths are
    roughly attacks × p_lethal × (1 - air defence) × killed per attack, zero at p_lethal = 0.
    And the background rate of attacks drives the attack count far more than lethality."""
    d = do_nothing_study.set_index(["outcome", "parameter"])
    killed, attacks = d.loc[("us_killed", "p_lethal")], d.loc[("attacks_total", "p_lethal")]
    assert killed["ST"] - killed["ST_conf"] > attacks["ST"] + attacks["ST_conf"]
    rate = d.loc[("attacks_total", "base_rate.kataib_hezbollah")]
    assert rate["ST"] - rate["ST_conf"] > attacks["ST"] + attacks["ST_conf"]


def test_results_do_not_depend_on_the_batch_size(baseline) -> None:
    """Each replicate's draws restart in every ensemble call, so batching changes nothing."""
    kw = {"params": ["p_lethal", "p_injury"], "reps": 2}
    sc = baseline.model_copy(update={"days": 60})
    a = run_sensitivity(sc, "strike_iraq", "morris", 6, 5, batch=7, **kw)
    b = run_sensitivity(sc, "strike_iraq", "morris", 6, 5, batch=1000, **kw)
    pd.testing.assert_frame_equal(a, b)


def test_cli_small_run_writes_every_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "sens"
    argv = ["sensitivity", str(BASELINE), "--policy", "strike_iraq", "--n", "64",
            "--params", "p_lethal,response_delay,base_rate.kataib_hezbollah", "--reps", "2",
            "--seed", "3", "--quiet", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"indices.parquet", "indices.csv", "indices.md", "sensitivity.png",
                     "sensitivity.pdf", "manifest.json"}  # fmt: skip
    df = pd.read_parquet(out / "indices.parquet")
    assert list(df.columns) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(df) == 5 * 3
    # (max_rung is left out: under strike_iraq almost every draw stream reaches rung 6 in every
    # design row, so with two replicates its variance is often zero and its indices undefined)
    live = df[df["outcome"].isin(["us_killed", "attacks_total", "us_strikes"])]
    assert np.isfinite(live[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    pd.testing.assert_frame_equal(df, pd.read_csv(out / "indices.csv"), check_dtype=False)
    man = json.loads((out / "manifest.json").read_text())
    assert man["method"] == "sobol" and man["n"] == 64 and man["seed"] == 3
    assert man["varied"] == ["p_lethal", "response_delay", "base_rate.kataib_hezbollah"]
    assert man["rows"] == 64 * 5 and man["runs"] == 64 * 5 * 2
    assert len(man["scenario_sha256"]) == 64 and "--params" in man["command"]
    assert "Which assumptions drive US deaths?" in (out / "indices.md").read_text()
    assert (out / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
    # an existing directory is refused unless --overwrite
    capsys.readouterr()
    assert main(argv) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["sens"]  # no temporary directory left
