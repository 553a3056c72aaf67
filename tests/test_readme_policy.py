"""The README's example of a user's policy works as written: the file it shows imports, the
policy runs in the ensemble engine by its import path, acts only on its trigger, and reports
show its label and its declared words."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.analysis.metrics import summarise_outcomes
from sim.analysis.report import summary_markdown
from sim.core.params import Params
from sim.core.policies import get_policy, label
from sim.engines.ensemble import run_ensemble
from sim.inputs.scenario import scenario_file, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent


def readme_policy_source() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    part = text.split("## Your own policy and scenario", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", part, flags=re.S)
    assert blocks, "the README's section shows no Python file"
    return blocks[0]


def test_readme_policy_runs_by_import_path(tmp_path, monkeypatch):
    (tmp_path / "my_policies.py").write_text(readme_policy_source(), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "my_policies", raising=False)  # another test's module
    name = "my_policies:StrikeAfterTwoDeaths"
    policy = get_policy(name)
    assert label(name) == "Strike after two deaths"

    data = yaml.safe_load(scenario_file("baseline").read_text(encoding="utf-8"))
    data.update(days=120, name="short")
    data["shocks"] = [s for s in data["shocks"] if s["start"].month <= 4]
    sc = scenario_from_dict(data)
    n = 200
    frames = []
    for p, pol in (("do_nothing", get_policy("do_nothing")), (name, policy)):
        res = run_ensemble(sc, pol, Params.build(n), np.random.default_rng(5))
        frames.append(pd.DataFrame(res.outcomes).assign(policy=p, run=np.arange(n)))
    mine = frames[1]
    # it strikes only inside Iraq, and only in runs where at least two Americans were killed
    assert (mine["strikes_syria"] == 0).all() and (mine["strikes_iran"] == 0).all()
    assert (mine.loc[mine["us_killed"] < 2, "strikes_iraq"] == 0).all()
    assert (mine["strikes_iraq"] > 0).any()
    md = summary_markdown(summarise_outcomes(pd.concat(frames), n_boot=100))
    assert "| Strike after two deaths | `my_policies:StrikeAfterTwoDeaths` |" in md
    assert "two or more Americans killed since the last response" in md
    assert "a class exercise" in md


def test_readme_cites_no_workspace_path():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../" not in re.sub(r"\]\(\.\./", "", text)  # no path outside the clone
    for line in (ROOT / "scenarios" / "baseline.yaml").read_text().splitlines():
        for path in re.findall(r"\bsim/[\w/]+\.py\b", line):
            assert (ROOT / path).is_file(), path
