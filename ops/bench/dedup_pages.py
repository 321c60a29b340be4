"""How copying sites change an article, and the pages they wrap it in, for the dedup benchmark.

Edits (``edit``): synonym swaps, reordered paragraphs or sentences, a number changed in one
place, an updated toll, a dropped paragraph, a "READ MORE" or advertisement line, a dropped
dateline, spelling. ``truncate`` cuts to 70 %, ``syndicate`` adds a credit line. ``page``
renders the result as a scraped page: plain text with menus, share bars, teasers and reader
comments, or HTML in one of several site layouts.
"""

from __future__ import annotations

import html
import random
import re

SYNONYMS = [
    ("air strikes", "airstrikes"), ("said", "reported"), ("said", "stated"), ("were killed", "died"),
    ("wounded", "injured"), ("injured", "hurt"), ("town", "city"), ("children", "minors"), ("people", "persons"),
    ("Britain-based", "UK-based"), ("Islamic State", "ISIS"), ("Islamic State", "Daesh"), ("rebel", "opposition"),
    ("government", "regime"), ("at least", "no fewer than"), ("hit", "struck"), ("rescue workers", "rescuers"),
    ("according to", "citing"), ("more than", "over"), ("residents", "locals"), ("civilians", "non-combatants"),
    ("warplanes", "jets"), ("shelling", "bombardment"), ("fighters", "militants"), ("village", "hamlet"),
    ("toll", "death toll"), ("the Observatory", "SOHR"), ("on Monday", "on Monday morning"), ("killed", "left dead"),
    ("houses", "homes"), ("fled", "escaped"), ("attack", "assault"), ("hospital", "medical facility"),
]
SPELLING = [("defence", "defense"), ("neighbourhood", "neighborhood"), ("authorised", "authorized"),
            ("centre", "center"), ("kilometres", "kilometers"), ("anaesthetics", "anesthetics")]
SYNDICATION = [
    "Authored by {src}:", "(Reuters) -", "This article originally appeared on {src}.", "Via {src}",
    "The following article was first published by {src}.", "Originally published by {src}.",
    "Source: {src}", "From our partners at {src}:", "Republished with permission from {src}.",
    "This story was produced by {src} and is shared under a syndication agreement.",
]
SYNDICATION_TAIL = [
    "This article was originally published on {src} and is republished here with permission.",
    "Copyright {src}. Distributed by our syndication partners.",
    "Read the original article on {src}.",
]
SITES = ["Levant Daily", "Syria Direct Watch", "Orient Wire", "The Arab Monitor", "Gulf Times Online",
         "Middle East Observer", "Frontline Dispatch", "Al Sharq Review", "Euphrates Post", "Global Conflict News",
         "The Beirut Report", "War Desk", "Peninsula Herald", "Crescent News Network", "South Front Mirror",
         "Veterans Today Wire", "News Syria 24", "Iraq Now", "Yemen Monitor", "The Levant Herald",
         "MEMO", "Sputnik Arabic Digest", "Anadolu Wire", "Kurdish Press", "Hawar Mirror"]
NAV = ["Home", "News", "World", "Middle East", "Syria", "Iraq", "Yemen", "Opinion", "Analysis", "Video", "Photos",
       "Sport", "Business", "About us", "Contact", "Donate", "Subscribe", "Search", "Login", "Español"]
COMMENT_NAMES = ["Pave Way IV", "Rob G", "You can call me Al", "northerntruthseeker", "Xoli Xoli", "Abu Hassan",
                 "John K", "Ivan", "Mustafa77", "truthseeker", "Guest", "Anonymous", "Hajji", "MarkG", "Lena",
                 "Syrian in exile", "Brian", "Jens Holm", "Canuck", "Damascus Rose", "Real Patriot", "Observer"]
