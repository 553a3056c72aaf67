"""Provenance: the manifest every result directory carries (DESIGN.md "Reproducibility").

Package version, git commit, scenario file and its hash, parameters, seed, command line,
executor and timestamps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.core import params as P
from sim.experiments.sampling import posterior_path, posterior_sha256, scenario_posterior
from sim.experiments.spec import Experiment


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
    """The provenance record written as ``manifest.json``."""
    commit, dirty = git_commit()
    post = scenario_posterior(exp.scenario)
    return {
        "package": "escalation-sim",
        "package_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "scenario_file": str(Path(exp.scenario_path).resolve()) if exp.scenario_path else None,
        "scenario_file_sha256": file_sha256(exp.scenario_path),
        "scenario_sha256": exp.scenario_digest(),
        "scenario": exp.scenario.model_dump(mode="json"),
        "seed": exp.seed,
        "runs": exp.runs,
        "chunk_size": exp.chunk_size,
        "chunks_per_policy": exp.n_chunks,
        "policies": list(exp.policies),
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
        "command": command,
        "argv": list(sys.argv),
        "started": first_started,
        "this_invocation_started": started,
        "resumed": resumed,
        "finished": None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
    }


def common_fields() -> dict[str, Any]:
    """The provenance fields every result directory's manifest shares: package and version,
    git commit and whether the checkout was dirty, the command's argv, Python, numpy, pandas
    and the platform."""
    commit, dirty = git_commit()
    return {
        "package": "escalation-sim",
        "package_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "argv": list(sys.argv),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
    }
