"""The issue's seed targets: what a reader of each seed article expects extract() to find."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from sitrep.models import Entity
from sitrep.stages.extract.article import extract
from sitrep.stages.types import CleanArticle, Extraction

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed(prefix: str) -> tuple[CleanArticle, Extraction]:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    title, _, body = path.read_text(encoding="utf-8").partition("\n")
    clean = CleanArticle(id=path.stem, title=title, body=body, published=date(2018, 10, 20))
    return clean, extract(clean)


def by_id(x: Extraction) -> dict[str, Entity]:
    return {e.id: e for e in x.entities}


def test_seed_000_islamic_state_is_one_entity_with_its_aliases():
    _, x = seed("000")
    ids = [e.id for e in x.entities if e.category == "islamic-state" and e.type == "ARMED_GROUP"]
    assert ids == ["actor:islamic-state"]
    texts = {m.text for m in by_id(x)["actor:islamic-state"].mentions}
    assert {"Islamic State", "IS", "ISIS", "IS militants", "Islamic State militants"} <= texts


def test_seed_000_actors_and_places():
    _, x = seed("000")
    ents = by_id(x)
    assert ents["actor:sdf"].name == "Syrian Democratic Forces"
    assert "US Coalition" in {m.text for m in ents["actor:us-led-coalition"].mentions}
    assert ents["actor:us-led-coalition"].category == "us-led-coalition"
    for pid, text in [("geo:174506", "Hajin"), ("geo:al-baghuz-al-fawqani", "al-Baghuz al-Fawqani"),
                      ("geo:172415", "As-Sousah")]:
        place = ents[pid]
        assert text in {m.text for m in place.mentions}
        assert (place.geo.country_code, place.geo.admin1_code, place.geo.admin1_name) == ("SY", "07", "Deir ez-Zor")
    primary = ents[x.primary_location]
    assert primary.geo.admin1_code == "07"


def test_seed_000_casualties():
    _, x = seed("000")
    ents = by_id(x)
    civilians = next(c for c in x.casualties if c.killed == 40)
    assert (civilians.victims, civilians.cause, civilians.location) == ("civilians", "airstrike", "geo:172415")
    assert ents[civilians.perpetrator].category == "us-led-coalition"
    assert "40+ civilians killed" in civilians.evidence.text
    militants = next(c for c in x.casualties if c.killed == 31)
    assert militants.victims == "combatants"
    assert militants.perpetrator != "actor:islamic-state"  # IS militants are the victims here


def test_seed_000_five_svbieds():
    clean, x = seed("000")
    svbied = by_id(x)["weapon:svbied"]
    assert svbied.type == "WEAPON"
    assert any(clean.body[m.start - 2:m.end] == "5 SVBIEDs" for m in svbied.mentions)


@pytest.mark.parametrize("prefix", ["001", "003"])
def test_every_deir_ez_zor_spelling_is_one_place(prefix):
    clean, x = seed(prefix)
    spelled = re.compile(r"(?i)\b(?:deir|dier|dayr)[ -](?:ez|ar|al|az)?[ -]?z")
    found = [(e, m) for e in x.entities for m in e.mentions if spelled.match(m.text)]
    in_body = [m.group() for m in spelled.finditer(clean.body)]
    # Every spelling in the text became a mention, and every one of them is Deir ez-Zor: the
    # city, or the governorate where the text says "province" (or an SDF council named for it).
    assert len(found) == len(in_body) > 0
    for entity, mention in found:
        if entity.type == "PLACE":
            assert entity.name == "Deir ez-Zor" and entity.geo.admin1_code == "07", mention.text
            assert entity.id == ("geo:SY.07" if "province" in mention.text else "geo:170794")
        else:
            assert entity.id == "actor:sdf"
    assert not [e for e in x.entities if not e.known and re.search(r"(?i)deir|dier|ezzor", e.name)]


def test_seed_001_coalition_spokesman_and_abu_kamal():
    _, x = seed("001")
    ents = by_id(x)
    veale = ents["person:thomas-veale"]
    assert veale.role.startswith("Colonel") and "Director of Public Affairs" in veale.role
    assert veale.category == "us-led-coalition"
    assert x.primary_location == "geo:174448"  # Abu Kamal
    assert ents["geo:174448"].geo.admin1_code == "07"


def test_seed_002_weekly_toll_is_cumulative():
    _, x = seed("002")
    claim = next(c for c in x.casualties if c.killed == 200)
    assert claim.victims == "combatants" and claim.cumulative
    assert claim.perpetrator == "actor:us-led-coalition"


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seeds_need_no_fallback(prefix, caplog):
    seed(prefix)
    assert not [r for r in caplog.records if "extract failed" in r.getMessage()]


def test_seed_004_teasers_do_not_crash():
    clean, x = seed("004")
    assert x.primary_location is not None
    for entity in x.entities:
        for m in entity.mentions:
            assert clean.body[m.start:m.end] == m.text
