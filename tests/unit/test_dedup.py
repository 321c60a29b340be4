"""The dedup stage: signatures, sharded probing, resolution, redelivery, eviction."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitrep.models import Dedup, RawArticle
from sitrep.pipeline import analyze
from sitrep.stages.dedup import facts, sketch, terms
from sitrep.stages.dedup import index as dedup

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "ops/bench"))
import corpus  # noqa: E402

HAJIN = (ROOT / "seeds" / "000_66053b8fc0f2c597.txt").read_text(encoding="utf-8").split("\n", 2)[2].strip()
IDLIB = (
    "BEIRUT, April 12 (Reuters) - Air strikes killed at least 14 civilians, including four children, in the town of "
    "Khan Sheikhoun in Syria's Idlib province on Wednesday, the Syrian Observatory for Human Rights said.\n\n"
    "The Britain-based monitor said the strikes, which it believed were carried out by Russian jets, hit a market "
    "and a residential street. Rescue workers said more than 30 people were wounded, many of them critically, and "
    "that families were still searching the rubble of two collapsed houses near the market.\n\n"
    "The Russian defence ministry did not immediately respond to a request for comment. Moscow has said it only "
    "targets militants and denies hitting civilians in the province.\n\n"
    "Idlib is part of a de-escalation zone agreed by Russia, Turkey and Iran in Astana earlier this year."
)
# Another event at the same place, by the same monitor, with the same stock sentences.
IDLIB_OTHER_DAY = (
    "BEIRUT, May 3 (Reuters) - Shelling killed at least nine people, among them two women, in the town of Khan "
    "Sheikhoun in Syria's Idlib province on Thursday, the Syrian Observatory for Human Rights said.\n\n"
    "The Britain-based monitor said government artillery positioned south of the town fired dozens of rockets at "
    "a bakery and a school used as a shelter by families who had fled the fighting in Hama.\n\n"
    "Syrian state media said the army was targeting positions of Jabhat al-Nusra in the area and had destroyed "
    "several of their vehicles.\n\n"
    "Idlib is part of a de-escalation zone agreed by Russia, Turkey and Iran in Astana earlier this year."
)
STATE_VERSION = (
    "Idlib, SANA - Army units on Wednesday carried out precise operations against the positions of Jabhat "
    "al-Nusra terrorists in the countryside of Idlib, killing scores of terrorists and destroying their vehicles "
    "and weapons.\n\nA military source told SANA that the operations targeted hideouts of the terrorists in Khan "
    "Sheikhoun and the surrounding farms, adding that a number of terrorists' dens were destroyed.\n\nThe source "
    "denied allegations circulated by terrorist-affiliated media about civilian casualties, describing them as "
    "fabricated."
)
CHROME_HEAD = "Levant Daily\nHome | World | Middle East | Syria | Opinion | Video\nSubscribe to our newsletter\n"
COMMENTS = (
    "\n\n42 comments\nAbu Hassan\nApril 12, 2017 at 5:31 pm\nThis is what happens when the world stays silent. "
    "Shame on all of them.\nReply\nJohn K\nApril 12, 2017 at 6:02 pm\nThe Observatory is one man in Coventry. Why "
    "does anyone still quote him?\nReply\n\n© 2017 Levant Daily. All rights reserved. | Privacy | Terms\n"
)


def truncated(text: str, share: float = 0.7) -> str:
    words = text.split(" ")
    return " ".join(words[: round(len(words) * share)])


def edited(text: str) -> str:
    """What a copying site does: synonyms, a swapped pair of paragraphs, an updated toll."""
    paras = text.split("\n\n")
    paras[1], paras[2] = paras[2], paras[1]
    out = "\n\n".join(paras)
    for a, b in (("Air strikes", "Airstrikes"), ("said", "reported"), ("14", "17"), ("wounded", "injured"), ("market", "marketplace")):
        out = out.replace(a, b, 1)
    return out


COPIES = {
    "identical": IDLIB,
    "chrome and comments left by the cleaner": CHROME_HEAD + IDLIB + COMMENTS,
    "cut to 70 %": truncated(IDLIB),
    "Authored by": "Authored by Al Masdar News:\n\n" + IDLIB,
    "(Reuters) -": "(Reuters) - " + IDLIB.split(" - ", 1)[1],
    "originally appeared": IDLIB + "\n\nThis article originally appeared on Middle East Eye.",
    "edited": edited(IDLIB),
    "edited, cut and credited": "Via Syria Direct\n\n" + truncated(edited(IDLIB)),
    "long report cut to 70 %": truncated(HAJIN),
}


def run(texts: list[tuple[str, str]], near: float = 0.35, story: float = 0.3, **options):
    """Sign, probe and resolve (id, body) pairs in order on one shard; the verdicts."""
    index: dict = {}
    entries: dict = {}
    verdicts = []
    for order, (article_id, body) in enumerate(texts):
        sig = dedup.sign(body)
        found = dedup.probe(article_id, order, sig, dedup.keys(sig), index, entries, min_similarity=story, **options)
        verdicts.append(dedup.resolve(article_id, found, near=near))
    return verdicts


@pytest.mark.parametrize("kind", list(COPIES))
def test_a_copy_is_linked_to_the_first_report(kind: str) -> None:
    original = HAJIN if kind.startswith("long") else IDLIB
    first, copy = run([("wire", original), ("copy", COPIES[kind])])
    assert first.status == "unique" and first.story_id == "wire"
    assert copy.status == ("exact_duplicate" if kind == "identical" else "near_duplicate")
    assert copy.duplicate_of == "wire" and copy.story_id == "wire"
    assert copy.similarity >= 0.6


def test_a_copy_in_a_scraped_page_is_caught_after_cleaning() -> None:
    page = (
        "<html><body><nav><a href='/'>Home</a> <a href='/syria'>Syria</a></nav><article><h1>Air strikes kill 14</h1>"
        + "".join(f"<p>{p}</p>" for p in IDLIB.split("\n\n"))
        + "</article><div class='comments'><h3>2 Comments</h3><div class='comment'><p>Shame on the world for staying "
        "silent while this happens every single day.</p></div></div><footer>© 2017 Levant Daily</footer></body></html>"
    )
    sigs = [analyze(RawArticle(id=i, body=b, content_type=t), 0).signature
            for i, b, t in (("wire", IDLIB, "text/plain"), ("page", page, "text/html"))]
    index, entries = {}, {}
    dedup.probe("wire", 0, sigs[0], dedup.keys(sigs[0]), index, entries, min_similarity=0.3)
    found = dedup.probe("page", 1, sigs[1], dedup.keys(sigs[1]), index, entries, min_similarity=0.3)
    verdict = dedup.resolve("page", found, near=0.35)
    assert verdict.status in ("near_duplicate", "exact_duplicate") and verdict.duplicate_of == "wire"


@pytest.mark.parametrize("other", [IDLIB_OTHER_DAY, STATE_VERSION], ids=["same place, monitor and stock text", "same event, other words"])
def test_a_distinct_article_about_the_same_place_is_not_a_copy(other: str) -> None:
    _, verdict = run([("wire", IDLIB), ("other", other)])
    assert verdict.status == "unique" and verdict.duplicate_of is None
    assert dedup.similarity(dedup.sign(IDLIB), dedup.sign(other)) < 0.35


def test_a_teaser_of_a_short_article_does_not_make_a_page_its_copy() -> None:
    brief = "Shelling killed five people in Douma on Monday, the Syria Civil Defence said, adding that rescuers were still searching the rubble."
    page = HAJIN + "\n\nRelated articles\n" + brief
    _, verdict = run([("brief", brief), ("page", page)])
    assert verdict.status == "unique"


def test_very_short_texts_are_not_linked() -> None:
    _, verdict = run([("a", "Read more"), ("b", "Read more")])
    assert verdict.status == "unique"


def test_a_copy_of_a_copy_links_to_the_first_report() -> None:
    verdicts = run([("wire", IDLIB), ("copy", "Via Syria Direct\n\n" + edited(IDLIB)), ("copy2", truncated("Via Syria Direct\n\n" + edited(IDLIB)))])
    assert [v.duplicate_of for v in verdicts] == [None, "wire", "wire"]


def test_verdicts_are_deterministic() -> None:
    texts = [(f"id{i}", t) for i, t in enumerate([IDLIB, IDLIB_OTHER_DAY, *COPIES.values(), STATE_VERSION, HAJIN])]
    assert run(texts) == run(texts)


def test_signatures_do_not_depend_on_the_process() -> None:
    code = "from sitrep.stages import dedup; import sys; s = dedup.sign(sys.stdin.read()); print(s.exact, s.minhash.hex(), s.size, s.bands)"
    outputs = {
        subprocess.run([sys.executable, "-c", code], input=IDLIB, capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    sig = dedup.sign(IDLIB)
    assert outputs == {f"{sig.exact} {sig.minhash.hex()} {sig.size} {sig.bands}\n"}


def test_signing_in_batches_is_signing_one_by_one() -> None:
    texts = [IDLIB, "", "Read more", "Ça va 😀 𝒜bc 12 3 — “quoted”", *COPIES.values(), HAJIN * 3]
    assert dedup.sign_many(texts) == [dedup.sign(t) for t in texts]


def test_numbers_are_one_token_but_an_exact_copy_keeps_its_digits() -> None:
    a, b = dedup.sign("At least 14 people were killed in the town on Wednesday, the monitor said."), \
        dedup.sign("At least 17 people were killed in the town on Wednesday, the monitor said.")
    assert a.minhash == b.minhash and a.exact != b.exact


def test_a_redelivery_finds_the_same_and_changes_nothing() -> None:
    index, entries = {}, {}
    sigs = {i: dedup.sign(t) for i, t in (("wire", IDLIB), ("copy", COPIES["edited"]))}
    dedup.probe("wire", 0, sigs["wire"], dedup.keys(sigs["wire"]), index, entries, min_similarity=0.3)
    first = dedup.probe("copy", 1, sigs["copy"], dedup.keys(sigs["copy"]), index, entries, min_similarity=0.3)
    state = (dict(index), dict(entries))
    again = dedup.probe("copy", 1, sigs["copy"], dedup.keys(sigs["copy"]), index, entries, min_similarity=0.3)
    assert again == first and [c.id for c in first] == ["wire"]
    assert (index, entries) == state


def test_the_same_id_later_is_an_exact_copy_of_itself() -> None:
    index, entries = {}, {}
    sig = dedup.sign(IDLIB)
    dedup.probe("wire", 5, sig, dedup.keys(sig), index, entries, min_similarity=0.3)
    found = dedup.probe("wire", 9, sig, dedup.keys(sig), index, entries, min_similarity=0.3)
    verdict = dedup.resolve("wire", found, near=0.35)
    assert (verdict.status, verdict.duplicate_of, verdict.similarity) == ("exact_duplicate", "wire", 1.0)


def test_only_earlier_articles_are_candidates() -> None:
    index, entries = {}, {}
    sig = dedup.sign(IDLIB)
    copy = dedup.sign(COPIES["edited"])
    dedup.probe("late", 10, copy, dedup.keys(copy), index, entries, min_similarity=0.3)
    found = dedup.probe("early", 3, sig, dedup.keys(sig), index, entries, min_similarity=0.3)
    assert found == []


# --- sharding ----------------------------------------------------------------------------------

POOL = [IDLIB, IDLIB_OTHER_DAY, STATE_VERSION, HAJIN, *COPIES.values()]


def probed(state: list[tuple[dict, dict]], batch: list[tuple[str, int, object, list[int]]], **options) -> dict[int, list]:
    """One batch of (id, order, signature, index keys) routed to the shards of ``state`` and
    probed there: every order's candidates from all shards."""
    per_shard: list[list] = [[] for _ in state]
    for article_id, order, sig, index_keys in batch:
        for shard, shard_keys in dedup.route(index_keys, len(state)).items():
            per_shard[shard].append((article_id, order, sig, shard_keys))
    found: dict[int, list] = {}
    for shard, requests in enumerate(per_shard):
        answers = dedup.probe_many(requests, *state[shard], min_similarity=0.3, shard=shard, shards=len(state), **options)
        for (_, order, _, _), cands in zip(requests, answers):
            found.setdefault(order, []).extend(cands)
    return found


