"""The cleaner's curated data: YAML files under ``sitrep/data/cleaning/``, read once per process.

Word lists, rule tables and outlet names live in data files so that supporting a new site
is an edit to YAML, not to code (see ``rules.yaml`` for how a rule is written).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """The parsed ``data/cleaning/<name>.yaml`` (cached: each file is read once)."""
    text = resources.files("sitrep").joinpath("data", "cleaning", f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"data/cleaning/{name}.yaml must hold a mapping")
    return data
