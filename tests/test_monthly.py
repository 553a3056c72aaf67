"""The monthly series (sim.inputs.monthly): bounds with known answers on hand-made records,
counters kept apart, conflicts reported, the bounds holding the truth that generated a record,
the sums agreeing with the statements, and the ``record --monthly`` / ``--plot`` commands."""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.main import main
from sim.inputs import monthly as M
from sim.inputs.record import Record, load_record, write_record

SOURCE = {"outlet": "Reuters", "published": "2024-08-30", "headline": "h",
          "url": "https://example.org/a"}  # fmt: skip


def attack(day: str, theatre: str = "iraq", target: str = "us_forces", **more) -> dict:
    return {"id": f"{day}-{theatre}-{target}-{more.pop('n', 0)}", "date": day,
            "date_precision": "day", "actor": "militia", "target": target, "theatre": theatre,
            "location": "x", "action": "harassment_attack", "weapon": "rocket", **SOURCE,
            **more}  # fmt: skip


def count(ident: str, start: str, end: str, low: int, high: int | None, theatre: str = "iraq",
          kind: str = "base_attacks", counter: str = "official", **more) -> dict:  # fmt: skip
    return {"id": ident, "start": start, "end": end, "theatre": theatre, "kind": kind,
            "actor": more.pop("actor", "militia"), "counter": counter, "counted_by": "x",
            "count_low": low, "count_high": "" if high is None else high, "statement": "s",
            **SOURCE, **more}  # fmt: skip


def record(tmp_path: Path, events: list[dict], counts: list[dict], name: str = "r") -> Record:
    events = sorted(events, key=lambda e: e["date"])
    return load_record(write_record(tmp_path / name, events, counts))


def cell(table: pd.DataFrame, series: str, month: str, counter: str = "basis") -> pd.Series:
    rows = table[(table["series"] == series) & (table["month"] == pd.Period(month, "M"))
                 & (table["counter"] == counter)]  # fmt: skip
    assert len(rows) == 1
    return rows.iloc[0]


def bounds(table, series, month, counter="basis") -> tuple[int, float]:
    r = cell(table, series, month, counter)
    return int(r["low"]), float(r["high"])


# --- known answers -------------------------------------------------------------------------------


def test_an_exact_count_over_two_months_with_an_event_in_one(tmp_path: Path) -> None:
    rec = record(tmp_path, [attack("2020-01-10")],
                 [count("c", "2020-01-01", "2020-02-29", 5, 5, counter="press")])  # fmt: skip
    t = M.monthly(rec).table
    for counter in ("basis", "press"):
        assert bounds(t, "iraq_base_attacks", "2020-01", counter) == (1, 5)
        assert bounds(t, "iraq_base_attacks", "2020-02", counter) == (0, 4)
        jan, feb = (
            cell(t, "iraq_base_attacks", m, counter)["best"] for m in ("2020-01", "2020-02")
        )
        # the smoothest split of 5 between months whose neighbours hold nothing: 2.5 and 2.5
        assert (jan, feb) == (pytest.approx(2.5), pytest.approx(2.5))
    # a counter without statements knows the event only: at least one, no cap
    assert bounds(t, "iraq_base_attacks", "2020-01", "official") == (1, math.inf)
    assert cell(t, "iraq_base_attacks", "2020-01")["informed_by"] == "statements and events"
    assert cell(t, "iraq_base_attacks", "2020-02")["informed_by"] == "statements"
    assert cell(t, "iraq_base_attacks", "2020-03")["informed_by"] == "interpolated"
    assert cell(t, "iraq_base_attacks", "2020-02")["statements"] == "c"


def test_partial_months_and_cumulative_tallies_are_exact(tmp_path: Path) -> None:
    # 3 attacks from 1 to 10 February; 8 from 1 February to 10 March (a running total)
    rec = record(tmp_path, [], [
        count("a", "2020-02-01", "2020-02-10", 3, 3),
        count("b", "2020-02-01", "2020-03-10", 8, 8, cumulative="yes"),
    ])  # fmt: skip
    t = M.monthly_table(rec)
    assert bounds(t, "iraq_base_attacks", "2020-02") == (3, 8)
    assert bounds(t, "iraq_base_attacks", "2020-03") == (0, math.inf)  # 11-31 March: no cap
    assert bounds(t, "iraq_base_attacks", "2020-01") == (0, math.inf)
    assert M.monthly(rec).conflicts.empty


