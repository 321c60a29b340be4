"""Casualty figures as ACLED codes them, and the claims built from them."""

from __future__ import annotations

from datetime import date

import pytest

from sitrep.stages.extract import casualties
from sitrep.stages.extract.article import extract
from sitrep.stages.extract.numbers import value
from sitrep.stages.types import CleanArticle


def toll(sentence: str) -> tuple[int | None, int | None]:
    """The killed and injured figures read from ``sentence``, which must give a reading."""
    reading = casualties.read(sentence)
    assert reading is not None, sentence
    return reading.killed, reading.injured


def killed_in(sentence: str) -> int | None:
    reading = casualties.read(sentence)
    return None if reading is None else reading.killed


@pytest.mark.parametrize("phrase, expected", [
    ("at least 16", 16), ("more than 100", 100), ("40+", 40), ("dozens", 12), ("dozens of", 12), ("scores", 20),
    ("hundreds of", 100), ("eight", 8), ("twelve", 12), ("twenty-five", 25), ("a dozen", 12), ("two dozen", 24),
    ("one hundred and twenty", 120), ("1,372", 1372), ("nearly 50", 50), ("20 to 30", 20), ("several", 10),
    ("no number here", None),
])
def test_numbers(phrase, expected):
    assert value(phrase) == expected


@pytest.mark.parametrize("sentence, killed, injured, victims", [
    ("US airstrikes targeted a mosque in As-Sousah, resulting in 40+ civilians killed.", 40, None, {"civilians"}),
    ("SDF media centers reported 31 IS militants killed in action along the bank.", 31, None, {"combatants"}),
    ("IS-owned Amaq reported “dozens” of SDF and other US-backed fighters were killed in action.", 12, None,
     {"combatants"}),
    ("A Russian airstrike killed eight civilians in the town of Saraqib on Tuesday.", 8, None, {"civilians"}),
    ("At least 16 people, including five children, were killed when warplanes struck a market.", 16, None,
     {"unknown", "civilians"}),
    ("Five civilians and three soldiers were killed in the blast.", 8, None, {"civilians", "combatants"}),
    ("The raid killed a woman and her three children, and wounded 12 others.", 4, 12, {"civilians"}),
    ("The death toll from the car bomb rose to 43, the Observatory said.", 43, None, {"unknown"}),
    ("Two civilians were martyred and 5 others were injured when terrorists fired rocket shells.", 2, 5,
     {"civilians"}),
    ("Shelling killed 12 and wounded 30 in Douma.", 12, 30, {"unknown"}),
    ("Twenty-five people died in the attack.", 25, None, {"unknown"}),
    ("Army units killed scores of terrorists.", 20, None, {"combatants"}),
    ("A child was killed by sniper fire in Deir ez-Zor.", 1, None, {"civilians"}),
    ("The airstrikes left 10 people dead.", 10, None, {"unknown"}),
    ("The blast left 40 dead and 20 wounded.", 40, 20, {"unknown"}),
    ("At least 15 Syrian Arab Army (SAA) soldiers were killed on Monday.", 15, None, {"combatants"}),
    ("Five fighters from the US-backed Syrian Democratic Forces were killed when a landmine exploded.", 5, None,
     {"combatants"}),
    ("The Turkish army neutralized 18 YPG terrorists in Afrin.", 18, None, {"combatants"}),
    ("A suicide bomber killed eight fighters at a checkpoint.", 8, None, {"combatants"}),  # not the bomber
    ("The SDF repelled the attack, killing 17 of the jihadists, a commander said.", 17, None, {"combatants"}),
    ("A doctor at the town's cave hospital, Ali Darwish, was killed.", 1, None, {"civilians"}),
    ("There were no casualties among the embassy staff.", 0, None, set()),
    ("At least 23 people, most of them civilians, were killed in the raids.", 23, None, {"civilians"}),
    ("Airstrikes on Monday killed 11 members of a single family.", 11, None, {"civilians"}),
    ("The Observatory put the death toll at 23.", 23, None, {"unknown"}),
    ("The number of people who were killed by the regime shells on Douma rose to 5, among them a child.", 5, None,
     {"unknown", "civilians"}),
    ("Russian warplanes eliminated some 850 militants north of Hama.", 850, None, {"combatants"}),
    ("Fourteen people lost their lives in the shelling.", 14, None, {"unknown"}),
    # hedged tolls are tolls
    ("As many as 30 people may have been killed in the shelling.", 30, None, {"unknown"}),
    ("Some 15 villagers are thought to have died in the raid.", 15, None, {"civilians"}),
    # killing verbs in any form, and words that only begin like a month ("junior", "slaughtered")
    ("Militiamen slaughtered 30 people.", 30, None, {"unknown"}),
    ("The envoy blamed the army for slaughtering as many as 50 people in the village.", 50, None, {"unknown"}),
    ("The blast killed 4 junior officers.", 4, None, {"combatants"}),
])
def test_figures(sentence, killed, injured, victims):
    assert toll(sentence) == (killed, injured)
    assert casualties.read(sentence).victims == victims