def sharded(texts: list[str], shards: int, batch: int) -> list:
    """Route every article's keys to ``shards`` shards, probe them in batches, resolve the union."""
    state = [({}, {}) for _ in range(shards)]
    verdicts = []
    for start in range(0, len(texts), batch):
        sigs = dedup.sign_many(texts[start : start + batch])
        found = probed(state, [(f"a{order % 7}" if order % 5 == 4 else f"a{order}", order, sig, dedup.keys(sig))
                               for order, sig in enumerate(sigs, start)], max_bucket=4)
        verdicts += [dedup.resolve(f"a{o}", found.get(o, []), near=0.35) for o in range(start, start + len(sigs))]
    return verdicts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=30), shards=st.integers(2, 9), batch=st.integers(1, 12))
def test_sharded_probing_resolves_as_one_shard(picks: list[int], shards: int, batch: int) -> None:
    texts = [POOL[i] for i in picks]
    assert sharded(texts, shards, batch) == sharded(texts, 1, 1)


# --- retention ---------------------------------------------------------------------------------


def filled(n: int, shards: int = 1, shard: int = 0) -> tuple[dict, dict]:
    index, entries = {}, {}
    for order in range(n):
        sig = dedup.sign(f"{IDLIB} Report number {order} of the series, filed from desk {order * 7919 % 101}.")
        dedup.probe(f"r{order}", order * 10, sig, dedup.keys(sig), index, entries, min_similarity=0.3, shard=shard, shards=shards)
    return index, entries


