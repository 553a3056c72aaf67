"""The compiler of the rulebook: numba's ``njit`` with an on-disk cache that follows the sources.

Every rule, phase of the day and kernel is compiled with :func:`njit` (numba, ``cache=True``),
so a command pays the compilation once per machine, not once per call. Numba checks only the
source file of the function it compiles, not the files of the functions it calls, so a changed
rule could leave a stale kernel in the cache. The cache therefore lives in a folder named by a
hash of every source in :mod:`sim.core` (``$ESCALATION_NUMBA_CACHE``, default
``~/.cache/escalation-sim/numba``): a change to any of them starts a new cache. Starting one
prunes the old: folders beyond the :data:`KEEP` most recently used that have not been used for
:data:`MAX_AGE_DAYS` days are removed (:func:`prune_cache`), so switching between checkouts
does not recompile while years of upgrades do not pile up. Inside that folder the kernels are
filed by their place in the package, not by the path of the checkout
(:class:`PackageCacheLocator`), so an installed wheel of the same sources finds the kernels a
checkout compiled.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TextIO

import numba
from numba.core import caching

_CORE = Path(__file__).resolve().parent


def _source_hash() -> str:
    """A hash of numba's version and of every module of :mod:`sim.core` and its rules: the
    kernels compile code from most of them (the declarations of the policies and outcomes
    included), so a change to any of them starts a new cache."""
    h = hashlib.sha256(numba.__version__.encode())
    for f in sorted(_CORE.glob("*.py")) + sorted((_CORE / "rules").glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


#: cache folders always kept, the most recently used first
KEEP = 4
#: an older folder is removed once unused for this many days
MAX_AGE_DAYS = 14.0


def prune_cache(
    root: Path, current: str, keep: int = KEEP, max_age_days: float = MAX_AGE_DAYS
) -> list[Path]:
    """Remove old kernel caches under ``root``; return the folders removed.

    ``current`` (the folder of the sources as they are) and the ``keep`` most recently used
    folders stay (a folder's modification time: each start marks its folder used); of the
    others, those unused for ``max_age_days`` go. Best effort: a folder
    another process is removing, or one that cannot be removed, is left alone.
    """
    try:
        dirs = [d for d in root.iterdir() if d.is_dir() and d.name != current]
    except OSError:
        return []

    def mtime(d: Path) -> float:
        try:
            return d.stat().st_mtime
        except OSError:
            return 0.0

    dirs.sort(key=mtime, reverse=True)
    cutoff = time.time() - max_age_days * 86400.0
    removed = []
    for d in dirs[max(keep - 1, 0) :]:  # the current folder counts among those kept
        if mtime(d) < cutoff:
            shutil.rmtree(d, ignore_errors=True)
            if not d.exists():
                removed.append(d)
    return removed


def _cache_dir() -> str:
    root = Path(
        os.environ.get("ESCALATION_NUMBA_CACHE")
        or Path.home() / ".cache" / "escalation-sim" / "numba"
    )
    current = _source_hash()
    here = root / current
    if here.exists():  # mark it used: numba only reads a cache it has filled
        try:
            os.utime(here)
        except OSError:
            pass
    else:  # a new cache: the time to prune the old ones
        prune_cache(root, current)
    return str(here)


def _subpath(*inside: str) -> str:
    """The cache subfolder of the kernels of ``sim/core/<inside...>`` (``sim_core``,
    ``sim_core_rules``; :class:`PackageCacheLocator`)."""
    return "_".join(("sim", _CORE.name, *inside))


#: numba's locator for ``CACHE_DIR`` (``object`` in a numba that renamed it: then numba's own
#: layout is used, and each copy of the sources compiles its own kernels)
_NumbaLocator: type = getattr(caching, "UserProvidedCacheLocator", object)


class PackageCacheLocator(_NumbaLocator):
    """Numba's locator for ``numba.config.CACHE_DIR``, with the kernels of this package filed
    under their folder's place in :mod:`sim.core` (``sim_core``, ``sim_core_rules``) instead of
    a hash of the folder's absolute path.

    Numba (>= 0.68) checks a cached kernel against a hash of its source file's contents, so the
    same sources compiled once serve every copy of them: a checkout, a wheel installed in
    another environment, a second clone. That is safe only because the cache folder itself is
    named by the hash of all the compiled sources (:func:`_cache_dir`): a kernel whose callee
    changed is looked up in another folder. Files outside :mod:`sim.core` (whose sources that
    hash does not cover) keep numba's own layout.
    """

    @classmethod
    def get_suitable_cache_subpath(cls, py_file: str) -> str:
        folder = Path(py_file).resolve().parent
        try:
            inside = folder.relative_to(_CORE)
        except ValueError:
            return super().get_suitable_cache_subpath(py_file)
        return _subpath(*inside.parts)


def _locators() -> str | None:
    """Numba's list of cache locators with :class:`PackageCacheLocator` in place of its own
    locator for ``CACHE_DIR`` (the value of ``NUMBA_CACHE_LOCATOR_CLASSES``); None when this
    numba lacks what that needs (its own layout then stays)."""
    defaults = getattr(getattr(caching, "CacheImpl", None), "_locator_classes", None)
    if _NumbaLocator is object or not defaults:
        return None
    if not hasattr(numba.config, "CACHE_LOCATOR_CLASSES"):
        return None
    names = [f"{__name__}.{PackageCacheLocator.__name__}"]
    names += [cls.__name__ for cls in defaults if cls is not _NumbaLocator]
    return ",".join(names)


#: whether the kernels live in our folder with our layout (not in ``NUMBA_CACHE_DIR``'s, nor
#: with locators the user chose, nor in numba's own layout where this numba lacks what ours
#: needs)
_OWN_CACHE = False
if not os.environ.get("NUMBA_CACHE_DIR"):
    # our folder, named by the sources: only there may copies of the sources share kernels
    numba.config.CACHE_DIR = _cache_dir()
    _chosen = _locators()
    if _chosen and not numba.config.CACHE_LOCATOR_CLASSES:
        numba.config.CACHE_LOCATOR_CLASSES = _chosen
        _OWN_CACHE = True

#: what :func:`announce_compile` says
COMPILE_NOTICE = (
    "compiling the model's kernels for this machine: once for this version of the sources, "
    "up to two minutes before the runs start (then cached in {folder})"
)
_announced: set[str] = set()


def announce_compile(module: str = "kernels", stream: TextIO | None = None) -> bool:
    """Say, once per process and in the main process only, that the kernels are about to be
    compiled, when the cache of these sources holds none of ``module``'s yet (``kernels``: the
    ensemble engine's; ``day``: the phases the Mesa agents call). Otherwise a first command on
    a machine, or the first after an upgrade, shows nothing, or a still progress bar, for up to
    two minutes. Returns whether it said so (never without :data:`_OWN_CACHE`: another
    layout cannot be read this way)."""
    if module in _announced or multiprocessing.parent_process() is not None:
        return False
    if numba.config.DISABLE_JIT:  # nothing is compiled
        return False
    _announced.add(module)
    if not _OWN_CACHE:
        return False
    folder = Path(numba.config.CACHE_DIR)
    if any((folder / _subpath()).glob(f"{module}.*.nbi")):
        return False
    print(COMPILE_NOTICE.format(folder=folder), file=stream or sys.stderr, flush=True)
    return True


def njit(*args, **kwargs):
    """``numba.njit`` with the cache on (and fast maths off: results must not depend on it)."""
    kwargs.setdefault("cache", True)
    kwargs.setdefault("error_model", "numpy")
    if args and callable(args[0]):
        return numba.njit(**kwargs)(args[0])
    return numba.njit(*args, **kwargs)