@pytest.mark.parametrize("sentence", [
    "IS launched 5 SVBIEDs along with dozens of fighters near the town.",
    "The army captured 12 villages on January 19, 2017.",
    "There is no known information if any IS militants were killed.",
    "The coalition carried out 25 strikes in 2016.",
    "Dozens of people were killed or wounded.",  # casualties, not deaths
    "Two guards could have been killed in the blast had they not left.",  # they were not
])
def test_no_figure(sentence):
    assert killed_in(sentence) is None


def test_children_are_counted_within_the_toll():
    reading = casualties.read("Air strikes killed at least 20 people, including five children and three women.")
    assert (reading.killed, reading.children, reading.women) == (20, 5, 3)


def test_running_totals_are_marked_cumulative():
    assert casualties.read("More than 400,000 people have been killed since 2011.").cumulative
    assert not casualties.read("Eight civilians were killed on Tuesday.").cumulative


def claims(title: str, body: str, published: date | None = date(2017, 4, 5)):
    x = extract(CleanArticle(id="t", title=title, body=body, published=published))
    categories = {e.id: e.category for e in x.entities}
    return [(c.killed, c.cause, categories.get(c.perpetrator), c.cumulative) for c in x.casualties], x


@pytest.mark.parametrize("title, body, expected", [
    ("Russian strike kills 8", "A Russian airstrike killed eight civilians in Saraqib on Tuesday.",
     (8, "airstrike", "russia")),
    ("Terrorists shell Damascus", "Two civilians were killed when terrorists fired mortar shells on Bab Touma.",
     (2, "shelling", "syrian-opposition")),
    ("Car bomb in Azaz", "A car bomb killed 43 people in Azaz. Islamic State claimed responsibility for the attack.",
     (43, "explosion", "islamic-state")),
    ("Chemical attack", "A chlorine attack by regime helicopters killed 3 people in Saraqib.",
     (3, "chemical", "syrian-government")),
    ("Executions", "The Islamic State group executed 12 men in Mayadin.", (12, "execution", "islamic-state")),
    ("Snipers", "Three civilians were shot dead by Hezbollah snipers in Madaya.",
     (3, "shooting", "iran-and-allied-militias")),
    ("Coalition strike", "At least 62 Syrian soldiers were killed when aircraft of the US-led coalition struck "
     "army positions near Deir ez-Zor.", (62, "airstrike", "us-led-coalition")),
    ("Strikes on Idlib", "Warplanes believed to be Russian struck a market in Idlib, killing 16 people.",
     (16, "airstrike", "russia")),
    # a weapon worn, seized or defused is not how they died
    ("Operation near Hawija", "Army units stormed a farm near Hawija, killing four militants wearing explosive vests.",
     (4, "shooting", "iraq")),
    ("Operation near Baiji", "Police raided a hideout near Baiji, killed two militants and seized a cache of roadside bombs.",
     (2, "shooting", "iraq")),
    ("Blast", "A roadside bomb destroyed by sappers had killed two soldiers the day before.", (2, "explosion", None)),
])
def test_claim_cause_and_perpetrator(title, body, expected):
    found, _ = claims(title, body)
    assert expected in [f[:3] for f in found]


def test_cause_and_perpetrator_from_the_neighbouring_sentence():
    found, _ = claims("Air strikes hit Idlib", "Russian jets struck the town of Maarat al-Numan on Tuesday. "
                      "At least 20 people were killed, the Observatory said.")
    assert (20, "airstrike", "russia", False) in found


def test_a_nationwide_daily_toll_is_a_running_total():
    found, _ = claims("Shelling", "A car bomb killed 9 people in Homs. Across the country, 40 people died on Sunday.")
    assert (9, False) in [(f[0], f[3]) for f in found]
    assert (40, True) in [(f[0], f[3]) for f in found]


