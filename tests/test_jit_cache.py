"""Old kernel caches are pruned when a new one starts (sim.core.jit.prune_cache)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sim.core.jit import prune_cache


def _folder(root: Path, name: str, age_days: float) -> Path:
    d = root / name
    d.mkdir()
    (d / "kernel.nbi").write_text("x")
    t = time.time() - age_days * 86400.0
    os.utime(d, (t, t))
    return d


def test_prune_keeps_the_current_the_recent_and_the_young(tmp_path: Path) -> None:
    ages = {"a": 1.0, "b": 20.0, "c": 30.0, "d": 40.0, "e": 50.0, "f": 5.0}
    for name, age in ages.items():
        _folder(tmp_path, name, age)
    cur = _folder(tmp_path, "current", 100.0)  # old, but in use: kept
    removed = prune_cache(tmp_path, "current", keep=3, max_age_days=14.0)
    left = sorted(p.name for p in tmp_path.iterdir())
    # kept: the current folder and the 2 most recent others (a, f); b-e are old: removed
    assert left == ["a", "current", "f"]
    assert sorted(p.name for p in removed) == ["b", "c", "d", "e"]
    assert cur.exists()


def test_prune_never_removes_a_folder_still_in_use_by_age(tmp_path: Path) -> None:
    for i in range(6):
        _folder(tmp_path, f"h{i}", 2.0 + i)  # all younger than two weeks
    assert prune_cache(tmp_path, "none", keep=1, max_age_days=14.0) == []
    assert len(list(tmp_path.iterdir())) == 6


def test_prune_of_a_missing_root_is_harmless(tmp_path: Path) -> None:
    assert prune_cache(tmp_path / "absent", "x") == []


def test_a_start_marks_its_cache_folder_used(tmp_path: Path, monkeypatch) -> None:
    from sim.core import jit

    monkeypatch.setenv("ESCALATION_NUMBA_CACHE", str(tmp_path))
    here = _folder(tmp_path, jit._source_hash(), 30.0)
    old = _folder(tmp_path, "old", 30.0)
    assert jit._cache_dir() == str(here)
    assert here.stat().st_mtime > time.time() - 60  # used now
    assert old.exists()  # an existing cache prunes nothing


_PROBE = """
import json, sys
import numba
import sim
from sim.core.rules.common import decay
assert decay(2.0, 0.5) == 1.0
hits = sum(decay.stats.cache_hits.values())
print(json.dumps({"hits": hits, "dir": numba.config.CACHE_DIR, "sim": sim.__file__}))
"""


def test_two_copies_of_the_same_sources_share_their_kernels(tmp_path: Path) -> None:
    """A kernel compiled from one copy of the package (a checkout) is loaded, not compiled
    again, from another copy in another place (a wheel installed elsewhere): the cache files
    kernels by their place in the package (sim.core.jit.PackageCacheLocator)."""
    import json
    import shutil
    import subprocess
    import sys

    src = Path(__file__).resolve().parent.parent / "sim"
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("a", "b"):
        shutil.copytree(src, tmp_path / name / "sim", ignore=ignore)
    env = {**os.environ, "ESCALATION_NUMBA_CACHE": str(tmp_path / "cache")}
    env.pop("NUMBA_CACHE_DIR", None)

    def probe(name: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE], cwd=tmp_path / name, env=env, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        return json.loads(out.stdout)

    first, second = probe("a"), probe("b")
    for name, seen in (("a", first), ("b", second)):  # each imported its own copy
        assert Path(seen["sim"]).resolve().parent == (tmp_path / name / "sim").resolve()
    assert first["dir"] == second["dir"]  # the same sources: the same folder
    assert first["hits"] == 0 and second["hits"] == 1
    assert (Path(first["dir"]) / "sim_core_rules").is_dir()


def test_a_first_compile_is_announced_once_and_only_when_the_cache_is_empty(
    tmp_path: Path, monkeypatch
) -> None:
    import io

    import numba

    from sim.core import jit

    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(jit, "_OWN_CACHE", True)
    monkeypatch.setattr(jit, "_announced", set())
    said = io.StringIO()
    assert jit.announce_compile("kernels", said) is True
    assert "compiling the model's kernels" in said.getvalue() and str(tmp_path) in said.getvalue()
    assert jit.announce_compile("kernels", said) is False  # once per process
    # a cache that holds the module's kernels already: nothing to say
    (tmp_path / "sim_core").mkdir()
    (tmp_path / "sim_core" / "day.step-10.py312.nbi").write_bytes(b"")
    quiet = io.StringIO()
    assert jit.announce_compile("day", quiet) is False and quiet.getvalue() == ""
    # a folder set by NUMBA_CACHE_DIR has numba's own layout: no guess
    monkeypatch.setattr(jit, "_OWN_CACHE", False)
    assert jit.announce_compile("other", quiet) is False and quiet.getvalue() == ""