def test_eviction_forgets_articles_outside_the_window_and_their_index_references() -> None:
    index, entries = filled(20)
    gone = dedup.evict(index, entries, now_order=200, window=100)
    assert gone == 10
    assert sorted(dedup.unpack(e)[3] for e in entries.values()) == sorted(f"r{i}" for i in range(10, 20))
    assert all(m in entries for bucket in index.values() for m in dedup.members(bucket))
    sig = dedup.sign(IDLIB)
    found = dedup.probe("new", 205, sig, dedup.keys(sig), index, entries, min_similarity=0.3)
    assert found and min(c.order for c in found) >= 100


def test_eviction_caps_the_number_of_articles_keeping_the_latest() -> None:
    index, entries = filled(20)
    assert dedup.evict(index, entries, now_order=200, max_entries=5) == 15
    assert sorted(dedup.unpack(e)[0] for e in entries.values()) == [150, 160, 170, 180, 190]
    assert dedup.evict(index, entries, now_order=200, max_entries=5) == 0


def test_a_window_in_probe_gives_the_same_answer_before_and_after_eviction() -> None:
    sig = dedup.sign(IDLIB)
    index, entries = filled(20)
    before = dedup.probe("new", 205, sig, dedup.keys(sig), dict(index), dict(entries), min_similarity=0.3, window=100)
    dedup.evict(index, entries, now_order=205, window=100)
    after = dedup.probe("new", 205, sig, dedup.keys(sig), index, entries, min_similarity=0.3, window=100)
    assert before == after and before


