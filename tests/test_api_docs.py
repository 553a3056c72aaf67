"""The examples of docs/api.md, run as doctests (each example's output is checked)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_the_examples_of_docs_api_md(tmp_path, monkeypatch):
    pytest.importorskip("ema_workbench")
    pytest.importorskip("xarray")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    result = doctest.testfile(
        str(DOC),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert result.attempted > 30
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed (above)"
