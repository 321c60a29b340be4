"""The issue's held-out targets, measured on our own annotated reports (tests/data/extract).

Each line of ``tests/data/extract/*.jsonl`` is a short report in the style of one of the
outlets the held-out corpus comes from, annotated with the governorate (GeoNames admin1
code) of the place it is about, the event's death toll, its cause and the category of its
perpetrator. The four figures are computed the way the held-out evaluation reads the
output: the primary location's governorate; the toll among the claims' killed figures;
the cause among the claims' causes; the perpetrator category among the claims'
perpetrators. ``reports.jsonl`` was written alongside the extractor; ``reports_b``, ``_c``
and ``_d`` were each written before running the extractor on them, to see how it does on
text it was not shaped on (before the fixes they prompted, the 47 of them scored about
98 % governorate, 92 % toll, 81 % cause, 75 % perpetrator). Their annotations are kept as
written, except one toll first left out by mistake ("up to 40 militants were eliminated").
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from sitrep.stages.extract.article import extract
from sitrep.stages.types import CleanArticle

DATA = Path(__file__).resolve().parents[1] / "data" / "extract"
TARGETS = {"governorate": 0.90, "killed": 0.75, "cause": 0.75, "perpetrator": 0.60}


def reports() -> list[dict]:
    return [json.loads(line) for path in sorted(DATA.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(report: dict) -> dict[str, bool | None]:
    """Per metric: hit, miss, or None when the report has no annotation for it."""
    x = extract(CleanArticle(
        id=report["id"], source=report.get("source"), title=report["title"], body=report["body"],
        dateline=report.get("dateline"), published=date.fromisoformat(report["published"]),
    ))
    expected = report["expected"]
    entities = {e.id: e for e in x.entities}
    primary = entities.get(x.primary_location)
    categories = [entities[c.perpetrator].category for c in x.casualties if c.perpetrator in entities]
    return {
        "governorate": primary is not None and primary.geo is not None and primary.geo.admin1_code == expected["admin1"],
        "killed": None if expected["killed"] is None else expected["killed"] in [c.killed for c in x.casualties],
        "cause": expected["cause"] in [c.cause for c in x.casualties],
        "perpetrator": None if expected["perpetrator"] is None else expected["perpetrator"] in categories,
    }


def test_corpus_is_annotated_with_contract_values():
    rows = reports()
    assert len(rows) >= 40
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r["expected"]) == {"admin1", "killed", "cause", "perpetrator"}
        assert r["expected"]["cause"] in {"airstrike", "shelling", "explosion", "chemical", "shooting", "execution",
                                         "unknown"}


def test_accuracy_meets_the_held_out_targets(capsys):
    results = [score(r) for r in reports()]
    lines = []
    misses = []
    for metric, target in TARGETS.items():
        marks = [r[metric] for r in results if r[metric] is not None]
        accuracy = sum(marks) / len(marks)
        lines.append(f"{metric:12s} {accuracy:6.1%} ({sum(marks)}/{len(marks)}, target {target:.0%})")
        if accuracy < target:
            misses.append(metric)
    with capsys.disabled():
        print("\nextraction accuracy on tests/data/extract:\n  " + "\n  ".join(lines))
    assert not misses, lines


@pytest.mark.parametrize("report", reports(), ids=lambda r: r["id"])
def test_every_report_extracts_with_valid_offsets(report, caplog):
    x = extract(CleanArticle(id=report["id"], title=report["title"], body=report["body"]))
    assert not [r for r in caplog.records if "extract failed" in r.getMessage()]  # no fallback taken
    for entity in x.entities:
        for m in entity.mentions:
            assert report["body"][m.start:m.end] == m.text
    for claim in x.casualties:
        assert report["body"][claim.evidence.start:claim.evidence.end] == claim.evidence.text