def test_eviction_touches_only_its_own_shard() -> None:
    index, entries = filled(10, shards=3, shard=1)
    other_index, other_entries = filled(10, shards=3, shard=2)
    index.update(other_index)
    entries.update(other_entries)
    assert dedup.evict(index, entries, now_order=1000, window=1, shard=1, shards=3) == 10
    assert len(entries) == 10 and all(key % 3 == 2 for key in entries)


def test_state_bytes_counts_keys_and_values() -> None:
    index, entries = filled(3)
    assert dedup.state_bytes(index, entries) == sum(8 + len(v) for v in [*index.values(), *entries.values()])


@settings(max_examples=60, deadline=None)
@given(orders=st.lists(st.integers(0, 10_000), min_size=1, max_size=30, unique=True), seed=st.randoms(use_true_random=False))
def test_a_full_bucket_keeps_the_same_articles_whatever_order_they_arrive_in(orders: list[int], seed) -> None:
    sig = dedup.sign(IDLIB)

    def bucket_after(arrivals: list[int]) -> dict:
        index, entries = {}, {}
        for order in arrivals:
            dedup.probe(f"r{order}", order, sig, dedup.keys(sig), index, entries, min_similarity=0.3, max_bucket=6)
        return {key: sorted(dedup.unpack(entries[m])[0] for m in dedup.members(bucket)) for key, bucket in index.items()
                if not dedup.TERM_BIT <= key < dedup.EXACT_BIT}  # story term buckets keep the first to arrive (below)

    shuffled = list(orders)
    seed.shuffle(shuffled)
    kept = bucket_after(sorted(orders))
    assert bucket_after(shuffled) == kept
    ranked = sorted(orders)
    assert all(v == (ranked if len(ranked) <= 6 else ranked[:3] + ranked[-3:]) for v in kept.values())


def test_a_full_story_term_bucket_keeps_the_first_to_arrive_and_a_rebuild_agrees() -> None:
    sig = dedup.sign(IDLIB)
    term_keys = dedup.term_keys(sig.terms)
    assert term_keys
    index, entries = {}, {}
    arrivals = [50, 10, 40, 20, 30, 0, 60, 70, 5, 80, 90]
    for order in arrivals:
        dedup.probe(f"r{order}", order, sig, dedup.keys(sig), index, entries, min_similarity=0.3)
    for key in term_keys:
        held = [dedup.unpack(entries[m])[0] for m in dedup.members(index[key])]
        assert held == arrivals[: dedup.TERM_BUCKET]
    assert as_sets(dedup.rebuild(entries)) == as_sets(index)


# --- stories by names ------------------------------------------------------------------------------

# Another outlet's own report of the Idlib strike: other sentences, the same names.
IDLIB_OWN_REPORT = (
    "Rescuers in Khan Sheikhoun pulled bodies from two collapsed houses on Wednesday after an air raid on the market, "
    "the White Helmets said. The Syrian Observatory for Human Rights said Russian jets carried out the raid on Khan "
    "Sheikhoun.\n\nResidents of Khan Sheikhoun said the jets came back twice. Doctors in Idlib said the wounded were "
    "taken to Maarat al-Numan, where the hospital ran short of blood. Moscow denied that Russian aircraft struck the "
    "market in Khan Sheikhoun."
)


def story_verdicts(texts: list[tuple[str, str, str]]) -> list[Dedup]:
    """(id, body, published) through analyze (facts included), probe and resolve on one shard."""
    index: dict = {}
    entries: dict = {}
    verdicts = []
    for order, (article_id, body, published) in enumerate(texts):
        sig = analyze(RawArticle(id=article_id, body=body, published=published), order).signature
        found = dedup.probe(article_id, order, sig, dedup.keys(sig), index, entries, min_similarity=0.3)
        verdicts.append(dedup.resolve(article_id, found, near=0.35, story=0.3))
    return verdicts