def test_a_war_total_is_a_running_total():
    found, _ = claims("Blast in Homs", "A car bomb killed 9 people in Homs on Monday. "
                      "The nine-month conflict has killed at least 4,000 people, the monitor says.")
    assert (9, "explosion", None, False) in found
    assert (4000, "unknown", None, True) in found


def test_another_kind_of_attack_lends_no_perpetrator():
    # Nobody claimed the bombs; the shelling of another sentence is someone else's doing.
    found, _ = claims("Bombs in the city", "Two car bombs exploded near a security office in Hama, killing 14 people. "
                      "Nobody has claimed the attack. Shelling by government forces was also reported in Daraa.")
    assert (14, "explosion", None) in [f[:3] for f in found]


@pytest.mark.parametrize("body, expected", [
    # who tells of the attack, or condemns it, did not carry it out
    ("Opposition activists say government jets struck a bakery in the rebel-held part of Hama, killing 21 people.",
     (21, "airstrike", "syrian-government")),
    ("France strongly condemns the bombing in Manbij that killed 6 civilians.", (6, "explosion", None)),
    ("The Kurdish-led militia said its fighters found 7 bodies after the raid.", None),
])
def test_a_side_that_tells_of_the_attack_did_not_carry_it_out(body, expected):
    found, _ = claims("Attack", body)
    if expected is None:
        assert all(f[2] is None for f in found), found
    else:
        assert expected[2] == next((f[2] for f in found if f[0] == expected[0]), "no claim"), found


def test_government_gunships_are_the_state_air_force():
    found, _ = claims("Aleppo", "The monitor said government helicopter gunships dropped barrel bombs on a market "
                      "in Aleppo, killing at least 12 people.")
    assert (12, "airstrike", "syrian-government") in [f[:3] for f in found]


def test_several_events_give_several_claims():
    found, x = claims("Violence across Syria",
                      "Regime shelling killed nine civilians in Douma on Tuesday. Elsewhere, a car bomb killed "
                      "six people in Azaz. More than 300,000 people have been killed since the war began in 2011.")
    assert [(k, c, cum) for k, c, _, cum in found] == [(9, "shelling", False), (6, "explosion", False),
                                                       (300000, "unknown", True)]
    locations = [c.location for c in x.casualties]
    assert locations[0] == "geo:170592" and locations[1] == "geo:172082"


def test_a_toll_repeated_later_is_one_claim():
    found, _ = claims("Strike kills 12", "An air strike killed 12 people in Douma. The 12 people killed included "
                      "four children, medics said.")
    assert [f[0] for f in found] == [12]


def test_claim_dates_count_back_from_publication():
    _, x = claims("Strikes", "Air strikes killed 5 people in Douma on Monday. Yesterday shelling killed 2 in Harasta.",
                  published=date(2017, 4, 5))  # a Wednesday
    assert [c.date for c in x.casualties] == [date(2017, 4, 3), date(2017, 4, 4)]


def test_evidence_offsets_point_into_the_body():
    body = "BEIRUT (Reuters) - Air strikes killed 20 people in Idlib.\n\nRescuers said 30 were wounded."
    _, x = claims("t", body)
    for claim in x.casualties:
        assert body[claim.evidence.start:claim.evidence.end] == claim.evidence.text


@pytest.mark.parametrize(
    ("body", "place"),
    [
        ("BEIRUT (Reuters) - Air strikes killed at least 10 people in Douma in the rebel-held Eastern Ghouta on Monday.", "Dūmā"),
        ("AMMAN, Jan 3 (Reuters) - Shelling killed six civilians in Daraa city, residents said.", "Dar‘ā"),
        ("Raqqa, SANA – 33 civilians were killed when warplanes of the US-led coalition hit a school in al-Mansoura.", "Ar Raqqah"),
    ],
)
def test_a_foreign_dateline_is_not_where_it_happened(body: str, place: str) -> None:
    from sitrep.stages.extract.article import extract
    from sitrep.stages.types import CleanArticle

    extraction = extract(CleanArticle(id="d", body=body))
    names = {e.id: e.name for e in extraction.entities}
    assert names[extraction.casualties[0].location] == place


# --- tolls as conflict reporting writes them (issue 19) -------------------------------------------


