"""Places: spellings, city or governorate, place or person, and the primary location."""

from __future__ import annotations

import pytest

from sitrep.stages.extract import geo
from sitrep.stages.extract.article import extract
from sitrep.stages.extract.gazetteer import gazetteer
from sitrep.stages.types import CleanArticle


def places_in(text: str) -> list[tuple[str, str, str | None]]:
    """(mention text, place id, admin1 code) for each place named in ``text``."""
    gaz = gazetteer()
    mentions, _ = geo.resolve(text, gaz.scan(text).names, gaz)
    return [(text[m.start:m.end], m.place.id, m.place.admin1) for m in mentions]


@pytest.mark.parametrize("spelling", [
    "Deir ez-Zor", "Deir Ezzor", "Deir ar Zour", "Dier Ezzor", "Dayr az Zawr", "Deir al-Zour", "DEIR EZ-ZOR",
    "Deir Ez Zor", "Dayr al-Zawr", "Deir Ezzor’s",
])
def test_deir_ez_zor_spellings(spelling):
    (text, pid, admin1), = places_in(f"Fighting continued in {spelling} on Monday.")
    assert (pid, admin1) == ("geo:170794", "07")
    assert spelling.startswith(text)


@pytest.mark.parametrize("sentence, expected_id, admin1", [
    ("Strikes hit Abu Kamal.", "geo:174448", "07"),
    ("Strikes hit Al-Bukamal.", "geo:174448", "07"),
    ("Strikes hit Albu Kamal.", "geo:174448", "07"),
    ("A mosque in As-Sousah was hit.", "geo:172415", "07"),
    ("A mosque in As Susah was hit.", "geo:172415", "07"),
    ("The SDF advanced south of al-Shaddadah town.", "geo:172837", "01"),
    ("The SDF advanced south of Ash Shaddadah.", "geo:172837", "01"),
    ("Shells fell on Eastern Ghouta.", "geo:eastern-ghouta", "08"),
    ("They crossed the Euphrates River.", "geo:euphrates-river", None),
    ("They seized the al-Omar oil field.", "geo:al-omar-oil-field", "07"),
    ("The army reached Lake Assad.", "geo:lake-assad", "04"),
    ("Jets bombed Raqqa.", "geo:172955", "04"),
    ("Jets bombed Idleb.", "geo:169389", "12"),
    ("Jets bombed Khan Sheikhoun.", "geo:168325", "12"),
    ("Jets bombed Jisr al-Shughour.", "geo:169023", "12"),
    ("Shelling hit Jaramana.", "geo:169174", "08"),
    ("Clashes in Tal Abyad.", "geo:163750", "04"),
    ("Clashes near Ain Issa.", "geo:172134", "04"),
    ("Fighting in Palmyra.", "geo:163808", "11"),
])
def test_transliterated_places(sentence, expected_id, admin1):
    found = places_in(sentence)
    assert [(pid, a1) for _, pid, a1 in found] == [(expected_id, admin1)]


@pytest.mark.parametrize("sentence, mention, expected_id", [
    ("Jets struck Homs on Monday.", "Homs", "geo:169577"),
    ("Jets struck Homs province on Monday.", "Homs province", "geo:SY.11"),
    ("Jets struck the Homs countryside.", "Homs countryside", "geo:SY.11"),
    ("Jets struck rural Homs.", "rural Homs", "geo:SY.11"),
    ("Jets struck northern Hama.", "northern Hama", "geo:SY.10"),
    ("Jets struck Aleppo's eastern countryside.", "Aleppo's eastern countryside", "geo:SY.09"),
    ("Jets struck the eastern countryside of Deir ez-Zor.", "eastern countryside of Deir ez-Zor", "geo:SY.07"),
    ("Jets struck the Idlib countryside.", "Idlib countryside", "geo:SY.12"),
    ("Rebels in the Damascus countryside fired shells.", "Damascus countryside", "geo:SY.08"),
    ("Shells hit the eastern countryside of Damascus.", "eastern countryside of Damascus", "geo:SY.08"),
    ("Shells hit Damascus.", "Damascus", "geo:170654"),
    ("DEIR EZ-ZOR GOVERNORATE (OCTOBER 20, 2018) - Fighting.", "DEIR EZ-ZOR GOVERNORATE", "geo:SY.07"),
])
def test_city_or_governorate(sentence, mention, expected_id):
    assert (mention, expected_id) in [(text, pid) for text, pid, _ in places_in(sentence)]


def test_idlib_and_hama_provinces_are_both_governorates():
    ids = [pid for _, pid, _ in places_in("Russian jets bombed Idlib and Hama provinces.")]
    assert ids == ["geo:SY.12", "geo:SY.10"]


@pytest.mark.parametrize("sentence, expected", [
    ("Ahmed Hamza said the village was shelled.", []),  # a man's name, not Iraq's al-Hamzah
    ("Clashes broke out in Hamza on Friday.", ["geo:IQ.04"]),
    ("President Assad visited Aleppo.", ["geo:SY.09"]),
])
def test_place_or_person(sentence, expected):
    places = gazetteer().places
    assert [places[pid].admin1_id for _, pid, _ in places_in(sentence)] == expected


@pytest.mark.parametrize("title, body, dateline, admin1", [
    # A Beirut dateline on a report about Idlib.
    ("Air strikes kill 12 in Syria's Idlib", "BEIRUT (Reuters) - Air strikes killed 12 people in the town of "
     "Saraqib in Idlib province on Monday, a monitor said.", None, "12"),
    # State media datelined Damascus, the event in Daraa.
    ("Terrorists target Daraa with shells", "Damascus, SANA - Two civilians were injured when terrorists fired "
     "shells at al-Mahatta neighborhood in Daraa city.", "Damascus", "06"),
    # Moscow dateline, event named only in the body.
    ("Militants shell Aleppo", "MOSCOW, October 27. /TASS/. Militants shelled western Aleppo, killing three "
     "civilians, the Russian Defence Ministry said.", "MOSCOW", "09"),
    # Many places: the one the casualties are in wins.
    ("Syrian army advances", "The army advanced near Palmyra and Deir ez-Zor. In Raqqa, coalition strikes killed "
     "12 civilians. Raqqa residents said the strikes hit homes. Deir ez-Zor remained besieged.", None, "04"),
])
def test_primary_location_governorate(title, body, dateline, admin1):
    x = extract(CleanArticle(id="t", title=title, body=body, dateline=dateline))
    primary = next(e for e in x.entities if e.id == x.primary_location)
    assert primary.geo.admin1_code == admin1


def test_place_named_only_in_the_title_is_still_an_entity():
    x = extract(CleanArticle(id="t", title="Shelling in Qamishli", body="Two people were wounded on Monday."))
    primary = next(e for e in x.entities if e.id == x.primary_location)
    assert primary.mentions == [] and primary.geo.admin1_code == "01"
