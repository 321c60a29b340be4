"""``sitrep topics create``: the public topics with the configured partitions."""

from __future__ import annotations

from sitrep.settings import Settings
from sitrep.stream.kafka import create_topics, preflight


def create(settings: Settings) -> int:
    preflight(settings)
    created = create_topics(settings)
    for name in settings.topics.public():
        print(f"{'created' if name in created else 'exists '}  {name}")
    return 0
