"""Extraction quality on full-length Syrian war news articles, Sitrep beside a keyword baseline.

    PYTHONPATH=services .venv/bin/python ops/eval/articles.py [--jsonl PATH] [--limit N]
        [--failures FIGURE] [--samples N]

Each labelled article (ops/eval/data/syria_articles.jsonl, see its README.md) goes through
``Pipeline.run``, the code path of ``sitrep process``, with its own title, body and date. In
the same run a keyword/regex baseline reads the same title and body. Figures:

    governorate   admin1 of the primary location ("SY.07"; items with a labelled governorate)
    killed        the labelled toll, or any of ``killed_any``, among the claims' killed values
                  (items with a toll)
    false killed  a killed claim > 0 on an item whose main event has no stated toll
    cause         the labelled cause among the claims' causes (items with a cause)
    perpetrator   the category of the first claim's perpetrator (every item: where the label
                  is null, the article names no perpetrator of the main event, and only no
                  category or ``other`` is right)

plus CPU ms per article for both. ``--failures FIGURE`` prints every miss of one figure
(governorate, killed, false-killed, cause, perpetrator) with both readings.

The baseline's governorate names (``_SY_NAMES`` in this file) are the evaluation's own table,
not runtime knowledge: Sitrep never sees them.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

from harness import Keywords, Reading, describe, print_table, run

from sitrep.models import RawArticle

DATA = Path(__file__).resolve().parent / "data" / "syria_articles.jsonl"

# --- the baseline: the first keyword of each kind in the article ------------------------------

# GeoNames admin1 code of Syria (admin1.yaml's keys) -> names a reader would search for: the
# governorate, its seat and a few well-known towns of it, in the usual English spellings.
_SY_NAMES = {
    "01": ["Hasakah", "Hasaka", "Hassakeh", "Hasakeh", "Qamishli", "Qamishlo", "Ras al-Ain", "Tell Tamer", "Tal Tamr"],
    "02": ["Latakia", "Lattakia", "Jableh"],
    "03": ["Quneitra", "Golan"],
    "04": ["Raqqa", "Raqa", "Tabqa", "Ain Issa", "Tal Abyad"],
    "05": ["Sweida", "Suwayda", "As-Suwayda"],
    "06": ["Daraa", "Deraa", "Dara'a", "Bosra"],
    "07": ["Deir ez-Zor", "Deir el-Zour", "Deir al-Zor", "Deir Ezzor", "Deir ez-Zour", "Mayadeen", "Albu Kamal",
           "Boukamal", "Abu Kamal", "Hajin"],
    "08": ["Rif Dimashq", "Damascus countryside", "Eastern Ghouta", "Ghouta", "Douma", "Harasta", "Daraya", "Qatana",
           "Zabadani", "Yabroud", "Qalamoun", "Sayyida Zeinab"],
    "09": ["Aleppo", "Manbij", "Afrin", "Azaz", "Jarablus", "al-Bab", "Kobani"],
    "10": ["Hama", "Tremseh", "Salamiyah", "Mahardeh"],
    "11": ["Homs", "Palmyra", "Tadmur", "Houla", "Qusayr", "Rastan", "Talbiseh"],
    "12": ["Idlib", "Idleb", "Khan Sheikhoun", "Maarat al-Numan", "Saraqeb", "Jisr al-Shughour", "Ariha"],
    "13": ["Damascus"],
    "14": ["Tartus", "Tartous", "Baniyas"],
}
_NUM = r"(\d[\d,]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens)"
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_KILLED = [re.compile(_NUM + r"\b[\w\s,-]{0,40}?\b(?:were|was|are|is|been|have been|had been)\s+killed", re.I),
           re.compile(r"\bkill(?:ed|ing|s)\s+(?:at least\s+|more than\s+|some\s+)?" + _NUM + r"\b", re.I),
           re.compile(_NUM + r"\s+(?:people\s+|civilians\s+)?(?:killed|dead)\b", re.I)]
_CAUSE_WORDS = [
    ("chemical", r"chemical|chlorine|sarin|gas attack|toxic gas"),
    ("airstrike", r"air ?strikes?|airstrikes?|air raids?|drones?|warplanes?|jets?|aircraft|helicopters?|barrel bombs?"),
    ("shelling", r"shell(?:ed|ing|s)?|mortars?|artillery|rockets?|missiles?|bombard\w*"),
    ("explosion", r"car bombs?|IEDs?|explosi\w+|explod\w+|bomb(?:s|ing|ings)?|blasts?|landmines?|mines?|suicide"),
    ("execution", r"execut\w+|behead\w+"),
    ("shooting", r"shot|shoot\w*|gun\w*|clash\w*|gunfire|sniper|ambush\w*"),
]
_ACTOR_WORDS = [
    ("islamic-state", r"IS|ISIS|ISIL|Daesh|Islamic State"),
    ("nusra-hts", r"Nusra|Tahrir al-Sham|HTS"),
    ("turkey", r"Turkish|Turkey"),
    ("sdf-kurdish", r"PKK|YPG|SDF|Syrian Democratic Forces|Kurdish forces"),
    ("russia", r"Russian|Russia"),
    ("us-led-coalition", r"coalition|US|American|U\.S\."),
    ("iran-and-allied-militias", r"Iran|Iranian|Hezbollah"),
    ("syrian-opposition", r"rebels?|Free Syrian Army|FSA|opposition fighters"),
    ("syrian-government", r"government forces|Syrian army|regime|Assad forces|Syrian troops|shabiha|pro-government"),
]
_KEYWORDS = Keywords(_SY_NAMES, _CAUSE_WORDS, _ACTOR_WORDS, prefix="SY.")


def baseline(text: str) -> Reading:
    r = _KEYWORDS.reading(text)
    for pattern in _KILLED:
        if m := pattern.search(text):  # the first figure only, as a hurried reader would
            word = m.group(1).lower().replace(",", "")
            if word.isdigit() or word in _WORDS:
                r.killed.add(int(word) if word.isdigit() else _WORDS[word])
                break
    return r


# --- scoring --------------------------------------------------------------------------------

FIGURES = ("governorate", "killed", "false-killed", "cause", "perpetrator")


@dataclass
class Item:
    id: str
    title: str
    body: str
    published: str | None
    governorate: str | None
    tolls: set[int]  # killed and killed_any; empty: no toll stated
    cause: str | None
    perpetrator: str | None
    note: str


def outcomes(e: Item, r: Reading) -> dict[str, bool | None]:
    """Per figure: True (right), False (a miss), None (the item does not count)."""
    return {
        "governorate": None if e.governorate is None else r.governorate == e.governorate,
        "killed": bool(e.tolls & r.killed) if e.tolls else None,
        "false-killed": bool(r.killed) if not e.tolls else None,  # True is the failure here
        "cause": None if e.cause is None else e.cause in r.causes,
        "perpetrator": r.perpetrator in (None, "other") if e.perpetrator is None else r.perpetrator == e.perpetrator,
    }


def load(path: Path, limit: int | None) -> list[Item]:
    items = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            d = json.loads(line)
            tolls = {int(n) for n in [d.get("killed"), *(d.get("killed_any") or [])] if n is not None}
            items.append(Item(d["id"], d.get("title") or "", d["body"], d.get("published"), d.get("governorate"),
                              tolls, d.get("cause"), d.get("perpetrator"), d.get("note") or ""))
    return items[:limit] if limit else items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jsonl", type=Path, default=DATA,
                        help="labelled articles, one JSON object a line (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="the first N items only")
    parser.add_argument("--failures", choices=FIGURES, metavar="FIGURE",
                        help="print Sitrep's misses of one figure, with the label, the note and both readings: "
                             + ", ".join(FIGURES) + " (for false-killed: the items where Sitrep gave a toll the "
                             "label has none)")
    parser.add_argument("--samples", type=int, default=50, help="how many misses --failures prints (default 50)")
    args = parser.parse_args()

    items = load(args.jsonl, args.limit)
    result = run(items, lambda e: RawArticle(id=e.id, title=e.title, body=e.body, published=e.published),
                 lambda e: baseline(f"{e.title}\n{e.body}"), outcomes, failures=args.failures)
    print_table(f"Syrian war articles: {len(items)} items ({args.jsonl.name})", "items", FIGURES, result)
    misses = result.misses

    if args.failures:
        print(f"\n{len(misses)} misses of {args.failures}; {min(args.samples, len(misses))} of them:")
        for e, mine, base in misses[: args.samples]:
            print(f"\n[{e.id}] {e.title}")
            print(f"  label:    gov={e.governorate} killed={sorted(e.tolls)} cause={e.cause} perp={e.perpetrator}")
            print(f"  note:     {e.note}")
            print(f"  sitrep:   {describe(mine)}")
            print(f"  baseline: {describe(base)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
