"""The one way curated data is read: files under ``sitrep/data/``, read once per process.

Word lists, rule tables, gazetteers, lexicons and outlet tables live in data files so that
supporting a new site, place or phrase is an edit to data, not to code. Every stage (and the
metrics' bounded label lists) reads them through these functions.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def text(*path: str) -> str:
    """The text of ``data/<path>`` (cached: each file is read once)."""
    return resources.files("sitrep").joinpath("data", *path).read_text(encoding="utf-8")


@cache
def mapping(*path: str) -> dict[str, Any]:
    """The parsed YAML mapping of ``data/<path>`` (cached; a file that is not a mapping is an error)."""
    data = yaml.safe_load(text(*path))
    if not isinstance(data, dict):
        raise ValueError(f"data/{'/'.join(path)} must hold a mapping")
    return data


def cleaning(name: str) -> dict[str, Any]:
    """The cleaner's ``data/cleaning/<name>.yaml``."""
    return mapping("cleaning", f"{name}.yaml")
