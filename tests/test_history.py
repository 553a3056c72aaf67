"""Tests of the five articles' rows of the record (sim/data/record, ``seed`` set) as data, and of
the first format's loader (sim.inputs.record_v1, that of the five articles' original files)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from sim.core import ladder
from sim.core.ladder import ACTIONS
from sim.inputs.record import (
    EVENT_COLUMNS,
    PERIOD_COLUMNS,
    RecordError,
    events_between,
    load_events,
    load_period_counts,
    load_record,
    monthly_attack_counts,
    summarise,
)

#: The five articles' rows in the first format, as they were written before the record became a
#: folder (kept for the equivalence test of tests/test_record.py and for this loader's tests).
LEGACY_EVENTS = Path(__file__).parent / "data" / "five_articles_events.csv"


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load_record("seeds").events


@pytest.fixture(scope="module")
def periods() -> pd.DataFrame:
    return load_record("seeds").counts


def row(events: pd.DataFrame, event_id: str) -> pd.Series:
    match = events[events["id"] == event_id]
    assert len(match) == 1, event_id
    return match.iloc[0]


# --- the packaged record -----------------------------------------------------------------------


def test_packaged_record_loads(events: pd.DataFrame, periods: pd.DataFrame) -> None:
    assert 35 <= len(events) <= 60
    assert len(periods) >= 12
    assert events["id"].is_unique
    assert events["day"].is_monotonic_increasing
    assert set(events["action"]) <= set(ACTIONS)
    assert events["rung"].tolist() == [int(ACTIONS[a]) for a in events["action"]]


def test_us_deaths_match_the_articles(events: pd.DataFrame) -> None:
    # American deaths in the five articles:
    #   K-1, Dec 2019: one American contractor / translator (Foreign Policy, Daily Beast);
    #   Camp Taji, 11 Mar 2020: a US Army soldier and a US Air Force airman (Foreign Policy) -
    #     the British servicewoman killed with them is counted under others_killed;
    #   al-Asad, 3 Mar 2021: an American civilian contractor's fatal "cardiac episode" while
    #     sheltering from the rockets (Vox 2021), which the Pentagon reported as a death in the
    #     attack although no one was hit: not hostile fire, so counted only when the loader is
    #     asked to (include_non_hostile_deaths).
    # No other article reports an American death (the Erbil attack killed a Filipino contractor).
    every = load_record("seeds", include_non_hostile_deaths=True).events
    killed = every.loc[every["us_killed"].fillna(0) > 0].set_index("id")["us_killed"]
    assert killed.to_dict() == {
        "2019-12-27-k1-rocket": 1,
        "2020-03-11-taji-katyusha": 2,
        "2021-03-03-al-asad-grad": 1,
    }
    assert summarise(every)["us_killed"] == 4 and summarise(events)["us_killed"] == 3
    assert row(events, "2020-03-11-taji-katyusha")["others_killed"] == 1  # the Briton
    assert row(events, "2021-02-15-erbil-rockets")["others_killed"] == 1  # the Filipino


def test_iran_missile_strike_answers_soleimani(events: pd.DataFrame) -> None:
    strike = row(events, "2020-01-08-iran-missiles-al-asad")
    assert strike["actor"] == "iran"
    assert strike["action"] == "iran_state_strike"
    assert strike["day"] == pd.Timestamp("2020-01-08")
    assert strike["responds_to"] == "2020-01-03-soleimani-muhandis"
    assert row(events, strike["responds_to"])["action"] == "decapitation"
    # Disputed wounded: the lower documented figure ("dozens", Vox 2021) is in the column...
    assert strike["us_wounded"] == 24
    assert "more than 100" in strike["note"] and "dozens" in strike["note"]


def test_iran_strike_wounded_recorded_from_both_sources(periods: pd.DataFrame) -> None:
    rows = periods[(periods["action"] == "iran_state_strike") & (periods["kind"] == "us_wounded")]
    assert sorted(rows["count_low"].tolist()) == [24, 101]
    assert rows["outlet"].nunique() == 2 and set(rows["counter"]) == {"article"}


def test_us_strikes_answer_the_attacks(events: pd.DataFrame) -> None:
    assert row(events, "2019-12-29-us-strikes-kh")["responds_to"] == "2019-12-27-k1-rocket"
    assert row(events, "2019-12-29-us-strikes-kh")["others_killed"] == 25
    assert row(events, "2020-03-12-us-strikes-kh-depots")["responds_to"] == (
        "2020-03-11-taji-katyusha"
    )
    assert row(events, "2021-02-25-us-strike-syria")["responds_to"] == "2021-02-15-erbil-rockets"


def test_every_responds_to_resolves_to_an_earlier_event(events: pd.DataFrame) -> None:
    day = events.set_index("id")["day"]
    linked = events[events["responds_to"] != ""]
    assert len(linked) >= 10
    for _, event in linked.iterrows():
        assert event["responds_to"] in day.index
        assert day[event["responds_to"]] <= event["day"]


@pytest.mark.parametrize(
    ("event_id", "weekday"),
    [
        ("2020-03-11-taji-katyusha", "Wednesday"),  # Foreign Policy
        ("2020-03-12-us-strikes-kh-depots", "Thursday"),
        ("2020-03-14-taji-katyusha", "Saturday"),
        ("2020-03-16-coalition-cnn-statement", "Monday"),
        ("2020-12-19-bagram-rockets", "Saturday"),  # defence news: "the day before" Sunday
        ("2020-12-20-baghdad-embassy-rockets", "Sunday"),
        ("2021-02-27-biden-letter", "Saturday"),  # Vox 2021
        ("2021-03-03-al-asad-grad", "Wednesday"),
        ("2021-05-02-baghdad-airport-rockets", "Sunday"),  # Daily Beast
        ("2021-05-03-balad-rockets", "Monday"),
        ("2021-05-04-ayn-al-asad-rockets", "Tuesday"),
        ("2024-08-05-al-asad-attack", "Monday"),  # Vox 2024
    ],
)
def test_dates_fall_on_the_weekday_the_article_gives(
    events: pd.DataFrame, event_id: str, weekday: str
) -> None:
    assert row(events, event_id)["day"].day_name() == weekday


def test_six_days_between_syria_strike_and_al_asad(events: pd.DataFrame) -> None:
    gap = (
        row(events, "2021-03-03-al-asad-grad")["day"]
        - row(events, "2021-02-25-us-strike-syria")["day"]
    )
    assert gap == pd.Timedelta(days=6)


def test_summary(events: pd.DataFrame) -> None:
    summary = summarise(events)
    assert summary["n_events"] == len(events)
    # Bagram (Afghanistan) is an attack but not in Iraq; Iran's state strike is not a militia one.
    bagram = row(events, "2020-12-19-bagram-rockets")
    assert bagram["is_attack"] and not bagram["in_iraq"]
    assert not row(events, "2020-01-08-iran-missiles-al-asad")["is_attack"]
    assert summary["n_attacks"] == int((events["is_attack"] & events["in_iraq"]).sum()) == 13
    # 24 (Iran, 8 Jan 2020, lower figure) + 3 (Taji, 14 Mar 2020) + 5 (al-Asad, 5 Aug 2024).
    assert summary["us_wounded_low"] == 32
    assert summary["us_strikes"] == {
        "us_strike_syria": 1,
        "us_strike_iraq": 3,
        "decapitation": 1,
        "us_strike_iran": 0,
    }
    assert summary["first_date"] <= pd.Timestamp("2019-12-27")
    assert summary["last_date"] == pd.Timestamp("2024-08-05")
    # third parties' rows (7 Oct 2023, Shukr, Haniyeh) are context, not the dyad's actions
    assert summary["n_context"] == 3
    assert sum(summary["by_action"].values()) + summary["n_context"] == len(events)
    assert summary["by_action"]["decapitation"] == summary["us_strikes"]["decapitation"] == 1


def test_non_hostile_deaths_are_a_switch_of_the_loader() -> None:
    hostile = load_record("seeds").events
    every = load_record("seeds", include_non_hostile_deaths=True).events
    contractor = "2021-03-03-al-asad-grad"  # cardiac death while sheltering (Vox 2021)
    assert row(every, contractor)["us_killed"] == 1
    assert row(every, contractor)["action"] == "lethal_attack"
    assert row(hostile, contractor)["us_killed"] == 0
    assert row(hostile, contractor)["action"] == "harassment_attack"
    assert row(hostile, contractor)["rung"] == ladder.Rung.HARASSMENT
    a, b = summarise(hostile), summarise(every)
    assert b["us_killed"] - a["us_killed"] == 1
    assert b["n_lethal_attacks"] - a["n_lethal_attacks"] == 1
    assert a["n_attacks"] == b["n_attacks"]  # still an attack
    # every other row is the same either way
    rest = hostile["id"] != contractor
    cols = ["action", "us_killed", "us_wounded"]
    pd.testing.assert_frame_equal(hostile.loc[rest, cols], every.loc[rest, cols])


def test_more_non_hostile_deaths_than_deaths_are_refused(tmp_path) -> None:
    text = LEGACY_EVENTS.read_text(encoding="utf-8").splitlines()
    bad = [text[0]] + [
        ln[: -len(",1")] + ",2" if ln.startswith("2021-03-03-al-asad-grad") else ln
        for ln in text[1:]
    ]
    (tmp_path / "events.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(RecordError, match="us_killed_non_hostile"):
        load_events(tmp_path / "events.csv")


def test_monthly_attack_counts(events: pd.DataFrame) -> None:
    counts = monthly_attack_counts(events)
    assert counts.sum() == summarise(events)["n_attacks"]
    assert counts[pd.Period("2020-03", "M")] == 2  # Taji, 11 and 14 March
    assert counts[pd.Period("2021-05", "M")] == 3  # three attacks in three days
    assert counts[pd.Period("2020-04", "M")] == 0  # empty months are kept
    assert counts.index.is_monotonic_increasing


def test_events_between(events: pd.DataFrame) -> None:
    window = events_between(events, "2019-12-27", "2020-01-08")
    assert window["id"].tolist()[0] == "2019-12-27-k1-rocket"
    assert window["id"].tolist()[-1] == "2020-01-08-iran-missiles-al-asad"
    assert (window["day"] >= pd.Timestamp("2019-12-27")).all()


def test_period_counts(periods: pd.DataFrame) -> None:
    assert periods["id"].is_unique
    bounded = periods.dropna(subset=["count_high"])
    assert (bounded["count_low"] <= bounded["count_high"]).all()
    assert (periods["start"] <= periods["end"]).all()
    dozen = periods.set_index("id").loc["004-about-three-dozen"]
    assert (dozen["count_low"], dozen["count_high"]) == (30, 42)
    assert dozen["start"] == pd.Timestamp("2019-10-01")


def test_casualty_columns_keep_unknown_apart_from_zero(events: pd.DataFrame) -> None:
    # Taji, 11 Mar 2020: wounded not stated -> unknown; Dec 2020 embassy: "No American personnel
    # were injured" -> 0.
    assert pd.isna(row(events, "2020-03-11-taji-katyusha")["us_wounded"])
    assert row(events, "2020-12-20-baghdad-embassy-rockets")["us_wounded"] == 0


# --- the first format (the five articles' original files'): bad files -----------------------

GOOD_EVENTS = [
    {"id": "a-attack", "date": "2020-01-02", "date_precision": "day", "actor": "militia",
     "target": "us_forces", "location": "Camp Taji", "country": "Iraq",
     "action": "harassment_attack", "weapon": "rocket", "us_killed": "0", "us_wounded": "",
     "others_killed": "", "others_wounded": "", "claimed_by": "", "responds_to": "",
     "source": "test", "note": ""},
    {"id": "b-strike", "date": "2020-01-03", "date_precision": "day", "actor": "us",
     "target": "kataib_hezbollah", "location": "Iraq", "country": "Iraq",
     "action": "us_strike_iraq", "weapon": "airstrike", "us_killed": "", "us_wounded": "",
     "others_killed": "2", "others_wounded": "", "claimed_by": "", "responds_to": "a-attack",
     "source": "test", "note": ""},
    {"id": "c-month", "date": "2020-02", "date_precision": "month", "actor": "kataib_hezbollah",
     "target": "us_forces", "location": "Iraq", "country": "Iraq", "action": "threat",
     "weapon": "none", "us_killed": "", "us_wounded": "", "others_killed": "",
     "others_wounded": "", "claimed_by": "", "responds_to": "", "source": "test", "note": ""},
]  # fmt: skip

GOOD_PERIODS = [
    {"id": "p1", "start": "2020-01-01", "end": "2020-12-31", "actor": "militia",
     "action": "any_attack", "count_low": "30", "count_high": "42", "unit": "attacks",
     "statement": "about three dozen", "source": "test", "note": ""},
]  # fmt: skip


def write_csv(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def edited(rows: list[dict[str, str]], index: int, **changes: str) -> list[dict[str, str]]:
    out = [dict(r) for r in rows]
    out[index].update(changes)
    return out


def test_good_fixture_loads(tmp_path: Path) -> None:
    events = load_events(write_csv(tmp_path / "events.csv", GOOD_EVENTS, EVENT_COLUMNS))
    assert events["id"].tolist() == ["a-attack", "b-strike", "c-month"]
    assert events["day"].tolist()[-1] == pd.Timestamp("2020-02-01")
    assert events["is_attack"].tolist() == [True, False, False]
    periods = load_period_counts(write_csv(tmp_path / "p.csv", GOOD_PERIODS, PERIOD_COLUMNS))
    assert periods["count_high"].tolist() == [42]


def check_error(err: pytest.ExceptionInfo[RecordError], name: str, line: int, field: str) -> None:
    assert (err.value.line, err.value.field) == (line, field)
    message = str(err.value)
    assert message.startswith(f"{name}, line {line}, field '{field}': ")
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    ("index", "changes", "line", "field", "fragment"),
    [
        (1, {"actor": "hamas"}, 3, "actor", "'hamas' is not one of the known codes"),
        (0, {"date": "2020-13-40"}, 2, "date", "'2020-13-40' is not a valid date"),
        (0, {"date": "2020-02-30"}, 2, "date", "is not a valid date"),
        (1, {"date": "2020-01-01"}, 3, "date", "date out of order"),
        (2, {"date": "2020-02-05"}, 4, "date", "does not match date_precision 'month'"),
        (0, {"date_precision": "decade"}, 2, "date_precision", "not one of the known codes"),
        (0, {"us_killed": "-1"}, 2, "us_killed", "'-1' is not a whole number >= 0"),
        (1, {"others_wounded": "2.5"}, 3, "others_wounded", "is not a whole number"),
        (2, {"action": "nuclear_strike"}, 4, "action", "'nuclear_strike' is not one of"),
        (1, {"responds_to": "z-missing"}, 3, "responds_to", "is not the id of any event"),
        (0, {"responds_to": "b-strike"}, 2, "responds_to", "is dated after this event"),
        (2, {"id": "a-attack"}, 4, "id", "duplicate id 'a-attack' (first used on line 2)"),
        (1, {"id": ""}, 3, "id", "id is empty"),
        (0, {"claimed_by": "somebody"}, 2, "claimed_by", "not one of the known codes"),
    ],
)
def test_bad_event_records(
    tmp_path: Path, index: int, changes: dict[str, str], line: int, field: str, fragment: str
) -> None:
    rows = edited(GOOD_EVENTS, index, **changes)
    path = write_csv(tmp_path / "bad_events.csv", rows, EVENT_COLUMNS)
    with pytest.raises(RecordError) as err:
        load_events(path)
    check_error(err, "bad_events.csv", line, field)
    assert fragment in str(err.value)


def test_missing_event_column(tmp_path: Path) -> None:
    columns = tuple(c for c in EVENT_COLUMNS if c != "actor")
    rows = [{k: v for k, v in r.items() if k != "actor"} for r in GOOD_EVENTS]
    with pytest.raises(RecordError) as err:
        load_events(write_csv(tmp_path / "events.csv", rows, columns))
    check_error(err, "events.csv", 1, "actor")
    assert "required column is missing" in str(err.value)


def test_error_message_format(tmp_path: Path) -> None:
    rows = edited(GOOD_EVENTS, 0, date="2020-13-01")
    path = write_csv(tmp_path / "events.csv", rows, EVENT_COLUMNS)
    with pytest.raises(RecordError) as err:
        load_events(path)
    assert str(err.value) == (
        "events.csv, line 2, field 'date': '2020-13-01' is not a valid date "
        "(expected YYYY-MM-DD, YYYY-MM or YYYY)"
    )


def test_line_numbers_count_multiline_fields(tmp_path: Path) -> None:
    rows = edited(GOOD_EVENTS, 0, note="first line\nsecond line")
    rows = edited(rows, 1, actor="nobody")
    with pytest.raises(RecordError) as err:
        load_events(write_csv(tmp_path / "events.csv", rows, EVENT_COLUMNS))
    check_error(err, "events.csv", 4, "actor")


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"count_low": "50"}, "count_high", "count_high 42 is below count_low 50"),
        ({"count_low": ""}, "count_low", "a whole number >= 0 is required"),
        ({"count_high": "-3"}, "count_high", "is not a whole number"),
        ({"start": "2021-01-01"}, "end", "is before start"),
        ({"start": "2020-01"}, "start", "expected YYYY-MM-DD"),
        ({"action": "raid"}, "action", "'raid' is not one of the known codes"),
        ({"actor": "martians"}, "actor", "'martians' is not one of the known codes"),
    ],
)
def test_bad_period_records(
    tmp_path: Path, changes: dict[str, str], field: str, fragment: str
) -> None:
    path = write_csv(tmp_path / "periods.csv", edited(GOOD_PERIODS, 0, **changes), PERIOD_COLUMNS)
    with pytest.raises(RecordError) as err:
        load_period_counts(path)
    check_error(err, "periods.csv", 2, field)
    assert fragment in str(err.value)


def test_missing_period_column(tmp_path: Path) -> None:
    columns = tuple(c for c in PERIOD_COLUMNS if c != "count_high")
    rows = [{k: v for k, v in r.items() if k != "count_high"} for r in GOOD_PERIODS]
    with pytest.raises(RecordError) as err:
        load_period_counts(write_csv(tmp_path / "periods.csv", rows, columns))
    check_error(err, "periods.csv", 1, "count_high")


def test_unusable_record_files_get_one_message_naming_them(tmp_path, monkeypatch):
    import sim.inputs.record_schema as schema

    good = tmp_path / "good.csv"
    good.write_bytes(data_path_bytes())
    latin = tmp_path / "latin.csv"
    latin.write_bytes(data_path_bytes().replace(b"Iraq", "Iraq\u00e9".encode("latin-1"), 1))
    with pytest.raises(RecordError, match=r"latin\.csv, file: not UTF-8 text \(line 2"):
        load_events(latin)
    nul = tmp_path / "nul.csv"
    nul.write_bytes(data_path_bytes().replace(b"Iraq", b"Ir\x00aq", 1))
    with pytest.raises(RecordError, match=r"nul\.csv, line 2.*NUL byte"):
        load_events(nul)
    dupe = tmp_path / "dupe.csv"
    dupe.write_bytes(data_path_bytes().replace(b"id,date,", b"id,date,id,", 1))
    with pytest.raises(RecordError, match=r"dupe\.csv, line 1, field 'id': column appears"):
        load_events(dupe)
    with pytest.raises(RecordError, match="is a folder"):
        load_events(tmp_path)
    monkeypatch.setattr(schema, "MAX_RECORD_BYTES", 100)
    with pytest.raises(RecordError, match=r"good\.csv, file: .* too large"):
        load_events(good)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + data_path_bytes())
    monkeypatch.undo()
    assert len(load_events(bom)) == len(load_events(LEGACY_EVENTS))  # a byte-order mark is fine


def data_path_bytes() -> bytes:
    return LEGACY_EVENTS.read_bytes()
