"""A user's policy that fails (on import, when made, in its ``decide``, or by returning what the
engines cannot use) is one message naming the policy, the failure and the day; a name without
``:`` imports nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.core.params import Params
from sim.core.policies import PolicyError, get_policy, policy_class
from sim.engines.ensemble import run_ensemble
from sim.inputs.scenario import load_scenario

HEADER = """
import numpy as np
from sim.core import ladder
from sim.core.policies import Decision, Policy
"""

POLICIES = (
    HEADER
    + """
class Raises(Policy):
    def __init__(self):
        raise RuntimeError("no configuration file")


class Garbage(Policy):
    name = "garbage"

    def decide(self, obs, params, u):
        return None


class WrongShape(Policy):
    def decide(self, obs, params, u):
        n = len(obs.pending_severity)
        return Decision(np.zeros(n + 1, dtype=np.int64), np.zeros(n), np.zeros(n, dtype=bool))


class UnknownAction(Policy):
    def decide(self, obs, params, u):
        n = len(obs.pending_severity)
        return Decision(np.full(n, 999), np.ones(n), np.zeros(n, dtype=bool))


class NanIntensity(Policy):
    def decide(self, obs, params, u):
        return self._when(obs.pending_severity >= 0, ladder.US_STRIKE_SYRIA, np.nan)


class FailsLater(Policy):
    \"\"\"Well-behaved on its trial day, fails on the run's fifth day (the sixth call).\"\"\"

    name = "fails_later"

    def __init__(self):
        self.calls = 0

    def decide(self, obs, params, u):
        self.calls += 1
        if self.calls == 6:
            raise ZeroDivisionError("division by zero")
        return self._when(obs.pending_severity >= ladder.SEV_LETHAL, ladder.US_STRIKE_SYRIA, 1.0)


class Scalars(Policy):
    \"\"\"One value for every run is accepted (broadcast).\"\"\"

    def decide(self, obs, params, u):
        return Decision(ladder.US_NONE, 0.0, False)
"""
)


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "bad_policies.py").write_text(POLICIES)
    (tmp_path / "broken_import.py").write_text(HEADER + "raise ValueError('missing data file')\n")
    (tmp_path / "side_effect.py").write_text(
        f"open({str(tmp_path / 'imported')!r}, 'w').close()\nclass X: pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_name_without_a_colon_imports_nothing(user_module):
    for name in ("side_effect", "side_effect.X", "side_effect.x.y"):
        with pytest.raises(PolicyError, match="unknown policy"):
            policy_class(name)
    assert not (user_module / "imported").exists()


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("broken_import:X", "importing broken_import failed: ValueError: missing data file"),
        ("bad_policies:Raises", "making Raises() failed: RuntimeError: no configuration file"),
        ("bad_policies:Nope", "module bad_policies has no Nope"),
        (":Raises", "both parts named"),
        ("bad_policies:Garbage", "decide() must return a Decision"),
        ("bad_policies:WrongShape", "Decision.action has shape"),
        ("bad_policies:UnknownAction", "codes of sim.core.ladder.US_ACTIONS"),
        ("bad_policies:NanIntensity", "Decision.intensity must be finite"),
    ],
)
def test_a_failing_user_policy_is_one_message(user_module, name, fragment):
    with pytest.raises(PolicyError) as err:
        get_policy(name)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)
    assert name in str(err.value)


def test_a_failure_during_a_run_names_the_policy_and_the_day(user_module):
    policy = get_policy("bad_policies:FailsLater")  # its trial day passes
    scenario = load_scenario("baseline")
    expected = r"policy 'fails_later' failed on day 4 of the run \(2021-01-05\): ZeroDivisionError"
    with pytest.raises(PolicyError, match=expected):
        run_ensemble(scenario, policy, Params.build(3), np.random.default_rng(1), keep_daily=False)


def test_scalars_are_one_value_for_every_run(user_module):
    policy = get_policy("bad_policies:Scalars")
    scenario = load_scenario("baseline")
    out = run_ensemble(
        scenario, policy, Params.build(4), np.random.default_rng(1), keep_daily=False
    )
    assert (np.asarray(out.outcomes["us_strikes"]) == 0).all()


def test_the_command_reports_a_failing_policy_in_one_line_and_writes_nothing(user_module):
    out = user_module / "result"
    package_root = Path(sim.__file__).resolve().parents[1]  # the sim being tested
    path = os.pathsep.join([str(user_module), str(package_root)])
    env = {**os.environ, "PYTHONPATH": path, "MPLBACKEND": "Agg"}
    cases = (
        "bad_policies:Raises",
        "bad_policies:Garbage",
        "broken_import:X",
        "bad_policies:FailsLater",
    )  # the last fails on day 4, inside a run's worker
    for name in cases:
        proc = subprocess.run(
            [sys.executable, "-m", "sim.cli.main", "run", "baseline", "--policy", name,
             "--runs", "20", "--out", str(out)],
            capture_output=True, text=True, env=env, cwd=user_module, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert name in proc.stderr or "'fails_later' failed on day 4 of the run" in proc.stderr
        # one message (a log's phase line, "simulating 20 runs", may come before it)
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("escalation: error:")]
        assert len(errors) == 1 and proc.stderr.strip().endswith(errors[0]), proc.stderr
        assert not out.exists() and not Path(f"{out}.partial").exists()
