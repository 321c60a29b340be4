"""Places by context: bare governorate names, districts, namesakes across borders, common
words that GeoNames also lists as places, Arabic script, and the gazetteer's cache file.

Synthetic sentences, written for the classes of failure, not taken from any dev set.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import yaml

from sitrep.stages.extract import gazetteer as gazetteer_module
from sitrep.stages.extract import geo
from sitrep.stages.extract.article import extract
from sitrep.stages.extract.gazetteer import Gazetteer, gazetteer
from sitrep.stages.extract.translit import skeleton, variants
from sitrep.stages.types import CleanArticle


def governorate_of(body: str, title: str = "") -> str | None:
    """``CC.admin1`` of the article's primary location, or None."""
    ex = extract(CleanArticle(id="t", title=title, body=body))
    place = next((e for e in ex.entities if e.id == ex.primary_location), None)
    if place is None or place.geo is None:
        return None
    return f"{place.geo.country_code}.{place.geo.admin1_code}"


def places_in(text: str) -> list[tuple[str, str]]:
    gaz = gazetteer()
    mentions, _ = geo.resolve(text, gaz.scan(text).names, gaz)
    return [(text[m.start:m.end], f"{m.place.cc}.{m.place.admin1}") for m in mentions]


@pytest.mark.parametrize("body, expected", [
    # A governorate named alone, without "province" or "governorate" after it.
    ("Two farmers were killed by a roadside bomb in Diyala on Tuesday.", "IQ.10"),
    ("Gunmen attacked a checkpoint in Anbar, killing a soldier.", "IQ.01"),
    ("A mortar round fell on a market in Babylon.", "IQ.06"),
    ("Unknown gunmen shot a shopkeeper in Ninawa.", "IQ.15"),
    ("Police found a body in Thi Qar.", "IQ.09"),  # dh/th spelling of Dhi Qar
    ("Militants raided a village in Salah al-Din.", "IQ.18"),
    ("Shelling hit rural Daraa overnight.", "SY.06"),
    ("Shelling hit rural Idlib overnight.", "SY.12"),
    ("Gunmen opened fire on a car in rural Kirkuk.", "IQ.13"),  # a seat city found from the data
])
def test_bare_and_rural_governorates(body, expected):
    assert governorate_of(body) == expected


def test_district_names_resolve_to_their_governorate():
    assert governorate_of("An IED exploded on a patrol in Tel Afar District.") == "IQ.15"


@pytest.mark.parametrize("body, expected", [
    # Sinjar: a district of Nineveh in Iraq and a town in Idlib in Syria; the rest decides.
    ("Turkish drones struck a car near Sinjar in northern Iraq, killing two.", "IQ.15"),
    ("Regime shelling hit Sinjar in the Idlib countryside, killing two.", "SY.12"),
])
def test_cross_border_namesakes_follow_the_country_of_the_text(body, expected):
    assert governorate_of(body) == expected


def test_title_namesake_is_read_with_the_body():
    body = "Iraqi police said two people were killed in the town in Nineveh province on Monday."
    assert governorate_of(body, title="Two killed in Sinjar") == "IQ.15"


def test_a_place_glossed_in_brackets_after_an_unknown_one_is_where_it_is():
    # The valley is in no gazetteer; the town in the brackets says where it lies.
    assert governorate_of("Drones struck a hideout in the Kelberan valley (mapped as Amadiya) on Monday.") == "IQ.08"


def test_small_foreign_namesake_dropped_when_the_text_names_another_country():
    # Nothing the gazetteer holds in Iraq is named "Shin"; a Syrian village of that name is not
    # meant in a sentence that otherwise names only Iraqi governorates.
    found = places_in("In Shin village of Diyala province, an IED wounded two Iraqi soldiers.")
    assert all(cc_a1.startswith("IQ") for _, cc_a1 in found)
    assert ("Diyala province", "IQ.10") in found


