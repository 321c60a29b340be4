"""Extraction quality on ACLED event notes (the dev set), Sitrep beside a keyword baseline.

    PYTHONPATH=services .venv/bin/python ops/eval/acled.py [--csv PATH] [--limit N]
        [--failures CLASS] [--samples N]

Each note becomes an article (title: its first words, content: the note) and goes through
``Pipeline.run``, the code path of ``sitrep process``. In the same run a keyword/regex
baseline reads the same note. Figures (see /work/shared/dev/README.md):

    governorate   admin1 of the primary location (events whose admin1 is known)
    killed        ACLED's fatalities among the killed values of the claims (fatal events)
    false killed  a killed claim > 0 on an event ACLED counts no death for
    cause         the expected cause among the claims' causes (fatal events of a mapped type)
    perpetrator   the category of the first claim's perpetrator (events of a mapped actor1;
                  for unidentified groups: no category or ``other``); also on fatal events

plus CPU ms per article for both (``Pipeline.run`` whole: clean, extract, sign, dedup,
corroborate) and the gazetteer's load time. ``--failures CLASS`` prints
sample misses of one figure (governorate, killed, false-killed, cause, perpetrator).

The ACLED spellings and categories below are the evaluation's mapping of ACLED's coding
onto Sitrep's, not runtime knowledge: Sitrep never sees them.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harness import Keywords, Reading, describe, print_table, run

from sitrep.models import RawArticle

# ACLED admin1 spelling -> GeoNames admin1 code of Iraq (admin1.yaml's keys).
ADMIN1 = {
    "Anbar": "01", "Basrah": "02", "Muthanna": "03", "Qadissiya": "04", "Sulaymaniyah": "05", "Babylon": "06",
    "Baghdad": "07", "Dahuk": "08", "Thi-Qar": "09", "Diyala": "10", "Erbil": "11", "Kerbala": "12", "Kirkuk": "13",
    "Missan": "14", "Ninewa": "15", "Wassit": "16", "Najaf": "17", "Sala al-Din": "18", "Halabja": "19",
}

# ACLED sub-event type -> the causes that count as right.
CAUSES = {
    "Air/drone strike": {"airstrike"},
    "Shelling/artillery/missile attack": {"shelling"},
    "Remote explosive/landmine/IED": {"explosion"},
    "Grenade": {"explosion"},
    "Suicide bomb": {"explosion"},
    "Armed clash": {"shooting"},
    "Attack": {"shooting", "execution"},
}

UNIDENTIFIED = "unidentified"  # expected: no state's or opposition's category (None or "other")


def actor_category(actor1: str) -> str | None:
    """ACLED's actor1 as Sitrep's perpetrator category; None: not scored."""
    a = actor1.lower()
    if a.startswith("unidentified"):
        return UNIDENTIFIED
    if a.startswith(("military forces of iraq", "police forces of iraq")) or a.startswith("tmf:"):
        return "iraq"
    if a.startswith("islamic state"):
        return "islamic-state"
    if a.startswith(("military forces of turkey", "police forces of turkey")):
        return "turkey"
    if a.startswith(("pkk", "ypg", "qsd", "sdf")):
        return "sdf-kurdish"
    if a.startswith("military forces of iran") or "pro-iran" in a:
        return "iran-and-allied-militias"
    if a.startswith(("military forces of the united states", "military forces of the united kingdom",
                     "military forces of france", "global coalition")):
        return "us-led-coalition"
    return None


# --- the baseline: the first keyword of each kind in the note ---------------------------------

_IQ_NAMES = {  # governorate names as a reader would search for them, both spelling families
    "01": ["Anbar"], "02": ["Basra", "Basrah"], "03": ["Muthanna"], "04": ["Qadisiyah", "Qadissiya", "Diwaniyah"],
    "05": ["Sulaymaniyah", "Sulaimani"], "06": ["Babil", "Babylon", "Hillah"], "07": ["Baghdad"],
    "08": ["Duhok", "Dahuk", "Dohuk"], "09": ["Dhi Qar", "Thi-Qar", "Nasiriyah"], "10": ["Diyala", "Baquba"],
    "11": ["Erbil", "Arbil"], "12": ["Karbala", "Kerbala"], "13": ["Kirkuk"], "14": ["Maysan", "Missan", "Amarah"],
    "15": ["Nineveh", "Ninewa", "Mosul"], "16": ["Wasit", "Wassit", "Kut"], "17": ["Najaf"],
    "18": ["Salah ad Din", "Salahuddin", "Sala al-Din", "Tikrit"], "19": ["Halabja"],
}
_NUM = r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_KILLED = [re.compile(_NUM + r"\b[\w\s-]{0,40}?\b(?:were|was|are|is|been)\s+killed", re.I),
           re.compile(r"\bkill(?:ed|ing)\s+" + _NUM + r"\b", re.I)]
_CAUSE_WORDS = [
    ("airstrike", r"air ?strikes?|airstrikes?|drones?|warplanes?|jets?|aircraft|helicopters?|bomb(?:ed|ing|arded)"),
    ("shelling", r"shell(?:ed|ing|s)?|mortars?|artillery|rockets?|missiles?|katyusha"),
    ("explosion", r"IEDs?|explosi\w+|explod\w+|bombs?|landmines?|mines?|grenades?|suicide|car bomb|VBIED"),
    ("execution", r"execut\w+|behead\w+"),
    ("shooting", r"shot|shoot\w*|gun\w*|clash\w*|fire|firefight|attack\w*|ambush\w*|sniper"),
]
_ACTOR_WORDS = [
    ("islamic-state", r"IS|ISIS|ISIL|Daesh|Islamic State"),
    ("turkey", r"Turkish|Turkey"),
    ("sdf-kurdish", r"PKK|YPG|SDF|QSD|YBS"),
    ("us-led-coalition", r"coalition|US|American|U\.S\."),
    ("iran-and-allied-militias", r"Iran|Iranian|Hezbollah|Kataib|Asaib"),
    ("iraq", r"Iraqi|army|police|PMF|Hashd|Popular Mobilization|security forces|Peshmerga|soldiers?|CTS"),
    (UNIDENTIFIED, r"unidentified|unknown|gunmen"),
]
_KEYWORDS = Keywords(_IQ_NAMES, _CAUSE_WORDS, _ACTOR_WORDS)


def baseline(note: str) -> Reading:
    r = _KEYWORDS.reading(note)
    for pattern in _KILLED:
        for m in pattern.finditer(note):
            word = m.group(1).lower()
            r.killed.add(int(word) if word.isdigit() else _WORDS[word])
    return r


# --- scoring --------------------------------------------------------------------------------

CLASSES = ("governorate", "killed", "false-killed", "cause", "perpetrator")


@dataclass
class Event:
    id: str
    note: str
    admin1: str | None
    fatalities: int
    causes: set[str] | None
    category: str | None


def outcomes(e: Event, r: Reading) -> dict[str, bool | None]:
    """Per figure: True (right), False (a miss), None (the event does not count)."""
    perp: bool | None = None
    if e.category == UNIDENTIFIED:
        perp = r.perpetrator in (None, "other", UNIDENTIFIED)
    elif e.category is not None:
        perp = r.perpetrator == e.category
    return {
        "governorate": None if e.admin1 is None else r.governorate == e.admin1,
        "killed": e.fatalities in r.killed if e.fatalities > 0 else None,
        "false-killed": bool(r.killed) if e.fatalities == 0 else None,  # True is the failure here
        "cause": bool(e.causes & r.causes) if e.fatalities > 0 and e.causes else None,
        "perpetrator": perp,
        "perpetrator-fatal": perp if e.fatalities > 0 else None,
    }


def load(path: Path, limit: int | None) -> list[Event]:
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["notes"].strip()]
    rows = rows[:limit] if limit else rows
    return [Event(r["event_id_cnty"], r["notes"].strip(), ADMIN1.get(r["admin1"]), int(r["fatalities"] or 0),
                  CAUSES.get(r["sub_event_type"]), actor_category(r["actor1"])) for r in rows]


def title_of(note: str, words: int = 8) -> str:
    return " ".join(note.split()[:words])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=Path("/work/shared/dev/acled_iraq_2019.csv"))
    parser.add_argument("--limit", type=int, default=None, help="the first N events only")
    parser.add_argument("--failures", choices=[*CLASSES, "perpetrator-fatal"], help="print sample misses of this figure")
    parser.add_argument("--samples", type=int, default=15, help="how many misses --failures prints (default 15)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed for --failures")
    args = parser.parse_args()

    events = load(args.csv, args.limit)
    result = run(events, lambda e: RawArticle(id=e.id, title=title_of(e.note), body=e.note), lambda e: baseline(e.note),
                 outcomes, home="IQ", failures=args.failures)
    print_table(f"ACLED notes: {len(events)} events ({args.csv.name})", "events",
                (*CLASSES[:4], "perpetrator", "perpetrator-fatal"), result)
    misses = result.misses

    if args.failures:
        rng = random.Random(args.seed)
        picked = rng.sample(misses, min(args.samples, len(misses)))
        print(f"\n{len(misses)} misses of {args.failures}; {len(picked)} of them:")
        if args.failures == "governorate":
            kinds = Counter("no place" if mine.governorate is None else "abroad" if "." in mine.governorate
                            else "another governorate" for _, mine, _ in misses)
            print("  by kind: " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()))
        for e, mine, base in picked:
            print(f"\n[{e.id}] admin1={e.admin1} fatalities={e.fatalities} causes={sorted(e.causes or [])} actor={e.category}")
            print(f"  note:     {e.note}")
            print(f"  sitrep:   {describe(mine)}")
            print(f"  baseline: {describe(base)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
