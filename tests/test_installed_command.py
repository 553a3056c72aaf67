"""Hostile inputs through the installed command (``.venv/bin/escalation`` as a subprocess):
exit status 2, one line on stderr starting ``escalation: error:`` that names the file or the
option, no traceback, and nothing left at or beside ``--out``.

Hypothesis writes the scenario files (dates at the calendar's edges, 29 February of common
years, keys given twice, dates that are no dates); the files that are not files, a record with a
count of 10^30, and the command-line extremes are fixed cases. The same kinds are tested in
this process, example by example, in ``tests/test_hostile.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.inputs.record import packaged_record_dir

ESCALATION = str(Path(sys.executable).parent / "escalation")
ENV = {**os.environ, "MPLBACKEND": "Agg"}


def refused(args: list[str], cwd: Path, named: str, timeout: float = 120) -> str:
    """Run the command in ``cwd``; assert the refusal's form and that ``cwd`` holds only what
    was there before; return the line."""
    before = sorted(p.name for p in cwd.iterdir())
    r = subprocess.run([ESCALATION, *args], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout, env=ENV, stdin=subprocess.DEVNULL)  # fmt: skip
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and lines[0].startswith("escalation: error: "), r.stderr
    assert named in lines[0], lines[0]
    assert sorted(p.name for p in cwd.iterdir()) == before  # nothing written
    return lines[0]


_year = st.sampled_from([1, 1066, 1989, 1990, 2021, 2100, 2101, 9999])
_month_day = st.sampled_from(["02-29", "02-30", "04-31", "13-01", "00-10", "01-01", "12-31"])


def _in_range(text: str) -> bool:
    try:
        return dt.date(1990, 1, 1) <= dt.date.fromisoformat(text) <= dt.date(2100, 12, 31)
    except ValueError:
        return False


@st.composite
def hostile_scenario(draw: st.DrawFn) -> tuple[str, str]:
    """A scenario text that must be refused, and the field the refusal names."""
    start = f"{draw(_year):04d}-{draw(_month_day)}"
    kind = draw(st.sampled_from(["start", "shock", "twice"]))
    if kind == "twice":
        key = draw(st.sampled_from(["name", "days", "start"]))
        text = f"name: h\nstart: 2021-01-01\ndays: 30\nposterior: false\n{key}: 2021-01-02\n"
        return text, f"the key '{key}' appears twice"
    if kind == "shock":
        if _in_range(start):
            start = "9999" + start[4:]
        text = (f"name: h\nstart: 2021-01-01\ndays: 30\nposterior: false\nshocks:\n"
                f"  - kind: iran_grievance\n    start: {start}\n    magnitude: 1\n")  # fmt: skip
        return text, "field 'shocks.0.start'"
    if _in_range(start):  # a valid start: a period that ends after 2100
        return "name: h\nstart: 2099-06-01\ndays: 3650\nposterior: false\n", "field 'days'"
    return f"name: h\nstart: {start}\ndays: 30\nposterior: false\n", "field 'start'"


@settings(max_examples=4, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(case=hostile_scenario())
def test_generated_hostile_scenarios(case: tuple[str, str]) -> None:
    text, named = case
    d = Path(tempfile.mkdtemp(prefix="installed-"))
    try:
        (d / "h.yaml").write_text(text, encoding="utf-8")
        line = refused(["run", "h.yaml", "--runs", "5", "--workers", "1", "--out", "o"], d, named)
        assert "h.yaml" in line
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.timeout(300)
def test_fixed_hostile_cases(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    rec = tmp_path / "rec"
    rec.mkdir()
    events = pd.read_csv(packaged_record_dir() / "events.csv", dtype=str, keep_default_na=False)
    events.loc[0, "us_wounded"] = "1" + "0" * 30
    events.to_csv(rec / "events.csv", index=False)
    for other in ("counts.csv", "gaps.csv"):
        shutil.copy(packaged_record_dir() / other, rec / other)
    cases = [
        (["run", "pipe.yaml", "--out", "o"], "named pipe (FIFO)"),
        (["run", "/dev/zero", "--out", "o"], "character device"),
        (["record", "rec"], "field 'us_wounded'"),
        (["run", "baseline", "--out", "/"], "--out /"),
        (["run", "baseline", "--runs", "5", "--dask-scheduler", "tcp://no:port", "--out", "o"],
         "--dask-scheduler"),
        (["compare", "baseline", "--runs", "99999999999", "--out", "o"], "would take about"),
        (["replay", "--start", "0001-01-01", "--end", "2020-01-01", "--out", "o"], "--start"),
        (["branch", "--at", "2020-01-03", "--horizon", "9999999", "--out", "o"], "--horizon"),
    ]  # fmt: skip
    for args, named in cases:
        refused(args, tmp_path, named, timeout=60)