def test_a_large_city_outweighs_a_small_namesake_abroad_named_as_often():
    # One mention each: the Jordanian town is no more likely than the Iraqi city it is placed
    # from, and a city of a million is never the namesake; so the town is a namesake abroad,
    # even though "Mosul" is also a district's name.
    found = places_in("Gunmen opened fire on a checkpoint near Mafraq bridge, west of Mosul, wounding a policeman.")
    assert found == [("Mosul", "IQ.15")]
    assert governorate_of("Gunmen opened fire on a checkpoint near Mafraq bridge, west of Mosul.") == "IQ.15"


def test_a_demonym_says_who_acted_not_that_the_place_is_abroad():
    # "Turkish" names Turkey only as the side that acted; the small Iraqi town is still meant.
    assert governorate_of("Turkish jets bombed a house in Batifa on Friday.") == "IQ.08"


@pytest.mark.parametrize("body", [
    "An IED wounded two farmers in Shin village of Tuz Khurmatu district.",
    "An IED wounded two farmers in Shin, south of Tuz Khurmatu.",
])
def test_a_place_set_in_a_district_or_near_a_town_of_another_governorate_is_a_namesake(body):
    # The only "Shin" the gazetteer holds is Syrian; the text puts this one in Salah ad Din.
    assert governorate_of(body) == "IQ.18"


def test_a_town_near_a_city_keeps_its_own_governorate():
    # "north of Baghdad" says where Samarra lies, not that it is in Baghdad.
    assert places_in("Rockets fell near Samarra, north of Baghdad.") == [("Samarra", "IQ.18"), ("Baghdad", "IQ.07")]


@pytest.mark.parametrize("body, expected", [
    # Spellings no rule derives, found by their consonant skeleton and close to a listed one.
    ("A car bomb exploded in Maissan province.", "IQ.14"),
    ("A bomb went off in Naseriyyah city.", "IQ.09"),
])
def test_a_respelling_close_to_a_town_or_governorate_is_that_place(body, expected):
    assert governorate_of(body) == expected


@pytest.mark.parametrize("text", [
    "He moved to Mason last year.",  # the skeleton of Maysan, with no place word or country
    "The Mission district council met on Monday.",
])
def test_a_skeleton_alone_makes_no_place(text):
    assert places_in(text) == []


def test_skeletons_agree_across_romanisations():
    assert skeleton("missan") == skeleton("maysan")
    assert skeleton("tall afar") == skeleton("telafar")
    assert skeleton("al muqdadiyah") == skeleton("miqdadiyah")


@pytest.mark.parametrize("text", [
    "Add a pinch of sea Salt and stir.",
    "The compost turns into rich Humus within weeks.",
    "Sheen finish paint is easy to clean.",
    "Derek Jarman directed the film.",
    "Nazi Germ warfare research was studied after the war.",
])
def test_common_words_that_geonames_lists_as_spellings_are_not_places(text):
    assert places_in(text) == []


def test_guarded_spelling_is_a_place_after_a_place_word():
    # The same kind of one-word spelling counts once a place word stands before or after it.
    assert places_in("Fighting in Salt on Monday.") != []


@pytest.mark.parametrize("body, expected", [
    ("قتل ثلاثة مدنيين بقصف على ريف إدلب", "SY.12"),
    ("انفجار عبوة ناسفة في محافظة ديالى", "IQ.10"),
    ("انفجار عبوة ناسفة في محافظه ديالي", "IQ.10"),  # ta marbuta as ha, alif maqsura as ya
    ("هجوم مسلح بالموصل", "IQ.15"),  # bi- joined to al-Mawsil
    ("اشتباكات في حلب", "SY.09"),
])
def test_arabic_script_places(body, expected):
    assert governorate_of(body) == expected


def test_gazetteer_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("SITREP_CACHE_DIR", str(tmp_path))
    built = gazetteer_module.load_or_build()
    files = list(tmp_path.glob("gazetteer-*.pickle"))
    assert len(files) == 1
    again = gazetteer_module.load_or_build()
    assert isinstance(again, Gazetteer) and again is not built
    assert again.key_count == built.key_count
    assert again.scan("Clashes in Diyala.").names == built.scan("Clashes in Diyala.").names


