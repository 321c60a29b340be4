"""clean_article on the seed pages (issue 3's targets), metadata, and inputs that must not break it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitrep.models import RawArticle
from sitrep.stages.clean.article import clean_article, warm_up
from sitrep.stages.types import CleanArticle

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed(number: int) -> RawArticle:
    """A seed file as ``sitrep replay`` reads it: first non-empty line is the title."""
    path = next(SEEDS.glob(f"{number:03d}_*.txt"))
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip())
    return RawArticle(id=path.stem, title=lines[first].strip(), body="\n".join(lines[first + 1 :]))


# --- the seeds ----------------------------------------------------------------------------------


def test_004_keeps_the_article_and_drops_the_other_articles_and_widgets() -> None:
    clean = clean_article(seed(4))
    assert "A few days ago the Syrian army reached Lake Assad" in clean.body
    assert "4. Deir Ezzor" in clean.body
    assert "The situation in Deir Ezzor therefore continues to be critical" in clean.body
    assert clean.body.endswith("the organisation’s days look well and truly numbered.")
    for other in ("Farage", "S-400", "OPEC", "Patreon", "PayPal", "1,372 Views", "Connect with us", "Published"):
        assert other not in clean.body, other
    kinds = {r.kind for r in clean.removed}
    assert {"boilerplate", "comments", "other_articles"} <= kinds
    teasers = " ".join(r.preview for r in clean.removed if r.kind == "other_articles")
    assert "S-400" in teasers and "OPEC" in teasers and "Farage" in teasers


def test_004_metadata() -> None:
    clean = clean_article(seed(4))
    assert clean.title == "ISIS ‘retreating on almost every front’"
    assert clean.author == "Alexander Mercouris"
    assert clean.source == "The Duran"  # its sign-off; "Authored by Al Masdar News" belongs to a teaser


def test_004_paragraphs_are_kept() -> None:
    paragraphs = clean_article(seed(4)).body.split("\n\n")
    assert "1. Mosul" in paragraphs and "Summary" in paragraphs
    assert all(p == p.strip() and p for p in paragraphs)


def test_002_body_ends_before_the_first_comment() -> None:
    clean = clean_article(seed(2))
    assert clean.body.endswith("because the terrorist group had lost most of its resources.")
    assert "Pave Way IV" not in clean.body
    thread = [r for r in clean.removed if r.kind == "comments"]
    assert thread[0].preview.startswith("Pave Way IV")
    assert sum(r.chars for r in thread) > 1500


def test_002_byline_names_the_outlet() -> None:
    clean = clean_article(seed(2))
    assert (clean.author, clean.source) == (None, "sdf-press.com")
    assert not clean.body.startswith("by:")


def test_001_author() -> None:
    clean = clean_article(seed(1))
    assert clean.author == "Wladimir van Wilgenburg"
    assert clean.body.startswith("While the Syrian government declared victory")


def test_000_date_and_dateline() -> None:
    clean = clean_article(seed(0))
    assert (clean.published, clean.published_from) == (date(2018, 10, 20), "text")
    assert clean.dateline == "Deir ez-Zor governorate"
    assert clean.body.startswith("DEIR EZ-ZOR GOVERNORATE (OCTOBER 20, 2018) – With the ongoing offensive")


def test_003_date_from_its_dateline() -> None:
    clean = clean_article(seed(3))
    assert (clean.published, clean.published_from) == (date(2017, 9, 9), "text")
    assert clean.dateline == "Damascus, Syria"
    # The scrape put the lead paragraph in the title slot: it is article text, not a title.
    assert clean.body.startswith("DAMASCUS, SYRIA (7:45 A.M.) – On Friday evening")
    assert "Click here for an interactive battle map" not in clean.body
    assert "date 2017-09-09" not in clean.title + clean.body


@pytest.mark.parametrize("number", range(5))
def test_seeds_are_english_and_keep_their_paragraphs(number: int) -> None:
    clean = clean_article(seed(number))
    assert clean.language == "en"
    assert clean.body.count("\n\n") >= 4
    assert "\n\n\n" not in clean.body
    assert all(len(r.preview) <= 120 and r.chars >= len(r.preview) for r in clean.removed)


# --- metadata from the text ---------------------------------------------------------------------

STORY = "Syrian government forces pressed an offensive in the south of the country on Tuesday, capturing two villages near the Jordanian border."


@pytest.mark.parametrize(
    ("body", "source", "author", "expected_source", "expected_author"),
    [
        (f"by: sdf-press.com\n\n{STORY}", None, None, "sdf-press.com", None),
        (f"Authored by Al Masdar News:\n\n{STORY}", None, None, "Al Masdar News", None),
        (f"By AFP\n\n{STORY}", None, None, "AFP", None),
        (f"By Tom Perry\n\n{STORY}", None, None, None, "Tom Perry"),
        (f"Authored by Tyler Durden via ZeroHedge.com,\n\n{STORY}", None, None, "ZeroHedge", "Tyler Durden"),
        (f"BEIRUT (Reuters) - {STORY}", None, None, "Reuters", None),
        (f"MOSCOW, July 5. /TASS/. {STORY}", None, None, "TASS", None),
        (f"TEHRAN (FNA)- {STORY}", None, None, "FNA", None),
        (f"Damascus, SANA – {STORY}", None, None, "SANA", None),
        (f"{STORY}\n\nSource: Al Jazeera and news agencies", None, None, "Al Jazeera", None),
        (f"{STORY}\n\nLiked it? Take a second to support The Duran on Patreon!", None, None, "The Duran", None),
        (f"BEIRUT (Reuters) - {STORY}", "Jordan Times", None, "Jordan Times", None),  # given wins
    ],
)
def test_source_and_author_found_in_text(body: str, source: str | None, author: str | None, expected_source: str | None, expected_author: str | None) -> None:
    clean = clean_article(RawArticle(id="m", title="Syrian forces advance in the south", body=body, source=source))
    assert (clean.source, clean.author) == (expected_source, expected_author)


@pytest.mark.parametrize(
    ("first_line", "place"),
    [
        ("DEIR EZ-ZOR GOVERNORATE (OCTOBER 20, 2018) –", "Deir ez-Zor governorate"),
        ("BEIRUT, July 5 (Reuters) -", "Beirut"),
        ("DAMASCUS, SYRIA (7:45 A.M.) –", "Damascus, Syria"),
        ("AL-BAB, Syria —", "Al-Bab, Syria"),
        ("RAS AL-AIN (AFP) -", "Ras al-Ain"),
        ("Damascus, SANA –", "Damascus"),
        ("BREAKING: ", None),  # a label, not a place
        ("ISIS – ", None),
    ],
)
def test_dateline_place(first_line: str, place: str | None) -> None:
    clean = clean_article(RawArticle(id="d", title="Syrian forces advance", body=f"{first_line} {STORY}"))
    assert clean.dateline == place


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("L'armée syrienne et ses alliés ont progressé mardi au nord d'Alep, resserrant l'étau autour des quartiers rebelles de la ville.", "fr"),
        ("Die syrische Armee und ihre Verbündeten sind am Dienstag nördlich von Aleppo vorgerückt und haben die Belagerung verschärft.", "de"),
        ("تقدم الجيش السوري وحلفاؤه يوم الثلاثاء في ريف حلب الشمالي وأحكموا الحصار على الأحياء الشرقية للمدينة.", "ar"),
        ("Сирийская армия при поддержке российской авиации освободила несколько населенных пунктов в провинции Хама.", "ru"),
        ("Syrian army", None),  # too short to tell
    ],
)
def test_non_english_is_kept_with_its_language(body: str, language: str | None) -> None:
    clean = clean_article(RawArticle(id="l", title="", body=body))
    assert clean.body == body
    assert clean.language == language


# --- inputs that must not break it --------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        " ",
        "\n\n\n",
        "<div><script>var x = 1;</script><style>p{}</style></div>",
        "<html><head></head><body></body></html>",
        "\x00\x01\x02\x03\xff\xfe binary \x00\x00",
        "\ud800 lone surrogate \udfff",
        "\ufeff\u200b\u2028\u2029\x85",
        "<!-- unclosed comment " * 10,
        "&amp;&lt;&#x1F4A3;&#99999999;",
        "a" * 5000,
        "Published\non\nby\nLatest\nAdvertisement",  # chrome only
    ],
)
def test_odd_bodies_never_raise(body: str) -> None:
    # model_construct skips validation, as a caller building records by hand would: the
    # cleaner must cope even with what the decoder would have rejected (lone surrogates).
    clean = clean_article(RawArticle.model_construct(id="odd", title="t", body=body))
    assert isinstance(clean, CleanArticle) and clean.id == "odd"
    clean.model_dump_json()  # serialisable on the output topic


@pytest.mark.parametrize("content_type", ["text/plain", "text/html"])
@settings(max_examples=150, deadline=None)
@given(body=st.text(min_size=1, max_size=3000), title=st.text(max_size=300), published=st.none() | st.text(max_size=60))
def test_any_text_never_raises(content_type: str, body: str, title: str, published: str | None) -> None:
    raw = RawArticle(id="h", title=title, body=body, published=published, content_type=content_type)
    clean = clean_article(raw)
    assert clean.id == "h"
    assert "\n\n\n" not in clean.body
    assert all(len(r.preview) <= 120 for r in clean.removed)
    clean.model_dump_json()


@settings(max_examples=100, deadline=None)
@given(data=st.binary(min_size=1, max_size=2000))
def test_any_bytes_decoded_leniently_never_raise(data: bytes) -> None:
    clean = clean_article(RawArticle(id="b", title="", body=data.decode("latin-1")))
    clean.model_dump_json()


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from(
            [
                "Latest",
                "Published",
                "on",
                "Reply",
                "2 years ago",
                "Rob G",
                "Liked it? Take a second to support X on Patreon!",
                STORY,
                "Tue 05 Jul 2016",
                "BEIRUT (Reuters) -",
                "you are a troll lol",
                "",
            ]
        ),
        max_size=60,
    )
)
def test_any_mix_of_chrome_never_raises(lines: list[str]) -> None:
    clean = clean_article(RawArticle(id="c", title="Connect with us", body="\n".join(lines) or " "))
    kept = clean.body.split("\n\n") if clean.body else []
    assert all(line.strip() for line in kept)


PARAGRAPH = "The Syrian army advanced north of Aleppo on Tuesday, a monitoring group said, as fighting raged on several fronts. "


@pytest.mark.parametrize(
    "body",
    [
        (PARAGRAPH * 4 + "\n\n") * 2200,  # 1 MB of paragraphs
        PARAGRAPH * 9000,  # 1 MB on one line
        "Rob G\nI agree lol!!\n" * 30000,  # comment-like short lines
        "<!--" * 250_000,
        "July 5, 2016 " * 75_000,
    ],
    ids=["paragraphs", "one-line", "short-lines", "open-comments", "dates"],
)
def test_one_megabyte_body_is_cleaned(body: str) -> None:
    warm_up()
    clean = clean_article(RawArticle(id="big", title="Big", body=body))
    assert clean.id == "big"


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 100_000 + PARAGRAPH + "</div>" * 100_000,  # nesting: quadratic for any HTML parser
        "<div class='share'>" * 50_000 + PARAGRAPH,
        "<html><body><article><p>" + PARAGRAPH * 5 + "</p></article>" + "<div class='comment'><p>lol</p></div>" * 30_000 + "</body></html>",
    ],
    ids=["nested", "nested-chrome", "many-comments"],
)
def test_one_megabyte_html_is_cleaned(html: str) -> None:
    clean = clean_article(RawArticle(id="big", title="", body=html, content_type="text/html"))
    assert len(clean.removed) < 10


def test_pathological_chrome_keeps_the_audit_small() -> None:
    clean = clean_article(RawArticle(id="ads", title="", body=f"{PARAGRAPH}\n" + "Advertisement\nShare\n" * 20_000))
    assert len(clean.removed) <= 200
    assert sum(r.chars for r in clean.removed) > 20_000 * 18


def test_big_html_page() -> None:
    html = "<html><body><nav>Home</nav>" + ("<div class='x'><p>" + PARAGRAPH + "</p></div>") * 8000 + "</body></html>"
    clean = clean_article(RawArticle(id="big", title="", body=html, content_type="text/html"))
    assert clean.body.count("The Syrian army advanced") == 8000


@pytest.mark.parametrize(
    ("title", "expected_title", "published"),
    [
        ("Tue 05 Jul 2016 Syrian army advances in Hama", "Syrian army advances in Hama", date(2016, 7, 5)),
        ("WATCH: Syrian army enters Palmyra", "WATCH: Syrian army enters Palmyra", None),
        ("Connect with us", "", None),
        ("  Syrian   army\u00a0advances  ", "Syrian army advances", None),
    ],
)
def test_title_slot(title: str, expected_title: str, published: date | None) -> None:
    clean = clean_article(RawArticle(id="t", title=title, body=f"{STORY}\n\nRebels said they had repelled several attacks overnight."))
    assert (clean.title, clean.published) == (expected_title, published)


def test_bidi_overrides_and_nul_leave_no_trace_in_clean_text() -> None:
    from sitrep.stages.clean.text import sanitize

    assert sanitize("Shelling \u202ekilled four\u202c in Daraa \u2067x\u2069") == "Shelling killed four in Daraa x"
    assert sanitize("Three\x00 people") == "Three people"
    assert sanitize("\u0645\u0642\u062a\u0644") == "\u0645\u0642\u062a\u0644"  # Arabic needs no override: untouched


def test_a_title_that_is_the_start_of_the_lead_sentence_is_not_cut_from_it() -> None:
    # A feed that titles an item with its first words: the sentence must stay whole.
    body = "On 4 May, two shepherds were killed by a landmine near the border village."
    clean = clean_article(RawArticle(id="t", title="On 4 May, two shepherds were killed", body=body))
    assert clean.body == body
    body = "On 4 May, unknown gunmen killed 3 shepherds near the border village."
    clean = clean_article(RawArticle(id="t", title="On 4 May, unknown gunmen killed", body=body))
    assert clean.body == body
    # A headline repeated on its own at the top of the text is still cut.
    headed = "Two shepherds killed by a landmine | Two shepherds were killed on Monday near the border."
    clean = clean_article(RawArticle(id="t", title="Two shepherds killed by a landmine", body=headed))
    assert clean.body.startswith("Two shepherds were killed on Monday")


def test_a_headline_long_enough_to_pass_for_prose_keeps_its_article() -> None:
    # A headline over a paragraph's length, then standfirst, author and "Published / on": the
    # block is the article's own, not a teaser of another article (which emptied the body).
    headline = "Army retakes the river crossing after a week of heavy fighting in the northern districts of the city"
    paragraphs = [
        "The army said on Tuesday that its troops had retaken the main river crossing after a week of fighting, and that engineers were clearing the bridge.",
        "Residents said the shelling had stopped overnight and that families who fled last week were starting to return to the districts near the river.",
    ]
    body = "\n\n".join(["Connect with us", "Latest", "News", headline, "Government forces pushed insurgents back on Tuesday.",
                        "Jane Reporter", "Published", "on", *paragraphs])
    clean = clean_article(RawArticle(id="long-headline", title="", body=body))
    assert all(p in clean.body for p in paragraphs)
    assert clean.author == "Jane Reporter"
    assert clean.title == headline and headline not in clean.body
    assert "Published" not in clean.body.split("\n")


def test_a_long_menu_line_above_the_byline_block_keeps_the_article() -> None:
    menu = "Home | World | Middle East | Politics | Economy | Opinion | Sport | Culture | Video | Podcasts | Newsletters"
    paragraphs = [
        "The army said on Tuesday that its troops had retaken the main river crossing after a week of fighting, and that engineers were clearing the bridge.",
        "Residents said the shelling had stopped overnight and that families who fled last week were starting to return to the districts near the river.",
    ]
    body = "\n\n".join([menu, "Army retakes the river crossing", "Jane Reporter", "Published", "on", *paragraphs])
    clean = clean_article(RawArticle(id="long-menu", title="", body=body))
    assert all(p in clean.body for p in paragraphs) and menu not in clean.body
