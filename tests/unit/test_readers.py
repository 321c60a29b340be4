"""Article files of every supported kind become articles.raw messages."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from sitrep.errors import SourceError
from sitrep.readers import read_messages, stable_id

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def records(*paths: Path) -> list[dict]:
    return [orjson.loads(m.value) for m in read_messages(paths)]


def test_txt_first_nonempty_line_is_the_title() -> None:
    (record,) = records(SEEDS / "000_66053b8fc0f2c597.txt")
    assert record["title"] == "SDF Shifts from Offensive to Defensive in the Hajin Pocket"
    assert record["body"].lstrip().startswith("DEIR EZ-ZOR GOVERNORATE")
    assert record["id"] == stable_id(None, record["title"], record["body"])


def test_jsonl_and_csv_columns_are_mapped() -> None:
    jsonl = records(SEEDS / "wire_reports.jsonl")
    assert jsonl[0]["id"] == "wire-2017-0412-idlib" and jsonl[0]["source"] == "Reuters" and jsonl[0]["published"] == "2017-04-12"
    csv_rows = records(SEEDS / "wire_reports.csv")
    assert csv_rows[0]["id"] == "csv-2016-0705-aleppo"
    assert csv_rows[0]["title"].startswith("Rebel shelling") and "Eight people were killed" in csv_rows[0]["body"]
    assert csv_rows[0]["published"] is None  # empty column: the cleaner finds the date in the text


def test_directory_is_read_in_sorted_order() -> None:
    names = [m.origin.split(":")[0] for m in read_messages([SEEDS])]
    assert names == sorted(names)
    assert len(names) == 5 + 4 + 3


def test_html_is_kept_as_html(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>T</title></head><body><p>Text</p></body></html>")
    (record,) = records(page)
    assert record["content_type"] == "text/html" and "<p>Text</p>" in record["body"]


def test_malformed_jsonl_line_is_passed_on_for_dead_lettering(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": "a", "body": "ok"}\n{broken\n')
    messages = list(read_messages([path]))
    assert [m.well_formed for m in messages] == [True, False]
    assert messages[1].value == b"{broken" and messages[1].origin.endswith(":2")


def test_same_article_same_id() -> None:
    assert stable_id("SANA", "T", "B") == stable_id("SANA", "T", "B") != stable_id("SANA", "T", "B2")


@pytest.mark.parametrize("name", ["missing.txt", "dir/missing"])
def test_missing_path_is_a_clear_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(SourceError, match="no such file"):
        list(read_messages([tmp_path / name]))