def test_a_sum_of_theatres_splits_into_its_series(tmp_path: Path) -> None:
    rec = record(tmp_path, [attack("2020-03-05", target="logistics_convoy")], [
        count("both", "2020-03-01", "2020-03-31", 10, 10, theatre="iraq+syria", kind="attacks"),
        count("syr", "2020-03-01", "2020-03-31", 4, 4, theatre="syria", kind="attacks"),
    ])  # fmt: skip
    t = M.monthly_table(rec)
    assert bounds(t, "syria_attacks", "2020-03") == (4, 4)
    assert bounds(t, "iraq_convoy_bombs", "2020-03") == (1, 6)
    assert bounds(t, "iraq_base_attacks", "2020-03") == (0, 5)
    best = sum(cell(t, s, "2020-03")["best"] for s in ("iraq_base_attacks", "iraq_convoy_bombs"))
    assert best == pytest.approx(6)


def test_counters_are_kept_apart_and_the_basis_takes_them_in_order(tmp_path: Path) -> None:
    april = ("2020-04-01", "2020-04-30")
    rec = record(tmp_path, [], [
        count("off", *april, 10, 10, counter="official"),
        count("prs", *april, 14, 14, counter="press"),
        count("clm", *april, 30, 30, counter="claims", actor="islamic_resistance_iraq"),
        count("trk", "2020-05-01", "2020-05-31", 12, 12, counter="tracker"),
        count("trk-apr", "2020-04-15", "2020-05-15", 0, 40, counter="tracker"),
    ])  # fmt: skip
    t = M.monthly(rec).table
    assert bounds(t, "iraq_base_attacks", "2020-04", "official") == (10, 10)
    assert bounds(t, "iraq_base_attacks", "2020-04", "press") == (14, 14)
    assert bounds(t, "iraq_base_attacks", "2020-04", "claims") == (30, 30)
    # the basis: official where it speaks; the tracker's May statement (May only) too; not the
    # tracker's April-May one (April is the official's), the press's, nor the claims
    assert bounds(t, "iraq_base_attacks", "2020-04") == (10, 10)
    assert bounds(t, "iraq_base_attacks", "2020-05") == (12, 12)
    used = {s.id for s in M.basis_statements(M._statements(rec.counts)[0])}
    assert used == {"off", "trk"}
    # never averaged: no table holds anything between the official and the press figures
    april_rows = t[(t["series"] == "iraq_base_attacks") & (t["month"] == pd.Period("2020-04"))]
    assert not ((april_rows["best"] > 10) & (april_rows["best"] < 14)).any()


def test_conflicting_statements_are_reported(tmp_path: Path) -> None:
    rec = record(tmp_path, [attack("2020-07-03")], [
        count("june", "2020-06-01", "2020-06-30", 2, 2),
        count("mid-june", "2020-06-10", "2020-06-20", 5, 5),
        count("quiet-july", "2020-07-01", "2020-07-31", 0, 0, counter="press"),
    ])  # fmt: skip
    res = M.monthly(rec)
    conf = res.conflicts
    official = conf[conf["counter"] == "official"]
    assert set(official["statement"]) & {"june", "mid-june"}
    assert official["short_by"].sum() == pytest.approx(3)
    quiet = conf[(conf["counter"] == "press") & (conf["statement"] == "quiet-july")]
    assert quiet["side"].tolist() == ["high"] and quiet["short_by"].tolist() == [1]
    # the documented attack stands: a statement gives way to an event, not the reverse
    assert bounds(res.table, "iraq_base_attacks", "2020-07", "press") == (1, 1)


