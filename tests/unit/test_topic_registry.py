"""The topic registry (``models.TOPICS``) is the one list of public topics: settings, metric
labels, ``models.TOPIC_RECORDS``, the CLI and ``schemas/`` must all agree with it."""

from __future__ import annotations

from pathlib import Path

import orjson

from sitrep.cli import build_parser
from sitrep.commands.schemas import schema_files
from sitrep.models import OUTPUT_ROLES, ROLES, TOPIC_RECORDS, TOPICS
from sitrep.settings import Topics
from sitrep.stream import metrics

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_roles_are_unique_and_named_once():
    assert len(set(ROLES)) == len(TOPICS)
    assert len({t.default for t in TOPICS}) == len(TOPICS)
    assert [t for t in TOPICS if not t.output] == [TOPICS[0]]  # raw is the only input


def test_settings_have_one_field_per_role_with_the_registry_default():
    assert list(Topics.model_fields) == list(ROLES)
    defaults = Topics()
    assert {role: defaults.name(role) for role in ROLES} == {t.role: t.default for t in TOPICS}
    assert list(defaults.outputs()) == list(OUTPUT_ROLES)
    assert defaults.public() == [t.default for t in TOPICS]


def test_topic_records_follow_the_registry():
    assert TOPIC_RECORDS == {t.role: t.record for t in TOPICS}


def test_metric_topic_labels_are_registry_roles_or_internal():
    produced = {role for _, role in metrics.PRODUCERS}
    assert produced - set(ROLES) == {"lsh", "events"}  # the worker's internal hops
    assert set(OUTPUT_ROLES) <= produced


def test_schemas_directory_matches_the_registry():
    files = schema_files()
    assert sorted(files) == sorted(f"{t.default}.schema.json" for t in TOPICS)
    assert sorted(p.name for p in SCHEMAS.glob("*.schema.json")) == sorted(files)
    for name, data in files.items():
        assert (SCHEMAS / name).read_bytes() == data, f"schemas/{name} is stale: run sitrep schemas export"
        assert orjson.loads(data)["x-topic"] == name.removesuffix(".schema.json")


def test_cli_help_lists_every_role():
    tail = build_parser()._subparsers._group_actions[0].choices["tail"]  # type: ignore[union-attr]
    help_text = tail.format_help().replace("\n", " ")
    for role in ROLES:
        assert role in help_text
