"""Every cleaning rule (rules.yaml) and structural detector (text.yaml) has a case here.

Each case is a page as scraped: a short wire story with one kind of chrome where sites put
it. The cleaner must report the rule by name, cut the chrome, and keep the story. A rule
added to the YAML without a case here fails ``test_every_rule_has_a_case``.
"""

from __future__ import annotations

import pytest

from sitrep.models import RawArticle
from sitrep.stages.clean.article import clean_article
from sitrep.stages.clean.rules import all_rules, detector_ids, ruleset_for
from sitrep.stages.data import cleaning

TITLE = "Syrian forces capture two villages near Jordan border"
LEAD = (
    "DARAA, July 12 (Reuters) - Syrian government forces pressed an offensive in the south of the country on "
    "Tuesday, capturing two villages near the Jordanian border, a monitoring group said."
)
MORE = (
    "The Syrian Observatory for Human Rights said at least 14 fighters were killed in the clashes, which came as "
    "aid agencies warned of a growing displacement crisis along the frontier."
)
STORY = f"{LEAD}\n\n{MORE}"


def story(before: str = "", between: str = "", after: str = "") -> str:
    """The story with chrome above it, between its paragraphs, or after it."""
    parts = [before, LEAD, between, MORE, after]
    return "\n\n".join(p for p in parts if p)


def page(body: str, title: str = "") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


ARTICLE_HTML = f"<article class='story'><h1>{TITLE}</h1><p>{LEAD}</p><p>{MORE}</p></article>"

# (rule id, body, text that must be cut, record source or None, content type)
CASES = [
    # --- line rules -------------------------------------------------------------------------
    ("navigation_menu", story(before="Home\nNews\nMiddle East"), "Middle East", None, "text/plain"),
    ("breadcrumb", story(before="Home > News > Middle East"), "Home >", None, "text/plain"),
    ("share_buttons", story(after="Share this:\nFacebook\nTwitter\nWhatsApp"), "WhatsApp", None, "text/plain"),
    ("advertisement", story(between="Advertisement"), "Advertisement", None, "text/plain"),
    ("reading_time", story(before="3 min read"), "min read", None, "text/plain"),
    ("view_counter", story(before="2,350 views"), "2,350", None, "text/plain"),
    ("byline_marker", story(before="Published\non"), "Published", None, "text/plain"),
    ("byline", story(before="By Tom Perry"), "By Tom Perry", None, "text/plain"),
    ("staff_byline", story(before="Staff Writer"), "Staff Writer", None, "text/plain"),
    ("agency_credit", story(before="DAILY SABAH WITH AFP"), "SABAH", None, "text/plain"),
    ("reporting_credits", story(after="(Reporting by Ellen Francis; Editing by Alison Williams)"), "Ellen Francis", None, "text/plain"),
    ("photo_credit", story(between="© AFP 2016/ Delil Souleiman"), "Souleiman", None, "text/plain"),
    ("copyright_notice", story(after="Copyright © 2016 Syria Wire. All rights reserved.\nAbout us\nContact"), "About us", None, "text/plain"),
    ("tags_line", story(after="Tags: Syria, Daraa, Jordan"), "Tags:", None, "text/plain"),
    ("newsletter_promo", story(between="Sign up for our newsletter to get the latest news from Syria"), "newsletter", None, "text/plain"),
    ("click_here_promo", story(between="Click here to see the latest battle map of southern Syria."), "battle map", None, "text/plain"),
    ("read_more_link", story(between="READ MORE: Jordan closes border crossing after attack"), "READ MORE", None, "text/plain"),
    (
        "related_heading",
        story(after="Related Articles\nJordan closes border crossing after attack\nRussia and US agree on southern truce"),
        "southern truce",
        None,
        "text/plain",
    ),
    ("continue_reading", story(after="Continue Reading\nRussia and US agree on southern truce"), "southern truce", None, "text/plain"),
    ("patreon_support", story(after="Liked it? Take a second to support Syria Wire on Patreon!\nAdvertisement"), "Patreon", None, "text/plain"),
    ("donation_appeal", story(after="Your donations make all the difference. Together we can keep reporting.\nDonate now"), "donations", None, "text/plain"),
    ("donation_widget", story(after="Quick Donate\nWaiting for PayPal..."), "PayPal", None, "text/plain"),
    ("stray_numbers", story(after="5 100"), "5 100", None, "text/plain"),
    ("cookie_notice", story(before="We use cookies to ensure you get the best experience on our website."), "cookies", None, "text/plain"),
    ("script_notice", story(between="Please enable JavaScript to view this content."), "JavaScript", None, "text/plain"),
    ("embed_residue", story(between="pic.twitter.com/AbC123xyz"), "pic.twitter", None, "text/plain"),
    ("source_signoff", story(after="Source: Al Jazeera and news agencies"), "news agencies", None, "text/plain"),
    ("comments_heading", story(after="Leave a Reply\nYour email address will not be published."), "Leave a Reply", None, "text/plain"),
    ("comment_widget", story(after="Abu Ali\n2 years ago\nthe regime lies as always\nReply"), "regime lies", None, "text/plain"),
    ("sana_translator_signoff", story(after="Hazem Sabbagh"), "Sabbagh", "SANA", "text/plain"),
    ("rt_widgets", story(after="Follow RT on Telegram for the latest updates"), "Follow RT", "RT", "text/plain"),
    ("sputnik_widgets", story(after="Check out Sputnik's new podcast on the Syrian war"), "podcast", "sputniknews.com", "text/plain"),
    # --- structural detectors ---------------------------------------------------------------
    ("head_navigation", f"Opinion & Debate\nThe Syrian War\n{TITLE}\nJane Doe\nPublished\non\n\n{STORY}", "Opinion & Debate", None, "text/plain"),
    ("byline_author", f"{TITLE}\nJane Doe\nPublished\non\n\n{STORY}", "Jane Doe", None, "text/plain"),
    ("date_line", story(before="Tue 12 Jul 2016"), "Tue 12 Jul", None, "text/plain"),
    ("repeated_title", story(before=TITLE), TITLE, None, "text/plain"),
    (
        "teaser_article",
        story(after="Russia and US agree on southern truce\nJohn Smith\nPublished\non\nThe truce, agreed in Hamburg, covers Daraa and Quneitra."),
        "Hamburg",
        None,
        "text/plain",
    ),
    (
        "comment_thread",
        story(after="Abu Ali\nthe regime lies as always, who believes this??\nSyrian Patriot\nyou are a troll lol\nMax K\nI agree with you!!"),
        "troll",
        None,
        "text/plain",
    ),
    ("inline_markup", f"{LEAD}\n\n<p>{MORE}</p><br/> &amp; more", "<p>", None, "text/plain"),
    ("html_markup", page(f"<script>var trackingId = 'UA-1';</script>{ARTICLE_HTML}"), "trackingId", None, "text/html"),
    ("html_chrome", page(f"<nav><a>Home</a><a>Syria Live Map</a></nav>{ARTICLE_HTML}"), "Syria Live Map", None, "text/html"),
    ("html_comments", page(f"{ARTICLE_HTML}<div id='comments'><p>Abu Ali: the regime lies as always</p></div>"), "regime lies", None, "text/html"),
    ("html_related", page(f"{ARTICLE_HTML}<div class='related-posts'><p>Russia and US agree on southern truce</p></div>"), "southern truce", None, "text/html"),
    (
        "html_outside_article",
        page(
            f"<div class='top'>Syria Wire, independent news since 2012, read in 40 countries by analysts and reporters"
            f" who follow the war every day and need it fast</div>{ARTICLE_HTML}"
        ),
        "independent news",
        None,
        "text/html",
    ),
]