@pytest.mark.parametrize("sentence, killed, injured", [
    # a toll of one, in digits, words or a bare noun phrase
    ("1 border guard was killed when smugglers opened fire.", 1, None),
    ("A roadside bomb killed 1 officer and injured 2 others.", 1, 2),
    ("Gunmen stormed the house, killing him and wounding his brother.", 1, 1),
    ("Unknown assailants killed her outside the clinic.", 1, None),
    ("Militants killed the head of the village council near the market.", 1, None),
    ("The gunmen shot and killed his nephew on Sunday.", 1, None),
    ("One policeman died and another was hurt in the ambush.", 1, 1),
    ("A drone strike killed a senior commander and 3 of his aides.", 4, None),
    # a day of the month is no toll
    ("On 14 March 2021, 6 fighters were killed near the dam.", 6, None),
    ("On the 2nd of June, three villagers were killed by a landmine.", 3, None),
    ("Around 9 Oct., 4 soldiers were killed in an ambush.", 4, None),
    ("On 03 07 2018, a mine killed 2 shepherds.", 2, None),
    # figures joined by "and", "all", a pronoun for a victim named before
    ("A mortar shell hit the checkpoint, killing 1 soldier and 1 civilian.", 2, None),
    ("Troops clashed with the cell, killing all 4 militants.", 4, None),
    ("A policeman was shot by a sniper near the bridge, killing him.", 1, None),
    ("The blast led to the death of 1 shepherd near the village.", 1, None),
    # ranges and qualifiers
    ("Between 10 and 15 people were killed in the shelling.", 10, None),
    ("At least eleven civilians were killed and more than 30 wounded.", 11, 30),
])
def test_tolls(sentence, killed, injured):
    assert toll(sentence) == (killed, injured)


@pytest.mark.parametrize("sentence", [
    "Seven soldiers were killed, injured or captured in the raid.",
    "The blast killed and injured 9 members of the patrol.",
    "The strikes left 14 fighters killed and wounded.",
    "Fighting resulted in 5 rebels killed or missing.",
    "The ceasefire took effect on 11 September, the ministry said.",
])
def test_casualties_that_are_not_deaths(sentence):
    assert not killed_in(sentence)


# --- actors and perpetrators of Iraqi and border reporting (issue 19) -----------------------------


@pytest.mark.parametrize("title, body, expected", [
    # the side that acted, not the side that died
    ("Clash in the mountains", "Three PKK fighters were killed in clashes with Turkish troops near Zakho.",
     (3, "shooting", "turkey")),
    ("Clash in the mountains", "A Turkish soldier was killed in an armed clash with the PKK near Amadiya.",
     (1, "shooting", "sdf-kurdish")),
    # Iraqi state forces and their country-neutral names in an Iraqi story
    ("Samarra", "Federal police killed 4 Islamic State militants near Samarra.", (4, "shooting", "iraq")),
    ("Raid near Kirkuk", "The army killed two militants in an ambush near Kirkuk.", (2, "shooting", "iraq")),
    ("PMF clash", "Hashd al-Shaabi fighters killed 5 IS militants in clashes near Baiji.", (5, "shooting", "iraq")),
    ("Peshmerga", "Peshmerga forces shot dead a suicide bomber near Makhmur.", (1, "shooting", "iraq")),
    ("Tribal fighters", "Tribal Mobilization fighters killed 3 militants west of Ramadi.", (3, "shooting", "iraq")),
    ("Militia strike", "Kataib Hezbollah fired rockets at a base near Baghdad, killing one contractor.",
     (1, "shelling", "iran-and-allied-militias")),
    # the victims' own side after them, a source after "reported by", a side telling of its
    # own dead: none of them did the killing
    ("Raid", "Turkish jets killed 3 PKK fighters from the YPG wing of the group during a raid near the border.",
     (3, "airstrike", "turkey")),
    ("Raid", "Four PKK fighters were killed as reported by the PKK, during airstrikes of Turkish forces in the north.",
     (4, "airstrike", "turkey")),
    ("Raid", "Turkish jets struck a village in the north. The PKK confirmed the killing of two of its fighters.",
     (2, "airstrike", "turkey")),
    ("Claim", "Islamic State said they killed 4 soldiers near Tikrit.", (4, "shooting", "islamic-state")),
    # a supporter after "backed by" and an owner after "used by" did not kill; the side backed
    # stays the one that acted
    ("Desert operation", "Iraqi troops backed by coalition aircraft killed 6 militants in the desert west of Ramadi.",
     (6, "shooting", "iraq")),
    ("Operation near Makhmur", "Peshmerga fighters backed by coalition helicopters killed three militants near Makhmur.",
     (3, "shooting", "iraq")),
    ("Strike", "Two men were killed when drones struck a depot used by the PKK near Zakho.", (2, "airstrike", None)),
    # a side named before the thing hit owns it ("an army checkpoint"): it was the target
    ("Sniper attack", "IS militants fired on an Iraqi army checkpoint using sniper rifles near Tikrit, killing one soldier.",
     (1, "shooting", "islamic-state")),
    # unidentified attackers belong to no side, in Iraq or in Syria
    ("Shooting in Basra", "Unidentified gunmen shot dead an activist in Basra.", (1, "shooting", "other")),
    ("Shooting in Daraa", "Unknown gunmen killed a former rebel commander in Daraa.", (1, "shooting", "other")),
])
def test_perpetrator_is_the_side_that_acted(title, body, expected):
    found, _ = claims(title, body)
    assert expected in [f[:3] for f in found], found


