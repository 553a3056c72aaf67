"""The public Python API: the model's runs, comparisons, replays, branches and evaluations as
objects in memory, for notebooks and scripts (docs/api.md).

Every function returns its results in memory; ``.save(dir)`` writes the same files as the
command of the same name (``escalation run``, ``compare``, ``replay``, ``branch``,
``validate``), and the commands call these functions. Nothing needs an output folder, a cell can
be run again, and the runs stay in this process unless workers are asked for
(``workers=4``; ``workers=None``: every core). Worker processes do not re-run the calling
script (:func:`_workers_without_main`), so a script without an ``if __name__ == "__main__":``
guard may ask for them.

The same seed gives the same numbers here, on the command line and on any number of workers:
``simulate("baseline", "do_nothing", runs=1000, seed=1)`` is ``outcomes.parquet`` of
``escalation run baseline --policy do_nothing --runs 1000 --seed 1``.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.analysis.outcomes import SUMMARY_COLUMNS
from sim.core import outcomes as declared
from sim.core.policies import PolicyError, all_policies, get_policy
from sim.errors import UserError
from sim.experiments import budget
from sim.experiments.dataset import require, save_xarray, to_dataset
from sim.experiments.executors import default_workers
from sim.experiments.experiment import ExperimentResult, run_experiment, write_result_files
from sim.experiments.mesa_model import EscalationModel
from sim.experiments.outdir import staged_out_dir
from sim.experiments.spec import DEFAULT_CHUNK_SIZE, Experiment
from sim.experiments.store import write_json_atomic
from sim.inputs import scenario as scenario_io
from sim.inputs.scenario import Scenario

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

    from sim.validation.evaluation import Evaluation

#: The reference policy of the paired differences of :func:`compare`.
BASELINE = "do_nothing"
#: Days a branch runs from its date unless told (without a scenario).
BRANCH_HORIZON = 120
#: The policies of a branch unless told (without a scenario): the record, and doing nothing.
BRANCH_POLICIES = ("record", "do_nothing")
#: The per-run outcome columns (:data:`sim.core.outcomes.DECLARED`, those the engines count).
OUTCOME_COLUMNS: tuple[str, ...] = tuple(o.name for o in declared.DECLARED if o.engine)

__all__ = [
    "BASELINE",
    "Branch",
    "Calibration",
    "Comparison",
    "EscalationModel",
    "Replay",
    "Runs",
    "branch",
    "calibrate",
    "compare",
    "load_scenario",
    "model_function",
    "replay",
    "run",
    "simulate",
    "validate",
]


# --- scenarios --------------------------------------------------------------------------------


def load_scenario(
    scenario: str | Path | Scenario | Mapping[str, Any] = "baseline", **params: float
) -> Scenario:
    """A validated scenario: a shipped name (``"baseline"``), a YAML file, a dict of fields or a
    :class:`~sim.inputs.scenario.Scenario`, with parameters set by keyword.

    ``params`` fix parameters of the table (:mod:`sim.core.params`) in every run, over the
    scenario's own ``params`` and the posterior's draws, as the scenario's ``params`` field
    does.

    Raises
    ------
    sim.inputs.scenario.ScenarioError
        naming the file (or the parameter) and the field, for a scenario that cannot be used or
        an unknown or out-of-range parameter.
    """
    if isinstance(scenario, Scenario):
        sc = scenario
    elif isinstance(scenario, Mapping):
        sc = scenario_io.scenario_from_dict(dict(scenario))
    else:
        sc = scenario_io.load_scenario(scenario)
    if params:
        data = sc.model_dump(mode="json")
        data["params"] = {**sc.params, **{k: float(v) for k, v in params.items()}}
        sc = scenario_io.scenario_from_dict(data, source=f"scenario '{sc.name}'")
    return sc


def _scenario_path(scenario: Any) -> str | None:
    """The file a scenario argument came from (for the manifest), if it names one."""
    if isinstance(scenario, str | Path):
        return str(scenario_io.scenario_file(scenario))
    return None


# --- worker processes -------------------------------------------------------------------------


@contextlib.contextmanager
def _workers_without_main() -> Iterator[None]:
    """While worker processes start, make them skip re-running the caller's script.

    A "forkserver" or "spawn" worker imports the main module of its parent (as
    ``__mp_main__``) unless that module's ``__spec__`` names ``__main__``
    (``multiprocessing.spawn._fixup_main_from_name``). A script run as ``python script.py`` has
    no spec: without an ``if __name__ == "__main__":`` guard, each worker would run the whole
    script again. The workers compute the chunks of :mod:`sim.experiments` only and need
    nothing from the script, so the script is given the spec of ``__main__`` while the run
    lasts, and its own back after.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
    try:
        yield
    finally:
        main.__spec__ = None


def _execute(
    exp: Experiment,
    *,
    workers: int | None,
    progress: bool | None,
    command: str,
    out: str | Path | None = None,
    finalise: Callable[[ExperimentResult, Path], list[Path]] | None = None,
    **options: Any,
) -> ExperimentResult:
    """Run an experiment: into ``out`` with a command's files (``finalise``), or, without
    ``out``, in a temporary folder removed afterwards (the result stays in memory)."""
    guard = _workers_without_main() if workers != 1 else contextlib.nullcontext()
    with guard:
        if out is not None:
            return run_experiment(
                exp,
                out,
                workers=workers,
                progress=progress,
                command=command,
                finalise=finalise,
                **options,
            )
        with tempfile.TemporaryDirectory(prefix="escalation-") as tmp:
            return run_experiment(
                exp, Path(tmp) / "result", workers=workers, progress=progress, command=command
            )


