"""The offline pipeline (``sitrep process``) end to end on the seeds."""

from __future__ import annotations

from pathlib import Path

import orjson

from sitrep.commands.process import process
from sitrep.settings import Settings

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_process_writes_one_record_per_input_in_order_with_copies_flagged(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    summary = process(Settings(), [str(SEEDS)], out, progress=False)
    records = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert summary.articles == len(records) == 12
    assert [r["id"] for r in records][-4:] == ["wire-2017-0412-idlib", "state-2017-0412-idlib", "wire-2017-0412-idlib-copy", "wire-2017-0601-raqqa"]
    copy = next(r for r in records if r["id"] == "wire-2017-0412-idlib-copy")
    assert copy["dedup"]["status"] == "near_duplicate"
    assert copy["dedup"]["duplicate_of"] == "wire-2017-0412-idlib"
    assert copy["dedup"]["story_id"] == "wire-2017-0412-idlib"
    for record in records:
        assert 0 <= record["credibility"]["score"] <= 1 and record["credibility"]["signals"]


def test_bad_inputs_go_to_the_deadletter_file(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": "ok", "body": "Ten people were killed."}\n{broken\n{"id": "e", "body": ""}\n')
    out, dead = tmp_path / "out.jsonl", tmp_path / "dead.jsonl"
    summary = process(Settings(), [str(source)], out, dead, progress=False)
    assert [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()] == ["ok"]
    assert sorted(orjson.loads(line)["reason"] for line in dead.read_bytes().splitlines()) == ["empty_body", "invalid_json"]
    assert summary.dead_letters == {"invalid_json": 1, "empty_body": 1}


def test_process_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    process(Settings(), [str(SEEDS)], first, progress=False)
    process(Settings(), [str(SEEDS)], second, progress=False)

    def strip(path: Path) -> list[dict]:
        return [{k: v for k, v in orjson.loads(line).items() if k != "processed_at"} for line in path.read_bytes().splitlines()]

    assert strip(first) == strip(second)
