"""The rolling-origin evaluation: the visible record, the protocol's series, no look-ahead (a
poisoned future row), the two modes, the agent model's calibration and conditioning, the
synthetic record on which the true agent model must rank first, and the command."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration.monthly_fit import MonthlyTargets, calibrate_monthly, run_distances
from sim.calibration.settings import MONTHLY_QUICK
from sim.cli.main import main
from sim.core.params import GROUPS
from sim.inputs.posterior import posterior_draws
from sim.inputs.record import load_record, packaged_record_dir
from sim.validation import agent as A
from sim.validation import observed as O
from sim.validation import synthetic as S
from sim.validation.evaluation import AgentModel, evaluate
from sim.validation.forecasters import baselines
from sim.validation.protocol import FIT_START, HORIZONS, SERIES
from sim.validation.rolling import rolling_forecasts, visible_history
from sim.validation.settings import QUICK, EvaluationSettings


@pytest.fixture(scope="module")
def record():
    return load_record("full")


# --- the visible record ---------------------------------------------------------------------


def test_a_row_is_published_on_its_earliest_source() -> None:
    assert O.published_day("2020-12-21") == dt.date(2020, 12, 21)
    assert O.published_day("2021-05") == dt.date(2021, 5, 31)  # a month: its last day
    also = "Reuters; 2020-03; a headline; https://x.org | AP; 2021-05-02; h; https://y.org"
    assert O.published_day("2020-12-21", also) == dt.date(2020, 3, 31)
    assert O.published_day("2020-01-02", "bad entry") == dt.date(2020, 1, 2)
    assert O.ended_day("2019") == dt.date(2019, 12, 31)
    assert O.ended_day("2020-02") == dt.date(2020, 2, 29)


@pytest.mark.parametrize("origin", [dt.date(2020, 4, 1), dt.date(2022, 1, 1), dt.date(2024, 7, 1)])
def test_the_visible_record_holds_only_what_ended_and_was_published_before_the_origin(
    record, origin
) -> None:
    vis = O.visible_record(record, origin)
    for frame, ended in ((vis.events, [O.ended_day(d) for d in vis.events["date"]]),
                         (vis.counts, [e.date() for e in vis.counts["end"]])):  # fmt: skip
        assert all(e < origin for e in ended)
        pub = [O.published_day(p, a) for p, a in zip(frame["published"], frame["also"],
                                                      strict=True)]  # fmt: skip
        assert all(p < origin for p in pub)
    assert all(m.end_time.date() < origin for m in vis.gaps["month"])
    # and it holds every such row: the rest of the record fails one of the two conditions
    hidden = record.events[~record.events["id"].isin(vis.events["id"])]
    for _, r in hidden.iterrows():
        assert (
            O.ended_day(r["date"]) >= origin or O.published_day(r["published"], r["also"]) >= origin
        )


def test_the_first_origin_knows_the_strikes_of_winter_2019_20_through_earlier_sources(
    record,
) -> None:
    vis = O.visible_record(record, dt.date(2020, 4, 1))
    us = set(vis.events.loc[vis.events["actor"] == "us", "id"])
    # the article that tells of the 29 Dec 2019 strikes came out in Dec 2020; its row lists
    # a report of March 2020
    assert {"2019-12-29-us-strikes-kh", "2020-01-03-soleimani-muhandis"} <= us
    assert not (vis.events["day"] >= pd.Timestamp("2020-04-01")).any()


# --- the protocol's series ------------------------------------------------------------------


def test_the_protocol_series_map_onto_the_monthly_series() -> None:
    assert O.series_names("iraq_attacks") == ("iraq_base_attacks", "iraq_convoy_bombs")
    assert O.series_names("syria_attacks") == ("syria_attacks",)
    assert set(O.series_names("us_killed")) == {"iraq_us_killed", "syria_us_killed",
                                                 "jordan_us_killed"}  # fmt: skip
    assert len(O.series_names("iran_direct_strikes")) == 3
    assert all("us_strikes" in n for n in O.strike_names()) and len(O.strike_names()) == 6


def test_the_documented_interval_is_rounded_to_whole_counts() -> None:
    lo, hi = O.documented_interval(np.array([1.2, 3.0, 2.4, 0.0]),
                                   np.array([2.0, 3.0, 2.5, 1.0]),
                                   np.array([4.8, np.inf, 2.6, 0.0]))  # fmt: skip
    assert lo.tolist() == [2, 3, 2, 0] and hi.tolist() == [4, np.inf, 2, 0]


def test_americans_killed_count_hostile_deaths_only(record) -> None:
    table = O.observed_table(record)
    with_all = O.observed_table(load_record("full", include_non_hostile_deaths=True))
    i = [table.index(dt.date(2021, 3, 1)), table.index(dt.date(2023, 10, 1))]
    # the contractor's cardiac death at al-Asad (3 Mar 2021) and the one of 18 Oct 2023 are
    # not hostile fire: the protocol's series leaves them out, the raw column has them
    assert table.series["us_killed"].low[i].tolist() == [0, 0]
    assert (with_all.series["us_killed"].low[i] >= 1).all()
    jan24 = table.index(dt.date(2024, 1, 1))  # Tower 22, Jordan: three soldiers
    assert table.series["us_killed"].best[jan24] == 3


def test_the_visible_table_is_rebuilt_from_the_visible_rows(record) -> None:
    origin = dt.date(2024, 1, 1)
    vt = O.visible_table(O.visible_record(record, origin), origin)
    full = O.observed_table(record)
    assert vt.months[0] == FIT_START and vt.months[-1] == dt.date(2023, 12, 1)
    assert set(vt.series) == set(SERIES)
    # December 2023 as known on 1 January 2024 differs from what the whole record says
    d = vt.index(dt.date(2023, 12, 1))
    assert vt.series["iraq_attacks"].best[d] != full.series["iraq_attacks"].best[d]


# --- no look-ahead: a poisoned future --------------------------------------------------------


def _append(folder: Path, name: str, rows: list[dict[str, object]]) -> None:
    path = folder / name
    with path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    with path.open("a", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        for r in rows:
            w.writerow({c: r.get(c, "") for c in header})


SOURCE = {"outlet": "test", "headline": "poison", "url": "https://example.org/p"}


def _poisoned(tmp: Path, origin: dt.date) -> Path:
    """The packaged record with absurd rows it must not see at ``origin``: counts and events
    after it, and a count before it that was published on it."""
    folder = tmp / "poisoned"
    shutil.copytree(packaged_record_dir(), folder)
    _append(folder, "events.csv", [
        {"id": "poison-late-attacks", "date": "2024-08-31", "date_precision": "day",
         "actor": "militia", "target": "us_forces", "theatre": "iraq", "location": "x",
         "action": "lethal_attack", "weapon": "rocket", "us_killed": 900,
         "published": "2024-08-31", **SOURCE},
    ])  # fmt: skip
    day = origin.isoformat()
    _append(folder, "counts.csv", [
        {"id": "poison-month-after", "start": day,
         "end": (origin + dt.timedelta(days=27)).isoformat(),
         "theatre": "iraq", "kind": "attacks", "actor": "militia", "counter": "official",
         "counted_by": "x", "count_low": 100000, "count_high": 100000, "statement": "s",
         "published": (origin + dt.timedelta(days=28)).isoformat(), **SOURCE},
        {"id": "poison-published-on-origin", "start": "2021-11-01", "end": "2021-11-30",
         "theatre": "iraq", "kind": "attacks", "actor": "militia", "counter": "official",
         "counted_by": "x", "count_low": 5000, "count_high": 5000, "statement": "s",
         "published": day, **SOURCE},
    ])  # fmt: skip
    return folder


def _forecasts(record, origin: dt.date, settings: EvaluationSettings) -> dict:
    ev = evaluate(record, settings, agents=(AgentModel("agent"),),
                  forecasters={k: v for k, v in baselines().items() if k != "zero"})  # fmt: skip
    s = ev.scores
    return {k: g[["q05", "q50", "q95", "mean"]].to_numpy()
            for k, g in s.groupby(["model", "series", "mode"])}  # fmt: skip


def test_a_poisoned_future_changes_nothing_at_the_origin(tmp_path: Path, record) -> None:
    origin = dt.date(2022, 1, 1)
    dirty = load_record(_poisoned(tmp_path, origin))
    assert len(dirty.counts) == len(record.counts) + 2
    # the visible rows, the baselines' table and the calibration's targets are the same
    a, b = O.visible_record(record, origin), O.visible_record(dirty, origin)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.counts, b.counts)
    ta, tb = O.visible_table(a, origin), O.visible_table(b, origin)
    for s in SERIES:
        for part in ("best", "low", "high"):
            np.testing.assert_array_equal(getattr(ta.series[s], part), getattr(tb.series[s], part))
    ca, cb = A.calibration_targets(ta), A.calibration_targets(tb)
    np.testing.assert_array_equal(ca.low, cb.low)
    np.testing.assert_array_equal(ca.high, cb.high)
    # and so every forecast at the origin (calibration, branch and baselines included)
    settings = dataclasses.replace(QUICK, origins=(origin,), samples=60)
    clean = _forecasts(record, origin, settings)
    poisoned = _forecasts(dirty, origin, settings)
    assert clean.keys() == poisoned.keys() and len(clean) == 5 * 4 * 2 + 3 * 2
    for k in clean:
        np.testing.assert_array_equal(clean[k], poisoned[k], err_msg=str(k))
    # the control: the same absurd count published before the origin is seen
    folder = tmp_path / "seen"
    shutil.copytree(packaged_record_dir(), folder)
    _append(folder, "counts.csv", [
        {"id": "seen-december", "start": "2021-12-01", "end": "2021-12-31", "theatre": "iraq",
         "kind": "base_attacks", "actor": "militia", "counter": "official", "counted_by": "x",
         "count_low": 5000, "count_high": 5000, "statement": "s", "published": "2021-12-31",
         **SOURCE},
    ])  # fmt: skip
    seen = _forecasts(load_record(folder), origin, settings)
    moved = {k[0] for k in clean
             if k[1] == "iraq_attacks" and not np.array_equal(clean[k], seen[k])}  # fmt: skip
    assert moved == {"agent", "last_poisson", "last_negbin", "conflictology", "negbin", "hawkes"}


# --- the two modes and the agent model's history ----------------------------------------------


def test_the_agent_model_forgets_the_shocks_after_the_origin() -> None:
    s = A.known_setting(dt.date(2023, 10, 1))
    kinds = {(x.kind, x.start) for x in s.shocks}
    assert ("iran_direction", dt.date(2023, 10, 7)) not in kinds  # the Gaza war lies ahead
    talks = next(x for x in s.shocks if x.kind == "iran_restraint")
    assert talks.end == dt.date(2022, 9, 1)  # over before the origin: kept as it was
    s = A.known_setting(dt.date(2022, 7, 1))
    talks = next(x for x in s.shocks if x.kind == "iran_restraint")
    assert talks.end is None  # under way at the origin: its end is not known yet


def test_given_mode_forces_the_windows_us_actions_and_unconditional_does_not(record) -> None:
    origin = dt.date(2023, 10, 1)
    vis = O.visible_record(record, origin)
    vt = O.visible_table(vis, origin)
    post = posterior_draws()

    def run(events):
        ev = A.forcing_events(vis.events, events, origin)
        fc = A.agent_forecasts("a", post, ev, vt, origin, HORIZONS, 200, 5, 3, 2)
        return {(f.series, f.mode): f.samples for f in fc}

    with_us = run(record.events)
    us = record.events["actor"] == "us"
    later = record.events["day"] >= pd.Timestamp(origin)
    without = run(record.events[~(us & later)])
    assert (record.events[us & later]["day"] < pd.Timestamp("2024-01-01")).any()
    for k in with_us:
        if k[1] == "unconditional" or k[0] == "iraq_attacks":
            same = np.array_equal(with_us[k], without[k])
            assert same == (k[1] == "unconditional"), k
    # the strikes of Oct-Dec 2023 bring more attacks in the given mode (revenge)
    assert with_us[("iraq_attacks", "given_us_actions")].sum() > without[
        ("iraq_attacks", "given_us_actions")].sum()  # fmt: skip
    # the baselines: the given mode sees the window's strikes, the unconditional one does not
    table = O.observed_table(record)
    kw = dict(origins=[origin], series=["iraq_attacks"], samples=200,
              history=lambda o, s: visible_history(vt, s, o))  # fmt: skip
    busy = dataclasses.replace(table, strikes=np.asarray(table.strikes) + 3.0)
    models = {"negbin": baselines()["negbin"]}
    a = {f.mode: f.samples for f in rolling_forecasts(table, models, **kw)}
    b = {f.mode: f.samples for f in rolling_forecasts(busy, models, **kw)}
    assert np.array_equal(a["unconditional"], b["unconditional"])
    assert not np.array_equal(a["given_us_actions"], b["given_us_actions"])


def test_the_history_goes_on_from_the_runs_nearest_the_last_months(record) -> None:
    origin = dt.date(2024, 1, 1)
    vis = O.visible_record(record, origin)
    vt = O.visible_table(vis, origin)
    recent = A.recent_targets(vt, 3)
    assert recent.start == dt.date(2023, 10, 1) and recent.months == 3
    ev = A.forcing_events(vis.events, record.events, origin)
    from sim.history.replay import branch

    res = branch(ev, origin, ["record"], 10, 400, 3, scenario=A.known_setting(origin),
                 posterior=posterior_draws(),
                 select=lambda tr: A.nearest_runs(tr, recent, 100))  # fmt: skip
    assert len(res.kept) == 100 and res.futures["record"].series["attacks"].shape[1] == 100
    starts = np.array([(dt.date(2023, m, 1) - res.history.start).days for m in (10, 11, 12)])
    counts = np.stack([np.add.reduceat(res.history.series[f].astype(np.int64), starts, axis=0)
                       for f in recent.fields])  # fmt: skip
    d = run_distances(recent, counts)
    assert d[res.kept].max() <= np.sort(d)[99] + 1e-12
    assert d[res.kept].mean() < d.mean()
    # the campaign of Oct-Dec 2023: the runs kept attacked more than the runs at large
    attacks = counts[0]
    assert attacks[:, res.kept].mean() > attacks.mean()


# --- the calibration on monthly targets --------------------------------------------------------


def test_run_distances_by_hand() -> None:
    t = MonthlyTargets(dt.date(2020, 1, 1), ("attacks", "killed"),
                       np.array([[4.0, 0.0], [0.0, 0.0]]),
                       np.array([[16.0, np.inf], [0.0, 1.0]]))  # fmt: skip
    # used: attacks Jan [4, 16] (scale sqrt(10)), killed Jan [0, 0] and Feb [0, 1] (scale 1);
    # attacks Feb [0, inf) says nothing
    counts = np.array([[[2, 10], [99, 0]], [[1, 0], [3, 0]]], dtype=float)  # (fields, months, n)
    d = run_distances(t, counts)
    want0 = np.sqrt(((2 / np.sqrt(10)) ** 2 + 1**2 + 2**2) / 3)
    assert d == pytest.approx([want0, 0.0])


def test_the_monthly_calibration_follows_the_level_of_attacks(record) -> None:
    months = 15
    low = np.zeros((3, months))
    quiet = MonthlyTargets(FIT_START, ("attacks", "iran_struck", "killed"), low, low.copy())
    busy_low = low.copy()
    busy_low[0] = 40.0
    busy = MonthlyTargets(FIT_START, quiet.fields, busy_low, busy_low + 10)
    events = O.visible_record(record, dt.date(2021, 1, 1)).events
    settings = dataclasses.replace(MONTHLY_QUICK, particles=80, generations=2)
    a = calibrate_monthly(events, quiet, 1, settings)
    b = calibrate_monthly(events, busy, 1, settings)
    med = lambda fit: fit.summary().set_index("parameter")["post_median"]  # noqa: E731
    assert med(b)["base_rate_scale"] > med(a)["base_rate_scale"]
    assert a.targets.used().sum() == 3 * months
    assert {f"base_rate.{g}" for g in GROUPS} | set(settings.fitted[1:]) | {
        "response_delay", "killed_mean", "wounded_mean"} == set(a.posterior.columns)  # fmt: skip
    assert len(a.posterior) == settings.rows


# --- the synthetic record -----------------------------------------------------------------------


def test_the_evaluation_ranks_the_true_agent_model_first_on_a_synthetic_record(
    tmp_path: Path,
) -> None:
    # A record simulated from the agent model at known parameters (the shipped posterior's
    # medians), scored at four origins with 150 samples: the model at the true parameters
    # ranks first on both totals, and the one with a fifth of the background attack rate last
    # on the CRPS (on the log score of four origins the two wrong models' order is noise: the
    # fifth came ahead of the half, -30.5 against -33.8, truth -27.0)
    truth = S.true_values()
    rec = load_record(S.synthetic_record(truth, 1, tmp_path / "syn"))
    agents = (
        AgentModel("truth", pd.DataFrame([truth])),
        AgentModel("half", pd.DataFrame([S.scaled_base_rates(truth, 0.5)])),
        AgentModel("fifth", pd.DataFrame([S.scaled_base_rates(truth, 0.2)])),
    )
    origins = (dt.date(2020, 7, 1), dt.date(2021, 10, 1), dt.date(2023, 1, 1),
               dt.date(2024, 1, 1))  # fmt: skip
    settings = EvaluationSettings("synthetic", origins=origins, samples=150, filter_factor=3)
    ev = evaluate(rec, settings, agents=agents, forecasters={}, setting=S.synthetic_setting())
    for score in ("log_score", "crps"):
        rank = ev.ranking("given_us_actions", score)
        assert rank[0] == "truth", (score, rank)
    assert ev.ranking("given_us_actions", "crps")[-1] == "fifth"


# --- the command ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quick_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("validate") / "quick"
    assert main(["validate", "--quick", "--out", str(out)]) == 0
    return out


def test_validate_quick_writes_every_output(quick_out: Path) -> None:
    names = {p.name for p in quick_out.iterdir()}
    tables = {"scores", "totals", "totals_by_series", "totals_by_horizon", "scores_by_origin",
              "differences", "differences_by_series", "pit", "quantiles", "observed",
              "calibration", "timings"}  # fmt: skip
    figures = {"scores_by_origin", "fans_given_us_actions", "fans_unconditional"}
    assert {f"{t}.csv" for t in tables} <= names
    assert {f"{f}.png" for f in figures} | {f"{f}.pdf" for f in figures} <= names
    assert {"summary.md", "manifest.json"} <= names
    scores = pd.read_csv(quick_out / "scores.csv")
    assert sorted(scores["origin"].unique()) == [str(o) for o in QUICK.origins]
    assert set(scores["mode"]) == {"given_us_actions", "unconditional"}
    agents = scores[scores["model"].str.startswith("agent")]
    assert set(agents["model"]) == {"agent", "agent_articles"}
    assert "syria_attacks" not in set(agents["series"])  # the model has no Syria theatre
    assert set(scores.loc[scores["model"] == "hawkes", "series"]) == set(SERIES)
    assert len(scores) == 3 * 3 * 2 * (2 * 3 + 6 * 4)  # origins, horizons, modes, targets
    cal = pd.read_csv(quick_out / "calibration.csv")
    assert sorted(cal["origin"].unique()) == [str(o) for o in QUICK.origins]
    manifest = json.loads((quick_out / "manifest.json").read_text())
    assert manifest["kind"] == "validate" and manifest["protocol_run"] is False
    assert manifest["settings"]["name"] == "quick" and manifest["protocol"]["samples"] == 1000
    assert len(manifest["timings"]) == 3 and manifest["seconds"] > 0
    md = (quick_out / "summary.md").read_text(encoding="utf-8")
    first = md.split("\n\n")[1]  # the plain-language paragraph after the title
    assert first.startswith("At each of 3 forecast origins") and "not the protocol's" in first
    assert "development set" in md and "kept outside" in md
    for f in figures:
        assert (quick_out / f"{f}.png").stat().st_size > 20_000


@pytest.mark.parametrize(
    "argv",
    [
        ["validate"],  # no --out
        ["validate", "--out", "OUT", "--runs", "5"],  # an option of the old command
        ["validate", "--out", "OUT", "--quick", "extra"],
        ["validate", "--out", "FILE"],
        ["validate", "--out", "OUT", "--record", "MISSING"],
        ["validate", "--out", "FULL"],  # not empty, no --overwrite
    ],
)
def test_validate_refuses_bad_options_with_status_2(tmp_path: Path, argv, capsys) -> None:
    (tmp_path / "FILE").write_text("x")
    (tmp_path / "FULL").mkdir()
    (tmp_path / "FULL" / "x").write_text("x")
    argv = [str(tmp_path / a) if a in ("OUT", "FILE", "MISSING", "FULL") else a for a in argv]
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()
    assert not (tmp_path / "OUT").exists()