def _check_size(exp: Experiment, workers: int | None, allow_large: bool) -> None:
    """Refuse a request beyond the size limits (:mod:`sim.experiments.budget`)."""
    budget.check_workers(workers, default_workers(), allow_large)
    n_chunks = exp.n_chunks
    local = min(workers or default_workers(), max(1, len(exp.policies) * n_chunks))
    cost = budget.experiment_cost(
        len(exp.policies),
        exp.runs,
        exp.scenario.days,
        exp.chunk_size,
        local,
        exp.engine,
        exp.keep_daily,
    )
    budget.check(cost, f"runs={exp.runs}", allow_large)


def _call_text(name: str, scenario: Any, **kwargs: Any) -> str:
    """How a result was asked for, for its manifest: ``sim.compare('baseline', runs=200)``."""
    shown = scenario.name if isinstance(scenario, Scenario) else str(scenario)
    args = ", ".join([repr(shown)] + [f"{k}={v!r}" for k, v in kwargs.items() if v is not None])
    return f"sim.{name}({args})"


# --- Monte Carlo runs -------------------------------------------------------------------------


@dataclass
class Runs:
    """Monte Carlo runs of one scenario under one or more policies (common random numbers).

    Attributes
    ----------
    runs : per-run outcomes, one row per policy × run: ``policy``, ``run`` (the run's index,
        the same draws under every policy), ``chunk``, then one column per outcome
        (:data:`OUTCOME_COLUMNS`, named as in :mod:`sim.core.outcomes`)
    quantiles : per policy, the daily quantiles of the fan charts
    daily : per policy, every run's daily series (days × runs arrays), with ``keep_daily``
    manifest : the provenance record written as ``manifest.json``
    """

    result: ExperimentResult
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    #: The command whose files :meth:`save` writes.
    command = "run"

    @property
    def scenario(self) -> Scenario:
        """The scenario that was run."""
        return self.result.experiment.scenario

    @property
    def policies(self) -> tuple[str, ...]:
        """The policies, in output order."""
        return self.result.experiment.policies

    @property
    def seed(self) -> int:
        """The experiment's seed."""
        return self.result.experiment.seed

    @property
    def runs(self) -> pd.DataFrame:
        """Per-run outcomes (see the class docstring)."""
        return self.result.outcomes

    @property
    def quantiles(self) -> dict[str, pd.DataFrame]:
        """Daily quantiles per policy."""
        return self.result.quantiles

    @property
    def daily(self) -> dict[str, dict[str, np.ndarray]] | None:
        """Every run's daily series per policy (``keep_daily=True``), else None."""
        return self.result.daily

    @property
    def manifest(self) -> dict[str, Any]:
        """The provenance record."""
        return self.result.manifest

    def summary_table(self) -> pd.DataFrame:
        """The long table of ``summary.parquet``: one row per policy × outcome, with means,
        percentiles, shares with Wilson intervals and paired differences against
        ``do_nothing`` with bootstrap intervals
        (:func:`sim.analysis.outcomes.summarise_outcomes`)."""
        if self._summary is None:
            from sim.analysis.outcomes import summarise_outcomes

            self._summary = summarise_outcomes(
                self.runs, baseline=self._baseline(), horizon=self.scenario.days
            )
        return self._summary

    def _baseline(self) -> str:
        return self.policies[0] if self.command == "run" else BASELINE

    @property
    def outcomes(self) -> pd.DataFrame:
        """Per policy × outcome: ``mean``, ``median``, ``p05``, ``p95``, and for shares
        ``prob`` with its 95% Wilson interval ``prob_lo``, ``prob_hi``."""
        cols = [c for c in SUMMARY_COLUMNS if c != "description" and not c.startswith("diff")]
        return self.summary_table()[cols].reset_index(drop=True)

    def _context(self) -> dict[str, Any]:
        sc = self.scenario
        return {
            "scenario": sc.name,
            "start": sc.start,
            "end": sc.end,
            "seed": self.seed,
            "runs": self.result.experiment.runs,
        }

    def summary(self) -> str:
        """The Markdown report of ``summary.md``."""
        from sim.analysis.report import summary_markdown

        return summary_markdown(self.summary_table(), context=self._context())

    def key_table(self) -> pd.DataFrame:
        """The short table the commands print: policy × a few key outcomes."""
        from sim.analysis.outcomes import key_table

        return key_table(self.runs, self.scenario.days)

    def plot(self) -> dict[str, Figure]:
        """The figures of ``escalation run`` (``figure``), as matplotlib figures."""
        from sim.figures.run import run_figure

        policy = self.policies[0]
        fig = run_figure(
            self.quantiles[policy],
            self.runs,
            self.scenario,
            runs=self.result.experiment.runs,
            seed=self.seed,
            policy=policy,
        )
        return {"figure": fig}

    def write_files(self, d: Path) -> list[Path]:
        """Write the summary and figures of the command into ``d`` (the files beside the tables
        and the manifest)."""
        from sim.analysis.report import write_summary
        from sim.figures.run import figure_run

        policy = self.policies[0]
        files = list(write_summary(self.summary_table(), d, context=self._context()))
        files.append(
            figure_run(
                self.quantiles[policy],
                self.runs,
                self.scenario,
                d / "figure.png",
                runs=self.result.experiment.runs,
                seed=self.seed,
                policy=policy,
            )
        )
        return files

    def to_xarray(self) -> xr.Dataset:
        """Per-run outcomes (policy × run) and, with ``keep_daily``, the daily series (policy ×
        run × day) as an :class:`xarray.Dataset`, with the outcomes' units and the manifest as
        attributes (:func:`sim.experiments.dataset.to_dataset`)."""
        return to_dataset(self.runs, self.daily, self.scenario, self.manifest)

    def save(
        self, directory: str | Path, *, overwrite: bool | None = None, xarray: str | None = None
    ) -> list[Path]:
        """Write the files of ``escalation run`` (or ``compare``) into ``directory``.

        ``overwrite``: None (default) replaces an earlier result (a folder with a
        ``manifest.json``) or an empty folder and refuses any other non-empty folder; True
        replaces it whatever it holds. ``xarray``: also write :meth:`to_xarray` as
        ``results.nc`` (``"netcdf"``) or ``results.zarr`` (``"zarr"``). The folder appears
        only once complete. Returns the files written.
        """
        if xarray is not None:
            require(xarray)
        with staged_out_dir(directory, _may_replace(directory, overwrite)) as tmp:
            files = write_result_files(self.result, tmp) + self.write_files(tmp)
            if xarray is not None:
                files.append(save_xarray(self.to_xarray(), tmp, xarray))
            _write_manifest(tmp, self.manifest, files)
        out = Path(directory)
        return [out / f for f in self.manifest["files"]]