def test_another_outlets_own_report_of_the_event_is_one_story_by_its_names_and_no_copy() -> None:
    first, other = story_verdicts([("a", IDLIB, "2017-04-12"), ("b", IDLIB_OWN_REPORT, "2017-04-12")])
    assert other.status == "unique" and other.story_id == "a"


def test_the_same_names_on_another_day_with_another_toll_are_another_story() -> None:
    assert [v.story_id for v in run([("a", IDLIB), ("b", IDLIB_OTHER_DAY)])] == ["a", "a"]  # names alone: one story
    verdicts = story_verdicts([("a", IDLIB, "2017-04-12"), ("b", IDLIB_OTHER_DAY, "2017-05-04")])
    assert [v.story_id for v in verdicts] == ["a", "b"]  # the facts tell two events


# Three reports of one (invented) flood: the first names mostly the dam, the last mostly the
# shelter, the middle both; the last is alike to the middle by its names, not to the first.
DAM_FIRST = (
    "Villagers in the valley said that Corvel Dam had burst before dawn, and engineers from Tarnow Water rushed to the site.\n"
    "Witnesses near Corvel said the water reached Hessby within an hour, and the mayor of Hessby asked Tarnow for pumps.\n"
    "Officials at Tarnow Water said the Corvel reservoir had been above its limit since the storms hit Ostrava Province last week.\n"
)
DAM_MIDDLE = (
    "The regional office said that Corvel Dam gave way overnight, and crews of Tarnow Water and the Ostrava fire service came.\n"
    "Families from Hessby and Lindqvist were moved to a school in Brenner after the water from Corvel flooded the lower streets.\n"
    "A spokesman for Ostrava said the Corvel spillway had been checked in spring, and Tarnow Water would inspect it again soon.\n"
)
DAM_LAST = (
    "Aid groups said that families from Lindqvist and Hessby slept in a school in Brenner after the Corvel flood reached them.\n"
    "The governor of Ostrava visited Brenner on the day and said that Lindqvist would get new levees paid by Ostrava next year.\n"
    "Teachers in Brenner said that the school could house people from Lindqvist for a week, as the Corvel waters fell slowly.\n"
)


def test_a_report_alike_only_to_a_later_report_joins_the_story_of_the_first() -> None:
    first, middle, last = (terms.padded(dedup.sign(text).terms) for text in (DAM_FIRST, DAM_MIDDLE, DAM_LAST))
    assert terms.similarity(first, middle) >= dedup.STORY_CHAIN
    assert terms.similarity(first, last) < dedup.STORY_TERMS <= terms.similarity(middle, last)
    texts = [("first", DAM_FIRST), ("middle", DAM_MIDDLE), ("last", DAM_LAST)]
    verdicts = run(texts)
    assert [v.story_id for v in verdicts] == ["first", "first", "first"]
    assert all(v.status == "unique" for v in verdicts)
    ids, sigs = [article_id for article_id, _ in texts], dedup.sign_many([text for _, text in texts])
    assert _streamed(ids, sigs, batch=1) == _streamed(ids, sigs, batch=3) == verdicts  # four shards, any batches


def test_a_chain_is_not_followed_to_a_first_report_whose_facts_tell_another_event() -> None:
    # a day apart from one to the next, two days from the first to the last
    verdicts = story_verdicts([("first", DAM_FIRST, "2024-03-01"), ("middle", DAM_MIDDLE, "2024-03-02"), ("last", DAM_LAST, "2024-03-03")])
    assert [v.story_id for v in verdicts] == ["first", "first", "middle"]


def test_reports_of_one_day_are_one_story_at_a_lower_bar_of_names() -> None:
    first, last = (terms.padded(dedup.sign(text).terms) for text in (DAM_FIRST, DAM_LAST))
    assert dedup.STORY_TERMS_DAY <= terms.similarity(first, last) < dedup.STORY_TERMS
    texts = [("first", DAM_FIRST), ("last", DAM_LAST)]
    assert [v.story_id for v in run(texts)] == ["first", "last"]  # no day: names alone, below the bar
    one_day = story_verdicts([("first", DAM_FIRST, "2024-03-01"), ("last", DAM_LAST, "2024-03-02")])
    assert [(v.story_id, v.status) for v in one_day] == [("first", "unique"), ("first", "unique")]
    apart = story_verdicts([("first", DAM_FIRST, "2024-03-01"), ("last", DAM_LAST, "2024-03-03")])
    assert [v.story_id for v in apart] == ["first", "last"]  # days apart: two events, whatever the names


def test_story_terms_that_differ_only_in_their_first_letter_are_told_apart() -> None:
    # a word's first letter moves only the low bits of its hash: the kept 16 bits must still differ
    line = "The spokesman said that officials from Bush, Rush, US and IS met the mayor of the town yesterday morning."
    kept = terms.short(dedup.sign(line).terms)
    assert len(kept) == 4 and len(set(kept)) == 4
    assert terms.rows([dedup.sign(line).terms]).tolist() == [terms.padded(dedup.sign(line).terms)]