def test_the_army_is_the_army_of_the_country_of_the_story():
    _, syria = claims("Shelling", "Army units shelled Kafr Nabl in Idlib, killing 5 civilians.")
    _, iraq = claims("Shelling", "Army units shelled an IS hideout near Tikrit, killing 5 militants.")
    assert {e.id for e in syria.entities} >= {"actor:syrian-government"}
    assert {e.id for e in iraq.entities} >= {"actor:iraq"} and "actor:syrian-government" not in {e.id for e in iraq.entities}


def test_people_killed_or_hurt_without_a_split_make_a_claim_without_a_toll():
    found, _ = claims("Strikes in the mountains", "Turkish jets killed or wounded 6 PKK fighters near Amadiya.")
    assert [f[:3] for f in found] == [(None, "airstrike", "turkey")]


def test_no_casualties_is_a_claim_of_none():
    found, _ = claims("Bomb in Basra", "A bomb planted by unknown gunmen hit a house in Basra. No reported injuries "
                      "or fatalities.")
    assert [f[:3] for f in found] == [(0, "explosion", "other")]


def test_a_killing_by_a_named_side_with_no_weapon_named_is_an_attack():
    found, _ = claims("Hawija", "Islamic State militants killed 3 farmers in a village near Hawija.")
    assert [f[:3] for f in found] == [(3, "shooting", "islamic-state")]
    found, _ = claims("Toll", "Three farmers died near Hawija.")
    assert [f[:3] for f in found] == [(3, "unknown", None)]


def test_a_story_without_places_is_in_the_country_of_the_sides_it_names():
    found, _ = claims("Joint operation", "Police forces and the PMF killed 3 IS militants in a joint operation.")
    assert [f[:3] for f in found] == [(3, "shooting", "iraq")]


def test_a_generic_word_fused_to_a_named_side_is_that_side():
    found, _ = claims("Attack", "YJA Star militants attacked a Turkish army post near Amadiya. Two soldiers were killed.")
    assert (2, "shooting", "sdf-kurdish") in [f[:3] for f in found]


def test_an_unnamed_attacker_after_by_a_is_the_perpetrator():
    found, _ = claims("Sniper", "A member of the Popular Mobilization Forces was killed by an unidentified sniper near Hilla.")
    assert [f[:3] for f in found] == [(1, "shooting", "other")]


@pytest.mark.parametrize("body, expected", [
    ("Iraqi jets struck a cave in the desert near Rutba, killing all those inside.", (None, "airstrike", "iraq")),
    ("Turkish troops killed PKK militants in clashes near Amadiya.", (None, "shooting", "turkey")),
])
def test_deaths_without_a_number_are_a_claim_without_a_toll(body, expected):
    found, _ = claims("Operation", body)
    assert [f[:3] for f in found] == [expected]


@pytest.mark.parametrize("title, body, expected", [
    ("Raids in the mountains", "Turkish warplanes bombed PKK hideouts in the mountains near Amadiya on Sunday.",
     (None, "airstrike", "turkey")),
    ("Shelling", "Government artillery shelled rebel-held villages south of Idlib overnight, activists said.",
     (None, "shelling", "syrian-government")),
    ("Attack", "The army's checkpoint near Tikrit came under attack by Islamic State militants late on Monday.",
     (None, "shooting", "islamic-state")),
    ("Strike", "Positions of the PKK in the Qandil mountains were struck by Turkish drones on Friday.",
     (None, "airstrike", "turkey")),
    ("Bombing", "Islamic State claimed responsibility for a car bomb that hit a market in Baghdad.",
     (None, "explosion", "islamic-state")),
])
def test_an_attack_without_a_toll_is_a_claim_of_its_acting_side(title, body, expected):
    found, x = claims(title, body)
    assert [f[:3] for f in found] == [expected]
    assert x.casualties[0].injured is None  # neither figure stated: unknown, not zero