def _may_replace(directory: str | Path, overwrite: bool | None) -> bool:
    """Whether :meth:`Runs.save` may replace ``directory`` (see there)."""
    if overwrite is not None:
        return overwrite
    d = Path(directory)
    return d.is_dir() and (d / "manifest.json").is_file()


def _write_manifest(d: Path, manifest: dict[str, Any], files: Sequence[Path]) -> None:
    """The manifest, listing every file in ``d`` (as the pipeline lists them)."""
    written = {str(f.relative_to(d)) for f in d.rglob("*") if f.is_file()}
    written |= {str(Path(f).relative_to(d)) for f in files}
    manifest["files"] = [*sorted(written - {"manifest.json"}), "manifest.json"]
    write_json_atomic(d / "manifest.json", manifest)


@dataclass
class Comparison(Runs):
    """Monte Carlo runs of one scenario under several policies on common random numbers, with
    the paired differences against ``do_nothing`` (:func:`compare`).

    Attributes (besides those of :class:`Runs`)
    ----------
    differences : per policy × outcome, the paired difference of means, policy minus
        ``do_nothing``, with its 95% bootstrap interval (``diff``, ``diff_lo``, ``diff_hi``)
    """

    robustness: str | None = None

    command = "compare"

    @property
    def differences(self) -> pd.DataFrame:
        """Paired differences against ``do_nothing`` with 95% bootstrap intervals."""
        t = self.summary_table()
        t = t[t["policy"] != BASELINE]
        return t[["policy", "outcome", "kind", "n", "diff", "diff_lo", "diff_hi"]].reset_index(
            drop=True
        )

    def plot(self) -> dict[str, Figure]:
        """The figures of ``escalation compare``, by name, as matplotlib figures."""
        from sim.figures.compare import compare_figures

        return compare_figures(
            self.quantiles,
            self.runs,
            self.summary_table(),
            self.scenario,
            baseline=BASELINE,
            seed=self.seed,
        )

    def write_files(self, d: Path) -> list[Path]:
        """Write the summary (with the robustness section if asked) and the figures of
        ``escalation compare`` into ``d``."""
        from sim.analysis.report import write_summary
        from sim.figures.compare import figures_compare

        summary = self.summary_table()
        sections = []
        if self.robustness:
            from sim.explore.robustness import add_robustness, robustness_section

            summary = add_robustness(summary, self.robustness, d, baseline=BASELINE)
            sections.append(robustness_section(summary))
        files = list(write_summary(summary, d, context=self._context(), sections=sections))
        files += list(
            figures_compare(
                self.quantiles,
                self.runs,
                summary,
                self.scenario,
                d,
                baseline=BASELINE,
                seed=self.seed,
            )
        )
        return files


def _experiment(
    scenario: Scenario,
    policies: tuple[str, ...],
    runs: int,
    seed: int,
    params: Mapping[str, float],
    *,
    engine: str,
    chunk_size: int,
    keep_daily: bool,
    source: Any,
) -> Experiment:
    """The experiment of :func:`run` or :func:`compare` (``source``: the scenario argument as
    given, for the manifest's file)."""
    sc = load_scenario(scenario, **params)
    for p in policies:
        get_policy(p)
    return Experiment(
        scenario=sc,
        policies=policies,
        runs=int(runs),
        seed=int(seed),
        chunk_size=int(chunk_size),
        engine=engine,
        keep_daily=keep_daily,
        scenario_path=_scenario_path(source),
    )


