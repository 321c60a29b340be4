"""Issue 18's classes of failure, one synthetic page each: the article survives its wrapper,
its form, in-article boxes and credits; reader comments are not the article; an empty
extraction is dead-lettered (no_content); the size cap is on the clean text; dates come
from one date expression in the page's own time zone; a title that is the body's first
characters costs the body none of them."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from sitrep.codec import decode_raw
from sitrep.errors import RejectedMessage
from sitrep.models import RawArticle
from sitrep.pipeline import Pipeline, clean
from sitrep.stages.clean.article import clean_article

PARAGRAPHS = [
    "Heavy rain flooded the lower town of Sarnel on Tuesday, forcing about two hundred families to leave their homes, the regional council said.",
    "Water rose above the river wall shortly after midnight and reached the market square within an hour, according to residents who spoke by telephone.",
    "Rescue teams in boats moved elderly residents to the school on the hill, where the council opened a shelter with beds, food and medical staff.",
    "The council said the bridge on the northern road would stay closed until engineers had checked its piers, and asked drivers to use the ring road.",
    "Forecasters expect the rain to ease by Thursday, but warned that the river could keep rising for two more days as water comes down from the hills.",
]
LAST = PARAGRAPHS[-1]


def html_page(body: str, head: str = "") -> str:
    return f"<html><head><title>Floods force families from Sarnel</title>{head}</head><body>{body}</body></html>"


def article_html(between: str = "") -> str:
    ps = [f"<p>{p}</p>" for p in PARAGRAPHS]
    return "".join(ps[:2]) + between + "".join(ps[2:])


def body_of(html: str) -> str:
    return clean_article(RawArticle(id="page", body=html, content_type="text/html")).body


def assert_whole(body: str) -> None:
    for p in PARAGRAPHS:
        assert p in body, p[:40]


@pytest.mark.parametrize("wrapper", ["content-with-sidebar-wrp", "l-sidebar-fixed l-article-body-segment", "widget Blog"])
def test_an_article_inside_a_sidebar_or_widget_wrapper_is_kept(wrapper: str) -> None:
    page = html_page(f"<nav><a>Home</a> <a>World</a></nav><div class='{wrapper}'><div class='post'><h1>Floods</h1>{article_html()}</div></div>"
                     "<footer>About us | Contact</footer>")
    assert_whole(body_of(page))


def test_an_article_inside_a_form_is_kept() -> None:
    page = html_page(f"<form id='aspnetForm' method='post'><input type='hidden' name='__VIEWSTATE' value='x'><div id='content'>{article_html()}</div></form>")
    assert_whole(body_of(page))


def test_reader_comments_in_article_elements_are_not_the_article() -> None:
    comments = "".join(
        f"<article class='comment-body'><footer class='comment-meta'>Reader {n}</footer><p>{text}</p></article>"
        for n, text in enumerate(["I live near the river and the water was everywhere this morning, what a mess it is now.",
                                  "Why did the council not build the wall higher after the last flood? Nobody listens to us."])
    )
    page = html_page(f"<main><div class='entry-content'>{article_html()}</div><section id='comments' class='comments-area'>"
                     f"<h2>2 comments</h2><ol class='comment-list'><li>{comments}</li></ol></section></main>")
    body = body_of(page)
    assert_whole(body)
    assert "Nobody listens" not in body and "what a mess" not in body


@pytest.mark.parametrize(
    "box",
    [
        "<p><a href='/other'>Read More</a></p>",
        "<div class='inline-box'><h3>Related news</h3><ul><li><a href='/a'>Storm closes ports in the south</a></li>"
        "<li><a href='/b'>Council approves new river wall</a></li></ul></div>",
        "<p>(c) Jane Doe</p>",
        "<figure><img src='flood.jpg'><figcaption>© Marta Lind</figcaption></figure>",
    ],
)
def test_an_in_article_box_or_credit_does_not_end_the_article(box: str) -> None:
    assert_whole(body_of(html_page(f"<article><h1>Floods force families from Sarnel</h1>{article_html(box)}</article>")))


def test_a_photo_credit_in_plain_text_does_not_end_the_article() -> None:
    body = "\n\n".join([*PARAGRAPHS[:2], "(c) Jane Doe", *PARAGRAPHS[2:]])
    clean = clean_article(RawArticle(id="t", title="Floods force families from Sarnel", body=body))
    assert_whole(clean.body)
    assert "Jane Doe" not in clean.body


def test_a_copyright_footer_with_a_year_still_ends_the_article() -> None:
    body = "\n\n".join([*PARAGRAPHS, "© 2024 Sarnel Courier", "About us", "Contact"])
    clean = clean_article(RawArticle(id="t", title="Floods force families from Sarnel", body=body))
    assert_whole(clean.body)
    assert "About us" not in clean.body


# --- no silent empties ------------------------------------------------------------------------

CHROME_ONLY = html_page("<nav><a>Home</a> <a>World</a> <a>Sport</a></nav><div class='cookie'>We use cookies</div><footer>About us</footer>")


def test_a_page_without_content_is_rejected_as_no_content() -> None:
    with pytest.raises(RejectedMessage) as caught:
        clean(RawArticle(id="empty", body=CHROME_ONLY, content_type="text/html"))
    assert caught.value.reason == "no_content"


def test_no_content_is_never_enriched_offline_either() -> None:
    with pytest.raises(RejectedMessage, match="words"):
        Pipeline().run(RawArticle(id="empty", body=CHROME_ONLY, content_type="text/html"), 0)


def test_a_short_real_report_is_content() -> None:
    assert clean(RawArticle(id="short", body="Shelling in Daraa.")).body == "Shelling in Daraa."


# --- the size cap is on the clean text ----------------------------------------------------------


def test_a_two_megabyte_page_heavy_with_scripts_is_processed() -> None:
    script = "<script>var config = {" + ", ".join(f'"k{n}": "{"v" * 40}"' for n in range(40_000)) + "};</script>"
    page = html_page(f"<article><h1>Floods</h1>{article_html()}</article>", head=script)
    assert len(page.encode()) > 2_000_000
    raw = decode_raw(orjson.dumps({"id": "big", "body": page, "content_type": "text/html"}), max_body_bytes=1_000_000)
    assert_whole(clean(raw, 1_000_000).body)


def test_clean_text_over_the_cap_is_body_too_large() -> None:
    body = "\n\n".join(PARAGRAPHS * 20)
    with pytest.raises(RejectedMessage) as caught:
        clean(RawArticle(id="long", body=body), max_body_bytes=5_000)
    assert caught.value.reason == "body_too_large"


# --- dates --------------------------------------------------------------------------------------


def test_a_date_is_never_stitched_from_separate_phrases() -> None:
    body = ("The club's record, dating to 2007, was broken after the Nov. 9 loss at home, the coach said on the radio. "
            + " ".join(PARAGRAPHS))
    assert clean_article(RawArticle(id="d", title="Club record broken", body=body)).published is None


def test_a_date_range_is_one_expression() -> None:
    body = f"Strikes between Jan. 7 – 13, 2019 hit the valley, the statement said. {PARAGRAPHS[0]}"
    assert clean_article(RawArticle(id="d", title="Strikes in the valley", body=body)).published == date(2019, 1, 13)


@pytest.mark.parametrize(("stamp", "day"), [("2020-01-02T23:30:00-05:00", date(2020, 1, 2)), ("2020-01-03T01:30:00+05:00", date(2020, 1, 3))])
def test_the_publication_day_is_the_pages_own(stamp: str, day: date) -> None:
    head = f"<meta property='article:published_time' content='{stamp}'>"
    page = html_page(f"<article><h1>Floods</h1>{article_html()}</article>", head=head)
    assert clean_article(RawArticle(id="tz", body=page, content_type="text/html")).published == day
    assert clean_article(RawArticle(id="tz", body=LAST, published=stamp)).published == day


# --- a title that is the body's first characters ------------------------------------------------


@pytest.mark.parametrize("cut", [80, 60, 41])
def test_a_title_that_is_a_prefix_of_the_body_costs_it_nothing(cut: int) -> None:
    body = "\n\n".join(PARAGRAPHS)
    clean_body = clean_article(RawArticle(id="p", title=body[:cut], body=body)).body
    assert clean_body.startswith(PARAGRAPHS[0])
    assert_whole(clean_body)


def test_a_headline_run_into_the_first_paragraph_is_still_cut() -> None:
    title = "Floods force families from Sarnel"
    clean_article_ = clean_article(RawArticle(id="h", title=title, body=f"{title} | {PARAGRAPHS[0]}\n\n{PARAGRAPHS[1]}"))
    assert clean_article_.body.startswith(PARAGRAPHS[0])


# --- the selectolax rules, which read a page trafilatura finds nothing in -----------------------


def test_the_fallback_keeps_an_article_inside_a_form_and_skips_comment_articles() -> None:
    from selectolax.lexbor import LexborHTMLParser

    from sitrep.stages.clean.html import HtmlPage, _selectolax_text

    comment = "<article class='comment-body'><p>" + "I saw the water reach the square and nobody came to help us for hours. " * 6 + "</p></article>"
    page = html_page(f"<form id='aspnetForm'><input type='hidden' value='x'><div id='content'>{article_html()}</div>{comment}</form>")
    text = _selectolax_text(LexborHTMLParser(page), HtmlPage(text="")).text
    assert_whole(text)
    assert "nobody came" not in text
