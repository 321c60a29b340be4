"""Clean: the main article of a scraped page (text or HTML), its metadata, and what was cut.

``article`` runs the steps: ``html`` turns markup into logical lines, ``text`` tidies
characters, ``rules`` and ``structure`` label lines as chrome, comments or teasers,
``dates``, ``published`` and ``meta`` find the date, dateline, byline, outlet and language.
"""

from sitrep.stages.clean.article import clean_article, warm_up

__all__ = ["clean_article", "warm_up"]
