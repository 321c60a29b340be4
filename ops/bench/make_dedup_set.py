"""Generate the near-duplicate benchmark set: ``tests/data/dedup/items.jsonl``.

    .venv/bin/python ops/bench/make_dedup_set.py [--seed N] [--out PATH]

About 150 distinct articles and 650 copies of them, in stream order, as raw pages
(``RawArticle`` fields), each with its label:

- the distinct articles: the seeds (``seeds/*.txt``, ``seeds/wire_reports.*``) and reports
  written from events by ``dedup_text``. Among them are the hard negatives: clusters of
  different events at one place with one cause and one monitor (similar tolls, the same
  stock sentences), and *stories*, one event reported by two or three outlets in their own
  words.
- the copies (``dedup_pages``): republished in site chrome with reader comments (text or
  HTML), lightly edited, truncated to 70 %, syndicated with a credit line, and
  combinations; some are copies of copies.

Labels: ``original`` is the id of the first report of the copy's family (None for a
distinct article), ``family`` the first report's id for every item, ``event`` the event it
reports (one per story), ``transforms`` what was done to it. Every original comes before
its copies. Nothing is fetched: the text is the seeds' and the templates'.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dedup_pages as pages  # noqa: E402
from dedup_text import MONITORS, PLACES, Event, make_event, write  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
OUT = ROOT / "tests" / "data" / "dedup" / "items.jsonl"
DEFAULT_SEED = 20181020

# Parts of the seed pages that are one article each (the rest is the page around them).
SEED_CUTS = {
    "002_eb6b3bdb5d09a3e4": [("US-led Coalition Reveals ISIS Losses In Euphrates Valley During Last Week", "The US-led coalition announced", "Pave Way IV")],
    "004_6650a44398490527": [
        ("ISIS ‘retreating on almost every front’", "Since January", "Liked it? Take a second"),
        (
            "U.S. May Impose Sanctions Against Turkey Over S-400 “Threat” To F-35",
            "Turkish officials have repeatedly",
            "Liked it? Take a second to support The Duran on Patreon!\nContinue Reading",
        ),
        ("Russia and Saudi Arabia’s ‘long-term relationship’ WILL survive", "The Express UK", None),
    ],
}
COUNTRY_OUTLETS = {
    "Syria": ["reuters", "afp", "ap", "aljazeera", "mee", "enab", "smart", "sana", "tass", "kurdistan24", "almasdar", "thenational", "dailystar"],
    "Iraq": ["reuters", "afp", "ap", "aljazeera", "rudaw", "kurdistan24", "tass", "almasdar", "thenational"],
    "Yemen": ["reuters", "afp", "ap", "aljazeera", "mee", "saba", "tass", "thenational"],
}


@dataclass
class Item:
    id: str
    title: str
    paras: list[str]  # the article text, without any page around it
    source: str
    hours: float  # when it arrives, in hours since 2016-01-01
    family: str
    event: str
    published: date | None
    original: str | None = None
    transforms: list[str] = field(default_factory=list)
    body: str = ""  # the page as scraped
    content_type: str = "text/plain"
    url: str | None = None


def _hours(day: date, rng: random.Random) -> float:
    return (day - date(2016, 1, 1)).days * 24 + rng.uniform(5, 22)


def _published(day: date | None, rng: random.Random) -> str | None:
    if day is None or rng.random() < 0.15:
        return None
    return rng.choice([day.isoformat(), day.strftime("%B %d, %Y"), day.strftime("%d %B %Y"), day.strftime("%d/%m/%Y")])


def _slug(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())[:12] or "site"


def seed_bases(rng: random.Random) -> tuple[list[Item], list[Item]]:
    """The seed articles as originals, and the one seed that is a copy of another."""
    bases: list[Item] = []
    copies: list[Item] = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        first = next(i for i, line in enumerate(lines) if line.strip())
        title, page = lines[first].strip(), "\n".join(lines[first + 1 :]).strip()
        day = date(2017, 1, 1) + timedelta(days=rng.randint(0, 600))
        for n, (cut_title, start, end) in enumerate(SEED_CUTS.get(path.stem, [(title, None, None)])):
            text = page[page.index(start) :] if start else page
            text = text[: text.index(end)] if end else text
            paras = [p.strip() for p in text.split("\n\n") if p.strip()]
            item_id = path.stem if n == 0 else f"{path.stem}-{n}"
            whole_page = n == 0 and path.stem != "004_6650a44398490527"
            bases.append(Item(item_id, cut_title, paras, "seed", _hours(day, rng) + n, item_id, item_id, day, body=page if whole_page else "\n\n".join(paras)))
    records = [json.loads(line) for line in (SEEDS / "wire_reports.jsonl").read_text().splitlines() if line.strip()]
    with (SEEDS / "wire_reports.csv").open(newline="") as f:
        records += [
            {"id": r["unit_id"], "title": r["article_title"], "content": r["article_content"], "source": r["source"], "date": r["date"] or None}
            for r in csv.DictReader(f)
        ]
    events = {
        "wire-2017-0412-idlib": "ev-khan-sheikhoun-2017-04-12",
        "state-2017-0412-idlib": "ev-khan-sheikhoun-2017-04-12",
        "csv-2016-0705-aleppo": "ev-aleppo-2016-07-05",
        "csv-2016-0705-aleppo-2": "ev-aleppo-2016-07-05",
    }
    for k, r in enumerate(records):
        day = (
            date.fromisoformat(r["date"])
            if r.get("date") and r["date"][:4].isdigit()
            else date(2016, 7, 5)
            if "2016-0705" in r["id"]
            else date(2016, 11, 20)
            if "1120" in r["id"]
            else date(2017, 4, 12)
            if "0412" in r["id"]
            else date(2017, 6, 1)
        )
        paras = [p.strip() for p in r["content"].split("\n\n") if p.strip()]
        item = Item(r["id"], r["title"], paras, r["source"], _hours(day, rng) + k * 0.2, r["id"], events.get(r["id"], r["id"]), day, body=r["content"])
        if r["id"].endswith("-copy"):
            item.hours = next(b.hours for b in bases if b.id == "wire-2017-0412-idlib") + 3.0
            item.family = item.original = "wire-2017-0412-idlib"
            item.event = events["wire-2017-0412-idlib"]
            item.transforms = ["seed_copy"]
            copies.append(item)
        else:
            bases.append(item)
    return bases, copies


def _report(ev: Event, outlet: str, rng: random.Random, hours: float, avoid: set[str] | None = None) -> Item:
    length = rng.choices(["brief", "normal", "long"], [0.12, 0.6, 0.28])[0]
    title, paras, source = write(ev, outlet, rng, length=length, avoid=avoid)
    item_id = f"{_slug(source)}-{hashlib.sha1(f'{ev.id}|{outlet}|{hours}'.encode()).hexdigest()[:10]}"
    return Item(item_id, title, paras, source, hours, item_id, ev.id, ev.day)


def generated_bases(rng: random.Random, count: int) -> list[Item]:
    """Distinct reports: hard-negative clusters, multi-outlet stories and single events."""
    out: list[Item] = []
    n_event = 0

    def new_id() -> str:
        nonlocal n_event
        n_event += 1
        return f"ev{n_event:03d}"

    # Hard negatives: one place, one cause, one monitor; other days, tolls and targets.
    for _ in range(18):
        place = rng.choice(PLACES)
        cause = rng.choice(["airstrike", "shelling", "car_bomb", "barrel_bombs"] if place[2] == "Syria" else ["airstrike", "car_bomb", "shelling"])
        monitor = rng.choice(MONITORS[place[2]])
        outlet = rng.choice(COUNTRY_OUTLETS[place[2]])
        day = date(2016, 1, 1) + timedelta(days=rng.randint(0, 1100))
        for _ in range(rng.randint(2, 4)):
            day += timedelta(days=rng.choice([1, 2, 3, 5, 9, 20, 45]))
            ev = make_event(new_id(), rng, place=place, cause=cause, monitor=monitor, day=day)
            same_outlet = outlet if rng.random() < 0.6 else rng.choice(COUNTRY_OUTLETS[place[2]])
            out.append(_report(ev, same_outlet, rng, _hours(day, rng)))
    # Stories: one event, two or three outlets, their own words.
    for _ in range(16):
        ev = make_event(new_id(), rng)
        start = _hours(ev.day, rng)
        written: set[str] = set()
        for k, outlet in enumerate(rng.sample(COUNTRY_OUTLETS[ev.country], rng.randint(2, 3))):
            if k and rng.random() < 0.6:  # another outlet mostly quotes other people
                other = make_event(ev.id, random.Random(rng.random()), place=(ev.town, ev.province, ev.country, ev.nearby, ev.holder))
                ev = replace(
                    ev, witness=other.witness, witness_role=other.witness_role, quote=other.quote, spokes=other.spokes, official_quote=other.official_quote
                )
            out.append(_report(ev, outlet, rng, start + k * rng.uniform(0.5, 14), avoid=written))
    # Everything else: single reports, advances, humanitarian pieces.
    while len(out) < count:
        kind = rng.choices(["casualties", "advance", "humanitarian"], [0.8, 0.12, 0.08])[0]
        ev = make_event(new_id(), rng, kind=kind)
        out.append(_report(ev, rng.choice(COUNTRY_OUTLETS[ev.country]), rng, _hours(ev.day, rng)))
    return out[:count]


def _render(item: Item, rng: random.Random, teasers: list[tuple[str, str]], chrome: float) -> None:
    site = item.source if item.source != "seed" else rng.choice(pages.SITES)
    r = rng.random()
    if r < chrome * 0.55:
        item.body = pages.text_page(item.title, item.paras, rng, site, teasers)
        item.transforms.append("chrome_text")
    elif r < chrome:
        item.body = pages.html_page(item.title, item.paras, rng, site, teasers)
        item.content_type = "text/html"
        item.transforms.append("chrome_html")
    else:
        item.body = "\n\n".join(item.paras)
    item.url = f"https://{_slug(site)}.example/{item.id}"


def derive(parent: Item, base: Item, rng: random.Random, teasers: list[tuple[str, str]], site: str) -> Item:
    """A copy of ``parent`` (the first report ``base`` or an earlier copy of it) by ``site``."""
    hours = parent.hours + min(72.0, rng.expovariate(1 / 8))
    item_id = f"{_slug(site)}-{hashlib.sha1(f'{base.id}|{site}|{hours}'.encode()).hexdigest()[:10]}"
    item = Item(
        item_id,
        parent.title,
        list(parent.paras),
        site,
        hours,
        base.family,
        base.event,
        parent.published + timedelta(days=rng.choice([0, 0, 0, 1])) if parent.published else None,
        original=base.id,
    )
    if rng.random() < 0.05:
        item.body, item.content_type, item.transforms = parent.body, parent.content_type, ["exact"]
        return item
    plan = rng.choices(["chrome", "edit", "truncate", "syndicate", "combo"], [0.22, 0.2, 0.16, 0.14, 0.28])[0]
    steps = {"chrome": [], "combo": rng.sample(["edit", "truncate", "syndicate"], rng.randint(2, 3))}.get(plan, [plan])
    for step in ["edit", "truncate", "syndicate"]:
        if step not in steps:
            continue
        if step == "edit":
            item.paras, names = pages.edit(item.paras, rng, [t for t, _ in teasers])
            item.transforms += [f"edit:{n}" for n in names]
        elif step == "truncate":
            item.paras = pages.truncate(item.paras, rng)
            item.transforms.append("truncate70")
        else:
            item.paras = pages.syndicate(item.paras, rng, rng.choice([parent.source if parent.source != "seed" else "Al Masdar News", *pages.SITES[:6]]))
            item.transforms.append("syndicate")
    if rng.random() < 0.4:
        item.title = rng.choice([f"{item.title} | {site}", f"Syria: {item.title}", item.title.upper(), item.title.rstrip(".") + " - report"])
    _render(item, rng, teasers, chrome=1.0 if plan == "chrome" else 0.8)
    return item


def build(seed: int = DEFAULT_SEED, n_bases: int = 150, n_copies: int = 650) -> list[Item]:
    """The whole set in stream order."""
    rng = random.Random(seed)
    seeds, seed_copies = seed_bases(rng)
    bases = seeds + generated_bases(rng, n_bases - len(seeds))
    teasers = [(b.title, b.paras[0][: rng.randint(100, 220)]) for b in bases]
    for b in bases:
        if b.source != "seed" and not b.body:
            _render(b, rng, [t for t in rng.sample(teasers, 6) if t[0] != b.title], chrome=0.6)
        elif not b.body:
            b.body = "\n\n".join(b.paras)
    # Wire copy is what gets republished most: a heavy-tailed number of copies per report.
    weights = [rng.paretovariate(1.3) * (2.5 if b.source in ("Reuters", "AFP", "Associated Press") else 1.0) for b in bases]
    zero = set(rng.sample(range(len(bases)), len(bases) // 4))
    weights = [0.0 if i in zero else w for i, w in enumerate(weights)]
    budget = n_copies - len(seed_copies)
    counts = [min(25, int(budget * w / sum(weights))) for w in weights]
    while sum(counts) < budget:
        i = rng.choices(range(len(bases)), weights)[0]
        counts[i] += counts[i] < 25
    items: list[Item] = [*bases, *seed_copies]
    for base, count in zip(bases, counts):
        family = [base]
        for _ in range(count):
            parent = rng.choice(family[1:]) if len(family) > 1 and rng.random() < 0.2 else base
            others = [t for t in rng.sample(teasers, 8) if t[0] != base.title]
            copy = derive(parent, base, rng, others, rng.choice(pages.SITES))
            if parent is not base:
                copy.transforms.insert(0, "copy_of_copy")
            family.append(copy)
            items.append(copy)
    items.sort(key=lambda it: (it.hours, it.id))
    return items


def record(item: Item, rng: random.Random) -> dict:
    return {
        "id": item.id,
        "title": item.title,
        "body": item.body,
        "content_type": item.content_type,
        "source": item.source if item.source != "seed" else None,
        "url": item.url,
        "published": _published(item.published, rng),
        "original": item.original,
        "family": item.family,
        "event": item.event,
        "transforms": item.transforms,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    items = build(args.seed)
    rng = random.Random(args.seed + 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(record(item, rng), ensure_ascii=False) + "\n")
    copies = sum(1 for it in items if it.original)
    kinds: dict[str, int] = {}
    for it in items:
        for t in it.transforms:
            kinds[t.split(":")[0]] = kinds.get(t.split(":")[0], 0) + 1
    print(f"{len(items)} items ({len(items) - copies} originals, {copies} copies) -> {args.out}")
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    main()
