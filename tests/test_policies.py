"""The policy registry: a shared test every policy inherits, plus exact responses to scripted
situations (in the manner of the Axelrod library's strategy tests)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import ladder
from sim.core.ladder import SEV_HARASSMENT, SEV_INJURY, SEV_LETHAL, SEV_NONE
from sim.core.params import Params
from sim.core.policies import (
    REGISTRY,
    Decision,
    Observation,
    Policy,
    PolicyError,
    all_policies,
    get_policy,
    register,
)

SEVERITIES = [SEV_NONE, SEV_HARASSMENT, SEV_INJURY, SEV_LETHAL]


def scripted(sev: list[int], killed: list[int] | None = None, iran: list[bool] | None = None):
    n = len(sev)
    return Observation(
        pending_severity=np.array(sev),
        pending_group=np.zeros(n, dtype=np.int64),
        pending_killed=np.array(killed if killed is not None else [0] * n),
        pending_iran=np.array(iran if iran is not None else [False] * n),
    )


@pytest.mark.parametrize("name", all_policies())
class TestEveryPolicy:
    """What every registered policy must satisfy."""

    def test_documented(self, name):
        cls = REGISTRY[name]
        assert cls.name == name and cls.label and cls.source
        assert cls.__doc__ and len(cls.__doc__.strip()) > 40

    def test_shapes_and_codes(self, name):
        obs = scripted(SEVERITIES * 3, killed=[0, 0, 0, 2] * 3, iran=[False] * 8 + [True] * 4)
        d = get_policy(name).decide(obs, Params.build(12), np.linspace(0, 0.99, 12))
        assert isinstance(d, Decision)
        assert d.action.shape == d.intensity.shape == d.forgive.shape == (12,)
        assert set(np.unique(d.action)) <= set(ladder.US_ACTION_NAMES)
        assert (d.intensity >= 0).all()
        assert (d.intensity[d.action == ladder.US_NONE] == 0).all()

    def test_vectorised_equals_one_by_one(self, name):
        obs = scripted(SEVERITIES * 2, killed=[0, 0, 1, 2] * 2, iran=[False, True] * 4)
        draws = np.linspace(0.05, 0.95, 8)
        pol = get_policy(name)
        whole = pol.decide(obs, Params.build(8), draws)
        for i in range(8):
            one = Observation(*(np.asarray(a)[i : i + 1] for a in vars(obs).values()))
            d = pol.decide(one, Params.build(1), draws[i : i + 1])
            assert d.action[0] == whole.action[i] and d.forgive[0] == whole.forgive[i]

    def test_quiet_means_no_strike(self, name):
        d = get_policy(name).decide(scripted([SEV_NONE] * 3), Params.build(3), np.zeros(3))
        assert not np.isin(d.action, ladder.US_KINETIC).any()


def actions(name: str, sev, killed=None, iran=None, draws=None) -> list[str]:
    obs = scripted(sev, killed, iran)
    n = len(sev)
    d = get_policy(name).decide(obs, Params.build(n), np.zeros(n) if draws is None else draws)
    return [
        ladder.US_ACTION_NAMES[int(a)] + ("*" if f else "")
        for a, f in zip(d.action, d.forgive, strict=True)
    ]


def test_scripted_responses():
    sev = SEVERITIES
    killed = [0, 0, 0, 1]
    assert actions("do_nothing", sev, killed) == ["none"] * 4
    assert actions("strike_syria", sev, killed) == ["none", "none", "strike_syria", "strike_syria"]
    assert actions("escalate_syria", sev, killed) == ["none"] + ["strike_syria"] * 3
    assert actions("strike_iraq", sev, killed) == ["none", "none", "strike_iraq", "strike_iraq"]
    assert actions("casualty_threshold", sev, killed) == ["none"] * 3 + ["strike_iraq"]
    assert actions("decapitation", sev, killed) == ["none"] * 3 + ["decapitation"]
    assert actions("hold_iran_accountable", sev, killed) == ["none", "none"] + ["strike_iran"] * 2
    assert actions("iraqi_accountability", sev, killed) == ["none"] + ["press_baghdad"] * 3
    assert actions("regional_deal", sev, killed) == ["diplomacy"] * 4
    assert actions("tit_for_tat", sev, killed) == [
        "none",
        "strike_syria",
        "strike_syria",
        "strike_iraq",
    ]
    # an Iranian direct strike is answered in kind by tit-for-tat and by holding Iran accountable
    assert actions("tit_for_tat", [0], [0], [True]) == ["strike_iran"]
    assert actions("hold_iran_accountable", [0], [0], [True]) == ["strike_iran"]
    assert actions("strike_iraq", [0], [0], [True]) == ["none"]


def test_escalated_strikes_are_heavier():
    p = Params.build(1)
    d1 = get_policy("strike_syria").decide(scripted([SEV_INJURY]), p, np.zeros(1))
    d2 = get_policy("escalate_syria").decide(scripted([SEV_INJURY]), p, np.zeros(1))
    assert d2.intensity[0] > d1.intensity[0]


def test_generous_tit_for_tat_forgives_one_third():
    n = 30_000
    obs = scripted([SEV_INJURY] * n)
    draws = np.random.default_rng(0).random(n)
    d = get_policy("generous_tit_for_tat").decide(obs, Params.build(n), draws)
    assert d.forgive.mean() == pytest.approx(1 / 3, abs=0.01)  # Nowak & Sigmund 1992
    assert not get_policy("tit_for_tat").decide(obs, Params.build(n), draws).forgive.any()


USER_POLICY = """
from sim.core import ladder
from sim.core.policies import Policy


class StrikeAfterDeaths(Policy):
    \"\"\"A user's own policy: strike in Syria after any lethal attack.\"\"\"

    name = "strike_after_deaths"

    def decide(self, obs, params, u):
        return self._when(obs.pending_severity >= ladder.SEV_LETHAL, ladder.US_STRIKE_SYRIA, 1.0)
"""


def test_user_policy_by_import_path(tmp_path, monkeypatch):
    (tmp_path / "my_policies.py").write_text(USER_POLICY)
    monkeypatch.syspath_prepend(str(tmp_path))
    pol = get_policy("my_policies:StrikeAfterDeaths")
    d = pol.decide(scripted(SEVERITIES), Params.build(4), np.zeros(4))
    assert d.action.tolist() == [0, 0, 0, ladder.US_STRIKE_SYRIA]
    assert "strike_after_deaths" not in REGISTRY  # a user's class need not register


@pytest.mark.parametrize(
    "name", ["no_such_policy", "sim.core.policies:Nope", "numpy:ndarray", "no.such.module:X"]
)
def test_unknown_policy_is_refused_with_a_clear_message(name):
    with pytest.raises(PolicyError) as err:
        get_policy(name)
    assert name.split(":")[-1] in str(err.value) or "unknown policy" in str(err.value)


def test_registry_refuses_duplicates():
    with pytest.raises(ValueError):
        register(type("Dup", (Policy,), {"name": "do_nothing"}))
