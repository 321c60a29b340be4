"""Realistic benchmark articles: generated from the seeds, 500 to 8,000 characters.

Each article is new text from a word-level Markov chain (order 2) trained on the seeds,
with places, numbers and outlets varied: the seeds' vocabulary, names and sentence shapes
at realistic lengths, yet distinct articles share little text, as distinct reports do.
One in ten is a republished copy of an earlier one, as in real feeds.
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
PLACES = [
    "Aleppo",
    "Idlib",
    "Homs",
    "Hama",
    "Douma",
    "Raqqa",
    "Deir ez-Zor",
    "Palmyra",
    "Daraa",
    "Manbij",
    "Afrin",
    "Hajin",
    "Mayadin",
    "Abu Kamal",
    "Tabqa",
    "Qamishli",
    "Jisr al-Shughur",
    "Saraqib",
    "Khan Sheikhoun",
    "Harasta",
]
OUTLETS = [
    "Reuters",
    "SANA",
    "Al Jazeera",
    "Al Arabiya",
    "Sputnik",
    "TASS",
    "RT",
    "Daily Sabah",
    "Al Masdar News",
    "The Independent",
    "AFP",
    "Anadolu",
    "Press TV",
    "Jordan Times",
    "NNA",
]
_NUMBER = re.compile(r"\b\d+\b")


def _chain(paragraphs: list[str]) -> dict[tuple[str, str], list[str]]:
    chain: dict[tuple[str, str], list[str]] = {}
    for text in paragraphs:
        words = ["", "", *text.split(), ""]
        for a, b, c in zip(words, words[1:], words[2:]):
            chain.setdefault((a, b), []).append(c)
    return chain


def _paragraph(rng: random.Random, chain: dict[tuple[str, str], list[str]], place: str) -> str:
    words: list[str] = []
    a, b = "", ""
    while len(words) < 160:
        c = rng.choice(chain.get((a, b)) or [""])
        if not c:
            if len(words) > 40:
                break
            a, b = "", ""
            continue
        words.append(c)
        a, b = b, c
    text = _NUMBER.sub(lambda m: str(rng.randint(2, 90)), " ".join(words))
    return text.replace("Deir Ezzor", place).replace("Raqqa", rng.choice(PLACES))


def _paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        paragraphs += [p.strip() for p in path.read_text().split("\n\n") if len(p.strip()) > 80]
    for line in (ROOT / "seeds/wire_reports.jsonl").read_bytes().splitlines():
        paragraphs += [p.strip() for p in orjson.loads(line)["content"].split("\n\n") if len(p.strip()) > 80]
    return paragraphs


def articles(count: int, seed: int = 7) -> Iterator[dict]:
    """``count`` article records (RawArticle fields), deterministic for a seed."""
    rng = random.Random(seed)
    chain = _chain(_paragraphs())
    made: deque[dict] = deque(maxlen=500)  # copies are of the last 500 originals
    for n in range(count):
        if made and rng.random() < 0.1:
            original = rng.choice(made)
            body = "Authored by " + rng.choice(OUTLETS) + ":\n\n" + original["body"]
            yield {"id": f"bench-{n}", "title": original["title"], "body": body, "source": rng.choice(OUTLETS)}
            continue
        place = rng.choice(PLACES)
        target = rng.randint(500, 8000)
        chosen: list[str] = []
        while sum(len(p) for p in chosen) < target:
            chosen.append(_paragraph(rng, chain, place))
        body = "\n\n".join(chosen)[: max(target, 500)]
        record = {
            "id": f"bench-{n}",
            "title": f"{rng.choice(['Strikes', 'Clashes', 'Shelling', 'Bombing'])} near {place}, report {n}",
            "body": body,
            "source": rng.choice(OUTLETS),
        }
        made.append(record)
        yield record


def write(path: Path, count: int, seed: int = 7) -> Path:
    with path.open("wb") as handle:
        for record in articles(count, seed):
            handle.write(orjson.dumps(record) + b"\n")
    return path
