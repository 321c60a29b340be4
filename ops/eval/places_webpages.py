"""False places on ordinary English: regional places Sitrep finds in pages not about the region.

    PYTHONPATH=services .venv/bin/python ops/eval/places_webpages.py [--dir PATH] [--show N]

The web pages of the dev set (/work/shared/dev/webpages: recipes, local news, blogs, none
about Syria, Iraq or their neighbours) go through ``Pipeline.run``'s analysis; every place
of Syria, Iraq, Lebanon, Jordan or Turkey among the extracted entities is counted as a
false place. Beside it, in the same run, the baseline: every capitalised gazetteer match of
such a place in the same clean text (the lookup alone, without the cues and the context that
decide a place). Lower is better for both; ms per page is printed too.
"""

from __future__ import annotations

import argparse
import gzip
import time
from collections import Counter
from pathlib import Path

from sitrep.models import RawArticle
from sitrep.pipeline import analyze, warm_up
from sitrep.stages.extract.gazetteer import gazetteer

REGION = ("SY", "IQ", "LB", "JO", "TR")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/work/shared/dev/webpages"))
    parser.add_argument("--show", type=int, default=15, help="how many of the names found to print")
    args = parser.parse_args()
    warm_up()
    gaz = gazetteer()
    found: Counter[str] = Counter()
    looked_up: Counter[str] = Counter()
    pages = 0
    cpu = 0.0
    for path in sorted(args.dir.glob("*.html.gz")):
        html = gzip.open(path, "rt", encoding="utf-8", errors="replace").read()
        start = time.process_time()
        analysis = analyze(RawArticle(id=path.name, body=html, content_type="text/html"), pages)
        cpu += time.process_time() - start
        pages += 1
        for entity in analysis.extraction.entities:
            if entity.geo is not None and entity.geo.country_code in REGION:
                found[f"{entity.name} ({entity.geo.country_code})"] += 1
        body = analysis.clean.body or ""
        for hit in gaz.scan(body).names:
            refs = [t.ref for t in hit.targets if t.kind == "place"]
            if refs and gaz.places[refs[0]].cc in REGION and not body[hit.start:hit.end].islower():
                looked_up[body[hit.start:hit.end]] += 1
    print(f"web pages: {pages} ({args.dir})")
    print(f"{'':28}{'sitrep':>8}{'baseline':>10}")
    print(f"{'regional places found':28}{sum(found.values()):>8}{sum(looked_up.values()):>10}")
    print(f"{'distinct names':28}{len(found):>8}{len(looked_up):>10}")
    print(f"CPU ms/page sitrep {1000 * cpu / max(pages, 1):.1f}")
    print("sitrep:  ", ", ".join(f"{name} x{n}" for name, n in found.most_common(args.show)))
    print("baseline:", ", ".join(f"{name} x{n}" for name, n in looked_up.most_common(args.show)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
