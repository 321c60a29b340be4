"""Iraq's subdistricts (nahiyas): the builder's choices and how the gazetteer matches them.

Synthetic sentences and a made-up source list, written for the capability, not taken from any
dev set.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sitrep.stages.extract import geo
from sitrep.stages.extract.article import extract
from sitrep.stages.extract.gazetteer import gazetteer
from sitrep.stages.types import CleanArticle

ROOT = Path(__file__).resolve().parents[2]


def _builder():
    spec = importlib.util.spec_from_file_location("build_subdistricts", ROOT / "ops" / "data" / "build_subdistricts.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def mentions_in(text: str) -> tuple[list, object]:
    gaz = gazetteer()
    return geo.resolve(text, gaz.scan(text).names, gaz)


def governorate_of(body: str) -> str | None:
    ex = extract(CleanArticle(id="t", title="", body=body))
    place = next((e for e in ex.entities if e.id == ex.primary_location), None)
    if place is None or place.geo is None:
        return None
    return f"{place.geo.country_code}.{place.geo.admin1_code}"


def test_names_are_bare_and_split():
    names_of = _builder().names_of
    assert names_of({"engName": "Nahiyat Qalaat", "arbName": "ناحية قلعة"}) == ["Qalaat", "قلعة"]
    assert names_of({"engName": "Darband (Kani Sur)", "arbName": ""}) == ["Darband", "Kani Sur"]
    # Kurdish-only letters mark a Sorani spelling Arabic text does not use.
    assert names_of({"engName": "Xy", "arbName": "ڕانیە"}) == []


def test_builder_leaves_out_names_others_hold():
    b = _builder()
    source = {"provinces": [{"engName": "Diyala", "arbName": "ديالى", "districts": [
        {"engName": "Middle", "subdistricts": [
            {"engName": "Tunis", "arbName": "تونس"},         # a big city abroad
            {"engName": "Baqubah", "arbName": ""},           # the governorate's own town
            {"engName": "Qalaat Sufla", "arbName": "قلعة سفلى"},
            {"engName": "Nahiyat Qalaat Sufla", "arbName": ""},  # the same unit listed twice
        ]}]}]}
    admin1 = {"IQ": {"10": {"name": "Diyala", "lat": 33.75, "lon": 44.61, "aliases": []}}}
    rows = b.subdistrict_rows(source, {"diyala": "10"}, admin1, [], {"10": {"baqubah"}}, {"tunis", "تونس"})
    assert [(r[0], r[1], r[3], r[9]) for r in rows] == [("geo:IQ.10.qalaat-sufla", "Qalaat Sufla", "10", "subdistrict")]
    assert rows[0][10] == "قلعة سفلى"
    assert (rows[0][6], rows[0][7]) == ("33.7500", "44.6100")  # no district matched: the governorate's position


def test_subdistricts_are_loaded_with_their_governorate():
    gaz = gazetteer()
    subs = [p for p in gaz.places.values() if p.kind == "subdistrict"]
    assert len(subs) > 100
    assert all(p.cc == "IQ" and p.admin1_id in gaz.places and p.geonameid is None for p in subs)


@pytest.mark.parametrize("body, expected", [
    ("A roadside bomb wounded two shepherds in Surdash subdistrict on Monday.", "IQ.05"),
    ("Gunmen killed a truck driver near Trebil, close to the Jordanian border.", "IQ.01"),
    ("Police said a mortar round fell on a farm in the nahiya of Khalakan.", "IQ.05"),
])
def test_a_subdistrict_gives_its_governorate(body, expected):
    assert governorate_of(body) == expected


def test_a_subdistrict_name_without_its_article_is_not_a_word_match():
    text = "She now works at a hospital in Deir al-Balah after relocating."
    mentions, _ = mentions_in(text)
    assert all(m.place.kind != "subdistrict" for m in mentions)


def test_a_one_word_subdistrict_needs_a_cue_or_its_country():
    text = "Surdash said on Monday that the talks would go on."
    mentions, _ = mentions_in(text)
    assert mentions == []


@pytest.mark.parametrize("text, fragment", [
    ("A patrol was ambushed near Amuda Kelmo on Monday.", "Amuda"),          # the next word goes on the name
    ("A shepherd was shot near Qara Bilki at dawn.", "Qara"),
    ("Gunmen attacked a farm south of Umm Saraqib village.", "Saraqib"),     # the word before begins names
    ("Two boys were hurt in Ain Mandali by a mine.", "Mandali"),
])
def test_a_small_place_glued_to_an_unknown_capitalised_word_is_a_fragment(text, fragment):
    mentions, _ = mentions_in(text)
    assert all(text[m.start:m.end] != fragment for m in mentions)


@pytest.mark.parametrize("text, name", [
    ("Airstrikes hit Saraqib Thursday, killing five civilians.", "Saraqib"),  # a weekday
    ("A car bomb exploded in Azaz City center.", "Azaz"),                    # a kind of name
    ("Turkish drones struck near Amuda on Sunday.", "Amuda"),                 # a demonym before the verb
    ("Shelling On Saraqib Kills Five Civilians", "Saraqib"),                  # a headline: no evidence
])
def test_common_words_kinds_and_headlines_are_no_fragment_evidence(text, name):
    mentions, _ = mentions_in(text)
    assert any(text[m.start:m.end] == name for m in mentions)


def test_an_ayn_after_a_is_also_spelled_as_a_second_a():
    from sitrep.stages.extract.translit import ayn_as_vowel, village_variants
    assert ayn_as_vowel("Ma‘lūlā") == "Maalūlā"
    assert "al maalula" in village_variants("Al Ma‘lūlā")
    assert ayn_as_vowel("Ra’s al Khaymah") == "Ra’s al Khaymah"  # a hamza is no vowel
    assert not any(v.startswith("raas") for v in village_variants("Ra’s al ‘Ayn"))


def test_among_unpeopled_namesakes_the_one_listed_under_more_names_wins():
    from sitrep.stages.extract.gazetteer import Place
    ctx = geo._Context(set(), {"IQ": 1.0}, {})
    lesser = Place("geo:1", "X", "IQ", "01", "Anbar", 33.0, 43.0, 0, "village", 1, names=1)
    known = Place("geo:2", "X", "IQ", "10", "Diyala", 34.0, 45.0, 0, "village", 2, names=8)
    assert max((lesser, known), key=ctx.prior) is known
    # Size still outweighs names.
    town = Place("geo:3", "X", "IQ", "15", "Nineveh", 36.0, 43.0, 5_000, "village", 3, names=0)
    assert max((known, town), key=ctx.prior) is town


@pytest.mark.parametrize("text, expected", [
    ("Gunmen stormed a shop in Hit district, Anbar.", ["IQ.01", "IQ.01"]),     # a town's own three-letter name
    ("Gunmen shot a trader in Kut district.", ["IQ.16"]),                        # Al Kūt without its article
    ("She was not interested in Sam any more.", []),                             # an alternate name: no
    ("It was a Hit with fans everywhere.", []),                                  # no place cue
])
def test_three_letter_town_names_need_cues(text, expected):
    mentions, _ = mentions_in(text)
    assert [f"{m.place.cc}.{m.place.admin1}" for m in mentions] == expected


@pytest.mark.parametrize("body, expected", [
    # A town the event is placed from weighs less than the governorate it happened in.
    ("A mortar round hit a farm in Salahuddin province, 60 km north of Baghdad.", "IQ.18"),
    ("A bomb hit a bus in Diyala province, east of Samarra, wounding four.", "IQ.10"),
])
def test_a_bearing_from_a_town_weighs_less(body, expected):
    assert governorate_of(body) == expected


def test_nahiyat_before_a_name_is_a_place_cue():
    assert governorate_of("Shelling hit nahiyat Surdash overnight, wounding a farmer.") == "IQ.05"
    assert governorate_of("Shelling hit Surdash overnight, wounding a farmer.") is None


def test_a_village_named_like_a_country_word_is_not_matched():
    for text in ("Turkish jets struck positions in the Iraqi Kurdistan Region.", "He fled to Kurdistan in 2014."):
        mentions, _ = mentions_in(text)
        assert all(m.place.kind != "village" for m in mentions)


def test_a_settlement_prefix_before_a_governorate_name_makes_another_place():
    text = "A fighter was killed in a village near Tal Anbar on Monday."
    mentions, _ = mentions_in(text)
    assert all(m.place.kind != "admin1" for m in mentions)


def test_a_road_named_after_a_town_lies_where_the_text_puts_it():
    # A road named after a town in one governorate, said to run in another's district.
    assert governorate_of("Gunmen shot at a car on the Samarra road in Kirkuk district, wounding two.") == "IQ.13"