def run(
    scenario: str | Path | Scenario | Mapping[str, Any] = "baseline",
    policy: str | None = None,
    runs: int = 1000,
    seed: int = 1,
    *,
    engine: str = "ensemble",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    keep_daily: bool = False,
    workers: int | None = 1,
    progress: bool | None = False,
    allow_large: bool = False,
    **params: float,
) -> Runs:
    """Monte Carlo runs of a scenario under one policy: what ``escalation run`` computes.

    Parameters
    ----------
    scenario : a shipped name, a YAML file, a dict or a :class:`Scenario`
        (:func:`load_scenario`)
    policy : a policy name (``escalation policies``; default: the scenario's)
    runs, seed : the number of runs and the experiment's seed (run ``k`` of seed ``s`` is run
        ``k`` of ``escalation run --seed s``, whatever the number of runs)
    engine : ``"ensemble"`` (vectorised) or ``"mesa"`` (the agent model, the same numbers)
    chunk_size : runs per chunk (part of the experiment's definition, as ``--chunk-size``)
    keep_daily : also keep every run's daily series (:attr:`Runs.daily`, :meth:`Runs.to_xarray`)
    workers : 1 runs in this process (default); n uses n worker processes; None every core
    progress : show a progress bar on stderr
    allow_large : run a request beyond the size limits (:mod:`sim.experiments.budget`)
    **params : parameters fixed in every run (:func:`load_scenario`)
    """
    sc = load_scenario(scenario)
    name = policy or sc.policy
    exp = _experiment(
        sc,
        (name,),
        runs,
        seed,
        params,
        engine=engine,
        chunk_size=chunk_size,
        keep_daily=keep_daily,
        source=scenario,
    )
    _check_size(exp, workers, allow_large)
    command = _call_text("run", scenario, policy=name, runs=runs, seed=seed, **params)
    return Runs(_execute(exp, workers=workers, progress=progress, command=command))


def simulate(
    scenario: str | Path | Scenario | Mapping[str, Any] = "baseline",
    policy: str | None = None,
    runs: int = 1000,
    seed: int = 1,
    **kwargs: Any,
) -> pd.DataFrame:
    """Per-run outcomes of a scenario under one policy: a DataFrame indexed by ``run``, one
    column per outcome (named as in :mod:`sim.core.outcomes`).

    The arguments are those of :func:`run` (parameters as keywords fix them in every run); the
    numbers are those of ``escalation run SCENARIO --policy POLICY --runs RUNS --seed SEED``
    (its ``outcomes.parquet``).
    """
    res = run(scenario, policy, runs, seed, **kwargs)
    return res.runs.set_index("run")[list(OUTCOME_COLUMNS)]


def resolve_policies(
    spec: str | Sequence[str] | None, scenario: Scenario
) -> tuple[list[str], bool]:
    """The policies to compare, and whether ``do_nothing`` had to be added (first).

    ``spec``: ``"all"`` (every built-in policy), ``"scenario"`` (the scenario's list), names
    separated by commas, a list of names, or None (the scenario's list if it has one, else
    all).

    Raises
    ------
    PolicyError
        for an unknown name (listing the known ones) or an empty list.
    """
    if spec is None:
        spec = "scenario" if scenario.policies else "all"
    if isinstance(spec, str):
        spec = spec.strip()
        if spec == "all":
            names = all_policies()
        elif spec == "scenario":
            if not scenario.policies:
                raise PolicyError(
                    f"--policies scenario: scenario '{scenario.name}' has no 'policies' list; "
                    "use --policies all or name them"
                )
            names = list(scenario.policies)
        else:
            names = [n.strip() for n in spec.split(",") if n.strip()]
    else:
        names = [str(n).strip() for n in spec]
    if not names:
        raise PolicyError("--policies: no policy named")
    for n in names:
        try:
            get_policy(n)
        except PolicyError as exc:
            raise PolicyError(f"--policies: {exc}") from None
    names = list(dict.fromkeys(names))  # drop repeats, keep order
    added = BASELINE not in names
    if added:
        names.insert(0, BASELINE)
    return names, added


def compare(
    scenario: str | Path | Scenario | Mapping[str, Any] = "baseline",
    policies: str | Sequence[str] | None = None,
    runs: int = 1000,
    seed: int = 1,
    *,
    engine: str = "ensemble",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    keep_daily: bool = False,
    robustness: str | Path | None = None,
    workers: int | None = 1,
    progress: bool | None = False,
    allow_large: bool = False,
    **params: float,
) -> Comparison:
    """Runs of a scenario under several policies on common random numbers, and their paired
    differences against ``do_nothing`` (added first if not named): what ``escalation
    compare`` computes.

    ``policies``: a list of names, names separated by commas, ``"all"`` or ``"scenario"``
    (default: the scenario's list if it has one, else every built-in policy). ``robustness``:
    a result folder of ``escalation explore``, whose verdicts :meth:`Comparison.save` adds to
    the summary. The other arguments are those of :func:`run`.
    """
    sc = load_scenario(scenario)
    names, _ = resolve_policies(policies, sc)
    if robustness is not None:
        from sim.explore.robustness import check_explore_dir

        check_explore_dir(str(robustness), sc)
    exp = _experiment(
        sc,
        tuple(names),
        runs,
        seed,
        params,
        engine=engine,
        chunk_size=chunk_size,
        keep_daily=keep_daily,
        source=scenario,
    )
    _check_size(exp, workers, allow_large)
    command = _call_text("compare", scenario, policies=names, runs=runs, seed=seed, **params)
    result = _execute(exp, workers=workers, progress=progress, command=command)
    return Comparison(result, robustness=None if robustness is None else str(robustness))


