"""``sitrep schemas export``: JSON Schema for every topic's record, from the pydantic models."""

from __future__ import annotations

from pathlib import Path

import orjson

from sitrep.errors import ConfigError
from sitrep.models import TOPICS
from sitrep.settings import Topics


def schema_files(topics: Topics | None = None) -> dict[str, bytes]:
    """File name -> JSON Schema bytes, one per public topic (named after the default topic)."""
    topics = topics or Topics()
    files = {}
    for spec in TOPICS:
        name = topics.name(spec.role)
        schema = spec.record.model_json_schema(mode="serialization")
        schema["$id"] = f"https://sitrep.dev/schemas/{name}.schema.json"
        schema["x-topic"] = name
        files[f"{name}.schema.json"] = orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    return files


def export(out_dir: Path) -> list[Path]:
    written = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in schema_files().items():
            path = out_dir / name
            path.write_bytes(data)
            written.append(path)
    except OSError as exc:
        raise ConfigError(f"cannot write to -o {out_dir}: {exc.strerror or exc}") from None
    return written
