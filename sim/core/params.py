"""The parameter table: every number the rules use, with unit, default, range and source.

This is the only place where rule constants live. A rule function receives a :class:`Params`
object whose values are numpy arrays: shape ``(N,)`` (one value per run, so one ensemble call can
evaluate N parameter draws) or ``(N, G)`` for the per-group militia parameters. A single run is
simply N = 1.

Sources are cited by the record's event ids (``sim/data/events.csv``) or by the published study;
"judgement" marks a value the record cannot inform, kept at a prior and reported as such by the
calibration.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from sim.errors import UserError

#: Militia groups, ordered by closeness to Iran. Index 0 is the presumed parent that the US
#: blames when an attack is not attributed (Kata'ib Hezbollah in every source).
GROUPS: tuple[str, ...] = (
    "kataib_hezbollah",
    "harakat_nujaba",
    "asaib_ahl_al_haq",
    "front_groups",
)
GROUP_LABELS: dict[str, str] = {
    "kataib_hezbollah": "Kata'ib Hezbollah",
    "harakat_nujaba": "Harakat al-Nujaba",
    "asaib_ahl_al_haq": "Asa'ib Ahl al-Haq",
    "front_groups": "front / 'outlaw' groups",
}


@dataclass(frozen=True)
class Param:
    """One row of the parameter table."""

    name: str
    unit: str
    default: float
    low: float
    high: float
    source: str
    actor: str
    #: True where the documented record informs the value: the calibrated posterior's 90%
    #: interval is clearly narrower than the prior's (docs/calibration.md). Read from the fit's
    #: verdicts, ``sim/data/posterior_informed.csv`` (written by ``escalation calibrate
    #: --write-posterior``), never set by hand.
    informed: bool = False
    description: str = ""


def _informed() -> set[str]:
    """Names of the parameters the last shipped calibration found informed by the record."""
    path = resources.files("sim").joinpath("data", "posterior_informed.csv")
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["informed"].strip().lower() == "true"]
    names = {r["parameter"] for r in rows}
    if "base_rate_scale" in names:  # the calibration scales the four base rates together
        names |= {f"base_rate.{g}" for g in GROUPS}
    return names


_INFORMED = _informed()


def _p(name, unit, default, low, high, actor, source, description=""):
    return Param(name, unit, default, low, high, source, actor, name in _INFORMED, description)


# fmt: off
_SCALARS: list[Param] = [
    # --- militia behaviour -----------------------------------------------------------------
    _p("self_excitation", "expected follow-on attacks per attack", 0.4, 0.0, 0.9, "militia",
       "Lewis et al. 2012 (Security Journal): self-excitation explains 37-50% of events",
       description="branching ratio of a group's own attacks (Hawkes kernel)"),
    _p("excitation_days", "days", 21.0, 3.0, 60.0, "militia",
       "Lewis et al. 2012: excitation lasts 2-6 weeks",
       description="e-folding time of self-excitation"),
    _p("revenge_attacks", "expected extra attacks per unit strike intensity", 1.5, 0.0, 10.0,
       "militia",
       "2019-12-29 strikes followed by the embassy storming; 2020-03-12 strikes followed by the "
       "2020-03-14 Taji attack (Foreign Policy)",
       description="grievance a struck group feels, in expected retaliatory attacks"),
    _p("revenge_days", "days", 14.0, 2.0, 60.0, "militia",
       "Taji: second attack 2 days after the US strikes; Lewis et al. 2012: 2-6 weeks",
       description="e-folding time of grievance"),
    _p("revenge_spillover", "fraction", 0.3, 0.0, 1.0, "militia",
       "judgement: the PMF network answers strikes on any of its groups (Daily Beast: 'Iran-backed "
       "forces will continue to strike wherever US forces are')",
       description="share of a struck group's grievance felt by the other groups"),
    _p("revenge_satisfaction", "fraction of grievance", 0.5, 0.0, 1.0, "militia",
       "judgement and the training record: a struck group answers, then the cycle pauses - "
       "the embassy storming two days after the strikes of 2019-12-29, Taji hit again two days "
       "after the strikes of 2020-03-12, while Foreign Policy (March 2020) names only "
       "mid-February fire between Soleimani's killing and Taji; as Iran's grievance falls once "
       "it has struck back (iran_satisfaction)",
       description="share of a group's grievance (revenge) that the group's own attack "
                   "satisfies"),
    _p("deterrence_strength", "log-hazard drop per unit strike intensity", 0.7, 0.0, 5.0,
       "militia",
       "2021-02-25 Syria strike followed six days later by the al-Asad attack (Vox 2021): weak "
       "deterrence",
       description="fear a struck group feels; attack hazard is multiplied by exp(-fear)"),
    _p("deterrence_days", "days", 10.0, 1.0, 90.0, "militia",
       "al-Asad attack six days after the 2021-02-25 strike (Vox 2021)",
       description="e-folding time of fear"),
    # --- Iran ------------------------------------------------------------------------------
    _p("iran_direction", "log-hazard per unit Iranian grievance", 1.0, 0.0, 3.0, "iran",
       "proxy attacks after Soleimani's killing (Foreign Policy; Vox 2024: attacks 'since about "
       "2020, after the US's assassination of Qasem Soleimani')",
       description="how hard Iran pushes its partners, scaled by each group's closeness"),
    _p("iran_strike_rate", "per day per unit grievance", 0.2, 0.0, 1.0, "iran",
       "Soleimani killed 2020-01-03, missiles on al-Asad 2020-01-08 (five days)",
       description="hazard of a direct Iranian state strike on US forces"),
    _p("iran_strike_threshold", "grievance units", 0.5, 0.0, 0.95, "iran",
       "judgement between the training record's two ends: no direct strike after the 25 KH "
       "fighters killed on 2019-12-29 (Foreign Policy) and missiles five days after Soleimani's "
       "killing (one unit, 2020-01-08); Iran answers 'in a way that doesn't prove to be "
       "completely impotent' but does not 'go overboard' (Vox 2024)",
       description="Iranian grievance below which Iran answers only through its partners; "
                   "the direct-strike hazard acts on the grievance above it"),
    _p("iran_grievance_days", "days", 30.0, 5.0, 365.0, "iran",
       "judgement; Iran's answer to Haniyeh's killing was still awaited a week on (Vox 2024)",
       description="e-folding time of Iran's grievance"),
    _p("iran_decap_grievance", "grievance units", 1.0, 0.0, 3.0, "iran",
       "normalisation: the killing of Soleimani (2020-01-03, an Iranian general) defines one "
       "unit of Iranian grievance",
       description="Iranian grievance from the killing of an Iranian official"),
    _p("iran_commander_grievance", "grievance units", 0.03, 0.0, 0.3, "iran",
       "judgement and the training record only: al-Muhandis, the PMF commander, died beside "
       "Soleimani on 2020-01-03, so the record cannot separate the two; Iran's partners 'have "
       "their own objectives' and Iran does not want 'to go overboard' (Vox 2024), so a "
       "partner's commander weighs a few hundredths of an Iranian general. Caveat: the target "
       "it was set against (an Iranian strike within 30 days after such a killing in at most "
       "20% of runs) was written knowing the held-out 2024 killings of Nujaba and KH "
       "commanders",
       description="Iranian grievance from the killing of a militia group's commanders"),
    _p("iran_fighters_grievance", "grievance units per unit strike intensity", 0.0, 0.0, 0.1,
       "iran",
       "training record: no Iranian direct strike after the 2019-12-29 strikes killed 25 KH "
       "members (Foreign Policy) nor after the 2021-02-25 Syria strike (Vox 2021), so the prior "
       "sits at none; the range allows a loss that is felt but small (judgement)",
       description="Iranian grievance from US strikes on militia fighters (Syria, Iraq)"),
    _p("iran_struck_grievance", "grievance units per strike", 0.6, 0.0, 3.0, "iran",
       "judgement; Daily Beast: holding Iran directly accountable 'could lead to military "
       "escalation'", description="Iranian grievance from a US strike on Iranian forces"),
    _p("iran_satisfaction", "fraction", 0.9, 0.0, 1.0, "iran",
       "after the 2020-01-08 missile strike Iran stood down (Vox 2024: a response that is 'not "
       "impotent' but does not 'go overboard')",
       description="share of grievance discharged by Iran's own direct strike"),
    _p("iran_fear_strength", "log-hazard units per strike on Iran", 0.5, 0.0, 3.0, "iran",
       "judgement (policy option 'hold Iran directly accountable', Daily Beast 2021)",
       description="restraint Iran imposes on its partners after being struck"),
    _p("iran_fear_days", "days", 30.0, 5.0, 365.0, "iran", "judgement",
       description="e-folding time of Iran's fear"),
    _p("deal_rate", "deal progress per day", 0.005, 0.0, 0.05, "iran",
       "judgement; nuclear-deal re-entry talks in 2021 (Vox 2021) took months",
       description="progress of a regional deal per day of diplomacy"),
    _p("deal_restraint", "log-hazard units at a full deal", 1.5, 0.0, 5.0, "iran",
       "judgement (Daily Beast 2021: a regional deal 'that they must stop under the deal')",
       description="restraint of close partners when the deal is complete"),
    _p("deal_setback", "fraction of progress lost", 0.5, 0.0, 1.0, "iran",
       "Vox 2021: agreement is 'even harder when both sides are attacking each other'",
       description="share of deal progress lost after a lethal attack or a US strike"),
    _p("deal_reached_level", "deal progress (0 to 1)", 1.0, 0.25, 1.0, "iran",
       "judgement: deal_restraint is defined at a complete deal (progress 1); the record has no "
       "deal (the 2021 nuclear-deal talks had not concluded, Vox 2021). Outcome only: no rule "
       "reads it", description="deal progress at which the outcome deal_reached counts a deal"),
    _p("war_exchanges", "direct strikes", 3.0, 2.0, 6.0, "iran",
       "judgement: the single exchange of January 2020 did not become a war",
       description="direct US–Iran strikes of one exchange (both sides striking within "
                   "war_window) after which a sustained war begins"),
    _p("war_window", "days", 30.0, 7.0, 90.0, "iran",
       "judgement: Iran answered the 2020-01-03 killing within five days (2020-01-08); strikes "
       "further apart than a month read as separate episodes, not one exchange",
       description="longest gap between direct strikes of one exchange; war needs an Iranian "
                   "strike on US forces and a US strike on Iran both within it"),
    _p("war_iran_strike_factor", "ratio", 5.0, 1.0, 20.0, "iran",
       "judgement (no war in the record): at war Iran strikes at will rather than once 'not to "
       "go overboard' (Vox 2024); 1 = war changes nothing",
       description="multiplier of Iran's direct-strike hazard while at war"),
    _p("war_militia_factor", "ratio", 2.0, 1.0, 5.0, "militia",
       "judgement (no war in the record): 'Iran-backed forces will continue to strike wherever "
       "US forces are' (Daily Beast 2021); 1 = war changes nothing",
       description="multiplier of every group's attack hazard while at war"),
    _p("war_casualty_factor", "ratio", 2.0, 1.0, 5.0, "severity",
       "judgement (no war in the record): US posture is defensive until war, so attacks and "
       "strikes are aimed to kill once it begins; 1 = war changes nothing",
       description="multiplier of the mean killed and wounded per attack and strike at war"),
    # --- attack severity --------------------------------------------------------------------
    _p("p_injury", "probability per attack", 0.2, 0.0, 1.0, "severity",
       "share of documented attacks with injuries or damage (record)",
       description="chance an undefended rocket attack on a base injures personnel"),
    _p("p_lethal", "probability per attack", 0.06, 0.0, 0.35, "severity",
       "documented lethal attacks: K-1 2019-12-27 and Taji 2020-03-11 among about three dozen "
       "(Oct 2019 - Dec 2020, defence news, Dec 2020); the range: at most 4 lethal attacks "
       "(deaths undercounted at most twofold) among at least 30 gives a 97.5% Clopper-Pearson "
       "bound of 0.31 on the average attack, and an undefended attack on a base is somewhat "
       "more lethal than the average",
       description="chance an undefended rocket attack on a base kills personnel"),
    _p("lethality_fear", "log-reduction of casualty chances per unit fear", 0.5, 0.0, 2.0,
       "severity",
       "judgement: deterrence lowers how lethal attacks are as well as how often they come; "
       "nothing in the five articles measures it",
       description="how much a group's fear makes it aim to miss (casualty chances times "
                   "exp(-lethality_fear * fear))"),
    _p("red_line_restraint", "log-reduction of casualty chances at a full red line", 1.0, 0.0,
       3.0, "severity",
       "judgement; Daily Beast 2021: the Trump administration sought 'retaliation every time "
       "American personnel were killed', a bar raised 'through retaliation in response to "
       "casualties that resulted in dozens of militia attacks' ('small attacks', read here as "
       "trickle attacks below the line; the text is machine-rewritten)",
       description="how far militias stay below a revealed red line (casualty chances times "
                   "exp(-red_line_restraint * red_line))"),
    _p("red_line_weight", "fraction", 0.3, 0.05, 1.0, "severity",
       "judgement: one answered or ignored attack moves the militias' belief by this share",
       description="learning rate of the militias' belief in how surely the US answers a "
                   "lethal and a non-lethal attack"),
    _p("red_line_wait", "days", 14.0, 3.0, 60.0, "severity",
       "the longest documented response delay is ten days (Erbil 2021-02-15 -> Syria strike "
       "2021-02-25, Vox 2021); two weeks is judgement",
       description="days after which the militias read an unanswered attack as let go"),
    _p("drone_share", "fraction of attacks", 0.1, 0.0, 1.0, "severity",
       "the 2019-2021 record is almost all rockets; drones appear in 2024 (Vox 2024)",
       description="share of attacks by drone rather than rocket"),
    _p("drone_multiplier", "ratio", 1.5, 0.5, 4.0, "severity",
       "judgement: drones are guided, rockets are not",
       description="casualty probability of a drone relative to a rocket"),
    _p("embassy_share", "fraction of attacks", 0.25, 0.0, 1.0, "severity",
       "embassy attacks in the record: 2020-02, 2020-12-20 (defence news, Foreign Policy)",
       description="share of attacks aimed at the embassy and Green Zone rather than a base"),
    _p("embassy_multiplier", "ratio", 0.5, 0.0, 2.0, "severity",
       "2020-12-20: C-RAM engaged, no embassy personnel harmed (defence news)",
       description="casualty probability at the embassy relative to a base"),
    _p("air_defence_initial", "fraction of incoming fire stopped", 0.2, 0.0, 1.0, "severity",
       "C-RAM at the embassy (defence news, Dec 2020)",
       description="air-defence coverage at the start"),
    _p("air_defence_build", "coverage added per lethal attack or Iranian strike", 0.15, 0.0, 0.5,
       "severity", "Patriots sent to Iraq by July 2020 (Daily Beast 2021)",
       description="how fast the US adds air defence after casualties"),
    _p("air_defence_max", "fraction", 0.7, 0.0, 1.0, "severity",
       "the 2024 al-Asad attack still wounded seven (Vox 2024): defences are never complete",
       description="ceiling of air-defence coverage"),
    _p("killed_mean", "US killed per lethal attack", 1.5, 1.0, 5.0, "severity",
       "K-1 2019-12-27: 1; Taji 2020-03-11: 2 Americans (Foreign Policy)",
       description="mean of the geometric number killed, given a lethal attack"),
    _p("wounded_mean", "US wounded per injuring attack", 4.0, 1.0, 20.0, "severity",
       "Taji 2020-03-14: 3 Americans; al-Asad 2024-08-05: 5 troops and 2 contractors",
       description="mean of the geometric number wounded, given injuries"),
    _p("lethal_wounded_offset", "persons (a whole number)", 1.0, 0.0, 1.0, "severity",
       "judgement: the geometric count of the hurt in a lethal attack includes one of the "
       "killed, so a lethal attack may wound nobody (the model's convention since its start)",
       description="wounded count of a lethal attack: the injury count less this"),
    _p("iran_strike_wounded_mean", "US wounded per Iranian direct strike", 70.0, 10.0, 150.0,
       "severity",
       "2020-01-08: 'more than 100' (Foreign Policy) vs 'dozens' (Vox 2021); sources disagree",
       description="mean of the geometric number wounded by an Iranian direct strike"),
    _p("coalition_killed_mean", "persons per attack that hurts Americans", 0.4, 0.0, 1.0,
       "severity",
       "record, 2 in the 5 attacks that hurt Americans: a British servicewoman at Taji "
       "2020-03-11 (Foreign Policy), a Filipino contractor at Erbil 2021-02-15 (Vox 2021); none "
       "at K-1 2019-12-27, Taji 2020-03-14, al-Asad 2024-08-05. Outcome only: no rule reads it",
       description="mean non-US coalition members and contractors killed per attack that "
                   "injures or kills Americans (a geometric count from 0)"),
    _p("coalition_wounded_mean", "persons per attack that hurts Americans", 0.4, 0.0, 2.0,
       "severity",
       "record, 2 in the 5 attacks that hurt Americans: two contractors at al-Asad 2024-08-05 "
       "(Vox 2024; nationality not stated, none if American); none stated in the other four. "
       "Outcome only", description="mean non-US coalition members and contractors wounded per "
                                   "attack that injures or kills Americans (geometric from 0)"),
    _p("iran_strike_p_lethal", "probability per strike", 0.1, 0.0, 1.0, "severity",
       "judgement: the 2020-01-08 strike killed nobody",
       description="chance an Iranian direct strike kills US personnel"),
    _p("exposure_initial", "relative number of exposed sites", 1.0, 0.1, 2.0, "us",
       "normalisation: the 2019 footprint (K-1, Q-West, Taji and others)",
       description="multiplier of attack hazard for the number of exposed US sites"),
    _p("consolidation_step", "exposure removed per lethal attack", 0.1, 0.0, 0.5, "us",
       "bases left in 2020: K-1, Q-West, Camp Taji (Daily Beast 2021)",
       description="consolidation onto fewer bases after deaths"),
    _p("exposure_min", "relative number of exposed sites", 0.5, 0.1, 1.0, "us",
       "'regardless of the consolidation tactic' attacks continued (Daily Beast 2021)",
       description="floor of exposure after consolidation"),
    # --- US decision-making -----------------------------------------------------------------
    _p("response_delay", "days (mean of a geometric delay)", 2.0, 0.0, 13.0, "us",
       "K-1 2019-12-27 -> strikes 12-29 (2 d); Taji 2020-03-11 -> 03-12 (1 d); Erbil "
       "2021-02-15 -> Syria strike 02-25 (10 d)",
       description="mean delay between a triggering attack and the US response (0: same day)"),
    _p("response_window", "days", 30.0, 5.0, 120.0, "us",
       "'weeks of rocket launches' before the 2021-02-25 strike (Vox 2021)",
       description="how long an unanswered attack still calls for a response"),
    _p("intensity_syria", "strike intensity units", 1.0, 0.0, 5.0, "us",
       "normalisation: the 2021-02-25 strike on nine facilities in Syria is one unit",
       description="intensity of a US strike in Syria"),
    _p("intensity_escalated", "strike intensity units", 2.0, 0.0, 8.0, "us",
       "judgement: an escalated Syria campaign, twice the 2021 strike",
       description="intensity of an escalated US strike in Syria"),
    _p("intensity_iraq", "strike intensity units", 1.5, 0.0, 8.0, "us",
       "2019-12-29 strikes killed 25 KH members; 2020-03-12 hit five depots (Foreign Policy)",
       description="intensity of a US 'precision defensive strike' inside Iraq"),
    _p("intensity_decapitation", "strike intensity units", 4.0, 0.0, 10.0, "us",
       "2020-01-03: Soleimani and al-Muhandis killed (defence news)",
       description="intensity of a decapitation strike on the group"),
    _p("intensity_iran", "strike intensity units", 1.0, 0.0, 5.0, "us",
       "normalisation: a US strike on Iranian forces is one unit of Iranian grievance "
       "(iran_struck_grievance) and fear (iran_fear_strength) per unit",
       description="intensity of a US strike on Iranian forces"),
    _p("intensity_press", "demand intensity units", 1.0, 0.0, 5.0, "us",
       "normalisation: one demand to Baghdad costs press_cost of Iraqi pressure per unit",
       description="intensity of a US demand that Baghdad prosecute the attackers"),
    _p("militia_killed_per_intensity", "militia fighters killed per unit strike intensity",
       10.0, 2.0, 20.0, "us",
       "the two strikes in Iraq with a toll: 25 KH members on 2019-12-29 (Foreign Policy) and "
       "four on 2024-07-30 (Vox 2024), mean 14.5 at intensity_iraq 1.5; the range spans each "
       "alone (2.7 and 16.7 per unit). Outcome only: no rule reads it",
       description="mean militia fighters killed by a US strike in Syria or Iraq, per unit of "
                   "its intensity (a geometric count from 0)"),
    _p("militia_killed_decapitation", "militia members killed per decapitation", 2.0, 1.0, 10.0,
       "us",
       "judgement: the articles name the two killed on 2020-01-03, Soleimani and al-Muhandis, "
       "the PMF's commander (defence news), and give no total. Outcome only",
       description="mean militia commanders and companions killed by a decapitation strike "
                   "(a geometric count from 1; an Iranian official is not counted)"),
    _p("unattributed_blame", "group index (0 = Kata'ib Hezbollah)", 0.0, 0.0, 3.0, "us",
       "K-1 2019: 'The Trump administration blamed Kata'ib Hezbollah, but the Iraqi government "
       "has since cast doubt' (Foreign Policy); a whole number, the order of GROUPS",
       description="the group the US strikes or names for an attack nobody claimed"),
    _p("attribution_threshold", "attribution confidence (0 to 1)", 0.5, 0.0, 1.0, "us",
       "judgement: officials 'often elude questions about which particular groups are "
       "responsible'; 'If you don't name the perpetrator, you don't have to react' (Daily Beast "
       "2021); 0 answers every attack as strike_iraq does, 1 answers none",
       description="confidence in the named group that answer_attributed requires before it "
                   "strikes"),
    _p("forgiveness", "probability", 1.0 / 3.0, 0.0, 1.0, "us",
       "Nowak & Sigmund 1992: generous tit-for-tat forgives with probability 1/3",
       description="chance generous tit-for-tat lets an attack go"),
    _p("casualty_tolerance", "US killed", 50.0, 5.0, 500.0, "us",
       "judgement (prior): no withdrawal through Aug 2024 after at least 4 deaths in the record",
       description="cumulative US deaths at which the US withdraws from Iraq"),
    _p("withdraw_rate", "per day after an expulsion vote", 0.0005, 0.0, 0.002, "us",
       "2020-01-05 vote and Sudani's Jan 2024 announcement; ~2,500 troops still there in "
       "Aug 2024 (Vox 2024): 4.5 years without withdrawal bound the rate near 0.0006/day",
       description="hazard of US withdrawal once parliament has voted"),
    _p("withdraw_pressure", "relative hazard per pressure unit", 1.0, 0.0, 5.0, "us",
       "judgement: strikes violating Iraqi sovereignty 'led to requests for the US to leave' "
       "(Daily Beast 2021)",
       description="how much Iraqi political pressure speeds withdrawal after a vote"),
    # --- Iraqi government -------------------------------------------------------------------
    _p("sovereignty_cost_iraq", "pressure units per unit strike intensity", 0.5, 0.0, 3.0,
       "iraq_gov",
       "Iraq accused the US of killing Iraqi soldiers and civilians on 2020-03-12 (Foreign "
       "Policy)", description="Iraqi political pressure from a US strike inside Iraq"),
    _p("sovereignty_cost_syria", "pressure units per unit strike intensity", 0.05, 0.0, 1.0,
       "iraq_gov",
       "Daily Beast 2021: striking in Syria 'did not violate Iraqi sovereignty'",
       description="Iraqi political pressure from a US strike in Syria"),
    _p("sovereignty_cost_decapitation", "pressure units per strike", 2.0, 0.0, 5.0, "iraq_gov",
       "parliament voted to expel US forces two days after Soleimani's killing (2020-01-05)",
       description="Iraqi pressure from a decapitation on Iraqi soil"),
    _p("pressure_days", "days", 60.0, 10.0, 365.0, "iraq_gov", "judgement",
       description="e-folding time of Iraqi political pressure"),
    _p("vote_threshold", "pressure units", 1.5, 0.5, 5.0, "iraq_gov",
       "no vote after the 2019-12-29 strikes, a vote after Soleimani (2020-01-05)",
       description="pressure above which parliament may vote to expel"),
    _p("vote_rate", "per day per pressure unit above threshold", 0.5, 0.0, 3.0, "iraq_gov",
       "vote two days after the decapitation (2020-01-05)",
       description="hazard of the expulsion vote"),
    _p("protest_rate", "per day per pressure unit", 0.05, 0.0, 1.0, "iraq_gov",
       "embassy stormed 2019-12-31, two days after the 2019-12-29 strikes (Foreign Policy)",
       description="hazard of protests or threats (rung 1) from Iraqi pressure"),
    _p("prosecution_rate", "per attributed attack pressed", 0.02, 0.0, 0.3, "iraq_gov",
       "Daily Beast 2021: 'No militias have ever been charged for these attacks'",
       description="chance that pressing Baghdad leads to charges against the group"),
    _p("prosecution_fear", "log-hazard units", 1.0, 0.0, 5.0, "iraq_gov", "judgement",
       description="fear a group feels when its members are charged"),
    _p("press_cost", "pressure units per demand", 0.02, 0.0, 0.5, "iraq_gov",
       "judgement: the militias' ties to parties that 'threatened the Iraqi president' (Daily "
       "Beast 2021)", description="Iraqi political cost of US demands to prosecute"),
    _p("misdirected_cost", "pressure units per unit strike intensity", 0.5, 0.0, 3.0,
       "iraq_gov",
       "judgement: 2020-03-13-iraq-condemns-strikes, the accusation of killing Iraqi soldiers "
       "and civilians instead of KH members was 'aggravating already strained U.S.-Iraqi "
       "tensions' (Foreign Policy); the default doubles sovereignty_cost_iraq",
       description="extra Iraqi pressure from a US strike on Iraqi soil that hit a group other "
                   "than the attacker"),
    _p("collateral_harm", "Iraqi killed or wounded per unit strike intensity", 1.0, 0.0, 5.0,
       "iraq_gov",
       "judgement anchored to 2020-03-12-us-strikes-kh-depots and "
       "2020-03-13-iraq-condemns-strikes: Iraq accused the US of 'killing Iraqi soldiers and "
       "civilians' (Foreign Policy), no figures given",
       description="mean Iraqi civilians and security forces hurt by a US strike inside Iraq"),
    _p("misdirected_harm", "Iraqi killed or wounded per unit strike intensity", 2.0, 0.0, 10.0,
       "iraq_gov",
       "judgement: 2020-03-13-iraq-condemns-strikes, Iraqis killed 'instead of Kata'ib "
       "Hezbollah members' (Foreign Policy): a strike on a group that did not attack hits sites "
       "picked by blame, not by intelligence on the attackers",
       description="extra Iraqi hurt by a US strike inside Iraq on a group that did not attack"),
    # --- truces, Baghdad's pressure on the militias, a negotiated withdrawal ------------------
    _p("p_iraqi_harm", "probability per attack", 0.08, 0.0, 0.3, "iraq_gov",
       "record: Iraqis hurt in 2 of 'about three dozen' attacks Oct 2019 - Dec 2020 (defence "
       "news; 2020-03-14-taji-katyusha: three Iraqi soldiers; 2020-12-20-baghdad-embassy-"
       "rockets: an Iraqi soldier or civilian); judgement above 2/36 for harm the US-centred "
       "articles leave out",
       description="chance a militia attack kills or wounds Iraqi soldiers or civilians"),
    _p("iraqi_harm_mean", "Iraqis killed or wounded per harming attack", 2.0, 1.0, 10.0,
       "iraq_gov", "record: 3 (2020-03-14-taji-katyusha) and 1 (2020-12-20-baghdad-embassy-"
       "rockets)", description="mean of the geometric number of Iraqis harmed, given harm"),
    _p("baghdad_pressure_days", "days", 30.0, 5.0, 180.0, "iraq_gov",
       "judgement: President Salih's office called the 2020-12-20 rockets 'a terrorist act' the "
       "same day (2020-12-20-iraq-presidency-statement); outrage fades within weeks",
       description="e-folding time of Baghdad's pressure on the militias"),
    _p("baghdad_deterrence", "log-hazard drop per Iraqi harmed (decaying)", 0.05, 0.0, 0.5,
       "iraq_gov",
       "judgement: weak; 'No militias have ever been charged' (Daily Beast 2021), and the groups "
       "answer Baghdad with deniability ('uncontrolled' acts, 2020-12-20-kh-denial)",
       description="restraint Baghdad's pressure imposes on every group's attacks"),
    _p("truce_rate", "truces per group per day", 0.0003, 0.0, 0.01, "militia",
       "record: one declared truce (2020-10-kh-conditional-ceasefire) by four groups over "
       "Oct 2019 - May 2021, partly mediated",
       description="background hazard that a group declares a truce"),
    _p("truce_mediation", "truces per group per day per Iraqi harmed (decaying)", 0.0005, 0.0,
       0.02, "iraq_gov",
       "judgement: Baghdad as mediator after harm to Iraqis ('targeting the Green Zone is a "
       "terrorist act', 2020-12-20-iraq-presidency-statement)",
       description="how much Baghdad's pressure on the militias raises the truce hazard"),
    _p("truce_offer", "truces per group per day at a complete timetable", 0.01, 0.0, 0.1,
       "militia",
       "2020-10-kh-conditional-ceasefire: a ceasefire 'conditional' on a US timetable for "
       "withdrawal (defence news, Dec 2020); the value is a judgement",
       description="truce hazard added by progress toward a US withdrawal timetable"),
    _p("truce_leak", "fraction of the attack hazard", 0.1, 0.0, 1.0, "militia",
       "judgement: members 'often act on their own volition' (defence news, Dec 2020); 0 = a "
       "perfect truce", description="share of a group's attack hazard left during its truce"),
    _p("truce_break_rate", "per day", 0.005, 0.0, 0.1, "militia",
       "judgement: a truce whose condition advances still ends some day",
       description="hazard that a truce ends while its condition advances"),
    _p("truce_stall_rate", "per day without progress", 0.025, 0.0, 0.2, "militia",
       "2020-10-kh-conditional-ceasefire to 2020-11-kh-attacks-resume: about five weeks with "
       "no US timetable (defence news, Dec 2020)",
       description="hazard added on each day the truce's condition (the timetable) stalls"),
    _p("timetable_rate", "timetable progress per day of negotiation", 0.005, 0.0, 0.05, "us",
       "judgement, about 200 days of talks: the record has no US talks on a timetable (the US "
       "'wants to maintain its presence in Iraq', Daily Beast 2021; none by Dec 2020, defence "
       "news)", description="progress toward a withdrawal timetable per day of talks"),
    _p("timetable_setback", "fraction of progress lost", 0.2, 0.0, 1.0, "us",
       "judgement, as deal_setback: talks are 'even harder when both sides are attacking each "
       "other' (Vox 2021)",
       description="share of timetable progress lost after a lethal attack or a US strike"),
    _p("withdrawal_chase", "log-hazard per unit timetable progress", 0.5, 0.0, 2.0, "militia",
       "defence news, Dec 2020: 'as the U.S withdrawal date in Iraq approaches ... attacks on "
       "U.S. personnel will increase to give the impression that Iran and the PMUs have "
       "successfully chased the United States'; the value is a judgement",
       description="rise of the attack hazard of groups not in truce as a timetable nears"),
    _p("expulsion_campaign", "log-hazard", 0.5, 0.0, 2.0, "militia",
       "2020-01-05 expulsion vote, then 'by July 2020, attacks on weekly incidents increased' "
       "and the groups seemed to seek 'some sort of maximum pressure campaign against the US' "
       "(Daily Beast 2021); the size is a weak prior (about 1.6 times the attack rate at full "
       "strength), fitted to the record's counts",
       description="rise of every group's attack hazard, at full strength, after a vote to "
       "expel US forces while they stay"),
    _p("campaign_ramp", "days", 180.0, 30.0, 365.0, "militia",
       "judgement: from the vote (2020-01-05) to 'by July 2020 ... weekly incidents' (Daily "
       "Beast 2021), about six months",
       description="days from an expulsion vote to the campaign's full strength"),
    # --- Iran's restraint of its partners when direct war with the US comes near -------------
    _p("war_risk_killed", "war-risk units per American killed", 1.0, 0.0, 3.0, "iran",
       "normalisation: one American killed in a partner's attack defines one unit of Iran's "
       "perceived risk of direct war; deaths weigh most (Kata'ib Hezbollah suspended its "
       "attacks on 2024-01-30, two days after three Americans were killed at Tower 22 and "
       "before any US answer: 2024-01-28-tower-22, 2024-01-30-kh-suspension)",
       description="rise of Iran's perceived risk of direct war per American killed in a "
                   "partner's attack"),
    _p("war_risk_strike", "war-risk units per unit strike intensity on the partners", 0.25,
       0.0, 2.0, "iran",
       "judgement between two dated ends of the record: the decapitation of 2024-01-04 "
       "(intensity_decapitation 4) and the strikes of 2023-12-25 and 2024-01-23 brought no "
       "lull (attacks in Iraq went on, 52 by 9 Jan and 67 by 30 Jan: pentagon-to-jan09-iraq, "
       "usofficial-to-jan30-iraq), so one such blow stays below war_risk_threshold; after the "
       "85-target strikes of 2024-02-02 and the killing of a KH commander on 2024-02-07 on top "
       "of the Tower 22 deaths, attacks stopped until 2024-04-21 (2024-04-21-rumalyn-rockets)",
       description="rise of Iran's perceived risk of direct war per unit intensity of a US "
                   "strike on its partners (a decapitation is the heaviest, "
                   "intensity_decapitation)"),
    _p("war_risk_deal", "war-risk units per day at a complete deal", 0.02, 0.0, 0.2, "iran",
       "judgement: Iran restrains its partners when its own interests are at stake (nuclear-"
       "deal talks, Vox 2021); a talks process in progress raises the cost of a war each day, "
       "at a complete deal about war_risk_threshold's worth over war_risk_days",
       description="daily rise of Iran's perceived risk of direct war from the progress of a "
                   "regional deal (deal_progress)"),
    _p("war_risk_days", "days", 45.0, 7.0, 180.0, "iran",
       "judgement: the lull after the strikes of 2024-02-02 and 2024-02-07 lasted about eleven "
       "weeks (to 2024-04-21-rumalyn-rockets), longer than Iran's grievance memory "
       "(iran_grievance_days, 30)",
       description="e-folding time of Iran's perceived risk of direct war"),
    _p("war_risk_threshold", "war-risk units", 2.0, 0.0, 10.0, "iran",
       "judgement: one American killed (the contractor at K-1, 2019-12-27) brought no restraint "
       "but escalation (Foreign Policy); three killed at Tower 22 (2024-01-28) brought KH's "
       "suspension within two days; Iran answers but does not want 'to go overboard' (Vox 2024)",
       description="perceived risk of direct war above which Iran restrains its partners"),
    _p("patron_restraint", "log-hazard units per war-risk unit above the threshold", 1.0, 0.0,
       5.0, "iran",
       "weak prior, fitted to the monthly counts: no attack in Iraq or Syria from about "
       "2024-02-05 to 2024-04-21 (nyt-campaign-total-170 to 2024-04-21-rumalyn-rockets) after "
       "'intense efforts' and Iranian pressure (2024-01-30-kh-suspension); Iran's partners "
       "'don't want to go overboard' (Vox 2024); each group complies by its closeness",
       description="how hard Iran reins in its partners per unit of perceived war risk above "
                   "war_risk_threshold (subtracted from its push)"),
    _p("patron_truce", "truces per group per day per log-hazard unit of restraint felt", 0.1,
       0.0, 1.0, "militia",
       "2024-01-30-kh-suspension: Kata'ib Hezbollah, the closest group, declared a suspension "
       "two days after Tower 22 'to prevent embarrassment to the Iraqi government'; Nujaba "
       "kept its word to go on (2024-02-02-nujaba-vows-to-continue) but later framed "
       "February-August 2024 as a truce (2024-08-20-nujaba-truce-ended); the value is a "
       "judgement (about five days to a declaration at a felt restraint of two)",
       description="truce hazard a group adds per unit of Iran's restraint it feels "
                   "(closeness times the restraint)"),
    # --- the militias' shared political climate (a latent log-rate) --------------------------
    _p("rate_noise_sd", "log-hazard units (stationary standard deviation)", 0.0, 0.0, 2.0,
       "militia",
       "judgement, off by default (the five articles' calibration was fitted without it); "
       "fitted at each forecast origin (docs/calibration.md). A Poisson count whose rate is "
       "log-normal with this sd has the variance of a negative binomial of dispersion "
       "exp(sd^2) - 1 (var = mean + dispersion * mean^2); monthly conflict counts are "
       "modelled with a latent log-rate for that reason (the negative binomial integrated model "
       "of event counts, Behaviormetrika 2019, doi:10.1007/s41237-019-00093-5; its random-walk "
       "form on monthly civilian deaths in Iraq, Beger, Moore & Fukumoto 2012); no study "
       "gives the sd for militia attacks on US forces",
       description="spread of the latent log-rate that multiplies every group's attack hazard "
                   "(the common political climate); 0 switches it off"),
    _p("rate_noise_days", "days", 90.0, 7.0, 730.0, "militia",
       "judgement: the record's quiet spells and surges last about a quarter (no documented "
       "attack October-December 2022; the weekly incidents of summer 2020, Daily Beast 2021)",
       description="e-folding time (persistence) of the latent log-rate"),
]

_GROUP_PARAMS: dict[str, tuple[str, float, float, tuple[float, ...], str, str]] = {
    # attr: (unit, low, high, defaults per group, source, description)
    "base_rate": (
        "attacks per day", 0.0, 0.3, (0.025, 0.012, 0.010, 0.020),
        "'about three dozen' attacks Oct 2019-Dec 2020 (defence news); 'weekly incidents by "
        "July 2020' (Daily Beast 2021)", "background attack hazard of the group"),
    "closeness": (
        "fraction", 0.0, 1.0, (0.9, 0.8, 0.6, 0.4),
        "KH 'more loyal to Iran's Quds Force than to Iraq' (defence news); PMFs 'have their own "
        "objectives' (Vox 2024); front groups act on 'their own volition'",
        "how far the group follows Iranian direction and restraint"),
    "deniability": (
        "probability an attack is not attributed", 0.0, 1.0, (0.3, 0.4, 0.5, 0.8),
        "most attacks unclaimed (Vox 2021, Vox 2024, Daily Beast); 'outlaw group' and "
        "'uncontrolled' acts (defence news, 2020-12-20); KH's denial of 2020-12-20 'gives it "
        "immediate and plausible deniability' (defence news)",
        "chance the US cannot name the group behind its attack; a named attack's confidence "
        "is uniform on (0, 1)"),
}
# fmt: on


def _group_rows() -> list[Param]:
    rows = []
    for attr, (unit, lo, hi, defaults, source, desc) in _GROUP_PARAMS.items():
        for g, d in zip(GROUPS, defaults, strict=True):
            name = f"{attr}.{g}"
            rows.append(Param(name, unit, d, lo, hi, source, "militia", name in _INFORMED, desc))
    return rows


#: The whole table, by name.
TABLE: dict[str, Param] = {p.name: p for p in [*_SCALARS, *_group_rows()]}
GROUP_ATTRS: tuple[str, ...] = tuple(_GROUP_PARAMS)


class ParamError(UserError):
    """A parameter name or value that the table does not allow."""


def defaults() -> dict[str, float]:
    """Return the default value of every parameter, by name."""
    return {name: p.default for name, p in TABLE.items()}


def check_value(name: str, value: float) -> None:
    """Raise :class:`ParamError` if ``name`` is unknown or ``value`` is outside its range."""
    if name not in TABLE:
        raise ParamError(f"unknown parameter '{name}'")
    p = TABLE[name]
    v = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(v)) or np.any(v < p.low) or np.any(v > p.high):
        raise ParamError(
            f"parameter '{name}' = {value} is outside its range [{p.low}, {p.high}] ({p.unit})"
        )


@dataclass
class Params:
    """Parameter values as arrays for ``n`` runs.

    Scalar parameters are arrays of shape ``(n,)``; the per-group parameters are gathered into
    arrays of shape ``(n, G)`` under their attribute name (``params.base_rate``).
    """

    n: int
    values: dict[str, np.ndarray] = field(default_factory=dict)
    #: every parameter by its table name (per-group ones as ``attr.group``), shape ``(n,)``
    flat: dict[str, np.ndarray] = field(default_factory=dict)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def build(cls, n: int, overrides: Mapping[str, float | np.ndarray] | None = None) -> Params:
        """Build parameters for ``n`` runs from the defaults and ``overrides``.

        An override may be a scalar or an array of length ``n`` (one value per run).
        """
        raw: dict[str, np.ndarray] = {}
        overrides = dict(overrides or {})
        for name, p in TABLE.items():
            v = overrides.pop(name, p.default)
            check_value(name, v)
            arr = np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
            raw[name] = arr
        if overrides:
            raise ParamError(f"unknown parameter '{sorted(overrides)[0]}'")
        values = {k: v for k, v in raw.items() if "." not in k}
        for attr in GROUP_ATTRS:
            values[attr] = np.stack([raw[f"{attr}.{g}"] for g in GROUPS], axis=1)
        return cls(n=n, values=values, flat=raw)

    def take(self, idx: np.ndarray | slice) -> Params:
        """Return the parameters of a subset of runs."""
        values = {k: v[idx] for k, v in self.values.items()}
        flat = {k: v[idx] for k, v in self.flat.items()}
        return Params(n=len(flat["self_excitation"]), values=values, flat=flat)


def table_markdown() -> str:
    """Return the parameter table as Markdown (for the README, reports and docs/ODD.md)."""
    lines = [
        "| name | unit | default | range | informed by record | source |",
        "|---|---|---|---|---|---|",
    ]
    for p in TABLE.values():
        lines.append(
            f"| `{p.name}` | {p.unit} | {p.default:g} | [{p.low:g}, {p.high:g}] | "
            f"{'yes' if p.informed else 'no (prior)'} | {p.source} |"
        )
    return "\n".join(lines)