def test_gazetteer_cache_that_is_damaged_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("SITREP_CACHE_DIR", str(tmp_path))
    path = gazetteer_module._cache_file()
    path.write_bytes(b"not a pickle")
    gaz = gazetteer_module.load_or_build()
    assert isinstance(gaz, Gazetteer)
    assert isinstance(pickle.loads(path.read_bytes()), Gazetteer)


def test_unwritable_cache_directory_still_gives_a_gazetteer(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("SITREP_CACHE_DIR", str(blocker / "sub"))  # a directory under a file: not creatable
    assert gazetteer_module.load_or_build().key_count > 10_000


def test_places_tsv_carries_districts_and_arabic_names():
    gaz = gazetteer()
    kinds = {p.kind for p in gaz.places.values() if p.cc == "IQ"}
    assert {"city", "district", "admin1"} <= kinds
    mosul = gaz.places["geo:99072"]
    assert mosul.admin1_name == "Nineveh" and mosul.district
    assert places_in("الموصل") == [("الموصل", "IQ.15")]


def test_cache_keeps_a_few_builds_and_removes_older_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("SITREP_CACHE_DIR", str(tmp_path))
    for i in range(6):
        stale = tmp_path / f"gazetteer-stale{i}.pickle"
        stale.write_bytes(b"old build")
        os.utime(stale, (1_000_000 + i, 1_000_000 + i))
    gazetteer_module.load_or_build()
    left = sorted(f.name for f in tmp_path.glob("gazetteer-*.pickle"))
    assert len(left) == gazetteer_module._CACHE_KEPT
    assert gazetteer_module._cache_file().name in left
    assert {"gazetteer-stale5.pickle", "gazetteer-stale4.pickle", "gazetteer-stale3.pickle"} < set(left)


def test_villages_of_the_second_tier_resolve_in_context():
    # villages.tsv: GeoNames villages that cities500 leaves out, each in its governorate.
    assert places_in("Gunmen attacked the village of Tall Bawzinah, killing a shepherd.") == [("Tall Bawzinah", "IQ.15")]
    assert ("Qaryat al Kharir", "IQ.10") in places_in("A roadside bomb exploded near Qaryat al Kharir in Diyala province.")


def test_a_village_gives_way_to_the_governorate_the_text_names():
    # The only Qaryat al Kharir the gazetteer holds is in Diyala: in a report about Basra it is
    # another place of that name, not a reason to move the event.
    assert places_in("A roadside bomb exploded near Qaryat al Kharir in Basra province.") == [("Basra province", "IQ.02")]


def test_one_word_village_needs_a_place_word_or_its_region_named():
    # A village of Erbil is called Rust (GeoNames lists "Rust" among its names).
    assert places_in("The compiler is written in Rust and ships as one binary.") == []
    assert ("Rust", "IQ.11") in places_in("Shelling hit Rust village in Erbil province.")


def test_villages_are_made_places_on_demand_with_valid_governorates():
    gaz = gazetteer()
    admin1 = {cc: set(codes) for cc, codes in yaml.safe_load(
        (Path(gazetteer_module.__file__).parents[2] / "data" / "gazetteer" / "admin1.yaml").read_text(encoding="utf-8")).items()}
    lines = gaz.places.village_lines
    assert len(lines) > 20_000
    for gid in list(lines)[::500]:
        key = f"geo:{gid}"
        assert key in gaz.places
        place = gaz.places[key]
        assert place.kind == "village" and place.geonameid == gid and place.admin1 in admin1[place.cc]
    assert gaz.places.get("geo:1") is None and "geo:1" not in gaz.places


def test_a_demonym_says_who_acted_not_where_a_village_is():
    # "Turkish" names a side, not Turkey as the place: an Iraqi village is still taken.
    assert places_in("Turkish jets struck the village of Tall Bawzinah on Monday.") == [("Tall Bawzinah", "IQ.15")]


def test_village_keys_of_short_english_words_are_left_out():
    # GeoNames spells a Syrian village "‘Aş ‘ūş": folded, "as us", which is English.
    assert places_in("Campaigners want assurances on meat such as US-produced chicken in Aleppo.") == [("Aleppo", "SY.09")]


def test_a_side_that_fights_in_one_country_tells_namesakes_apart():
    # Sinjar is a district of Nineveh and a town of Idlib; the PMF fights in Iraq only.
    assert governorate_of("Two PMF fighters were wounded in clashes near Sinjar.") == "IQ.15"
    assert governorate_of("Two HTS fighters were wounded in clashes near Sinjar.") == "SY.12"


def test_a_title_namesake_the_body_places_elsewhere_is_dropped():
    # The body says the village is in Anbar; the gazetteer's Chibayish is a district of Dhi Qar.
    body = "Gunmen attacked a farm at Chibayish village in Anbar province, killing 2 farmers."
    assert governorate_of(body, title="Two farmers killed in Chibayish") == "IQ.01"


@pytest.mark.parametrize("name, spelling", [
    # the emphatic z and d (ẓ, ż, z̧, ḍ) romanised "dh", as Iraqi English writes them
    ("Al-Ẓahiriyyah", "adh dhahiriya"),
    ("Kāz̧im al Jarū", "kadhim al jaru"),
    # "-iyyah" written "-iya"
    ("Al-Ẓahiriyyah", "al zahiriya"),
    # a final u written o
    ("Qaryat Bardatu", "qaryat bardato"),
    # a "Tall" name written as one word
    ("Tall Warbanah", "telwarbana"),
])
def test_romanisations_iraqi_english_uses(name, spelling):
    # invented names and one gazetteer village: the rules, not particular places
    assert spelling in variants(name)


@pytest.mark.parametrize("body, expected", [
    # a country named as a state's ("the forces of X", "X's army") says who acted, not where
    ("The Armed Forces of Iran shelled rebel camps in northern Iraq, killing 3 fighters.", "IQ.None"),
    ("Turkey's army said its jets struck hideouts in northern Iraq.", "IQ.None"),
    # named alone, it is still the place
    ("Three policemen were killed in Turkey on Sunday.", "TR.None"),
])
def test_a_country_named_as_a_state_is_not_where(body, expected):
    assert governorate_of(body) == expected


@pytest.mark.parametrize("body, expected", [
    # near a town says the place is close, not in the town's governorate: a subdistrict of the
    # next governorate a short way off is the place meant
    ("A roadside bomb struck a police patrol in the Al-Mansuriyah area, northeast of Baghdad, wounding 3 "
     "policemen.", "IQ.10"),
    # one far away is a namesake of a place the gazetteer lacks
    ("Gunmen attacked a farm in the Al-Habbaniyah area, west of Basra, wounding 2 farmers.", "IQ.02"),
])
def test_near_a_town_is_a_distance_not_a_governorate(body, expected):
    assert governorate_of(body) == expected


def test_a_village_close_to_a_named_town_fits_across_the_governorate_line():
    # a village of Babil a short way south of Baghdad, the only governorate the text names
    body = "A roadside bomb struck an army patrol in the village of Abu Shamsiyah, south of Baghdad, killing 2 soldiers."
    assert governorate_of(body) == "IQ.06"


def test_a_large_city_of_several_meanings_makes_a_small_namesake_abroad_unlikely_on_its_own():
    # "Mosul" is a city and a district: its only other evidence. The Syrian namesakes of the
    # quarter's name are small, and dropped whether the name has one meaning or several.
    text = "A car bomb went off in the al Thawra quarter of eastern Mosul on Friday."
    assert [cc for _, cc in places_in(text)] == ["IQ.15"]


def test_a_country_named_across_a_border_is_not_where_the_place_is():
    text = "Soldiers searched farms around al-Baaj, close to the border with Syria."
    assert places_in(text)[0] == ("al-Baaj", "IQ.15")
    assert governorate_of(text) == "IQ.15"
