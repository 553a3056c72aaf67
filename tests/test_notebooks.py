"""The notebooks in notebooks/: each runs top to bottom without an error, and is stored clean.

Every notebook is executed with nbclient in a Jupyter kernel that runs *this* interpreter (the
project's virtual environment): a kernelspec named ``python3`` is written to a temporary
directory whose path goes first on ``JUPYTER_PATH``, so a ``python3`` kernel installed elsewhere
on the machine cannot be picked up by mistake. The kernel works in the notebook's own folder
(``resources={"metadata": {"path": ...}}``), where Jupyter runs a notebook opened with
``jupyter lab notebooks/``: a notebook reads shipped scenarios by name, never by a path relative
to the repository root.

The 120 s bound on a notebook's run time is a loose sanity check (a notebook that suddenly takes
minutes has lost its small settings); the target of under a minute on two cores is measured by
hand, not here, since timing tests fail on a loaded machine.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL = "python3"
#: Loose upper bound on one notebook's run time, seconds (see the module docstring).
MAX_SECONDS = 120
#: Places where a notebook could leave files in the repository by mistake.
WATCHED = (NOTEBOOK_DIR, ROOT / "results", ROOT / "scenarios", ROOT / "sim" / "data")


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_there_are_notebooks() -> None:
    """The three notebooks of the issue exist (a rename must not silently drop one)."""
    names = {p.name for p in NOTEBOOKS}
    assert {
        "01_first_experiment.ipynb",
        "02_calibration_walkthrough.ipynb",
        "03_sensitivity.ipynb",
        "04_robust_decisions.ipynb",
    } <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_without_outputs(path: Path) -> None:
    """Notebooks are stored cleared: no outputs, execution counts or timings (small repo, clean
    diffs), and they name the kernel."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them (notebooks/README.md)"
    timed = [i for i, c in enumerate(nb.cells) if "execution" in c.get("metadata", {})]
    assert not timed, f"{path.name}: cells {timed} carry execution timings; clear the metadata"
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_code_cell_is_explained(path: Path) -> None:
    """The notebooks' style: a markdown introduction, and a markdown cell (saying what the code
    does and why) right before every code cell."""
    nb = nbformat.read(path, as_version=4)
    assert nb.cells and nb.cells[0].cell_type == "markdown", "start with a markdown introduction"
    bare = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (i == 0 or nb.cells[i - 1].cell_type != "markdown")
    ]
    assert not bare, f"{path.name}: code cells {bare} have no markdown cell before them"


@pytest.fixture(scope="session")
def venv_kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``python3`` kernelspec that runs this interpreter, first on ``JUPYTER_PATH``."""
    pytest.importorskip("ipykernel", reason="ipykernel is needed to run the notebooks")
    base = tmp_path_factory.mktemp("jupyter")
    spec_dir = base / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (escalation-sim venv)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", os.pathsep.join([str(base), os.environ.get("JUPYTER_PATH", "")]))
        resolved = KernelSpecManager().get_kernel_spec(KERNEL)
        assert resolved.argv[0] == sys.executable, resolved.argv
        yield KERNEL


def _snapshot() -> dict[Path, tuple[int, int]]:
    """Every file under :data:`WATCHED`, with its size and modification time."""
    out = {}
    for d in WATCHED:
        for p in d.rglob("*") if d.exists() else ():
            if p.is_file() and "__pycache__" not in p.parts:
                st = p.stat()
                out[p] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path: Path, venv_kernel: str) -> None:
    """The notebook runs top to bottom with no cell error, within the loose time bound, shows
    its figures, and writes nothing into the repository."""
    nb = nbformat.read(path, as_version=4)
    before = _snapshot()
    client = NotebookClient(
        nb,
        timeout=MAX_SECONDS,
        kernel_name=venv_kernel,
        resources={"metadata": {"path": str(path.parent)}},  # where Jupyter runs it
    )
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name}: a cell failed:\n{exc}", pytrace=False)
    seconds = time.perf_counter() - t0
    assert seconds < MAX_SECONDS, f"{path.name} took {seconds:.0f} s"

    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= 2, f"{path.name}: expected its figures to be displayed, got {images}"
    after = _snapshot()
    touched = sorted(str(p.relative_to(ROOT)) for p in after if after[p] != before.get(p))
    assert not touched, f"{path.name} wrote into the repository: {touched}"