def test_a_term_twice_in_one_row_is_no_weight_shared_with_itself() -> None:
    # a row packed before terms were kept once can hold one twice; it shares nothing with a row of other terms
    twice = [7, 7, 9] + [0] * (terms.TERMS - 3)
    other = [11, 12] + [0] * (terms.TERMS - 2)
    assert terms.similarity(twice, other) == 0.0
    assert not terms.alike(terms.Ranked(twice), terms.Ranked(other), 1e-6)
    assert terms.short([5 << 16, 5 << 16, 6 << 16]) == terms.short([5 << 16, 6 << 16])


_FACT = st.one_of(st.none(), st.integers(0, 5))


_WRITTEN = st.sampled_from([0, 1, 2, 3, 4, 0x8000])


@settings(max_examples=200, deadline=None)
@given(mine=st.tuples(_FACT, _FACT, st.one_of(st.none(), st.integers(0, 4)), st.sampled_from([None, "a", "b"]), _WRITTEN),
       theirs=st.tuples(_FACT, _FACT, st.one_of(st.none(), st.integers(0, 4)), st.sampled_from([None, "a", "b"]), _WRITTEN))
def test_one_pair_of_facts_is_told_apart_as_many_pairs_are(mine, theirs) -> None:
    # facts.other_event (one pair, for chains) and facts.other_events (many, for direct joins)
    # are one rule written twice: they must agree
    def packed(f):
        day = None if f[2] is None else datetime.date(2024, 3, 1) + datetime.timedelta(days=f[2])
        return facts.event_facts(f[0], f[1], day, f[3], f[4])
    a, b = packed(mine), packed(theirs)
    assert facts.other_event(a, b) == bool(facts.other_events(facts.fields([a]), facts.fields([b]))[0])
    assert facts.same_day(a, b) == bool(facts.same_days(facts.fields([a]), facts.fields([b]))[0])
    assert not facts.other_event(b"", b) and not facts.other_events(facts.fields([b""]), facts.fields([b]))[0]


def test_story_terms_are_names_inside_prose_not_menus_headlines_or_first_words() -> None:
    prose = "The monitor said jets struck the market in Khan Sheikhoun on Wednesday and hit two houses nearby."
    page = "Home | World | Syria | Aleppo | Opinion\nAleppo Rebels Take The Town Of Atarib After A Fierce Battle Overnight Near The Border\n" + prose
    assert dedup.sign(page).terms == dedup.sign(prose).terms
    assert len(dedup.sign(prose).terms) == 3  # Khan, Sheikhoun, Wednesday: not "The", the sentence's first word


# --- the index is derived from the entries -------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(orders=st.lists(st.integers(0, 10_000), min_size=1, max_size=30, unique=True), seed=st.randoms(use_true_random=False))
def test_the_index_rebuilt_from_the_entries_is_the_index_built_online(orders: list[int], seed) -> None:
    texts = [IDLIB, IDLIB_OTHER_DAY, STATE_VERSION]
    index, entries = {}, {}
    seed.shuffle(orders)
    for n, order in enumerate(orders):
        sig = dedup.sign(texts[n % 3])
        dedup.probe(f"r{order}", order, sig, dedup.keys(sig), index, entries, min_similarity=0.3, max_bucket=6)
    assert as_sets(dedup.rebuild(entries, max_bucket=6)) == as_sets(index)


def test_after_eviction_a_rebuilt_index_finds_what_the_live_one_finds() -> None:
    # Eviction empties the head of a full bucket; filing the survivors again refills it
    # with articles the live bucket had dropped, so the rebuilt index may find more.
    index, entries = filled(40, shards=2, shard=1)
    dedup.evict(index, entries, now_order=400, window=150, shard=1, shards=2)
    rebuilt = dedup.rebuild(entries, shard=1, shards=2)
    assert set(rebuilt) == set(index)
    sig = dedup.sign(IDLIB)
    ask = {"min_similarity": 0.3, "window": 150, "shard": 1, "shards": 2}
    live = dedup.probe("new", 405, sig, dedup.keys(sig), index, dict(entries), **ask)
    again = dedup.probe("new", 405, sig, dedup.keys(sig), rebuilt, dict(entries), **ask)
    assert live and again
    assert again[0].order <= live[0].order  # as early a first report, or earlier
    assert max(c.similarity for c in again) >= max(c.similarity for c in live)


def test_eviction_leaves_no_bucket_pointing_at_a_forgotten_article() -> None:
    index, entries = filled(30)
    dedup.evict(index, entries, now_order=300, max_entries=7)
    assert len(entries) == 7
    rebuilt = as_sets(dedup.rebuild(entries))
    assert set(index) == set(rebuilt)
    assert all(held <= rebuilt[key] <= set(entries) for key, held in as_sets(index).items())