def run_command(
    exp: Experiment,
    out: str | Path,
    *,
    kind: str,
    command: str,
    robustness: str | None = None,
    xarray: str | None = None,
    **options: Any,
) -> Runs:
    """Run an experiment into ``out`` with the files of ``escalation run`` (``kind="run"``) or
    ``escalation compare`` (``kind="compare"``): the commands' way to the objects of :func:`run` and
    :func:`compare`, with their executors, ``--resume`` and ``--overwrite`` (``options``: those
    of :func:`sim.experiments.experiment.run_experiment`); ``xarray``: also write the
    results as NetCDF or Zarr (:meth:`Runs.save`)."""

    if xarray is not None:
        require(xarray)

    def wrap(result: ExperimentResult) -> Runs:
        if kind == "run":
            return Runs(result)
        return Comparison(result, robustness=robustness)

    def finalise(result: ExperimentResult, d: Path) -> list[Path]:
        obj = wrap(result)
        files = obj.write_files(d)
        if xarray is not None:
            files.append(save_xarray(obj.to_xarray(), d, xarray))
        return files

    return wrap(_execute(exp, out=out, command=command, finalise=finalise, **options))


# --- the record: replay and branch ------------------------------------------------------------


@dataclass
class Replay:
    """A replayed window of the record (:func:`replay`).

    Attributes
    ----------
    result : :class:`sim.history.replay.ReplayResult` (trace, forcing, setting, weekly table)
    runs : one row per run, the window's totals
    weekly : the weekly simulated distribution next to the record
    """

    result: Any
    events: pd.DataFrame
    start: Any
    end: Any
    seed: int
    force: list[str]
    record: str
    scenario_arg: str | None
    command: str

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run: the window's totals."""
        return self.result.runs

    @property
    def weekly(self) -> pd.DataFrame:
        """The weekly simulated distribution of attacks and US casualties beside the record."""
        return self.result.weekly

    def summary(self) -> str:
        """The Markdown report of ``summary.md``."""
        from sim.analysis.summaries import replay_summary
        from sim.history.replay import record_totals

        return replay_summary(
            self.runs,
            scenario=self.result.setting.name,
            start=self.start,
            end=self.end,
            seed=self.seed,
            forced=self.force,
            record_totals=record_totals(self.events, self.start, self.result.setting.days),
        )

    def plot(self) -> dict[str, Figure]:
        """The replay figure (``replay``) as a matplotlib figure."""
        import matplotlib.pyplot as plt

        from sim.figures.history import plot_replay

        with tempfile.TemporaryDirectory() as tmp:
            fig = plot_replay(self.result, Path(tmp) / "replay.png", self.force)
        if fig is None or not hasattr(fig, "savefig"):
            fig = plt.gcf()
        return {"replay": fig}

    def save(self, directory: str | Path, *, overwrite: bool | None = None) -> list[Path]:
        """Write the files of ``escalation replay`` into ``directory`` (``overwrite`` as in
        :meth:`Runs.save`)."""
        from sim.experiments.provenance import write_manifest
        from sim.experiments.store import write_parquet_atomic
        from sim.figures.history import plot_replay
        from sim.history.replay import setting_info

        with staged_out_dir(directory, _may_replace(directory, overwrite)) as tmp:
            write_parquet_atomic(self.runs, tmp / "runs.parquet")  # names the file if it fails
            self.weekly.to_csv(tmp / "weekly.csv", index=False)
            plot_replay(self.result, tmp / "replay.png", self.force)
            (tmp / "summary.md").write_text(self.summary(), encoding="utf-8")
            write_manifest(
                tmp,
                "replay",
                command=self.command,
                seed=self.seed,
                runs=len(self.runs),
                scenario_name=self.result.setting.name,
                scenario_file=self.scenario_arg,
                start=self.start,
                end=self.end,
                policies=None,
                details={
                    "record": self.record,
                    "force": self.force,
                    "policy": self.result.setting.policy,
                    **setting_info(self.scenario_arg),
                },
            )
            names = sorted(str(f.relative_to(tmp)) for f in tmp.rglob("*") if f.is_file())
        return [Path(directory) / n for n in names]


def _period(start: Any, end: Any, scenario: Scenario | None) -> tuple[Any, Any, int]:
    from sim.history.replay import check_span, parse_date

    if scenario is None and (start is None or end is None):
        raise UserError("--start and --end are required without --scenario")
    start = parse_date(start, "--start") if start is not None else scenario.start
    end = parse_date(end, "--end") if end is not None else scenario.end
    if end < start:
        raise UserError(f"--end {end} is before --start {start}")
    days = (end - start).days + 1
    check_span(start, days, f"--start {start} --end {end}")
    return start, end, days