def test_a_later_running_tally_supersedes_the_side_it_contradicts(tmp_path: Path) -> None:
    tally = {"cumulative": "yes"}
    rec = record(tmp_path, [], [
        # 8 by 10 February, but 5 by 20 February and 7 by 20 February (a later figure the
        # same day): no reading holds all three
        count("early", "2020-02-01", "2020-02-10", 8, 8, **tally),
        count("low-same-day", "2020-02-01", "2020-02-20", 5, 5, **tally),
        count("late", "2020-02-01", "2020-02-20", 7, 7, **tally),
        # another counter, and statements that are not running tallies, are not compared
        count("press", "2020-02-01", "2020-02-10", 9, 9, counter="press", **tally),
        count("june", "2020-06-01", "2020-06-30", 4, 4),
        count("mid-june", "2020-06-01", "2020-06-15", 6, 6),
    ])  # fmt: skip
    res = M.monthly(rec)
    gone = {(r.counter, r.statement, r.side, r.superseded_by)
            for r in res.superseded.itertuples()}  # fmt: skip
    assert gone == {(c, s, side, "late") for c in ("basis", "official")
                    for s, side in (("early", "low"), ("low-same-day", "high"))}  # fmt: skip
    basis = {s.id: (s.low, s.high) for s in M.basis_statements(M._statements(rec.counts)[0])}
    assert basis["early"] == (None, 8) and basis["low-same-day"] == (5, None)
    assert basis["late"] == (7, 7)
    conf = res.conflicts
    # statements that are not running tallies are not compared: their conflict is reported
    for counter in ("basis", "official"):
        found = set(conf.loc[conf["counter"] == counter, "statement"])
        assert found and found <= {"june", "mid-june"}
    assert bounds(res.table, "iraq_base_attacks", "2020-02") == (7, math.inf)  # 21-29 open
    assert bounds(res.table, "iraq_base_attacks", "2020-02", "press") == (9, math.inf)


def test_strikes_casualties_iran_and_truces(tmp_path: Path) -> None:
    us = {"actor": "us", "weapon": "airstrike"}
    events = [
        {**attack("2020-10-11"), "id": "kh-truce", "actor": "kataib_hezbollah",
         "action": "ceasefire", "weapon": "none"},
        {**attack("2020-11-17"), "id": "kh-back", "actor": "kataib_hezbollah",
         "responds_to": "kh-truce"},
        {**attack("2020-12-01", theatre="syria"), "id": "s1", **us, "target": "militia",
         "action": "us_strike_syria"},
        {**attack("2020-12-02"), "id": "d1", **us, "target": "kataib_hezbollah",
         "action": "decapitation"},
        {**attack("2020-12-03", theatre="jordan"), "id": "j1", "action": "lethal_attack",
         "us_killed": 3, "us_wounded": 40},
        {**attack("2020-12-04"), "id": "i1", "actor": "iran", "action": "iran_state_strike",
         "weapon": "ballistic_missile", "us_wounded": 11},
    ]  # fmt: skip
    counts = [
        count("targets", "2020-12-01", "2020-12-31", 9, 9, theatre="syria",
              kind="us_strike_targets", actor="us"),
        count("wounded", "2020-12-01", "2020-12-31", 45, 60, theatre="iraq+syria+jordan",
              kind="us_wounded"),
    ]  # fmt: skip
    t = M.monthly_table(record(tmp_path, events, counts))
    assert bounds(t, "truce_days", "2020-10") == (21, 31)  # 11-31 October
    assert bounds(t, "truce_days", "2020-11") == (16, 30)  # to the day before the attack
    assert bounds(t, "syria_us_strikes_facilities", "2020-12") == (1, 9)  # targets cap strikes
    assert bounds(t, "iraq_us_strikes_leaders", "2020-12") == (1, math.inf)
    assert bounds(t, "jordan_us_killed", "2020-12") == (3, math.inf)
    assert bounds(t, "jordan_us_wounded", "2020-12") == (40, 49)  # 45-60 less Iraq's 11
    assert bounds(t, "iraq_us_wounded", "2020-12") == (11, 20)
    assert bounds(t, "iraq_iran_direct_strikes", "2020-12") == (1, math.inf)
    assert cell(t, "jordan_attacks", "2020-12")["low"] == 1


