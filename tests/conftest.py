"""Shared fixtures: small scenarios and a real local Dask cluster (scheduler + workers as
separate processes bound to 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SCENARIOS = ROOT / "scenarios"


def write_short_scenario(
    directory: Path, days: int = 60, name: str = "short", **changes: object
) -> Path:
    """Write ``directory/NAME.yaml``: a copy of ``scenarios/baseline.yaml`` with fewer days (and
    other changes)."""
    data = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text(encoding="utf-8"))
    data.update({"days": days, "name": name, **changes})
    # a shock after the shortened period would be refused: keep those inside it
    last = data["start"] + dt.timedelta(days=data["days"] - 1)
    data["shocks"] = [s for s in data.get("shocks", []) if s["start"] <= last]
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def pytest_configure(config: pytest.Config) -> None:
    """Compile the kernels once before the tests start (a no-op when the numba cache of these
    sources is filled already): otherwise each xdist worker, and each command a test starts
    meanwhile, would compile the same kernels side by side on a fresh checkout. Workers skip
    this, and so does a serial run (which compiles as it goes, once). The two halves of
    :data:`COMPILE_PARTS` compile at once, in this process and in a second one: numba compiles
    on one core, and the workers have not started yet."""
    distributed = config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses")
    if distributed and not hasattr(config, "workerinput"):
        code = f"import conftest; conftest.compile_kernels({COMPILE_PARTS[1]!r})"
        other = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parent)
        compile_kernels(COMPILE_PARTS[0])
        if other.wait() != 0:  # then the workers compile what is missing, as they go
            print("conftest: the second compiling process failed", file=sys.stderr)


#: the entry points of :mod:`sim.core.kernels` in two halves of about equal compile time: the
#: day with a compiled policy; the day around a Python policy, and the Mesa agents' phases
COMPILE_PARTS = ("ensemble", "python policy and mesa")


def compile_kernels(part: str) -> None:
    """Run three days of the engines that call one half of the kernels (:data:`COMPILE_PARTS`),
    which compiles them into the numba cache: together, every entry point of
    :mod:`sim.core.kernels` and the phases the Mesa agents call."""
    import numpy as np

    from sim.core.params import Params
    from sim.core.policies import Decision, Policy, get_policy
    from sim.engines.ensemble import run_ensemble
    from sim.engines.mesa.model import run_mesa
    from sim.inputs.scenario import scenario_from_dict

    class DoNothingInPython(Policy):
        def decide(self, obs, params, u):
            n = len(obs.pending_severity)
            return Decision(np.zeros(n, np.int64), np.zeros(n), np.zeros(n, bool))

    sc = scenario_from_dict({"name": "compile", "start": "2019-12-01", "days": 3})
    params = Params.build(2)
    if part == COMPILE_PARTS[0]:
        run_ensemble(sc, get_policy("tit_for_tat"), params, np.random.default_rng(0))
    elif part == COMPILE_PARTS[1]:
        run_ensemble(sc, DoNothingInPython(), params, np.random.default_rng(0))
        for policy in (get_policy("tit_for_tat"), DoNothingInPython()):
            run_mesa(sc, policy, params, np.random.default_rng(0))
    else:
        raise ValueError(f"no such part: {part!r}")


@pytest.fixture
def short_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write a copy of ``scenarios/baseline.yaml`` with fewer days (and other changes)."""

    def make(days: int = 60, name: str = "short", **changes: object) -> Path:
        return write_short_scenario(tmp_path, days, name, **changes)

    return make


@pytest.fixture(scope="module")
def module_short_scenario(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """:func:`short_scenario` for module-scoped fixtures (a result computed once per module)."""
    directory = tmp_path_factory.mktemp("scenario")

    def make(days: int = 60, name: str = "short", **changes: object) -> Path:
        return write_short_scenario(directory, days, name, **changes)

    return make


def _stop(proc: subprocess.Popen) -> None:
    """Terminate a process group started with ``start_new_session=True``, then kill it."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


class LocalDaskCluster:
    """A scheduler and single-threaded workers (each under a nanny, so a worker that dies is
    restarted), as real processes of the venv's ``dask`` bound to 127.0.0.1."""

    def __init__(self, workdir: Path, timeout: float = 90) -> None:
        self.workdir = workdir
        self.timeout = timeout
        self.procs: list[subprocess.Popen] = []
        self.logs: list = []
        self.address: str | None = None
        self.env = {**os.environ, "MPLBACKEND": "Agg"}
        workdir.mkdir(parents=True, exist_ok=True)

    def _start(self, args: list[str], log_name: str) -> subprocess.Popen:
        log = open(self.workdir / log_name, "wb")
        self.logs.append(log)
        p = subprocess.Popen(
            [str(VENV_BIN / "dask"), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.workdir,
            start_new_session=True,
        )
        self.procs.append(p)
        return p

    def start_scheduler(self) -> str:
        """Start the scheduler; return its address."""
        sched_file = self.workdir / "scheduler.json"
        sched = self._start(
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(sched_file),
            ],
            "scheduler.log",
        )
        deadline = time.monotonic() + self.timeout
        while self.address is None:
            if sched.poll() is not None:
                raise RuntimeError((self.workdir / "scheduler.log").read_text())
            if time.monotonic() > deadline:
                raise TimeoutError("the Dask scheduler did not start")
            try:
                self.address = json.loads(sched_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        return self.address

    def n_workers(self) -> int:
        """Worker processes started so far."""
        return len(self.procs) - 1

    def add_workers(self, n: int = 1) -> None:
        """Start ``n`` more workers and wait until the scheduler has them all."""
        from distributed import Client

        for _ in range(n):
            i = self.n_workers()
            self._start(
                [
                    "worker",
                    self.address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    "--name",
                    f"w{i}",
                    "--local-directory",
                    str(self.workdir / f"w{i}"),
                ],
                f"worker{i}.log",
            )
        with Client(self.address, timeout="30s", set_as_default=False) as c:
            c.wait_for_workers(self.n_workers(), timeout=self.timeout)

    def close(self) -> None:
        """Stop every process (terminate each process group, then kill if needed)."""
        for p in reversed(self.procs):
            _stop(p)
        for log in self.logs:
            log.close()


@contextmanager
def local_dask_cluster(n_workers: int, workdir: Path, timeout: float = 90) -> Iterator[str]:
    """A :class:`LocalDaskCluster` with ``n_workers`` workers; yields the scheduler address."""
    cluster = LocalDaskCluster(workdir, timeout)
    try:
        cluster.start_scheduler()
        cluster.add_workers(n_workers)
        yield cluster.address
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDaskCluster]:
    """A local Dask cluster shared by a test module, started with one worker (tests may add
    more with ``add_workers``); torn down at the end of the module."""
    cluster = LocalDaskCluster(tmp_path_factory.mktemp("dask"))
    try:
        cluster.start_scheduler()
        cluster.add_workers(1)
        yield cluster
    finally:
        cluster.close()