def replay(
    start: Any = None,
    end: Any = None,
    runs: int = 1000,
    seed: int = 1,
    *,
    scenario: str | Path | Scenario | None = None,
    force: Sequence[str] | None = None,
    record: str | None = None,
    allow_large: bool = False,
    command: str | None = None,
) -> Replay:
    """Simulate a documented window with some actors fixed to the record: what ``escalation
    replay`` computes (:func:`sim.history.replay.replay`).

    Parameters
    ----------
    start, end : the first and last day (dates or ``"YYYY-MM-DD"``; default: the scenario's)
    scenario : the period's setting (default: the packaged history setting)
    force : actors fixed to the record (default: the US actions and the militias' truces)
    record : ``"seeds"`` (default: the rows the shipped posterior was fitted with), ``"full"``
        or a record folder
    """
    from sim.history.replay import DEFAULT_FORCING_RECORD, FORCEABLE, REPLAY_FORCE, record_events
    from sim.history.replay import replay as replay_window

    record = record or DEFAULT_FORCING_RECORD
    force = list(REPLAY_FORCE if force is None else force)
    for a in force:
        if a not in FORCEABLE:
            raise UserError(f"--force: unknown actor '{a}' (known: {', '.join(FORCEABLE)})")
    events = record_events(record)
    sc = load_scenario(scenario) if scenario is not None else None
    start, end, days = _period(start, end, sc)
    what = f"{runs:,} runs × {days:,} days"
    budget.check(budget.trace_cost(what, runs, days, runs * days), f"--runs {runs}", allow_large)
    res = replay_window(events, start, end, runs, seed, scenario=sc, force=force)
    scenario_arg = None if scenario is None or isinstance(scenario, Scenario) else str(scenario)
    command = command or _call_text("replay", str(start), end=str(end), runs=runs, seed=seed)
    return Replay(res, events, start, end, seed, force, record, scenario_arg, command)


@dataclass
class Branch:
    """Branches from the documented history at a date (:func:`branch`).

    Attributes
    ----------
    result : :class:`sim.history.replay.BranchResult` (the history and one trace per policy)
    runs : one row per policy × run, the totals over the horizon (``branch.parquet``)
    """

    result: Any
    events: pd.DataFrame
    names: list[str]
    at: Any
    horizon: int
    seed: int
    n_runs: int
    force: list[str]
    record: str
    scenario: Scenario | None
    scenario_arg: str | None
    command: str

    @property
    def runs(self) -> pd.DataFrame:
        """One row per policy × run: the totals over the horizon."""
        from sim.engines.ensemble import OUTCOMES

        frames = [
            pd.DataFrame(
                {
                    "policy": name,
                    "run": np.arange(self.n_runs),
                    **{k: tr.outcomes[k] for k in OUTCOMES},
                }
            )
            for name, tr in self.result.futures.items()
        ]
        return pd.concat(frames, ignore_index=True)

    def summary_table(self) -> pd.DataFrame:
        """Per policy, the mean and median of the history's outcomes (``branch.csv``)."""
        cols = [o.name for o in declared.tagged("history") if o.engine]
        summary = self.runs.groupby("policy", sort=False)[cols].agg(["mean", "median"])
        summary.columns = [f"{a}_{b}" for a, b in summary.columns]
        return summary

    def _end(self) -> Any:
        return self.at + pd.Timedelta(days=self.horizon - 1).to_pytimedelta()

    def _setting(self) -> str:
        return self.scenario.name if self.scenario is not None else "the documented history"

    def summary(self) -> str:
        """The Markdown report of ``summary.md``."""
        from sim.analysis.summaries import branch_summary

        first = self.result.history.start if self.result.history is not None else self.at
        return branch_summary(
            self.runs,
            scenario=self._setting(),
            start=first,
            at=self.at,
            end=self._end(),
            seed=self.seed,
        )

    def save(self, directory: str | Path, *, overwrite: bool | None = None) -> list[Path]:
        """Write the files of ``escalation branch`` into ``directory`` (``overwrite`` as in
        :meth:`Runs.save`)."""
        from sim.experiments.provenance import write_manifest
        from sim.experiments.store import write_parquet_atomic
        from sim.figures.history import plot_branch
        from sim.history.replay import setting_info

        first = self.result.history.start if self.result.history is not None else self.at
        with staged_out_dir(directory, _may_replace(directory, overwrite)) as tmp:
            write_parquet_atomic(self.runs, tmp / "branch.parquet")  # names the file if it fails
            self.summary_table().to_csv(tmp / "branch.csv")
            plot_branch(self.result, self.events, tmp / "branch.png")
            (tmp / "summary.md").write_text(self.summary(), encoding="utf-8")
            write_manifest(
                tmp,
                "branch",
                command=self.command,
                seed=self.seed,
                runs=self.n_runs,
                scenario_name=self._setting(),
                scenario_file=self.scenario_arg,
                start=self.at,
                end=self._end(),
                policies=self.names,
                details={
                    "history_start": first,
                    "horizon": self.horizon,
                    "record": self.record,
                    "force": self.force,
                    **setting_info(self.scenario_arg),
                },
            )
            names = sorted(str(f.relative_to(tmp)) for f in tmp.rglob("*") if f.is_file())
        return [Path(directory) / n for n in names]


