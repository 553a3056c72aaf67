"""The record's format and loader (sim.inputs.record): the packaged record validates, hostile
files are refused with the file, line and field named, and the five articles' rows reproduce
the calibration's statistics exactly as the first format's files did."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.calibration.likelihoods import exact_data
from sim.calibration.settings import SEGMENTS
from sim.calibration.statistics import build_statistics
from sim.history.replay import TRACE_FIELDS, forcing_from_record
from sim.inputs.record import (
    COUNT_FIELDS,
    COVERING_KINDS,
    EVENT_FIELDS,
    RECORD_END,
    Record,
    RecordError,
    legacy_tables,
    load_events,
    load_period_counts,
    load_record,
    model_attack_statements,
    packaged_record_dir,
    uncovered_months,
    write_record,
)

DATA = Path(__file__).parent / "data"
OLD_EVENTS = DATA / "five_articles_events.csv"
OLD_PERIODS = DATA / "five_articles_period_counts.csv"


# --- the packaged record -----------------------------------------------------------------------


def test_the_packaged_record_validates_and_keeps_the_five_articles() -> None:
    full, seeds = load_record("full"), load_record("seeds")
    assert list(full.events.columns[: len(EVENT_FIELDS)]) == list(EVENT_FIELDS)
    ids = pd.concat([full.events["id"], full.counts["id"]])
    assert ids.is_unique
    assert set(seeds.events["id"]) <= set(full.events["id"])
    assert set(seeds.events["seed"]) == {"000", "001", "002", "003", "004"}
    assert (seeds.counts["counter"] == "article").all()
    assert len(seeds.events) == 47 and len(seeds.counts) == 20  # every row of the articles
    assert full.events["day"].max() <= pd.Timestamp(RECORD_END)
    assert full.counts["end"].max() <= pd.Timestamp(RECORD_END)


def test_every_row_but_the_articles_has_an_address() -> None:
    full = load_record("full")
    for table in (full.events, full.counts):
        compiled = table[table["seed"] == ""]
        assert compiled["url"].str.match(r"https?://").all()
        published = compiled["published"].str[:10]
        assert (published <= RECORD_END.isoformat()).all()
    # and the loader enforces it (see test_hostile_records_are_refused for the message)


def test_every_month_of_iraq_and_syria_has_an_attack_count_or_a_gap_row() -> None:
    full = load_record("full")
    assert uncovered_months(full) == []
    # a month whose gaps.csv row is removed is reported, and only that one
    gap = full.gaps.iloc[3]
    fewer = Record(full.events, full.counts, full.gaps.drop(index=gap.name), "less")
    assert uncovered_months(fewer) == [(gap["month"], gap["theatre"])]
    # an Iraq month whose attack statements are all removed is reported
    may = pd.Period("2022-05", "M")
    co = full.counts
    touching = co["kind"].isin(COVERING_KINDS) & co["theatre"].str.contains("iraq") & (
        co["start"] <= may.end_time) & (co["end"] >= may.start_time)  # fmt: skip
    assert touching.any()
    stripped = Record(full.events, co[~touching], full.gaps, "stripped")
    assert (may, "iraq") in uncovered_months(stripped)


def test_coverage_counts_sums_of_theatres_and_attack_kinds_only(tmp_path: Path) -> None:
    def rec(counts: list[dict], gaps: list[dict] = ()) -> Record:
        return load_record(write_record(tmp_path / str(len(list(tmp_path.iterdir()))),
                                        GOOD_EVENTS, counts, gaps))  # fmt: skip

    every = [dict(GOOD_COUNTS[0], id="all", start="2019-10-01", end="2024-08-31",
                  theatre="iraq+syria", kind="base_attacks")]  # fmt: skip
    assert uncovered_months(rec(every)) == []
    # a count of wounded covers nothing; a gap row accounts for its month and theatre only
    wounded = [dict(every[0], kind="us_wounded")]
    gaps = [{"month": "2019-10", "theatre": "syria", "note": "searched"}]
    missing = uncovered_months(rec(wounded, gaps))
    assert len(missing) == 2 * 59 - 1 and (pd.Period("2019-10", "M"), "syria") not in missing
    # one day of a month is enough; a statement of Iraq alone leaves Syria uncovered
    one_day = [dict(every[0], theatre="iraq", start="2020-02-29", end="2020-03-01")]
    missing = set(uncovered_months(rec(one_day)))
    for month in ("2020-02", "2020-03"):
        assert (pd.Period(month, "M"), "iraq") not in missing
        assert (pd.Period(month, "M"), "syria") in missing


def test_the_record_folder_is_package_data() -> None:
    folder = packaged_record_dir()
    assert sorted(p.name for p in folder.glob("*.csv")) == ["counts.csv", "events.csv", "gaps.csv"]
    assert not (folder.parent / "events.csv").exists()  # the first format's files are gone
    assert not (folder.parent / "period_counts.csv").exists()


# --- the five articles reproduce today's statistics exactly ---------------------------------------


def _fake_trace(days: int, runs: int, seed: int) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    series = {f: rng.poisson(0.3, size=(days, runs)).astype(np.int16) for f in TRACE_FIELDS}
    series["voted"] = np.cumsum(rng.random((days, runs)) < 0.01, axis=0) > 0
    return SimpleNamespace(series=series)


@pytest.mark.parametrize("until", [dt.date(2021, 12, 31), dt.date(2024, 12, 31)])
def test_the_seeds_reproduce_the_statistics_of_the_first_format(until: dt.date) -> None:
    old_ev, old_pc = load_events(OLD_EVENTS), load_period_counts(OLD_PERIODS)
    seeds = load_record("seeds")
    old, old_ends = build_statistics(old_ev, old_pc, until)
    new, new_ends = build_statistics(seeds.events, seeds.counts, until)
    assert len(new) >= 15
    assert [(s.name, s.segment, s.kind, s.low, s.high, s.source) for s in new] == [
        (s.name, s.segment, s.kind, s.low, s.high, s.source) for s in old
    ]
    assert new_ends == old_ends
    # the same trace gives the same simulated value of every statistic (same windows, fields)
    trace = _fake_trace(2000, 7, seed=3)
    for a, b in zip(old, new, strict=True):
        np.testing.assert_array_equal(a.fn(trace), b.fn(trace))
    assert exact_data(seeds.events, until) == exact_data(old_ev, until)


def test_the_seeds_force_the_same_actions_as_the_first_format() -> None:
    old = load_events(OLD_EVENTS)
    seeds = load_record("seeds").events
    for seg in SEGMENTS:
        days = (seg.end - seg.start).days + 1
        a = forcing_from_record(old, seg.start, days, ("us", "iran", "iraq_gov", "militia_truce"))
        b = forcing_from_record(seeds, seg.start, days, ("us", "iran", "iraq_gov", "militia_truce"))
        for field in ("us", "iran", "vote", "truce"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_the_attack_statements_are_the_first_formats_any_attack_counts() -> None:
    old = load_period_counts(OLD_PERIODS)
    seeds = load_record("seeds").counts
    assert set(old.loc[model_attack_statements(old), "id"]) == set(
        seeds.loc[model_attack_statements(seeds), "id"]
    )
    # the first format's view of the record (what sim.validation reads) selects them too
    _, legacy = legacy_tables(load_record("seeds"))
    rows = legacy[(legacy["unit"] == "attacks") & (legacy["action"] == "any_attack")]
    assert set(rows["id"]) == set(old.loc[model_attack_statements(old), "id"])
    # and nothing the articles counted is lost: every old row has its interval in the record
    new = seeds.set_index("id")
    for r in old.itertuples():
        assert (new.loc[r.id, "count_low"], new.loc[r.id, "start"], new.loc[r.id, "end"]) == (
            r.count_low, r.start, r.end)  # fmt: skip
        assert pd.isna(new.loc[r.id, "count_high"]) == pd.isna(r.count_high)


# --- hostile files ------------------------------------------------------------------------------

SOURCE = {"outlet": "Reuters", "published": "2020-01-06", "headline": "A headline",
          "url": "https://example.org/a"}  # fmt: skip
GOOD_EVENTS = [
    {"id": "2020-01-05-a", "date": "2020-01-05", "date_precision": "day", "actor": "militia",
     "target": "us_forces", "theatre": "iraq", "location": "Baghdad",
     "action": "harassment_attack", "weapon": "rocket", **SOURCE},
    {"id": "2020-01-06-b", "date": "2020-01-06", "date_precision": "day", "actor": "us",
     "target": "kataib_hezbollah", "theatre": "syria", "location": "Abu Kamal",
     "action": "us_strike_syria", "weapon": "airstrike", "responds_to": "2020-01-05-a",
     **SOURCE},
    {"id": "2020-02-c", "date": "2020-02", "date_precision": "month", "actor": "militia",
     "target": "us_forces", "theatre": "iraq", "location": "x", "action": "threat",
     "weapon": "none", **SOURCE},
]  # fmt: skip
GOOD_COUNTS = [
    {"id": "tally-1", "start": "2020-01-01", "end": "2020-01-31", "theatre": "iraq",
     "kind": "attacks", "actor": "militia", "counter": "press", "counted_by": "Reuters",
     "count_low": "3", "count_high": "5", "statement": "three to five attacks", **SOURCE},
]  # fmt: skip
GOOD_GAPS = [{"month": "2020-03", "theatre": "syria", "note": "no tally found"}]


def _record(tmp_path: Path, events=GOOD_EVENTS, counts=GOOD_COUNTS, gaps=GOOD_GAPS) -> Path:
    return write_record(tmp_path / "rec", events, counts, gaps)


def _edit(rows: list[dict], i: int, **changes) -> list[dict]:
    out = [dict(r) for r in rows]
    out[i].update(changes)
    return out


def test_a_good_small_record_loads(tmp_path: Path) -> None:
    rec = load_record(_record(tmp_path))
    assert rec.events["id"].tolist() == ["2020-01-05-a", "2020-01-06-b", "2020-02-c"]
    assert rec.events["is_attack"].tolist() == [True, False, False]
    assert rec.counts["count_high"].tolist() == [5]
    assert rec.gaps["month"].tolist() == [pd.Period("2020-03", "M")]
    assert rec.seeds().events.empty  # no row from the five articles


@pytest.mark.parametrize(
    ("table", "index", "changes", "file", "line", "field", "fragment"),
    [
        ("events", 0, {"actor": "hamas"}, "events.csv", 2, "actor", "not one of the known codes"),
        ("events", 0, {"target": "moon"}, "events.csv", 2, "target", "'moon' is not one of"),
        ("events", 2, {"date": "2024-09", "id": "2024-09-c"}, "events.csv", 4, "date",
         "after 2024-08-31"),
        ("events", 0, {"published": "2024-09-02"}, "events.csv", 2, "published",
         "reserved as an independent test"),
        ("events", 0, {"published": "2024-09"}, "events.csv", 2, "published", "after"),
        ("events", 0, {"url": ""}, "events.csv", 2, "url", "needs one"),
        ("events", 0, {"url": "www.example.org"}, "events.csv", 2, "url", "not an address"),
        ("events", 1, {"theatre": "iraq"}, "events.csv", 3, "theatre",
         "us_strike_syria happens in syria"),
        ("events", 1, {"responds_to": "nothing-here"}, "events.csv", 3, "responds_to",
         "not the id of any event"),
        ("events", 0, {"responds_to": "2020-01-06-b"}, "events.csv", 2, "responds_to",
         "dated after"),
        ("events", 1, {"date": "2020-01-01"}, "events.csv", 3, "date", "out of order"),
        ("events", 2, {"date": "2020-02-05"}, "events.csv", 4, "date",
         "does not match date_precision"),
        ("events", 0, {"date": "2020-02-30"}, "events.csv", 2, "date", "not a valid date"),
        ("events", 0, {"us_killed": "two"}, "events.csv", 2, "us_killed", "whole number"),
        ("events", 0, {"us_killed": "1", "us_killed_non_hostile": "2"}, "events.csv", 2,
         "us_killed_non_hostile", "non-hostile deaths"),
        ("events", 0, {"also": "Reuters; 2020-01-07; h; no address"}, "events.csv", 2, "also",
         "is not 'outlet; published; headline; url'"),
        ("events", 0, {"also": "AP; 2024-09-03; h; https://x.org"}, "events.csv", 2, "also",
         "published after 2024-08-31"),
        ("events", 0, {"seed": "007"}, "events.csv", 2, "seed", "not one of the known codes"),
        ("events", 2, {"id": "2020-01-05-a"}, "events.csv", 4, "id", "duplicate id"),
        ("counts", 0, {"id": "2020-01-05-a"}, "counts.csv", 2, "id",
         "first used on events.csv, line 2"),
        ("counts", 0, {"end": "2024-09-01"}, "counts.csv", 2, "end", "after 2024-08-31"),
        ("counts", 0, {"kind": "sorties"}, "counts.csv", 2, "kind", "not one of the known"),
        ("counts", 0, {"theatre": "lebanon"}, "counts.csv", 2, "theatre", "not one of"),
        ("counts", 0, {"counter": "article"}, "counts.csv", 2, "counter", "five articles"),
        ("counts", 0, {"count_low": "6"}, "counts.csv", 2, "count_high", "below count_low"),
        ("counts", 0, {"count_low": ""}, "counts.csv", 2, "count_low", "is required"),
        ("counts", 0, {"cumulative": "no"}, "counts.csv", 2, "cumulative", "not one of"),
        ("counts", 0, {"start": "2020-02-01"}, "counts.csv", 2, "end", "before start"),
        ("counts", 0, {"statement": ""}, "counts.csv", 2, "statement", "empty"),
        ("gaps", 0, {"month": "2020-13"}, "gaps.csv", 2, "month", "not a month"),
        ("gaps", 0, {"theatre": "jordan"}, "gaps.csv", 2, "theatre", "not one of"),
    ],
)  # fmt: skip
def test_hostile_records_are_refused(
    tmp_path: Path, table: str, index: int, changes: dict, file: str, line: int, field: str,
    fragment: str,
) -> None:  # fmt: skip
    rows = {"events": GOOD_EVENTS, "counts": GOOD_COUNTS, "gaps": GOOD_GAPS}
    rows[table] = _edit(rows[table], index, **changes)
    folder = _record(tmp_path, rows["events"], rows["counts"], rows["gaps"])
    with pytest.raises(RecordError) as err:
        load_record(folder)
    assert (err.value.path.name, err.value.line, err.value.field) == (file, line, field)
    assert str(err.value).startswith(f"{file}, line {line}, field '{field}': ")
    assert fragment in str(err.value)


def test_a_missing_column_or_file_is_named(tmp_path: Path) -> None:
    folder = _record(tmp_path)
    text = (folder / "counts.csv").read_text(encoding="utf-8").splitlines()
    cols = text[0].split(",")
    k = cols.index("counter")
    rows = [",".join(c for j, c in enumerate(line.split(",")) if j != k) for line in text]
    (folder / "counts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"counts\.csv, line 1, field 'counter': required column"):
        load_record(folder)
    (folder / "counts.csv").unlink()
    with pytest.raises(RecordError, match=r"counts\.csv, file: cannot read"):
        load_record(folder)
    with pytest.raises(RecordError, match="no such folder"):
        load_record(tmp_path / "nowhere")


def test_an_unknown_column_is_refused(tmp_path: Path) -> None:
    folder = _record(tmp_path)
    frame = pd.read_csv(folder / "events.csv", dtype=str, keep_default_na=False)
    frame["casualties"] = ""
    frame.to_csv(folder / "events.csv", index=False)
    with pytest.raises(RecordError, match=r"events\.csv, line 1, field 'casualties': unknown"):
        load_record(folder)


def test_the_counts_action_column_is_optional(tmp_path: Path) -> None:
    plain = load_record(_record(tmp_path))
    assert list(plain.counts.columns[: len(COUNT_FIELDS)]) == list(COUNT_FIELDS)
    assert plain.counts["action"].tolist() == [""]
    with_action = _edit(GOOD_COUNTS, 0, action="lethal_attack")
    rec = load_record(write_record(tmp_path / "b", GOOD_EVENTS, with_action, GOOD_GAPS))
    assert rec.counts["action"].tolist() == ["lethal_attack"]
    bad = _edit(GOOD_COUNTS, 0, action="nuke")
    with pytest.raises(RecordError, match="field 'action'"):
        load_record(write_record(tmp_path / "c", GOOD_EVENTS, bad, GOOD_GAPS))


def test_a_seed_row_needs_no_address_and_names_its_other_articles(tmp_path: Path) -> None:
    seed = _edit(GOOD_EVENTS, 0, seed="003", url="",
                 also="Vox; 2021-03-03; A title; 000_78eba5dc2fbe3c53.txt")  # fmt: skip
    rec = load_record(write_record(tmp_path / "s", seed, GOOD_COUNTS, GOOD_GAPS))
    assert rec.seeds().events["id"].tolist() == ["2020-01-05-a"]
    # a compiled row may not point to an article file instead of an address
    bad = _edit(GOOD_EVENTS, 0, also="Vox; 2021-03-03; A title; 000_78eba5dc2fbe3c53.txt")
    with pytest.raises(RecordError, match="field 'also'"):
        load_record(write_record(tmp_path / "t", bad, GOOD_COUNTS, GOOD_GAPS))


def test_write_record_leaves_nothing_half_written(tmp_path: Path) -> None:
    target = tmp_path / "rec"
    target.mkdir()
    (target / "mine.txt").write_text("keep")
    with pytest.raises(RecordError, match="not an empty folder"):
        write_record(target, GOOD_EVENTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec"]
    assert [p.name for p in target.iterdir()] == ["mine.txt"]


def test_the_packaged_record_can_be_copied_and_read_as_a_folder(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(packaged_record_dir(), copy)
    a, b = load_record(copy), load_record("full")
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.key == b.key  # the cache key depends on the contents only


def test_the_summary_counts_attacks_by_theatre_and_keeps_only_third_parties_apart(
    tmp_path: Path,
) -> None:
    from sim.cli.record import summary

    syria = _edit(GOOD_EVENTS, 0, id="2020-01-05-s", theatre="syria")[0]
    jordan = {**syria, "id": "2020-01-05-j", "theatre": "jordan", "us_killed": "3"}
    bagram = {**syria, "id": "2020-01-05-b", "theatre": "other", "location": "Bagram"}
    convoy = {**syria, "id": "2020-01-05-c", "theatre": "iraq", "target": "logistics_convoy"}
    rows = [GOOD_EVENTS[0], syria, jordan, bagram, convoy, *GOOD_EVENTS[1:]]
    s = summary(load_record(_record(tmp_path, rows)))
    assert s["attacks_by_series"] == {"iraq_base_attacks": 1, "iraq_convoy_bombs": 1,
                                      "syria_attacks": 1, "jordan_attacks": 1}  # fmt: skip
    assert [c["location"] for c in s["context_rows"]] == ["Bagram"]  # outside the theatres
    assert s["us_killed"] == 3  # Jordan's dead are the record's, not context
