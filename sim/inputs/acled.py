"""An ACLED export as a record folder (``escalation record import-acled FILE --out DIR``).

ACLED (the Armed Conflict Location & Event Data project) codes political violence event by
event; researchers download exports from its export tool or API as CSV. This module reads an
export's documented columns (:data:`REQUIRED`: ``event_date``, ``event_type``,
``sub_event_type``, ``actor1``, ``assoc_actor_1``, ``actor2``, ``country``, ``admin1``,
``location``, ``fatalities``, ``notes``, ``source``; ``event_id_cnty``, ``assoc_actor_2`` and
``time_precision`` are used when present, every other column is ignored) and maps the events
that concern the US and the Iran-aligned militias onto the record's events
(:data:`sim.inputs.record_schema.EVENT_FIELDS`), by the stated mapping of ``docs/record.md``
("Bring your own data: ACLED"):

* **theatre** from ``country`` (Iraq, Syria, Jordan, Iran; any other country is left out);
* **attacks on US or coalition forces**: sub-event types :data:`ATTACK_SUB_EVENTS` by an actor
  that is not the US, the coalition or Iran's forces, whose target is the US or the coalition:
  ``actor2`` (or ``assoc_actor_2``) names them, or the notes name US, American or coalition
  forces, troops, a base, the embassy or personnel (:data:`US_TARGET_IN_NOTES`). Severity:
  ``lethal_attack`` when ACLED counts fatalities, ``injury_attack`` when the notes speak of the
  wounded or injured, else ``harassment_attack``;
* **bombs on supply convoys**: such an attack whose notes speak of a convoy, trucks or supplies
  for the US or the coalition (:data:`CONVOY_IN_NOTES`) targets ``logistics_convoy``;
* **US strikes**: ``Air/drone strike`` or ``Shelling/artillery/missile attack`` by the US
  military (``actor1``, :data:`US_ACTOR`) in Iraq, Syria or Iran (``us_strike_iraq``,
  ``us_strike_syria``, ``us_strike_iran``); ``decapitation`` when the notes say a commander or
  leader was killed;
* **Iran's direct strikes**: an attack by Iran's forces (:data:`IRAN_ACTOR`) on US or
  coalition targets (``iran_state_strike``);
* the attacker's code from the names in ``actor1`` and ``assoc_actor_1``
  (:data:`ACTOR_NAMES`; an unnamed armed group is ``unknown``, any other name ``militia``).

Every row keeps ACLED's event id, its sources and its notes in ``note``; ``outlet`` is ACLED.
Rows after the record's end (31 August 2024, the reserved period) are left out and counted.
A bad export (not UTF-8, a missing column, a date or a fatality count that cannot be read)
raises :class:`sim.inputs.record_schema.RecordError` naming the file, the line and the field,
before anything is written; the folder is written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sim.inputs.record import load_record, write_record
from sim.inputs.record_schema import (
    RECORD_END,
    RecordError,
    check_day,
    check_int,
    read_rows,
)

#: The columns every export must have.
REQUIRED: tuple[str, ...] = (
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "country",
    "admin1",
    "location",
    "fatalities",
    "notes",
    "source",
)
#: Columns used when present.
OPTIONAL: tuple[str, ...] = ("event_id_cnty", "assoc_actor_2", "time_precision")
#: Theatres by ACLED country name.
THEATRE_OF_COUNTRY: dict[str, str] = {
    "Iraq": "iraq",
    "Syria": "syria",
    "Jordan": "jordan",
    "Iran": "iran",
}
#: ACLED sub-event types (event type "Explosions/Remote violence", and armed clashes) that count
#: as an attack when aimed at US or coalition forces.
ATTACK_SUB_EVENTS: tuple[str, ...] = (
    "Shelling/artillery/missile attack",
    "Air/drone strike",
    "Remote explosive/landmine/IED",
    "Grenade",
    "Suicide bomb",
    "Armed clash",
)
#: Sub-event types of a US strike.
STRIKE_SUB_EVENTS: tuple[str, ...] = ("Air/drone strike", "Shelling/artillery/missile attack")
#: The US military or the coalition in an actor column (ACLED: "Military Forces of the United
#: States (2021-)", "Global Coalition Against Daesh" ...).
US_ACTOR = re.compile(
    r"united states|\bu\.?s\.? (forces|military|army)|american|coalition|inherent resolve",
    re.IGNORECASE,
)
#: Iran's own forces in an actor column ("Military Forces of Iran (1989-)", the IRGC).
IRAN_ACTOR = re.compile(r"military forces of iran|revolutionary guard|\birgc\b", re.IGNORECASE)
#: The notes name US or coalition forces as the target.
US_TARGET_IN_NOTES = re.compile(
    r"\b(us|u\.s\.|american|coalition|united states)\b[^.;]{0,40}?"
    r"\b(forces?|troops?|bases?|embassy|personnel|soldiers?|military|service ?members?|"
    r"contractors?|facility|facilities|garrison)\b",
    re.IGNORECASE,
)
#: The notes speak of a supply convoy for the US or the coalition.
CONVOY_IN_NOTES = re.compile(r"\b(convoy|trucks?|logistic\w*|supplies)\b", re.IGNORECASE)
#: The notes speak of the wounded.
WOUNDED_IN_NOTES = re.compile(r"\b(wound\w*|injur\w*)\b", re.IGNORECASE)
#: The notes say a commander or leader was killed.
LEADER_IN_NOTES = re.compile(
    r"\b(commander|leader|official)\b[^.]{0,80}\bkill\w*|\bkill\w*[^.]{0,80}\b(commander|leader)\b",
    re.IGNORECASE,
)
#: Actor codes by the names in ACLED's actor columns (first match wins).
ACTOR_NAMES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), code)
    for p, code in (
        (r"kata.?ib hez?b|kata.?ib hizb", "kataib_hezbollah"),
        (r"nujaba", "harakat_nujaba"),
        (r"asa.?ib ahl", "asaib_ahl_al_haq"),
        (r"sayyid al.?shuhada", "kataib_sayyid_al_shuhada"),
        (r"islamic resistance in iraq", "islamic_resistance_iraq"),
        (r"ashab al.?kahf|awliya.? al.?dam|qasim al.?jabbar|thar al.?muhandis|usbat",
         "front_groups"),
        (r"\bbadr\b", "badr"),
        (r"popular mobili[sz]ation|\bpmf\b|hashd", "pmf"),
        (r"unidentified", "unknown"),
    )
)  # fmt: skip
#: Weapons by words in the notes (first match wins), then by sub-event type.
WEAPON_IN_NOTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), w)
    for p, w in (
        (r"\bdrones?\b|\buavs?\b", "drone"),
        (r"\bkatyusha", "katyusha"),
        (r"\brockets?\b", "rocket"),
        (r"\bmortars?\b", "mortar"),
        (r"ballistic", "ballistic_missile"),
        (r"\bmissiles?\b", "missile"),
        (r"\bied\b|explosive|roadside bomb", "ied"),
    )
)
WEAPON_OF_SUB_EVENT: dict[str, str] = {
    "Remote explosive/landmine/IED": "ied",
    "Armed clash": "small_arms",
    "Air/drone strike": "drone",
}
#: ACLED's ``time_precision`` and the record's date precision (1: the day is known; 2: the
#: week; 3: only the month).
PRECISION_OF_TIME: dict[str, str] = {"1": "day", "2": "week", "3": "month"}
#: The address every imported row gives (ACLED events have no page of their own).
ACLED_URL = "https://acleddata.com/"
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}  # fmt: skip


@dataclass(frozen=True)
class Imported:
    """What an import did: rows read, events written, rows left out (outside the mapping or
    after the record's end)."""

    rows: int
    events: int
    skipped: int
    after_end: int


def parse_acled_date(text: str) -> dt.date | None:
    """An ACLED ``event_date``: ``2020-01-03``, ``03 January 2020`` (the export tool) or
    ``03-01-2020`` / ``03/01/2020`` (day first); None if none of these."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
        m = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]+)[ -,]*(\d{4})", text)
        if m and m.group(2).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
        m = re.fullmatch(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})", text)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


def _actor_code(*names: str) -> str:
    for name in names:
        for pattern, code in ACTOR_NAMES:
            if pattern.search(name):
                return code
    return "militia"


def _weapon(notes: str, sub_event: str, us: bool) -> str:
    if us:
        return "drone" if re.search(r"\bdrones?\b", notes, re.IGNORECASE) else "airstrike"
    for pattern, weapon in WEAPON_IN_NOTES:
        if pattern.search(notes):
            return weapon
    return WEAPON_OF_SUB_EVENT.get(sub_event, "unknown")


def map_row(row: dict[str, str], theatre: str) -> dict[str, str] | None:
    """The record's event fields of one ACLED row (without id, date and source), or None when
    the row is outside the mapping (module docstring)."""
    sub, notes = row["sub_event_type"], row["notes"]
    a1 = f"{row['actor1']} {row['assoc_actor_1']}"
    a2 = f"{row['actor2']} {row.get('assoc_actor_2', '')}"
    fatal = int(row["fatalities"] or 0)
    if US_ACTOR.search(row["actor1"]) and sub in STRIKE_SUB_EVENTS:
        if theatre not in ("iraq", "syria", "iran"):
            return None
        action = f"us_strike_{theatre}"
        if LEADER_IN_NOTES.search(notes):
            action = "decapitation"
        target = _actor_code(a2) if a2.strip() else "militia"
        return {"actor": "us", "target": target, "action": action,
                "weapon": _weapon(notes, sub, us=True)}  # fmt: skip
    if sub not in ATTACK_SUB_EVENTS or US_ACTOR.search(row["actor1"]):
        return None
    at_us = bool(US_ACTOR.search(a2)) or bool(US_TARGET_IN_NOTES.search(notes))
    convoy = bool(CONVOY_IN_NOTES.search(notes)) and (
        at_us or re.search(r"\b(us|u\.s\.|american|coalition)\b", notes, re.IGNORECASE)
    )
    if not (at_us or convoy):
        return None
    iran = bool(IRAN_ACTOR.search(a1))
    if iran:
        action = "iran_state_strike"
    elif fatal > 0:
        action = "lethal_attack"
    elif WOUNDED_IN_NOTES.search(notes):
        action = "injury_attack"
    else:
        action = "harassment_attack"
    return {
        "actor": "iran" if iran else _actor_code(row["actor1"], row["assoc_actor_1"]),
        "target": "logistics_convoy" if convoy and theatre == "iraq" else "us_forces",
        "action": action,
        "weapon": _weapon(notes, sub, us=False),
    }


def import_acled(path: Path, out: Path) -> Imported:
    """Read an ACLED export and write the events the mapping keeps as a record folder ``out``.

    Raises
    ------
    RecordError
        For a bad export (naming the file, line and field) or an ``out`` that exists and is not
        an empty folder; nothing is written then.
    """
    path, out = Path(path), Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RecordError(out, 0, "--out", "exists and is not an empty folder")
    rows = read_rows(path, REQUIRED, optional=OPTIONAL)
    events: list[tuple[dt.date, int, dict[str, object]]] = []
    skipped = after_end = 0
    for line, row in rows:
        day = parse_acled_date(row["event_date"])
        if day is None:
            message = (
                f"{row['event_date']!r} is not a date (ACLED exports write 03 January 2020, "
                "2020-01-03 or 03-01-2020)"
            )
            raise RecordError(path, line, "event_date", message)
        check_day(path, line, "event_date", day)
        check_int(path, line, "fatalities", row["fatalities"])
        precision = PRECISION_OF_TIME.get(row.get("time_precision", "") or "1")
        if precision is None:
            message = f"{row['time_precision']!r} is not 1, 2 or 3"
            raise RecordError(path, line, "time_precision", message)
        if day > RECORD_END:
            after_end += 1
            continue
        theatre = THEATRE_OF_COUNTRY.get(row["country"])
        mapped = map_row(row, theatre) if theatre is not None else None
        if mapped is None:
            skipped += 1
            continue
        ident = re.sub(r"[^a-z0-9]+", "-", (row.get("event_id_cnty") or "").lower()).strip("-")
        label = row.get("event_id_cnty") or f"line {line}"
        kind = f"{row['event_type']} / {row['sub_event_type']}"
        assoc = f" ({row['assoc_actor_1']})" if row["assoc_actor_1"] else ""
        note = (
            f"Imported from ACLED ({path.name}, line {line}): {kind}; actor1 "
            f"{row['actor1']!r}{assoc}; actor2 {row['actor2']!r}; fatalities "
            f"{row['fatalities'] or 0} (ACLED does not say whose). Sources: {row['source']}. "
            f"Notes: {row['notes']}"
        )
        event = {
            "id": f"acled-{ident}" if ident else f"acled-{day}-line-{line}",
            "date": f"{day:%Y-%m}" if precision == "month" else day.isoformat(),
            "date_precision": precision,
            "theatre": theatre,
            "location": ", ".join(x for x in (row["location"], row["admin1"]) if x),
            **mapped,
            "outlet": "ACLED",
            "published": day.isoformat(),
            "headline": f"ACLED event {label}: {kind}",
            "url": ACLED_URL,
            "note": note,
        }
        events.append((day, line, event))
    if not events:
        message = (
            f"none of its {len(rows)} rows is an event the mapping keeps ({skipped} outside the "
            f"mapping, {after_end} after {RECORD_END}); nothing was written"
        )
        raise RecordError(path, 0, "(file)", message)
    events.sort(key=lambda e: (e[0], e[1]))
    seen: dict[str, int] = {}
    for _, _, ev in events:  # ids unique even if an export repeats an event id
        k = seen.get(str(ev["id"]), 0)
        seen[str(ev["id"])] = k + 1
        if k:
            ev["id"] = f"{ev['id']}-{k + 1}"
    staged = out.parent / f".{out.name}.importing"
    shutil.rmtree(staged, ignore_errors=True)
    try:
        write_record(staged, [e for _, _, e in events])
        load_record(staged)  # the folder reads back as a record before it takes its name
        if out.exists():
            out.rmdir()
        os.replace(staged, out)
    except OSError as exc:
        raise RecordError(out, 0, "--out", f"cannot write it ({exc.strerror})") from None
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return Imported(len(rows), len(events), skipped, after_end)