def branch(
    at: Any,
    policies: str | Sequence[str] | None = None,
    horizon: int | None = None,
    runs: int = 1000,
    seed: int = 1,
    *,
    scenario: str | Path | Scenario | None = None,
    start: Any = None,
    force: Sequence[str] | None = None,
    record: str | None = None,
    allow_large: bool = False,
    command: str | None = None,
) -> Branch:
    """Condition on the documented history up to ``at``, then simulate ``horizon`` days under
    each policy (common random numbers): what ``escalation branch`` computes
    (:func:`sim.history.replay.branch`). The pseudo-policy ``"record"`` keeps the documented US
    actions.

    ``policies``: names (a list or separated by commas; default: the scenario's with
    ``scenario``, else ``record`` and ``do_nothing``); ``horizon``: days from ``at`` (default:
    to the scenario's last day, else 120); the other arguments as :func:`replay` (``force``
    defaults to every forceable actor).
    """
    from sim.history.replay import (
        DEFAULT_FORCING_RECORD,
        FORCEABLE,
        RECORD_POLICY,
        check_span,
        history_setting,
        parse_date,
        record_events,
    )
    from sim.history.replay import branch as branch_from

    record = record or DEFAULT_FORCING_RECORD
    force = list(FORCEABLE if force is None else force)
    events = record_events(record)
    at = parse_date(at, "--at")
    start = parse_date(start, "--start") if start is not None else None
    sc = load_scenario(scenario) if scenario is not None else None
    if isinstance(policies, str):
        names = [n.strip() for n in policies.split(",") if n.strip()]
    elif policies is not None:
        names = [str(n).strip() for n in policies]
    elif sc is not None:
        names = list(sc.policies or [sc.policy])
    else:
        names = list(BRANCH_POLICIES)
    if not names:
        raise UserError("--policies: give at least one policy")
    for n in names:
        if n != RECORD_POLICY:
            get_policy(n)
    if horizon is None:
        horizon = BRANCH_HORIZON if sc is None else (sc.end - at).days + 1
        if horizon < 1:
            raise UserError(f"--at {at} is after the scenario's last day {sc.end}")
    check_span(at, horizon, f"--horizon {horizon} from --at {at}")
    history_start = start or (sc or history_setting()).start
    history = max((at - history_start).days, 0)
    what = f"{len(names):,} policies × {runs:,} runs × {horizon:,} days after {history:,} days"
    days = history + len(names) * horizon
    budget.check(budget.trace_cost(what, runs, days, runs * days), f"--runs {runs}", allow_large)
    res = branch_from(events, at, names, horizon, runs, seed, start=start, scenario=sc, force=force)
    scenario_arg = None if scenario is None or isinstance(scenario, Scenario) else str(scenario)
    command = command or _call_text(
        "branch", str(at), policies=names, horizon=horizon, runs=runs, seed=seed
    )
    return Branch(
        res, events, names, at, horizon, seed, runs, force, record, sc, scenario_arg, command
    )


# --- calibration ------------------------------------------------------------------------------


@dataclass
class Calibration:
    """A fit of the parameters to the documented record (:func:`calibrate`).

    Attributes
    ----------
    fit : :class:`sim.calibration.calibrate.Fit` (the ABC-SMC run, the posterior)
    posterior : the posterior draws, one row per draw, one column per fitted parameter
    """

    fit: Any
    record: Any
    record_arg: str
    settings: dict[str, Any]
    command: str
    #: after :meth:`save`: the documented statistics inside the predictive 90% band, and all
    inside: tuple[int, int] | None = None

    @property
    def posterior(self) -> pd.DataFrame:
        """The posterior draws (what ``--write-posterior`` writes)."""
        return self.fit.posterior

    def parameters(self) -> pd.DataFrame:
        """Per fitted parameter: the posterior against the prior, and whether the record
        informs it (what ``STEM_informed.csv`` holds)."""
        return self.fit.summary()

    def save(self, directory: str | Path, *, overwrite: bool | None = None) -> list[Path]:
        """Write the files of ``escalation calibrate`` into ``directory``: report.md and its
        figures (running the posterior predictive check), posterior.csv, the tables,
        summary.md and manifest.json (``overwrite`` as in :meth:`Runs.save`)."""
        from sim.analysis.summaries import calibrate_summary
        from sim.calibration.report import write_report
        from sim.calibration.settings import SEGMENTS
        from sim.experiments.provenance import write_manifest
        from sim.history.replay import setting_info

        fit, events, periods = self.fit, self.record.events, self.record.counts
        st = self.settings
        with staged_out_dir(directory, _may_replace(directory, overwrite)) as tmp:
            res = write_report(
                fit, tmp, events, periods, ppc_runs=st["ppc_runs"], command=self.command
            )
            first = min(seg.start for seg in SEGMENTS)
            table = res["table"]
            (tmp / "summary.md").write_text(
                calibrate_summary(
                    start=first,
                    end=fit.until,
                    seed=st["seed"],
                    particles=st["particles"],
                    draws=len(fit.posterior),
                    stop_reason=fit.abc.stop_reason,
                    inside=int(table["inside_band"].sum()),
                    statistics=len(table),
                    seconds=fit.seconds,
                    windows=[(seg.start, seg.end) for seg in SEGMENTS],
                    ess=fit.abc.last.ess,
                    acceptance=fit.abc.last.acceptance,
                ),
                encoding="utf-8",
            )
            write_manifest(
                tmp,
                "calibrate",
                command=self.command,
                seed=st["seed"],
                runs=st["particles"],
                scenario_name="documented record",
                scenario_file=None,
                start=first,
                end=fit.until,
                policies=None,
                details={
                    "until": fit.until,
                    "record": self.record_arg,
                    "record_name": self.record.name,
                    "particles": st["particles"],
                    "generations": st["generations"],
                    "rows": st["rows"],
                    "ppc_runs": st["ppc_runs"],
                    "seconds": round(fit.seconds, 1),
                    "stop_reason": fit.abc.stop_reason,
                    **setting_info(None),
                    "segment_settings": {g.name: setting_info(g.scenario) for g in SEGMENTS},
                },
            )
            self.inside = (int(table["inside_band"].sum()), len(table))
            names = sorted(str(f.relative_to(tmp)) for f in tmp.rglob("*") if f.is_file())
        return [Path(directory) / n for n in names]