def as_sets(index: dict) -> dict:
    """Who is filed under each key (a bucket not yet full is in arrival order)."""
    return {key: set(dedup.members(bucket)) for key, bucket in index.items()}


def test_a_redelivered_probe_gets_its_first_answer_whatever_was_filed_since() -> None:
    index, entries = {}, {}
    sig = dedup.sign(IDLIB)
    copy = dedup.sign(CHROME_HEAD + IDLIB + COMMENTS)
    first = dedup.probe("copy", 10, copy, dedup.keys(copy), index, entries, min_similarity=0.3)
    assert first == []
    # The original, earlier by replay time, reaches this shard late (its partition lagged).
    dedup.probe("wire", 5, sig, dedup.keys(sig), index, entries, min_similarity=0.3)
    again = dedup.probe("copy", 10, copy, dedup.keys(copy), index, entries, min_similarity=0.3)
    assert again == first
    assert dedup.probe("copy", 11, copy, dedup.keys(copy), index, entries, min_similarity=0.3)  # a new message finds it


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.floats(0.3, 1.0), st.booleans(), st.lists(st.integers(0, dedup.MIN_DISTINCT), min_size=1, max_size=4),
                          st.booleans()), max_size=25), st.floats(0.3, 0.9))
def test_resolving_the_shards_shares_of_the_evidence_gives_what_resolving_it_whole_gives(rows, near) -> None:
    whole, parts = [], []
    for n, (order, similarity, exact, shares, disagree) in enumerate(rows):
        sim = 1.0 if exact else round(similarity, 4)
        whole.append(dedup.Candidate(f"c{n}", order, sim, exact, sum(shares), disagree, shared=sum(shares) + 2 * len(shares)))
        parts += [dedup.Candidate(f"c{n}", order, sim, exact, share, disagree, shared=share + 2) for share in shares]
    assert dedup.resolve("me", parts, near=near, story=0.3) == dedup.resolve("me", whole, near=near, story=0.3)


STRIKE = ("On {day} March, jets struck a fuel depot on the edge of the town, the provincial council said, and"
          " rescue teams worked through the night to put out the fires that spread to the nearby warehouses.")


def test_formulaic_reports_of_other_days_are_no_copies_and_a_wrapped_copy_still_is() -> None:
    other_day = story_verdicts([("first", STRIKE.format(day=3), "2024-03-03"), ("second", STRIKE.format(day=9), "2024-03-09")])
    assert [v.status for v in other_day] == ["unique", "unique"]  # the same words, another day written: another event
    added = STRIKE.format(day=3) + " Our correspondent filed this report on 12 March from the provincial capital."
    copy = story_verdicts([("first", STRIKE.format(day=3), "2024-03-03"), ("copy", added, "2024-03-12")])
    assert (copy[1].status, copy[1].duplicate_of) == ("near_duplicate", "first")  # it adds a date; it shares the source's


def test_written_dates_are_days_of_something_not_a_page_s_own_date() -> None:
    from sitrep.stages.clean.dates import event_days

    assert event_days("Jets struck the depot on 5 March and again since July 3.") == [(3, 5), (7, 3)]
    assert event_days("March 5, 2024\n\nBEIRUT, March 6 (Reuters) - Jets struck the depot.") == []
    assert facts.conflict(facts.event_facts(None, None, written=facts.written_mask([(3, 5)])),
                          facts.event_facts(None, None, written=facts.written_mask([(3, 9)])))
    assert not facts.conflict(facts.event_facts(None, None, written=facts.written_mask([(3, 5), (3, 12)])),
                              facts.event_facts(None, None, written=facts.written_mask([(3, 5)])))
    assert not facts.conflict(facts.event_facts(None, None), facts.event_facts(None, None, written=facts.written_mask([(3, 5)])))


def test_common_text_is_no_evidence_and_conflicting_facts_no_copy() -> None:
    alike = dedup.Candidate("a", 1, 0.8, False, distinct=dedup.STORY_DISTINCT)
    assert dedup.resolve("me", [alike], near=0.35).status == "near_duplicate"
    chrome = alike._replace(distinct=0)  # they meet only in text many distinct articles hold
    assert dedup.resolve("me", [chrome], near=0.35, story=0.3) == Dedup(status="unique", similarity=0.8, story_id="me")
    updated = alike._replace(conflict=True)  # another toll: the same story, not a copy
    assert dedup.resolve("me", [updated], near=0.35, story=0.3) == Dedup(status="unique", similarity=0.8, story_id="a")