def test_statements_that_bound_no_series_are_listed_with_why(tmp_path: Path) -> None:
    rec = record(tmp_path, [], [
        count("rockets", "2020-01-01", "2020-01-01", 10, 10, kind="rockets"),
        count("kh-only", "2020-01-01", "2020-01-31", 0, None, actor="kataib_hezbollah"),
        count("older", "2019-01-01", "2020-01-31", 5, None),
    ])  # fmt: skip
    unused = M.monthly(rec).unused.set_index("statement")["why"]
    assert "not a monthly series" in unused["rockets"]
    assert "open" in unused["kh-only"]
    assert "before October 2019" in unused["older"]


# --- the bounds hold the truth -------------------------------------------------------------------

MONTHS6 = pd.period_range("2020-01", "2020-06", freq="M")
DAYS = pd.date_range("2020-01-01", "2020-06-30", freq="D")


@st.composite
def consistent_record(draw):
    """Attacks on random days of January-June 2020 in Iraq (bases) and Syria, some documented
    as events, and count statements over random periods, theatres and counters whose
    intervals hold the true counts."""
    truth = {th: sorted(draw(st.lists(st.integers(0, len(DAYS) - 1), max_size=25)))
             for th in ("iraq", "syria")}  # fmt: skip
    events = []
    for th, days in truth.items():
        for k, d in enumerate(days):
            if draw(st.booleans()):
                events.append(attack(f"{DAYS[d]:%Y-%m-%d}", theatre=th, n=k))
    counts = []
    for j in range(draw(st.integers(1, 7))):
        a = draw(st.integers(0, len(DAYS) - 1))
        z = draw(st.integers(a, len(DAYS) - 1))
        if draw(st.booleans()):  # whole months
            a = DAYS.get_loc(DAYS[a].to_period("M").start_time)
            z = DAYS.get_loc(min(DAYS[z].to_period("M").end_time.normalize(), DAYS[-1]))
        theatre = draw(st.sampled_from(("iraq", "syria", "iraq+syria")))
        n = sum(a <= d <= z for th in theatre.split("+") for d in truth[th])
        low = max(0, n - draw(st.integers(0, 2)))
        high = None if draw(st.booleans()) and draw(st.booleans()) else n + draw(
            st.integers(0, 2))  # fmt: skip
        counts.append(
            count(
                f"s{j}",
                f"{DAYS[a]:%Y-%m-%d}",
                f"{DAYS[z]:%Y-%m-%d}",
                low,
                high,
                theatre=theatre,
                kind="attacks",
                counter=draw(st.sampled_from(("official", "tracker", "press"))),
            )
        )
    monthly_truth = {
        ("iraq_base_attacks" if th == "iraq" else "syria_attacks", m):
        sum(DAYS[d].to_period("M") == m for d in days)
        for th, days in truth.items() for m in MONTHS6
    }  # fmt: skip
    return events, counts, monthly_truth


def check_sums(rec: Record, table: pd.DataFrame, counter: str = "basis") -> None:
    """For every statement of the basis (or a counter) that it can meet: the months it covers
    whole hold at least their lows' sum at most its high, the months it touches at most their
    highs' sum at least its low, and where it covers whole months the best estimates sum inside
    it."""
    statements = M.table_statements(M._statements(rec.counts)[0], counter)[0]
    conflicted = set(M.monthly(rec, (counter,)).conflicts["statement"])
    basis = table[table["counter"] == counter].set_index(["series", "month"])
    for s in statements:
        if s.id in conflicted:
            continue
        first, last = dt.date.fromordinal(s.start), dt.date.fromordinal(s.end)
        months = pd.period_range(first, last, freq="M")
        whole = [m for m in months
                 if m.start_time.date() >= first and m.end_time.date() <= last]  # fmt: skip
        low_sum = sum(basis.loc[(n, m), "low"] for n in s.names for m in whole)
        high_sum = sum(basis.loc[(n, m), "high"] for n in s.names for m in months)
        if s.high is not None:
            assert low_sum <= s.high + 1e-6, s
        if s.low is not None:
            assert high_sum >= s.low - 1e-6, s
        if len(whole) == len(months):
            best = sum(basis.loc[(n, m), "best"] for n in s.names for m in months)
            assert (s.low or 0) - 0.02 <= best <= (math.inf if s.high is None else s.high) + 0.02


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=consistent_record())
def test_the_bounds_hold_the_truth_that_made_the_record(tmp_path_factory, data) -> None:
    events, counts, truth = data
    rec = record(tmp_path_factory.mktemp("h"), events, counts)
    res = M.monthly(rec)
    assert res.conflicts.empty  # every statement holds the truth, so none conflicts
    t = res.table.set_index(["series", "month", "counter"])
    for (series, month), n in truth.items():
        for counter in M.COUNTER_NAMES:
            r = t.loc[(series, month, counter)]
            assert r["low"] <= n <= r["high"], (series, month, counter, n, r["low"], r["high"])
            assert r["low"] <= r["best"] <= r["high"]
    check_sums(rec, res.table)


