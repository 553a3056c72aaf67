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
from sim.inputs.record import load_record
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
    assert "simulating 600 runs" in cap.err  # a line for the phase: stderr is no terminal
    lines = cap.out.splitlines()
    # each policy's id (what the command line takes) beside its name (what reports print)
    assert any(ln.startswith("strike_iraq") and "Strike inside Iraq" in ln for ln in lines)
    assert "P(death)" in cap.out and "P(exchange)" in cap.out and str(out) in cap.out
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
    folder = tmp_path / "mine"
    folder.mkdir()
    bad = folder / "events.csv"
    bad.write_text("id,date\n1,yesterday\n", encoding="utf-8")
    assert main(["record", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("escalation: error: ") and bad.name in err and "date_precision" in err
    assert err.count("\n") == 1
    # a file where a record folder is expected: one line naming it
    assert main(["record", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "events.csv" in err and "not a record folder" in err and err.count("\n") == 1


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


# --- every command as a reader meets it -----------------------------------------------------------


def test_every_registered_policy_is_defined_and_listed(capsys):
    from sim.core.policies import REGISTRY

    for name, d in REGISTRY.items():
        assert d.name == name and d.label and d.trigger and d.action and d.source, name
    assert main(["policies"]) == 0
    text = capsys.readouterr().out
    for name in REGISTRY:
        assert name in text, name
    assert main(["policies", "--format", "csv"]) == 0
    rows = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert list(rows.columns) == ["name", "trigger", "action", "source"]
    assert list(rows["name"]) == list(REGISTRY)
    assert (rows["trigger"] == [REGISTRY[n].trigger for n in REGISTRY]).all()


def test_policy_judgement_parameters_are_not_informed_table_parameters():
    from sim.core.params import TABLE
    from sim.core.policies import REGISTRY, judgement_parameters

    for name, d in REGISTRY.items():
        for p in d.parameters:  # every named parameter is in the table
            assert any(n == p or n.startswith(p + ".") for n in TABLE), (name, p)
        for p in judgement_parameters(name):
            # a per-group parameter (deniability) by its prefix, as judgement_parameters reads it
            rows = [r for n, r in TABLE.items() if n == p or n.startswith(p + ".")]
            assert rows and not all(r.informed for r in rows), (name, p)
    assert judgement_parameters("do_nothing") == ()


def test_params_piped_into_head_exits_cleanly():
    # the reader closes the pipe before the table is written: as `escalation params | head -0`
    proc = subprocess.Popen([ESCALATION, "params"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err
    r = subprocess.run(f"'{ESCALATION}' params | head -3", shell=True, capture_output=True,
                       text=True, executable="/bin/bash")  # fmt: skip
    assert r.returncode == 0 and r.stderr == "" and len(r.stdout.splitlines()) == 3


def test_params_shows_what_the_runs_draw_and_fits_100_columns(capsys):
    from sim.inputs.posterior import posterior_draws

    assert main(["params"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    post = posterior_draws()
    median = float(post["p_lethal"].median())
    line = next(ln for ln in out.splitlines() if ln.startswith("p_lethal "))
    assert f"{median:.3g}" in line and "0.06" in line  # the draws' median next to the default
    assert "not fitted" in next(ln for ln in out.splitlines() if ln.startswith("war_exchanges"))
    assert main(["params", "--format", "csv"]) == 0
    table = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert {"name", "default", "draws", "record", "source"} <= set(table.columns)
    fixed = table.set_index("name").loc["war_exchanges", "draws"]
    assert fixed.startswith("fixed")
    assert main(["params", "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("| name |")


def test_record_summary_is_readable_and_keeps_context_apart(capsys):
    assert main(["record"]) == 0
    out = capsys.readouterr().out
    assert "00:00:00" not in out and "2015-01-01" in out
    assert "Context rows" in out and "Beirut" in out
    assert main(["record", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    ctx = s["context_rows"]
    assert ctx and all(c["actor"] != "us" for c in ctx)
    # third parties' decapitations (Israel's of Shukr and Haniyeh) are context, not the
    # model's: the summary counts the US ones only (Soleimani, Abu Taqwa, al-Saadi)
    ev = load_record("full").events
    decapitations = ev[ev["action"] == "decapitation"]
    us = int((decapitations["actor"] == "us").sum())
    assert 0 < us < len(decapitations)
    assert s["by_action"]["decapitation"] == s["us_strikes"]["decapitation"] == us
    assert {c["action"] for c in ctx} >= {"decapitation"}
    assert s["model_rows"] + len(ctx) == s["rows"]


from sim.cli.main import COMMANDS  # noqa: E402  (every sub-command)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_description_and_help_with_defaults(command, capsys):
    from sim.cli.main import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices[command]
    assert sub.description and len(sub.description) > 40, command
    for action in sub._actions:
        if action.dest == "help":
            continue
        assert action.help, (command, action.dest)
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "``" not in text and ":data:" not in text and ":func:" not in text  # no reST
    for action in sub._actions:
        if action.option_strings and action.default not in (None, False, "==SUPPRESS=="):
            assert "default" in sub.format_help() and (
                str(action.default) in text.replace("\n", " ").replace("  ", " ")
                or ",".join(map(str, action.default)) in text
            ), (command, action.dest)


def test_every_result_directory_has_a_summary_and_the_same_manifest_keys(tmp_path, short_scenario):
    from sim.experiments.provenance import MANIFEST_KEYS

    sc = str(short_scenario(days=30))
    runs = ["--runs", "40", "--seed", "2"]
    commands = {
        "run": ["run", sc, *runs, "--workers", "1", "--quiet"],
        "compare": ["compare", sc, "--policies", "strike_iraq", *runs, "--workers", "1",
                    "--quiet"],
        "replay": ["replay", "--start", "2020-01-01", "--end", "2020-02-15", *runs],
        "branch": ["branch", "--at", "2020-01-03", "--horizon", "20", *runs],
        "sensitivity": ["sensitivity", sc, "--method", "morris", "--n", "4", "--reps", "1",
                        "--params", "p_lethal,response_delay", "--quiet"],
        "calibrate": ["calibrate", "--particles", "20", "--generations", "1", "--rows", "20",
                      "--ppc-runs", "10"],
        "explore": ["explore", sc, "--policies", "strike_iraq", "--worlds", "4",
                    "--replications", "2", "--seed", "2", "--workers", "1", "--quiet"],
        "validate": ["validate", "--quick"],
    }  # fmt: skip
    keys = None
    for name, argv in commands.items():
        out = tmp_path / name
        assert main([*argv, "--out", str(out)]) == 0, name
        md = (out / "summary.md").read_text(encoding="utf-8")
        for text in ("- Scenario: ", "- Period: ", "- Seed: ", "runs: ", "- Units: counts"):
            assert text in md, (name, text)
        manifest = json.loads((out / "manifest.json").read_text())
        assert list(manifest)[: len(MANIFEST_KEYS)] == list(MANIFEST_KEYS), name
        assert manifest["kind"] == name and manifest["git_commit"], name
        keys = keys or set(MANIFEST_KEYS)
        assert keys <= set(manifest), name
        modes = {f.stat().st_mode & 0o777 for f in out.iterdir() if f.is_file()}
        assert len(modes) == 1, (name, sorted(oct(m) for m in modes))  # one permission


def test_the_calibration_doc_stands_on_its_own():
    """docs/calibration.md names no design sketch or engine change outside the repository (the
    counts and tables of the docs are generated: ``tests/test_tree.py``)."""
    calibration = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert "DESIGN.md" not in calibration and "Engine change" not in calibration


def test_help_imports_no_sub_command():
    """``escalation --help`` lists every command without importing one (nor numba, pandas):
    start-up in a fraction of a second; ``escalation policies`` imports only its own."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sim.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "names = ('numba', 'pandas', 'matplotlib', 'sim.cli.run')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout
    assert all(name in out.stdout for name in ("run", "compare", "policies", "dashboard"))


def test_help_lines_match_the_commands():
    import importlib

    from sim.cli.main import COMMANDS, HELP, build_parser

    assert list(HELP) == list(COMMANDS)
    sub = build_parser()._subparsers._group_actions[0]
    helps = {a.dest: a.help for a in sub._choices_actions}
    assert helps == HELP
    for name in ("policies", "params"):  # the command given is registered from its module
        sub = build_parser(name)._subparsers._group_actions[0]
        assert (
            sub.choices[name].get_default("func") is importlib.import_module(f"sim.cli.{name}").run
        )