@pytest.mark.parametrize("body", [
    "A Turkish army post near Amadiya came under heavy fire late on Saturday.",
    "An IED exploded targeting an army patrol near Tikrit.",
    "Rockets targeted a US base near Baghdad airport on Tuesday.",
    "The Islamic State group was driven out of Mosul in 2017.",
])
def test_a_target_or_a_bystander_is_never_the_acting_side(body):
    found, _ = claims("News", body)
    assert all(f[2] in (None, "other") for f in found), found


def test_a_victim_is_never_the_perpetrator_the_article_votes_for():
    # The victims' side sits right before the weapon word: fused with it, it would look like the bomber.
    found, _ = claims("Roadside bomb near Makhmour", "A Peshmerga fighter was killed by the blast of a roadside "
                      "bomb near Makhmour on Sunday.")
    assert [f[:3] for f in found] == [(1, "explosion", None)]


@pytest.mark.parametrize("sentence, killed, injured", [
    # a noun that qualifies the next one is no head: the figure runs on to the person
    ("Two Kurdish peshmerga fighters died in the blast near the dam.", 2, None),
    ("Gunmen shot dead 4 police officers at a checkpoint outside the town.", 4, None),
    # a number before a singular noun, a slip reporters make
    ("A roadside bomb killed 2 policeman and injured 3 others on the highway.", 2, 3),
    # collective nouns counted like people
    ("A mortar round killed 5 security forces at the base.", 5, None),
    ("The ambush left 3 police and 1 guard dead.", 4, None),
    # "and six others" after a figure is a figure of its own with its own verb
    ("Militants killed 1 conscript and seven others were hurt in the raid.", 1, 7),
    # a participle or relative clause between the victims and their verb
    ("Three boys collecting firewood were killed by a landmine.", 3, None),
    ("Four farmers who had gone back to their fields were killed by shelling.", 4, None),
    # a preposition "for" inside the victim phrase, and a victim joined by "and an"
    ("A guard and an informant for the police were killed by gunmen.", 2, None),
    # the verb after "reported to be", and a second verb coordinated with "and"
    ("Eleven recruits were said to be killed in the attack.", 11, None),
    ("A reporter was abducted and then killed by masked men.", 1, None),
    # trades and roles newly known as victims
    ("An interpreter was killed when the convoy was hit.", 1, None),
])
def test_victim_phrases_reporters_write(sentence, killed, injured):
    assert toll(sentence) == (killed, injured)


@pytest.mark.parametrize("sentence", [
    # casualties count the hurt with the dead: a number of them is no death toll
    "The number of casualties in the town rose to 14 by the evening.",
    "That brought the number of fighters killed or wounded to 30 for the week.",
    # "injured and killed" without a split stays neither
    "Six workers were injured and killed in the collapse.",
])
def test_counts_of_the_hurt_are_no_death_toll(sentence):
    assert killed_in(sentence) is None


@pytest.mark.parametrize("body, cause", [
    ("Gunmen threw a hand grenade at a shop, killing 2 men.", "explosion"),
    ("A teacher was stabbed and killed near her home by an unknown assailant.", "execution"),
    ("Two men were tortured and killed by a militia in the city.", "execution"),
    # the bomber among the victims says nothing of how he died, even in the lead fallback
    ("Police forces killed a suicide bomber near the market.", "shooting"),
])
def test_cause_words_reporters_use(body, cause):
    found, _ = claims("Report", body)
    assert cause in [f[1] for f in found]


@pytest.mark.parametrize("body, cause", [
    # air power backing the ground forces that fought is not how the dead died
    ("Army units backed by the air force stormed a hideout in the desert, killing 5 militants.", "shooting"),
    ("Police, with the support of coalition aircraft, raided the village and killed 3 gunmen.", "shooting"),
    # without the backing, the aircraft did it
    ("Coalition aircraft struck a hideout in the desert, killing 5 militants.", "airstrike"),
])
def test_air_support_is_not_an_airstrike(body, cause):
    found, _ = claims("Report", body)
    assert [f[1] for f in found] == [cause]


# --- victims joined, referred back to, or broken down (issue 19) ----------------------------------