def test_the_packaged_record_sums_agree_with_its_statements() -> None:
    for which in ("full", "seeds"):
        rec = load_record(which)
        table = M.monthly_table(rec, None)
        assert len(table) == len(M.SERIES) * len(M.MONTHS) * len(M.COUNTER_NAMES)
        assert (table["low"] <= table["best"] + 1e-9).all()
        assert (table["best"] <= table["high"] + 1e-9).all()
        for counter in M.COUNTER_NAMES:
            check_sums(rec, table, counter)
    # the default basis of the full record meets every statement it takes
    assert M.monthly(load_record("full"), ("basis",)).conflicts.empty


def test_the_monthly_series_are_computed_once_per_record() -> None:
    rec = load_record("seeds")
    first = M.monthly_table(rec)
    again = load_record("seeds")  # a new object with the same contents
    assert M._state(again) is M._state(rec)
    pd.testing.assert_frame_equal(M.monthly_table(again), first)


# --- the commands ------------------------------------------------------------------------------


def test_record_monthly_prints_csv_and_markdown(capsys) -> None:
    assert main(["record", "seeds", "--monthly", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(table.columns) == list(M.COLUMNS)
    assert len(table) == len(M.SERIES) * len(M.MONTHS)
    assert set(table["counter"]) == {"basis"}
    wounded = table[(table["series"] == "iraq_us_wounded") & (table["month"] == "2020-01")]
    assert wounded["low"].tolist() == [101]  # "more than 100" (Foreign Policy)
    assert main(["record", "seeds", "--monthly", "--counter", "article"]) == 0
    out = capsys.readouterr().out
    assert "## Attacks on US or coalition forces" in out and "| 2020-07 |" in out
    with pytest.raises(SystemExit):
        main(["record", "--monthly", "--counter", "gossip"])


def test_record_plot_draws_a_figure(tmp_path: Path, capsys) -> None:
    out = tmp_path / "fig" / "record.png"
    assert main(["record", "seeds", "--plot", str(out)]) == 0
    assert out.stat().st_size > 50_000 and out.with_suffix(".pdf").is_file()
    assert main(["record", "--plot", str(tmp_path / "record.txt")]) == 2
    assert "must end in .png, .pdf or .svg" in capsys.readouterr().err


def test_the_record_figure_says_what_it_shows() -> None:
    from sim.figures.record import SHOCKS, _caption, _flat_stretch, _runs, record_figure

    assert _runs(pd.Series([0, 1, 1, 0, 1]).astype(bool).to_numpy()) == [(1, 2), (4, 4)]
    full = load_record("full")
    basis = " ".join(_caption(full, "basis"))
    assert "Default basis" in basis and "never militia claims" in basis and "gaps.csv" in basis
    # the flat stretch named is the year-long official count of convoy bombs
    assert _flat_stretch(M.monthly_table(full)).startswith(
        "Iraq: bombs on supply convoys, Dec 2019"
    )
    assert "Only the press counter's statements" in " ".join(_caption(full, "press"))
    fig = record_figure(full)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    strip = next(t for t in texts if t.startswith("Shocks:"))
    assert all(name in strip.replace("\n", " ") for _, name in SHOCKS)
    assert "Declared truces: A Kata'ib Hezbollah, 11 Oct 2020" in strip.replace("\n", " ")
    # every shock has its number on the strip, every truce its letter
    assert {"1", "2", "3", "4", "A", "B", "C"} <= set(texts)
