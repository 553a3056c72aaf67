"""The ``escalation run`` and ``escalation compare`` commands as a user meets them: the files
they write, what they print, and one clear message (exit status 2, no traceback, nothing left
behind) for every kind of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli.compare import resolve_policies
from sim.cli.main import main
from sim.core.policies import all_policies
from sim.engines.ensemble import OUTCOMES
from sim.errors import UserError
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
ESCALATION = str(Path(sys.executable).parent / "escalation")
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def leftovers(out: Path) -> list[Path]:
    """Anything a failed command left at or next to ``out``."""
    return [p for p in (out, out.with_name(out.name + ".partial")) if p.exists()]


# --- the happy path -------------------------------------------------------------------------------


def test_run_writes_the_result_directory(tmp_path, short_scenario, capsys):
    path = short_scenario(days=60)
    out = tmp_path / "run"
    status = main(
        [
            "run",
            str(path),
            "--policy",
            "strike_syria",
            "--runs",
            "300",
            "--seed",
            "4",
            "--out",
            str(out),
            "--workers",
            "1",
            "--chunk-size",
            "100",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "300 runs of 'strike_syria'" in printed and str(out) in printed
    names = {p.name for p in out.iterdir()}
    assert {
        "outcomes.parquet",
        "daily_quantiles.parquet",
        "summary.parquet",
        "summary.csv",
        "summary.md",
        "figure.png",
        "manifest.json",
    } <= names
    o = pd.read_parquet(out / "outcomes.parquet")
    assert len(o) == 300 and set(o["policy"]) == {"strike_syria"}
    assert list(o.columns) == ["policy", "run", "chunk", *OUTCOMES]
    s = pd.read_parquet(out / "summary.parquet")
    assert set(s["policy"]) == {"strike_syria"} and s["diff"].isna().all()  # no paired diff
    m = json.loads((out / "manifest.json").read_text())
    assert m["command"].startswith("escalation run ") and "--runs 300" in m["command"]
    assert m["policies"] == ["strike_syria"] and m["runs"] == 300 and m["seed"] == 4
    assert not out.with_name("run.partial").exists()


def test_run_defaults_to_the_scenarios_policy_and_results_dir(
    tmp_path, short_scenario, monkeypatch
):
    path = short_scenario(days=20, name="tiny", policy="tit_for_tat")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(path), "--runs", "50", "--workers", "1", "--quiet"]) == 0
    out = tmp_path / "results" / "tiny-tit_for_tat"
    assert set(pd.read_parquet(out / "outcomes.parquet")["policy"]) == {"tit_for_tat"}
    m = json.loads((out / "manifest.json").read_text())
    assert m["runs"] == 50 and m["seed"] == 1 and m["chunk_size"] == 2000


def test_compare_adds_the_baseline_and_prints_a_table(tmp_path, short_scenario, capsys):
    path = short_scenario(days=60)
    out = tmp_path / "cmp"
    status = main(
        [
            "compare",
            str(path),
            "--policies",
            "strike_syria,strike_iraq",
            "--runs",
            "200",
            "--out",
            str(out),
            "--workers",
            "1",
            "--keep-daily",
        ]
    )
    assert status == 0
    cap = capsys.readouterr()
    assert "added do_nothing" in cap.err
    lines = cap.out.splitlines()
    assert any(line.startswith("strike_iraq") for line in lines)
    assert "P(US death)" in cap.out and str(out) in cap.out
    o = pd.read_parquet(out / "outcomes.parquet")
    assert list(o["policy"].cat.categories) == ["do_nothing", "strike_syria", "strike_iraq"]
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 3 * 200 * 60 and set(daily["policy"]) == set(o["policy"])
    q = pd.read_parquet(out / "daily_quantiles.parquet")
    assert set(q["policy"]) == {"do_nothing", "strike_syria", "strike_iraq"}
    s = pd.read_parquet(out / "summary.parquet")
    assert s.loc[s["policy"] != "do_nothing", "diff"].notna().any()
    assert s.loc[s["policy"] == "do_nothing", "diff"].isna().all()
    m = json.loads((out / "manifest.json").read_text())
    assert any(f.endswith(".png") for f in m["files"])
    for f in m["files"]:
        assert (out / f).is_file(), f


def test_policy_lists():
    sc = load_scenario(BASELINE)
    assert resolve_policies("all", sc) == (all_policies(), False)
    assert resolve_policies(None, sc) == (list(sc.policies), False)
    assert resolve_policies("scenario", sc)[0] == list(sc.policies)
    assert resolve_policies("tit_for_tat, strike_iraq,tit_for_tat", sc) == (
        ["do_nothing", "tit_for_tat", "strike_iraq"],
        True,
    )
    plain = sc.model_copy(update={"policies": None})
    assert resolve_policies(None, plain)[0] == all_policies()
    with pytest.raises(UserError, match="no 'policies' list"):
        resolve_policies("scenario", plain)
    with pytest.raises(UserError, match=r"unknown policy 'nope'.*known: .*do_nothing"):
        resolve_policies("strike_iraq,nope", sc)


# --- bad input ----------------------------------------------------------------------------------


def _scenario_text(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _baseline_with(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data.update(changes)
    return _scenario_text(tmp_path, yaml.safe_dump(data, sort_keys=False))


BAD_SCENARIOS = {
    "malformed_yaml": (
        lambda t: _scenario_text(t, "name: x\nstart: [2021-01-01\n"),
        "not valid YAML",
    ),
    "unknown_key": (lambda t: _baseline_with(t, colour="red"), "'colour': unknown key"),
    "wrong_type": (lambda t: _baseline_with(t, days="a year"), "'days'"),
    "out_of_range": (lambda t: _baseline_with(t, params={"p_lethal": 5.0}), "p_lethal"),
    "unknown_param": (lambda t: _baseline_with(t, params={"bravery": 1.0}), "bravery"),
    "unknown_policy": (lambda t: _baseline_with(t, policy="carpet_bombing"), "carpet_bombing"),
    "unknown_in_list": (lambda t: _baseline_with(t, policies=["do_nothing", "nuke"]), "nuke"),
    "missing_file": (lambda t: t / "absent.yaml", "cannot read"),
}


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("case", sorted(BAD_SCENARIOS))
def test_bad_scenarios_give_one_message_and_exit_2(tmp_path, capsys, case, command):
    make, fragment = BAD_SCENARIOS[case]
    path = make(tmp_path)
    out = tmp_path / "out"
    status = main([command, str(path), "--runs", "10", "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("escalation: error: "), err
    assert str(path) in err and fragment in err
    assert leftovers(out) == []


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", str(BASELINE), "--policy", "nope"], "unknown policy 'nope' (known: "),
        (
            ["compare", str(BASELINE), "--policies", "do_nothing,nope"],
            "--policies: unknown policy 'nope' (known: ",
        ),
        (["run", str(BASELINE), "--runs", "6000", "--keep-daily"], "--keep-daily keeps every"),
    ],
)
def test_bad_command_line_values(tmp_path, capsys, args, fragment):
    out = tmp_path / "out"
    assert main([*args, "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("escalation: error: ") and fragment in err
    assert leftovers(out) == []


@pytest.mark.parametrize("runs", ["0", "-3", "many"])
def test_bad_runs_are_refused_by_the_parser(tmp_path, capsys, runs):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["run", str(BASELINE), "--runs", runs, "--out", str(out)])
    assert exc.value.code == 2
    assert "argument --runs" in capsys.readouterr().err
    assert leftovers(out) == []


def test_out_under_a_regular_file(tmp_path, capsys):
    f = tmp_path / "notes.txt"
    f.write_text("x")
    out = f / "results"
    assert main(["run", str(BASELINE), "--runs", "10", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "not a directory" in err
    assert sorted(tmp_path.iterdir()) == [f]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only directories")
def test_out_under_a_read_only_directory(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    out = ro / "a" / "b"
    assert main(["run", str(BASELINE), "--runs", "10", "--out", str(out)]) == 2
    assert "not writable" in capsys.readouterr().err
    assert list(ro.iterdir()) == []


def test_existing_out_is_refused_without_overwrite(tmp_path, capsys):
    out = tmp_path / "done"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["run", str(BASELINE), "--runs", "10", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "mine"
    assert leftovers(out) == [out]


def test_malformed_record_file(tmp_path, capsys):
    bad = tmp_path / "events.csv"
    bad.write_text("id,date\n1,yesterday\n", encoding="utf-8")
    assert main(["record", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("escalation: error: ") and bad.name in err and "date_precision" in err
    assert err.count("\n") == 1


def test_the_installed_command_exits_2_without_traceback(tmp_path):
    path = _baseline_with(tmp_path, params={"p_lethal": 5.0})
    out = tmp_path / "out"
    r = subprocess.run(
        [ESCALATION, "run", str(path), "--out", str(out)], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("escalation: error: ") and str(path) in r.stderr
    assert "p_lethal" in r.stderr and r.stdout == ""
    assert leftovers(out) == []
