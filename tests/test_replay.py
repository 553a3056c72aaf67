"""Replay of the record and counterfactual branches (sim.history.replay, escalation
replay/branch)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.main import main
from sim.core import ladder
from sim.core.params import Params
from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.history.replay import (
    branch,
    forcing_from_record,
    history_setting,
    replay,
    simulate,
    window,
)
from sim.inputs.record import load_record, write_record

START = dt.date(2019, 12, 1)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load_record("seeds").events


def test_forcing_places_the_documented_actions(events: pd.DataFrame) -> None:
    f = forcing_from_record(events, START, 120, ("us", "iran", "iraq_gov"))
    t = lambda d: (d - START).days  # noqa: E731
    assert f.us[t(dt.date(2019, 12, 29))] == ladder.US_STRIKE_IRAQ
    # Soleimani's killing is that of an Iranian official, not a militia commander's
    assert f.us[t(dt.date(2020, 1, 3))] == ladder.US_DECAPITATION_IRAN
    assert f.us[t(dt.date(2020, 3, 12))] == ladder.US_STRIKE_IRAQ
    assert np.count_nonzero(f.us) == 3
    assert np.flatnonzero(f.iran).tolist() == [t(dt.date(2020, 1, 8))]
    assert np.flatnonzero(f.vote).tolist() == [t(dt.date(2020, 1, 5))]


def test_simulate_is_the_ensemble_loop(events: pd.DataFrame) -> None:
    # the replay loop calls the engine's advance with the engine's draws: same outcomes
    setting = window(history_setting(), START, dt.date(2020, 3, 31))
    f = forcing_from_record(events, START, setting.days)
    p = Params.build(200)
    tr = simulate(setting, p, np.random.default_rng(3), forcing=f)
    res = run_ensemble(setting, get_policy("do_nothing"), p, np.random.default_rng(3),
                       keep_daily=False, forced_us=f.us)  # fmt: skip
    for k, v in res.outcomes.items():
        np.testing.assert_array_equal(tr.outcomes[k], v, err_msg=k)
    assert (tr.series["attacks"].sum(axis=0) == res.outcomes["attacks_total"]).all()


def test_replay_forces_the_record_and_is_reproducible(events: pd.DataFrame) -> None:
    end = dt.date(2020, 3, 31)
    a = replay(events, START, end, 300, 7, force=("us", "iran", "iraq_gov"), posterior=False)
    b = replay(events, START, end, 300, 7, force=("us", "iran", "iraq_gov"), posterior=False)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    assert len(a.runs) == 300
    assert (a.runs["decapitations"] == 1).all()
    # US forces that have withdrawn (rules.withdrawal after the vote) strike no more
    stayed = ~a.runs["withdrawal"]
    assert stayed.mean() > 0.8
    assert (a.runs.loc[stayed, "strikes_iraq"] == 2).all()
    assert (a.runs["iran_strikes"] == 1).all()  # forced: exactly the documented strike
    assert a.runs["expulsion_vote"].all()
    t = (dt.date(2020, 1, 8) - START).days
    assert a.trace.series["iran_struck"][t].all()
    # the weekly table sets the record next to the predictions
    wk = a.weekly
    assert wk["attacks_record"].sum() >= 3  # K-1, mid-Feb embassy, Taji x2 in the window
    assert (wk["attacks_p05"] <= wk["attacks_p50"]).all()
    assert (wk["attacks_p50"] <= wk["attacks_p95"]).all()


def test_forced_strikes_raise_attacks_through_revenge(events: pd.DataFrame) -> None:
    end = dt.date(2020, 2, 28)
    p = Params.build(2000)
    forced = replay(events, START, end, 2000, 2, params=p)
    quiet = replay(events.iloc[:0], START, end, 2000, 2, params=p)
    # common random numbers: before the first strike the runs are identical
    t0 = (dt.date(2019, 12, 29) - START).days
    np.testing.assert_array_equal(
        forced.trace.series["attacks"][:t0], quiet.trace.series["attacks"][:t0]
    )
    assert forced.runs["attacks_total"].mean() > quiet.runs["attacks_total"].mean() + 0.5


def test_branch_shares_history_and_draws(events: pd.DataFrame) -> None:
    at = dt.date(2020, 1, 3)
    res = branch(events, at, ["record", "do_nothing", "tit_for_tat"], 60, 300, 4,
                 start=START, posterior=False)  # fmt: skip
    rec, nothing = res.futures["record"], res.futures["do_nothing"]
    assert res.history is not None and res.history.days == (at - START).days
    assert (rec.series["us_action"][0] == ladder.US_DECAPITATION_IRAN).all()  # Soleimani
    assert nothing.outcomes["us_strikes"].sum() == 0
    # day 0: militias move before the US, so with common random numbers they attack alike
    for tr in res.futures.values():
        np.testing.assert_array_equal(tr.series["attacks"][0], rec.series["attacks"][0])
    # without the decapitation Iran has no grievance to strike on
    assert nothing.outcomes["iran_strikes"].sum() == 0
    assert rec.outcomes["iran_strikes"].mean() > 0.5


def test_branch_rejects_a_date_before_the_history(events: pd.DataFrame) -> None:
    from sim.errors import UserError

    with pytest.raises(UserError, match="before the start"):
        branch(events, dt.date(2019, 1, 1), ["do_nothing"], 10, 10, 1, start=START)


def test_replay_and_branch_commands(tmp_path: Path) -> None:
    out = tmp_path / "replay"
    assert main(["replay", "--start", "2019-12-01", "--end", "2020-02-29", "--runs", "50",
                 "--seed", "1", "--out", str(out), "--force", "us,iran"]) == 0  # fmt: skip
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 50 and "attacks_total" in runs
    assert (out / "weekly.csv").is_file() and (out / "replay.png").is_file()
    assert (out / "manifest.json").is_file()
    # the documented side names the militia members killed by US strikes: 25 KH on 2019-12-29
    # and al-Muhandis on 2020-01-03 (sim.history.replay.record_totals)
    summary = (out / "summary.md").read_text(encoding="utf-8")
    militia = next(ln for ln in summary.splitlines() if "Militia members killed" in ln)
    assert militia.rstrip(" |").endswith("| 26"), militia
    out = tmp_path / "branch"
    assert main(["branch", "--at", "2020-01-03", "--policies", "record,do_nothing",
                 "--horizon", "30", "--runs", "40", "--seed", "1", "--out", str(out),
                 "--start", "2019-12-01"]) == 0  # fmt: skip
    table = pd.read_parquet(out / "branch.parquet")
    assert sorted(table["policy"].unique()) == ["do_nothing", "record"]
    assert len(table) == 80
    assert (out / "branch.png").is_file()
    # paired differences from the documented actions, with intervals, as compare gives them
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "## Differences from “As documented”, run by run" in md
    diffs = md.split("## Differences from")[1]
    row = next(ln for ln in diffs.splitlines() if ln.startswith("| Do nothing | `do_nothing` |"))
    assert row.count("[") >= 5 and "," in row  # "+d [lo, hi]" per outcome


BAD_CASES = {
    "unknown actor": ("2020-01-01", "martians", "line 2", "actor"),
    "malformed date": ("2020-13-45", "militia", "line 2", "date"),
}


def _bad_record(folder: Path, date: str, actor: str, extra: dict | None = None) -> Path:
    """A record folder whose events.csv has a row with ``date`` and ``actor`` (and ``extra``
    after it)."""
    row = {"id": "a1", "date": date, "date_precision": "day", "actor": actor,
           "target": "us_forces", "theatre": "iraq", "location": "x",
           "action": "harassment_attack", "weapon": "rocket", "outlet": "Reuters",
           "published": "2020-01-02", "headline": "h", "url": "https://example.org/a"}  # fmt: skip
    return write_record(folder, [row] + ([{**row, **extra}] if extra else []))


def _replay_record(tmp_path: Path, record: Path) -> int:
    """``escalation replay`` on a record, as a user would run it."""
    return main(
        ["replay", "--record", str(record), "--start", "2020-01-01", "--end", "2020-01-31",
         "--runs", "5", "--seed", "1", "--out", str(tmp_path / "o")]
    )  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_replay_bad_record_names_file_and_line(tmp_path: Path, capsys, case: str) -> None:
    date, actor, line, field = BAD_CASES[case]
    code = _replay_record(tmp_path, _bad_record(tmp_path / "bad", date, actor))
    err = capsys.readouterr().err
    assert code == 2
    assert "events.csv" in err and line in err and field in err


def test_replay_bad_record_date_out_of_order(tmp_path: Path, capsys) -> None:
    extra = {"id": "a2", "date": "2019-05-01"}
    code = _replay_record(tmp_path, _bad_record(tmp_path / "bad", "2020-01-01", "militia", extra))
    err = capsys.readouterr().err
    assert code == 2 and "events.csv" in err and "line 3" in err and "out of order" in err


def test_replay_rejects_bad_dates_and_actors(tmp_path: Path, capsys) -> None:
    code = main(["replay", "--start", "2020-02-30", "--end", "2020-03-01", "--runs", "5",
                 "--seed", "1", "--out", str(tmp_path)])  # fmt: skip
    assert code == 2 and "--start" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["replay", "--start", "2020-01-01", "--end", "2020-03-01", "--runs", "5",
              "--seed", "1", "--out", str(tmp_path), "--force", "martians"])  # fmt: skip


# --- the history setting, outputs, posterior files ------------------------------------------------
def test_the_history_setting_is_one_packaged_file() -> None:
    from sim.inputs.packaged import history_setting_path
    from sim.inputs.scenario import load_scenario

    h = history_setting()
    assert h == load_scenario(history_setting_path())
    assert h.policy == "do_nothing" and h.start == dt.date(2019, 10, 1)
    assert h.end == dt.date(2024, 12, 31)
    # the nuclear-talks restraint of 2021 is over long before 2024
    talks = [s for s in h.shocks if s.kind == "iran_restraint"]
    assert len(talks) == 1 and talks[0].end is not None and talks[0].end.year == 2022
    w = window(h, dt.date(2024, 6, 1), dt.date(2024, 8, 31)).shock_arrays()
    assert (w["iran_restraint"] == 0).all() and (w["iran_direction"] > 0).all()
    assert w["iran_grievance_third_party"].sum() == pytest.approx(0.6)  # Haniyeh, once
    assert w["iran_grievance"].sum() == 0.0  # blamed on Israel, not the US


def test_a_new_scenario_file_changes_no_replay(tmp_path: Path, events, monkeypatch) -> None:
    import sim.inputs.packaged as packaged

    before = replay(events, START, dt.date(2020, 1, 31), 50, 3).runs
    extra = tmp_path / "scenarios"
    extra.mkdir()
    for f in packaged.scenario_dir().glob("*.yaml"):
        (extra / f.name).write_bytes(f.read_bytes())
    (extra / "more.yaml").write_text(
        "name: more\nstart: 2019-12-01\ndays: 60\nshocks:\n"
        "  - kind: militia_grievance\n    start: 2019-12-10\n    magnitude: 5\n"
    )
    monkeypatch.setattr(packaged, "scenario_dir", lambda: extra)
    pd.testing.assert_frame_equal(replay(events, START, dt.date(2020, 1, 31), 50, 3).runs, before)


def test_replay_defaults_to_the_scenario_period_and_names_the_setting(tmp_path: Path) -> None:
    import json

    out = tmp_path / "r"
    assert main(["replay", "--scenario", "late_2019", "--runs", "20", "--seed", "1",
                 "--out", str(out)]) == 0  # fmt: skip
    man = json.loads((out / "manifest.json").read_text())
    assert man["period_start"] == "2019-10-01" and man["period_end"] == "2020-03-31"
    assert man["setting_file"].endswith("late_2019.yaml") and len(man["setting_sha256"]) == 64
    out = tmp_path / "h"
    assert main(["replay", "--start", "2020-01-01", "--end", "2020-01-10", "--runs", "5",
                 "--seed", "1", "--out", str(out)]) == 0  # fmt: skip
    man = json.loads((out / "manifest.json").read_text())
    assert man["setting_file"].endswith("history_setting.yaml") and man["policy"] == "do_nothing"


def test_overwrite_replaces_only_once_the_new_results_are_complete(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import sim.figures.history as figures

    out = tmp_path / "r"
    argv = ["replay", "--start", "2020-01-01", "--end", "2020-01-10", "--runs", "5", "--seed",
            "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    first = (out / "runs.parquet").read_bytes()
    capsys.readouterr()
    assert main(argv) == 2 and "--overwrite" in capsys.readouterr().err
    assert (out / "runs.parquet").read_bytes() == first

    def broken(*a, **k):
        raise RuntimeError("the figure failed")

    monkeypatch.setattr(figures, "plot_replay", broken)
    with pytest.raises(RuntimeError):
        main([*argv, "--overwrite", "--seed", "2"])
    assert (out / "runs.parquet").read_bytes() == first  # the old results are intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no staging left behind
    monkeypatch.undo()
    assert main([*argv, "--overwrite", "--seed", "2"]) == 0
    assert (out / "runs.parquet").read_bytes() != first


def test_a_missing_or_malformed_posterior_is_an_error_naming_the_file(tmp_path: Path) -> None:
    import sim.experiments.sampling as sampling
    import sim.inputs.posterior as posterior_io
    from sim.errors import UserError
    from sim.inputs.scenario import scenario_from_dict

    with pytest.raises(UserError, match=r"nowhere\.csv: the posterior file does not exist"):
        posterior_io.posterior_draws(tmp_path / "nowhere.csv")
    cases = {
        "empty.csv": ("", "is empty"),
        "header.csv": ("p_lethal\n", "no draws"),
        "unknown.csv": ("p_lethal,colour\n0.1,2\n", "column 'colour'"),
        "text.csv": ("p_lethal\n0.1\nhigh\n", r"line 3, column 'p_lethal'"),
        "range.csv": ("p_lethal\n0.9\n", r"line 2, column 'p_lethal'.*range"),
        "nan.csv": ("p_lethal\nnan\n", "not a number"),
    }
    for name, (text, words) in cases.items():
        f = tmp_path / name
        f.write_text(text)
        with pytest.raises(UserError, match=rf"{re.escape(name)}.*{words}"):
            posterior_io.posterior_draws(f)
    (tmp_path / "s.yaml").write_text("name: s\nstart: 2020-01-01\nposterior: range.csv\n")
    from sim.inputs.scenario import load_scenario

    with pytest.raises(UserError, match=r"s\.yaml, field 'posterior'.*range\.csv"):
        load_scenario(tmp_path / "s.yaml")
    # no silent fall-back when the shipped posterior is missing
    sc = scenario_from_dict({"name": "s", "start": "2020-01-01"})
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(posterior_io, "shipped_posterior_path", lambda: tmp_path / "gone.csv")
    try:
        with pytest.raises(UserError, match=r"gone\.csv: the posterior file does not exist"):
            sampling.build_params(sc, 3, np.random.default_rng(1))
    finally:
        monkeypatch.undo()


def test_calibrate_writes_the_posterior_where_asked_and_a_scenario_uses_it(
    tmp_path: Path, monkeypatch
) -> None:
    from sim.experiments.sampling import build_params
    from sim.inputs.posterior import shipped_posterior_path
    from sim.inputs.scenario import load_scenario

    shipped = shipped_posterior_path().read_bytes()
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "fits" / "mine.csv"
    assert main(["calibrate", "--seed", "1", "--particles", "20", "--generations", "1",
                 "--rows", "20", "--ppc-runs", "20", "--out", "cal",
                 "--write-posterior", str(target)]) == 0  # fmt: skip
    assert shipped_posterior_path().read_bytes() == shipped  # the package is left alone
    written = pd.read_csv(target)
    assert len(written) == 20
    pd.testing.assert_frame_equal(written, pd.read_csv(tmp_path / "cal" / "posterior.csv"))
    # no temporary left; the informed flags beside the posterior
    assert sorted(p.name for p in target.parent.iterdir()) == ["mine.csv", "mine_informed.csv"]
    (tmp_path / "s.yaml").write_text("name: s\nstart: 2020-01-01\nposterior: fits/mine.csv\n")
    p = build_params(load_scenario(tmp_path / "s.yaml"), 100, np.random.default_rng(1))
    assert set(np.unique(p.flat["self_excitation"])) <= set(written["self_excitation"])
    assert main(["calibrate", "--seed", "1", "--out", "cal2", "--write-posterior", "x.txt"]) == 2
    assert not (tmp_path / "cal2").exists()