def test_likeness_in_common_text_is_taken_out_of_the_similarity() -> None:
    # Two short pages of one outlet that end with its agency paragraph: alike, but 10 of the 12
    # band keys they share are held by many distinct articles.
    boilerplate = dedup.Candidate("a", 1, 0.68, False, distinct=2, shared=12, ratio=0.82)
    assert dedup.distinctive(boilerplate) < 0.35
    assert dedup.resolve("me", [boilerplate], near=0.35).status == "unique"
    own = boilerplate._replace(shared=2)  # all they share is their own text
    assert dedup.distinctive(own) == own.similarity
    assert dedup.resolve("me", [own], near=0.35).status == "near_duplicate"
    cut = boilerplate._replace(similarity=0.7, ratio=0.5, distinct=6, shared=8)  # a copy cut short: its stock phrases are the source's
    assert dedup.distinctive(cut) > 0.6


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 40), st.integers(1, 30), st.integers(0, 400), st.integers(1, 4))
def test_evicting_from_the_heap_of_ages_forgets_what_a_scan_forgets(n, cap, window, shards) -> None:
    scanned, heaped = filled(n, shards=shards, shard=shards - 1), ({}, {})
    ages: dedup.Ages = []
    for order in range(n):
        sig = dedup.sign(f"{IDLIB} Report number {order} of the series, filed from desk {order * 7919 % 101}.")
        dedup.probe_many([(f"r{order}", order * 10, sig, dedup.keys(sig))], *heaped, min_similarity=0.3, shard=shards - 1, shards=shards, ages=ages)
    assert sorted(ages) == sorted(dedup.ages_of(heaped[1], shard=shards - 1, shards=shards))
    gone = dedup.evict(*scanned, now_order=n * 10, window=window, max_entries=cap, shard=shards - 1, shards=shards)
    assert dedup.evict_oldest(*heaped, ages, now_order=n * 10, window=window, max_entries=cap) == gone
    assert heaped[1] == scanned[1] and as_sets(heaped[0]) == as_sets(scanned[0])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 6), min_size=1, max_size=40))
def test_unique_first_counts_is_numpys_unique(values):
    array = np.array(values, dtype=np.uint64)
    expected = np.unique(array, return_index=True, return_counts=True)
    for got, want in zip(sketch._unique_first_counts(array), expected, strict=True):
        assert got.dtype == want.dtype and got.tolist() == want.tolist()


def _streamed(ids: list[str], sigs: list, batch: int, restart_at: set[int] = frozenset(), last_batch: str = "kept") -> list:
    """Four shards over the stream in batches; at a batch starting in ``restart_at`` each
    shard's index is rebuilt from its entries (a worker restart), after its last batch was
    ``kept`` as it was, ``redelivered`` (probed again, entries in place) or ``lost`` (its
    entries never stored, then probed again)."""
    shards = 4
    state: list[tuple[dict, dict]] = [({}, {}) for _ in range(shards)]
    verdicts: list = []
    start, previous = 0, None
    while start < len(ids):
        if start in restart_at and previous is not None:
            restart_at = restart_at - {start}
            prev_start, written = previous
            if last_batch != "kept":
                if last_batch == "lost":
                    for (_, entries), keys in zip(state, written):
                        for key in keys:
                            del entries[key]
                start, verdicts = prev_start, verdicts[:prev_start]
            state = [(dedup.rebuild(entries, shard=s, shards=shards), entries) for s, (_, entries) in enumerate(state)]
        before = [set(entries) for _, entries in state]
        stop = min(start + batch, len(ids))
        found = probed(state, [(ids[order], order, sigs[order], dedup.keys(sigs[order], ids[order])) for order in range(start, stop)])
        verdicts += [dedup.resolve(ids[o], found.get(o, []), near=0.35, story=0.3) for o in range(start, stop)]
        previous = (start, [set(entries) - seen for (_, entries), seen in zip(state, before)])
        start = stop
    return verdicts


def test_verdicts_do_not_depend_on_batches_restarts_or_redeliveries() -> None:
    # Bench articles (one in ten a republished copy): the holder counts and full buckets that
    # the evidence is weighed by must come out the same however the stream was cut.
    rows = list(corpus.articles(800, seed=7))
    ids, sigs = [r["id"] for r in rows], dedup.sign_many([r["body"] for r in rows])
    expected = _streamed(ids, sigs, batch=200)
    assert sum(v.status != "unique" for v in expected) >= 40  # the copies are found, so the comparison means something
    assert _streamed(ids, sigs, batch=1) == expected
    assert _streamed(ids, sigs, batch=37) == expected
    for last_batch in ("kept", "redelivered", "lost"):
        assert _streamed(ids, sigs, batch=50, restart_at={150, 400, 650}, last_batch=last_batch) == expected, last_batch


@given(st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=12), max_size=6))
def test_story_term_rows_of_a_batch_are_the_padded_terms_of_each(lists):
    # rows() is padded() for a whole batch at once: the two must never drift apart.
    found = terms.rows(lists)
    assert found.shape == (len(lists), terms.TERMS)
    assert found.tolist() == [terms.padded(t) for t in lists]
