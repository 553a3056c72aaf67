"""The experiment runner (sim.experiments.experiment, sim.experiments.store): determinism across
executors, common
random numbers, streaming aggregation, resume after Ctrl-C or SIGKILL, output places."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import metrics
from sim.engines.ensemble import OUTCOMES
from sim.errors import UserError
from sim.experiments import experiment as E
from sim.experiments.experiment import Experiment, run_experiment
from sim.experiments.store import partial_dir
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
ESCALATION = str(Path(sys.executable).parent / "escalation")


def experiment(path: Path, policies=("do_nothing", "strike_syria"), runs=600, chunk=200, **kw):
    return Experiment(
        load_scenario(path),
        tuple(policies),
        runs,
        seed=kw.pop("seed", 5),
        chunk_size=chunk,
        scenario_path=str(path),
        **kw,
    )


def run(exp: Experiment, out: Path, **kw) -> E.ExperimentResult:
    return run_experiment(exp, out, progress=False, **kw)


# --- determinism --------------------------------------------------------------------------------


def test_workers_do_not_change_the_numbers(tmp_path, short_scenario):
    exp = experiment(short_scenario(days=60), runs=700, chunk=200)  # last chunk is partial
    one = run(exp, tmp_path / "one", workers=1)
    two = run(exp, tmp_path / "two", workers=2)
    assert one.manifest["executor"] == "in-process"
    assert two.manifest["executor"] == "processes"
    a = pd.read_parquet(tmp_path / "one" / "outcomes.parquet")
    b = pd.read_parquet(tmp_path / "two" / "outcomes.parquet")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, one.outcomes)
    assert len(a) == 2 * 700
    assert a["run"].tolist() == list(range(700)) * 2
    assert a["chunk"].tolist() == [r // 200 for r in range(700)] * 2
    assert list(a.columns) == ["policy", "run", "chunk", *OUTCOMES]
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "one" / "daily_quantiles.parquet"),
        pd.read_parquet(tmp_path / "two" / "daily_quantiles.parquet"),
    )
    # a different seed gives different numbers
    other = run(
        experiment(short_scenario(days=60), runs=700, chunk=200, seed=6),
        tmp_path / "other",
        workers=1,
    )
    assert not other.outcomes["attacks_total"].equals(a["attacks_total"])


def test_chunk_matches_a_direct_engine_call(tmp_path, short_scenario):
    """Chunk c is exactly run_ensemble with sampling.chunk_rngs(seed, c) (the contract)."""
    from sim.core.policies import get_policy
    from sim.engines.ensemble import run_ensemble
    from sim.experiments.sampling import build_params, chunk_rngs

    exp = experiment(short_scenario(days=40), policies=("strike_iraq",), runs=300, chunk=100)
    res = run(exp, tmp_path / "o", workers=1)
    d, p = chunk_rngs(exp.seed, 2)
    direct = run_ensemble(
        exp.scenario, get_policy("strike_iraq"), build_params(exp.scenario, 100, p), d
    )
    part = res.outcomes[res.outcomes["chunk"] == 2]
    for k in OUTCOMES:
        np.testing.assert_array_equal(part[k].to_numpy(), direct.outcomes[k].astype(part[k].dtype))


# --- common random numbers ------------------------------------------------------------------------


def test_common_random_numbers(tmp_path, short_scenario):
    exp = experiment(short_scenario(days=120), runs=400, chunk=100, keep_daily=True)
    res = run(exp, tmp_path / "crn", workers=1)
    o = res.outcomes
    base = o[o["policy"] == "do_nothing"].reset_index(drop=True)
    strike = o[o["policy"] == "strike_syria"].reset_index(drop=True)
    never = strike["us_strikes"] == 0
    acted = ~never
    assert never.sum() > 20 and acted.sum() > 20  # both kinds of runs occur
    cols = list(OUTCOMES)
    pd.testing.assert_frame_equal(base.loc[never, cols], strike.loc[never, cols])
    # where the strike policy acted, the runs differ somewhere after its first strike
    assert (base.loc[acted, "us_strikes"] == 0).all()

    d0, d1 = res.daily["do_nothing"], res.daily["strike_syria"]
    days = exp.scenario.days
    checked = 0
    for k in np.flatnonzero(acted.to_numpy()):
        first = int(np.argmax(d1["us_strikes"][:, k] != d0["us_strikes"][:, k]))
        assert d1["us_strikes"][first, k] == 1
        for name in d0:
            np.testing.assert_array_equal(d0[name][:first, k], d1[name][:first, k], err_msg=name)
        # on the day of the first strike, the militias moved first: same attacks and casualties
        assert d0["attacks"][first, k] == d1["attacks"][first, k]
        assert d0["us_casualties"][first, k] == d1["us_casualties"][first, k]
        assert first < days
        checked += 1
    assert checked == acted.sum()
    for name in d0:  # runs without a strike: the whole series agree
        np.testing.assert_array_equal(d0[name][:, never.to_numpy()], d1[name][:, never.to_numpy()])
    # keep-daily also lands on disk
    daily = pd.read_parquet(tmp_path / "crn" / "daily.parquet")
    assert len(daily) == 2 * 400 * days
    one = daily[(daily["policy"] == "strike_syria") & (daily["run"] == 7)].sort_values("day")
    np.testing.assert_array_equal(one["attacks"].to_numpy(), d1["attacks"][:, 7])


# --- streaming aggregation ------------------------------------------------------------------------


def test_streamed_histogram_equals_all_runs_at_once(tmp_path, short_scenario):
    exp = experiment(
        short_scenario(days=90), policies=("tit_for_tat",), runs=500, chunk=120, keep_daily=True
    )
    res = run(exp, tmp_path / "s", workers=1)
    whole = metrics.DailyHistogram(exp.scenario.days)
    whole.add(res.daily["tit_for_tat"])
    pd.testing.assert_frame_equal(res.quantiles["tit_for_tat"], whole.quantiles())
    q = pd.read_parquet(tmp_path / "s" / "daily_quantiles.parquet")
    stored = q.drop(columns=["policy", "date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        stored, whole.quantiles().reset_index(drop=True), check_dtype=False
    )
    # the daily means agree with the plain mean over runs
    att = q[q["metric"] == "cum_attacks"].sort_values("day")
    cum = res.daily["tit_for_tat"]["attacks"].cumsum(axis=0)
    np.testing.assert_allclose(att["mean"].to_numpy(), cum.mean(axis=1))
    np.testing.assert_array_equal(
        att["q50"].to_numpy(), np.quantile(cum, 0.5, axis=1, method="inverted_cdf")
    )
    assert q["date"].iloc[0] == pd.Timestamp(exp.scenario.start)


# --- resume ---------------------------------------------------------------------------------------


def test_resume_after_interrupt_reuses_chunks_and_gives_identical_results(
    tmp_path, short_scenario, monkeypatch
):
    exp = experiment(short_scenario(days=50), runs=1000, chunk=100)  # 2 x 10 chunks
    ref = run(exp, tmp_path / "ref", workers=1)

    real = E.run_chunk
    calls = []

    def interrupted(task):
        if len(calls) == 7:
            raise KeyboardInterrupt
        calls.append((task.policy, task.chunk))
        return real(task)

    monkeypatch.setattr(E, "run_chunk", interrupted)
    out = tmp_path / "res"
    with pytest.raises(KeyboardInterrupt):
        run(exp, out, workers=1)
    assert not out.exists()
    stored = sorted(partial_dir(out).glob("chunks/*/chunk-*.parquet"))
    assert len(stored) == 7
    calls.clear()
    monkeypatch.setattr(E, "run_chunk", lambda t: (calls.append((t.policy, t.chunk)), real(t))[1])
    res = run(exp, out, workers=1, resume=True)
    assert len(calls) == 20 - 7  # only the missing chunks were computed
    assert res.manifest["resumed"] is True
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "outcomes.parquet"),
        pd.read_parquet(tmp_path / "ref" / "outcomes.parquet"),
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "daily_quantiles.parquet"),
        pd.read_parquet(tmp_path / "ref" / "daily_quantiles.parquet"),
    )
    assert not partial_dir(out).exists()
    assert ref.manifest["resumed"] is False


def test_resume_refuses_another_experiment(tmp_path, short_scenario, monkeypatch):
    path = short_scenario(days=30)
    out = tmp_path / "r"
    monkeypatch.setattr(E, "run_chunk", lambda t: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        run(experiment(path, runs=400, chunk=100), out, workers=1)
    monkeypatch.undo()
    with pytest.raises(UserError, match=r"different experiment.*runs: was 400, now 500"):
        run(experiment(path, runs=500, chunk=100), out, workers=1, resume=True)
    with pytest.raises(UserError, match=r"seed: was 5, now 9"):
        run(experiment(path, runs=400, chunk=100, seed=9), out, workers=1, resume=True)
    # without --resume the stale directory is refused, and --overwrite starts again
    with pytest.raises(UserError, match="--resume"):
        run(experiment(path, runs=400, chunk=100), out, workers=1)
    run(experiment(path, runs=500, chunk=100), out, workers=1, overwrite=True)
    assert len(pd.read_parquet(out / "outcomes.parquet")) == 2 * 500


def _wait_for_chunks(part: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(list(part.glob("chunks/*/chunk-*.parquet"))) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no chunk files appeared"
        time.sleep(0.05)


def _compare_cmd(path: Path, out: Path) -> list[str]:
    return [
        ESCALATION,
        "compare",
        str(path),
        "--policies",
        "do_nothing,strike_syria,strike_iraq",
        "--runs",
        "8000",
        "--chunk-size",
        "500",
        "--seed",
        "11",
        "--workers",
        "2",
        "--out",
        str(out),
        "--quiet",
    ]


@pytest.fixture(scope="module")
def compare_reference(module_short_scenario, tmp_path_factory) -> Path:
    """The uninterrupted result of :func:`_compare_cmd`, which both interrupted commands below
    must reproduce exactly after their resume (computed once for the two)."""
    ref = tmp_path_factory.mktemp("compare") / "ref"
    r = subprocess.run(
        _compare_cmd(module_short_scenario(days=30), ref), capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    return ref


def _assert_same_results(out: Path, ref: Path) -> None:
    a = pd.read_parquet(out / "outcomes.parquet")
    pd.testing.assert_frame_equal(a, pd.read_parquet(ref / "outcomes.parquet"))
    assert len(a) == 3 * 8000
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "daily_quantiles.parquet"),
        pd.read_parquet(ref / "daily_quantiles.parquet"),
    )


@pytest.mark.slow
def test_sigkill_then_resume_gives_identical_results(tmp_path, short_scenario, compare_reference):
    path = short_scenario(days=30)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        _compare_cmd(path, out),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_chunks(partial_dir(out), 6, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes
        proc.communicate()
    assert not out.exists() and partial_dir(out).exists()
    done = len(list(partial_dir(out).glob("chunks/*/chunk-*.parquet")))
    assert 6 <= done < 48
    r = subprocess.run([*_compare_cmd(path, out), "--resume"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert not partial_dir(out).exists()
    _assert_same_results(out, compare_reference)
    m = json.loads((out / "manifest.json").read_text())
    assert m["resumed"] is True and m["chunk_size"] == 500


@pytest.mark.slow
def test_ctrl_c_leaves_partial_and_says_how_to_resume(tmp_path, short_scenario, compare_reference):
    path = short_scenario(days=30)
    out = tmp_path / "intr"
    proc = subprocess.Popen(
        _compare_cmd(path, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _wait_for_chunks(partial_dir(out), 2, proc)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "--resume" in lines[0] and "Traceback" not in stderr
    assert not out.exists() and (partial_dir(out) / "state.json").is_file()
    # the printed command resumes and finishes
    cmd = shlex.split(lines[0].split("resume with: ", 1)[1])
    assert cmd[0] == "escalation"
    r = subprocess.run([ESCALATION, *cmd[1:]], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    _assert_same_results(out, compare_reference)  # the resumed run has the uninterrupted numbers
    assert not partial_dir(out).exists()


# --- output places, limits, manifest ---------------------------------------------------------


def test_existing_out_needs_overwrite_and_is_replaced_only_at_the_end(tmp_path, short_scenario):
    exp = experiment(short_scenario(days=20), runs=100, chunk=100)
    out = tmp_path / "o"
    run(exp, out, workers=1)
    (out / "marker").write_text("old")
    with pytest.raises(UserError, match=r"exists already.*--overwrite"):
        run(exp, out, workers=1)
    assert (out / "marker").exists()
    run(exp, out, workers=1, overwrite=True)
    assert not (out / "marker").exists() and (out / "outcomes.parquet").exists()
    assert not partial_dir(out).exists()


@pytest.mark.parametrize("where", ["under_file", "read_only"])
def test_unwritable_out_is_refused_before_any_work(tmp_path, short_scenario, monkeypatch, where):
    if where == "under_file":
        f = tmp_path / "a_file"
        f.write_text("x")
        out = f / "sub" / "out"
    else:
        if os.geteuid() == 0:
            pytest.skip("root can write into read-only directories")
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        out = ro / "out"
    monkeypatch.setattr(E, "run_chunk", lambda t: pytest.fail("simulation started"))
    exp = experiment(short_scenario(days=20), runs=100, chunk=100)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(UserError, match=re.escape(str(out))):
        run(exp, out, workers=1)
    after = sorted(p for p in tmp_path.rglob("*") if p not in before)
    assert after == []


def test_keep_daily_is_limited(tmp_path, short_scenario):
    with pytest.raises(UserError, match=r"--keep-daily.*5,000"):
        run(experiment(short_scenario(), runs=6000, keep_daily=True), tmp_path / "k")
    assert not (tmp_path / "k").exists() and not partial_dir(tmp_path / "k").exists()


def test_manifest_records_provenance(tmp_path, short_scenario):
    path = short_scenario(days=20, params={"p_lethal": 0.1})
    exp = experiment(path, runs=150, chunk=100)
    res = run(exp, tmp_path / "m", workers=1, command="escalation compare x")
    m = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert m == json.loads(json.dumps(res.manifest, default=str))
    assert m["seed"] == 5 and m["runs"] == 150 and m["chunk_size"] == 100
    assert m["policies"] == ["do_nothing", "strike_syria"]
    assert m["engine"] == "ensemble" and m["executor"] == "in-process"
    import hashlib

    assert m["scenario_file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert m["scenario"]["days"] == 20
    assert m["parameter_overrides"] == {"p_lethal": 0.1}
    assert "p_lethal" in m["parameter_defaults"]
    assert m["command"] == "escalation compare x"
    assert m["numpy"] == np.__version__
    assert m["started"] <= m["finished"]
    assert set(m["files"]) >= {"outcomes.parquet", "daily_quantiles.parquet", "manifest.json"}
    for f in m["files"]:
        assert (tmp_path / "m" / f).is_file()
    if (ROOT / ".git").exists():
        assert m["git_commit"] and len(m["git_commit"]) == 40


def test_mesa_engine_runs_through_the_same_pipeline(tmp_path, short_scenario):
    exp = experiment(
        short_scenario(days=15), policies=("do_nothing",), runs=3, chunk=2, engine="mesa"
    )
    res = run(exp, tmp_path / "mesa", workers=1)
    assert len(res.outcomes) == 3 and res.manifest["engine"] == "mesa"
    again = run(exp, tmp_path / "mesa2", workers=1)
    pd.testing.assert_frame_equal(res.outcomes, again.outcomes)
