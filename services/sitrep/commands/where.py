"""``sitrep tail --where FIELD=VALUE``: clauses parsed and checked before any record is read.

A clause names a dotted field of the topic's record (``dedup.status``, ``entities.name``;
through a list, any element may match) and a value compared case-insensitively. Names of
entities and places are resolved as the extractor resolves them in text (the gazetteer's
aliases and spelling variants): ``entities.name=Raqqa`` matches the entity the extractor
named "Ar Raqqah", and a seat city's name also matches its governorate. Fields holding an
entity id (``perpetrator``, ``location``, ``primary_location``, ``entities.id``) accept a
name too: ``perpetrator=ISIS`` matches ``actor:islamic-state``. A clause without ``=`` or
naming a field the record does not have is an error, not a filter that matches nothing.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel

from sitrep.errors import ConfigError

# Fields whose value is a canonical entity or place name, and fields holding an entity id.
NAME_FIELDS = frozenset({"entities.name", "location_name", "admin1_name", "dateline"})
ID_FIELDS = frozenset({"entities.id", "perpetrator", "location", "primary_location"})


@dataclass(frozen=True)
class Clause:
    path: str
    wanted: str  # casefolded
    names: frozenset[str] = frozenset()  # normalised canonical names the value resolves to
    ids: frozenset[str] = frozenset()  # entity ids the value resolves to


def field_paths(model: type[BaseModel]) -> set[str]:
    """Every dotted path into ``model``'s records, through nested models and lists of them."""
    paths: set[str] = set()
    for name, field in model.model_fields.items():
        paths.add(name)
        for inner in _models_in(field.annotation):
            paths |= {f"{name}.{sub}" for sub in field_paths(inner)}
    return paths


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if typing.get_origin(annotation) in (list, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _models_in(arg)


def parse(clauses: list[str], model: type[BaseModel] | None, topic: str) -> list[Clause]:
    """The clauses, checked against ``model`` (None: a topic whose records Sitrep does not define)."""
    known = field_paths(model) if model is not None else None
    parsed = []
    for text in clauses:
        path, equals, wanted = text.partition("=")
        path = path.strip()
        if not equals or not path or any(not part for part in path.split(".")) or path.endswith("!"):
            raise ConfigError(f"malformed --where {text!r}: write FIELD=VALUE, e.g. dedup.status=unique")
        if known is not None and path not in known:
            close = difflib.get_close_matches(path, sorted(known), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            top = ", ".join(sorted(p for p in known if "." not in p))
            raise ConfigError(f"unknown --where field {path!r} for {topic} ({model.__name__}): {hint}fields are {top} (dotted into nested ones)")
        wanted = wanted.strip()
        names, ids = resolve(wanted) if path in NAME_FIELDS | ID_FIELDS and wanted else (frozenset(), frozenset())
        parsed.append(Clause(path, wanted.casefold(), names, ids))
    return parsed


def resolve(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """Normalised canonical names and ids of what the gazetteer finds ``name`` to be (the
    whole of it), in any letter case; a seat city brings its governorate."""
    from sitrep.stages.extract.gazetteer import gazetteer
    from sitrep.stages.extract.translit import normalize_key

    gaz = gazetteer()
    ids: set[str] = set()
    # The gazetteer's case rules (capitalised place names, acronyms in capitals) are for
    # running text; a filter value is matched in every case.
    for form in {name, name.title(), name.upper()}:
        for hit in gaz.scan(form).names:
            if hit.start == 0 and hit.end >= len(form.rstrip(".")):
                ids |= {t.ref for t in hit.targets if t.kind in ("place", "actor")}
    for ref in list(ids):
        place = gaz.places.get(ref)
        if place is not None and place.governorate:
            ids.add(place.governorate)
    names = {normalize_key(name)}
    for ref in ids:
        entry = gaz.places.get(ref) or gaz.actors.get(ref)
        names.add(normalize_key(entry.name))
    return frozenset(names), frozenset(ids)


def values_at(record: Any, path: str) -> list[Any]:
    """The values at a dotted path; lists (at any depth) are searched element-wise."""
    values = [record]
    for part in path.split("."):
        step = []
        for value in values:
            for item in _flat(value):
                if isinstance(item, dict):
                    step.append(item.get(part))
        values = step
    return list(_flat(values))


def _flat(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _flat(item)
    else:
        yield value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def matches(record: Any, clauses: list[Clause]) -> bool:
    """True when every clause holds for ``record``."""
    return all(_holds(record, clause) for clause in clauses)


def _holds(record: Any, clause: Clause) -> bool:
    values = values_at(record, clause.path)
    if any(_text(v).casefold() == clause.wanted for v in values):
        return True
    if clause.ids and any(v in clause.ids for v in values):
        return True
    if clause.names:
        from sitrep.stages.extract.translit import normalize_key

        return any(isinstance(v, str) and normalize_key(v) in clause.names for v in values)
    return False
