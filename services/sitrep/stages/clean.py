"""Clean a scraped page into its main article (first version: paragraphs and whitespace only)."""

from __future__ import annotations

from sitrep.models import RawArticle
from sitrep.stages.types import CleanArticle


def clean_article(raw: RawArticle) -> CleanArticle:
    paragraphs = [p.strip() for p in raw.body.split("\n\n") if p.strip()]
    return CleanArticle(
        id=raw.id, source=raw.source, url=raw.url, title=raw.title.strip(),
        body="\n\n".join(paragraphs), replayed_at=raw.replayed_at,
    )