@pytest.mark.parametrize("sentence, killed, injured", [
    # an irregular participle coordinated with the verb
    ("A shepherd was shot and killed near the well.", 1, None),
    ("Two boys were hit and killed by a stray shell.", 2, None),
    ("A guard was shot and wounded at the gate.", None, 1),
    # a pronoun and the victims named beside it are added up
    ("Gunmen stormed the farm, killing him and his driver.", 2, None),
    ("Rebels stormed the post and killed him as well as 4 other guards.", 5, None),
    ("The raid led to the killing of him and 2 of his cousins, and wounding 3 others.", 3, 3),
    # a list of people named by role, a parenthesis or a complement between them
    ("Attackers shot dead the director of the hospital, his nephew and a guard.", 3, None),
    ("A drone strike killed a battalion commander (Karim Nouri) and 2 of his guards.", 3, None),
    ("A conscript along with a nurse were killed by the blast.", 2, None),
    # the noun a victim is named by is no second victim
    ("The sister of a lawmaker was killed by gunmen outside her home.", 1, None),
    # "them", "all of them", "both": the figure named before
    ("Militants stopped a minibus carrying 6 labourers and killed them.", 6, None),
    ("Rebels seized three shepherds and then executed them in the hills.", 3, None),
    ("Police surrounded 5 gunmen in a farmhouse, killing them all.", 5, None),
    ("A patrol clashed with 2 infiltrators near the border, and both of them were killed.", 2, None),
    # a family of N counts its members
    ("Gunmen killed a displaced family of six in their tent.", 6, None),
    # a breakdown after "among them" or "including" is part of the toll, not added to it
    ("The bomb left 4 people killed, among them 1 police officer killed at the gate.", 4, None),
    ("Airstrikes left 7 rebels dead, including a field commander.", 7, None),
    # assassinations are killings
    ("Masked men assassinated a judge in the city centre.", 1, None),
    # a second number ends the victim phrase: "two houses, leaving 3 ..." is not "two ... men"
    ("The shells destroyed two houses, leaving 3 men dead.", 3, None),
    # a range after "between" is its lower end
    ("Between 10 and 15 people were killed in the shelling.", 10, None),
    ("Between eight and twelve fighters died in the fighting.", 8, None),
])
def test_victims_joined_referred_back_or_broken_down(sentence, killed, injured):
    assert toll(sentence) == (killed, injured)


@pytest.mark.parametrize("sentence", [
    # "them" stands for a figure only when one came before without a verb of its own
    "Gunmen fired at the protesters and wounded them.",
    "Fighting between 2 tribes over land went on for a week.",
])
def test_no_toll_from_a_pronoun_or_a_count_of_groups(sentence):
    assert not killed_in(sentence)


@pytest.mark.parametrize("sentence, killed, injured", [
    # a list of victims runs on past the casualty word's reach
    ("A bomb went off near the bakery, killing the owner of the bakery and the driver of a delivery van and "
     "a worker.", 3, None),
    ("Militants ambushed a convoy on the desert road killing 1 sergeant and 2 of his escorts as well as "
     "1 tribal fighter.", 4, None),
    # a title right after "the" is a person, not the name of a body
    ("Gunmen shot and killed the Mayor of a town in the valley.", 1, None),
    # a victim named after the verb by "along with", "with"
    ("A teacher at the school was killed along with his brother when a shell struck their house.", 2, None),
    ("A nurse died with her two daughters in the fire.", 3, None),
    # a past participle between the victims and their verb
    ("Two guards posted at the gate were killed by a sniper.", 2, None),
    ("A farmer tasked with watching the orchard was shot and killed by gunmen.", 1, None),
    # "the militants" stands for the figure with the same noun named before
    ("Troops chased a pickup with 3 militants on board, destroying it and killing the militants inside.", 3, None),
    # one victim without an article: a role and a name, or "he"
    ("Masked men shot dead tribal sheikh Hamid Saleh outside his home.", 1, None),
    ("Gunmen killed Kurdish journalist Omar Ali in the city.", 1, None),
    ("Activist Sami Karim was shot and killed near the square.", 1, None),
    ("She was shot and killed outside the bakery.", 1, None),
])
def test_victim_lists_and_single_victims(sentence, killed, injured):
    assert toll(sentence) == (killed, injured)


