"""The outcomes of a run, each declared once: what it measures, its kind, how it is counted, and
which reports and figures show it.

An :class:`Outcome` is the model's counterpart of the EMA Workbench's ``ScalarOutcome``: a name,
a label, a unit, a kind (a count, a yes/no share, a day of a first event, an average defined in
some runs only), how it is tallied (the engine's tally, :func:`sim.core.tally.end_day`) or
derived from the tallied ones (:attr:`Outcome.derive`), and tags naming the reports and figures
that show it (:data:`TAGS`). Everything else reads this table: the engine's outcome columns
(:data:`sim.core.layout.OC`, in the order of :data:`ENGINE`), the Parquet schema of the runs,
the summary's tables, the figures of a comparison, ``compare``'s printed table, the replay and
branch totals, the outcomes ``explore`` keeps and ``sensitivity`` offers, the Mesa
DataCollector.

Adding an outcome the engine counts: its declaration here and its line in the tally
(:mod:`sim.core.tally`); a derived one: its declaration here only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

#: A number of events, people or days over the run (the engine keeps integers).
COUNT = "count"
#: Yes/no in a run; over runs, the share of runs in which it happened.
SHARE = "share"
#: The day (from day 0) of a first event, NaN in a run without it (censored at the horizon).
TIME_TO_EVENT = "time_to_event"
#: A mean within a run that is defined in some runs only (NaN elsewhere).
AVERAGE = "average"
KINDS: tuple[str, ...] = (COUNT, SHARE, TIME_TO_EVENT, AVERAGE)

#: The reports and figures an outcome can be shown in, by tag.
TAGS: dict[str, str] = {
    "summary": "the first table of summary.md (compare)",
    "summary_more": "the second table of summary.md: other people's losses, the days to the big "
    "events, the deal, the quiet",
    "differences": "the table of paired differences of summary.md and its verdicts",
    "figure_outcomes": "a panel of outcomes_by_policy.png",
    "figure_differences": "a panel of paired_differences.png",
    "figure_events": "a panel of time_to_events.png",
    "key_table": "a column of the short table `escalation run` and `compare` print",
    "history": "a row of the replay's and the branch's summary tables",
    "explore": "kept per world and policy by `escalation explore`",
    "regret": "a panel of explore's regret figure",
    "sensitivity": "offered by `escalation sensitivity --outcomes`",
    "sensitivity_default": "analysed by `escalation sensitivity` unless told otherwise",
    "datacollector": "a value so far in the Mesa model's DataCollector: a count's running total "
    "(``<name>_total``, or its own name if it ends so), else the outcome's own name (``war``, "
    "``max_rung``)",
}

#: Default storage dtype of a kind's column in ``outcomes.parquet`` (counts fit int32; days
#: below 2**24 are exact in float32).
_STORE = {COUNT: "int32", SHARE: "bool", TIME_TO_EVENT: "float32", AVERAGE: "float64"}


@dataclass(frozen=True)
class Outcome:
    """One outcome of a run."""

    name: str
    #: readable name in tables and figure titles
    label: str
    #: what it measures, in a phrase
    description: str
    #: what one run's value counts ("attacks", "Americans killed", "days"; shares: "share of
    #: runs")
    unit: str
    #: one of :data:`KINDS`
    kind: str
    #: how it is counted: the engine's tally (:func:`sim.core.tally.end_day`), in words, or
    #: how :attr:`derive` computes it
    tally: str
    #: the reports and figures that show it (:data:`TAGS`)
    tags: frozenset[str] = frozenset()
    #: a short label for the narrow table ``compare`` prints ("" : the label)
    short: str = ""
    #: the question a sensitivity panel answers about it
    question: str = ""
    #: for a derived outcome: its per-run values from the engine's outcomes and the horizon
    #: (days simulated); None for an outcome the engine counts
    derive: Callable[[Mapping[str, np.ndarray], int], np.ndarray] | None = field(
        default=None, compare=False
    )
    #: dtype of its column in ``outcomes.parquet`` ("" : the kind's default)
    store: str = ""
    #: whether more is better (for regret and ranks across explored worlds; else less is
    #: better): the restricted mean days to a first event are better later, a longer lull after
    #: US strikes is better, and so are prosecutions, a regional deal that binds Iran to restrain
    #: its partners and days of militia truce. A withdrawal, negotiated or forced, counts as a
    #: cost: the US "wants to maintain its presence in Iraq" (Daily Beast 2021)
    higher_is_better: bool = False

    @property
    def engine(self) -> bool:
        """Whether the engine counts it (not derived)."""
        return self.derive is None

    @property
    def dtype(self) -> str:
        """The dtype of its column in ``outcomes.parquet``."""
        return self.store or _STORE[self.kind]

    @property
    def short_label(self) -> str:
        return self.short or self.label

    def values(self, outcomes: Mapping[str, np.ndarray], horizon: int) -> np.ndarray:
        """Per-run values: the engine's column, or derived from the engine's columns."""
        if self.derive is None:
            return np.asarray(outcomes[self.name])
        return self.derive(outcomes, horizon)


def _positive(column: str) -> Callable[[Mapping[str, np.ndarray], int], np.ndarray]:
    return lambda o, horizon: np.asarray(o[column]) > 0


def restricted_days(event_day: np.ndarray, horizon: int) -> np.ndarray:
    """min(T, τ) per run: the event day (counted from day 0), or the horizon τ (the number of
    simulated days) for a run without the event (NaN) or with it at or after τ. Its mean is the
    restricted mean time to the event (Royston & Parmar 2013)."""
    v = np.asarray(event_day, dtype=np.float64)
    return np.where(np.isnan(v), float(horizon), np.minimum(v, float(horizon)))


def _o(name, label, description, unit, kind, tally, tags=(), **kw) -> Outcome:
    return Outcome(name, label, description, unit, kind, tally, frozenset(tags), **kw)


_DAY = "set on the first day on which {}; NaN until then"

# fmt: off
#: Every outcome, in reading order (the engine's columns follow this order too).
DECLARED: tuple[Outcome, ...] = (
    _o("attacks_total", "Militia attacks", "militia attacks on US forces in Iraq", "attacks",
       COUNT, "the day's attacks (count_day), summed over the days",
       ("summary", "differences", "figure_outcomes", "figure_differences", "key_table",
        "history", "explore", "regret", "sensitivity", "sensitivity_default", "datacollector"),
       short="attacks", question="Which assumptions drive the number of militia attacks?"),
    _o("attacks_harassment", "Harassment attacks", "attacks without casualties", "attacks",
       COUNT, "the day's attacks less those that injured or killed, summed", ("explore",)),
    _o("attacks_injury", "Attacks that injured", "attacks that injured", "attacks", COUNT,
       "the day's attacks that injured but killed nobody, summed", ("explore",)),
    _o("attacks_lethal", "Lethal attacks", "attacks that killed Americans", "attacks", COUNT,
       "the day's lethal attacks, summed", ("explore",)),
    _o("us_killed", "Americans killed", "Americans killed (militia attacks and Iranian strikes)",
       "Americans killed", COUNT, "the day's US killed (count_day), summed",
       ("summary", "differences", "figure_outcomes", "figure_differences", "key_table",
        "history", "explore", "regret", "sensitivity", "sensitivity_default",
        "datacollector"),
       short="US killed", question="Which assumptions drive US deaths?"),
    _o("us_wounded", "Americans wounded", "Americans wounded", "Americans wounded", COUNT,
       "the day's US wounded (count_day), summed",
       ("summary", "figure_outcomes", "history", "explore", "datacollector")),
    _o("any_us_death", "P(any US death)", "at least one American was killed", "share of runs",
       SHARE, "us_killed > 0", ("summary", "differences", "figure_differences", "key_table",
                                "explore"),
       short="P(death)", derive=_positive("us_killed")),
    _o("us_casualties", "Americans killed + wounded", "Americans killed or wounded",
       "Americans killed or wounded", COUNT, "us_killed + us_wounded", ("history",),
       derive=lambda o, horizon: np.asarray(o["us_killed"]) + np.asarray(o["us_wounded"])),
    _o("coalition_killed", "Coalition members and contractors killed",
       "non-US coalition members and contractors killed by militia attacks", "people killed",
       COUNT, "drawn once a day on the attacks that hurt Americans (attack_losses), summed",
       ("summary_more", "differences", "figure_outcomes", "figure_differences", "history",
        "explore", "sensitivity", "datacollector"),
       question="Which assumptions drive the deaths of coalition members and contractors?"),
    _o("coalition_wounded", "Coalition members and contractors wounded",
       "non-US coalition members and contractors wounded by militia attacks", "people wounded",
       COUNT, "drawn once a day on the attacks that hurt Americans (attack_losses), summed",
       ("summary_more", "explore", "sensitivity", "datacollector"),
       question="Which assumptions drive the wounded among coalition members and "
       "contractors?"),
    _o("militia_killed", "Militia members killed by US strikes",
       "militia fighters and commanders killed by US strikes", "fighters killed", COUNT,
       "drawn for each US strike on militias (us_act), summed",
       ("summary_more", "differences", "figure_outcomes", "figure_differences", "key_table",
        "history", "explore", "sensitivity", "datacollector"),
       short="militia killed",
       question="Which assumptions drive the militia fighters killed by US strikes?"),
    _o("strikes_syria", "US strikes in Syria", "US strikes in Syria", "strikes", COUNT,
       "days whose US action is a strike in Syria", ("explore",)),
    _o("strikes_iraq", "US strikes inside Iraq", "US strikes inside Iraq", "strikes", COUNT,
       "days whose US action is a strike inside Iraq", ("explore",)),
    _o("decapitations", "US decapitation strikes", "US decapitation strikes", "strikes", COUNT,
       "days whose US action is a decapitation (of militia commanders or an Iranian official)",
       ("explore",)),
    _o("strikes_iran", "US strikes on Iranian forces", "US strikes on Iranian forces",
       "strikes", COUNT, "days whose US action is a strike on Iranian forces", ("explore",)),
    _o("us_strikes", "US strikes", "all US strikes", "strikes", COUNT,
       "days whose US action is kinetic",
       ("summary", "differences", "figure_outcomes", "figure_differences", "key_table",
        "history", "explore", "sensitivity", "sensitivity_default", "datacollector"),
       short="US strikes", question="Which assumptions drive the number of US strikes?"),
    _o("any_us_strike", "P(any US strike)", "the US struck at least once", "share of runs",
       SHARE, "us_strikes > 0", ("explore",), derive=_positive("us_strikes")),
    _o("misdirected_strikes", "Misdirected US strikes",
       "US strikes on a militia group other than the attacker (an unattributed attack pinned "
       "on the blamed group)", "strikes", COUNT,
       "days whose US strike hit a group other than the attacker (us_act)",
       ("explore", "sensitivity"),
       question="Which assumptions drive US strikes on the wrong militia group?"),
    _o("press_baghdad", "US demands to Baghdad", "US demands to Baghdad", "demands", COUNT,
       "days whose US action presses Baghdad", ("explore",)),
    _o("prosecutions", "Prosecutions", "militia members charged by Baghdad", "prosecutions",
       COUNT, "days on which Baghdad charged militia members (iraq_react)", ("explore",),
       higher_is_better=True),
    _o("iran_strikes", "Iranian direct strikes on US forces",
       "direct Iranian strikes on US forces", "strikes", COUNT,
       "days on which Iran struck US forces (iran_act)", ("history", "explore")),
    _o("any_iran_strike", "P(any Iranian direct strike on US forces)",
       "Iran struck US forces directly at least once", "share of runs", SHARE,
       "iran_strikes > 0", ("summary", "key_table", "explore"), short="P(Iran hits)",
       derive=_positive("iran_strikes")),
    _o("protests", "Days of protests", "days of protests or threats (rung 1)", "days", COUNT,
       "days with protests or threats (iraq_react)", ("explore",)),
    _o("iraqi_harmed", "Iraqis killed or wounded",
       "Iraqi civilians and security forces killed or wounded", "people killed or wounded",
       COUNT, "the day's Iraqis harmed by militia attacks and US strikes, summed",
       ("summary_more", "explore", "sensitivity"),
       question="Which assumptions drive the harm to Iraqi civilians and security forces?"),
    _o("max_rung", "Highest rung reached", "highest rung of the escalation ladder reached",
       "rung (0–9)", COUNT, "the highest of the days' rungs (end_day)",
       ("explore", "sensitivity", "sensitivity_default", "datacollector"), store="int8",
       question="Which assumptions drive the highest escalation rung reached?"),
    _o("first_death_day", "Day of first US death", "day of the first US death (NaN if none)",
       "days", TIME_TO_EVENT, _DAY.format("an American was killed"),
       ("summary", "explore", "sensitivity"),
       question="Which assumptions drive how soon an American is killed?"),
    _o("days_to_iran_strike", "Day of first Iranian direct strike",
       "day of the first direct Iranian strike on US forces (NaN if none)", "days",
       TIME_TO_EVENT, _DAY.format("Iran struck US forces"),
       ("summary_more", "figure_events", "explore", "sensitivity"),
       question="Which assumptions drive how soon Iran strikes US forces directly?"),
    _o("days_to_war", "Day the US–Iran war began",
       "day on which the US–Iran war began (NaN if it did not)", "days", TIME_TO_EVENT,
       _DAY.format("the war had begun"),
       ("summary_more", "figure_events", "explore", "sensitivity"),
       question="Which assumptions drive how soon the US–Iran war begins?"),
    _o("days_to_withdrawal", "Day of US withdrawal",
       "day on which US forces withdrew from Iraq (NaN if they did not)", "days",
       TIME_TO_EVENT, _DAY.format("US forces had withdrawn"),
       ("summary_more", "figure_events", "explore", "sensitivity"),
       question="Which assumptions drive how soon US forces withdraw from Iraq?"),
    _o("lull_after_response", "Days of quiet after a US strike",
       "mean days from a US strike to the next militia attack (NaN if the US never struck): a "
       "strike opens a lull unless one is already open, the next day with an attack closes "
       "it, and a lull still open at the end counts up to the end of the period", "days",
       AVERAGE, "the running sums of the open lull, the lulls and their days (end_day): days "
       "over lulls", ("summary_more", "explore"), higher_is_better=True),
    _o("deal_reached", "P(regional deal reached)",
       "the regional deal's progress reached deal_reached_level", "share of runs", SHARE,
       "set on the first day the deal's progress reaches deal_reached_level",
       ("summary_more", "key_table", "explore", "sensitivity"), short="P(deal)",
       question="Which assumptions drive the chance of a regional deal?", higher_is_better=True),
    _o("direct_exchange", "P(any direct US–Iran strike, either way)",
       "a direct US–Iran strike happened (either direction)", "share of runs", SHARE,
       "set on the first day Iran strikes US forces or the US strikes Iranian forces",
       ("summary", "differences", "figure_differences", "key_table", "explore", "regret",
        "sensitivity", "sensitivity_default"),
       short="P(exchange)",
       question="Which assumptions drive the chance of a direct US–Iran exchange?"),
    _o("expulsion_vote", "P(Iraqi vote to expel US forces)",
       "the Iraqi parliament voted to expel US forces", "share of runs", SHARE,
       "the state at the end: voted (iraq_react, or voted before the period)",
       ("explore", "regret")),
    _o("withdrawal", "P(US withdrawal from Iraq)",
       "US forces withdrew from Iraq (negotiated or forced)", "share of runs", SHARE,
       "the state at the end: withdrawn (us_update)",
       ("summary", "differences", "figure_differences", "key_table", "explore", "regret"),
       short="P(leave)"),
    _o("withdrawal_negotiated", "P(negotiated withdrawal)",
       "US forces withdrew on a negotiated timetable", "share of runs", SHARE,
       "the state at the end: withdrawn on a complete timetable (us_update)",
       ("explore", "sensitivity"),
       question="Which assumptions drive the chance of a negotiated US withdrawal?"),
    _o("truce_days", "Days of militia truce",
       "days ending with at least one militia group in truce (US forces present)", "days",
       COUNT, "days ending with a group in truce", ("explore", "sensitivity"),
       question="Which assumptions drive the days of militia truce?", higher_is_better=True),
    _o("war", "P(war: reciprocal direct US–Iran strikes)", "a sustained US–Iran war began",
       "share of runs", SHARE, "the state at the end: at war (us_update)",
       ("summary", "differences", "key_table", "explore", "regret", "sensitivity",
        "datacollector"),
       short="P(war)", question="Which assumptions drive the chance of war?"),
)
# fmt: on

#: Every outcome by name.
OUTCOMES: dict[str, Outcome] = {o.name: o for o in DECLARED}
#: The outcomes the engine counts, in column order.
ENGINE: tuple[str, ...] = tuple(o.name for o in DECLARED if o.engine)
#: The outcomes derived from the engine's.
DERIVED: tuple[str, ...] = tuple(o.name for o in DECLARED if not o.engine)


def of_kind(*kinds: str, engine_only: bool = True) -> tuple[str, ...]:
    """Names of the outcomes of the given kinds (the engine's only unless told)."""
    return tuple(o.name for o in DECLARED if o.kind in kinds and (o.engine or not engine_only))


def tagged(tag: str) -> tuple[Outcome, ...]:
    """The outcomes with ``tag`` (:data:`TAGS`), in reading order."""
    if tag not in TAGS:
        raise KeyError(f"unknown outcome tag {tag!r} (known: {', '.join(TAGS)})")
    return tuple(o for o in DECLARED if tag in o.tags)


def label(name: str) -> str:
    """The label of an outcome (its name if it is not declared)."""
    o = OUTCOMES.get(name)
    return o.label if o is not None else name


#: Suffix of the restricted mean of a time-to-event outcome.
RESTRICTED = "_restricted_mean"


def restricted_mean(day: Outcome) -> Outcome:
    """The restricted mean of a time-to-event outcome, as ``explore`` and ``sensitivity`` keep it
    per world or design row: the mean over runs of min(T, τ), a run without the event counting
    the horizon τ; in [0, τ], more is later."""
    return Outcome(
        f"{day.name}{RESTRICTED}",
        f"restricted mean {day.label[0].lower()}{day.label[1:]}",
        f"restricted mean of the {day.description.split(' (')[0]}: mean over the runs of "
        "min(day, τ), τ = the days simulated, a run without it counting τ (censored); in "
        "[0, τ], more is later",
        "days, censored at the period's end",
        COUNT,
        f"min({day.name}, τ) per run",
        day.tags & {"explore", "sensitivity"},
        question=day.question,
        derive=lambda o, horizon, name=day.name: restricted_days(o[name], horizon),
        store="float64",
        higher_is_better=True,
    )


#: The restricted means of the time-to-event outcomes, by name.
RESTRICTED_MEANS: dict[str, Outcome] = {
    r.name: r for r in (restricted_mean(o) for o in DECLARED if o.kind == TIME_TO_EVENT)
}


def get(name: str) -> Outcome:
    """The declaration of an outcome or of a restricted mean, by name (KeyError if none)."""
    o = OUTCOMES.get(name) or RESTRICTED_MEANS.get(name)
    if o is None:
        raise KeyError(name)
    return o


def check() -> list[str]:
    """What is wrong with the declarations (empty when nothing is): every outcome needs a
    label, a description, a unit, a known kind, a tally and known tags, and a unique name."""
    problems = []
    if len(OUTCOMES) != len(DECLARED):
        problems.append("two outcomes share a name")
    for o in (*DECLARED, *RESTRICTED_MEANS.values()):
        for what in ("label", "description", "unit", "tally"):
            if not getattr(o, what).strip():
                problems.append(f"{o.name}: no {what}")
        if o.kind not in KINDS:
            problems.append(f"{o.name}: unknown kind {o.kind!r}")
        problems += [f"{o.name}: unknown tag {t!r}" for t in sorted(o.tags - set(TAGS))]
        if {"sensitivity", "sensitivity_default"} & o.tags and not o.question:
            problems.append(f"{o.name}: offered to sensitivity without a question")
    return problems
