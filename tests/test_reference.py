"""The numbers stay as they are: every built-in policy on every shipped scenario, a user's Python
policy, a replay, a branch and the Mesa engine give, bit for bit, the per-run outcomes and daily
series stored in ``tests/data/reference_outcomes.npz`` (``scripts/reference_outcomes.py``, which
says how to write them again when a change of numbers is meant)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "reference_outcomes.npz"


def _script():
    spec = importlib.util.spec_from_file_location(
        "reference_outcomes", ROOT / "scripts" / "reference_outcomes.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def ref():
    with np.load(REFERENCE) as f:
        return {k: f[k] for k in f.files}


def test_every_case_gives_the_reference_numbers(ref):
    script = _script()
    now = script.compute()
    assert script.differences(ref, now) == []


def test_the_check_sees_a_change(ref):
    script = _script()
    key = "posterior/baseline/do_nothing"
    changed = dict(ref)
    m = ref[key].copy()
    row = [str(n).split(":")[0] for n in ref[f"{key}@names"]].index("attacks_total")
    m[row, 0] += 1
    changed[key] = m
    assert script.differences(ref, changed) == [f"{key}: differs in attacks_total:int64"]
    # an outcome or a case added since is new, not a difference; one lost is a difference
    more = dict(ref)
    more[key] = np.vstack([ref[key], np.zeros(ref[key].shape[1])])
    more[f"{key}@names"] = np.append(ref[f"{key}@names"], "new_outcome:int64")
    more["posterior/baseline/new_policy"] = ref[key]
    assert script.differences(ref, more) == []
    assert f"{key}: new_outcome:int64" in script.new_cases(ref, more)
    assert "posterior/baseline/new_policy" in script.new_cases(ref, more)
    fewer = {k: v for k, v in ref.items() if not k.startswith(key)}
    assert script.differences(ref, fewer) == [f"{key}: lost", f"{key}@daily: lost"]
    nan = ref[key].copy()
    assert script.same(nan, ref[key])  # NaN equals NaN (days to events that never came)
    assert np.isnan(nan).any()
