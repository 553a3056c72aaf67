"""Provenance of a result directory: the one manifest writer and the one summary header.

Every command that writes a result directory (run, compare, replay, branch, calibrate,
sensitivity, explore, validate) writes a ``manifest.json`` that starts with the keys of
:data:`MANIFEST_KEYS` (:func:`base_manifest`: the package, the git commit, the command, the
scenario and its period, the seed and the number of runs, the software versions), then the
command's own details; :func:`write_manifest` writes one, :func:`build_manifest` is the full
record of an experiment (run and compare: executor, chunks, parameters, timestamps). Every
``summary.md`` opens with :func:`summary_header`, which says the scenario, the period, the
seed, the runs and the units.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.experiments.spec import Experiment

#: Keys of every manifest (a command adds its own after these).
MANIFEST_KEYS: tuple[str, ...] = (
    "kind",
    "package",
    "package_version",
    "git_commit",
    "git_dirty",
    "command",
    "argv",
    "created",
    "scenario_name",
    "scenario_file",
    "period_start",
    "period_end",
    "days",
    "seed",
    "runs",
    "policies",
    "python",
    "numpy",
    "pandas",
    "platform",
)


def git_commit() -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the git checkout the package runs from, or ``(None, None)``."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return None, None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return head.stdout.strip(), bool(status.stdout.strip()) if status.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None, None


def file_mode() -> int:
    """The mode of a new result file under the current umask (0644 under the usual 022).

    ``tempfile.mkstemp`` creates files readable by their owner only; files renamed from one
    get this mode so that every result file has the same permissions.
    """
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def base_manifest(
    kind: str,
    *,
    command: str | Sequence[str] | None,
    seed: int | None,
    runs: int | None,
    scenario_name: str | None = None,
    scenario_file: str | os.PathLike[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    policies: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The keys of :data:`MANIFEST_KEYS`, in that order."""
    from sim import __version__

    commit, dirty = git_commit()
    if command is not None and not isinstance(command, str):
        import shlex

        command = shlex.join(str(w) for w in command)
    days = (end - start).days + 1 if start is not None and end is not None else None
    return {
        "kind": kind,
        "package": "escalation-sim",
        "package_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "command": command,
        "argv": list(sys.argv),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario_name": scenario_name,
        "scenario_file": str(Path(scenario_file).resolve()) if scenario_file else None,
        "period_start": start.isoformat() if start is not None else None,
        "period_end": end.isoformat() if end is not None else None,
        "days": days,
        "seed": seed,
        "runs": runs,
        "policies": list(policies) if policies is not None else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
    }


def manifest_json(manifest: dict[str, Any]) -> str:
    """The manifest as the text of ``manifest.json``."""
    return json.dumps(manifest, indent=2, default=_jsonable) + "\n"


def _jsonable(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def write_manifest(out: Path, kind: str, *, details: dict[str, Any] | None = None,
                   **base: Any) -> Path:  # fmt: skip
    """Write ``out/manifest.json``: :func:`base_manifest` (``kind`` and ``base``), then
    ``details``. Returns the path."""
    manifest = {**base_manifest(kind, **base), **(details or {})}
    path = Path(out) / "manifest.json"
    path.write_text(manifest_json(manifest), encoding="utf-8")
    return path


def period_text(start: dt.date, end: dt.date) -> str:
    """'1 Jan 2021 – 31 Dec 2021 (365 days)'."""
    days = (end - start).days + 1
    return f"{start:%-d %b %Y} – {end:%-d %b %Y} ({days:,} days)"


def units_text(days: int) -> str:
    """What the counts of a summary are per."""
    if days in (365, 366):
        return "counts are per run over the one-year period (counts per year)"
    return f"counts are per run over the {days:,}-day period (not per year)"


def summary_header(
    title: str,
    *,
    scenario: str,
    start: dt.date,
    end: dt.date,
    seed: int,
    runs: int,
    policies: Sequence[str] | None = None,
    extra: Sequence[str] = (),
    units: str | None = None,
) -> str:
    """The opening lines of every ``summary.md``: title, then scenario, period, seed, runs,
    units (and the policies when given), as a Markdown list. ``units``: what the counts are
    per, when not per run over the period (:func:`units_text`)."""
    from sim.core.policies import label

    days = (end - start).days + 1
    lines = [f"# {title}", ""]
    lines.append(f"- Scenario: {scenario}")
    lines.append(f"- Period: {period_text(start, end)}")
    lines.append(f"- Seed: {seed}; runs: {runs:,}" + (" per policy" if policies else ""))
    if policies:
        lines.append("- Policies: " + "; ".join(label(p) for p in policies))
    lines.append(f"- Units: {units or units_text(days)}")
    lines += [f"- {e}" for e in extra]
    lines.append("")
    return "\n".join(lines)


def utc_now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def file_sha256(path: str | None) -> str | None:
    """SHA-256 of a file, or None if there is no path or it cannot be read."""
    if not path:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def build_manifest(
    exp: Experiment,
    executor: str,
    workers: int | None,
    command: str | None,
    started: str,
    first_started: str,
    resumed: bool,
    dask_scheduler: str | None = None,
) -> dict[str, Any]:
    """The provenance record of an experiment, written as ``manifest.json``
    (:func:`base_manifest`'s keys first)."""
    from sim.core import params as P
    from sim.experiments.sampling import posterior_path, posterior_sha256, scenario_posterior

    post = scenario_posterior(exp.scenario)
    base = base_manifest(
        "compare" if len(exp.policies) > 1 else "run",
        command=command,
        seed=exp.seed,
        runs=exp.runs,
        scenario_name=exp.scenario.name,
        scenario_file=exp.scenario_path,
        start=exp.scenario.start,
        end=exp.scenario.end,
        policies=exp.policies,
    )
    return base | {
        "scenario_file_sha256": file_sha256(exp.scenario_path),
        "scenario_sha256": exp.scenario_digest(),
        "scenario": exp.scenario.model_dump(mode="json"),
        "chunk_size": exp.chunk_size,
        "chunks_per_policy": exp.n_chunks,
        "engine": exp.engine,
        "keep_daily": exp.keep_daily,
        "executor": executor,
        "workers": workers,
        "dask_scheduler": dask_scheduler,
        "parameter_defaults": P.defaults(),
        "parameter_overrides": dict(exp.scenario.params),
        "posterior_used": post is not None and len(post) > 0,
        "posterior_file": None if post is None else str(posterior_path(exp.scenario)),
        "posterior_sha256": posterior_sha256(exp.scenario),
        "started": first_started,
        "this_invocation_started": started,
        "resumed": resumed,
        "finished": None,
    }


#: The keys of :data:`MANIFEST_KEYS` that do not depend on the command (:func:`common_fields`).
COMMON_KEYS: tuple[str, ...] = ("package", "package_version", "git_commit", "git_dirty", "argv",
                                "python", "numpy", "pandas", "platform")  # fmt: skip


def common_fields() -> dict[str, Any]:
    """The provenance fields every result directory's manifest shares (:data:`COMMON_KEYS` of
    :func:`base_manifest`): package and version, git commit and whether the checkout was
    dirty, the command's argv, Python, numpy, pandas and the platform."""
    base = base_manifest("", command=None, seed=None, runs=None)
    return {k: base[k] for k in COMMON_KEYS}


__all__ = [
    "COMMON_KEYS",
    "MANIFEST_KEYS",
    "base_manifest",
    "build_manifest",
    "common_fields",
    "file_mode",
    "file_sha256",
    "git_commit",
    "manifest_json",
    "period_text",
    "summary_header",
    "units_text",
    "utc_now",
    "write_manifest",
]
