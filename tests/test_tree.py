"""The tree is clean: every cross-reference in the package's docstrings and doc comments names
something that exists, the dead-code allow-list holds only names that need it, and the counts
the docs state are the generated ones."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLE = re.compile(r":(mod|func|class|data|meth|attr|exc):`([^`]+)`")

#: References that name nothing, in files that other changes are rewriting (the core's
#: declarations; the record and validation work): fixed there, then removed here. Each must
#: still be broken (a fixed one fails the test until it leaves this list).
KNOWN_BROKEN: frozenset[tuple[str, str]] = frozenset({
    ("sim.core.day", "sim.core.rules.losses.\n    coalition_casualties"),
    ("sim.core.day_truce", "sim.core.rules.truce.\n    attack_factor"),
    ("sim.core.layout", "Scenario.shock_arrays"),
    ("sim.figures.compare", "survival_curve"),
    ("sim.validation.tit_for_tat", "GenerousTitForTat"),
})  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _instance_attribute(cls: object, name: str) -> bool:
    """Whether a class declares ``name`` (an annotation, a dataclass field) or sets
    ``self.name`` in its code."""
    if name in getattr(cls, "__annotations__", {}) or name in getattr(
        cls, "__dataclass_fields__", {}
    ):
        return True
    if not isinstance(cls, type):
        return False
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return False
    return re.search(rf"\bself\.{re.escape(name)}\s*(:[^=]+)?=", source) is not None


def _lookup(obj: object, dotted: str) -> bool:
    for part in dotted.split("."):
        if not hasattr(obj, part):
            return _instance_attribute(obj, part) and part == dotted.split(".")[-1]
        obj = getattr(obj, part)
    return True


def _import_longest(dotted: str) -> tuple[object, str] | None:
    """The longest importable module prefix of ``dotted`` and the rest of the name."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            mod = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        return mod, ".".join(parts[k:])
    return None


def resolves(target: str, module: object) -> bool:
    """Whether a reference resolves as Sphinx would look for it: a full dotted name, or a name
    relative to the module that holds the docstring (its globals, or a class defined in it)."""
    target = target.lstrip("~.").removesuffix("()")
    found = _import_longest(target)
    if found is not None and (not found[1] or _lookup(found[0], found[1])):
        return True
    if _lookup(module, target):
        return True
    return any(
        isinstance(v, type) and v.__module__ == module.__name__ and _lookup(v, target)
        for v in vars(module).values()
    )


def _references() -> list[tuple[str, int, str, str]]:
    refs = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for m in ROLE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            refs.append((_module_name(path), line, m.group(1), m.group(2)))
    return refs


def test_every_docstring_reference_names_something_that_exists():
    """``:mod:``, ``:func:``, ``:class:``, ``:data:`` (and ``:meth:``, ``:attr:``, ``:exc:``)
    in the package's docstrings and ``#:`` comments resolve: a module that was renamed or a
    function that was removed leaves no reference behind."""
    refs = _references()
    assert len(refs) > 300  # the scan sees the references
    broken, known = [], set()
    for mod_name, line, role, target in refs:
        module = importlib.import_module(mod_name)
        if resolves(target, module):
            continue
        if (mod_name, target) in KNOWN_BROKEN:
            known.add((mod_name, target))
            continue
        broken.append(f"{mod_name.replace('.', '/')}.py:{line}: :{role}:`{target}`")
    assert not broken, "references that name nothing:\n" + "\n".join(broken)
    fixed = sorted(KNOWN_BROKEN - known)
    assert not fixed, f"fixed (or gone), remove from KNOWN_BROKEN: {fixed}"


def test_the_reference_check_catches_a_name_that_does_not_exist():
    import sim.experiments.pipeline as pipeline

    assert resolves("sim.experiments.pipeline.run_chunked", pipeline)
    assert resolves("~sim.experiments.store.ChunkStore.open", pipeline)
    assert resolves("run_chunked", pipeline) and resolves("ChunkedJob.assemble", pipeline)
    assert resolves("numpy.random.SeedSequence", pipeline)
    assert not resolves("sim.experiments.pipeline.run_chunks", pipeline)
    assert not resolves("sim.experiments.options", pipeline)  # moved to sim.cli
    assert not resolves("ChunkedJob.assemble_all", pipeline)


def _vulture_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["vulture"]


def test_every_entry_of_the_dead_code_allow_list_is_needed():
    """Each name in vulture_allowlist.py is one that vulture reports without the list: an entry
    whose code is gone, or that is used now, must leave the list."""
    vulture = pytest.importorskip("vulture")
    cfg = _vulture_config()
    allowlist = ROOT / "vulture_allowlist.py"
    entries = [
        node.attr
        for node in ast.walk(ast.parse(allowlist.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "_"
    ]
    assert len(entries) >= 10
    v = vulture.Vulture(ignore_decorators=cfg.get("ignore_decorators"))
    v.scavenge([str(ROOT / p) for p in cfg["paths"] if p != allowlist.name])
    reported = {item.name for item in v.get_unused_code()}
    stale = sorted(set(entries) - reported)
    assert not stale, f"vulture_allowlist.py: no longer needed, remove: {', '.join(stale)}"


def test_the_counts_in_the_docs_are_the_generated_ones():
    """README, the ODD and the other docs state counts and tables that
    ``scripts/update_docs.py`` generates; ``--check`` fails when one is out of date."""
    res = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "update_docs.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stdout + res.stderr


#: Words of a diary: the history of the work belongs in CHANGELOG.md and the commit messages.
DIARY = re.compile(r"\b(stops? \d+|issues? #?\d+(\.\d+)?|after stop|before stop)\b", re.IGNORECASE)
#: Files with diary words that other changes are rewriting (the core's declarations, the
#: validation work): cleaned there, then removed here; each must still hold such words.
KNOWN_DIARIES: frozenset[str] = frozenset({
    "sim/core/params.py",
    "sim/core/rules/truce.py",
})  # fmt: skip


def test_readme_and_sources_hold_no_diary():
    """README.md and the sources (package, tests, scripts, benchmarks) say what the code is and
    what was measured (with dates), not which stop or issue changed it."""
    files = [ROOT / "README.md", ROOT / "notebooks" / "README.md", ROOT / "run-tests"]
    for folder in ("sim", "tests", "scripts", "benchmarks"):
        files += sorted((ROOT / folder).rglob("*.py"))
    hits, known = [], set()
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        if rel == "tests/test_tree.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DIARY.search(line):
                if rel in KNOWN_DIARIES:
                    known.add(rel)
                else:
                    hits.append(f"{rel}:{n}: {line.strip()}")
    assert not hits, "history belongs in CHANGELOG.md:\n" + "\n".join(hits)
    assert not (KNOWN_DIARIES - known), f"clean now, remove: {sorted(KNOWN_DIARIES - known)}"
