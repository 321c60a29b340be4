"""`sitrep tail --where`: names through the extractor's aliases, any case; bad clauses rejected.

The records are what the offline pipeline makes of seeds/ (the same stages as the worker).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from sitrep.cli import main
from sitrep.commands.tail import Message, matches, unknown_topic
from sitrep.commands.where import field_paths, parse, values_at
from sitrep.errors import ConfigError
from sitrep.models import CasualtyClaim, EnrichedArticle
from sitrep.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def enriched(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("process") / "enriched.jsonl"
    assert main(["process", str(ROOT / "seeds"), "-o", str(out), "--no-progress"]) == 0
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def kept(records: list[dict], *where: str) -> list[dict]:
    clauses = parse(list(where), EnrichedArticle, "articles.enriched")
    return [r for r in records if matches(r, clauses, None)]


def with_entity(records: list[dict], entity_id: str) -> list[dict]:
    return [r for r in records if any(e["id"] == entity_id for e in r["entities"])]


def test_the_readmes_example_finds_the_geonames_spelling(enriched: list[dict]) -> None:
    raqqa = with_entity(enriched, "geo:172955")  # GeoNames: "Ar Raqqah"
    assert raqqa and all(e["name"] == "Ar Raqqah" for r in raqqa for e in r["entities"] if e["id"] == "geo:172955")
    for spelling in ("Raqqa", "raqqa", "RAQQA", "Ar Raqqah", "ar-raqqah", "Al-Raqqa"):
        assert kept(enriched, f"entities.name={spelling}") == raqqa, spelling


def test_actor_aliases_and_acronyms_in_any_case(enriched: list[dict]) -> None:
    islamic_state = with_entity(enriched, "actor:islamic-state")
    assert islamic_state
    for alias in ("ISIS", "isis", "Islamic State", "islamic state", "Daesh"):
        assert kept(enriched, f"entities.name={alias}") == islamic_state, alias


def test_a_governorate_seat_also_names_its_governorate(enriched: list[dict]) -> None:
    # "Deir ez-Zor" is a city and a governorate; both entities carry that name.
    both = [r for r in enriched if any(e["id"] in ("geo:170794", "geo:SY.07") for e in r["entities"])]
    assert kept(enriched, "entities.name=deir ezzor") == both


def test_entity_id_fields_accept_names() -> None:
    claim = {"perpetrator": "actor:islamic-state", "location": "geo:172955", "cause": "airstrike"}
    clauses = parse(["perpetrator=ISIS", "location=raqqa", "cause=AIRSTRIKE"], CasualtyClaim, "claims.casualties")
    assert matches(claim, clauses, None)
    assert not matches({**claim, "perpetrator": "actor:russia"}, clauses, None)


def test_other_fields_compare_case_insensitively_and_exactly(enriched: list[dict]) -> None:
    unique = [r for r in enriched if r["dedup"]["status"] == "unique"]
    assert kept(enriched, "dedup.status=UNIQUE") == unique
    assert kept(enriched, "dedup.status=uniq") == []
    assert kept(enriched, "entities.name=Nowhere At All") == []


def test_numbers_booleans_and_nulls_are_compared_as_json() -> None:
    record = {"killed": 3, "cumulative": False, "injured": None}
    fields = parse(["killed=3", "cumulative=false", "injured=null"], CasualtyClaim, "claims.casualties")
    assert matches(record, fields, None)


def test_values_are_searched_through_nested_lists() -> None:
    record = {"credibility": {"signals": [{"evidence": ["a", "b"]}, {"evidence": ["c"]}]}}
    assert values_at(record, "credibility.signals.evidence") == ["a", "b", "c"]


@pytest.mark.parametrize("clause", ["dedup.status", "=unique", "dedup..status=x", "dedup.status!=unique", ".id=x"])
def test_a_malformed_clause_is_one_clear_error(clause: str) -> None:
    with pytest.raises(ConfigError, match=r"malformed --where .*write FIELD=VALUE"):
        parse([clause], EnrichedArticle, "articles.enriched")


def test_an_unknown_field_is_rejected_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match=r"unknown --where field 'entity.name' for articles.enriched \(EnrichedArticle\): did you mean entities.name\?"):
        parse(["entity.name=Raqqa"], EnrichedArticle, "articles.enriched")
    with pytest.raises(ConfigError, match="unknown --where field 'status'"):
        parse(["status=unique"], EnrichedArticle, "articles.enriched")


def test_every_schema_field_is_a_valid_where_field() -> None:
    paths = field_paths(EnrichedArticle)
    assert {"id", "dedup.status", "entities.name", "entities.geo.lat", "credibility.signals.name", "casualties.cause"} <= paths


def test_a_topic_without_a_sitrep_model_takes_any_field() -> None:
    assert parse(["anything.at.all=1"], None, "other.topic")[0].path == "anything.at.all"


def test_an_unknown_topic_names_the_known_ones() -> None:
    settings = Settings()
    error = str(unknown_topic(settings, "articles.enrichd", {"articles.enriched", "articles.raw", "__consumer_offsets"}))
    assert "no topic 'articles.enrichd'" in error and "tail never creates one" in error
    assert "did you mean articles.enriched?" in error
    for role, name in settings.topics.model_dump().items():
        assert f"{role} ({name})" in error
    assert "\n" not in error


def test_json_lines_keep_key_partition_and_offset() -> None:
    line = Message("articles.enriched", 3, 41, 1_700_000_000_000, b"abc", {"id": "abc"}).envelope()
    assert line == {"topic": "articles.enriched", "partition": 3, "offset": 41, "timestamp": 1_700_000_000_000, "key": "abc", "value": {"id": "abc"}}
    assert Message("t", 0, 0, None, b"\xff\x00", {}).envelope()["key"] == "base64:/wA="
    assert Message("t", 0, 0, None, None, {}).envelope()["key"] is None
