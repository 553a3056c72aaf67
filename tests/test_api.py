"""The public Python API (sim.api, docs/api.md): the same numbers as the command line, results
in memory with ``.save(dir)`` writing what the command writes, notebook-safe runs, the model as
a function with common random numbers, the EMA Workbench model, xarray datasets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli.main import main
from sim.core.params import TABLE
from sim.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def test_import_sim_is_cheap_and_exports_the_api():
    code = (
        "import sys, sim; heavy = [m for m in ('pandas', 'numba', 'sim.api') if m in sys.modules];"
        "print(heavy); print(callable(sim.compare), callable(sim.simulate))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "True True"]
    assert {"simulate", "compare", "replay", "branch", "validate", "model_function"} <= set(
        dir(sim)
    )


def test_simulate_gives_the_numbers_of_escalation_run(tmp_path, short_scenario):
    path = short_scenario(days=60)
    df = sim.simulate(path, "strike_syria", runs=30, seed=4, chunk_size=16)
    assert list(df.index) == list(range(30))
    assert "attacks_total" in df.columns and "policy" not in df.columns
    out = tmp_path / "run"
    argv = ["run", str(path), "--policy", "strike_syria", "--runs", "30", "--seed", "4"]
    assert main([*argv, "--chunk-size", "16", "--out", str(out), "--workers", "1", "--quiet"]) == 0
    cli = pd.read_parquet(out / "outcomes.parquet").set_index("run")[list(df.columns)]
    pd.testing.assert_frame_equal(df, cli)
    # the Mesa engine runs the same day: the same numbers
    mesa = sim.simulate(path, "strike_syria", runs=4, seed=4, engine="mesa")
    pd.testing.assert_frame_equal(mesa, df.iloc[:4].astype(mesa.dtypes), check_dtype=False)


def test_parameters_as_keywords_fix_them_in_every_run(short_scenario):
    path = short_scenario(days=60)
    low = sim.simulate(path, "do_nothing", runs=40, seed=2, self_excitation=0.0)
    high = sim.simulate(path, "do_nothing", runs=40, seed=2, self_excitation=0.8)
    assert high["attacks_total"].sum() > low["attacks_total"].sum()
    with pytest.raises(UserError, match="self_excitation"):
        sim.simulate(path, "do_nothing", runs=5, seed=2, self_excitation=5.0)
    with pytest.raises(UserError, match="no_such_parameter"):
        sim.load_scenario(path, no_such_parameter=1.0)


def test_compare_in_memory_and_saved_as_the_command_writes(tmp_path, short_scenario):
    path = short_scenario(days=60)
    cmp = sim.compare(path, ["do_nothing", "strike_syria"], runs=30, seed=5)
    assert set(cmp.differences["policy"]) == {"strike_syria"}
    row = cmp.differences.set_index("outcome").loc["attacks_total"]
    assert row["diff_lo"] <= row["diff"] <= row["diff_hi"]
    runs = cmp.runs
    means = runs.groupby("policy")["attacks_total"].mean()
    assert row["diff"] == pytest.approx(means["strike_syria"] - means["do_nothing"])
    assert "Outcomes by US policy" in cmp.summary()
    figs = cmp.plot()
    assert "paired_differences" in figs and hasattr(figs["paired_differences"], "savefig")

    saved = tmp_path / "api"
    cmp.save(saved)
    cmp.save(saved)  # a cell run again: an earlier result is replaced, no --overwrite needed
    out = tmp_path / "cli"
    argv = ["compare", str(path), "--policies", "do_nothing,strike_syria", "--runs", "30"]
    assert main([*argv, "--seed", "5", "--out", str(out), "--workers", "1", "--quiet"]) == 0
    api_files = json.loads((saved / "manifest.json").read_text())["files"]
    cli_files = json.loads((out / "manifest.json").read_text())["files"]
    assert api_files == cli_files
    assert sorted(p.name for p in saved.iterdir()) == sorted(p.name for p in out.iterdir())
    for name in ("outcomes.parquet", "daily_quantiles.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(saved / name), pd.read_parquet(out / name))

    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(UserError, match="not empty"):
        cmp.save(other)
    assert (other / "mine.txt").read_text() == "keep me"


def test_run_object_saves_the_files_of_escalation_run(tmp_path, short_scenario):
    path = short_scenario(days=40)
    res = sim.run(path, "strike_syria", runs=20, seed=1)
    files = {p.name for p in res.save(tmp_path / "r")}
    assert {"outcomes.parquet", "summary.md", "figure.png", "manifest.json"} <= files
    assert "figure" in res.plot()


def _script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "analysis.py"
    script.write_text(textwrap.dedent(body), encoding="utf-8")
    return script


@pytest.mark.parametrize("stdin", ["closed", "devnull"])
def test_a_script_without_a_main_guard_may_ask_for_workers(tmp_path, short_scenario, stdin):
    """Worker processes do not run the calling script again (it has no main guard)."""
    path = short_scenario(days=30)
    script = _script(
        tmp_path,
        f"""
        import sim
        print("body", flush=True)
        two = sim.simulate({str(path)!r}, "do_nothing", runs=24, seed=3, chunk_size=6, workers=2)
        one = sim.simulate({str(path)!r}, "do_nothing", runs=24, seed=3, chunk_size=6)
        print("same", two.equals(one), len(two), flush=True)
        """,
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    kwargs = {"stdin": subprocess.DEVNULL} if stdin == "devnull" else {"pass_fds": ()}
    cmd = [sys.executable, str(script)]
    if stdin == "closed":  # the script's standard input closed, as under some schedulers
        cmd = ["sh", "-c", 'exec "$0" "$1" 0<&-', *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300,
                         cwd=tmp_path, **kwargs)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == ["body", "same True 24"]


def test_model_function_has_common_random_numbers():
    sc = sim.load_scenario("baseline")
    a = sim.model_function("do_nothing", runs=30, seed=7, self_excitation=0.2, return_runs=True)
    b = sim.model_function("do_nothing", runs=30, seed=7, self_excitation=0.5, return_runs=True)
    c = sim.model_function("do_nothing", runs=30, seed=8, self_excitation=0.5, return_runs=True)
    again = sim.model_function("do_nothing", runs=30, seed=7, self_excitation=0.2, scenario=sc)
    # same seed: the same draws, so the runs are paired (correlated) and the means reproduce
    for k in ("attacks_total", "us_killed", "war", "days_to_war_restricted_mean"):
        assert again[k] == pytest.approx(float(np.mean(a[k])))
    paired = np.corrcoef(a["attacks_total"], b["attacks_total"])[0, 1]
    independent = np.corrcoef(b["attacks_total"], c["attacks_total"])[0, 1]
    assert paired > 0.5 > independent
    assert b["attacks_total"].mean() > a["attacks_total"].mean()
    means = sim.model_function("do_nothing", runs=30, seed=7)
    assert {"attacks_total", "war", "days_to_war_restricted_mean"} <= set(means)
    assert 0 <= means["days_to_war_restricted_mean"] <= sc.days


def test_ema_model_runs_perform_experiments_and_prim():
    pytest.importorskip("ema_workbench")
    from ema_workbench import perform_experiments
    from ema_workbench.analysis import prim

    from sim.explore import ema_model

    model = ema_model(runs=5, parameters=["self_excitation", "p_lethal"],
                      policies=["do_nothing", "strike_syria"])  # fmt: skip
    assert [u.name for u in model.uncertainties] == ["self_excitation", "p_lethal"]
    assert [lever.name for lever in model.levers] == ["us_policy"]
    experiments, outcomes = perform_experiments(model, 12, policies=2)
    assert len(experiments) == 24
    assert set(experiments["us_policy"]) <= {"do_nothing", "strike_syria"}
    assert {"attacks_total", "us_killed"} <= set(outcomes)
    x = experiments[["self_excitation", "p_lethal"]]
    y = outcomes["attacks_total"] > np.median(outcomes["attacks_total"])
    box = prim.Prim(x, y.astype(int), mass_min=0.05).find_box()
    assert box is not None
    full = ema_model()
    assert len(full.uncertainties) > 20
    assert all(u.name.isidentifier() for u in full.uncertainties)
    from sim.explore.ema import ema_function, ema_name

    group = next(n for n in TABLE if "." in n)  # closeness.harakat_nujaba ...
    mid = (TABLE[group].low + TABLE[group].high) / 2
    out = ema_function(us_policy="do_nothing", runs=3, seed=1, **{ema_name(group): mid})
    assert set(out) >= {"attacks_total", "us_killed"}


def test_to_xarray_and_netcdf_round_trip(tmp_path, short_scenario):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    path = short_scenario(days=20)
    cmp = sim.compare(path, ["do_nothing", "strike_syria"], runs=8, seed=1, keep_daily=True)
    ds = cmp.to_xarray()
    assert dict(ds.sizes) == {"policy": 2, "run": 8, "day": 20}
    assert ds["us_killed"].attrs["units"] == "Americans killed"
    assert json.loads(ds.attrs["manifest"])["seed"] == 1
    daily = ds["daily_attacks"].sum("day").values
    totals = ds["attacks_total"].values
    np.testing.assert_array_equal(daily, totals)
    files = cmp.save(tmp_path / "x", xarray="netcdf")
    assert tmp_path / "x" / "results.nc" in files
    back = xr.open_dataset(tmp_path / "x" / "results.nc", engine="h5netcdf")
    np.testing.assert_array_equal(back["attacks_total"].values, totals)


def test_replay_and_branch_in_memory(tmp_path):
    rep = sim.replay("2020-01-01", "2020-01-31", runs=5, seed=1)
    assert len(rep.runs) == 5 and "summary" not in rep.summary()[:0]
    files = {p.name for p in rep.save(tmp_path / "replay")}
    assert {"runs.parquet", "weekly.csv", "summary.md", "manifest.json"} <= files
    br = sim.branch("2020-01-03", ["record", "do_nothing"], horizon=20, runs=5, seed=1)
    assert set(br.runs["policy"]) == {"record", "do_nothing"}
    files = {p.name for p in br.save(tmp_path / "branch")}
    assert {"branch.parquet", "branch.csv", "summary.md", "manifest.json"} <= files


def test_mesa_batch_run_with_scenario_names_and_sweeps_matches_the_ensemble(
    tmp_path, short_scenario
):
    from mesa import batch_run

    path = str(short_scenario(days=45))
    rows = batch_run(
        sim.EscalationModel,
        {"scenario": path, "policy": "strike_syria", "run": range(4),
         "self_excitation": [0.2, 0.6]},
        rng=2, max_steps=45, display_progress=False,
    )  # fmt: skip
    df = pd.DataFrame(rows).drop_duplicates(["self_excitation", "run"])
    df.to_parquet(tmp_path / "batch.parquet")  # the scenario is a name: the table is plain
    assert {"attacks", "attacks_total", "us_killed_total", "war", "max_rung"} <= set(df.columns)
    for value, group in df.groupby("self_excitation"):
        ens = sim.simulate(path, "strike_syria", runs=4, seed=2, self_excitation=value)
        got = group.sort_values("run").set_index("run")
        np.testing.assert_array_equal(got["attacks_total"], ens["attacks_total"])
        np.testing.assert_array_equal(got["us_killed_total"], ens["us_killed"])
        np.testing.assert_array_equal(got["war"].astype(bool), ens["war"].astype(bool))
        np.testing.assert_array_equal(got["max_rung"], ens["max_rung"])


def test_mesa_model_takes_parameters_as_keywords_and_reports_running_totals():
    m = sim.EscalationModel(policy="strike_syria", rng=5, self_excitation=0.4)
    assert m.config.name == "baseline"
    assert float(m.p.self_excitation[0]) == pytest.approx(0.4)
    for _ in range(60):
        m.step()
    frame = m.datacollector.get_model_vars_dataframe()
    np.testing.assert_array_equal(frame["attacks"].cumsum(), frame["attacks_total"])
    assert (frame["max_rung"].diff().dropna() >= 0).all()
    assert (frame["max_rung"] >= frame["rung"]).all()
    with pytest.raises(UserError, match="self_excitation"):
        sim.EscalationModel(policy="do_nothing", self_excitation=9.0)


def test_a_scenario_object_or_dict_runs_and_saves(tmp_path):
    sc = sim.load_scenario({"name": "mine", "start": "2021-01-01", "days": 30})
    res = sim.run(sc, "do_nothing", runs=5, seed=1)
    assert res.manifest["scenario_file"] is None
    res.save(tmp_path / "mine")
    assert (tmp_path / "mine" / "summary.md").is_file()
