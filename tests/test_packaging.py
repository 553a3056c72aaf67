"""The package carries every file it reads: the wheel's package data, and lookups that go
through :mod:`importlib.resources`, not through the checkout around the package.

(The full check, building the wheel and running every command from an empty folder, is
``scripts/wheel_smoke.sh``, which ``.ci/run`` runs.)
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import sim
from sim.history.replay import history_setting
from sim.inputs.packaged import scenario_dir, scenario_names
from sim.inputs.posterior import posterior_draws
from sim.inputs.record import load_record
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(sim.__file__).resolve().parent


def test_every_data_file_of_the_package_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["sim"]
    data = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc")]  # fmt: skip
    assert "scenarios/baseline.yaml" in data and "data/history_setting.yaml" in data
    missing = [f for f in data if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert missing == [], f"not shipped in the wheel: {missing}"


def test_the_top_level_scenarios_folder_is_the_packaged_one() -> None:
    assert (ROOT / "scenarios").resolve() == scenario_dir().resolve()
    assert scenario_names() == ["baseline", "early_2021", "late_2019", "mid_2024"]


def test_packaged_files_are_found_from_any_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_scenario("mid_2024").params == {"drone_share": 0.5}
    assert history_setting().name == "history"
    full, seeds = load_record("full"), load_record("seeds")
    assert len(seeds.events) > 10 and len(seeds.counts) > 5
    assert len(full.events) >= len(seeds.events)
    assert len(posterior_draws()) >= 1000
    assert list(tmp_path.iterdir()) == []


def test_no_module_looks_for_files_beside_the_package() -> None:
    beside = re.compile(r"parents\[2\][^\n]*(scenarios|data)|\.\./(scenarios|data)")
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if beside.search(p.read_text(encoding="utf-8"))]  # fmt: skip
    assert offenders == []
