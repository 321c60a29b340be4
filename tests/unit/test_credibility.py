"""Credibility text signals, the score, and the ROC AUC of final scores on a labelled corpus.

``tests/data/credibility/reports.jsonl`` holds 83 short reports written for these tests in
the styles of the outlets that covered the Syrian war 2016-2017 (wires, broadcasters, Syrian,
Russian, Iranian, Hezbollah and Turkish state or aligned media), most of them in groups that
report one event with agreeing or conflicting tolls. Each is labelled credible (1) or not (0)
by one rule: its casualty claim is consistent with the other independent reports of the event
or, for a lone report, with a plausible independent count; the ``note`` field says why.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import orjson
import pytest

from sitrep.commands.process import process
from sitrep.models import Casualty, Entity, Evidence, Geo, Removed
from sitrep.settings import Settings
from sitrep.stages import credibility
from sitrep.stages.credibility.sources import SourcePriors, SourcePriorsError, default_priors, load_priors
from sitrep.stages.types import CleanArticle, Extraction

CORPUS = Path(__file__).resolve().parents[1] / "data" / "credibility" / "reports.jsonl"


def roc_auc(scores: list[float], labels: list[int]) -> float:
    """Probability that a credible report outscores a non-credible one (ties count half)."""
    pairs = sorted(zip(scores, labels))
    positives = sum(labels)
    negatives = len(labels) - positives
    # Mann-Whitney U from average ranks, so ties are handled in one pass.
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        average_rank = (i + 1 + j) / 2
        rank_sum += average_rank * sum(label for _, label in pairs[i:j])
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def signals_of(clean: CleanArticle, extraction: Extraction | None = None) -> dict[str, float]:
    return {s.name: s.value for s in credibility.text_signals(clean, extraction or Extraction())}


def source_value_with(clean: CleanArticle, priors: SourcePriors) -> float:
    return next(s.value for s in credibility.text_signals(clean, Extraction(), priors) if s.name == "source_prior")


def evidence_of(clean: CleanArticle, name: str, extraction: Extraction | None = None) -> list[str]:
    return next(s.evidence for s in credibility.text_signals(clean, extraction or Extraction()) if s.name == name)


# --- the target: ROC AUC of the final scores on the labelled corpus ---------------------------


def test_roc_auc_helper_matches_hand_counts():
    assert roc_auc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]) == 1.0
    assert roc_auc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]) == 0.0
    assert roc_auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == 0.5
    assert roc_auc([0.9, 0.4, 0.6, 0.1], [1, 1, 0, 0]) == 0.75


def test_final_scores_separate_credible_from_not_credible_reports(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    summary = process(Settings(), [str(CORPUS)], out, progress=False)
    labels = {json.loads(line)["id"]: json.loads(line)["label"] for line in CORPUS.read_text().splitlines()}
    records = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert len(records) == len(labels) == 83
    scores = [r["credibility"]["score"] for r in records]
    truth = [labels[r["id"]] for r in records]
    auc = roc_auc(scores, truth)
    print(f"\nROC AUC on {len(records)} labelled reports ({sum(truth)} credible): {auc:.3f}; {summary.revisions} score revisions")
    assert auc >= 0.75
    assert summary.revisions > 0


# --- source prior -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "url", "outlet", "prior"),
    [
        ("Reuters", None, "Reuters", 0.875),
        ("REUTERS", None, "Reuters", 0.875),
        ("Thomson Reuters via Yahoo News", None, "Reuters", 0.875),
        (None, "https://www.reuters.com/article/us-mideast-crisis-syria-idUSKBN1", "Reuters", 0.875),
        ("sana.sy", None, "SANA", 0.35),
        ("Syrian Arab News Agency", None, "SANA", 0.35),
        ("http://sana.sy/en/?p=103587", None, "SANA", 0.35),
        ("https://www.rt.com/news/360123-aleppo/", None, "RT", 0.2),
        ("presstv", None, "Press TV", 0.2),
        ("Al-Masdar News", None, "Al Masdar News", 0.35),
        ("manar", None, "Al Manar", 0.2),
        ("jordantimes", None, "Jordan Times", 0.5),
        ("Al Jazeera English", None, "Al Jazeera", 0.65),
        ("english.alarabiya.net", None, "Al Arabiya", 0.35),
        ("aa.com.tr", None, "Anadolu Agency", 0.35),
    ],
)
def test_sources_are_matched_by_name_alias_domain_or_url(source, url, outlet, prior):
    found = default_priors().lookup(source, url)
    assert found is not None and found.name == outlet
    assert found.prior == pytest.approx(prior)
    value = signals_of(CleanArticle(id="a", source=source, url=url, body="Text."))["source_prior"]
    assert value == pytest.approx(2 * prior - 1)


@pytest.mark.parametrize("source", [None, "", "Some Blog Nobody Rated", "https://example.org/news/1"])
def test_an_unknown_source_gets_the_neutral_prior(source):
    signal = next(s for s in credibility.text_signals(CleanArticle(id="a", source=source, body="Text."), Extraction()) if s.name == "source_prior")
    assert signal.value == 0.0 and signal.contribution == 0.0
    assert signal.evidence[0].startswith("unknown source")


def test_every_prior_follows_the_documented_rule_and_names_its_basis():
    for outlet in default_priors().outlets:
        assert 0.0 < outlet.prior < 1.0, outlet
        assert outlet.basis, outlet
    wires = {o.name: o.prior for o in default_priors().outlets}
    assert wires["Reuters"] > wires["Al Jazeera"] > wires["Jordan Times"] > wires["SANA"] > wires["RT"]


def test_a_deployment_table_overrides_and_extends_the_default(tmp_path: Path):
    table = tmp_path / "priors.yaml"
    table.write_text(
        "outlets:\n"
        "  - {name: SANA, aliases: [syrian arab news agency], domains: [sana.sy], prior: 0.6, basis: our own audit}\n"
        "  - name: Enab Baladi\n"
        "    domains: [enabbaladi.net]\n"
        "    ratings: [{rater: mbfc_factual, rating: high, read: example}]\n",
        encoding="utf-8",
    )
    priors = load_priors(table)
    assert priors.lookup("sana.sy").prior == 0.6
    assert priors.lookup("https://english.enabbaladi.net/archives/2017/04").prior == 0.8
    assert priors.lookup("Reuters").prior == 0.875
    value = source_value_with(CleanArticle(id="a", source="SANA", body="Text."), priors)
    assert value == pytest.approx(0.2)


def test_process_reads_the_table_named_in_the_settings(tmp_path: Path):
    table = tmp_path / "priors.yaml"
    table.write_text("outlets:\n  - {name: Reuters, domains: [reuters.com], prior: 0.1}\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "r1", "source": "Reuters", "body": "Air strikes killed 9 people in Idlib on Monday."}) + "\n")
    out = tmp_path / "out.jsonl"
    process(Settings(source_priors=table), [str(source)], out, progress=False)
    signal = next(s for s in orjson.loads(out.read_bytes())["credibility"]["signals"] if s["name"] == "source_prior")
    assert signal["value"] == pytest.approx(-0.8)


def test_a_broken_table_is_an_error_not_a_silent_default(tmp_path: Path):
    table = tmp_path / "bad.yaml"
    table.write_text("outlets:\n  - {name: X, ratings: [{rater: mbfc_factual, rating: superb}]}\n", encoding="utf-8")
    with pytest.raises(SourcePriorsError, match="unknown rating"):
        load_priors(table)
    with pytest.raises(SourcePriorsError):
        load_priors(tmp_path / "missing.yaml")


# --- text signals on real-ish text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "sign"),
    [
        ("Air strikes killed 14 people, the Syrian Observatory for Human Rights said. Rescue workers said 30 were wounded.", 1),
        ("\u201cThe bombing has not stopped since dawn,\u201d Ibrahim Abu al-Laith, an official with the civil defence, told Reuters.", 1),
        ("A military source told SANA that army units killed scores of terrorists in the countryside.", -1),
        ("Sources said that dozens were killed, according to sources close to the militants.", -1),
        ("The town was shelled on Monday.", 0),
    ],
)
def test_attribution(body, sign):
    value = signals_of(CleanArticle(id="a", body=body))["attribution"]
    assert (value > 0) - (value < 0) == sign


def test_attribution_counts_a_combatant_toll_on_a_partys_word_against_the_report():
    body = "Turkish jets neutralized 44 Daesh terrorists in al-Bab on Wednesday."
    claim = Casualty(killed=44, victims="combatants", cause="airstrike", evidence=Evidence(text=body, start=0, end=len(body)))
    value = signals_of(CleanArticle(id="a", body=body), Extraction(casualties=[claim]))["attribution"]
    assert value == pytest.approx(-0.3)


@pytest.mark.parametrize(
    ("body", "hedged"),
    [
        ("Reuters could not independently verify the accounts.", True),
        ("The strikes were reportedly carried out by Russian jets; it was not clear how many died.", True),
        ("Air strikes killed 20 people in Maarat al-Numan on Tuesday.", False),
    ],
)
def test_hedging(body, hedged):
    value = signals_of(CleanArticle(id="a", body=body))["hedging"]
    assert (value < 0) == hedged and value >= -1


@pytest.mark.parametrize(
    ("body", "loaded"),
    [
        ("Army units destroyed the dens of Jabhat al-Nusra terrorists, killing scores of mercenaries, a military source said.", True),
        ("Takfiri terrorists fired rocket shells on the neighborhood; three citizens were martyred.", True),
        ("The Turkish Armed Forces neutralized 51 PKK/PYD terrorists.", True),
        ("Air strikes killed 45 people in rebel-held eastern Aleppo, the Observatory said.", False),
    ],
)
def test_loaded_language(body, loaded):
    value = signals_of(CleanArticle(id="a", body=body))["loaded_language"]
    assert (value < 0) == loaded


def test_loaded_language_grows_with_the_density_of_loaded_terms():
    light = signals_of(CleanArticle(id="a", body="The terrorists fired shells. " + "Residents fled the town. " * 40))["loaded_language"]
    heavy = signals_of(CleanArticle(id="b", body="The terrorists and takfiri mercenaries fired shells from their dens."))["loaded_language"]
    assert heavy < light < 0


@pytest.mark.parametrize(
    ("title", "body", "baited"),
    [
        ("SHOCKING: White Helmets STAGE another chemical attack!!", "The so-called rescuers were filmed.", True),
        ("You Won't Believe What Happened In Aleppo Today", "Hundreds were killed in Aleppo today.", True),
        ("Air strikes kill 40 in Idlib", "Air strikes killed 14 people in Idlib province on Monday.", True),
        ("Air strikes kill 14 in Idlib: monitor", "Air strikes killed 14 people in Idlib province on Monday, a monitor said.", False),
        ("ISIS attack on Deir ez-Zor repelled", "The army repelled an ISIS attack on Deir ez-Zor on Saturday.", False),
    ],
)
def test_clickbait_and_title_body_mismatch(title, body, baited):
    value = signals_of(CleanArticle(id="a", title=title, body=body))["clickbait"]
    assert (value < 0) == baited


def test_a_title_figure_missing_from_the_body_is_named_in_the_evidence():
    evidence = evidence_of(CleanArticle(id="a", title="Air strikes kill 40 in Idlib", body="Air strikes killed 14 people in Idlib."), "clickbait")
    assert "title figure 40 not in the body" in evidence


@pytest.mark.parametrize(
    ("body", "removed", "polluted"),
    [
        ("Ten people were killed.", [Removed(kind="comments", rule="comments_heading", chars=812, preview="Comments (14)")], True),
        ("Ten people were killed.", [Removed(kind="boilerplate", rule="donation_appeal", chars=140, preview="Support our work")], True),
        ("Ten people were killed. Support our work: donate now via PayPal.", [], True),
        ("Ten people were killed.", [Removed(kind="boilerplate", rule="navigation_menu", chars=40, preview="Home News")], False),
    ],
)
def test_page_pollution(body, removed, polluted):
    value = signals_of(CleanArticle(id="a", body=body, removed=removed))["page_pollution"]
    assert (value < 0) == polluted


def _town() -> Entity:
    return Entity(id="geo:169389", type="PLACE", name="Khan Sheikhoun", geo=Geo(lat=35.44, lon=36.65, country_code="SY", admin1_code="12"))


def test_specificity_rewards_date_town_exact_toll_and_site_and_punishes_vague_counts():
    specific = "Air strikes killed 14 civilians at a market in Khan Sheikhoun on Tuesday."
    claim = Casualty(
        killed=14, victims="civilians", cause="airstrike", location="geo:169389", perpetrator="actor:russia",
        evidence=Evidence(text=specific, start=0, end=len(specific)),
    )
    russia = Entity(id="actor:russia", type="STATE", name="Russian armed forces", category="russia")
    clean = CleanArticle(id="a", body=specific, published=date(2017, 4, 4))
    extraction = Extraction(entities=[_town(), russia], primary_location="geo:169389", casualties=[claim])
    high = signals_of(clean, extraction)["specificity"]
    assert evidence_of(clean, "specificity", extraction) == [
        "date 2017-04-04", "day: tuesday", "place Khan Sheikhoun", "figure 14 killed", "site: market", "by Russian armed forces",
    ]
    vague = "Army units killed scores of terrorists and inflicted heavy losses on them."
    low = signals_of(CleanArticle(id="b", body=vague))["specificity"]
    assert high == 1.0
    assert low == -1.0


def test_every_text_signal_carries_its_weight_and_contribution():
    body = "A military source told SANA that scores of terrorists were killed."
    clean = CleanArticle(id="a", source="SANA", title="Army units destroy terrorist hotbeds", body=body)
    for signal in credibility.text_signals(clean, Extraction()):
        assert signal.weight == credibility.WEIGHTS[signal.name]
        assert signal.contribution == pytest.approx(signal.value * signal.weight, abs=1e-4)
        assert -1.0 <= signal.value <= 1.0


# --- the score ------------------------------------------------------------------------------


def test_signals_at_zero_say_nothing_and_score_one_half():
    cred = credibility.score([credibility.signal(name, 0.0) for name in credibility.WEIGHTS], [])
    assert cred.score == 0.5
    assert cred.band == "medium"


def test_an_unknown_outlets_plain_dated_report_scores_near_one_half():
    clean = CleanArticle(id="a", source="Some Local Site", body="Shelling hit the town of Saraqeb on Monday.", published=date(2017, 2, 20))
    cred = credibility.score(credibility.text_signals(clean, Extraction()), [])
    assert cred.score == pytest.approx(0.5, abs=0.08)
    assert cred.band == "medium"


@pytest.mark.parametrize(("value", "band"), [(0.9, "high"), (0.65, "high"), (0.64, "medium"), (0.4, "medium"), (0.39, "low")])
def test_bands(value, band):
    assert credibility.band_of(value) == band


def test_the_score_is_the_logistic_of_the_summed_contributions():
    text = [credibility.signal("source_prior", 0.75), credibility.signal("loaded_language", -0.5)]
    stream = [credibility.signal("corroboration", 0.5)]
    total = credibility.BIAS + 0.75 * 2.5 - 0.5 * 1.2 + 0.5 * 1.5
    assert credibility.score(text, stream).score == pytest.approx(1 / (1 + 2.718281828459045**-total), abs=1e-4)
