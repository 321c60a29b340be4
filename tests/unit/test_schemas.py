"""The checked-in JSON Schemas are exactly what the pydantic models generate."""

from __future__ import annotations

from pathlib import Path

from sitrep.commands.schemas import schema_files

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_checked_in_schemas_match_the_models() -> None:
    expected = schema_files()
    on_disk = {p.name: p.read_bytes() for p in SCHEMAS.glob("*.schema.json")}
    assert set(on_disk) == set(expected), "schemas/ has missing or extra files: run `sitrep schemas export`"
    for name, data in expected.items():
        assert on_disk[name] == data, f"schemas/{name} drifted from the models: run `sitrep schemas export`"


def test_every_topic_has_a_schema() -> None:
    names = set(schema_files())
    for topic in ("articles.raw", "articles.enriched", "articles.duplicates", "claims.casualties", "credibility.updates", "articles.deadletter"):
        assert f"{topic}.schema.json" in names