@pytest.mark.parametrize(("rule_id", "body", "cut", "source", "content_type"), CASES, ids=[c[0] for c in CASES])
def test_rule_cuts_its_chrome_and_keeps_the_story(rule_id: str, body: str, cut: str, source: str | None, content_type: str) -> None:
    clean = clean_article(RawArticle(id=rule_id, title=TITLE, body=body, source=source, content_type=content_type))
    assert rule_id in {r.rule for r in clean.removed}, [(r.rule, r.preview) for r in clean.removed]
    assert cut not in clean.body
    assert "capturing two villages near the Jordanian border" in clean.body
    assert "growing displacement crisis" in clean.body


def test_every_rule_has_a_case() -> None:
    covered = {c[0] for c in CASES}
    ids = [r.id for r in all_rules()] + list(detector_ids())
    assert sorted(set(ids) - covered) == []
    assert len(ids) == len(set(ids)), "rule ids must be unique across rules.yaml and text.yaml detectors"


def test_rule_kinds_are_reported() -> None:
    kinds = {r.id: r.kind for r in all_rules()} | detector_ids()
    for rule_id, body, _, source, content_type in CASES:
        clean = clean_article(RawArticle(id=rule_id, title=TITLE, body=body, source=source, content_type=content_type))
        assert {r.kind for r in clean.removed if r.rule == rule_id} == {kinds[rule_id]}, rule_id


@pytest.mark.parametrize(
    ("line", "rule_id"),
    [
        ("Liked it? Take a second to support The Duran on Patreon!", "patreon_support"),
        ("by: sdf-press.com", "byline"),
        ("Authored by Al Masdar News:", "byline"),
        ("1,372 Views", "view_counter"),
        ("Load more comments", "comments_heading"),
        ("12 Comments", "comments_heading"),
        ("Continue Reading", "continue_reading"),
        ("Click here for an interactive battle map of Syria for a better strategic understanding.", "click_here_promo"),
    ],
)
def test_lines_from_the_seeds_match_their_rule(line: str, rule_id: str) -> None:
    assert rule_id in [r.id for r in ruleset_for(None, None).match(line)]


@pytest.mark.parametrize(
    "line",
    [
        "By Tuesday the army had taken the town.",
        "Comments by the defence minister angered Ankara.",
        "Copyright law was not the issue, the minister said.",
        "Share prices fell in Damascus.",
        "Latest figures show 400,000 people have been killed since 2011.",
    ],
)
def test_article_sentences_match_no_rule(line: str) -> None:
    assert ruleset_for(None, None).match(line) == ()


def test_site_rules_apply_only_to_their_site() -> None:
    line = "Hazem Sabbagh"
    assert "sana_translator_signoff" in [r.id for r in ruleset_for("SANA", None).match(line)]
    assert "sana_translator_signoff" in [r.id for r in ruleset_for(None, "https://www.sana.sy/en/?p=1").match(line)]
    assert ruleset_for("Reuters", None).match(line) == ()


def test_yaml_word_lists_are_strings() -> None:
    """YAML reads on/no/yes as booleans: every curated word must still be a string."""
    for name in ("rules", "text", "dates"):
        _assert_strings(cleaning(name), name)


def _assert_strings(value: object, where: str) -> None:
    if isinstance(value, list):
        for n, item in enumerate(value):
            assert not isinstance(item, bool), f"{where}[{n}] is {item!r}: quote it"
            _assert_strings(item, f"{where}[{n}]")
    elif isinstance(value, dict):
        for k, item in value.items():
            _assert_strings(item, f"{where}.{k}")