@pytest.mark.parametrize("sentence", [
    # a definite noun stands only for a figure of the same noun
    "Police sent 6 officers to the village, killing the militants there.",
    # a plural without a number is no toll of one
    "Snipers killed civilians near the bridge.",
])
def test_no_toll_of_one_from_a_plural_or_another_noun(sentence):
    assert not killed_in(sentence)


def test_a_list_beyond_the_window_is_read_in_a_claim():
    found, _ = claims("Raid", "Commandos raided a farm near the lake late at night, killing the self-styled emir "
                      "of the district and two of his bodyguards and seizing 3 rifles.")
    assert [f[0] for f in found] == [3]


@pytest.mark.parametrize("sentence, killed, injured", [
    # an adverb after "and" is no second victim: the verb before the first one holds
    ("Gunfire killed a farmer and badly wounded another at the market.", 1, 1),
    # a parenthesis is one word of a unit's name
    ("A roadside bomb left 2 Army 9th Division (Rapid Response) soldiers killed and another injured.", 2, 1),
    # an adjective phrase between the victims and their verb
    ("Four members of the cell responsible for smuggling weapons were killed in a raid.", 4, None),
    # the figure "both of them" stands for, far before it
    ("Border guards stopped a boat carrying two smugglers on the river east of the port after a long chase, "
     "and both of them were killed.", 2, None),
    # a victim after the verb, joined by "and" with no verb of its own
    ("The mortar round left 2 guards killed and 1 child, as well as wounding 5 guards.", 3, 5),
    ("3 guards were killed and 5 others detained in the operation.", 3, None),
    # "wali" is a title militant groups give a regional commander
    ("Troops killed IS wali Abu Omar in the desert.", 1, None),
])
def test_victims_after_adverbs_units_and_far_pronouns(sentence, killed, injured):
    assert toll(sentence) == (killed, injured)


def test_victims_far_before_their_verb_in_a_claim():
    found, _ = claims("Shelling of a hamlet", "Rebels shelled a hamlet by the river at night, and heavy fighting "
                      "followed. 3 herders from the hamlet who had gone out after dark to bring their flocks back "
                      "to the safety of the pens were killed in the shelling.")
    assert [f[0] for f in found] == [3]


def test_a_victim_named_after_a_toll_is_one_of_its_dead():
    found, _ = claims("Bombing", "Two car bombs killed at least 14 people in the town on Friday, among them a "
                      "well-known judge. Judge Karim Saleh was killed in the second blast, a monitor said.")
    assert [f[0] for f in found] == [14]


@pytest.mark.parametrize("sentence, killed, injured", [
    # "them" for two victims named one by one
    ("A sniper fired on a teacher who was walking home with her husband along the river, killing them.", 2, None),
    ("Gunmen fired on a teacher and her husband near the river, killing them.", 2, None),
    # victims joined across a relative clause
    ("An airstrike hit a car in the valley, killing two passengers who were rebels and a farmer who was near the "
     "car.", 3, None),
    # "the second soldier killed" says who the victim was, it adds none
    ("1 soldier was killed by a sniper near the dam, he is the second soldier killed there this month.", 1, None),
])
def test_them_for_victims_named_one_by_one_and_ordinals(sentence, killed, injured):
    assert toll(sentence) == (killed, injured)


def test_alternation_trie_matches_the_flat_list() -> None:
    """numbers.alternation writes its phrases as a trie; every match (where, how long) must be
    the flat longest-first list's, case-blind and embedded between other pattern parts."""
    import random
    import re

    from sitrep.stages.extract.numbers import alternation

    words = ["kill", "killed", "killing", "kills", "shot", "shot dead", "shooting dead", "a", "an", "and",
             "of", "officer", "officers", "at least", "at", "o'clock", "x-ray", "c++"]
    flat = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))
    trie = alternation(words)
    assert trie != flat
    rng = random.Random(7)
    pieces = [*words, " ", "  ", "\n", ".", "Killed", "SHOT  DEAD", "Officer's", "k"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    for wrap in ("(?:{})", r"\b(?:{})\b", r"(?P<w>{})(?:\s+(?:{}))?", r"(?:{})s?\s+dead"):
        old, new = (re.compile(wrap.format(p, p), re.IGNORECASE) for p in (flat, trie))
        for text in texts:
            assert [m.span() for m in old.finditer(text)] == [m.span() for m in new.finditer(text)], (wrap, text)
            assert [m.span() for m in (old.match(text, i) for i in range(len(text))) if m] == \
                   [m.span() for m in (new.match(text, i) for i in range(len(text))) if m]
