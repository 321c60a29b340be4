"""docs/processing.md's dead-letter table names every reason code, and no other."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from sitrep.models import DeadLetterReason

DOC = Path(__file__).resolve().parents[2] / "docs" / "processing.md"


def test_the_reasons_table_lists_every_reason_with_a_cause() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", DOC.read_text(), re.M))
    assert set(rows) == set(get_args(DeadLetterReason))
    assert all(len(cause) > 20 for cause in rows.values())