def calibrate(
    record: str = "seeds",
    seed: int = 1,
    *,
    until: Any = None,
    particles: int | None = None,
    generations: int | None = None,
    rows: int | None = None,
    ppc_runs: int | None = None,
    allow_large: bool = False,
    progress: Callable[[str], None] | None = None,
    command: str | None = None,
) -> Calibration:
    """Fit the parameters to the documented record with ABC-SMC: what ``escalation
    calibrate`` computes (:func:`sim.calibration.calibrate.calibrate`; docs/calibration.md).

    ``record``: ``"seeds"`` (the five articles' rows, the default: the record the shipped
    posterior was fitted to), ``"full"`` or a record folder; ``until``: use the record up to
    this day; ``particles``, ``generations``, ``rows`` (posterior draws kept) and ``ppc_runs``
    (runs of the predictive check) default to :data:`sim.calibration.settings.SETTINGS`;
    ``progress(line)`` is called as the fit goes.
    """
    from sim.calibration.calibrate import calibrate as fit_abc
    from sim.calibration.settings import SEGMENTS, SETTINGS
    from sim.history.replay import parse_date
    from sim.inputs.record import load_record

    st = {
        "seed": int(seed),
        "particles": particles or SETTINGS.particles,
        "generations": generations or SETTINGS.generations,
        "rows": rows or SETTINGS.rows,
        "ppc_runs": ppc_runs or SETTINGS.ppc_runs,
    }
    rec = load_record(record)
    until = parse_date(until, "--until") if until is not None else None
    days = sum((seg.end - seg.start).days + 1 for seg in SEGMENTS)
    held = max(min(st["particles"], SETTINGS.batch) * SETTINGS.replicates, st["ppc_runs"])
    sims = st["particles"] * SETTINGS.replicates * (st["generations"] + 1) + st["ppc_runs"]
    what = (
        f"{st['particles']:,} particles × {SETTINGS.replicates} runs × up to "
        f"{st['generations'] + 1:,} generations × {days:,} days (at least one try a particle)"
    )
    budget.check(
        budget.trace_cost(what, held, days, sims * days),
        f"--particles {st['particles']}",
        allow_large,
    )
    fit = fit_abc(
        rec.events,
        rec.counts,
        until=until,
        seed=st["seed"],
        particles=st["particles"],
        generations=st["generations"],
        rows=st["rows"],
        progress=progress or (lambda _line: None),
    )
    command = command or f"sim.calibrate({record!r}, seed={seed})"
    return Calibration(fit, rec, str(record), st, command)


# --- validation -------------------------------------------------------------------------------


def validate(
    record: str = "full",
    *,
    quick: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    command: str | None = None,
) -> Evaluation:
    """The pre-registered rolling-origin evaluation (docs/validation.md): what ``escalation
    validate`` computes. Returns a :class:`sim.validation.evaluation.Evaluation` (its
    ``.totals()`` and ``.save(dir)``).

    ``quick``: 3 origins, 200 samples, a token calibration (a check of the machinery, about a
    minute, not the protocol's scores); ``progress(done, total, line)`` is called per origin.
    """
    from sim.inputs.record import load_record
    from sim.validation.evaluation import evaluate
    from sim.validation.settings import FULL, QUICK

    settings = QUICK if quick else FULL
    command = command or f"sim.validate({record!r}, quick={quick})"
    return evaluate(load_record(record), settings, progress=progress, command=command)


# --- the model as a function ------------------------------------------------------------------


def model_function(
    policy: str = BASELINE,
    runs: int = 100,
    seed: int = 1,
    *,
    scenario: str | Path | Scenario = "baseline",
    return_runs: bool = False,
    **params: float,
) -> dict[str, Any]:
    """The model as a function of its parameters (:func:`sim.explore.function.model_function`)."""
    from sim.explore.function import model_function as fn

    return fn(
        policy=policy,
        runs=runs,
        seed=seed,
        scenario=load_scenario(scenario),
        return_runs=return_runs,
        **params,
    )