COMMENTS = [
    "This is what happens when the world stays silent. Shame on all of them.",
    "The Observatory is one man in Coventry. Why does anyone still quote him?",
    "Show me the bodies and the names. Until then this is propaganda.",
    "May God have mercy on the victims and punish those who did this.",
    "Every week the same story and every week nobody is held accountable.",
    "Where is the UN? Where are the human rights organisations now?",
    "Funny how the 'monitor' always knows exactly whose planes they were.",
    "Terrorists hide among civilians and then cry when they are hit. Nothing new.",
    "I have family in that area. Nobody can reach them since yesterday. Please pray.",
    "The media only cares when it fits their agenda.",
    "Western governments armed these groups and now pretend to be shocked.",
    "Another massacre, another statement of concern, another week of silence.",
    "How many more children have to die before anything changes?",
    "This site has become a copy of the mainstream press. Disappointing.",
    "Good article, but you forgot to mention who started the fighting.",
    "The SDF and the coalition are one and the same, stop pretending otherwise.",
    "Russia is there legally, the US is not. Simple as that.",
    "Fake news. The video is from two years ago.",
    "Thank you for reporting this when nobody else does.",
    "I stopped believing any of these numbers years ago.",
    "Rest in peace. Those responsible will answer one day.",
    "And the ceasefire? What ceasefire? It never existed.",
]
COMMENT_LONG = [
    "All we have here is pure propaganda to sell to the world the lie that foreign armies are there to fight "
    "terrorism. The facts show otherwise. Follow the oil, follow the pipelines, follow the money and you will see "
    "who benefits from every one of these so-called strikes on terrorists.",
    "I have told you twice already, stop posting your propaganda here. Everybody can see what you are doing and "
    "nobody believes it any more. Blocked, and I recommend all others do the same.",
    "My cousin was a teacher in that province until the school was bombed. The children were moved to a tent and "
    "then the tent was moved three times. Nobody who writes these articles has any idea what it is like.",
    "People keep saying both sides are the same but that is simply not true if you look at who has the aircraft. "
    "Only one side can drop bombs from the sky and everybody knows which side that is.",
]


def _sentences(paragraph: str) -> list[str]:
    return re.split(r"(?<=[.!?\"”])\s+(?=[A-Z\"“])", paragraph)


def _swap_words(paras: list[str], rng: random.Random, n: int) -> list[str]:
    text = "\n\n".join(paras)
    pairs = rng.sample(SYNONYMS, len(SYNONYMS))
    done = 0
    for a, b in pairs:
        if done >= n:
            break
        src, dst = (a, b) if rng.random() < 0.8 else (b, a)
        hits = [m.start() for m in re.finditer(rf"\b{re.escape(src)}\b", text)]
        if not hits:
            continue
        at = rng.choice(hits)
        text = text[:at] + dst + text[at + len(src) :]
        done += 1
    return text.split("\n\n")


_NUM = re.compile(r"\b(\d{1,4})\b")
_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _change_number(paras: list[str], rng: random.Random) -> list[str]:
    spots = [(i, m) for i, p in enumerate(paras) for m in _NUM.finditer(p)]
    if not spots:
        return paras
    i, m = rng.choice(spots)
    value = int(m.group(1))
    new = str(value + rng.choice([-2, -1, 1, 2, 3, 5])) if value > 3 else str(value + 1)
    out = list(paras)
    out[i] = out[i][: m.start()] + new + out[i][m.end() :]
    return out


