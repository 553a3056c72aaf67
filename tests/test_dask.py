"""The Dask executor on a real local cluster (scheduler and workers as separate processes on
127.0.0.1): same numbers as local execution with 1 or 2 workers, and a worker that dies
mid-task is replaced and its chunk retried."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from sim.errors import UserError
from sim.experiments import pipeline
from sim.experiments.experiment import Experiment, run_experiment
from sim.inputs.scenario import load_scenario

pytestmark = [pytest.mark.dask, pytest.mark.slow]


def _experiment(path):
    return Experiment(
        load_scenario(path),
        ("do_nothing", "decapitation"),
        runs=600,
        seed=21,
        chunk_size=200,
        scenario_path=str(path),
    )


def test_dask_gives_the_same_numbers_with_one_and_two_workers(
    tmp_path, short_scenario, dask_cluster
):
    exp = _experiment(short_scenario(days=30))
    ref = run_experiment(exp, tmp_path / "local", workers=1, progress=False).outcomes
    for n in (1, 2):
        if dask_cluster.n_workers() < n:
            dask_cluster.add_workers(n - dask_cluster.n_workers())
        res = run_experiment(
            exp, tmp_path / f"dask{n}", dask_scheduler=dask_cluster.address, progress=False
        )
        assert res.manifest["executor"] == "dask" and res.manifest["workers"] == n
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / f"dask{n}" / "outcomes.parquet"), ref
        )
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / f"dask{n}" / "daily_quantiles.parquet"),
            pd.read_parquet(tmp_path / "local" / "daily_quantiles.parquet"),
        )


def test_a_dying_worker_is_replaced_and_its_chunk_retried(
    tmp_path, short_scenario, dask_cluster, monkeypatch
):
    """The first chunk task kills its worker process (pipeline.DIE_ONCE_ENV test hook); the
    nanny restarts it, the scheduler reschedules the task, and the numbers are unchanged."""
    exp = _experiment(short_scenario(days=30))
    ref = run_experiment(exp, tmp_path / "local", workers=1, progress=False).outcomes
    marker = tmp_path / "died-once"
    monkeypatch.setenv(pipeline.DIE_ONCE_ENV, str(marker))
    if dask_cluster.n_workers() < 2:
        dask_cluster.add_workers(2 - dask_cluster.n_workers())
    res = run_experiment(
        exp, tmp_path / "dask", dask_scheduler=dask_cluster.address, progress=False
    )
    assert marker.exists()  # a worker process did kill itself
    pd.testing.assert_frame_equal(res.outcomes, ref)


def test_unreachable_scheduler_is_a_user_error(tmp_path, short_scenario):
    out = tmp_path / "x"
    with pytest.raises(UserError, match=re.escape("tcp://127.0.0.1:9")):
        run_experiment(
            _experiment(short_scenario(days=10)),
            out,
            dask_scheduler="tcp://127.0.0.1:9",
            progress=False,
        )
    assert not out.exists() and not out.with_name("x.partial").exists()


def test_explore_on_dask_gives_the_same_numbers_as_in_process(
    tmp_path, short_scenario, dask_cluster
):
    from sim.explore.runner import Exploration, run_exploration

    path = short_scenario(days=30)
    ex = Exploration(
        load_scenario(path),
        ("do_nothing", "strike_syria"),
        worlds=10,
        replications=3,
        seed=4,
        chunk_worlds=4,
        scenario_path=str(path),
    )
    ref = run_exploration(ex, tmp_path / "local", workers=1, progress=False)
    res = run_exploration(
        ex, tmp_path / "dask", dask_scheduler=dask_cluster.address, progress=False
    )
    assert res.manifest["executor"] == "dask"
    pd.testing.assert_frame_equal(res.outcomes, ref.outcomes)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "dask" / "outcomes.parquet"),
        pd.read_parquet(tmp_path / "local" / "outcomes.parquet"),
    )
