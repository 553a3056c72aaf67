"""``escalation record import-acled``: a hand-made export in ACLED's format becomes a record
folder by the documented mapping (sim.inputs.acled); bad exports are refused with one message
naming the file and field, and nothing is written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main
from sim.inputs.acled import import_acled, parse_acled_date
from sim.inputs.record import load_record
from sim.inputs.record_schema import RecordError

COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "country", "admin1", "location",
    "latitude", "longitude", "fatalities", "notes", "source",
]  # fmt: skip
US = "Military Forces of the United States (2021-)"
ROWS = [
    # a rocket attack on al-Asad: an attack on US forces in Iraq
    ["IRQ1", "03 January 2020", "2020", "1", "Explosions/Remote violence",
     "Shelling/artillery/missile attack", "Unidentified Armed Group (Iraq)", "", US, "", "Iraq",
     "Al Anbar", "Ain al-Asad", "33.8", "42.4", "0",
     "Three rockets hit Ain al-Asad base hosting US forces; no casualties.", "Reuters"],
    # a roadside bomb on a supply convoy for the coalition (Iraqi contractors, no US actor)
    ["IRQ2", "2020-08-05", "2020", "1", "Explosions/Remote violence",
     "Remote explosive/landmine/IED", "Unidentified Armed Group (Iraq)", "",
     "Civilians (Iraq)", "", "Iraq", "Al Qadissiyah", "Diwaniyah", "32.0", "44.9", "0",
     "An IED targeted a convoy of trucks carrying logistic supplies for the US-led coalition.",
     "Shafaq News"],
    # a drone attack claimed by the Islamic Resistance in Iraq on a base in Syria, wounding
    ["SYR3", "04-01-2024", "2024", "1", "Explosions/Remote violence", "Air/drone strike",
     "Islamic Resistance in Iraq", "Kataib Hezbollah", US, "", "Syria", "Deir ez Zor",
     "Green Village", "35.0", "40.5", "0",
     "A drone struck the Green Village base of the US forces; several wounded.", "SOHR"],
    # Tower 22: three US soldiers killed in Jordan
    ["JOR4", "28 January 2024", "2024", "1", "Explosions/Remote violence", "Air/drone strike",
     "Islamic Resistance in Iraq", "", US, "", "Jordan", "Mafraq", "Tower 22", "33.3", "38.7",
     "3", "A drone hit Tower 22, killing three US soldiers and wounding dozens.", "AP"],
    # a US strike in Syria, and a US drone strike in Baghdad killing a commander
    ["SYR5", "2024-02-02", "2024", "1", "Explosions/Remote violence", "Air/drone strike", US,
     "", "Kataib Hezbollah", "", "Syria", "Deir ez Zor", "Al Mayadin", "35.0", "40.4", "18",
     "US airstrikes hit facilities used by Iran-aligned groups.", "CENTCOM"],
    ["IRQ6", "2024-02-07", "2024", "1", "Explosions/Remote violence", "Air/drone strike", US,
     "", "Kataib Hezbollah", "", "Iraq", "Baghdad", "Mashtal", "33.3", "44.4", "3",
     "A US drone strike on a car killed a senior commander of Kataib Hezbollah.", "Reuters"],
    # Iran's missiles on al-Asad (Iran's own forces)
    ["IRQ7", "08 January 2020", "2020", "1", "Explosions/Remote violence",
     "Shelling/artillery/missile attack", "Military Forces of Iran (1989-)",
     "Islamic Revolutionary Guard Corps", US, "", "Iraq", "Al Anbar", "Ain al-Asad", "33.8",
     "42.4", "0", "Iran fired ballistic missiles at Ain al-Asad air base housing US troops.",
     "Reuters"],
    # outside the mapping: a protest, a strike in Lebanon, a clash between Iraqi groups
    ["IRQ8", "2020-01-10", "2020", "1", "Protests", "Peaceful protest", "Protesters (Iraq)",
     "", "", "", "Iraq", "Basra", "Basra", "30.5", "47.8", "0", "A protest.", "Shafaq News"],
    ["LBN9", "2024-07-30", "2024", "1", "Explosions/Remote violence", "Air/drone strike",
     "Military Forces of Israel (2022-)", "", "Hezbollah", "", "Lebanon", "Beirut", "Beirut",
     "33.8", "35.5", "5", "An Israeli strike in Beirut.", "Reuters"],
    ["IRQ10", "2021-03-01", "2021", "1", "Battles", "Armed clash", "Asaib Ahl al-Haq", "",
     "Military Forces of Iraq (2020-)", "", "Iraq", "Baghdad", "Baghdad", "33.3", "44.4", "1",
     "A clash between militiamen and Iraqi police.", "Shafaq News"],
    # after the record's end: reserved, left out
    ["IRQ11", "2024-09-10", "2024", "1", "Explosions/Remote violence",
     "Shelling/artillery/missile attack", "Unidentified Armed Group (Iraq)", "", US, "", "Iraq",
     "Baghdad", "Victory Base", "33.3", "44.2", "0", "Rockets at Victory base.", "Reuters"],
    # the day known only to the month (ACLED time_precision 3)
    ["IRQ12", "15 June 2021", "2021", "3", "Explosions/Remote violence", "Air/drone strike",
     "Unidentified Armed Group (Iraq)", "", "", "", "Iraq", "Erbil", "Erbil airport", "36.2",
     "43.9", "0", "A drone attack on the coalition base at Erbil airport.", "Rudaw"],
]  # fmt: skip


def export(path: Path, rows=ROWS, columns=COLUMNS, encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def test_dates_in_acled_formats() -> None:
    assert str(parse_acled_date("03 January 2020")) == "2020-01-03"
    assert str(parse_acled_date("2020-01-03")) == "2020-01-03"
    assert str(parse_acled_date("03-01-2020")) == "2020-01-03"
    assert str(parse_acled_date("3/1/2020")) == "2020-01-03"
    assert parse_acled_date("31 February 2020") is None
    assert parse_acled_date("January 2020") is None


def test_an_export_becomes_a_record_by_the_stated_mapping(tmp_path: Path) -> None:
    res = import_acled(export(tmp_path / "acled.csv"), tmp_path / "rec")
    assert (res.rows, res.events, res.skipped, res.after_end) == (12, 8, 3, 1)
    ev = load_record(tmp_path / "rec").events.set_index("id")
    got = {i: (r.theatre, r.actor, r.target, r.action) for i, r in ev.iterrows()}
    assert got == {
        "acled-irq1": ("iraq", "unknown", "us_forces", "harassment_attack"),
        "acled-irq2": ("iraq", "unknown", "logistics_convoy", "harassment_attack"),
        "acled-syr3": ("syria", "islamic_resistance_iraq", "us_forces", "injury_attack"),
        "acled-jor4": ("jordan", "islamic_resistance_iraq", "us_forces", "lethal_attack"),
        "acled-syr5": ("syria", "us", "kataib_hezbollah", "us_strike_syria"),
        "acled-irq6": ("iraq", "us", "kataib_hezbollah", "decapitation"),
        "acled-irq7": ("iraq", "iran", "us_forces", "iran_state_strike"),
        "acled-irq12": ("iraq", "unknown", "us_forces", "harassment_attack"),
    }
    assert (
        ev.loc["acled-irq12", "date"] == "2021-06"
        and ev.loc["acled-irq12", "date_precision"] == "month"
    )
    assert ev.loc["acled-irq1", "weapon"] == "rocket" and ev.loc["acled-jor4", "weapon"] == "drone"
    # every row keeps ACLED's source and notes, and an address
    assert (ev["outlet"] == "ACLED").all() and ev["url"].str.startswith("https://").all()
    assert "Sources: AP" in ev.loc["acled-jor4", "note"]
    assert "killing three US soldiers" in ev.loc["acled-jor4", "note"]
    assert ev["day"].is_monotonic_increasing


def test_the_imported_record_gives_monthly_series(tmp_path: Path, capsys) -> None:
    assert main(["record", "import-acled", str(export(tmp_path / "a.csv")), "--out",
                 str(tmp_path / "rec")]) == 0  # fmt: skip
    assert "imported 8 events" in capsys.readouterr().out
    assert main(["record", str(tmp_path / "rec"), "--monthly", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    lows = table.set_index(["series", "month"])["low"]
    assert lows[("iraq_convoy_bombs", "2020-08")] == 1
    assert lows[("jordan_attacks", "2024-01")] == 1
    assert lows[("iraq_iran_direct_strikes", "2020-01")] == 1
    assert lows[("iraq_us_strikes_leaders", "2024-02")] == 1
    assert lows[("iraq_base_attacks", "2021-06")] == 1  # dated to the month


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("sub_event_type", None, "required column is missing"),  # None: the column is dropped
        ("event_date", "yesterday", "is not a date"),
        ("fatalities", "many", "whole number"),
        ("time_precision", "9", "not 1, 2 or 3"),
    ],
)
def test_bad_exports_are_refused_and_nothing_is_written(tmp_path, capsys, field, value, fragment):
    k = COLUMNS.index(field)
    if value is None:
        cols = [c for c in COLUMNS if c != field]
        rows = [[*r[:k], *r[k + 1 :]] for r in ROWS]
    else:
        cols, rows = list(COLUMNS), [[*r[:k], value, *r[k + 1 :]] for r in ROWS]
    bad = export(tmp_path / "bad.csv", rows, cols)
    with pytest.raises(RecordError) as err:
        import_acled(bad, tmp_path / "rec")
    assert err.value.field == field and fragment in str(err.value)
    assert str(err.value).startswith("bad.csv, line ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]  # nothing written
    status = main(["record", "import-acled", str(bad), "--out", str(tmp_path / "rec")])
    err_text = capsys.readouterr().err
    assert status == 2 and "bad.csv" in err_text and field in err_text
    assert err_text.count("\n") == 1 and not (tmp_path / "rec").exists()


def test_an_export_that_is_not_utf8_or_an_occupied_out_is_refused(tmp_path, capsys) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][16] = "Trois roquettes sur la base d'Aïn al-Asad"
    latin = export(tmp_path / "latin.csv", rows, encoding="latin-1")
    assert main(["record", "import-acled", str(latin), "--out", str(tmp_path / "rec")]) == 2
    err = capsys.readouterr().err
    assert "latin.csv" in err and "not UTF-8" in err and err.count("\n") == 1
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("keep")
    good = export(tmp_path / "good.csv")
    assert main(["record", "import-acled", str(good), "--out", str(taken)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert [p.name for p in taken.iterdir()] == ["mine.txt"]
    assert main(["record", "import-acled", str(good)]) == 2
    assert "--out DIR is required" in capsys.readouterr().err