def _update_toll(paras: list[str], rng: random.Random) -> list[str]:
    """A later version: the main toll goes up everywhere it is quoted."""
    numbers = [int(x) for p in paras[:2] for x in _NUM.findall(p) if 2 <= int(x) < 1000]
    words = [w for p in paras[:1] for w in _WORDS if re.search(rf"\b{w}\b", p, re.I)]
    out = list(paras)
    if numbers:
        old = numbers[0]
        new = old + rng.randint(1, max(2, old // 3))
        out = [re.sub(rf"\b{old}\b", str(new), p) for p in out]
    elif words:
        old_w = words[0]
        new_w = str(_WORDS.index(old_w) + 2 + rng.randint(1, 4))
        out = [re.sub(rf"\b{old_w}\b", new_w, p, flags=re.I) for p in out]
    if rng.random() < 0.5:
        out.append(rng.choice(["The toll was later raised.", "This story has been updated with a new toll.",
                               "Updated with the latest toll from rescuers."]))
    return out


def _reorder(paras: list[str], rng: random.Random) -> list[str]:
    out = list(paras)
    if len(out) >= 4 and rng.random() < 0.6:
        i = rng.randrange(1, len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
        return out
    longest = max(range(len(out)), key=lambda k: len(_sentences(out[k])))
    sents = _sentences(out[longest])
    if len(sents) >= 2:
        j = rng.randrange(len(sents) - 1)
        sents[j], sents[j + 1] = sents[j + 1], sents[j]
        out[longest] = " ".join(sents)
    return out


def _drop_paragraph(paras: list[str], rng: random.Random) -> list[str]:
    if len(paras) < 5:
        return paras
    i = rng.randrange(1, len(paras))
    return paras[:i] + paras[i + 1 :]


def _insert_line(paras: list[str], rng: random.Random, teasers: list[str]) -> list[str]:
    line = rng.choice(["Advertisement", "ADVERTISEMENT", f"READ MORE: {rng.choice(teasers)}",
                       f"Also read: {rng.choice(teasers)}", "Story continues below", "(Photo: social media)"])
    i = rng.randrange(1, max(2, len(paras)))
    return paras[:i] + [line] + paras[i:]


def _drop_dateline(paras: list[str], rng: random.Random) -> list[str]:
    first = re.sub(r"^[A-Z][A-Za-z ,.]*\((?:Reuters|AFP|AP)\)\s*[-—–]\s*|^[A-Z]+: |^[A-Za-z ]+, SANA - ", "", paras[0])
    return [first[:1].upper() + first[1:], *paras[1:]]


def _spelling(paras: list[str], rng: random.Random) -> list[str]:
    out = "\n\n".join(paras)
    for a, b in SPELLING:
        out = out.replace(a, b)
    return out.split("\n\n")


def edit(paras: list[str], rng: random.Random, teasers: list[str]) -> tuple[list[str], list[str]]:
    """One to three light edits; returns the paragraphs and the names of the edits made."""
    ops = {
        "synonyms": lambda p: _swap_words(p, rng, rng.randint(2, 8)),
        "reorder": lambda p: _reorder(p, rng),
        "number": lambda p: _change_number(p, rng),
        "toll": lambda p: _update_toll(p, rng),
        "drop_paragraph": lambda p: _drop_paragraph(p, rng),
        "insert_line": lambda p: _insert_line(p, rng, teasers),
        "dateline": lambda p: _drop_dateline(p, rng),
        "spelling": lambda p: _spelling(p, rng),
    }
    names = rng.sample(sorted(ops), rng.choice([1, 1, 2, 2, 3]))
    for name in names:
        paras = ops[name](paras)
    return paras, names


def truncate(paras: list[str], rng: random.Random, share: float = 0.7) -> list[str]:
    """The first ``share`` of the words, cut mid-sentence or at a sentence end, maybe with a 'read more'."""
    words = "\n\n".join(paras).split(" ")
    cut = " ".join(words[: max(1, round(len(words) * share))])
    if rng.random() < 0.4:
        end = max(cut.rfind(". "), cut.rfind(".\n"))
        cut = cut[: end + 1] if end > len(cut) // 2 else cut
    elif rng.random() < 0.5:
        cut = cut.rstrip(",;: ") + rng.choice(["...", " …", " [...]"])
    out = cut.split("\n\n")
    if rng.random() < 0.5:
        out.append(rng.choice(["Read the full story", "Continue reading", "Read more", "Click here to read the full article."]))
    return out


def syndicate(paras: list[str], rng: random.Random, source: str) -> list[str]:
    """A credit line before (mostly) or after the article."""
    if rng.random() < 0.8:
        line = rng.choice(SYNDICATION).format(src=source)
        if line == "(Reuters) -":
            return [f"(Reuters) - {paras[0]}", *paras[1:]]
        return [line, *paras]
    return [*paras, rng.choice(SYNDICATION_TAIL).format(src=source)]


# --- pages --------------------------------------------------------------------------------------


def _comments(rng: random.Random, paras: list[str], n: int) -> list[tuple[str, str, str]]:
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.15 and paras:
            sentence = rng.choice(_sentences(rng.choice(paras)))
            text = f"\"{sentence}\" {rng.choice(['Yeah, right.', 'Says who?', 'Of course they did.', 'Sad.'])}"
        elif r < 0.35:
            text = rng.choice(COMMENT_LONG)
        else:
            text = " ".join(rng.sample(COMMENTS, rng.randint(1, 3)))
        when = (
            f"{rng.choice(['January', 'March', 'May', 'July', 'October'])} {rng.randint(1, 28)}, {rng.randint(2016, 2019)}"
            f" at {rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(['am', 'pm'])}"
        )
        out.append((rng.choice(COMMENT_NAMES), when, text))
    return out


def text_page(title: str, paras: list[str], rng: random.Random, site: str, teasers: list[tuple[str, str]]) -> str:
    """A scraped page as text: header chrome, the article, teasers, comments, footer."""
    head = [site, " | ".join(rng.sample(NAV, rng.randint(4, 9)))]
    if rng.random() < 0.5:
        head.append("Subscribe to our newsletter")
    head.append(title)
    head.append(
        rng.choice(
            [
                f"By {rng.choice(['Staff Writer', 'News Desk', 'Editorial Team', 'Our correspondent'])}",
                f"Posted by admin on {rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(2016, 2019)}",
                f"{rng.randint(1, 12)} min read",
            ]
        )
    )
    if rng.random() < 0.6:
        head.append(rng.choice(["Share this article: Facebook Twitter WhatsApp Email", "Share on Facebook Share on Twitter", "Tweet Share Pin Email"]))
    tail: list[str] = []
    if rng.random() < 0.5:
        tail.append(
            "Tags: " + ", ".join(rng.sample(["Syria", "Iraq", "Yemen", "Idlib", "airstrike", "ISIS", "Russia", "SDF", "war", "civilians", "Middle East"], 4))
        )
    if teasers and rng.random() < 0.7:
        tail.append(rng.choice(["Related articles", "You may also like", "Latest", "More from this section"]))
        for t_title, t_lead in rng.sample(teasers, min(len(teasers), rng.randint(2, 4))):
            tail.append(t_title)
            if rng.random() < 0.5:
                tail.append(t_lead)
    if rng.random() < 0.75:
        comments = _comments(rng, paras, rng.randint(1, 9))
        tail.append(rng.choice([f"{len(comments)} comments", "Leave a Reply", f"Comments ({len(comments)})", "Click to comment"]))
        for name, when, text in comments:
            tail.extend([name, when, text, "Reply"])
    if rng.random() < 0.4:
        tail.append(rng.choice(["Liked it? Take a second to support us on Patreon!", "Support independent journalism: donate today.", "Donate with PayPal"]))
    tail.append(f"© {rng.randint(2016, 2019)} {site}. All rights reserved. | Privacy | Terms")
    return "\n".join(head) + "\n\n" + "\n\n".join(paras) + "\n\n" + "\n".join(tail) + "\n"


def html_page(title: str, paras: list[str], rng: random.Random, site: str, teasers: list[tuple[str, str]]) -> str:
    """A scraped page as HTML in one of four layouts (WordPress, news CMS, Blogger, tag soup)."""
    e = html.escape
    nav = "".join(f"<li><a href='/{n.lower()}'>{e(n)}</a></li>" for n in rng.sample(NAV, rng.randint(4, 9)))
    comments = _comments(rng, paras, rng.randint(0, 8)) if rng.random() < 0.75 else []
    related = rng.sample(teasers, min(len(teasers), rng.randint(2, 4))) if teasers else []
    layout = rng.choice(["wordpress", "cms", "blogger", "soup"])
    if layout == "wordpress":
        body = "".join(f"<p>{e(p)}</p>" for p in paras)
        cm = "".join(
            f"<li class='comment'><div class='comment-author vcard'><b class='fn'>{e(n)}</b></div>"
            f"<div class='comment-metadata'>{e(w)}</div><div class='comment-content'><p>{e(t)}</p></div>"
            f"<div class='reply'><a>Reply</a></div></li>"
            for n, w, t in comments
        )
        rel = "".join(f"<li><a href='#'>{e(t)}</a></li>" for t, _ in related)
        return (
            f"<html><head><title>{e(title)} – {e(site)}</title></head><body><header class='site-header'>"
            f"<p class='site-title'>{e(site)}</p><nav class='main-navigation'><ul>{nav}</ul></nav></header>"
            f"<main id='main'><article class='post'><h1 class='entry-title'>{e(title)}</h1>"
            f"<div class='entry-meta'>Posted on {rng.randint(1, 28)} May {rng.randint(2016, 2019)} by admin</div>"
            f"<div class='entry-content'>{body}<div class='sharedaddy'>Share this: Twitter Facebook</div></div></article>"
            + (
                f"<div id='comments' class='comments-area'><h2 class='comments-title'>{len(comments)} thoughts on “{e(title)}”</h2>"
                f"<ol class='comment-list'>{cm}</ol></div>"
                if comments
                else ""
            )
            + f"<aside class='widget-area'><section class='widget'><h2>Recent Posts</h2><ul>{rel}</ul></section></aside></main>"
            f"<footer class='site-footer'>© {e(site)}</footer></body></html>"
        )
    if layout == "cms":
        body = ""
        for i, p in enumerate(paras):
            body += f"<p>{e(p)}</p>"
            if i == 1 and rng.random() < 0.5:
                body += "<div class='ad-slot'>Advertisement</div>"
        cm = "".join(f"<div class='comment'><span class='author'>{e(n)}</span><time>{e(w)}</time><p>{e(t)}</p></div>" for n, w, t in comments)
        rel = "".join(f"<article class='teaser'><h4>{e(t)}</h4><p>{e(lede)}</p></article>" for t, lede in related)
        return (
            f"<!doctype html><html><head><title>{e(title)}</title></head><body><div class='top-bar'>{e(site)}<ul class='menu'>{nav}</ul></div>"
            f"<div class='article'><div class='article__header'><h1>{e(title)}</h1><span class='article__byline'>By News Desk</span></div>"
            f"<div class='article__body'>{body}</div><div class='social-share'>Share Tweet Email</div></div>"
            f"<section class='related-articles'><h3>Related</h3>{rel}</section>"
            + (f"<section class='comments'><h3>Comments</h3>{cm}</section>" if comments else "")
            + f"<div class='footer'>© {e(site)} · Privacy policy · Cookies</div></body></html>"
        )
    if layout == "blogger":
        body = "<br /><br />".join(e(p) for p in paras)
        cm = "".join(
            f"<dt class='comment-author'>{e(n)} said...</dt><dd class='comment-body'><p>{e(t)}</p></dd><dd class='comment-footer'>{e(w)}</dd>"
            for n, w, t in comments
        )
        return (
            f"<html><body><div class='header'><h1>{e(site)}</h1></div><div class='main'><div class='post hentry'>"
            f"<h3 class='post-title entry-title'>{e(title)}</h3><div class='post-body entry-content'>{body}</div>"
            f"<div class='post-footer'>Posted by Admin at 9:14 AM Labels: Syria, War</div></div>"
            + (f"<div class='comments' id='comments'><h4>{len(comments)} comments:</h4><dl id='comments-block'>{cm}</dl></div>" if comments else "")
            + f"<div class='sidebar'><h2>Popular Posts</h2>{''.join(f'<a>{e(t)}</a><br/>' for t, _ in related)}</div></div></body></html>"
        )
    body = "".join(f"<div>{e(p)}</div><div><br></div>" for p in paras)
    cm = "".join(f"<div><b>{e(n)}</b> <i>{e(w)}</i><div>{e(t)}</div></div>" for n, w, t in comments)
    return (
        f"<html><body><table><tr><td>{e(site)}</td><td>{' · '.join(e(n) for n in rng.sample(NAV, 5))}</td></tr></table>"
        f"<div><div><font size='5'><b>{e(title)}</b></font></div>{body}</div>"
        + (f"<div><b>Comments</b>{cm}</div>" if comments else "")
        + f"<div>{''.join(f'<a>{e(t)}</a> ' for t, _ in related)}</div><div>Copyright {e(site)}</div></body></html>"
    )
